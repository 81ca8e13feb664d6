//! The filesystem blob store: layout, limits, idempotence, corruption,
//! temporary files.

use countersign_core::ids::Sha256Hex;
use countersign_store::{BlobStore, StoreErrorKind};
use countersign_store_sqlite::FsBlobStore;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::expect_err;

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn put_get_has_remove() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path(), 1024).unwrap();
    assert_eq!(blobs.max_size(), 1024);
    let bytes = b"packet capture".to_vec();
    let digest = blobs.put(&bytes).await.unwrap();
    assert_eq!(digest, Sha256Hex::digest(&bytes));
    let hex = digest.to_string();
    let expected = PathBuf::from(&hex[0..2]).join(&hex[2..4]).join(&hex);
    assert_eq!(files(dir.path()), vec![expected]);
    assert_eq!(
        blobs.path_of(&digest),
        dir.path().join(&hex[0..2]).join(&hex[2..4]).join(&hex)
    );

    assert!(blobs.has(&digest).await.unwrap());
    assert_eq!(blobs.get(&digest).await.unwrap(), Some(bytes));
    blobs.remove(&digest).await.unwrap();
    assert!(!blobs.has(&digest).await.unwrap());
    assert_eq!(blobs.get(&digest).await.unwrap(), None);
    // Removing again is not an error: removal undoes a put.
    blobs.remove(&digest).await.unwrap();
    assert!(files(dir.path()).is_empty());
}

#[tokio::test]
async fn empty_and_exactly_max_size_blobs_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path(), 64).unwrap();
    for bytes in [vec![], vec![7u8; 64]] {
        let digest = blobs.put(&bytes).await.unwrap();
        assert_eq!(blobs.get(&digest).await.unwrap(), Some(bytes));
    }
}

#[tokio::test]
async fn too_large_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path(), 64).unwrap();
    let message = expect_err(blobs.put(&[0u8; 65]).await, StoreErrorKind::TooLarge);
    assert!(
        message.contains("65") && message.contains("64"),
        "{message}"
    );
    assert!(files(dir.path()).is_empty());
    assert!(!blobs.has(&Sha256Hex::digest(&[0u8; 65])).await.unwrap());
}

#[tokio::test]
async fn putting_twice_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path(), 1024).unwrap();
    let first = blobs.put(b"log lines").await.unwrap();
    let second = blobs.put(b"log lines").await.unwrap();
    assert_eq!(first, second);
    assert_eq!(files(dir.path()).len(), 1);
}

#[tokio::test]
async fn a_flipped_byte_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path(), 1024).unwrap();
    let digest = blobs.put(b"the original sample").await.unwrap();
    let path = blobs.path_of(&digest);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[3] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    let message = expect_err(blobs.get(&digest).await, StoreErrorKind::Corrupt);
    assert!(message.contains(&digest.to_string()), "{message}");
    // A truncated file is caught the same way.
    std::fs::write(&path, b"the orig").unwrap();
    expect_err(blobs.get(&digest).await, StoreErrorKind::Corrupt);
}

#[tokio::test]
async fn no_temporary_file_remains() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path(), 1 << 20).unwrap();
    let puts: Vec<_> = (0..20u8)
        .map(|i| {
            let blobs = blobs.clone();
            tokio::spawn(async move { blobs.put(&vec![i % 5; 1000 + usize::from(i % 5)]).await })
        })
        .collect();
    for put in puts {
        put.await.unwrap().unwrap();
    }
    let tmp = dir.path().join("tmp");
    assert!(tmp.is_dir());
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    assert_eq!(files(dir.path()).len(), 5);
}

#[test]
fn stale_temporary_files_are_swept_at_open() {
    let dir = tempfile::tempdir().unwrap();
    drop(FsBlobStore::open(dir.path(), 1024).unwrap());
    let tmp = dir.path().join("tmp");
    let stale = tmp.join("stale.tmp");
    let fresh = tmp.join("fresh.tmp");
    std::fs::write(&stale, b"half a blob").unwrap();
    std::fs::write(&fresh, b"a put in progress").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(2 * 3600))
        .unwrap();
    drop(FsBlobStore::open(dir.path(), 1024).unwrap());
    assert!(!stale.exists());
    assert!(fresh.exists());
}
