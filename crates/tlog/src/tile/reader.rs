//! Tile contents and a [`HashReader`] backed by tiles (C2SP tlog-tiles §"Merkle Tree").

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::{Tile, TileError, locate};
use crate::merkle::{
    self, HASH_LEN, Hash, HashReader, MerkleError, ReadError, Subtree, read_checked,
};

/// The contents of a tile: its hashes concatenated (tlog-tiles §"Merkle Tree").
pub fn tile_bytes(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}

/// Splits tile data into exactly `width` hashes.
pub fn parse_tile(data: &[u8], width: u16) -> Result<Vec<Hash>, TileError> {
    let want = usize::from(width) * HASH_LEN;
    if data.len() != want {
        return Err(TileError::BadTileLength {
            got: data.len(),
            want,
        });
    }
    Ok(data
        .chunks_exact(HASH_LEN)
        .map(|c| {
            let mut h = [0u8; HASH_LEN];
            h.copy_from_slice(c);
            h
        })
        .collect())
}

/// Builds the contents of `tile` from stored subtree hashes: the hashes of
/// the level-8L subtrees `N*256 .. N*256+W` (tlog-tiles §"Merkle Tree").
pub fn read_tile<R: HashReader + ?Sized>(tile: &Tile, reader: &R) -> Result<Vec<u8>, MerkleError> {
    let subtrees: Vec<Subtree> = (0..tile.width).map(|p| tile.subtree_at(p)).collect();
    Ok(tile_bytes(&read_checked(reader, &subtrees)?))
}

/// A [`HashReader`] over the tiles of a tree of `size` leaves: `read_tile`
/// returns the bytes of a tile (full or partial, as named by its width).
/// Each tile is read at most once per call.
pub struct TileHashReader<F> {
    pub size: u64,
    pub read_tile: F,
}

impl<F, E> HashReader for TileHashReader<F>
where
    F: Fn(&Tile) -> Result<Vec<u8>, E>,
    E: Into<ReadError>,
{
    type Error = ReadError;

    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, ReadError> {
        let mut cache: BTreeMap<Tile, Vec<Hash>> = BTreeMap::new();
        let mut out = Vec::with_capacity(subtrees.len());
        for s in subtrees {
            let (tile, pos, count) = locate(*s, self.size).ok_or(TileError::OutsideTree {
                subtree: *s,
                size: self.size,
            })?;
            let tile_hashes = match cache.entry(tile) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let data = (self.read_tile)(&tile).map_err(Into::into)?;
                    e.insert(parse_tile(&data, tile.width)?)
                }
            };
            let hashes = tile_hashes
                .get(usize::from(pos)..usize::from(pos) + usize::from(count))
                .ok_or(TileError::OutsideTree {
                    subtree: *s,
                    size: self.size,
                })?;
            out.push(merkle::root_from_leaf_hashes(hashes));
        }
        Ok(out)
    }
}
