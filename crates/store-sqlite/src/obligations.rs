//! [`ObligationStore`] on SQLite: the receipts, failed deliveries, replies
//! and ratings of the notifications of a time range, each in one query
//! joined from `notifications` (its creation-time index), `receipts`,
//! `deliveries` and `envelope_refs` (migration 0004, keyed on the
//! envelope's seq since 0007); no table of its own.

use async_trait::async_trait;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::time::Timestamp;
use countersign_store::{
    ObligationEnvelopes, ObligationStore, ReceiptTimes, Result, StoredEnvelope,
};
use rusqlite::{Connection, params};

use crate::SqliteStore;
use crate::rows::{ENVELOPE_COLUMNS, col, db, envelope_from_row, parse};
use crate::store::{commit, read};

/// `e.id, e.json, ...`: the envelope columns of alias `e`.
fn columns(alias: &str) -> String {
    ENVELOPE_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The notifications of the range, as a SQL condition on alias `n` with
/// parameters ?1 (since, Unix seconds) and ?2 (until, Unix seconds,
/// inclusive: the range is widened to whole seconds).
const IN_RANGE: &str = "n.created_s >= ?1 AND n.created_s <= ?2";

fn envelopes(conn: &Connection, sql: &str, since: i64, until: i64) -> Result<Vec<StoredEnvelope>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(db("cannot read obligation envelopes"))?;
    let mut rows = stmt
        .query(params![since, until])
        .map_err(db("cannot read obligation envelopes"))?;
    let mut out = Vec::new();
    while let Some(row) = rows
        .next()
        .map_err(db("cannot read obligation envelopes"))?
    {
        out.push(envelope_from_row(row)?);
    }
    Ok(out)
}

fn read_all(conn: &Connection, since: i64, until: i64) -> Result<ObligationEnvelopes> {
    let e = columns("e");
    let replies = envelopes(
        conn,
        &format!(
            "SELECT {e} FROM notifications n \
             JOIN envelope_refs r ON r.ref = n.id AND r.position = 0 \
             JOIN envelopes e ON e.seq = r.envelope_seq AND e.type = 'reply' \
             WHERE {IN_RANGE}"
        ),
        since,
        until,
    )?;
    let ratings = envelopes(
        conn,
        &format!(
            "SELECT {e} FROM notifications n \
             JOIN envelope_refs r ON r.ref = n.id AND r.position = 0 \
             JOIN envelopes p ON p.seq = r.envelope_seq AND p.type = 'reply' \
             JOIN envelope_refs r2 ON r2.ref = p.id AND r2.position = 0 \
             JOIN envelopes e ON e.seq = r2.envelope_seq AND e.type = 'rating' \
             WHERE {IN_RANGE}"
        ),
        since,
        until,
    )?;
    let mut receipts = Vec::new();
    {
        let mut stmt = conn
            // Only the times: parsing every receipt whole (its proof, its
            // id recomputed) was a third of a due list's time.
            .prepare_cached(&format!(
                "SELECT n.id, c.party, e.id, \
                 json_extract(e.json, '$.envelope.body.received_at'), e.stored \
                 FROM notifications n \
                 JOIN receipts c ON c.envelope_seq = n.seq \
                 JOIN envelopes e ON e.seq = c.receipt_seq \
                 WHERE {IN_RANGE}"
            ))
            .map_err(db("cannot read receipts"))?;
        let mut rows = stmt
            .query(params![since, until])
            .map_err(db("cannot read receipts"))?;
        while let Some(row) = rows.next().map_err(db("cannot read receipts"))? {
            let of: String = col(row, 0, "receipts.envelope_id")?;
            let party: String = col(row, 1, "receipts.party")?;
            let receipt: String = col(row, 2, "envelopes.id")?;
            let received_at: Option<String> = col(row, 3, "receipt received_at")?;
            let stored: String = col(row, 4, "envelopes.stored")?;
            receipts.push(ReceiptTimes {
                notification: parse("envelope id", &of, EnvelopeId::parse)?,
                party: parse("party", &party, PartyId::parse)?,
                receipt: parse("envelope id", &receipt, EnvelopeId::parse)?,
                received_at: received_at
                    .map(|t| parse("receipt received_at", &t, Timestamp::parse))
                    .transpose()?,
                stored: parse("stored time", &stored, Timestamp::parse)?,
            });
        }
    }
    let mut failed = Vec::new();
    {
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT n.id, d.party, d.updated_us FROM notifications n \
                 JOIN deliveries d ON d.envelope_seq = n.seq AND d.state = 'failed' \
                 WHERE {IN_RANGE}"
            ))
            .map_err(db("cannot read deliveries"))?;
        let mut rows = stmt
            .query(params![since, until])
            .map_err(db("cannot read deliveries"))?;
        while let Some(row) = rows.next().map_err(db("cannot read deliveries"))? {
            let id: String = col(row, 0, "deliveries.envelope_id")?;
            let party: String = col(row, 1, "deliveries.party")?;
            failed.push((
                parse("envelope id", &id, EnvelopeId::parse)?,
                parse("party", &party, PartyId::parse)?,
                col(row, 2, "deliveries.updated_us")?,
            ));
        }
    }
    Ok(ObligationEnvelopes {
        receipts,
        failed,
        replies,
        ratings,
    })
}

#[async_trait]
impl ObligationStore for SqliteStore {
    async fn obligation_envelopes(
        &self,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<ObligationEnvelopes> {
        let since = since.map_or(i64::MIN, Timestamp::unix_seconds);
        let until = until.map_or(i64::MAX, Timestamp::unix_seconds);
        self.call_read(move |c| {
            // One read transaction: the four queries see one state.
            let tx = read(c)?;
            let out = read_all(&tx, since, until)?;
            commit(tx)?;
            Ok(out)
        })
        .await
    }
}
