//! Attachments as content-addressed files: the default
//! [`BlobStore`].
//!
//! A blob with SHA-256 `abcd…` lives at `<dir>/ab/cd/abcd…`. A put is
//! written to a fresh file in `<dir>/tmp/`, flushed to disk, renamed into
//! place and the directory flushed, so the final name only ever holds the
//! complete bytes, and a put that returned is on disk. Every read is
//! re-hashed: bytes that changed on disk (bit rot, tampering) are reported
//! as `Corrupt`, never returned. Removing an absent blob is not an
//! error (removal undoes a put). Temporary files older than an hour (left
//! by a crash) are swept when the store is opened.

use async_trait::async_trait;
use countersign_core::ids::Sha256Hex;
use countersign_store::{BlobStore, Result, StoreError, StoreErrorKind};
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Temporary files older than this are left over from a crash.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Attachment bytes in a directory, addressed by SHA-256.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    dir: Arc<Path>,
    max_size: u64,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> StoreError {
    move |e| StoreError::backend(format!("{context}: {e}"))
}

impl FsBlobStore {
    /// Opens (creating if needed) the blob directory `dir`, accepting blobs
    /// of at most `max_size` bytes. Blocks briefly (directory IO).
    pub fn open(dir: &Path, max_size: u64) -> Result<Self> {
        let tmp = dir.join("tmp");
        fs::create_dir_all(&tmp).map_err(io(format!(
            "cannot create the blob directory {}",
            tmp.display()
        )))?;
        sweep_stale(&tmp);
        Ok(FsBlobStore {
            dir: dir.into(),
            max_size,
        })
    }

    /// The directory holding the blobs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob with this digest is (or would be) stored.
    pub fn path_of(&self, sha256: &Sha256Hex) -> PathBuf {
        blob_path(&self.dir, sha256)
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Path) -> Result<T> + Send + 'static,
    {
        let dir = Arc::clone(&self.dir);
        tokio::task::spawn_blocking(move || f(&dir))
            .await
            .map_err(|e| StoreError::backend(format!("blob task failed: {e}")))?
    }
}

fn blob_path(dir: &Path, sha256: &Sha256Hex) -> PathBuf {
    let hex = sha256.to_string();
    dir.join(&hex[0..2]).join(&hex[2..4]).join(hex)
}

/// Removes temporary files old enough to be left over from a crash. Young
/// ones may be a put in progress in another process, so they stay.
fn sweep_stale(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if stale && let Err(e) = fs::remove_file(entry.path()) {
            tracing::warn!(file = %entry.path().display(), "cannot remove a stale temporary blob: {e}");
        }
    }
}

/// Flushes a directory's entries (a rename or a new file in it) to disk.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(format!("cannot flush the directory {}", dir.display())))
}

/// Windows has no directory handles to flush; NTFS journals renames.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

/// Creates `dir` and any missing parents up to `root`, flushing each parent
/// that gained an entry.
fn create_dirs(root: &Path, dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent()
        && parent != root
    {
        create_dirs(root, parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(io(format!("cannot create {}", dir.display()))(e)),
    }
    sync_dir(dir.parent().unwrap_or(root))
}

/// Deletes a temporary file unless the put it belongs to completed.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn random_suffix() -> Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::backend(format!("no randomness for a temporary name: {e}")))?;
    Ok(hex::encode(bytes))
}

fn put_blocking(dir: &Path, bytes: &[u8]) -> Result<Sha256Hex> {
    let digest = Sha256Hex::digest(bytes);
    let final_path = blob_path(dir, &digest);
    if final_path.is_file() {
        return Ok(digest);
    }
    let tmp_path = dir
        .join("tmp")
        .join(format!("{digest}.{}.tmp", random_suffix()?));
    let mut tmp = TempFile {
        path: tmp_path.clone(),
        keep: false,
    };
    let context = || format!("cannot write the blob {digest} to {}", tmp_path.display());
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
        .map_err(io(context()))?;
    file.write_all(bytes).map_err(io(context()))?;
    file.sync_all().map_err(io(context()))?;
    drop(file);
    let leaf = final_path.parent().ok_or_else(|| {
        StoreError::backend(format!("blob path {} has no parent", final_path.display()))
    })?;
    create_dirs(dir, leaf)?;
    fs::rename(&tmp_path, &final_path).map_err(io(format!(
        "cannot move the blob {digest} into {}",
        final_path.display()
    )))?;
    tmp.keep = true;
    sync_dir(leaf)?;
    Ok(digest)
}

fn get_blocking(path: &Path, digest: Sha256Hex) -> Result<Option<Vec<u8>>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(format!("cannot read the blob {}", path.display()))(e)),
    };
    let actual = Sha256Hex::digest(&bytes);
    if actual != digest {
        return Err(StoreError::new(
            StoreErrorKind::Corrupt,
            format!(
                "blob {digest} at {} now hashes to {actual}: the file changed on disk (bit rot or tampering)",
                path.display()
            ),
        ));
    }
    Ok(Some(bytes))
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<Sha256Hex> {
        let size = bytes.len() as u64;
        if size > self.max_size {
            return Err(StoreError::new(
                StoreErrorKind::TooLarge,
                format!(
                    "the attachment is {size} bytes; the limit is {} bytes",
                    self.max_size
                ),
            ));
        }
        // Hashing a large attachment is blocking work too.
        let bytes = bytes.to_vec();
        self.blocking(move |dir| put_blocking(dir, &bytes)).await
    }

    async fn get(&self, sha256: &Sha256Hex) -> Result<Option<Vec<u8>>> {
        let (path, digest) = (self.path_of(sha256), *sha256);
        self.blocking(move |_| get_blocking(&path, digest)).await
    }

    async fn has(&self, sha256: &Sha256Hex) -> Result<bool> {
        let path = self.path_of(sha256);
        self.blocking(move |_| match fs::metadata(&path) {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(format!("cannot look for the blob {}", path.display()))(
                e,
            )),
        })
        .await
    }

    async fn remove(&self, sha256: &Sha256Hex) -> Result<()> {
        let path = self.path_of(sha256);
        self.blocking(move |_| match fs::remove_file(&path) {
            Ok(()) => path.parent().map_or(Ok(()), sync_dir),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(format!("cannot remove the blob {}", path.display()))(e)),
        })
        .await
    }

    fn max_size(&self) -> u64 {
        self.max_size
    }
}
