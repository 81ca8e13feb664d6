//! tlog-tiles: `parse_path` on the input's first line, and `parse_tile`,
//! `decode_bundle` and `decode_bundle_for` on the rest. Properties: a parsed
//! path formats back to the same path; tile data and bundles encode back to
//! the same bytes; widths and levels stay in range.

#![no_main]

use countersign_tlog::merkle::HASH_LEN;
use countersign_tlog::tile::{
    MAX_TILE_LEVEL, TILE_WIDTH, TilePath, decode_bundle, decode_bundle_for, encode_bundle,
    parse_path, parse_tile, tile_bytes,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (path, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut width = None;
    if let Ok(path) = std::str::from_utf8(path) {
        match parse_path(path) {
            Ok(TilePath::Hashes(t)) => {
                assert_eq!(t.path(), path, "parse -> path changed a tile path");
                assert_eq!(parse_path(&t.path()), Ok(TilePath::Hashes(t)));
                assert!(t.level <= MAX_TILE_LEVEL);
                assert!((1..=TILE_WIDTH).contains(&t.width));
                width = Some(t.width);
            }
            Ok(TilePath::Entries(b)) => {
                assert_eq!(b.path(), path, "parse -> path changed a bundle path");
                assert_eq!(parse_path(&b.path()), Ok(TilePath::Entries(b)));
                assert!((1..=TILE_WIDTH).contains(&b.width));
                if let Ok(entries) = decode_bundle_for(&b, body) {
                    assert_eq!(entries.len(), usize::from(b.width));
                    assert_eq!(encode_bundle(&entries).as_deref(), Ok(body));
                }
            }
            Err(_) => {}
        }
    }
    let width = width.unwrap_or_else(|| {
        u16::try_from(body.len() / HASH_LEN).map_or(TILE_WIDTH, |w| w.min(TILE_WIDTH))
    });
    if let Ok(hashes) = parse_tile(body, width) {
        assert_eq!(hashes.len(), usize::from(width));
        assert_eq!(tile_bytes(&hashes), body);
    }
    if let Ok(entries) = decode_bundle(body) {
        assert!(entries.len() <= usize::from(TILE_WIDTH));
        assert_eq!(encode_bundle(&entries).as_deref(), Ok(body));
    }
});
