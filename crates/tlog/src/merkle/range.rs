//! In-memory trees: [`CompactRange`] keeps O(log n) hashes and computes the
//! root as leaves are appended; [`MemoryTree`] keeps every stored subtree
//! hash and serves proofs.

use super::{
    Hash, HashReader, MerkleError, Subtree, consistency_proof, empty_root, fold_right,
    inclusion_proof, node_hash, range_subtrees, read_checked, root_at,
};

/// The right border of a tree: the hashes of the complete subtrees of the
/// binary decomposition of its size, largest first (one per set bit), enough
/// to append leaves and compute MTH (RFC 9162 §2.1.1) in O(log n) memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    hashes: Vec<Hash>,
}

impl CompactRange {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A range from its size and border hashes (see [`CompactRange::subtrees`]).
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Self, MerkleError> {
        let want = size.count_ones() as usize;
        if hashes.len() != want {
            return Err(MerkleError::BadCompactRange {
                size,
                want,
                got: hashes.len(),
            });
        }
        Ok(CompactRange { size, hashes })
    }

    /// Loads the border of the tree of `size` leaves from stored hashes.
    pub fn from_reader<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Self, MerkleError> {
        let hashes = read_checked(reader, &range_subtrees(0, size))?;
        Self::from_parts(size, hashes)
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The border hashes, largest subtree first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Which complete subtree each border hash is.
    pub fn subtrees(&self) -> Vec<Subtree> {
        range_subtrees(0, self.size)
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) -> Result<(), MerkleError> {
        self.push_with(leaf, |_, _| {})
    }

    /// Appends a leaf hash and calls `visit` with every complete subtree hash
    /// that becomes known (the leaf itself first, then each completed parent),
    /// which is what a log stores to serve proofs and tiles later.
    pub fn push_with(
        &mut self,
        leaf: Hash,
        mut visit: impl FnMut(Subtree, &Hash),
    ) -> Result<(), MerkleError> {
        let index = self.size;
        let new_size = index.checked_add(1).ok_or(MerkleError::TreeFull)?;
        let mut h = leaf;
        visit(Subtree { level: 0, index }, &h);
        // Each trailing one bit of the old size is a subtree that now merges.
        let mut level = 0u8;
        while index & (1 << level) != 0 {
            let Some(left) = self.hashes.pop() else {
                break;
            };
            h = node_hash(&left, &h);
            level += 1;
            visit(
                Subtree {
                    level,
                    index: index >> level,
                },
                &h,
            );
        }
        self.hashes.push(h);
        self.size = new_size;
        Ok(())
    }

    /// MTH of the leaves so far (RFC 9162 §2.1.1).
    pub fn root(&self) -> Hash {
        if self.size == 0 {
            return empty_root();
        }
        fold_right(&self.hashes)
    }
}

/// A whole tree in memory: every complete subtree hash, by level. Serves as
/// a [`HashReader`] for proofs; suited to tests and small logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree of these leaf hashes.
    pub fn from_leaf_hashes(leaves: &[Hash]) -> Self {
        let mut t = Self::new();
        for l in leaves {
            t.push(*l);
        }
        t
    }

    /// Appends a leaf hash, storing every completed subtree hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(h);
            if row.len() % 2 == 1 {
                break;
            }
            let n = row.len();
            h = node_hash(&row[n - 2], &row[n - 1]);
            level += 1;
        }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The hash of leaf `index`, if present.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        self.stored(Subtree { level: 0, index })
    }

    /// The stored hash of a complete subtree, if present.
    pub fn stored(&self, s: Subtree) -> Option<Hash> {
        let i = usize::try_from(s.index).ok()?;
        self.levels.get(usize::from(s.level))?.get(i).copied()
    }

    /// MTH of the current tree.
    pub fn root(&self) -> Hash {
        // Every subtree of the current size is stored.
        root_at(self.size(), self).unwrap_or_else(|_| empty_root())
    }

    /// MTH of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        root_at(size, self)
    }

    /// `PATH(index, D[0:size])` (RFC 9162 §2.1.3.1).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        inclusion_proof(index, size, self)
    }

    /// `PROOF(size1, D[0:size2])` (RFC 9162 §2.1.4.1).
    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash>, MerkleError> {
        consistency_proof(size1, size2, self)
    }
}

impl HashReader for MemoryTree {
    type Error = MerkleError;
    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, MerkleError> {
        subtrees
            .iter()
            .map(|s| self.stored(*s).ok_or(MerkleError::MissingHash(*s)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    /// MTH straight from the RFC 9162 §2.1.1 definition.
    fn mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_root(),
            1 => d[0],
            n => {
                let k = crate::merkle::split_point(n as u64) as usize;
                node_hash(&mth(&d[..k]), &mth(&d[k..]))
            }
        }
    }

    #[test]
    fn compact_range_matches_definition() {
        let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut r = CompactRange::new();
        let mut t = MemoryTree::new();
        assert_eq!(r.root(), empty_root());
        for (i, l) in leaves.iter().enumerate() {
            let mut seen = Vec::new();
            r.push_with(*l, |s, h| seen.push((s, *h))).unwrap();
            t.push(*l);
            for (s, h) in seen {
                assert_eq!(t.stored(s), Some(h));
            }
            let want = mth(&leaves[..=i]);
            assert_eq!(r.root(), want, "size {}", i + 1);
            assert_eq!(t.root(), want);
            let again = CompactRange::from_reader(r.size(), &t).unwrap();
            assert_eq!(again, r);
        }
        assert!(CompactRange::from_parts(3, vec![[0; 32]]).is_err());
    }
}
