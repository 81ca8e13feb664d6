-- Federation (issue 4, docs/federation.md): the outbox and the receipts.
--
-- The outbox is derived, not a second copy: a trigger queues one delivery
-- per recipient of every envelope this node sends of a deliverable type
-- (notification, reply, rating), in the transaction that stores its
-- recipients, so a crash between storing and queueing cannot happen.
-- Recipients hosted on this node get a row too; the node delivers those
-- locally (a receipt from the same log).
CREATE TABLE deliveries (
    envelope_id     TEXT NOT NULL REFERENCES envelopes (id) ON DELETE CASCADE,
    party           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Unix microseconds; 0 = due at once.
    next_attempt_us INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds of the envelope's creation: `delivery_timeout` counts from it.
    created_s       INTEGER NOT NULL,
    last_error      TEXT,
    receipt_id      TEXT,
    updated_us      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (envelope_id, party)
) STRICT;

CREATE INDEX deliveries_due ON deliveries (next_attempt_us) WHERE state = 'queued';

-- Which receipt acknowledges an envelope for a party. On the receiving
-- node: the receipt it signed for each hosted recipient, so a redelivery
-- gets the same receipt back. On the sending node: the verified receipt
-- of each recipient. One receipt per (envelope, party), ever.
CREATE TABLE receipts (
    envelope_id TEXT NOT NULL,
    party       TEXT NOT NULL,
    receipt_id  TEXT NOT NULL REFERENCES envelopes (id),
    PRIMARY KEY (envelope_id, party)
) STRICT;

CREATE TRIGGER deliveries_queue AFTER INSERT ON envelope_recipients
WHEN (SELECT direction = 'sent' AND type IN ('notification', 'reply', 'rating')
      FROM envelopes WHERE id = NEW.envelope_id)
BEGIN
    INSERT OR IGNORE INTO deliveries (envelope_id, party, state, created_s)
    SELECT NEW.envelope_id, NEW.party, 'queued', created_s
    FROM envelopes WHERE id = NEW.envelope_id;
END;

-- Envelopes sent before this migration are queued too.
INSERT OR IGNORE INTO deliveries (envelope_id, party, state, created_s)
SELECT e.id, r.party, 'queued', e.created_s
FROM envelopes e JOIN envelope_recipients r ON r.envelope_id = e.id
WHERE e.direction = 'sent' AND e.type IN ('notification', 'reply', 'rating');

-- What each envelope refers to (`refs`, in order), so the replies and
-- ratings of a notification are found by an index, not a scan. Filled by
-- a trigger from the stored JSON in the storing transaction.
CREATE TABLE envelope_refs (
    envelope_id TEXT NOT NULL REFERENCES envelopes (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    ref         TEXT NOT NULL,
    PRIMARY KEY (envelope_id, position)
) STRICT;

CREATE INDEX envelope_refs_ref ON envelope_refs (ref);

CREATE TRIGGER envelope_refs_index AFTER INSERT ON envelopes
BEGIN
    INSERT OR IGNORE INTO envelope_refs (envelope_id, position, ref)
    SELECT NEW.id, CAST(key AS INTEGER), value FROM json_each(NEW.json, '$.envelope.refs');
END;

INSERT OR IGNORE INTO envelope_refs (envelope_id, position, ref)
SELECT e.id, CAST(j.key AS INTEGER), j.value FROM envelopes e, json_each(e.json, '$.envelope.refs') j;

-- Cosignatures of this node's checkpoints by peers' witnesses
-- (tlog-cosignature v1.0.1 lines), by witness key name and size.
CREATE TABLE log_cosignatures (
    witness    TEXT NOT NULL,
    size       INTEGER NOT NULL,
    checkpoint TEXT NOT NULL,     -- the signed checkpoint note submitted
    line       TEXT NOT NULL,     -- the cosignature line, `— <name> <base64>`
    time       INTEGER NOT NULL,  -- the cosignature's timestamp (Unix seconds)
    PRIMARY KEY (witness, size)
) STRICT;
