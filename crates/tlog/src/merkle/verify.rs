//! Inclusion and consistency proof verification (RFC 9162 §2.1.3.2,
//! §2.1.4.2), with the policy of the transparency-dev/merkle reference:
//! proofs from size 0 and empty hashes are rejected.
//!
//! Hashes are taken as byte slices so that data with malformed hashes can be
//! rejected with a clear error instead of being unrepresentable.

use super::{HASH_LEN, Hash, node_hash};

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The leaf index is not below the tree size.
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// A leaf hash or proof hash is not 32 bytes, or a root is empty.
    #[error("{what} has length {len}")]
    BadHashLength { what: &'static str, len: usize },
    /// The proof has too many or too few hashes for the sizes.
    #[error("proof has the wrong number of hashes ({got})")]
    WrongProofLength { got: usize },
    /// The computed root differs from the expected one.
    #[error("computed root does not match")]
    RootMismatch,
    /// The consistency proof does not lead to the old root.
    #[error("computed old root does not match root1")]
    Root1Mismatch,
    /// size2 < size1.
    #[error("size2 {size2} is smaller than size1 {size1}")]
    SizesOutOfOrder { size1: u64, size2: u64 },
    /// Consistency from the empty tree proves nothing and is rejected.
    #[error("consistency proof from size 0 is rejected")]
    FromEmptyTree,
    /// Equal sizes need an empty proof.
    #[error("sizes are equal but the proof is not empty")]
    NonEmptyProofForEqualSizes,
    /// Different sizes need a non-empty proof.
    #[error("empty consistency proof")]
    EmptyProof,
}

fn check_len(what: &'static str, h: &[u8]) -> Result<(), VerifyError> {
    if h.len() == HASH_LEN {
        Ok(())
    } else {
        Err(VerifyError::BadHashLength { what, len: h.len() })
    }
}

fn check_root(what: &'static str, h: &[u8]) -> Result<(), VerifyError> {
    if h.is_empty() {
        Err(VerifyError::BadHashLength { what, len: 0 })
    } else {
        Ok(())
    }
}

fn to_hash(what: &'static str, h: &[u8]) -> Result<Hash, VerifyError> {
    h.try_into()
        .map_err(|_| VerifyError::BadHashLength { what, len: h.len() })
}

/// Shifts `fn_` and `sn` right together until `fn_` is odd or zero.
fn shift_while_even(fn_: &mut u64, sn: &mut u64) {
    while *fn_ != 0 && *fn_ & 1 == 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// The root that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1-4
/// and the `sn == 0` check of step 5).
pub fn root_from_inclusion_proof<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
) -> Result<Hash, VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexOutOfRange { index, size });
    }
    let mut r = to_hash("leaf hash", leaf_hash)?;
    let (mut fn_, mut sn) = (index, size - 1);
    for p in proof {
        let p = to_hash("proof hash", p.as_ref())?;
        if sn == 0 {
            return Err(VerifyError::WrongProofLength { got: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(&p, &r);
            shift_while_even(&mut fn_, &mut sn);
        } else {
            r = node_hash(&r, &p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(VerifyError::WrongProofLength { got: proof.len() });
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is the leaf at `index` of the tree of `size`
/// leaves with root `root` (RFC 9162 §2.1.3.2). Leaf and proof hashes must be
/// 32 bytes; an empty root is rejected.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
    root: &[u8],
) -> Result<(), VerifyError> {
    check_root("root", root)?;
    let r = root_from_inclusion_proof(index, size, leaf_hash, proof)?;
    if r.as_slice() == root {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch)
    }
}

/// Verifies that the tree of `size2` leaves with root `root2` extends the tree
/// of `size1` leaves with root `root1` (RFC 9162 §2.1.4.2).
///
/// Policy of the reference verifier: size1 > size2 is rejected; size1 == 0 is
/// rejected (a proof from the empty tree says nothing; callers such as the
/// witness protocol that accept it must handle it before calling); equal
/// sizes need an empty proof and byte-identical roots; otherwise the proof
/// must be non-empty. Proof hashes must be 32 bytes; empty roots are rejected.
pub fn verify_consistency<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[P],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), VerifyError> {
    check_root("root1", root1)?;
    check_root("root2", root2)?;
    if size2 < size1 {
        return Err(VerifyError::SizesOutOfOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(VerifyError::FromEmptyTree);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(VerifyError::NonEmptyProofForEqualSizes);
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(VerifyError::RootMismatch)
        };
    }
    // Step 1.
    let Some((first, rest)) = proof.split_first() else {
        return Err(VerifyError::EmptyProof);
    };
    let first = to_hash("proof hash", first.as_ref())?;
    for p in rest {
        check_len("proof hash", p.as_ref())?;
    }
    // Step 2: if size1 is a power of two, the proof starts with root1.
    let (seed, path): (Hash, &[P]) = if size1.is_power_of_two() {
        (
            to_hash("root1", root1).map_err(|_| VerifyError::Root1Mismatch)?,
            proof,
        )
    } else {
        (first, rest)
    };
    // Steps 3-4.
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (seed, seed);
    // Step 6.
    for c in path {
        let c = to_hash("proof hash", c.as_ref())?;
        if sn == 0 {
            return Err(VerifyError::WrongProofLength { got: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(&c, &fr);
            sr = node_hash(&c, &sr);
            shift_while_even(&mut fn_, &mut sn);
        } else {
            sr = node_hash(&sr, &c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(VerifyError::WrongProofLength { got: proof.len() });
    }
    if fr.as_slice() != root1 {
        return Err(VerifyError::Root1Mismatch);
    }
    if sr.as_slice() != root2 {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// Consistency as a witness checks it (tlog-witness v1.0.0 §"add-checkpoint"):
/// from old size 0 the proof MUST be empty and any tree is consistent;
/// otherwise exactly [`verify_consistency`]. Equal sizes with different roots
/// give [`VerifyError::RootMismatch`], which the witness answers with 409.
pub fn verify_witness_consistency<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[P],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), VerifyError> {
    if size1 == 0 {
        if !proof.is_empty() {
            return Err(VerifyError::WrongProofLength { got: proof.len() });
        }
        check_root("root2", root2)?;
        return Ok(());
    }
    verify_consistency(size1, size2, proof, root1, root2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{empty_root, leaf_hash};

    #[test]
    fn witness_accepts_growth_from_zero_only_with_empty_proof() {
        let r = leaf_hash(b"a");
        let e = empty_root();
        let none: [Hash; 0] = [];
        assert_eq!(
            verify_consistency(0, 1, &none, &e, &r),
            Err(VerifyError::FromEmptyTree)
        );
        assert_eq!(verify_witness_consistency(0, 1, &none, &e, &r), Ok(()));
        assert_eq!(verify_witness_consistency(0, 0, &none, &e, &e), Ok(()));
        assert!(verify_witness_consistency(0, 1, &[r], &e, &r).is_err());
        assert!(verify_witness_consistency(1, 1, &none, &r, &e).is_err());
    }
}
