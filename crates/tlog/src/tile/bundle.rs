//! Entry bundles (C2SP tlog-tiles §"Log entries"): uint16 big-endian
//! length-prefixed entries.

use super::{Bundle, TILE_WIDTH, TileError};

/// Encodes entries as an entry bundle: each a big-endian uint16 length then
/// its bytes (tlog-tiles §"Log entries"). At most 256 entries of at most
/// 65,535 bytes.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    if entries.len() > usize::from(TILE_WIDTH) {
        return Err(TileError::TooManyEntries(entries.len()));
    }
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.as_ref().len() + 2).sum());
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLong(e.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes an entry bundle (tlog-tiles §"Log entries"), rejecting truncation
/// and more than 256 entries.
pub fn decode_bundle(data: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if out.len() == usize::from(TILE_WIDTH) {
            return Err(TileError::TooManyEntries(out.len() + 1));
        }
        let [a, b, tail @ ..] = rest else {
            return Err(TileError::TruncatedBundle);
        };
        let len = usize::from(u16::from_be_bytes([*a, *b]));
        if tail.len() < len {
            return Err(TileError::TruncatedBundle);
        }
        let (entry, tail) = tail.split_at(len);
        out.push(entry.to_vec());
        rest = tail;
    }
    Ok(out)
}

/// Decodes a bundle that must hold exactly `bundle.width` entries.
pub fn decode_bundle_for(bundle: &Bundle, data: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let entries = decode_bundle(data)?;
    if entries.len() != usize::from(bundle.width) {
        return Err(TileError::BundleCount {
            got: entries.len(),
            want: usize::from(bundle.width),
        });
    }
    Ok(entries)
}
