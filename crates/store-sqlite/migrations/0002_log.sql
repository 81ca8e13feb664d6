-- countersign SQLite schema, version 2: the node's transparency log and
-- its witness state.
--
-- The log follows the Sunlight/Tessera pattern: sequencing state in the
-- database, tiles as content. Here the content is a table of the same
-- database rather than files beside it, so one transaction commits the
-- new entries, their tiles and the new tree state: one fsync per batch,
-- and no state in which the tree size names tiles that were never
-- written (or tiles exist for a size that was rolled back). The tree
-- hashing and the tile layout are the node's; this schema only stores.

-- The sequencing state: one row, the empty tree to begin with.
CREATE TABLE log_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    size  INTEGER NOT NULL CHECK (size >= 0),
    root  BLOB NOT NULL CHECK (length(root) = 32),
    -- The right border of the tree: the hashes of the complete subtrees
    -- of the binary decomposition of size, largest first, 32 bytes each.
    range BLOB NOT NULL CHECK (length(range) % 32 = 0)
) STRICT;

INSERT INTO log_state (id, size, root, range)
VALUES (1, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', x'');

-- Tiles and entry bundles (C2SP tlog-tiles), keyed by the path of the
-- full tile (`tile/0/x001/234`, `tile/entries/000`). A partial tile is a
-- prefix of the full one, so the row is rewritten as the tile grows and
-- a `.p/<W>` path is served from the first W hashes or entries.
CREATE TABLE log_tiles (
    path  TEXT PRIMARY KEY NOT NULL,
    width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
    data  BLOB NOT NULL
) STRICT;

-- Envelopes waiting for a log leaf, in arrival order. A row is inserted
-- in the envelope's own transaction and removed in the batch that gives
-- the envelope its leaf.
CREATE TABLE log_pending (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    envelope_id TEXT NOT NULL UNIQUE REFERENCES envelopes (id) ON DELETE CASCADE
) STRICT;

-- The leaf index of each envelope, once integrated.
ALTER TABLE envelopes ADD COLUMN log_index INTEGER CHECK (log_index >= 0);
CREATE UNIQUE INDEX envelopes_log_index ON envelopes (log_index) WHERE log_index IS NOT NULL;

-- Envelopes stored before the log existed get their leaves first.
INSERT INTO log_pending (envelope_id)
SELECT id FROM envelopes ORDER BY created_s, created_ns, id;

-- The latest published checkpoint: one row, only ever replaced by a
-- larger one.
CREATE TABLE log_checkpoint (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    text TEXT NOT NULL
) STRICT;

-- Witness: the latest checkpoint cosigned for each log origin.
CREATE TABLE witness_logs (
    origin     TEXT PRIMARY KEY NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    root       BLOB NOT NULL CHECK (length(root) = 32),
    checkpoint TEXT NOT NULL,
    updated    TEXT NOT NULL
) STRICT;

-- Split-view evidence: two validly signed checkpoints of one origin that
-- cannot both be true.
CREATE TABLE split_views (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    origin      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('same-size', 'bad-consistency-proof')),
    held        TEXT NOT NULL,
    conflicting TEXT NOT NULL,
    proof       BLOB NOT NULL CHECK (length(proof) % 32 = 0),
    recorded    TEXT NOT NULL,
    UNIQUE (origin, held, conflicting)
) STRICT;
