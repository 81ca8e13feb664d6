//! The [`TaxiiStore`] trait on SQLite (schema in `migrations/0003_taxii.sql`,
//! index on ids in `0006_taxii_compact_index.sql`).
//!
//! The rows of an id are found by `id_hash` ([`id_hash`]), a compact
//! 8-byte key, always together with an exact comparison of collection and
//! stix_id, so hash collisions never change a result. One version per
//! (collection, stix_id, version_ns, source) is kept here, by looking the
//! version up before inserting it in the same write transaction.
//!
//! `date_added` comes from the one-row `taxii_clock` table, read and
//! advanced in the inserting transaction: each version gets
//! `max(now, last + 1)` microseconds, so values are unique and strictly
//! increasing whatever the wall clock does. The TLP visibility rule is the
//! node's (`countersign_node::access`), written here as SQL.

use async_trait::async_trait;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::tlp::Tlp;
use countersign_store::{
    NewTaxiiObject, Result, StatusFn, StoreError, StoreErrorKind, StoredTaxiiObject, TaxiiAdded,
    TaxiiPage, TaxiiQuery, TaxiiStatusRecord, TaxiiStore, VersionMatch, taxii_time,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use crate::SqliteStore;
use crate::rows::{col, db, parse, tlp_rank, violation};
use crate::store::{commit, id_key, read, write};

/// The largest page a TAXII query returns.
pub const MAX_TAXII_PAGE: u32 = 10_000;

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// The index key of an id in a collection: the first 8 bytes of
/// SHA-256(collection 0x00 stix_id), big-endian, as SQLite's signed integer.
/// Stored in the database: never change it without a migration.
pub(crate) fn id_hash(collection: &str, stix_id: &str) -> i64 {
    let mut h = Sha256::new();
    h.update(collection.as_bytes());
    h.update([0u8]);
    h.update(stix_id.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Migration 6's Rust step: fills `id_hash` of the rows copied over from
/// the version 3 table.
pub(crate) fn fill_id_hashes(conn: &Connection) -> rusqlite::Result<()> {
    let rows = conn
        .prepare("SELECT seq, collection, stix_id FROM taxii_objects")?
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut update = conn.prepare("UPDATE taxii_objects SET id_hash = ?1 WHERE seq = ?2")?;
    for (seq, collection, stix_id) in rows {
        update.execute(params![id_hash(&collection, &stix_id), seq])?;
    }
    Ok(())
}

fn source_of(o: &NewTaxiiObject) -> String {
    match &o.envelope {
        Some(e) => format!("envelope:{e}"),
        None => format!("party:{}", o.owner),
    }
}

fn add(tx: &Transaction<'_>, objects: &[NewTaxiiObject]) -> Result<Vec<TaxiiAdded>> {
    let mut last: i64 = tx
        .query_row("SELECT last_us FROM taxii_clock WHERE id = 1", [], |r| {
            r.get(0)
        })
        .map_err(db("cannot read the TAXII clock"))?;
    let mut out = Vec::with_capacity(objects.len());
    let mut find_version = tx
        .prepare_cached(
            "SELECT date_added_us, version_ns FROM taxii_objects WHERE id_hash = ?1 \
             AND version_ns = ?2 AND collection = ?3 AND stix_id = ?4 AND source = ?5",
        )
        .map_err(db("cannot read TAXII objects"))?;
    let mut find_unversioned = tx
        .prepare_cached(
            "SELECT date_added_us, version_ns FROM taxii_objects WHERE id_hash = ?1 \
             AND collection = ?2 AND stix_id = ?3 AND source = ?4 AND json = ?5 LIMIT 1",
        )
        .map_err(db("cannot read TAXII objects"))?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO taxii_objects (collection, date_added_us, stix_id, type, \
             spec_version, version, version_ns, owner, tlp, tlp_rank, envelope_id, source, json, \
             id_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )
        .map_err(db("cannot store TAXII objects"))?;
    let now = now_us();
    for o in objects {
        let source = source_of(o);
        let hash = id_hash(&o.collection, &o.stix_id);
        if o.version.is_none() {
            let existing = find_unversioned
                .query_row(
                    params![hash, o.collection, o.stix_id, source, o.json],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db("cannot read TAXII objects"))?;
            if let Some((date_added_us, version_ns)) = existing {
                out.push(TaxiiAdded::Existing {
                    date_added_us,
                    version_ns,
                });
                continue;
            }
        }
        let date_added_us = now.max(last + 1);
        let (version, version_ns) = match &o.version {
            Some((text, ns)) => (text.clone(), *ns),
            None => (
                taxii_time(date_added_us),
                date_added_us.saturating_mul(1000),
            ),
        };
        // A version already filed from the same source is kept as it is,
        // so a re-POST is idempotent.
        let existing = find_version
            .query_row(
                params![hash, version_ns, o.collection, o.stix_id, source],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db("cannot read TAXII objects"))?;
        if let Some((date_added_us, version_ns)) = existing {
            out.push(TaxiiAdded::Existing {
                date_added_us,
                version_ns,
            });
            continue;
        }
        insert
            .execute(params![
                o.collection,
                date_added_us,
                o.stix_id,
                o.stix_type,
                o.spec_version,
                version,
                version_ns,
                o.owner.as_str(),
                o.tlp.as_str(),
                tlp_rank(o.tlp),
                o.envelope.map(|e| e.to_string()),
                source,
                o.json,
                hash,
            ])
            .map_err(db("cannot store a TAXII object"))?;
        last = date_added_us;
        out.push(TaxiiAdded::Added {
            date_added_us,
            version_ns,
        });
    }
    tx.execute("UPDATE taxii_clock SET last_us = ?1 WHERE id = 1", [last])
        .map_err(db("cannot advance the TAXII clock"))?;
    Ok(out)
}

fn put_status(tx: &Transaction<'_>, s: &TaxiiStatusRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO taxii_status (id, owner, json) VALUES (?1, ?2, ?3)",
        params![s.id, s.owner.as_str(), s.json],
    )
    .map_err(|e| match violation(&e) {
        Some(_) => StoreError::new(
            StoreErrorKind::Duplicate,
            format!("status {} exists already", s.id),
        ),
        None => db("cannot store the TAXII status")(e),
    })?;
    Ok(())
}

/// The TLP visibility rule for the row alias `o`, with two `?` for the party.
fn visible(alias: &str) -> String {
    format!(
        "({alias}.tlp_rank <= 1 OR {alias}.owner = ? OR ({alias}.envelope_id IS NOT NULL AND \
         EXISTS (SELECT 1 FROM envelopes e JOIN envelope_recipients r ON r.envelope_seq = e.seq \
         WHERE e.id = {alias}.envelope_id AND r.party = ?)))"
    )
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn query(conn: &mut Connection, q: &TaxiiQuery) -> Result<TaxiiPage> {
    let limit = q.limit.clamp(1, MAX_TAXII_PAGE);
    let json_col = if q.with_json { ", o.json" } else { "" };
    // With `match[id]`, `+` keeps SQLite from walking the whole collection
    // in date_added order (the ORDER BY tempts it to): the id index finds
    // the few rows, which are then sorted.
    let by_id = if q.ids.is_empty() { "" } else { "+" };
    let mut sql = format!(
        "SELECT o.seq, o.date_added_us, o.stix_id, o.spec_version, o.version, o.version_ns, \
         o.owner, o.tlp, o.envelope_id{json_col} FROM taxii_objects o WHERE {by_id}o.collection = ?"
    );
    let mut args: Vec<Value> = vec![Value::Text(q.collection.clone())];
    let party = q.visible_to.as_ref().map(|p| p.as_str().to_owned());
    let spec_clause = |alias: &str| {
        format!(
            " AND {alias}.spec_version IN ({})",
            placeholders(q.spec_versions.len())
        )
    };
    if let Some(p) = &party {
        sql.push_str(" AND ");
        sql.push_str(&visible("o"));
        args.extend([Value::Text(p.clone()), Value::Text(p.clone())]);
    }
    if let Some(t) = q.added_after_us {
        sql.push_str(" AND o.date_added_us > ?");
        args.push(Value::Integer(t));
    }
    if let Some(t) = q.after_us {
        sql.push_str(" AND o.date_added_us > ?");
        args.push(Value::Integer(t));
    }
    if !q.ids.is_empty() {
        // The hashes find the rows by index; the ids keep the match exact.
        sql.push_str(&format!(
            " AND o.id_hash IN ({}) AND o.stix_id IN ({})",
            placeholders(q.ids.len()),
            placeholders(q.ids.len())
        ));
        args.extend(
            q.ids
                .iter()
                .map(|s| Value::Integer(id_hash(&q.collection, s))),
        );
        args.extend(q.ids.iter().map(|s| Value::Text(s.clone())));
    }
    if !q.types.is_empty() {
        sql.push_str(&format!(" AND o.type IN ({})", placeholders(q.types.len())));
        args.extend(q.types.iter().map(|s| Value::Text(s.clone())));
    }
    if !q.spec_versions.is_empty() {
        sql.push_str(&spec_clause("o"));
        args.extend(q.spec_versions.iter().map(|s| Value::Text(s.clone())));
    }
    if !q.versions.is_empty() && !q.versions.contains(&VersionMatch::All) {
        let mut alternatives = Vec::new();
        for v in &q.versions {
            match v {
                VersionMatch::All => {}
                VersionMatch::At(ns) => {
                    alternatives.push("o.version_ns = ?".to_owned());
                    args.push(Value::Integer(*ns));
                }
                VersionMatch::First | VersionMatch::Last => {
                    let f = if *v == VersionMatch::First {
                        "MIN"
                    } else {
                        "MAX"
                    };
                    let mut sub = format!(
                        "o.version_ns = (SELECT {f}(o2.version_ns) FROM taxii_objects o2 \
                         WHERE o2.id_hash = o.id_hash AND o2.collection = o.collection \
                         AND o2.stix_id = o.stix_id"
                    );
                    if let Some(p) = &party {
                        sub.push_str(" AND ");
                        sub.push_str(&visible("o2"));
                        args.extend([Value::Text(p.clone()), Value::Text(p.clone())]);
                    }
                    if !q.spec_versions.is_empty() {
                        sub.push_str(&spec_clause("o2"));
                        args.extend(q.spec_versions.iter().map(|s| Value::Text(s.clone())));
                    }
                    sub.push(')');
                    alternatives.push(sub);
                }
            }
        }
        sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
    }
    sql.push_str(" ORDER BY o.date_added_us LIMIT ?");
    args.push(Value::Integer(i64::from(limit) + 1));

    let tx = read(conn)?;
    let mut items = Vec::new();
    {
        let mut stmt = tx
            .prepare_cached(&sql)
            .map_err(db("cannot query TAXII objects"))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args.iter()))
            .map_err(db("cannot query TAXII objects"))?;
        while let Some(row) = rows.next().map_err(db("cannot query TAXII objects"))? {
            let owner: String = col(row, 6, "owner")?;
            let tlp: String = col(row, 7, "tlp")?;
            let envelope: Option<String> = col(row, 8, "envelope_id")?;
            items.push(StoredTaxiiObject {
                seq: col(row, 0, "seq")?,
                date_added_us: col(row, 1, "date_added_us")?,
                stix_id: col(row, 2, "stix_id")?,
                spec_version: col(row, 3, "spec_version")?,
                version: col(row, 4, "version")?,
                version_ns: col(row, 5, "version_ns")?,
                owner: parse("owner", &owner, PartyId::parse)?,
                tlp: parse("TLP", &tlp, Tlp::parse)?,
                envelope: envelope
                    .as_deref()
                    .map(|e| parse("envelope id", e, EnvelopeId::parse))
                    .transpose()?,
                json: if q.with_json {
                    Some(col(row, 9, "json")?)
                } else {
                    None
                },
            });
        }
    }
    commit(tx)?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    Ok(TaxiiPage { items, more })
}

fn delete(conn: &mut Connection, seqs: &[i64]) -> Result<u64> {
    let tx = write(conn)?;
    let mut n = 0;
    {
        let mut stmt = tx
            .prepare_cached("DELETE FROM taxii_objects WHERE seq = ?1")
            .map_err(db("cannot delete TAXII objects"))?;
        for seq in seqs {
            n += stmt
                .execute([seq])
                .map_err(db("cannot delete TAXII objects"))? as u64;
        }
    }
    commit(tx)?;
    Ok(n)
}

#[async_trait]
impl TaxiiStore for SqliteStore {
    async fn taxii_add(
        &self,
        objects: &[NewTaxiiObject],
        status: Option<StatusFn>,
    ) -> Result<Vec<TaxiiAdded>> {
        let objects = objects.to_vec();
        self.call(move |c| {
            let tx = write(c)?;
            let out = add(&tx, &objects)?;
            if let Some(status) = status {
                put_status(&tx, &status(&out)?)?;
            }
            commit(tx)?;
            Ok(out)
        })
        .await
    }

    async fn taxii_query(&self, q: &TaxiiQuery) -> Result<TaxiiPage> {
        let q = q.clone();
        self.call(move |c| query(c, &q)).await
    }

    async fn taxii_delete(&self, seqs: &[i64]) -> Result<u64> {
        let seqs = seqs.to_vec();
        self.call(move |c| delete(c, &seqs)).await
    }

    async fn taxii_put_status(&self, status: &TaxiiStatusRecord) -> Result<()> {
        let s = status.clone();
        self.call(move |c| {
            let tx = write(c)?;
            put_status(&tx, &s)?;
            commit(tx)
        })
        .await
    }

    async fn taxii_get_status(&self, id: &str) -> Result<Option<TaxiiStatusRecord>> {
        let id = id.to_owned();
        self.call(move |c| {
            let found: Option<(String, String)> = c
                .query_row(
                    "SELECT owner, json FROM taxii_status WHERE id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db("cannot read the TAXII status"))?;
            found
                .map(|(owner, json)| {
                    Ok(TaxiiStatusRecord {
                        id: id.clone(),
                        owner: parse("owner", &owner, PartyId::parse)?,
                        json,
                    })
                })
                .transpose()
        })
        .await
    }

    async fn taxii_evidence_pending(&self, limit: u32) -> Result<Vec<EnvelopeId>> {
        self.call(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT e.id FROM taxii_evidence_pending p \
                     JOIN envelopes e ON e.seq = p.envelope_seq ORDER BY p.envelope_seq LIMIT ?1",
                )
                .map_err(db("cannot read the TAXII evidence queue"))?;
            let ids = stmt
                .query_map([limit], |r| r.get::<_, String>(0))
                .map_err(db("cannot read the TAXII evidence queue"))?
                .collect::<rusqlite::Result<Vec<String>>>()
                .map_err(db("cannot read the TAXII evidence queue"))?;
            ids.iter()
                .map(|t| parse("envelope id", t, EnvelopeId::parse))
                .collect()
        })
        .await
    }

    async fn taxii_add_evidence(
        &self,
        envelope: &EnvelopeId,
        objects: &[NewTaxiiObject],
    ) -> Result<()> {
        let (key, envelope, objects) = (id_key(envelope), envelope.to_string(), objects.to_vec());
        self.call(move |c| {
            let tx = write(c)?;
            let queued = tx
                .execute(
                    "DELETE FROM taxii_evidence_pending \
                     WHERE envelope_seq = \
                     (SELECT seq FROM envelopes WHERE id_key = ?1 AND id = ?2)",
                    params![key, &envelope],
                )
                .map_err(db("cannot update the TAXII evidence queue"))?;
            // Another process filed it meanwhile: nothing to do.
            if queued == 0 {
                return Ok(());
            }
            add(&tx, &objects)?;
            commit(tx)
        })
        .await
    }
}
