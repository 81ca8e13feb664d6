//! The node's transparency log: one RFC 9162 Merkle tree of a leaf per
//! envelope the node stores, published as C2SP checkpoints and tlog-tiles.
//!
//! # Leaves
//!
//! The leaf of an envelope is exactly `countersign/leaf/v1\n<envelope id>\n`
//! ([`leaf_data`]), so public tiles and entry bundles reveal nothing but
//! ids. [`Store::insert_envelope`](countersign_store::Store::insert_envelope)
//! queues the envelope for a leaf in its own transaction; the sequencer
//! drains that queue, so a stored envelope always ends up in the log, even
//! if the process dies between the two steps (the next open integrates
//! it).
//!
//! # The sequencer
//!
//! One tokio task per [`Node`] owns the log's in-memory edge (the compact
//! range and the rightmost partial tile of each level and of the entry
//! bundles). It collects requests until it has
//! [`NodeConfig::log_batch_entries`](crate::datadir::NodeConfig) entries
//! or `log_batch_ms` passed, then integrates them in ONE store transaction
//! ([`LogStore::log_commit`]): entries, tiles and the new tree state
//! together, conditional on the state it started from. Only after that
//! commit does it sign a checkpoint for the new (size, root) and publish
//! it ([`LogStore::log_publish`]); only after that does anyone waiting get
//! an answer. On any storage error it drops its edge and reloads the state
//! from the database before going on: a commit that failed may have
//! persisted anyway, which it recognises (the reloaded state is the one it
//! tried to write) and treats as success.
//!
//! The log never signs two inconsistent checkpoints, across restarts and
//! across processes sharing the database: every state is computed from the
//! stored one and committed only if the stored one did not change
//! meanwhile, so the stored tree only ever extends, and a checkpoint is
//! signed only for a committed state. At load the latest published
//! checkpoint is checked against the log key and the stored tree.
//!
//! An idle sequencer sweeps the queue every few seconds, so an envelope
//! stored by another process that died before integrating it gets its leaf
//! without waiting for the next open.
//!
//! # Proofs
//!
//! Every receipt carries an inclusion proof, so proving must be cheap. The
//! sequencer keeps the checkpoint it publishes and the tiles it commits in
//! memory ([`proofs`]: a bounded cache of tiles with all their subtree
//! hashes); a proof against that checkpoint reads nothing from the store.
//! What is not in memory (older leaves, a checkpoint published by another
//! process) is read from the store, which stays the source of truth.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use countersign_core::ids::EnvelopeId;
use countersign_store::{
    Hash, LogBatch, LogState, NewEnvelope, PublishedCheckpoint, Store, TileWrite,
};
use countersign_tlog::merkle::{self, CompactRange, Subtree, leaf_hash};
use countersign_tlog::tile::{
    self, Bundle, Tile, TilePath, decode_bundle, encode_bundle, parse_tile, partial_width,
    tile_bytes,
};
use countersign_tlog::{Checkpoint, SignerKey, TlogProof, VerifierKey};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::Node;
use crate::error::{NodeError, Result};

mod proofs;

use proofs::{Proofs, TILE_CACHE_ENTRIES};

/// The first line of every leaf.
pub const LEAF_PREFIX: &str = "countersign/leaf/v1\n";

/// The leaf data of an envelope: `countersign/leaf/v1\n<id>\n`, as the
/// domain defines it ([`countersign_core::receipt::log_leaf`], which a
/// receipt's proof is checked against).
pub fn leaf_data(id: &EnvelopeId) -> Vec<u8> {
    countersign_core::receipt::log_leaf(id)
}

/// The envelope id a leaf names, if it is a countersign leaf.
pub fn leaf_id(data: &[u8]) -> Option<EnvelopeId> {
    let text = std::str::from_utf8(data).ok()?;
    let id = text.strip_prefix(LEAF_PREFIX)?.strip_suffix('\n')?;
    EnvelopeId::parse(id).ok()
}

/// How the sequencer batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// Most new entries per batch (queued envelopes and appends each count
    /// up to this).
    pub max_batch: usize,
    /// How long to wait for a batch to fill.
    pub max_delay: Duration,
}

/// Attempts at a batch (or a publication) before its callers get the error.
const ATTEMPTS: u32 = 4;

/// How long an idle sequencer waits before sweeping the queue.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(5u64 << attempt.min(6))
}

enum Request {
    /// Append this leaf; answer with its index.
    Append {
        leaf: Vec<u8>,
        reply: oneshot::Sender<Result<u64>>,
    },
    /// The envelope was stored (so queued): answer with its index once it
    /// is integrated and a checkpoint covering it is published.
    Wait {
        id: EnvelopeId,
        reply: oneshot::Sender<Result<u64>>,
    },
    /// Integrate the whole queue and publish a checkpoint of the result.
    Sync {
        reply: oneshot::Sender<Result<PublishedCheckpoint>>,
    },
}

/// The node's handle on its log: the sequencer's inbox and what is known
/// without asking it.
pub(crate) struct Log {
    inbox: mpsc::Sender<Request>,
    origin: String,
    vkey: VerifierKey,
    published: watch::Receiver<Option<Checkpoint>>,
    /// The latest published checkpoint and the tile cache, which the
    /// sequencer fills and proofs read.
    proofs: Arc<Proofs>,
}

impl Log {
    /// Starts the sequencer on the current tokio runtime.
    pub(crate) fn start(store: Arc<dyn Store>, key: SignerKey, options: LogOptions) -> Result<Log> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            NodeError::internal("a node must be opened inside a tokio runtime (its log runs there)")
        })?;
        let options = LogOptions {
            max_batch: options.max_batch.clamp(1, 1 << 20),
            max_delay: options.max_delay,
        };
        let (inbox, rx) = mpsc::channel(options.max_batch.saturating_mul(4).max(64));
        let (watch_tx, published) = watch::channel(None);
        let origin = key.name().to_owned();
        let vkey = key.verifier_key();
        let proofs = Arc::new(Proofs::new(TILE_CACHE_ENTRIES));
        let sequencer = Sequencer {
            store,
            vkey: vkey.clone(),
            key,
            options,
            edge: None,
            published: None,
            watch: watch_tx,
            proofs: Arc::clone(&proofs),
            recent: Default::default(),
        };
        runtime.spawn(sequencer.run(rx));
        Ok(Log {
            inbox,
            origin,
            vkey,
            published,
            proofs,
        })
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<Result<T>>) -> Request) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        let stopped = || NodeError::internal("the log sequencer has stopped");
        self.inbox.send(make(tx)).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}

/// The right edge of the tree: everything needed to append and to write
/// the tiles that change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Edge {
    range: CompactRange,
    /// Per tile level, the hashes of the rightmost incomplete tile.
    tiles: Vec<Vec<Hash>>,
    /// The entries of the rightmost incomplete entry bundle.
    bundle: Vec<Vec<u8>>,
}

/// The path of the full tile at `level`, `index` (the store's key).
fn tile_key(level: u8, index: u64) -> String {
    Tile {
        level,
        index,
        width: tile::TILE_WIDTH,
    }
    .path()
}

fn bundle_key(index: u64) -> String {
    Bundle {
        index,
        width: tile::TILE_WIDTH,
    }
    .path()
}

/// Tile levels a tree of `size` leaves has.
fn tile_levels(size: u64) -> u8 {
    let mut l = 0u8;
    while l < 8 && size.checked_shr(8 * u32::from(l)).unwrap_or(0) > 0 {
        l += 1;
    }
    l
}

fn shr(x: u64, bits: u32) -> u64 {
    x.checked_shr(bits).unwrap_or(0)
}

impl Edge {
    pub(crate) fn size(&self) -> u64 {
        self.range.size()
    }

    pub(crate) fn state(&self) -> LogState {
        LogState {
            size: self.range.size(),
            root: self.range.root(),
            range: self.range.hashes().to_vec(),
        }
    }

    /// Appends `leaves` and returns every tile and entry bundle that
    /// changed, each keyed by its full-tile path: the tiles completed on
    /// the way (width 256) and the new rightmost partial ones (tlog-tiles
    /// §"Merkle Tree", §"Partial Tiles", §"Log entries").
    pub(crate) fn integrate(&mut self, leaves: &[Vec<u8>]) -> Result<Vec<TileWrite>> {
        let internal = |e: &dyn std::fmt::Display| NodeError::internal(format!("log: {e}"));
        let mut out = Vec::new();
        let mut touched = [false; 8];
        let tiles = &mut self.tiles;
        for leaf in leaves {
            let index = self.range.size();
            self.range
                .push_with(leaf_hash(leaf), |s: Subtree, h: &Hash| {
                    if !s.level.is_multiple_of(tile::TILE_HEIGHT) {
                        return;
                    }
                    let l = usize::from(s.level / tile::TILE_HEIGHT);
                    if tiles.len() <= l {
                        tiles.resize_with(l + 1, Vec::new);
                    }
                    let row = &mut tiles[l];
                    debug_assert_eq!(row.len() as u64, s.index & 0xff);
                    row.push(*h);
                    touched[l] = true;
                    if row.len() == usize::from(tile::TILE_WIDTH) {
                        out.push(TileWrite {
                            path: tile_key(l as u8, s.index >> 8),
                            width: tile::TILE_WIDTH,
                            data: tile_bytes(row),
                        });
                        row.clear();
                    }
                })
                .map_err(|e| internal(&e))?;
            self.bundle.push(leaf.clone());
            if self.bundle.len() == usize::from(tile::TILE_WIDTH) {
                out.push(TileWrite {
                    path: bundle_key(index >> 8),
                    width: tile::TILE_WIDTH,
                    data: encode_bundle(&self.bundle).map_err(|e| internal(&e))?,
                });
                self.bundle.clear();
            }
        }
        let size = self.range.size();
        for (l, row) in self.tiles.iter().enumerate() {
            if touched[l] && !row.is_empty() {
                out.push(TileWrite {
                    path: tile_key(l as u8, shr(size, 8 * (l as u32 + 1))),
                    width: row.len() as u16,
                    data: tile_bytes(row),
                });
            }
        }
        if !leaves.is_empty() && !self.bundle.is_empty() {
            out.push(TileWrite {
                path: bundle_key(size >> 8),
                width: self.bundle.len() as u16,
                data: encode_bundle(&self.bundle).map_err(|e| internal(&e))?,
            });
        }
        Ok(out)
    }

    /// Loads the edge of the stored tree: its state and the partial tiles
    /// and bundle at its right edge.
    pub(crate) async fn load(store: &dyn Store) -> Result<Edge> {
        let state = store.log_state().await?;
        let size = state.size;
        let range = CompactRange::from_parts(size, state.range)
            .map_err(|e| corrupt(format!("stored log range: {e}")))?;
        if range.root() != state.root {
            return Err(corrupt(format!(
                "the stored log root does not match its range at size {size}"
            )));
        }
        let levels = tile_levels(size);
        let mut paths = Vec::new();
        let mut widths = Vec::new();
        for l in 0..levels {
            let w = partial_width(l, size);
            if w > 0 {
                paths.push(tile_key(l, shr(size, 8 * (u32::from(l) + 1))));
                widths.push((Some(l), w));
            }
        }
        let bundle_width = (size & 0xff) as u16;
        if bundle_width > 0 {
            paths.push(bundle_key(size >> 8));
            widths.push((None, bundle_width));
        }
        let found = store.log_tiles(&paths).await?;
        let mut edge = Edge {
            range,
            tiles: vec![Vec::new(); usize::from(levels)],
            bundle: Vec::new(),
        };
        for ((path, (level, w)), stored) in paths.iter().zip(widths).zip(found) {
            let stored = stored
                .filter(|t| t.width >= w)
                .ok_or_else(|| corrupt(format!("tile {path} of the log edge is missing")))?;
            match level {
                Some(l) => {
                    let bytes = stored.data.get(..usize::from(w) * 32).unwrap_or_default();
                    edge.tiles[usize::from(l)] = parse_tile(bytes, w)
                        .map_err(|e| corrupt(format!("stored tile {path}: {e}")))?;
                }
                None => {
                    let mut entries = decode_bundle(&stored.data)
                        .map_err(|e| corrupt(format!("stored bundle {path}: {e}")))?;
                    if entries.len() < usize::from(w) {
                        return Err(corrupt(format!("stored bundle {path} is too short")));
                    }
                    entries.truncate(usize::from(w));
                    edge.bundle = entries;
                }
            }
        }
        Ok(edge)
    }
}

fn corrupt(message: String) -> NodeError {
    NodeError::internal(format!("the log's storage is inconsistent: {message}"))
}

/// What one batch did.
struct Integrated {
    /// Index of the first of the round's appends.
    first_append: u64,
    /// Indexes of the queued envelopes it integrated.
    envelopes: HashMap<EnvelopeId, u64>,
    /// Whether the queue was read to its end.
    queue_drained: bool,
}

struct Sequencer {
    store: Arc<dyn Store>,
    key: SignerKey,
    vkey: VerifierKey,
    options: LogOptions,
    /// `None` until loaded, and after any storage error.
    edge: Option<Edge>,
    /// Size and root of the latest published checkpoint known.
    published: Option<(u64, Hash)>,
    watch: watch::Sender<Option<Checkpoint>>,
    proofs: Arc<Proofs>,
    /// Indexes of the envelopes integrated and published lately (two
    /// generations of up to [`RECENT`] each), so a `Wait` that arrives
    /// after its envelope was integrated (stored by a task that was slower
    /// to ask than the batch was to start) is answered without a store read.
    recent: [HashMap<EnvelopeId, u64>; 2],
}

/// Envelopes per generation of [`Sequencer::recent`].
const RECENT: usize = 8192;

impl Sequencer {
    async fn run(mut self, mut inbox: mpsc::Receiver<Request>) {
        let mut queue: VecDeque<Request> = VecDeque::new();
        let mut open = true;
        loop {
            if queue.is_empty() {
                if !open {
                    break;
                }
                match tokio::time::timeout(SWEEP_EVERY, inbox.recv()).await {
                    Ok(Some(r)) => queue.push_back(r),
                    Ok(None) => break,
                    Err(_) => {
                        self.sweep().await;
                        continue;
                    }
                }
            }
            let deadline = Instant::now() + self.options.max_delay;
            while open && queue.len() < self.options.max_batch {
                // Take what is there at once; wait only for the rest.
                match inbox.try_recv() {
                    Ok(r) => {
                        queue.push_back(r);
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                    Err(mpsc::error::TryRecvError::Empty) => {}
                }
                match tokio::time::timeout_at(deadline, inbox.recv()).await {
                    Ok(Some(r)) => queue.push_back(r),
                    Ok(None) => open = false,
                    Err(_) => break,
                }
            }
            self.round(&mut queue).await;
        }
    }

    /// When idle: integrate what other processes queued and left (one
    /// killed between storing an envelope and integrating it), and publish
    /// a checkpoint if the last publication failed.
    async fn sweep(&mut self) {
        let done = match self.integrate(&[], true).await {
            Ok(_) => self.publish().await,
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            tracing::warn!("log sweep failed: {e}");
        }
    }

    /// One batch: integrate, publish, answer.
    async fn round(&mut self, queue: &mut VecDeque<Request>) {
        let mut leaves = Vec::new();
        let mut append_replies = Vec::new();
        let mut waits = Vec::new();
        let mut syncs = Vec::new();
        let mut later = VecDeque::new();
        for r in queue.drain(..) {
            match r {
                Request::Append { leaf, reply } if leaves.len() < self.options.max_batch => {
                    leaves.push(leaf);
                    append_replies.push(reply);
                }
                r @ Request::Append { .. } => later.push_back(r),
                Request::Wait { id, reply } => waits.push((id, reply)),
                Request::Sync { reply } => syncs.push(reply),
            }
        }
        *queue = later;
        let read_queue = !waits.is_empty() || !syncs.is_empty();

        let result = match self.integrate(&leaves, read_queue).await {
            Ok(done) => self.publish().await.map(|()| done),
            Err(e) => Err(e),
        };
        let done = match result {
            Ok(done) => done,
            Err(e) => {
                for reply in append_replies {
                    let _ = reply.send(Err(e.clone()));
                }
                for (_, reply) in waits {
                    let _ = reply.send(Err(e.clone()));
                }
                for reply in syncs {
                    let _ = reply.send(Err(e.clone()));
                }
                return;
            }
        };
        for (i, reply) in append_replies.into_iter().enumerate() {
            let _ = reply.send(Ok(done.first_append + i as u64));
        }
        if self.recent[0].len() + done.envelopes.len() > RECENT {
            self.recent[1] = std::mem::take(&mut self.recent[0]);
        }
        self.recent[0].extend(done.envelopes.iter().map(|(id, i)| (*id, *i)));
        let published = self.published.map_or(0, |p| p.0);
        for (id, reply) in waits {
            let known = done
                .envelopes
                .get(&id)
                .or_else(|| self.recent.iter().find_map(|r| r.get(&id)))
                .filter(|i| **i < published);
            if let Some(i) = known {
                let _ = reply.send(Ok(*i));
                continue;
            }
            match self.store.log_index(&id).await {
                Ok(Some(i)) if i < published => {
                    let _ = reply.send(Ok(i));
                }
                Ok(Some(_)) => {
                    // Integrated by another process sharing the database,
                    // beyond what this one has seen: reload and publish.
                    self.edge = None;
                    queue.push_back(Request::Wait { id, reply });
                }
                Ok(None) if !done.queue_drained => queue.push_back(Request::Wait { id, reply }),
                Ok(None) => {
                    let _ = reply.send(Err(NodeError::internal(format!(
                        "envelope {id} is neither in the log nor waiting for it"
                    ))));
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            }
        }
        for reply in syncs {
            if !done.queue_drained {
                queue.push_back(Request::Sync { reply });
                continue;
            }
            let _ = reply.send(match self.store.log_checkpoint().await {
                Ok(Some(cp)) => Ok(cp),
                Ok(None) => Err(NodeError::internal("the log has no published checkpoint")),
                Err(e) => Err(e.into()),
            });
        }
    }

    /// Commits the queued envelopes (if `read_queue`) and `leaves` as one
    /// batch, retrying with a reloaded state after a failure.
    async fn integrate(&mut self, leaves: &[Vec<u8>], read_queue: bool) -> Result<Integrated> {
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            match self.try_integrate(leaves, read_queue).await {
                Ok(done) => return Ok(done),
                Err(e) => {
                    tracing::warn!(attempt, "log batch failed: {e}");
                    self.edge = None;
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| NodeError::internal("log batch failed")))
    }

    async fn try_integrate(&mut self, leaves: &[Vec<u8>], read_queue: bool) -> Result<Integrated> {
        if self.edge.is_none() {
            self.reload().await?;
        }
        let queued = if read_queue {
            self.store.log_pending(self.options.max_batch).await?
        } else {
            Vec::new()
        };
        let queue_drained = queued.len() < self.options.max_batch;
        let mut edge = self
            .edge
            .take()
            .ok_or_else(|| NodeError::internal("log edge not loaded"))?;
        let old_size = edge.size();
        let old_root = edge.range.root();
        if queued.is_empty() && leaves.is_empty() {
            self.edge = Some(edge);
            return Ok(Integrated {
                first_append: old_size,
                envelopes: HashMap::new(),
                queue_drained,
            });
        }
        let mut all: Vec<Vec<u8>> = queued.iter().map(leaf_data).collect();
        all.extend(leaves.iter().cloned());
        let tiles = edge.integrate(&all)?;
        let new = edge.state();
        let envelopes: Vec<(EnvelopeId, u64)> = queued
            .iter()
            .zip(old_size..)
            .map(|(id, i)| (*id, i))
            .collect();
        let batch = LogBatch {
            old_size,
            old_root,
            new: new.clone(),
            tiles,
            envelopes,
        };
        if let Err(e) = self.store.log_commit(&batch).await {
            // The commit may have failed and persisted all the same.
            self.reload().await?;
            let now = self.edge.as_ref().map(Edge::state);
            if now.as_ref() != Some(&new) {
                return Err(e.into());
            }
            tracing::warn!("log batch reported failure but was committed: {e}");
        } else {
            // Stored for certain: the tiles may serve proofs.
            self.proofs.learn_tiles(&batch.tiles);
            self.edge = Some(edge);
        }
        Ok(Integrated {
            first_append: old_size + queued.len() as u64,
            envelopes: batch.envelopes.into_iter().collect(),
            queue_drained,
        })
    }

    /// Signs and publishes a checkpoint of the committed state, unless one
    /// at least as large is published.
    async fn publish(&mut self) -> Result<()> {
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            match self.try_publish().await {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tracing::warn!(attempt, "publishing a checkpoint failed: {e}");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| NodeError::internal("publishing failed")))
    }

    async fn try_publish(&mut self) -> Result<()> {
        if self.edge.is_none() {
            self.reload().await?;
        }
        let Some(edge) = &self.edge else {
            return Err(NodeError::internal("log edge not loaded"));
        };
        let (size, root) = (edge.size(), edge.range.root());
        if self.published.is_some_and(|(s, _)| s >= size) {
            return Ok(());
        }
        let cp = Checkpoint::new(self.key.name(), size, root);
        let text = cp
            .sign(&[&self.key])
            .map_err(|e| NodeError::internal(format!("cannot sign a checkpoint: {e}")))?;
        let signed = PublishedCheckpoint { size, root, text };
        let result = self.store.log_publish(&signed).await;
        match result {
            Ok(true) => {
                self.published = Some((size, root));
                self.proofs.learn_checkpoint(signed);
                self.watch.send_replace(Some(cp));
                Ok(())
            }
            // Another process published a larger one, or the write failed
            // (and may have persisted): what is stored now decides.
            other => {
                let stored = self.store.log_checkpoint().await?;
                self.learn_published(stored.as_ref())?;
                if self.published.is_some_and(|(s, _)| s >= size) {
                    return Ok(());
                }
                match other {
                    Err(e) => Err(e.into()),
                    Ok(_) => Err(NodeError::internal("the published checkpoint did not move")),
                }
            }
        }
    }

    /// Takes note of a published checkpoint read from the store, after
    /// checking it is this log's.
    fn learn_published(&mut self, stored: Option<&PublishedCheckpoint>) -> Result<()> {
        let Some(p) = stored else {
            return Ok(());
        };
        let (cp, _) = Checkpoint::open(&p.text, std::slice::from_ref(&self.vkey)).map_err(|e| {
            corrupt(format!(
                "the published checkpoint does not verify with the log key {}: {e}",
                self.vkey
            ))
        })?;
        if cp.origin != self.key.name() || cp.size != p.size || cp.root != p.root {
            return Err(corrupt(
                "the published checkpoint does not match its stored size and root".into(),
            ));
        }
        self.proofs.learn_checkpoint(p.clone());
        if self.published.is_none_or(|(s, _)| s < cp.size) {
            self.published = Some((cp.size, cp.root));
            self.watch.send_replace(Some(cp));
        }
        Ok(())
    }

    /// Reloads the edge and the published checkpoint from the store, and
    /// checks that the checkpoint describes the stored tree.
    async fn reload(&mut self) -> Result<()> {
        self.edge = None;
        // The checkpoint first: it is published only after its tree is
        // committed, so it can never be ahead of the state read after it.
        let stored = self.store.log_checkpoint().await?;
        let edge = Edge::load(&*self.store).await?;
        if let Some(p) = &stored {
            let size = edge.size();
            if p.size > size {
                return Err(corrupt(format!(
                    "the published checkpoint (size {}) is ahead of the tree (size {size})",
                    p.size
                )));
            }
            let root = if p.size == size {
                edge.range.root()
            } else {
                // From the store, not the cache: this checks what is stored.
                Proofs::new(1)
                    .compute(&*self.store, p.size, |r| merkle::root_at(p.size, r))
                    .await?
            };
            if root != p.root {
                return Err(corrupt(format!(
                    "the published checkpoint of size {} does not match the stored tree",
                    p.size
                )));
            }
        }
        self.published = None;
        self.learn_published(stored.as_ref())?;
        self.edge = Some(edge);
        Ok(())
    }
}

impl Node {
    fn log(&self) -> &Log {
        &self.inner.log
    }

    /// The log's origin line (also its key's name).
    pub fn log_origin(&self) -> &str {
        &self.log().origin
    }

    /// The log's verifier key (C2SP signed-note form), with which anyone
    /// verifies its checkpoints.
    pub fn log_vkey(&self) -> VerifierKey {
        self.log().vkey.clone()
    }

    /// The latest checkpoint this process published, as it changes (for
    /// pushing to witnesses or long polls). `None` until the first one.
    pub fn log_watch(&self) -> watch::Receiver<Option<Checkpoint>> {
        self.log().published.clone()
    }

    /// Integrates every queued envelope and returns the latest published
    /// checkpoint, which then covers them. `Node::open` does this.
    pub async fn log_sync(&self) -> Result<PublishedCheckpoint> {
        self.log().ask(|reply| Request::Sync { reply }).await
    }

    /// The latest signed checkpoint (tlog-checkpoint v1.0.0), as served at
    /// `/log/checkpoint`.
    pub async fn log_checkpoint(&self) -> Result<String> {
        match self.store().log_checkpoint().await? {
            Some(cp) => Ok(cp.text),
            None => Ok(self.log_sync().await?.text),
        }
    }

    /// A tile or entry bundle by its tlog-tiles path (`tile/<L>/<N>[.p/<W>]`
    /// or `tile/entries/<N>[.p/<W>]`), as served under `/log/`; `None` if
    /// the log has no such tile (yet). A partial path is served from a
    /// tile that has grown since: its first W hashes or entries are the
    /// same. A malformed path is `Invalid`.
    pub async fn log_tile(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let parsed = tile::parse_path(path)
            .map_err(|e| NodeError::invalid(format!("{path:?} is not a tile path: {e}")))?;
        let (key, width) = match parsed {
            TilePath::Hashes(t) => (tile_key(t.level, t.index), t.width),
            TilePath::Entries(b) => (bundle_key(b.index), b.width),
        };
        let Some(stored) = self.store().log_tiles(&[key]).await?.pop().flatten() else {
            return Ok(None);
        };
        if stored.width < width {
            return Ok(None);
        }
        if stored.width == width {
            return Ok(Some(stored.data));
        }
        Ok(Some(match parsed {
            TilePath::Hashes(_) => stored
                .data
                .get(..usize::from(width) * 32)
                .ok_or_else(|| corrupt(format!("stored tile {path} is too short")))?
                .to_vec(),
            TilePath::Entries(_) => {
                let entries = decode_bundle(&stored.data)
                    .map_err(|e| corrupt(format!("stored bundle {path}: {e}")))?;
                let prefix = entries
                    .get(..usize::from(width))
                    .ok_or_else(|| corrupt(format!("stored bundle {path} is too short")))?;
                encode_bundle(prefix).map_err(|e| corrupt(format!("bundle {path}: {e}")))?
            }
        }))
    }

    /// A tlog-proof (c2sp.org/tlog-proof@v1) that the envelope's leaf is in
    /// the log: its index, the inclusion proof and the latest signed
    /// checkpoint. Waits for the envelope's leaf if it is still queued.
    pub async fn log_prove(&self, envelope: &EnvelopeId) -> Result<TlogProof> {
        let index = match self.store().log_index(envelope).await? {
            Some(i) => i,
            None if self.store().get_envelope(envelope).await?.is_some() => {
                self.log_wait(envelope).await?
            }
            None => {
                return Err(NodeError::not_found(format!(
                    "no envelope {envelope} in this node's log"
                )));
            }
        };
        self.log_prove_index(index).await
    }

    /// A tlog-proof for the leaf at `index`, against the latest checkpoint
    /// this process published (or, if that does not cover `index`, the
    /// store's, after integrating the queue if need be).
    ///
    /// Cheap when `index` is one the log just answered with (what
    /// [`Node::log_wait`] and [`Node::store_envelope`] return): the
    /// checkpoint covering it is in memory and the tiles the proof needs
    /// were kept when the sequencer committed them, so it reads nothing
    /// from the store and hashes only a few nodes. Proofs of older leaves
    /// read their tiles once and keep them (a bounded cache). The proof is
    /// the same as one computed from the stored tiles.
    pub async fn log_prove_index(&self, index: u64) -> Result<TlogProof> {
        let proofs = &self.log().proofs;
        let cp = match proofs.checkpoint().filter(|c| index < c.size) {
            Some(cp) => cp,
            None => {
                // Another process sharing the database may have published
                // more than this one knows.
                let mut cp = self.store().log_checkpoint().await?;
                if cp.as_ref().is_none_or(|c| index >= c.size) {
                    cp = Some(self.log_sync().await?);
                }
                Arc::new(cp.ok_or_else(|| NodeError::internal("the log has no checkpoint"))?)
            }
        };
        if index >= cp.size {
            return Err(NodeError::not_found(format!(
                "the log has {} entries; there is no index {index}",
                cp.size
            )));
        }
        let size = cp.size;
        let proof = proofs
            .compute(&**self.store(), size, |r| {
                merkle::inclusion_proof(index, size, r)
            })
            .await?;
        Ok(TlogProof {
            extra: None,
            index,
            proof,
            checkpoint: cp.text.clone(),
        })
    }

    /// The consistency proof from the tree of `old` leaves to that of `new`
    /// (RFC 9162 §2.1.4.1); empty for `old` 0 or equal sizes.
    pub async fn log_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        let size = self.store().log_state().await?.size;
        if old > new || new > size {
            return Err(NodeError::invalid(format!(
                "no consistency proof from size {old} to {new}: the log has {size} entries"
            )));
        }
        self.log()
            .proofs
            .compute(&**self.store(), new, |r| {
                merkle::consistency_proof(old, new, r)
            })
            .await
    }

    /// Stores an envelope (see `Store::insert_envelope`) and returns its
    /// leaf index once the leaf is integrated and covered by a published
    /// checkpoint.
    pub async fn store_envelope(&self, envelope: &NewEnvelope) -> Result<u64> {
        self.store().insert_envelope(envelope).await?;
        self.log_wait(&envelope.envelope.id()).await
    }

    /// Waits until a stored envelope has its leaf, and returns its index.
    pub async fn log_wait(&self, envelope: &EnvelopeId) -> Result<u64> {
        let id = *envelope;
        self.log().ask(|reply| Request::Wait { id, reply }).await
    }

    /// Appends the leaf of `id` without storing an envelope, and returns
    /// its index once a published checkpoint covers it. For the `log
    /// torture` command, tests and benchmarks: real envelopes go through
    /// [`Node::store_envelope`].
    pub async fn log_append_synthetic(&self, id: &EnvelopeId) -> Result<u64> {
        let leaf = leaf_data(id);
        self.log()
            .ask(|reply| Request::Append { leaf, reply })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_tlog::merkle::MemoryTree;

    fn leaves(n: u32) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| leaf_data(&EnvelopeId::digest(&i.to_be_bytes())))
            .collect()
    }

    #[test]
    fn leaf_format() {
        let id = EnvelopeId::digest(b"x");
        let data = leaf_data(&id);
        assert_eq!(data, format!("countersign/leaf/v1\n{id}\n").into_bytes());
        assert_eq!(leaf_id(&data), Some(id));
        assert_eq!(leaf_id(b"countersign/leaf/v1\nxyz\n"), None);
    }

    /// Batches of any sizes write exactly the tiles tlog-tiles says change,
    /// with the contents a tree built leaf by leaf has.
    #[test]
    fn integrate_writes_the_changed_tiles() {
        let all = leaves(70_000);
        let tree =
            MemoryTree::from_leaf_hashes(&all.iter().map(|l| leaf_hash(l)).collect::<Vec<_>>());
        let mut edge = Edge::default();
        let mut at = 0usize;
        let mut step = 1usize;
        while at < all.len() {
            let end = (at + step).min(all.len());
            let old = edge.size();
            let writes = edge.integrate(&all[at..end]).unwrap();
            let new = edge.size();
            assert_eq!(edge.range.root(), tree.root_at(new).unwrap());
            let mut want: Vec<String> = tile::new_tiles(old, new)
                .iter()
                .map(|t| tile_key(t.level, t.index))
                .chain(
                    tile::new_bundles(old, new)
                        .iter()
                        .map(|b| bundle_key(b.index)),
                )
                .collect();
            let mut got: Vec<String> = writes.iter().map(|w| w.path.clone()).collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{old}..{new}");
            for w in &writes {
                match tile::parse_path(&w.path).unwrap() {
                    TilePath::Hashes(t) => {
                        let t = Tile {
                            width: w.width,
                            ..t
                        };
                        assert_eq!(Tile::at_size(t.level, t.index, new), Some(t));
                        assert_eq!(w.data, tile::read_tile(&t, &tree).unwrap());
                    }
                    TilePath::Entries(b) => {
                        let start = b.start() as usize;
                        let entries = decode_bundle(&w.data).unwrap();
                        assert_eq!(entries.len(), usize::from(w.width));
                        assert_eq!(entries, all[start..start + entries.len()]);
                    }
                }
            }
            at = end;
            step = (step * 7 + 3) % 1500 + 1;
        }
    }
}
