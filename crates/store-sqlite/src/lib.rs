//! The SQLite backend of `countersign-store`, and the filesystem blob store.
//!
//! Main types: [`SqliteStore`], which implements the
//! [`Store`](countersign_store::Store) trait on one SQLite file (or an
//! in-memory database for tests), and [`FsBlobStore`] (module [`blobs`]),
//! which implements [`BlobStore`](countersign_store::BlobStore) as
//! content-addressed files verified on every read. This crate is the only
//! place in countersign with SQL for SQLite (the TAXII tables and queries
//! are in `taxii.rs`); it owns its schema as the
//! migrations in `migrations/NNNN_name.sql`, applied in order at open and
//! tracked with `PRAGMA user_version`. It knows nothing of HTTP or of the
//! node's services: it stores and finds the records of `countersign-store`.
//!
//! # Durability and sharing the file
//!
//! The database runs in WAL mode with `synchronous=FULL`, so a method that
//! returned `Ok` survives a power cut, and with a 5 s busy timeout, so a CLI
//! command and a running server can use the same file: one waits briefly
//! for the other's write instead of failing. WAL checkpoints run on a
//! thread of their own, off the commit path (`checkpoint.rs`).
//!
//! # Concurrency
//!
//! A [`SqliteStore`] holds one `rusqlite::Connection` behind a
//! `std::sync::Mutex`, and every trait method runs its SQL on tokio's
//! blocking pool (`spawn_blocking`), never on the async runtime threads: a
//! database call blocks (disk IO, fsync, waiting on another process's lock)
//! and would otherwise stall every task sharing that thread. One connection
//! is enough because SQLite serialises writers anyway and the reads a node
//! makes are short indexed lookups; it also makes each method's
//! transaction trivially isolated from the others in this process. If a
//! method is cancelled (its future dropped) the blocking part still runs to
//! the end, so a transaction is always either committed or rolled back.
//!
//! # Atomicity and errors
//!
//! Every method is one transaction (`insert_envelope` writes the envelope,
//! its recipients, its notification row, the refs of a reply or rating and
//! its log queue entry together). A unique-key conflict
//! is a `Duplicate` error naming the id, a missing referenced row is
//! `NotFound`, a malformed cursor or inconsistent input is `BadRequest`, and
//! stored data that no longer parses is `Corrupt`. `delete_token` of an
//! unknown token is `NotFound`. Notification time filters are half-open:
//! `since <= created < until`.
//!
//! # Keys
//!
//! Callers name envelopes by id (hex SHA-256, random), but since migration
//! 7 every table about an envelope is keyed on its integer `envelopes.seq`
//! (storage order): new rows are appended at the end of each B-tree, so a
//! commit dirties a few tail pages however many envelopes are held, and
//! only the `id` index of `envelopes` takes a random page per insert
//! (`migrations/0007_integer_envelope_keys.sql`).

pub mod blobs;
mod checkpoint;
mod cursor;
mod federation;
mod group;
mod log;
mod migrate;
mod obligations;
mod rows;
mod store;
mod taxii;

pub use blobs::FsBlobStore;
pub use migrate::SCHEMA_VERSION;
pub use store::MAX_PAGE;
pub use taxii::MAX_TAXII_PAGE;

use countersign_store::{Result, StoreError, StoreErrorKind};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a statement waits for another connection's lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`Store`](countersign_store::Store) on one SQLite database.
///
/// Cloning is cheap and shares the connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    location: Arc<str>,
    /// Group commit of the hot writes (`group.rs`).
    writer: group::GroupWriter,
    /// A second connection for the hot reads, so that they do not wait
    /// behind a commit's fsync (WAL readers never block on the writer). The
    /// same connection as `conn` for an in-memory database.
    reader: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating it if needed (the directory
    /// must exist), and brings its schema up to date. Refuses a database
    /// written by a newer countersign (schema version above
    /// [`SCHEMA_VERSION`]).
    ///
    /// This blocks (file IO, possibly waiting on another process's
    /// migration): call it at start-up or inside `spawn_blocking`.
    pub fn open(path: &Path) -> Result<Self> {
        let location = path.display().to_string();
        create_private_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| {
            StoreError::backend(format!("cannot open the database {location}: {e}"))
        })?;
        let store = Self::setup(conn, location.clone(), true)?;
        {
            let mut conn = lock(&store.conn);
            // A transaction of 1,000 TAXII objects dirties more than the
            // default 2 MiB; spilling mid-transaction writes pages twice.
            conn.pragma_update(None, "cache_size", -16_384)
                .map_err(|e| {
                    StoreError::backend(format!("cannot set the cache size of {location}: {e}"))
                })?;
            checkpoint::start(&mut conn, path, flags)?;
        }
        let reader = Connection::open_with_flags(path, flags).map_err(|e| {
            StoreError::backend(format!("cannot open the database {location}: {e}"))
        })?;
        reader
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| StoreError::backend(format!("cannot set the busy timeout: {e}")))?;
        Ok(SqliteStore {
            reader: Arc::new(Mutex::new(reader)),
            ..store
        })
    }

    /// A fresh private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()
            .map_err(|e| StoreError::backend(format!("cannot open an in-memory database: {e}")))?;
        Self::setup(conn, ":memory:".to_owned(), false)
    }

    fn setup(mut conn: Connection, location: String, file: bool) -> Result<Self> {
        let fail = |what: &str, e: rusqlite::Error| {
            StoreError::backend(format!("cannot {what} on the database {location}: {e}"))
        };
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail("set the busy timeout", e))?;
        if file {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(|e| fail("switch to WAL mode", e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(
                    database = %location,
                    journal_mode = %mode,
                    "SQLite refused WAL mode (is the file on a network file system?); \
                     a CLI command and the server will block each other more"
                );
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| fail("set synchronous=FULL", e))?;
        migrate::migrate(&mut conn, &location)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| fail("enable foreign keys", e))?;
        let conn = Arc::new(Mutex::new(conn));
        Ok(SqliteStore {
            writer: group::GroupWriter::start(Arc::clone(&conn))?,
            reader: Arc::clone(&conn),
            conn,
            location: location.into(),
        })
    }

    /// Where the database is: its path, or `:memory:`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Runs `f` with the connection on the blocking thread pool.
    /// Like [`SqliteStore::call`] on the read connection: for reads only.
    async fn call_read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || f(&mut lock(&conn)))
            .await
            .map_err(|e| StoreError::backend(format!("database task failed: {e}")))?
    }

    async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || f(&mut lock(&conn)))
            .await
            .map_err(|e| StoreError::backend(format!("database task failed: {e}")))?
    }
}

/// Locks the connection. A panic while it was held poisons the mutex; the
/// connection itself is still sound (a `Transaction` rolls back when
/// dropped during unwinding), so recover it, rolling back anything left
/// open, instead of failing every later call.
pub(crate) fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    let guard = conn.lock().unwrap_or_else(|poisoned| {
        conn.clear_poison();
        poisoned.into_inner()
    });
    if !guard.is_autocommit()
        && let Err(e) = guard.execute_batch("ROLLBACK")
    {
        tracing::error!("cannot roll back a transaction left open by a panic: {e}");
    }
    guard
}

/// Creates the database file readable by its owner only (it holds password
/// and token hashes); SQLite gives its `-wal` and `-shm` files the same
/// permissions. An existing file is left as it is.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::new(
            StoreErrorKind::Backend,
            format!("cannot create the database {}: {e}", path.display()),
        )),
    }
}
