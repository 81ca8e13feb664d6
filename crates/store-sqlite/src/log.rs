//! The [`LogStore`] trait on SQLite: the log's sequencing state, its tiles
//! and entry bundles (table `log_tiles`, keyed by full-tile path), the queue
//! of envelopes waiting for a leaf, the latest published checkpoint, and
//! the witness state. Schema: `migrations/0002_log.sql`.
//!
//! Tiles live in the database, not in files beside it, so that
//! [`LogStore::log_commit`] writes a batch's tiles, its envelope indexes,
//! its queue removals and the new tree state in one transaction: one fsync
//! per batch, and never a tree size whose tiles are missing. Conditional
//! writes (`log_commit`, `witness_update`) re-read the state inside their
//! `IMMEDIATE` transaction, so the check and the write are one atomic step
//! even against another process on the same file.

use async_trait::async_trait;
use countersign_core::ids::EnvelopeId;
use countersign_core::time::Timestamp;
use countersign_store::{
    Hash, LogBatch, LogState, LogStore, PublishedCheckpoint, Result, SplitView, SplitViewKind,
    StoreError, StoreErrorKind, StoredTile, WitnessedCheckpoint,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::SqliteStore;
use crate::rows::{Violation, corrupt, db, parse, violation};
use crate::store::{commit, id_key, read, write};

fn bad_request(message: impl Into<String>) -> StoreError {
    StoreError::new(StoreErrorKind::BadRequest, message)
}

fn conflict(message: impl Into<String>) -> StoreError {
    StoreError::new(StoreErrorKind::Conflict, message)
}

/// A size or index as an SQLite integer.
fn int(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| bad_request(format!("{what} {value} is too large to store")))
}

/// A stored integer that must not be negative.
fn uint(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| corrupt(format!("stored {what} {value} is negative")))
}

fn hash(bytes: &[u8], what: &str) -> Result<Hash> {
    bytes
        .try_into()
        .map_err(|_| corrupt(format!("stored {what} is {} bytes, not 32", bytes.len())))
}

fn hashes(bytes: &[u8], what: &str) -> Result<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(corrupt(format!(
            "stored {what} is {} bytes, not a multiple of 32",
            bytes.len()
        )));
    }
    bytes.chunks_exact(32).map(|c| hash(c, what)).collect()
}

fn state(tx: &Transaction<'_>) -> Result<LogState> {
    let (size, root, range): (i64, Vec<u8>, Vec<u8>) = tx
        .query_row(
            "SELECT size, root, range FROM log_state WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .map_err(db("cannot read the log state"))?;
    let size = uint(size, "log size")?;
    let range = hashes(&range, "log range")?;
    if range.len() != size.count_ones() as usize {
        return Err(corrupt(format!(
            "the stored log range has {} hashes, a tree of {size} leaves needs {}",
            range.len(),
            size.count_ones()
        )));
    }
    Ok(LogState {
        size,
        root: hash(&root, "log root")?,
        range,
    })
}

/// Checks what a batch claims about itself before anything is written.
fn check_batch(batch: &LogBatch) -> Result<()> {
    let new = &batch.new;
    if new.size <= batch.old_size {
        return Err(bad_request(format!(
            "a log batch must grow the tree: {} to {}",
            batch.old_size, new.size
        )));
    }
    if new.range.len() != new.size.count_ones() as usize {
        return Err(bad_request(format!(
            "a tree of {} leaves has {} border hashes, not {}",
            new.size,
            new.size.count_ones(),
            new.range.len()
        )));
    }
    if let Some((id, index)) = batch
        .envelopes
        .iter()
        .find(|(_, i)| !(batch.old_size..new.size).contains(i))
    {
        return Err(bad_request(format!(
            "envelope {id} is given index {index}, outside the batch {}..{}",
            batch.old_size, new.size
        )));
    }
    if let Some(t) = batch.tiles.iter().find(|t| !(1..=256).contains(&t.width)) {
        return Err(bad_request(format!(
            "tile {} has width {}",
            t.path, t.width
        )));
    }
    Ok(())
}

fn log_commit(conn: &mut Connection, batch: &LogBatch) -> Result<()> {
    check_batch(batch)?;
    let tx = write(conn)?;
    let current = state(&tx)?;
    if current.size != batch.old_size || current.root != batch.old_root {
        return Err(conflict(format!(
            "the log is at size {}, the batch extends another tree (size {})",
            current.size, batch.old_size
        )));
    }
    {
        // A tile only grows: a narrower write than what is stored would
        // truncate content that published checkpoints rely on.
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO log_tiles (path, width, data) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (path) DO UPDATE SET width = excluded.width, data = excluded.data \
                 WHERE excluded.width >= log_tiles.width",
            )
            .map_err(db("cannot write tiles"))?;
        for t in &batch.tiles {
            let changed = stmt
                .execute(params![t.path, t.width, t.data])
                .map_err(db("cannot write a tile"))?;
            if changed == 0 {
                return Err(bad_request(format!(
                    "tile {} would shrink to width {}",
                    t.path, t.width
                )));
            }
        }
    }
    {
        // Leaves are rows of their own (migration 7), keyed by index and
        // by the envelope's seq: an envelope's row is not rewritten.
        let mut leaf = tx
            .prepare_cached(
                "INSERT INTO envelope_leaves (log_index, envelope_seq) \
                 SELECT ?2, seq FROM envelopes WHERE id_key = ?3 AND id = ?1 \
                 RETURNING envelope_seq",
            )
            .map_err(db("cannot record log indexes"))?;
        let mut dequeue = tx
            .prepare_cached("DELETE FROM log_pending WHERE envelope_seq = ?1")
            .map_err(db("cannot dequeue envelopes"))?;
        let mut indexed = tx
            .prepare_cached("SELECT 1 FROM envelope_leaves WHERE log_index = ?1")
            .map_err(db("cannot record log indexes"))?;
        for (id, i) in &batch.envelopes {
            let index = int(*i, "log index")?;
            let seq: Option<i64> = leaf
                .query_row(params![id.to_string(), index, id_key(id)], |row| row.get(0))
                .optional()
                .map_err(|e| match violation(&e) {
                    // The index taken, or the envelope integrated already.
                    Some(Violation::Unique) => match indexed.exists([index]) {
                        Ok(true) => conflict(format!("log index {i} belongs to another envelope")),
                        _ => conflict(format!(
                            "envelope {id} is not waiting for a log leaf (integrated already?)"
                        )),
                    },
                    _ => db("cannot record a log index")(e),
                })?;
            let dequeued = match seq {
                Some(seq) => dequeue
                    .execute([seq])
                    .map_err(db("cannot dequeue an envelope"))?,
                None => 0,
            };
            if dequeued != 1 {
                return Err(conflict(format!(
                    "envelope {id} is not waiting for a log leaf (integrated already?)"
                )));
            }
        }
    }
    let range: Vec<u8> = batch.new.range.concat();
    tx.execute(
        "UPDATE log_state SET size = ?1, root = ?2, range = ?3 WHERE id = 1",
        params![int(batch.new.size, "log size")?, &batch.new.root[..], range],
    )
    .map_err(db("cannot update the log state"))?;
    commit(tx)
}

fn log_tiles(conn: &mut Connection, paths: &[String]) -> Result<Vec<Option<StoredTile>>> {
    let tx = read(conn)?;
    let mut out = Vec::with_capacity(paths.len());
    {
        let mut stmt = tx
            .prepare_cached("SELECT width, data FROM log_tiles WHERE path = ?1")
            .map_err(db("cannot read tiles"))?;
        for p in paths {
            let found: Option<(i64, Vec<u8>)> = stmt
                .query_row([p], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
                .map_err(db("cannot read a tile"))?;
            out.push(match found {
                Some((width, data)) => Some(StoredTile {
                    width: u16::try_from(width)
                        .ok()
                        .filter(|w| (1..=256).contains(w))
                        .ok_or_else(|| corrupt(format!("tile {p} has width {width}")))?,
                    data,
                }),
                None => None,
            });
        }
    }
    commit(tx)?;
    Ok(out)
}

fn log_publish(conn: &mut Connection, cp: &PublishedCheckpoint) -> Result<bool> {
    let tx = write(conn)?;
    let current = state(&tx)?;
    if cp.size > current.size {
        return Err(bad_request(format!(
            "a checkpoint of size {} is beyond the committed tree of size {}",
            cp.size, current.size
        )));
    }
    if cp.size == current.size && cp.root != current.root {
        return Err(bad_request(format!(
            "a checkpoint of size {} has another root than the committed tree",
            cp.size
        )));
    }
    let held: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT size, root FROM log_checkpoint WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(db("cannot read the published checkpoint"))?;
    if let Some((size, root)) = held {
        let size = uint(size, "checkpoint size")?;
        if size == cp.size && root != cp.root {
            return Err(corrupt(format!(
                "the published checkpoint of size {size} has another root than the tree"
            )));
        }
        if size >= cp.size {
            commit(tx)?;
            return Ok(false);
        }
    }
    tx.execute(
        "INSERT INTO log_checkpoint (id, size, root, text) VALUES (1, ?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root, \
         text = excluded.text",
        params![int(cp.size, "checkpoint size")?, &cp.root[..], cp.text],
    )
    .map_err(db("cannot publish the checkpoint"))?;
    commit(tx)?;
    Ok(true)
}

fn witness_latest(conn: &Connection, origin: &str) -> Result<Option<WitnessedCheckpoint>> {
    let found: Option<(i64, Vec<u8>, String, String)> = conn
        .query_row(
            "SELECT size, root, checkpoint, updated FROM witness_logs WHERE origin = ?1",
            [origin],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()
        .map_err(db("cannot read the witness state"))?;
    found
        .map(|(size, root, checkpoint, updated)| {
            Ok(WitnessedCheckpoint {
                origin: origin.to_owned(),
                size: uint(size, "witnessed size")?,
                root: hash(&root, "witnessed root")?,
                checkpoint,
                updated: parse("witness update time", &updated, Timestamp::parse)?,
            })
        })
        .transpose()
}

fn witness_update(
    conn: &mut Connection,
    expected: Option<(u64, Hash)>,
    new: &WitnessedCheckpoint,
) -> Result<()> {
    let tx = write(conn)?;
    let current = witness_latest(&tx, &new.origin)?.map(|c| (c.size, c.root));
    if current != expected {
        return Err(conflict(format!(
            "the witness state of {} changed (now size {})",
            new.origin,
            current.map_or(0, |c| c.0)
        )));
    }
    if let Some((size, _)) = current
        && new.size < size
    {
        return Err(bad_request(format!(
            "the witness state of {} cannot go back from size {size} to {}",
            new.origin, new.size
        )));
    }
    tx.execute(
        "INSERT INTO witness_logs (origin, size, root, checkpoint, updated) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (origin) DO UPDATE SET size = excluded.size, \
         root = excluded.root, checkpoint = excluded.checkpoint, updated = excluded.updated",
        params![
            new.origin,
            int(new.size, "witnessed size")?,
            &new.root[..],
            new.checkpoint,
            new.updated.to_string()
        ],
    )
    .map_err(db("cannot store the witness state"))?;
    commit(tx)
}

fn add_split_view(conn: &mut Connection, v: &SplitView) -> Result<bool> {
    let tx = write(conn)?;
    let added = tx
        .execute(
            "INSERT INTO split_views (origin, kind, held, conflicting, proof, recorded) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (origin, held, conflicting) DO NOTHING",
            params![
                v.origin,
                v.kind.as_str(),
                v.held,
                v.conflicting,
                v.proof.concat(),
                v.recorded.to_string()
            ],
        )
        .map_err(db("cannot record the split view"))?;
    commit(tx)?;
    Ok(added == 1)
}

fn list_split_views(conn: &mut Connection) -> Result<Vec<SplitView>> {
    let mut stmt = conn
        .prepare(
            "SELECT origin, kind, held, conflicting, proof, recorded FROM split_views ORDER BY id",
        )
        .map_err(db("cannot list split views"))?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Vec<u8>>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .map_err(db("cannot list split views"))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db("cannot list split views"))?;
    rows.into_iter()
        .map(|(origin, kind, held, conflicting, proof, recorded)| {
            Ok(SplitView {
                kind: SplitViewKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("unknown split view kind {kind:?}")))?,
                origin,
                held,
                conflicting,
                proof: hashes(&proof, "split view proof")?,
                recorded: parse("split view time", &recorded, Timestamp::parse)?,
            })
        })
        .collect()
}

#[async_trait]
impl LogStore for SqliteStore {
    async fn log_state(&self) -> Result<LogState> {
        self.call(|c| {
            let tx = read(c)?;
            let s = state(&tx)?;
            commit(tx)?;
            Ok(s)
        })
        .await
    }

    async fn log_pending(&self, limit: usize) -> Result<Vec<EnvelopeId>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.call(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT e.id FROM log_pending p JOIN envelopes e ON e.seq = p.envelope_seq \
                     ORDER BY p.envelope_seq LIMIT ?1",
                )
                .map_err(db("cannot read the log queue"))?;
            let ids = stmt
                .query_map([limit], |row| row.get::<_, String>(0))
                .map_err(db("cannot read the log queue"))?
                .collect::<rusqlite::Result<Vec<String>>>()
                .map_err(db("cannot read the log queue"))?;
            ids.iter()
                .map(|t| parse("queued envelope id", t, EnvelopeId::parse))
                .collect()
        })
        .await
    }

    async fn log_commit(&self, batch: &LogBatch) -> Result<()> {
        let batch = batch.clone();
        self.call(move |c| log_commit(c, &batch)).await
    }

    async fn log_tiles(&self, paths: &[String]) -> Result<Vec<Option<StoredTile>>> {
        let paths = paths.to_vec();
        self.call_read(move |c| log_tiles(c, &paths)).await
    }

    async fn log_publish(&self, checkpoint: &PublishedCheckpoint) -> Result<bool> {
        let cp = checkpoint.clone();
        self.call(move |c| log_publish(c, &cp)).await
    }

    async fn log_checkpoint(&self) -> Result<Option<PublishedCheckpoint>> {
        self.call_read(|c| {
            let found: Option<(i64, Vec<u8>, String)> = c
                .query_row(
                    "SELECT size, root, text FROM log_checkpoint WHERE id = 1",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(db("cannot read the published checkpoint"))?;
            found
                .map(|(size, root, text)| {
                    Ok(PublishedCheckpoint {
                        size: uint(size, "checkpoint size")?,
                        root: hash(&root, "checkpoint root")?,
                        text,
                    })
                })
                .transpose()
        })
        .await
    }

    async fn log_index(&self, envelope: &EnvelopeId) -> Result<Option<u64>> {
        let (key, id) = (id_key(envelope), envelope.to_string());
        self.call_read(move |c| {
            let found: Option<i64> = c
                .query_row(
                    "SELECT l.log_index FROM envelopes e \
                     JOIN envelope_leaves l ON l.envelope_seq = e.seq \
                     WHERE e.id_key = ?1 AND e.id = ?2",
                    params![key, id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(db("cannot read the log index"))?;
            found.map(|i| uint(i, "log index")).transpose()
        })
        .await
    }

    async fn witness_latest(&self, origin: &str) -> Result<Option<WitnessedCheckpoint>> {
        let origin = origin.to_owned();
        self.call_read(move |c| witness_latest(c, &origin)).await
    }

    async fn witness_update(
        &self,
        expected: Option<(u64, Hash)>,
        new: &WitnessedCheckpoint,
    ) -> Result<()> {
        let new = new.clone();
        self.call(move |c| witness_update(c, expected, &new)).await
    }

    async fn add_split_view(&self, view: &SplitView) -> Result<bool> {
        let view = view.clone();
        self.call(move |c| add_split_view(c, &view)).await
    }

    async fn list_split_views(&self) -> Result<Vec<SplitView>> {
        self.call(list_split_views).await
    }
}
