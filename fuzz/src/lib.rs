//! Fixtures shared by the fuzz targets: a log key, a witness key and a tree
//! whose checkpoints, proofs and cosignatures appear in the seed corpus, so
//! that unmutated seeds reach the success paths of verification.
//!
//! The names, seeds and leaves must match
//! `crates/tlog/examples/fuzz_seeds.rs`, which writes the seed corpus.

use std::sync::OnceLock;

use countersign_tlog::merkle::{Hash, MemoryTree, leaf_hash};
use countersign_tlog::witness::KnownLog;
use countersign_tlog::{CosignerKey, SignerKey, VerifierKey};

pub const LOG_NAME: &str = "fuzz.example/log";
pub const LOG_SEED: [u8; 32] = [0x4c; 32];
pub const WITNESS_NAME: &str = "fuzz.example/witness";
pub const WITNESS_SEED: [u8; 32] = [0x57; 32];
/// Leaves of the fixture tree: `leaf_hash("fuzz entry <i>")` for i in 0..TREE_SIZE.
pub const TREE_SIZE: u64 = 100;

pub struct Fixtures {
    pub log: SignerKey,
    pub witness: CosignerKey,
    pub tree: MemoryTree,
    /// Log key then witness key.
    pub verifiers: Vec<VerifierKey>,
    pub known: KnownLog,
}

/// The fixtures, built once per process.
pub fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let log = SignerKey::from_seed(LOG_NAME, LOG_SEED).expect("valid name");
        let witness = CosignerKey::from_seed(WITNESS_NAME, WITNESS_SEED).expect("valid name");
        let mut tree = MemoryTree::new();
        for i in 0..TREE_SIZE {
            tree.push(leaf_hash(format!("fuzz entry {i}").as_bytes()));
        }
        let verifiers = vec![log.verifier_key(), witness.verifier_key()];
        let known = KnownLog::new(LOG_NAME, vec![log.verifier_key()]);
        Fixtures {
            log,
            witness,
            tree,
            verifiers,
            known,
        }
    })
}

/// The fixture tree's root at `size`, if the tree is that large.
pub fn root_at(size: u64) -> Option<Hash> {
    fixtures().tree.root_at(size).ok()
}
