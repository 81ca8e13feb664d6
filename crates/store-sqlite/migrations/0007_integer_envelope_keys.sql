-- countersign SQLite schema, version 7: integer envelope keys.
--
-- Until version 6 every table about an envelope was keyed on its id, the
-- 64-character hex SHA-256: random, so each insert landed on a random leaf
-- page of each such B-tree, and each dirtied page is a 4 KiB WAL frame per
-- commit, copied again by the checkpointer. Filing one notification and
-- storing its receipt touched about 17 random pages (envelopes, recipients
-- ×3, notifications, log queue in and out, deliveries, receipts, refs, the
-- TAXII queue, ...), and the more envelopes a node holds the less of those
-- trees stays in the cache.
--
-- Now `envelopes` has `seq INTEGER PRIMARY KEY`, its storage order, and
-- every child table is keyed on it, so their rows are appended at the end
-- of their trees and a commit dirties the same few tail pages whatever
-- the number of envelopes in it. `id TEXT NOT NULL UNIQUE` is the one
-- random index left (an id is what callers and peers look envelopes up
-- by). Ids are found through it: `notifications` keeps its `id` column
-- for the listing order (created, id) and its cursors, but no index of
-- its own on it.
--
-- Other changes, each removing a write per envelope:
-- * `envelope_recipients` is keyed (envelope_seq, party), which is also
--   the UNIQUE rule; `position` is a plain column (the node writes
--   0, 1, 2, ... from the signed `to` list): one index fewer.
-- * `log_pending` is keyed by the envelope's seq alone: arrival order is
--   seq order, and the UNIQUE on the text id was redundant with the
--   envelope's own.
-- * `envelope_refs` holds the refs of replies and ratings only, written
--   from Rust (which has them parsed) instead of a trigger running
--   `json_each` over every stored envelope: the only queries of it are
--   "the replies of a notification" and "the ratings of a reply" (first
--   reference, `FederationStore::referring`, obligations.rs). Receipts,
--   the other envelopes with refs, are found through `receipts`.
-- * `envelopes_from` and `envelopes_type` are dropped: no query uses them.
-- * The log index moves out of `envelopes` into `envelope_leaves`
--   (log_index, envelope_seq): setting it used to rewrite the envelope's
--   row, so every integrated batch wrote again each data page its
--   envelopes had just been written to (a kilobyte or two a row); now it
--   appends a 16-byte row.
-- * `deliveries` and `receipts` are WITHOUT ROWID tables keyed
--   (envelope_seq, party): one B-tree each instead of two.
--
-- The seq of existing envelopes follows the log: integrated envelopes by
-- log index, then the queued ones in queue order, then any others (none
-- are expected) in rowid order; so storage order, log order and queue
-- order stay one order. Every row is copied; rows that cannot be keyed
-- (a receipt or delivery naming an envelope that is not stored) make the
-- migration fail before this file runs (`migrate.rs`, `check_v7`), so no
-- receipt is lost silently. The seq is not AUTOINCREMENT: envelopes are
-- never deleted by the node, and every table holding a seq references
-- `envelopes (seq)`, so a seq is never left pointing at nothing.
--
-- SQLite cannot re-key a table in place, so each one is rebuilt: new
-- tables are created as `*_new` referring to `envelopes_new`, filled, the
-- old ones dropped (children first), and the new ones renamed, which also
-- renames their foreign keys' target.

DROP TRIGGER taxii_queue_evidence;
DROP TRIGGER deliveries_queue;
DROP TRIGGER envelope_refs_index;

CREATE TABLE envelopes_new (
    seq        INTEGER PRIMARY KEY,              -- storage order
    id         TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    from_party TEXT NOT NULL,
    created    TEXT NOT NULL,
    created_s  INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    tlp        TEXT NOT NULL,
    direction  TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
    stored     TEXT NOT NULL,
    json       TEXT NOT NULL                     -- the signed envelope, file form
) STRICT;

INSERT INTO envelopes_new (seq, id, type, from_party, created, created_s, created_ns, tlp,
    direction, stored, json)
SELECT row_number() OVER (ORDER BY e.log_index IS NULL, e.log_index, p.seq IS NULL, p.seq,
        e.rowid),
    e.id, e.type, e.from_party, e.created, e.created_s, e.created_ns, e.tlp, e.direction,
    e.stored, e.json
FROM envelopes e LEFT JOIN log_pending p ON p.envelope_id = e.id
ORDER BY 1;

-- The leaf index of each integrated envelope: one narrow row, appended
-- (both keys grow) in the batch that integrates it.
CREATE TABLE envelope_leaves (
    log_index    INTEGER PRIMARY KEY CHECK (log_index >= 0),
    envelope_seq INTEGER NOT NULL UNIQUE REFERENCES envelopes_new (seq) ON DELETE CASCADE
) STRICT;

INSERT INTO envelope_leaves (log_index, envelope_seq)
SELECT e.log_index, n.seq FROM envelopes e JOIN envelopes_new n ON n.id = e.id
WHERE e.log_index IS NOT NULL
ORDER BY e.log_index;

-- The `to` list of every envelope; `position` is its order in `to`.
CREATE TABLE envelope_recipients_new (
    envelope_seq INTEGER NOT NULL REFERENCES envelopes_new (seq) ON DELETE CASCADE,
    party        TEXT NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (envelope_seq, party)
) STRICT, WITHOUT ROWID;

INSERT INTO envelope_recipients_new (envelope_seq, party, position)
SELECT n.seq, r.party, r.position
FROM envelope_recipients r JOIN envelopes_new n ON n.id = r.envelope_id
ORDER BY n.seq, r.party;

-- The searchable summary of notification envelopes, by the envelope's seq.
CREATE TABLE notifications_new (
    seq            INTEGER PRIMARY KEY REFERENCES envelopes_new (seq) ON DELETE CASCADE,
    id             TEXT NOT NULL,                  -- the envelope id, for order and cursors
    from_party     TEXT NOT NULL,
    created        TEXT NOT NULL,
    created_s      INTEGER NOT NULL,
    created_ns     INTEGER NOT NULL,
    title          TEXT NOT NULL,
    title_folded   TEXT NOT NULL,                  -- lowercased, for the text filter
    category       TEXT NOT NULL,                  -- RSIT class/type
    category_class TEXT NOT NULL,                  -- RSIT class alone
    severity       TEXT NOT NULL,
    tlp            TEXT NOT NULL,
    tlp_rank       INTEGER NOT NULL,               -- 0 clear .. 4 red, for max_tlp
    sufficiency    TEXT NOT NULL,
    ack_by         TEXT NOT NULL,
    reply_by       TEXT NOT NULL,
    attachments    INTEGER NOT NULL CHECK (attachments >= 0),
    direction      TEXT NOT NULL CHECK (direction IN ('sent', 'received'))
) STRICT;

INSERT INTO notifications_new (seq, id, from_party, created, created_s, created_ns, title,
    title_folded, category, category_class, severity, tlp, tlp_rank, sufficiency, ack_by,
    reply_by, attachments, direction)
SELECT n.seq, o.id, o.from_party, o.created, o.created_s, o.created_ns, o.title,
    o.title_folded, o.category, o.category_class, o.severity, o.tlp, o.tlp_rank, o.sufficiency,
    o.ack_by, o.reply_by, o.attachments, o.direction
FROM notifications o JOIN envelopes_new n ON n.id = o.id
ORDER BY n.seq;

-- Envelopes waiting for a log leaf, in arrival (= seq) order.
CREATE TABLE log_pending_new (
    envelope_seq INTEGER PRIMARY KEY REFERENCES envelopes_new (seq) ON DELETE CASCADE
) STRICT;

INSERT INTO log_pending_new (envelope_seq)
SELECT n.seq FROM log_pending p JOIN envelopes_new n ON n.id = p.envelope_id
ORDER BY n.seq;

-- Notifications whose evidence is still to be filed in the TAXII collections.
CREATE TABLE taxii_evidence_pending_new (
    envelope_seq INTEGER PRIMARY KEY REFERENCES envelopes_new (seq) ON DELETE CASCADE
) STRICT;

INSERT INTO taxii_evidence_pending_new (envelope_seq)
SELECT n.seq FROM taxii_evidence_pending p JOIN envelopes_new n ON n.id = p.envelope_id
ORDER BY n.seq;

-- The outbox (as in version 4), by envelope seq; `receipt_seq` is the
-- receipt envelope once delivered.
CREATE TABLE deliveries_new (
    envelope_seq    INTEGER NOT NULL REFERENCES envelopes_new (seq) ON DELETE CASCADE,
    party           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Unix microseconds; 0 = due at once.
    next_attempt_us INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds of the envelope's creation: `delivery_timeout` counts from it.
    created_s       INTEGER NOT NULL,
    last_error      TEXT,
    receipt_seq     INTEGER REFERENCES envelopes_new (seq),
    updated_us      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (envelope_seq, party)
) STRICT, WITHOUT ROWID;

INSERT INTO deliveries_new (envelope_seq, party, state, attempts, next_attempt_us, created_s,
    last_error, receipt_seq, updated_us)
SELECT n.seq, d.party, d.state, d.attempts, d.next_attempt_us, d.created_s, d.last_error,
    r.seq, d.updated_us
FROM deliveries d JOIN envelopes_new n ON n.id = d.envelope_id
    LEFT JOIN envelopes_new r ON r.id = d.receipt_id
ORDER BY n.seq, d.party;

-- Which receipt acknowledges an envelope for a party (as in version 4).
CREATE TABLE receipts_new (
    envelope_seq INTEGER NOT NULL REFERENCES envelopes_new (seq) ON DELETE CASCADE,
    party        TEXT NOT NULL,
    receipt_seq  INTEGER NOT NULL REFERENCES envelopes_new (seq),
    PRIMARY KEY (envelope_seq, party)
) STRICT, WITHOUT ROWID;

INSERT INTO receipts_new (envelope_seq, party, receipt_seq)
SELECT n.seq, c.party, r.seq
FROM receipts c JOIN envelopes_new n ON n.id = c.envelope_id
    JOIN envelopes_new r ON r.id = c.receipt_id
ORDER BY n.seq, c.party;

-- The refs of replies and ratings, in order. `ref` stays text: it may name
-- an envelope this node does not hold.
CREATE TABLE envelope_refs_new (
    envelope_seq INTEGER NOT NULL REFERENCES envelopes_new (seq) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    ref          TEXT NOT NULL,
    PRIMARY KEY (envelope_seq, position)
) STRICT, WITHOUT ROWID;

INSERT INTO envelope_refs_new (envelope_seq, position, ref)
SELECT n.seq, r.position, r.ref
FROM envelope_refs r JOIN envelopes_new n ON n.id = r.envelope_id
WHERE n.type IN ('reply', 'rating')
ORDER BY n.seq, r.position;

-- Children first: each old one refers to the old `envelopes`.
DROP TABLE envelope_refs;
DROP TABLE receipts;
DROP TABLE deliveries;
DROP TABLE taxii_evidence_pending;
DROP TABLE log_pending;
DROP TABLE notifications;
DROP TABLE envelope_recipients;
DROP TABLE envelopes;

ALTER TABLE envelopes_new RENAME TO envelopes;
ALTER TABLE envelope_recipients_new RENAME TO envelope_recipients;
ALTER TABLE notifications_new RENAME TO notifications;
ALTER TABLE log_pending_new RENAME TO log_pending;
ALTER TABLE taxii_evidence_pending_new RENAME TO taxii_evidence_pending;
ALTER TABLE deliveries_new RENAME TO deliveries;
ALTER TABLE receipts_new RENAME TO receipts;
ALTER TABLE envelope_refs_new RENAME TO envelope_refs;

-- Recipients' envelopes: listings and TAXII visibility ("am I a recipient").
CREATE INDEX envelope_recipients_party ON envelope_recipients (party, envelope_seq);

-- Listing is newest first by (created, id), with keyset pagination (as in
-- version 1). Live notifications are created now, so these grow at the end.
CREATE INDEX notifications_newest
    ON notifications (created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_from
    ON notifications (from_party, created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_category
    ON notifications (category, created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_category_class
    ON notifications (category_class, created_s DESC, created_ns DESC, id DESC);

-- Due deliveries, oldest due first; with the key, (next_attempt_us,
-- envelope_seq, party), so new rows (due at 0) are appended.
CREATE INDEX deliveries_due ON deliveries (next_attempt_us) WHERE state = 'queued';

-- The replies of a notification, the ratings of a reply.
CREATE INDEX envelope_refs_ref ON envelope_refs (ref);

-- Every notification is queued for its evidence to be filed (0003_taxii.sql).
CREATE TRIGGER taxii_queue_evidence AFTER INSERT ON envelopes
WHEN NEW.type = 'notification'
BEGIN
    INSERT OR IGNORE INTO taxii_evidence_pending (envelope_seq) VALUES (NEW.seq);
END;

-- The outbox is derived (0004_federation.sql): one delivery per recipient
-- of every envelope this node sends of a deliverable type, in the
-- transaction that stores its recipients.
CREATE TRIGGER deliveries_queue AFTER INSERT ON envelope_recipients
WHEN (SELECT direction = 'sent' AND type IN ('notification', 'reply', 'rating')
      FROM envelopes WHERE seq = NEW.envelope_seq)
BEGIN
    INSERT OR IGNORE INTO deliveries (envelope_seq, party, state, created_s)
    SELECT NEW.envelope_seq, NEW.party, 'queued', created_s
    FROM envelopes WHERE seq = NEW.envelope_seq;
END;
