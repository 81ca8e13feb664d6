//! [`FederationStore`] on SQLite: the outbox (`deliveries`, filled by the
//! trigger of `migrations/0004_federation.sql`), the `receipts` table,
//! cosignatures and the `pings` table (`migrations/0005_pings.sql`).
//!
//! Since migration 7 `deliveries`, `receipts` and `envelope_refs` are keyed
//! on the integer `envelopes.seq`, not on the text id: callers name
//! envelopes by id, which is looked up (a read) and joined back for the
//! answer.

use async_trait::async_trait;
use countersign_core::envelope::EnvelopeType;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_store::{
    Cosignature, Delivery, DeliveryFilter, DeliveryState, FederationStore, NewEnvelope,
    PingOutcome, PingStats, Result, StoreError, StoreErrorKind, StoredEnvelope,
};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};

use crate::SqliteStore;
use crate::rows::{ENVELOPE_COLUMNS, col, corrupt, db, duplicate_or, envelope_from_row, parse};
use crate::store::{commit, envelope_seq, id_key, insert_envelope_in, read, refs_indexed, write};

/// Deliveries with their envelope's and receipt's ids, in the column
/// order [`delivery_from_row`] reads; alias `d` is the delivery.
const DELIVERY_SELECT: &str = "SELECT e.id, d.party, d.state, d.attempts, d.next_attempt_us, \
     d.created_s, d.last_error, r.id, d.updated_us FROM deliveries d \
     JOIN envelopes e ON e.seq = d.envelope_seq \
     LEFT JOIN envelopes r ON r.seq = d.receipt_seq";

fn not_stored(id: &EnvelopeId) -> StoreError {
    StoreError::new(
        StoreErrorKind::NotFound,
        format!("envelope {id} is not stored"),
    )
}

/// The seq of a stored envelope, or `NotFound`.
fn stored_seq(tx: &Connection, id: &EnvelopeId) -> Result<i64> {
    envelope_seq(tx, id)?.ok_or_else(|| not_stored(id))
}

fn delivery_from_row(row: &Row<'_>) -> Result<Delivery> {
    let state: String = col(row, 2, "state")?;
    let receipt: Option<String> = col(row, 7, "receipt_id")?;
    Ok(Delivery {
        envelope: parse(
            "envelope id",
            &col::<String>(row, 0, "envelope_id")?,
            EnvelopeId::parse,
        )?,
        party: parse("party", &col::<String>(row, 1, "party")?, PartyId::parse)?,
        state: DeliveryState::parse(&state)
            .ok_or_else(|| corrupt(format!("unknown delivery state {state:?}")))?,
        attempts: u32::try_from(col::<i64>(row, 3, "attempts")?).unwrap_or(u32::MAX),
        next_attempt_us: col(row, 4, "next_attempt_us")?,
        created_s: col(row, 5, "created_s")?,
        last_error: col(row, 6, "last_error")?,
        receipt: receipt
            .map(|r| parse("receipt id", &r, EnvelopeId::parse))
            .transpose()?,
        updated_us: col(row, 8, "updated_us")?,
    })
}

fn query_deliveries(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<Delivery>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(db("cannot read deliveries"))?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(args))
        .map_err(db("cannot read deliveries"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db("cannot read deliveries"))? {
        out.push(delivery_from_row(row)?);
    }
    Ok(out)
}

/// Records `receipt_seq` as `party`'s receipt for the envelope
/// `envelope` (seq `seq`).
fn insert_receipt_row(
    tx: &Connection,
    seq: i64,
    envelope: &EnvelopeId,
    party: &PartyId,
    receipt_seq: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO receipts (envelope_seq, party, receipt_seq) VALUES (?1, ?2, ?3)",
    )
    .and_then(|mut stmt| stmt.execute(params![seq, party.as_str(), receipt_seq]))
    .map_err(duplicate_or(
        || format!("{party} has a receipt for {envelope} already"),
        "cannot store the receipt",
    ))?;
    Ok(())
}

#[async_trait]
impl FederationStore for SqliteStore {
    async fn deliveries_due(&self, now_us: i64, limit: u32) -> Result<Vec<Delivery>> {
        self.call_read(move |c| {
            query_deliveries(
                c,
                // Index order (deliveries_due holds the key after
                // next_attempt_us): no sort of the whole queue per call.
                &format!(
                    "{DELIVERY_SELECT} WHERE d.state = 'queued' AND d.next_attempt_us <= ?1 \
                     ORDER BY d.next_attempt_us, d.envelope_seq, d.party LIMIT ?2"
                ),
                vec![Value::Integer(now_us), Value::Integer(i64::from(limit))],
            )
        })
        .await
    }

    async fn list_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>> {
        let filter = filter.clone();
        self.call_read(move |c| {
            let mut sql = format!("{DELIVERY_SELECT} WHERE 1 = 1");
            let mut args = Vec::new();
            if let Some(e) = filter.envelope {
                sql.push_str(
                    " AND d.envelope_seq = (SELECT seq FROM envelopes WHERE id_key = ? AND id = ?)",
                );
                args.push(Value::Integer(id_key(&e)));
                args.push(Value::Text(e.to_string()));
            }
            if let Some(s) = filter.state {
                sql.push_str(" AND d.state = ?");
                args.push(Value::Text(s.as_str().to_owned()));
            }
            sql.push_str(" ORDER BY d.created_s DESC, e.id, d.party LIMIT ?");
            let limit = if filter.limit == 0 {
                1000
            } else {
                filter.limit
            };
            args.push(Value::Integer(i64::from(limit)));
            let tx = read(c)?;
            let out = query_deliveries(&tx, &sql, args)?;
            commit(tx)?;
            Ok(out)
        })
        .await
    }

    async fn delivery_attempted(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        error: &str,
        next_attempt_us: i64,
        give_up: bool,
        now_us: i64,
    ) -> Result<()> {
        let key = id_key(envelope);
        let (envelope, party, error) = (envelope.to_string(), party.to_string(), error.to_owned());
        self.writer
            .write(move |tx| {
                tx.prepare_cached(
                    "UPDATE deliveries SET attempts = attempts + 1, last_error = ?3, \
                     next_attempt_us = ?4, state = ?5, updated_us = ?6 \
                     WHERE envelope_seq = (SELECT seq FROM envelopes WHERE id_key = ?7 AND id = ?1) \
                     AND party = ?2 AND state = 'queued'",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        envelope,
                        party,
                        error,
                        next_attempt_us,
                        if give_up { "failed" } else { "queued" },
                        now_us,
                        key
                    ])
                })
                .map_err(db("cannot record the delivery attempt"))?;
                Ok(())
            })
            .await
    }

    async fn delivery_done(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        receipt: &NewEnvelope,
        now_us: i64,
    ) -> Result<()> {
        let (envelope, party, receipt) = (*envelope, party.clone(), receipt.clone());
        self.writer
            .write(move |tx| {
                let seq = stored_seq(tx, &envelope)?;
                let receipt_seq = match envelope_seq(tx, &receipt.envelope.id())? {
                    Some(receipt_seq) => receipt_seq,
                    None => insert_envelope_in(tx, &receipt)?,
                };
                match insert_receipt_row(tx, seq, &envelope, &party, receipt_seq) {
                    Ok(()) => {}
                    Err(e) if e.kind == StoreErrorKind::Duplicate => {}
                    Err(e) => return Err(e),
                }
                tx.prepare_cached(
                    "UPDATE deliveries SET state = 'delivered', receipt_seq = ?3, \
                 attempts = attempts + 1, last_error = NULL, updated_us = ?4 \
                 WHERE envelope_seq = ?1 AND party = ?2",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![seq, party.as_str(), receipt_seq, now_us])
                })
                .map_err(db("cannot mark the delivery delivered"))?;
                Ok(())
            })
            .await
    }

    async fn insert_receipt(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        receipt: &NewEnvelope,
    ) -> Result<()> {
        let (envelope, party, receipt) = (*envelope, party.clone(), receipt.clone());
        self.writer
            .write(move |tx| {
                let seq = stored_seq(tx, &envelope)?;
                let receipt_seq = insert_envelope_in(tx, &receipt)?;
                insert_receipt_row(tx, seq, &envelope, &party, receipt_seq)
            })
            .await
    }

    async fn receipts(&self, envelope: &EnvelopeId) -> Result<Vec<(PartyId, EnvelopeId)>> {
        let (key, envelope) = (id_key(envelope), envelope.to_string());
        self.call_read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT c.party, r.id FROM receipts c JOIN envelopes r ON r.seq = c.receipt_seq \
                     WHERE c.envelope_seq = \
                     (SELECT seq FROM envelopes WHERE id_key = ?1 AND id = ?2) \
                     ORDER BY c.party",
                )
                .map_err(db("cannot read receipts"))?;
            let rows = stmt
                .query_map(params![key, envelope], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(db("cannot read receipts"))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db("cannot read receipts"))?;
            rows.iter()
                .map(|(p, r)| {
                    Ok((
                        parse("party", p, PartyId::parse)?,
                        parse("receipt id", r, EnvelopeId::parse)?,
                    ))
                })
                .collect()
        })
        .await
    }

    async fn referring(&self, envelope: &EnvelopeId, kind: &str) -> Result<Vec<StoredEnvelope>> {
        // Only the refs of the kinds that are queried are indexed (migration
        // 7); anything else would silently find nothing.
        let indexed = EnvelopeType::parse(kind).ok().filter(|k| refs_indexed(*k));
        let Some(kind) = indexed else {
            return Err(StoreError::new(
                StoreErrorKind::BadRequest,
                format!(
                    "envelopes of type {kind:?} are not indexed by reference; \
                     only replies and ratings are"
                ),
            ));
        };
        let envelope = envelope.to_string();
        self.call_read(move |c| {
            let columns = ENVELOPE_COLUMNS
                .split(", ")
                .map(|col| format!("e.{}", col.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {columns} FROM envelope_refs r JOIN envelopes e ON e.seq = r.envelope_seq \
                     WHERE r.ref = ?1 AND r.position = 0 AND e.type = ?2 \
                     ORDER BY e.created_s, e.created_ns"
                ))
                .map_err(db("cannot read referring envelopes"))?;
            let mut rows = stmt
                .query(params![envelope, kind.as_str()])
                .map_err(db("cannot read referring envelopes"))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(db("cannot read referring envelopes"))? {
                out.push(envelope_from_row(row)?);
            }
            Ok(out)
        })
        .await
    }

    async fn put_cosignature(&self, cosignature: &Cosignature) -> Result<()> {
        let c = cosignature.clone();
        self.call(move |conn| {
            let tx = write(conn)?;
            tx.execute(
                "INSERT OR REPLACE INTO log_cosignatures (witness, size, checkpoint, line, time) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    c.witness,
                    i64::try_from(c.size).unwrap_or(i64::MAX),
                    c.checkpoint,
                    c.line,
                    i64::try_from(c.time).unwrap_or(i64::MAX)
                ],
            )
            .map_err(db("cannot store the cosignature"))?;
            commit(tx)
        })
        .await
    }

    async fn cosignatures(&self, witness: Option<&str>) -> Result<Vec<Cosignature>> {
        let witness = witness.map(str::to_owned);
        self.call_read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT witness, size, checkpoint, line, time FROM log_cosignatures \
                     WHERE ?1 IS NULL OR witness = ?1 ORDER BY size DESC, witness",
                )
                .map_err(db("cannot read cosignatures"))?;
            let rows = stmt
                .query_map([witness], |row| {
                    Ok(Cosignature {
                        witness: row.get(0)?,
                        size: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                        checkpoint: row.get(2)?,
                        line: row.get(3)?,
                        time: u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
                    })
                })
                .map_err(db("cannot read cosignatures"))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db("cannot read cosignatures"))?;
            Ok(rows)
        })
        .await
    }

    async fn record_ping(&self, party: &PartyId, at_us: i64, outcome: &PingOutcome) -> Result<()> {
        let (party, outcome) = (party.to_string(), outcome.clone());
        self.writer
            .write(move |tx| {
                let result = match &outcome {
                    PingOutcome::Success { rtt_ms } => tx
                        .prepare_cached(
                            "INSERT INTO pings (party, last_attempt_us, last_success_us, last_rtt_ms, \
                             successes) VALUES (?1, ?2, ?2, ?3, 1) \
                             ON CONFLICT (party) DO UPDATE SET last_attempt_us = ?2, \
                             last_success_us = ?2, last_rtt_ms = ?3, consecutive_failures = 0, \
                             successes = successes + 1",
                        )
                        .and_then(|mut stmt| {
                            stmt.execute(params![
                                party,
                                at_us,
                                i64::try_from(*rtt_ms).unwrap_or(i64::MAX)
                            ])
                        }),
                    PingOutcome::Failure { error } => tx
                        .prepare_cached(
                            "INSERT INTO pings (party, last_attempt_us, consecutive_failures, \
                             failures, last_error) VALUES (?1, ?2, 1, 1, ?3) \
                             ON CONFLICT (party) DO UPDATE SET last_attempt_us = ?2, \
                             consecutive_failures = consecutive_failures + 1, \
                             failures = failures + 1, last_error = ?3",
                        )
                        .and_then(|mut stmt| stmt.execute(params![party, at_us, error])),
                };
                result.map_err(db("cannot record the ping"))?;
                Ok(())
            })
            .await
    }

    async fn record_pinged(&self, party: &PartyId, at_us: i64) -> Result<()> {
        let party = party.to_string();
        self.writer
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO pings (party, last_pinged_us) VALUES (?1, ?2) \
                     ON CONFLICT (party) DO UPDATE SET last_pinged_us = ?2",
                )
                .and_then(|mut stmt| stmt.execute(params![party, at_us]))
                .map_err(db("cannot record the received ping"))?;
                Ok(())
            })
            .await
    }

    async fn ping_stats(&self, party: Option<&PartyId>) -> Result<Vec<PingStats>> {
        let party = party.map(ToString::to_string);
        self.call_read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT party, last_attempt_us, last_success_us, last_rtt_ms, \
                     consecutive_failures, successes, failures, last_error, last_pinged_us \
                     FROM pings WHERE ?1 IS NULL OR party = ?1 ORDER BY party",
                )
                .map_err(db("cannot read ping statistics"))?;
            let mut rows = stmt
                .query([party])
                .map_err(db("cannot read ping statistics"))?;
            let count = |row: &Row<'_>, i: usize, name: &str| -> Result<u64> {
                Ok(u64::try_from(col::<i64>(row, i, name)?).unwrap_or(0))
            };
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(db("cannot read ping statistics"))? {
                out.push(PingStats {
                    party: parse("party", &col::<String>(row, 0, "party")?, PartyId::parse)?,
                    last_attempt_us: col(row, 1, "last_attempt_us")?,
                    last_success_us: col(row, 2, "last_success_us")?,
                    last_rtt_ms: col::<Option<i64>>(row, 3, "last_rtt_ms")?
                        .map(|v| u64::try_from(v).unwrap_or(0)),
                    consecutive_failures: count(row, 4, "consecutive_failures")?,
                    successes: count(row, 5, "successes")?,
                    failures: count(row, 6, "failures")?,
                    last_error: col(row, 7, "last_error")?,
                    last_pinged_us: col(row, 8, "last_pinged_us")?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn envelopes(&self, ids: &[EnvelopeId]) -> Result<Vec<StoredEnvelope>> {
        let ids: Vec<(i64, String)> = ids.iter().map(|id| (id_key(id), id.to_string())).collect();
        self.call_read(move |c| {
            let tx = read(c)?;
            let mut out = Vec::with_capacity(ids.len());
            {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT {ENVELOPE_COLUMNS} FROM envelopes WHERE id_key = ?1 AND id = ?2"
                    ))
                    .map_err(db("cannot read envelopes"))?;
                for (key, id) in &ids {
                    let mut rows = stmt
                        .query(params![key, id])
                        .map_err(db("cannot read envelopes"))?;
                    if let Some(row) = rows.next().map_err(db("cannot read envelopes"))? {
                        out.push(envelope_from_row(row)?);
                    }
                }
            }
            commit(tx)?;
            Ok(out)
        })
        .await
    }
}
