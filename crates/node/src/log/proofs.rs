//! Proofs from memory: the latest published checkpoint and a bounded cache
//! of tiles with every subtree hash inside them, so that proving a leaf
//! (each receipt carries an inclusion proof) costs no store round trip and
//! no recomputation of subtree hashes in the common case.
//!
//! Why it is always correct: a tile of a given width never changes. The
//! log only ever extends (every commit is a compare-and-set on the stored
//! state, across processes), so the first `W` hashes of tile `(L, N)` are
//! the same in every process and at every later size; a partial tile only
//! grows. The cache is keyed by `(level, index)` and holds the widest
//! prefix seen; a request for width `w` is served from any entry at least
//! that wide, as every subtree inside the first `w` hashes is the same.
//! Entries come only from the store (tiles read back) or from the
//! sequencer after a commit succeeded, never from a batch that may not
//! have been written. The store stays the source of truth: whatever is not
//! in memory is read from it, and a checkpoint older than the store's is
//! still a valid one to prove against, as long as it covers the leaf.
//!
//! Per tile the cache keeps the hashes of all complete subtrees of 2^k
//! tile hashes, k = 0..7 (at most 510 hashes, 16 KiB), which is exactly
//! what [`tile::locate`] asks for; so a proof is a handful of lookups and
//! the few `node_hash`es of [`merkle::inclusion_proof`]'s right-hand fold,
//! instead of up to 255 hashes per tile level. Growing a partial tile
//! reuses the subtrees of its narrower prefix.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use countersign_store::{Hash, PublishedCheckpoint, Store, TileWrite};
use countersign_tlog::merkle::{HashReader, MerkleError, ReadError, Subtree, node_hash};
use countersign_tlog::tile::{self, Tile, TilePath, locate, parse_tile};

use super::{corrupt, tile_key};
use crate::error::{NodeError, Result};

/// Tiles the cache holds: about 4 MiB of full tiles. Proofs of recent
/// leaves need one tile per level plus the partial ones, so the working
/// set of a receiving node is a few dozen entries; the rest is room for
/// proofs of older leaves (CLI, auditors).
pub(crate) const TILE_CACHE_ENTRIES: usize = 256;

/// Subtree heights kept per tile: a stored subtree is at most 2^7 hashes
/// of its tile ([`tile::locate`]); height 8 is the next level's tile.
const HEIGHTS: usize = tile::TILE_HEIGHT as usize;

/// Every complete subtree hash inside a prefix of one tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TileNodes {
    /// `heights[k][j]`: the hash of tile hashes `j·2^k .. (j+1)·2^k`;
    /// `heights[0]` is the tile itself.
    heights: Vec<Vec<Hash>>,
}

impl TileNodes {
    /// The subtrees of `tile`, reusing those of `narrower` where it is a
    /// prefix of `tile` (it always is for one tile of one log; anything
    /// else is recomputed rather than trusted).
    pub(crate) fn build(tile: Vec<Hash>, narrower: Option<&TileNodes>) -> TileNodes {
        let narrower = narrower.filter(|n| {
            n.width() <= tile.len() && n.heights.first().map(Vec::as_slice) == tile.get(..n.width())
        });
        let mut heights = Vec::with_capacity(HEIGHTS);
        heights.push(tile);
        for k in 1..HEIGHTS {
            let below = &heights[k - 1];
            let n = below.len() / 2;
            if n == 0 {
                break;
            }
            let mut row = Vec::with_capacity(n);
            if let Some(old) = narrower.and_then(|o| o.heights.get(k)) {
                row.extend_from_slice(&old[..old.len().min(n)]);
            }
            for j in row.len()..n {
                row.push(node_hash(&below[2 * j], &below[2 * j + 1]));
            }
            heights.push(row);
        }
        TileNodes { heights }
    }

    /// How many hashes the tile prefix has.
    pub(crate) fn width(&self) -> usize {
        self.heights.first().map_or(0, Vec::len)
    }

    /// The hash of the `count` tile hashes from `pos` (`count` a power of
    /// two, `pos` a multiple of it), as [`tile::locate`] names them.
    pub(crate) fn subtree(&self, pos: u16, count: u16) -> Option<Hash> {
        if !count.is_power_of_two() || !pos.is_multiple_of(count) {
            return None;
        }
        let k = count.trailing_zeros() as usize;
        self.heights.get(k)?.get(usize::from(pos >> k)).copied()
    }
}

struct Entry {
    nodes: Arc<TileNodes>,
    used: u64,
}

/// The tiles, least recently used out first.
struct TileCache {
    entries: HashMap<(u8, u64), Entry>,
    tick: u64,
    capacity: usize,
}

impl TileCache {
    fn get(&mut self, level: u8, index: u64, width: u16) -> Option<&TileNodes> {
        self.tick += 1;
        let tick = self.tick;
        let e = self.entries.get_mut(&(level, index))?;
        if e.nodes.width() < usize::from(width) {
            return None;
        }
        e.used = tick;
        Some(&e.nodes)
    }

    /// Keeps `hashes` as the tile `(level, index)` unless a wider prefix
    /// is already held; returns what is held now.
    fn insert(&mut self, level: u8, index: u64, hashes: Vec<Hash>) -> Arc<TileNodes> {
        self.tick += 1;
        let tick = self.tick;
        let key = (level, index);
        if let Some(e) = self.entries.get_mut(&key) {
            e.used = tick;
            if e.nodes.width() < hashes.len() {
                e.nodes = Arc::new(TileNodes::build(hashes, Some(&e.nodes)));
            }
            return Arc::clone(&e.nodes);
        }
        if self.entries.len() >= self.capacity {
            self.evict();
        }
        let nodes = Arc::new(TileNodes::build(hashes, None));
        self.entries.insert(
            key,
            Entry {
                nodes: Arc::clone(&nodes),
                used: tick,
            },
        );
        nodes
    }

    /// Drops the least recently used half: one sort per `capacity / 2`
    /// insertions rather than bookkeeping on every lookup.
    fn evict(&mut self) {
        let mut ticks: Vec<u64> = self.entries.values().map(|e| e.used).collect();
        ticks.sort_unstable();
        let keep_from = ticks.get(ticks.len() / 2).copied().unwrap_or(0);
        self.entries.retain(|_, e| e.used >= keep_from);
    }
}

/// What proving needs that does not change under it: the latest published
/// checkpoint this process knows, and the tile cache. Shared by the
/// [`Node`](crate::Node) handles (which prove) and the sequencer (which
/// fills it).
pub(crate) struct Proofs {
    checkpoint: RwLock<Option<Arc<PublishedCheckpoint>>>,
    tiles: Mutex<TileCache>,
}

impl Proofs {
    pub(crate) fn new(capacity: usize) -> Proofs {
        Proofs {
            checkpoint: RwLock::new(None),
            tiles: Mutex::new(TileCache {
                entries: HashMap::new(),
                tick: 0,
                capacity: capacity.max(1),
            }),
        }
    }

    /// The latest checkpoint known to be published: signed by this
    /// process's sequencer or read and verified by it.
    pub(crate) fn checkpoint(&self) -> Option<Arc<PublishedCheckpoint>> {
        self.checkpoint
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Takes note of a published checkpoint; the larger one wins, as in
    /// the store.
    pub(crate) fn learn_checkpoint(&self, cp: PublishedCheckpoint) {
        let mut held = self
            .checkpoint
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if held.as_ref().is_none_or(|h| h.size < cp.size) {
            *held = Some(Arc::new(cp));
        }
    }

    /// Takes the hash tiles of a committed batch (entry bundles are not
    /// proof material and are skipped). Only for writes that are known
    /// to be stored.
    pub(crate) fn learn_tiles(&self, writes: &[TileWrite]) {
        let mut cache = self.lock();
        for w in writes {
            let Ok(TilePath::Hashes(t)) = tile::parse_path(&w.path) else {
                continue;
            };
            let Ok(hashes) = parse_tile(&w.data, w.width) else {
                continue;
            };
            cache.insert(t.level, t.index, hashes);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TileCache> {
        // A panic while holding the lock cannot leave a half-built entry
        // (entries are built before they are inserted), so the cache is
        // still sound.
        self.tiles.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a proof or root computation over the tree of `size` leaves:
    /// from the cache, reading the tiles it lacks from the store in one
    /// call and keeping them. The tiles a computation reads depend only on
    /// the sizes and indexes, not on hash values, so a first pass that
    /// misses some learns exactly which to read.
    pub(crate) async fn compute<T>(
        &self,
        store: &dyn Store,
        size: u64,
        compute: impl Fn(&CachedReader<'_>) -> std::result::Result<T, MerkleError>,
    ) -> Result<T> {
        let mut fetched: HashMap<(u8, u64), Arc<TileNodes>> = HashMap::new();
        for pass in 0..2 {
            let reader = CachedReader {
                size,
                proofs: self,
                fetched: &fetched,
                missing: RefCell::new(BTreeSet::new()),
            };
            let result = compute(&reader);
            let missing = reader.missing.into_inner();
            if missing.is_empty() {
                return result.map_err(|e| NodeError::internal(format!("log: {e}")));
            }
            if pass > 0 {
                break;
            }
            let missing: Vec<Tile> = missing.into_iter().collect();
            let paths: Vec<String> = missing.iter().map(|t| tile_key(t.level, t.index)).collect();
            let found = store.log_tiles(&paths).await?;
            let mut read = Vec::with_capacity(missing.len());
            for (t, stored) in missing.iter().zip(found) {
                let stored = stored
                    .filter(|s| s.width >= t.width)
                    .ok_or_else(|| corrupt(format!("tile {} is missing", t.path())))?;
                // The whole stored prefix: wider than asked is as good and
                // serves later sizes too.
                let bytes = stored
                    .data
                    .get(..usize::from(stored.width) * 32)
                    .unwrap_or_default();
                let hashes = parse_tile(bytes, stored.width)
                    .map_err(|e| corrupt(format!("stored tile {}: {e}", t.path())))?;
                read.push((t.level, t.index, hashes));
            }
            let mut cache = self.lock();
            for (level, index, hashes) in read {
                fetched.insert((level, index), cache.insert(level, index, hashes));
            }
        }
        Err(NodeError::internal(
            "log: tiles read from the store do not serve the proof",
        ))
    }
}

/// A [`HashReader`] over the cache (and the tiles a computation read from
/// the store), recording what it lacks instead of failing.
pub(crate) struct CachedReader<'a> {
    size: u64,
    proofs: &'a Proofs,
    fetched: &'a HashMap<(u8, u64), Arc<TileNodes>>,
    missing: RefCell<BTreeSet<Tile>>,
}

impl HashReader for CachedReader<'_> {
    type Error = ReadError;

    fn read_hashes(&self, subtrees: &[Subtree]) -> std::result::Result<Vec<Hash>, ReadError> {
        let size = self.size;
        let mut cache = self.proofs.lock();
        let mut missing = self.missing.borrow_mut();
        let mut out = Vec::with_capacity(subtrees.len());
        for s in subtrees {
            let (tile, pos, count) = locate(*s, size).ok_or_else(|| {
                format!(
                    "subtree level {} index {} is not in the tree of size {size}",
                    s.level, s.index
                )
            })?;
            let fetched = self
                .fetched
                .get(&(tile.level, tile.index))
                .filter(|n| n.width() >= usize::from(tile.width))
                .and_then(|n| n.subtree(pos, count));
            let hash = fetched.or_else(|| {
                cache
                    .get(tile.level, tile.index, tile.width)
                    .and_then(|n| n.subtree(pos, count))
            });
            match hash {
                Some(h) => out.push(h),
                None => {
                    missing.insert(tile);
                    out.push([0; 32]);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_tlog::merkle::root_from_leaf_hashes;

    fn hashes(n: usize, seed: u8) -> Vec<Hash> {
        (0..n)
            .map(|i| {
                let mut h = [seed; 32];
                h[..8].copy_from_slice(&(i as u64).to_be_bytes());
                h
            })
            .collect()
    }

    /// Every subtree `locate` can name, at every width, is the RFC 9162
    /// hash of its hashes, built at once or grown from any prefix.
    #[test]
    fn subtrees_match_the_recomputed_hashes() {
        let all = hashes(256, 7);
        for width in 1..=256usize {
            let fresh = TileNodes::build(all[..width].to_vec(), None);
            for from in [1, width / 3, width / 2, width.saturating_sub(1)] {
                if from == 0 || from > width {
                    continue;
                }
                let old = TileNodes::build(all[..from].to_vec(), None);
                assert_eq!(
                    TileNodes::build(all[..width].to_vec(), Some(&old)),
                    fresh,
                    "{from}..{width}"
                );
            }
            for k in 0..8u32 {
                let count = 1usize << k;
                for pos in (0..width).step_by(count) {
                    let want = (pos + count <= width)
                        .then(|| root_from_leaf_hashes(&all[pos..pos + count]));
                    assert_eq!(fresh.subtree(pos as u16, count as u16), want);
                }
            }
            assert_eq!(fresh.subtree(1, 2), None, "unaligned");
            assert_eq!(fresh.subtree(0, 3), None, "not a power of two");
            assert_eq!(fresh.subtree(0, 256), None, "the next level's");
        }
    }

    /// A prefix that is not one (which the log never produces) is not
    /// reused.
    #[test]
    fn a_foreign_prefix_is_not_reused() {
        let tile = hashes(100, 1);
        let other = TileNodes::build(hashes(50, 2), None);
        assert_eq!(
            TileNodes::build(tile.clone(), Some(&other)),
            TileNodes::build(tile, None)
        );
    }

    /// Narrower requests are served by a wider entry, wider ones miss, a
    /// narrower insert never replaces a wider entry, and a full cache
    /// drops the least recently used.
    #[test]
    fn the_cache_keeps_the_widest_prefix_and_the_recently_used() {
        let mut c = TileCache {
            entries: HashMap::new(),
            tick: 0,
            capacity: 4,
        };
        let tile = hashes(256, 3);
        c.insert(0, 0, tile[..10].to_vec());
        assert!(c.get(0, 0, 10).is_some());
        assert!(c.get(0, 0, 11).is_none());
        c.insert(0, 0, tile[..200].to_vec());
        c.insert(0, 0, tile[..20].to_vec());
        assert_eq!(c.get(0, 0, 5).map(TileNodes::width), Some(200));
        for i in 1..4 {
            c.insert(1, i, tile.clone());
        }
        // (0, 0) used last: it survives the eviction the fifth tile causes.
        assert!(c.get(0, 0, 1).is_some());
        c.insert(2, 0, tile.clone());
        assert!(c.entries.len() <= 4);
        assert!(c.get(0, 0, 1).is_some());
        assert!(c.get(2, 0, 256).is_some());
    }
}
