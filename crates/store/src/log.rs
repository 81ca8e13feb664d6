//! What the node's transparency log and its witness need from storage: the
//! [`LogStore`] trait and its records.
//!
//! The log follows the Sunlight/Tessera pattern: the *sequencing state*
//! (tree size, root, the right border of the tree) and the queue of
//! envelopes waiting for a leaf live in the database; tiles and entry
//! bundles are content, written in the same commit as the state that makes
//! them true ([`LogBatch`]). A backend knows nothing of Merkle trees or
//! tile geometry: the node computes every hash and tile, the backend stores
//! them atomically and refuses a batch that does not extend the state it
//! was computed from (`Conflict`), so two sequencers sharing a database
//! (a server and a CLI command) can never fork the log.

use async_trait::async_trait;
use countersign_core::ids::EnvelopeId;
use countersign_core::time::Timestamp;

use crate::Result;

/// A SHA-256 Merkle tree hash.
pub type Hash = [u8; 32];

/// The log's sequencing state: enough to append the next leaf and compute
/// the root (RFC 9162 §2.1.1) without reading the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogState {
    /// Number of leaves.
    pub size: u64,
    /// Root hash of the tree of `size` leaves.
    pub root: Hash,
    /// The hashes of the complete subtrees of the binary decomposition of
    /// `size`, largest first (one per set bit of `size`).
    pub range: Vec<Hash>,
}

/// Tile or entry-bundle content to write, keyed by the tlog-tiles path of
/// the *full* tile (`tile/<L>/<N>` or `tile/entries/<N>`, no `.p/<W>`).
/// A partial tile is a prefix of the full one, so one record per path is
/// rewritten as the tile grows and is final once `width` is 256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileWrite {
    pub path: String,
    /// Hashes or entries held, 1..=256.
    pub width: u16,
    pub data: Vec<u8>,
}

/// A stored tile or entry bundle, at its current width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTile {
    pub width: u16,
    pub data: Vec<u8>,
}

/// One integration step of the log, committed atomically by
/// [`LogStore::log_commit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBatch {
    /// The state this batch was computed from: the commit is refused with
    /// `Conflict` unless it is still the stored state.
    pub old_size: u64,
    pub old_root: Hash,
    /// The state after the batch.
    pub new: LogState,
    /// The tiles and entry bundles that changed.
    pub tiles: Vec<TileWrite>,
    /// Queued envelopes this batch gives a leaf, with their leaf index:
    /// their queue entries are removed and their index recorded.
    pub envelopes: Vec<(EnvelopeId, u64)>,
}

/// The latest checkpoint the log published: signed after the state it
/// describes was committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The signed checkpoint note, verbatim.
    pub text: String,
}

/// The latest checkpoint a witness cosigned for one log origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedCheckpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The signed checkpoint note, verbatim, kept as evidence.
    pub checkpoint: String,
    pub updated: Timestamp,
}

/// Why two checkpoints of one origin cannot both be true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitViewKind {
    /// Same tree size, different root hashes: proof of a fork on its own.
    SameSize,
    /// The consistency proof offered from the held checkpoint to the newer
    /// one does not verify (RFC 9162 §2.1.4.2). On its own this shows only
    /// that the proof was bad; if the log cannot produce a good one, it
    /// forked.
    BadConsistencyProof,
}

impl SplitViewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitViewKind::SameSize => "same-size",
            SplitViewKind::BadConsistencyProof => "bad-consistency-proof",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "same-size" => Some(SplitViewKind::SameSize),
            "bad-consistency-proof" => Some(SplitViewKind::BadConsistencyProof),
            _ => None,
        }
    }
}

/// Evidence of a split view: two validly signed checkpoints of one origin
/// that cannot both be true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitView {
    pub origin: String,
    pub kind: SplitViewKind,
    /// The checkpoint held (cosigned earlier), verbatim.
    pub held: String,
    /// The conflicting checkpoint, verbatim.
    pub conflicting: String,
    /// The consistency proof that came with the conflicting checkpoint.
    pub proof: Vec<Hash>,
    pub recorded: Timestamp,
}

/// Storage for the node's log and its witness state. Every method is
/// atomic, like [`Store`](crate::Store)'s; [`LogStore::log_commit`] and
/// [`LogStore::witness_update`] are conditional writes that fail with
/// `Conflict` (changing nothing) when the stored state is not the expected
/// one.
///
/// The queue of envelopes waiting for a leaf is filled by
/// [`Store::insert_envelope`](crate::Store::insert_envelope), in the
/// envelope's own transaction, so a stored envelope is never left without
/// a leaf: at worst it waits in the queue until a sequencer runs.
#[async_trait]
pub trait LogStore: Send + Sync + 'static {
    /// The sequencing state; the empty tree for a new database.
    async fn log_state(&self) -> Result<LogState>;

    /// Up to `limit` queued envelopes, oldest first.
    async fn log_pending(&self, limit: usize) -> Result<Vec<EnvelopeId>>;

    /// Commits a batch in one transaction: tiles, envelope indexes, queue
    /// removals and the new state. `Conflict` if the stored state is not
    /// (`old_size`, `old_root`) or a queued envelope is no longer queued;
    /// `BadRequest` if the batch does not grow the tree.
    async fn log_commit(&self, batch: &LogBatch) -> Result<()>;

    /// Tiles or entry bundles by full-tile path, in order; `None` where
    /// nothing is stored.
    async fn log_tiles(&self, paths: &[String]) -> Result<Vec<Option<StoredTile>>>;

    /// Records a signed checkpoint as the latest published one, unless one
    /// at least as large is stored already (then nothing changes and the
    /// result is `false`). `BadRequest` if its size is beyond the committed
    /// state, or equal to it with another root.
    async fn log_publish(&self, checkpoint: &PublishedCheckpoint) -> Result<bool>;

    /// The latest published checkpoint, if any.
    async fn log_checkpoint(&self) -> Result<Option<PublishedCheckpoint>>;

    /// The leaf index of a stored envelope, once it has one.
    async fn log_index(&self, envelope: &EnvelopeId) -> Result<Option<u64>>;

    /// The latest checkpoint cosigned for `origin`.
    async fn witness_latest(&self, origin: &str) -> Result<Option<WitnessedCheckpoint>>;

    /// Check-and-store: replaces the latest cosigned checkpoint of
    /// `new.origin` if it is still `expected` (`None`: nothing stored yet)
    /// and `new` is not smaller; otherwise `Conflict`, nothing changed.
    async fn witness_update(
        &self,
        expected: Option<(u64, Hash)>,
        new: &WitnessedCheckpoint,
    ) -> Result<()>;

    /// Keeps split-view evidence. `false` if the same pair of checkpoints
    /// of that origin was recorded before.
    async fn add_split_view(&self, view: &SplitView) -> Result<bool>;

    /// Every split view recorded, oldest first.
    async fn list_split_views(&self) -> Result<Vec<SplitView>>;
}
