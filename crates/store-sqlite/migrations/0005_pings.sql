-- Communication checks (issue 4, docs/federation.md "Communication
-- checks"): signed ping and pong between parties, modelled on the UN
-- points-of-contact directory checks. One row per peer party, updated in
-- place: pings are not envelopes of record, so they are neither stored as
-- envelopes nor logged (a leaf per ping every few minutes would flood the
-- log with entries that prove nothing about notifications).
CREATE TABLE pings (
    party                TEXT PRIMARY KEY NOT NULL,
    -- Unix microseconds of the last ping this node sent to the party.
    last_attempt_us      INTEGER,
    -- Unix microseconds of the last verified pong.
    last_success_us      INTEGER,
    -- Round trip of the last verified pong, milliseconds.
    last_rtt_ms          INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    successes            INTEGER NOT NULL DEFAULT 0,
    failures             INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    -- Unix microseconds of the last verified ping this node received from
    -- the party (the other side of the check).
    last_pinged_us       INTEGER
) STRICT;
