-- countersign SQLite schema, version 6: a compact index for TAXII ids.
--
-- Version 3 made re-POSTs idempotent with UNIQUE (collection, stix_id,
-- version_ns, source): about 140 bytes of text an entry, keyed on random
-- STIX ids, so each 1,000-object POST rewrote nearly every page of that
-- index, two thirds of the commit's WAL writes at 10,000 objects and more
-- as the collection grows. It is replaced by `id_hash`, the first 8 bytes
-- of SHA-256 of (collection, 0x00, stix_id) as a big-endian signed integer
-- (computed in Rust: `taxii::id_hash`), indexed with `version_ns`: about 20
-- bytes an entry. The index is not unique and only finds candidates; every
-- lookup also compares collection, stix_id (and source) exactly, so a hash
-- collision costs a row read, never a wrong answer. Uniqueness of
-- (collection, stix_id, version_ns, source) is kept by the store, which
-- looks a version up before inserting it in the same write transaction
-- (writes are serialised by BEGIN IMMEDIATE).
--
-- SQLite cannot drop a UNIQUE table constraint, so the table is rebuilt
-- with the same seq values, and its AUTOINCREMENT counter is carried over
-- so the seq of deleted rows is never reused. `id_hash` is 0 here and
-- filled for the existing rows by the Rust step that runs right after this
-- file in the same transaction (migrate.rs).

CREATE TABLE taxii_objects_new (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    collection    TEXT NOT NULL,                    -- collection id (UUID)
    -- First 8 bytes of SHA-256(collection 0x00 stix_id): finds the rows of
    -- an id for idempotent POSTs, `match[id]` and `match[version]`.
    id_hash       INTEGER NOT NULL,
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
    -- One version per source (checked by the store), so a re-POST is
    -- idempotent.
    source        TEXT NOT NULL,
    json          TEXT NOT NULL
) STRICT;

INSERT INTO taxii_objects_new (seq, collection, id_hash, date_added_us, stix_id, type,
    spec_version, version, version_ns, owner, tlp, tlp_rank, envelope_id, source, json)
    SELECT seq, collection, 0, date_added_us, stix_id, type, spec_version, version,
        version_ns, owner, tlp, tlp_rank, envelope_id, source, json
    FROM taxii_objects ORDER BY seq;

-- Carry the AUTOINCREMENT counter over (the RENAME below renames it too).
DELETE FROM sqlite_sequence WHERE name = 'taxii_objects_new';
UPDATE sqlite_sequence SET name = 'taxii_objects_new' WHERE name = 'taxii_objects';

DROP TABLE taxii_objects;
ALTER TABLE taxii_objects_new RENAME TO taxii_objects;

-- Paging: by date_added within a collection (as in version 3).
CREATE INDEX taxii_objects_added ON taxii_objects (collection, date_added_us);
-- The rows of an id, by version: idempotency, `match[id]`,
-- `match[version]=first|last`.
CREATE INDEX taxii_objects_id ON taxii_objects (id_hash, version_ns);
