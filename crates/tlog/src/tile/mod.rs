//! Tiled logs (C2SP tlog-tiles): tile and entry-bundle paths, which tiles a
//! tree size has, tile contents, reading stored hashes back from tiles
//! ([`TileHashReader`]), and entry bundle encoding.

use std::fmt::Write as _;

use crate::merkle::Subtree;

mod bundle;
mod reader;

pub use bundle::{decode_bundle, decode_bundle_for, encode_bundle};
pub use reader::{TileHashReader, parse_tile, read_tile, tile_bytes};

/// Hashes in a full tile; a tile is a subtree of height 8 (tlog-tiles §"Merkle Tree").
pub const TILE_WIDTH: u16 = 256;
/// Levels of the Merkle tree spanned by one tile level.
pub const TILE_HEIGHT: u8 = 8;
/// Highest tile level a path may name (tlog-tiles §"Merkle Tree").
pub const MAX_TILE_LEVEL: u8 = 63;

/// Why a tile path, tile or bundle is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path is not a canonical tile or entry bundle path.
    #[error("malformed tile path: {0}")]
    BadPath(&'static str),
    /// Tile data is not `width` hashes.
    #[error("tile data has {got} bytes, want {want}")]
    BadTileLength { got: usize, want: usize },
    /// A bundle entry is longer than 65,535 bytes.
    #[error("entry of {0} bytes does not fit a uint16 length")]
    EntryTooLong(usize),
    /// A bundle holds more than 256 entries.
    #[error("bundle of {0} entries exceeds 256")]
    TooManyEntries(usize),
    /// A bundle ends inside a length prefix or an entry.
    #[error("truncated entry bundle")]
    TruncatedBundle,
    /// A bundle does not hold the expected number of entries.
    #[error("bundle holds {got} entries, want {want}")]
    BundleCount { got: usize, want: usize },
    /// The stored hash lies beyond the tree the reader serves.
    #[error("subtree level {} index {} is outside the tree of size {size}", .subtree.level, .subtree.index)]
    OutsideTree { subtree: Subtree, size: u64 },
}

fn shr(x: u64, n: u32) -> u64 {
    x.checked_shr(n).unwrap_or(0)
}

/// Bits of tree level covered by tile level `level`.
fn bits(level: u8) -> u32 {
    u32::from(level) * u32::from(TILE_HEIGHT)
}

/// A Merkle tree tile: level, index, and width (1..=256; 256 = full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    pub level: u8,
    pub index: u64,
    pub width: u16,
}

/// An entry bundle: index and width (1..=256; 256 = full), same geometry as
/// level-0 tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bundle {
    pub index: u64,
    pub width: u16,
}

/// A parsed tile or entry bundle path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePath {
    Hashes(Tile),
    Entries(Bundle),
}

/// Encodes a tile index as zero-padded 3-digit path elements, all but the
/// last prefixed with `x` (tlog-tiles §"Merkle Tree"): 1234067 → `x001/x234/067`.
pub fn encode_index(n: u64) -> String {
    let mut groups = vec![n % 1000];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut s = String::new();
    for (i, g) in groups.iter().rev().enumerate() {
        if i > 0 {
            s.push('/');
        }
        let prefix = if i + 1 < groups.len() { "x" } else { "" };
        let _ = write!(s, "{prefix}{g:03}");
    }
    s
}

fn width_suffix(width: u16) -> String {
    if width >= TILE_WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

impl Tile {
    /// `tile/<L>/<N>[.p/<W>]` (tlog-tiles §"Merkle Tree").
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            encode_index(self.index),
            width_suffix(self.width)
        )
    }

    /// Whether the tile holds 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width >= TILE_WIDTH
    }

    /// The stored subtree whose hash is at `position` in this tile.
    pub fn subtree_at(&self, position: u16) -> Subtree {
        Subtree {
            level: self.level.saturating_mul(TILE_HEIGHT),
            index: self
                .index
                .saturating_mul(256)
                .saturating_add(u64::from(position)),
        }
    }

    /// The tile of `level` and `index` as it exists in a tree of `size`
    /// leaves, or `None` if that tree has no such tile (tlog-tiles §"Partial Tiles").
    pub fn at_size(level: u8, index: u64, size: u64) -> Option<Tile> {
        let full = shr(size, bits(level) + 8);
        let width = if index < full {
            TILE_WIDTH
        } else if index == full {
            partial_width(level, size)
        } else {
            0
        };
        (width > 0).then_some(Tile {
            level,
            index,
            width,
        })
    }
}

impl Bundle {
    /// `tile/entries/<N>[.p/<W>]` (tlog-tiles §"Log entries").
    pub fn path(&self) -> String {
        format!(
            "tile/entries/{}{}",
            encode_index(self.index),
            width_suffix(self.width)
        )
    }

    /// The bundle of `index` in a tree of `size` leaves, if it exists.
    pub fn at_size(index: u64, size: u64) -> Option<Bundle> {
        Tile::at_size(0, index, size).map(|t| Bundle {
            index: t.index,
            width: t.width,
        })
    }

    /// Index of the first entry in the bundle.
    pub fn start(&self) -> u64 {
        self.index.saturating_mul(256)
    }
}

/// Parses a decimal without leading zeros.
fn parse_small(s: &str) -> Option<u64> {
    crate::checkpoint::parse_decimal(s)
}

/// Parses `<N>[.p/<W>]` from its path elements.
fn parse_index_and_width(parts: &[&str]) -> Result<(u64, u16), TileError> {
    let (parts, width) = match parts {
        [init @ .., last, w] if last.ends_with(".p") => {
            let w = parse_small(w)
                .filter(|w| (1..u64::from(TILE_WIDTH)).contains(w))
                .ok_or(TileError::BadPath(
                    "partial width must be 1..255 without leading zeros",
                ))?;
            let mut v = init.to_vec();
            v.push(&last[..last.len() - 2]);
            (
                v,
                u16::try_from(w).map_err(|_| TileError::BadPath("bad width"))?,
            )
        }
        _ => (parts.to_vec(), TILE_WIDTH),
    };
    let Some((last, init)) = parts.split_last() else {
        return Err(TileError::BadPath("missing tile index"));
    };
    if init.first() == Some(&"x000") {
        return Err(TileError::BadPath("tile index has a leading zero group"));
    }
    let three = |s: &str| {
        (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let mut n: u64 = 0;
    for g in init {
        let v = g
            .strip_prefix('x')
            .and_then(three)
            .ok_or(TileError::BadPath("index elements must be x + 3 digits"))?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(v))
            .ok_or(TileError::BadPath("tile index overflows"))?;
    }
    let v = three(last).ok_or(TileError::BadPath("last index element must be 3 digits"))?;
    n = n
        .checked_mul(1000)
        .and_then(|n| n.checked_add(v))
        .ok_or(TileError::BadPath("tile index overflows"))?;
    Ok((n, width))
}

/// Parses a canonical `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`
/// path relative to the log prefix (tlog-tiles §"Merkle Tree", §"Log
/// entries"): L in 0..=63 and W in 1..=255 without leading zeros, N in
/// 3-digit groups with `x` on all but the last and no leading zero group.
pub fn parse_path(path: &str) -> Result<TilePath, TileError> {
    let parts: Vec<&str> = path.split('/').collect();
    let [tile, level, rest @ ..] = parts.as_slice() else {
        return Err(TileError::BadPath("too few path elements"));
    };
    if *tile != "tile" {
        return Err(TileError::BadPath("path must start with tile/"));
    }
    if rest.len() > 9 {
        return Err(TileError::BadPath("too many path elements"));
    }
    let (index, width) = parse_index_and_width(rest)?;
    if *level == "entries" {
        return Ok(TilePath::Entries(Bundle { index, width }));
    }
    let level = parse_small(level)
        .filter(|l| *l <= u64::from(MAX_TILE_LEVEL))
        .and_then(|l| u8::try_from(l).ok())
        .ok_or(TileError::BadPath(
            "level must be 0..63 without leading zeros",
        ))?;
    Ok(TilePath::Hashes(Tile {
        level,
        index,
        width,
    }))
}

/// Width of the partial tile at `level` for a tree of `size` leaves,
/// floor(size / 256^level) mod 256; 0 means there is none (tlog-tiles
/// §"Partial Tiles").
pub fn partial_width(level: u8, size: u64) -> u16 {
    (shr(size, bits(level)) & 0xff) as u16
}

/// Number of tile levels a tree of `size` leaves has.
fn levels(size: u64) -> u8 {
    let mut l = 0;
    while l <= MAX_TILE_LEVEL && shr(size, bits(l)) > 0 {
        l += 1;
    }
    l
}

/// Every tile of a tree of `size` leaves, level by level: the full tiles,
/// then the partial one if any (tlog-tiles §"Partial Tiles"). Lazy, as a
/// large tree has many tiles.
pub fn tiles_for_size(size: u64) -> impl Iterator<Item = Tile> {
    (0..levels(size)).flat_map(move |level| {
        let full = shr(size, bits(level) + 8);
        (0..=full).filter_map(move |index| Tile::at_size(level, index, size))
    })
}

/// The tiles a log must write when it grows from `old_size` to `new_size`:
/// each tile of the new tree that did not exist, or was narrower, in the old
/// one (tlog-tiles §"Merkle Tree", §"Partial Tiles").
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    if new_size <= old_size {
        return out;
    }
    for level in 0..levels(new_size) {
        let first = shr(old_size, bits(level) + 8);
        let last = shr(new_size, bits(level) + 8);
        for index in first..=last {
            let Some(t) = Tile::at_size(level, index, new_size) else {
                continue;
            };
            if Tile::at_size(level, index, old_size) != Some(t) {
                out.push(t);
            }
        }
    }
    out
}

/// The entry bundles a log must write when it grows from `old_size` to `new_size`.
pub fn new_bundles(old_size: u64, new_size: u64) -> Vec<Bundle> {
    new_tiles(old_size, new_size)
        .into_iter()
        .filter(|t| t.level == 0)
        .map(|t| Bundle {
            index: t.index,
            width: t.width,
        })
        .collect()
}

/// Where the hashes that give a stored subtree's hash are: the tile (at
/// `size`), the first position and the count (a power of two). Subtrees at
/// levels between tile levels are recomputed from the tile below (tlog-tiles
/// §"Merkle Tree"). `None` if the subtree is not complete within `size`.
pub fn locate(subtree: Subtree, size: u64) -> Option<(Tile, u16, u16)> {
    let level = subtree.level / TILE_HEIGHT;
    let r = u32::from(subtree.level % TILE_HEIGHT);
    if subtree.index > u64::MAX >> r {
        return None;
    }
    let first = subtree.index << r;
    let count = 1u64 << r;
    // The subtree must be complete within the tree.
    let end = first.checked_add(count)?;
    if end > shr(size, bits(level)) {
        return None;
    }
    let tile = Tile::at_size(level, first >> 8, size)?;
    let pos = (first & 0xff) as u16;
    if u64::from(pos) + count > u64::from(tile.width) {
        return None;
    }
    Some((tile, pos, count as u16))
}
