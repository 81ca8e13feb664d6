//! tlog-tiles paths, tile sets, tile-backed proofs and entry bundles.

use countersign_tlog::merkle::{self, Hash, MemoryTree, leaf_hash};
use countersign_tlog::tile::{
    Bundle, Tile, TileError, TileHashReader, TilePath, decode_bundle, decode_bundle_for,
    encode_bundle, encode_index, new_bundles, new_tiles, parse_path, read_tile, tiles_for_size,
};
use proptest::prelude::*;

#[test]
fn index_encoding() {
    for (n, s) in [
        (0, "000"),
        (7, "007"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (u64::MAX, "x018/x446/x744/x073/x709/x551/615"),
    ] {
        assert_eq!(encode_index(n), s, "{n}");
    }
    let t = Tile {
        level: 1,
        index: 1234067,
        width: 256,
    };
    assert_eq!(t.path(), "tile/1/x001/x234/067");
    let p = Tile {
        level: 0,
        index: 1234067,
        width: 8,
    };
    assert_eq!(p.path(), "tile/0/x001/x234/067.p/8");
    assert_eq!(
        Bundle {
            index: 5,
            width: 256
        }
        .path(),
        "tile/entries/005"
    );
    assert_eq!(
        Bundle {
            index: 1000,
            width: 3
        }
        .path(),
        "tile/entries/x001/000.p/3"
    );
}

#[test]
fn path_parsing_rejects_non_canonical() {
    for ok in [
        "tile/0/000",
        "tile/63/x001/x234/067.p/255",
        "tile/entries/x001/000.p/1",
        "tile/entries/x018/x446/x744/x073/x709/x551/615",
    ] {
        let p = parse_path(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        let back = match p {
            TilePath::Hashes(t) => t.path(),
            TilePath::Entries(b) => b.path(),
        };
        assert_eq!(back, ok);
    }
    for bad in [
        "",
        "tile",
        "tile/0",
        "tile/0/",
        "tile/00/000",
        "tile/64/000",
        "tile/-1/000",
        "tile/0/00",
        "tile/0/0000",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/x1/002",
        "tile/0/x001/x002",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/08",
        "tile/0/000.p",
        "tile/0/000.p/",
        "tile/0/.p/3",
        "tile/0/+00",
        "tile/entries/0000",
        "tile/entry/000",
        "tiles/0/000",
        "/tile/0/000",
        "tile/0/000/",
        "tile/0/x018/x446/x744/x073/x709/x551/616",
        "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
        "tile/0/x001/x001/x001/x001/x001/x001/x001/x001/x001/001",
    ] {
        assert!(
            parse_path(bad).is_err(),
            "{bad:?} accepted as {:?}",
            parse_path(bad)
        );
    }
}

#[test]
fn spec_example_of_70000() {
    let tiles: Vec<Tile> = tiles_for_size(70_000).collect();
    let count = |level: u8, full: bool| {
        tiles
            .iter()
            .filter(|t| t.level == level && t.is_full() == full)
            .count()
    };
    assert_eq!(count(0, true), 273);
    assert_eq!(count(0, false), 1);
    assert_eq!(count(1, true), 1);
    assert_eq!(count(1, false), 1);
    assert_eq!(count(2, false), 1);
    assert_eq!(tiles.len(), 277);
    let partial: Vec<Tile> = tiles.iter().filter(|t| !t.is_full()).copied().collect();
    assert_eq!(
        partial,
        vec![
            Tile {
                level: 0,
                index: 273,
                width: 112
            },
            Tile {
                level: 1,
                index: 1,
                width: 17
            },
            Tile {
                level: 2,
                index: 0,
                width: 1
            },
        ]
    );
    // A tree of 256: one full level-0 tile and a level-1 tile of width 1.
    assert_eq!(
        tiles_for_size(256).collect::<Vec<_>>(),
        vec![
            Tile {
                level: 0,
                index: 0,
                width: 256
            },
            Tile {
                level: 1,
                index: 0,
                width: 1
            }
        ]
    );
    assert_eq!(tiles_for_size(0).count(), 0);
}

#[test]
fn new_tiles_cover_growth() {
    assert_eq!(
        new_tiles(0, 1),
        vec![Tile {
            level: 0,
            index: 0,
            width: 1
        }]
    );
    assert_eq!(
        new_tiles(255, 257),
        vec![
            Tile {
                level: 0,
                index: 0,
                width: 256
            },
            Tile {
                level: 0,
                index: 1,
                width: 1
            },
            Tile {
                level: 1,
                index: 0,
                width: 1
            },
        ]
    );
    assert!(new_tiles(5, 5).is_empty());
    assert_eq!(
        new_bundles(300, 513),
        vec![
            Bundle {
                index: 1,
                width: 256
            },
            Bundle { index: 2, width: 1 },
        ]
    );
    // Growing step by step writes every tile of the final tree.
    let mut all = std::collections::BTreeSet::new();
    let mut size = 0;
    for step in [1u64, 7, 300, 1, 65_536, 10] {
        for t in new_tiles(size, size + step) {
            all.insert((t.level, t.index));
        }
        size += step;
    }
    let want: std::collections::BTreeSet<_> =
        tiles_for_size(size).map(|t| (t.level, t.index)).collect();
    assert_eq!(all, want);
}

#[test]
fn proofs_from_tiles_match_memory_tree() {
    let n: u64 = 70_000;
    let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let t = MemoryTree::from_leaf_hashes(&leaves);
    for size in [1u64, 255, 256, 257, 65_535, 65_536, 65_537, 70_000] {
        let reads = std::cell::Cell::new(0);
        let reader = TileHashReader {
            size,
            read_tile: |tile: &Tile| -> Result<Vec<u8>, merkle::MerkleError> {
                reads.set(reads.get() + 1);
                assert_eq!(Tile::at_size(tile.level, tile.index, size), Some(*tile));
                read_tile(tile, &t)
            },
        };
        assert_eq!(
            merkle::root_at(size, &reader).unwrap(),
            t.root_at(size).unwrap(),
            "root {size}"
        );
        for i in [0, size / 3, size - 1] {
            assert_eq!(
                merkle::inclusion_proof(i, size, &reader).unwrap(),
                t.inclusion_proof(i, size).unwrap(),
                "inclusion {i} {size}"
            );
        }
        for m in [1, size / 2, size - 1] {
            if m == 0 {
                continue;
            }
            assert_eq!(
                merkle::consistency_proof(m, size, &reader).unwrap(),
                t.consistency_proof(m, size).unwrap(),
                "consistency {m} {size}"
            );
        }
        // Sunlight's anchor: any proof needs few tile fetches (here per proof batch).
        assert!(
            reads.get() <= 7 * 6,
            "{} tile reads at size {size}",
            reads.get()
        );
    }
    // Reading beyond the tree fails cleanly.
    let reader = TileHashReader {
        size: 10,
        read_tile: |tile: &Tile| read_tile(tile, &t),
    };
    assert!(merkle::inclusion_proof(3, 11, &reader).is_err());
}

#[test]
fn bundles() {
    let entries: Vec<Vec<u8>> = vec![b"".to_vec(), b"a".to_vec(), vec![7; 65_535]];
    let enc = encode_bundle(&entries).unwrap();
    assert_eq!(&enc[..5], &[0, 0, 0, 1, b'a']);
    assert_eq!(decode_bundle(&enc).unwrap(), entries);
    assert_eq!(
        decode_bundle_for(&Bundle { index: 0, width: 3 }, &enc).unwrap(),
        entries
    );
    assert!(matches!(
        decode_bundle_for(&Bundle { index: 0, width: 4 }, &enc),
        Err(TileError::BundleCount { .. })
    ));
    assert_eq!(
        encode_bundle(&[vec![0u8; 65_536]]),
        Err(TileError::EntryTooLong(65_536))
    );
    assert_eq!(
        encode_bundle(&vec![b"x"; 257]),
        Err(TileError::TooManyEntries(257))
    );
    assert_eq!(decode_bundle(&[0]), Err(TileError::TruncatedBundle));
    assert_eq!(decode_bundle(&[0, 2, 1]), Err(TileError::TruncatedBundle));
    assert!(decode_bundle(&[0, 0].repeat(257)).is_err());
    assert_eq!(decode_bundle(&[]).unwrap(), Vec::<Vec<u8>>::new());
}

proptest! {
    #[test]
    fn parse_path_never_panics(s in "(tile/)?[0-9a-z./x+-]{0,40}") {
        let _ = parse_path(&s);
    }

    #[test]
    fn paths_roundtrip(level in 0u8..=63, index in any::<u64>(), width in 1u16..=256) {
        let t = Tile { level, index, width };
        prop_assert_eq!(parse_path(&t.path()), Ok(TilePath::Hashes(t)));
        let b = Bundle { index, width };
        prop_assert_eq!(parse_path(&b.path()), Ok(TilePath::Entries(b)));
    }

    #[test]
    fn decode_bundle_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(entries) = decode_bundle(&data) {
            prop_assert_eq!(encode_bundle(&entries).unwrap(), data);
        }
    }
}
