-- countersign SQLite schema, version 8: a compact index for envelope ids.
--
-- Version 7 keyed every table about an envelope on its integer `seq`, but
-- `envelopes.id TEXT NOT NULL UNIQUE` stayed: an index of 64-character
-- hex keys (about 75 bytes an entry), random by nature (an id is a
-- SHA-256), so each stored envelope dirtied one of its pages at random.
-- Read off the WAL of a receiving node under load (bench/federation.sh,
-- 10,000 notifications), it was half of all the pages each commit wrote,
-- and the more envelopes a node holds the less of it stays in the cache.
--
-- It is replaced by `id_key`, the first 8 bytes of the id as a big-endian
-- signed integer (the id is already a hash; `store::id_key` in Rust), in a
-- plain index: about 12 bytes an entry, a fifth of the pages. The index
-- is not unique and only finds candidates: every lookup also compares the
-- full `id`, so two ids sharing a key (about 2^32 work to make on purpose)
-- cost a row read, never a wrong answer. That ids are unique is kept by
-- the store, which looks the id up before inserting it in the same write
-- transaction (writes are serialised: BEGIN IMMEDIATE, one writer).
--
-- SQLite cannot drop a UNIQUE constraint, so `envelopes` is rebuilt with
-- the same seq values (the generalised ALTER TABLE procedure of the SQLite
-- documentation: migrate.rs runs migrations with foreign key enforcement
-- off and checks every foreign key before committing). The child tables
-- refer to `envelopes (seq)` by name, so they follow the rename unchanged.
-- The two triggers that name `envelopes` are dropped first and made again
-- as they were. `id_key` is 0 here and filled for the existing rows by the
-- Rust step that runs right after this file in the same transaction.

DROP TRIGGER taxii_queue_evidence;
DROP TRIGGER deliveries_queue;

CREATE TABLE envelopes_new (
    seq        INTEGER PRIMARY KEY,              -- storage order
    -- First 8 bytes of the id, big-endian signed: finds the row of an id.
    id_key     INTEGER NOT NULL,
    id         TEXT NOT NULL,
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

INSERT INTO envelopes_new (seq, id_key, id, type, from_party, created, created_s, created_ns,
    tlp, direction, stored, json)
SELECT seq, 0, id, type, from_party, created, created_s, created_ns, tlp, direction, stored, json
FROM envelopes
ORDER BY seq;

DROP TABLE envelopes;
ALTER TABLE envelopes_new RENAME TO envelopes;

CREATE INDEX envelopes_id_key ON envelopes (id_key);

-- As in version 7.
CREATE TRIGGER taxii_queue_evidence AFTER INSERT ON envelopes
WHEN NEW.type = 'notification'
BEGIN
    INSERT OR IGNORE INTO taxii_evidence_pending (envelope_seq) VALUES (NEW.seq);
END;

CREATE TRIGGER deliveries_queue AFTER INSERT ON envelope_recipients
WHEN (SELECT direction = 'sent' AND type IN ('notification', 'reply', 'rating')
      FROM envelopes WHERE seq = NEW.envelope_seq)
BEGIN
    INSERT OR IGNORE INTO deliveries (envelope_seq, party, state, created_s)
    SELECT NEW.envelope_seq, NEW.party, 'queued', created_s
    FROM envelopes WHERE seq = NEW.envelope_seq;
END;
