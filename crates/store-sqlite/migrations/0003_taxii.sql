-- countersign SQLite schema, version 3: the TAXII 2.1 server.
--
-- Conventions as in 0001_initial.sql. Times that TAXII orders by are
-- integers: `date_added_us` (microseconds since the Unix epoch, the
-- precision TAXII timestamps have) and `version_ns` (nanoseconds, so any
-- STIX timestamp precision compares exactly).

-- One row per object version and collection.
CREATE TABLE taxii_objects (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    collection    TEXT NOT NULL,                    -- collection id (UUID)
    date_added_us INTEGER NOT NULL,                 -- unique, strictly increasing (taxii_clock)
    stix_id       TEXT NOT NULL,
    type          TEXT NOT NULL,
    spec_version  TEXT NOT NULL,
    version       TEXT NOT NULL,                    -- as written (or date_added)
    version_ns    INTEGER NOT NULL,
    owner         TEXT NOT NULL,                    -- party
    tlp           TEXT NOT NULL,
    tlp_rank      INTEGER NOT NULL,                 -- 0 clear .. 4 red
    envelope_id   TEXT,                             -- notification the evidence came with
    -- The source of a version: its notification, or for a POST its owner.
    -- One version per source, so a re-POST is idempotent. This index also
    -- serves `match[id]` and `match[version]=first|last`.
    source        TEXT NOT NULL,
    json          TEXT NOT NULL,
    UNIQUE (collection, stix_id, version_ns, source)
) STRICT;

-- Paging: by date_added within a collection. Two indexes in all, because
-- every index is written on every POSTed object.
CREATE INDEX taxii_objects_added ON taxii_objects (collection, date_added_us);

-- The last date_added handed out (µs): never goes back, even when the
-- newest rows are deleted or the clock steps back.
CREATE TABLE taxii_clock (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_us INTEGER NOT NULL
) STRICT;
INSERT INTO taxii_clock (id, last_us) VALUES (1, 0);

-- Status resources of POST requests (TAXII 2.1 §4.3).
CREATE TABLE taxii_status (
    id    TEXT PRIMARY KEY NOT NULL,
    owner TEXT NOT NULL,
    json  TEXT NOT NULL
) STRICT;

-- Notifications whose evidence is still to be filed in the collections.
-- Every notification envelope is queued by the trigger in the transaction
-- that stores it; the node files the evidence and removes the entry.
CREATE TABLE taxii_evidence_pending (
    envelope_id TEXT PRIMARY KEY NOT NULL REFERENCES envelopes (id) ON DELETE CASCADE
) STRICT;

CREATE TRIGGER taxii_queue_evidence AFTER INSERT ON envelopes
WHEN NEW.type = 'notification'
BEGIN
    INSERT OR IGNORE INTO taxii_evidence_pending (envelope_id) VALUES (NEW.id);
END;

-- Notifications stored before this migration.
INSERT INTO taxii_evidence_pending (envelope_id)
    SELECT id FROM envelopes WHERE type = 'notification';
