//! RFC 9162 §2.1 Merkle trees over SHA-256: hashing, proof generation against
//! stored subtree hashes ([`HashReader`]), proof verification, and in-memory
//! trees ([`CompactRange`], [`MemoryTree`]).

use std::error::Error as StdError;

use sha2::{Digest as _, Sha256};

mod proof;
mod range;
mod verify;

pub use proof::{consistency_proof, inclusion_proof, root_at};
pub use range::{CompactRange, MemoryTree};
pub use verify::{
    VerifyError, root_from_inclusion_proof, verify_consistency, verify_inclusion,
    verify_witness_consistency,
};

/// A SHA-256 Merkle tree hash.
pub type Hash = [u8; 32];

/// Length of a [`Hash`](type@Hash) in bytes.
pub const HASH_LEN: usize = 32;

/// A boxed error from a [`HashReader`].
pub type ReadError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a proof or root could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// The leaf index is not below the tree size.
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// The older size is larger than the newer one.
    #[error("size1 {size1} is larger than size2 {size2}")]
    InvalidSizes { size1: u64, size2: u64 },
    /// The [`HashReader`] failed.
    #[error("reading stored hashes: {0}")]
    Read(#[source] ReadError),
    /// The [`HashReader`] returned the wrong number of hashes.
    #[error("hash reader returned {got} hashes, {want} requested")]
    ReaderCount { want: usize, got: usize },
    /// A stored hash is not available.
    #[error("no stored hash for subtree level {} index {}", .0.level, .0.index)]
    MissingHash(Subtree),
    /// The tree cannot grow past 2^64 - 1 leaves.
    #[error("tree is full")]
    TreeFull,
    /// A compact range does not have one hash per set bit of its size.
    #[error("compact range of size {size} needs {want} hashes, got {got}")]
    BadCompactRange { size: u64, want: usize, got: usize },
}

/// Leaf hash: SHA-256(0x00 ‖ data) (RFC 9162 §2.1.1).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// Interior node hash: SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// `MTH(D[n])` from the leaf hashes, splitting at the largest power of two
/// smaller than n (RFC 9162 §2.1.1). O(n) time, O(log n) memory.
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut r = CompactRange::new();
    for l in leaves {
        // A slice never holds 2^64 leaves, so the range cannot be full.
        let _ = r.push(*l);
    }
    r.root()
}

/// The complete subtree of 2^`level` leaves starting at leaf
/// `index << level`; its hash is the MTH of those leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subtree {
    pub level: u8,
    pub index: u64,
}

impl Subtree {
    /// The first leaf covered.
    pub fn start(&self) -> u64 {
        self.index << self.level
    }

    /// The number of leaves covered.
    pub fn width(&self) -> u64 {
        1 << self.level
    }
}

/// The complete subtrees whose hashes, folded from the right with
/// [`node_hash`], give `MTH(D[lo:hi])` (RFC 9162 §2.1.1): one per set bit of
/// `hi - lo`, largest first. `lo` must be a multiple of a power of two at
/// least `hi - lo`, which holds for every range a proof is built from.
pub(crate) fn range_subtrees(lo: u64, hi: u64) -> Vec<Subtree> {
    let mut out = Vec::new();
    let mut pos = lo;
    let n = hi - lo;
    for level in (0..64u8).rev() {
        if n & (1 << level) != 0 {
            out.push(Subtree {
                level,
                index: pos >> level,
            });
            pos += 1 << level;
        }
    }
    out
}

/// Folds subtree hashes (largest first) into the hash of their range.
pub(crate) fn fold_right(hashes: &[Hash]) -> Hash {
    let mut it = hashes.iter().rev();
    let Some(last) = it.next() else {
        return empty_root();
    };
    it.fold(*last, |acc, h| node_hash(h, &acc))
}

/// The largest power of two strictly smaller than `n` (`n >= 2`).
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Source of stored hashes of complete subtrees, so proofs can be generated
/// from any storage (memory, database rows, tiles). The crate never does IO
/// itself: a reader backed by storage does it on its behalf.
pub trait HashReader {
    /// The reader's own error, boxed into [`MerkleError::Read`].
    type Error: Into<ReadError>;

    /// The hashes of `subtrees`, in the same order.
    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, Self::Error>;
}

/// A [`HashReader`] from a closure that returns one subtree hash at a time.
pub struct FnHashReader<F>(pub F);

impl<F, E> HashReader for FnHashReader<F>
where
    F: Fn(Subtree) -> Result<Hash, E>,
    E: Into<ReadError>,
{
    type Error = E;
    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, E> {
        subtrees.iter().map(|s| (self.0)(*s)).collect()
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    type Error = R::Error;
    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, R::Error> {
        (**self).read_hashes(subtrees)
    }
}

/// Reads `subtrees` and checks the count.
pub(crate) fn read_checked<R: HashReader + ?Sized>(
    reader: &R,
    subtrees: &[Subtree],
) -> Result<Vec<Hash>, MerkleError> {
    if subtrees.is_empty() {
        return Ok(Vec::new());
    }
    let got = reader
        .read_hashes(subtrees)
        .map_err(|e| MerkleError::Read(e.into()))?;
    if got.len() != subtrees.len() {
        return Err(MerkleError::ReaderCount {
            want: subtrees.len(),
            got: got.len(),
        });
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: &Hash) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn known_hashes() {
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // RFC 6962 test vector: leaf hash of the empty string.
        assert_eq!(
            hex(&leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn split_points() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn subtrees_of_range() {
        assert_eq!(
            range_subtrees(8, 15),
            vec![
                Subtree { level: 2, index: 2 },
                Subtree { level: 1, index: 6 },
                Subtree {
                    level: 0,
                    index: 14
                }
            ]
        );
        assert!(range_subtrees(3, 3).is_empty());
    }
}
