//! Properties of generated proofs: they verify, and any single flipped bit in
//! a proof hash or a root makes verification fail.

use countersign_tlog::merkle::{
    CompactRange, FnHashReader, Hash, MemoryTree, MerkleError, Subtree, inclusion_proof, leaf_hash,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

fn tree(n: u64) -> MemoryTree {
    let leaves: Vec<Hash> = (0..n)
        .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
        .collect();
    MemoryTree::from_leaf_hashes(&leaves)
}

/// Every single-bit flip of `h`.
fn flips(h: &Hash) -> impl Iterator<Item = Hash> + '_ {
    (0..256).map(move |bit| {
        let mut f = *h;
        f[bit / 8] ^= 1 << (bit % 8);
        f
    })
}

fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1u64..=300).prop_flat_map(|n| (Just(n), 0..n))
}

fn two_sizes() -> impl Strategy<Value = (u64, u64)> {
    (1u64..=300).prop_flat_map(|n| (1..=n, Just(n)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn inclusion_proofs_verify_and_bit_flips_fail((n, i) in size_and_index()) {
        let t = tree(n);
        let root = t.root();
        let leaf = t.leaf_hash(i).unwrap();
        let proof = t.inclusion_proof(i, n).unwrap();
        prop_assert_eq!(verify_inclusion(i, n, &leaf, &proof, &root), Ok(()));
        for k in 0..proof.len() {
            for f in flips(&proof[k]) {
                let mut p = proof.clone();
                p[k] = f;
                prop_assert!(verify_inclusion(i, n, &leaf, &p, &root).is_err());
            }
        }
        for f in flips(&root) {
            prop_assert!(verify_inclusion(i, n, &leaf, &proof, &f).is_err());
        }
        for f in flips(&leaf) {
            prop_assert!(verify_inclusion(i, n, &f, &proof, &root).is_err());
        }
        // Wrong index or size with the same proof fails too.
        if n > 1 {
            prop_assert!(verify_inclusion((i + 1) % n, n, &leaf, &proof, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_bit_flips_fail((m, n) in two_sizes()) {
        let t = tree(n);
        let (r1, r2) = (t.root_at(m).unwrap(), t.root());
        let proof = t.consistency_proof(m, n).unwrap();
        prop_assert_eq!(verify_consistency(m, n, &proof, &r1, &r2), Ok(()));
        for k in 0..proof.len() {
            for f in flips(&proof[k]) {
                let mut p = proof.clone();
                p[k] = f;
                prop_assert!(verify_consistency(m, n, &p, &r1, &r2).is_err());
            }
        }
        for f in flips(&r1) {
            prop_assert!(verify_consistency(m, n, &proof, &f, &r2).is_err());
        }
        for f in flips(&r2) {
            prop_assert!(verify_consistency(m, n, &proof, &r1, &f).is_err());
        }
        // Dropping or adding a hash fails.
        if let Some((_, shorter)) = proof.split_last() {
            prop_assert!(verify_consistency(m, n, shorter, &r1, &r2).is_err());
        }
        let mut longer = proof.clone();
        longer.push(r1);
        prop_assert!(verify_consistency(m, n, &longer, &r1, &r2).is_err());
    }

    #[test]
    fn compact_range_root_matches_tree(n in 0u64..=300) {
        let t = tree(n);
        let mut r = CompactRange::new();
        for i in 0..n {
            r.push(t.leaf_hash(i).unwrap()).unwrap();
        }
        prop_assert_eq!(r.root(), t.root());
    }
}

#[test]
fn closure_reader_and_errors() {
    let t = tree(37);
    let reader = FnHashReader(|s: Subtree| t.stored(s).ok_or_else(|| format!("missing {s:?}")));
    assert_eq!(
        inclusion_proof(5, 37, &reader).unwrap(),
        t.inclusion_proof(5, 37).unwrap()
    );
    assert!(matches!(
        inclusion_proof(37, 37, &reader),
        Err(MerkleError::IndexOutOfRange { .. })
    ));
    // Asking a 37-leaf store for a proof in a 64-leaf tree fails with a read error.
    assert!(matches!(
        inclusion_proof(5, 64, &reader),
        Err(MerkleError::Read(_))
    ));
    assert!(matches!(
        t.consistency_proof(5, 4),
        Err(MerkleError::InvalidSizes { .. })
    ));
    assert!(t.consistency_proof(0, 37).unwrap().is_empty());
    assert!(t.consistency_proof(37, 37).unwrap().is_empty());
}
