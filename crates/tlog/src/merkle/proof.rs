//! Inclusion and consistency proof generation (RFC 9162 §2.1.3.1, §2.1.4.1)
//! from stored subtree hashes.

use super::{
    Hash, HashReader, MerkleError, Subtree, fold_right, range_subtrees, read_checked, split_point,
};

/// The leaf ranges `[lo, hi)` whose MTHs form `PATH(m, D[0:n])`, leaf sibling
/// first (RFC 9162 §2.1.3.1).
fn inclusion_ranges(mut m: u64, mut n: u64) -> Vec<(u64, u64)> {
    let mut lo = 0;
    let mut out = Vec::new();
    while n > 1 {
        let k = split_point(n);
        if m < k {
            out.push((lo + k, lo + n));
            n = k;
        } else {
            out.push((lo, lo + k));
            lo += k;
            m -= k;
            n -= k;
        }
    }
    out.reverse();
    out
}

/// The leaf ranges whose MTHs form `PROOF(m, D[0:n])` = `SUBPROOF(m, D[0:n], true)`
/// (RFC 9162 §2.1.4.1), for 0 < m <= n.
fn consistency_ranges(mut m: u64, mut n: u64) -> Vec<(u64, u64)> {
    let mut lo = 0;
    let mut whole = true;
    let mut out = Vec::new();
    loop {
        if m == n {
            if !whole {
                out.push((lo, lo + m));
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            out.push((lo + k, lo + n));
            n = k;
        } else {
            out.push((lo, lo + k));
            lo += k;
            m -= k;
            n -= k;
            whole = false;
        }
    }
    out.reverse();
    out
}

/// Reads, in one batch, the subtrees of every range and folds each range.
fn hashes_of_ranges<R: HashReader + ?Sized>(
    ranges: &[(u64, u64)],
    reader: &R,
) -> Result<Vec<Hash>, MerkleError> {
    let per_range: Vec<Vec<Subtree>> = ranges
        .iter()
        .map(|&(lo, hi)| range_subtrees(lo, hi))
        .collect();
    let all: Vec<Subtree> = per_range.iter().flatten().copied().collect();
    let hashes = read_checked(reader, &all)?;
    let mut out = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for subtrees in &per_range {
        let end = at + subtrees.len();
        out.push(fold_right(hashes.get(at..end).unwrap_or_default()));
        at = end;
    }
    Ok(out)
}

/// The inclusion proof `PATH(index, D[0:size])` (RFC 9162 §2.1.3.1), computed
/// from the stored hashes of complete subtrees that `reader` provides.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    hashes_of_ranges(&inclusion_ranges(index, size), reader)
}

/// The consistency proof `PROOF(size1, D[0:size2])` (RFC 9162 §2.1.4.1). For
/// `size1 == size2` and for `size1 == 0` the proof is empty (the RFC defines
/// no proof there; tlog-witness sends an empty proof from size 0).
pub fn consistency_proof<R: HashReader + ?Sized>(
    size1: u64,
    size2: u64,
    reader: &R,
) -> Result<Vec<Hash>, MerkleError> {
    if size1 > size2 {
        return Err(MerkleError::InvalidSizes { size1, size2 });
    }
    if size1 == 0 || size1 == size2 {
        return Ok(Vec::new());
    }
    hashes_of_ranges(&consistency_ranges(size1, size2), reader)
}

/// `MTH(D[0:size])` (RFC 9162 §2.1.1) from stored subtree hashes; the empty
/// root for size 0.
pub fn root_at<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Hash, MerkleError> {
    let subtrees = range_subtrees(0, size);
    Ok(fold_right(&read_checked(reader, &subtrees)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_rfc_example() {
        // RFC 9162 §2.1.5 tree of 7 leaves: PATH(3) = [c, g, l] = [2], [0,2), [4,7).
        assert_eq!(inclusion_ranges(3, 7), vec![(2, 3), (0, 2), (4, 7)]);
        // PROOF(3, D[7]) = [c, d, g, l].
        assert_eq!(
            consistency_ranges(3, 7),
            vec![(2, 3), (3, 4), (0, 2), (4, 7)]
        );
        // PROOF(4, D[7]) = [l]; PROOF(6, D[7]) = [i, j, k].
        assert_eq!(consistency_ranges(4, 7), vec![(4, 7)]);
        assert_eq!(consistency_ranges(6, 7), vec![(4, 6), (6, 7), (0, 4)]);
        assert!(inclusion_ranges(0, 1).is_empty());
    }
}
