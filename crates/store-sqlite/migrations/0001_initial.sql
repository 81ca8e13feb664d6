-- countersign SQLite schema, version 1.
--
-- Applied once, inside a transaction, by src/migrate.rs, which then sets
-- PRAGMA user_version = 1. Never edit a migration that has shipped: add
-- the next NNNN_name.sql instead.
--
-- Conventions:
-- * Ids are text: party slugs, and lowercase hex SHA-256 for envelopes and
--   tokens (so text order is byte order).
-- * Timestamps are kept as their canonical RFC 3339 text, which is what the
--   domain types read back. Where rows are ordered or filtered by time, the
--   same instant is also kept as two integers, Unix seconds (`*_s`) and the
--   nanoseconds within the second (`*_ns`): canonical text only sorts when
--   the precision is the same, and the integers are exact for every
--   precision the canonical form allows.
-- * Vocabulary values (TLP, severity, ...) are their stable text forms.

CREATE TABLE parties (
    id           TEXT PRIMARY KEY NOT NULL,
    json         TEXT NOT NULL,                    -- the Party, serde JSON
    local        INTEGER NOT NULL CHECK (local IN (0, 1)),
    signed_entry TEXT,                             -- signed directory entry, file form
    updated      TEXT NOT NULL
) STRICT;

CREATE TABLE envelopes (
    id         TEXT PRIMARY KEY NOT NULL,
    type       TEXT NOT NULL,
    from_party TEXT NOT NULL,
    created    TEXT NOT NULL,
    created_s  INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    tlp        TEXT NOT NULL,
    direction  TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
    stored     TEXT NOT NULL,
    json       TEXT NOT NULL                       -- the signed envelope, file form
) STRICT;

CREATE INDEX envelopes_from ON envelopes (from_party, created_s, created_ns);
CREATE INDEX envelopes_type ON envelopes (type, created_s, created_ns);

-- The `to` list of every envelope, in order. Notifications use it too.
CREATE TABLE envelope_recipients (
    envelope_id TEXT NOT NULL REFERENCES envelopes (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    party       TEXT NOT NULL,
    PRIMARY KEY (envelope_id, position),
    UNIQUE (envelope_id, party)
) STRICT, WITHOUT ROWID;

CREATE INDEX envelope_recipients_party ON envelope_recipients (party, envelope_id);

-- The searchable summary of notification envelopes.
CREATE TABLE notifications (
    id             TEXT PRIMARY KEY NOT NULL REFERENCES envelopes (id) ON DELETE CASCADE,
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

-- Listing is newest first by (created, id), with keyset pagination.
CREATE INDEX notifications_newest
    ON notifications (created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_from
    ON notifications (from_party, created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_category
    ON notifications (category, created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_category_class
    ON notifications (category_class, created_s DESC, created_ns DESC, id DESC);

-- AUTOINCREMENT: a user id is never reused, even after a row is deleted.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    party         TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,                   -- PHC string, never the password
    created       TEXT NOT NULL
) STRICT;

-- Tokens by the SHA-256 of their secret; the secret is never stored.
CREATE TABLE tokens (
    hash    TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('api', 'session')),
    label   TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT
) STRICT;

CREATE INDEX tokens_user ON tokens (user_id);
