//! WAL checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that finds the
//! WAL past 1,000 pages: that commit also copies the WAL into the database
//! file and fsyncs it, so every few large writes (a TAXII POST of 1,000
//! objects, a big group commit) one caller waits two or three times as
//! long. Here the writer connection's WAL hook (which replaces the
//! automatic checkpoint) only wakes a checkpointer thread with its own
//! connection, which runs a `PASSIVE` checkpoint while writers go on
//! appending to the WAL.
//!
//! Durability is unchanged: a commit is durable when its WAL frames are
//! fsynced (`synchronous=FULL`, on every connection), whoever checkpoints
//! later; the checkpointer's connection is `synchronous=FULL` too, so the
//! database file is fsynced before the WAL is reused. Should the thread
//! fall behind, the hook checkpoints inline once the WAL passes
//! [`INLINE_PAGES`], so the WAL stays bounded.

use std::path::Path;
use std::sync::mpsc;

use countersign_store::{Result, StoreError};
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OpenFlags};

/// WAL pages after which the checkpointer is woken: 16 MiB, four times
/// SQLite's automatic threshold, so that the tail pages every group commit
/// rewrites (the ends of the append-ordered tables) are copied into the
/// database once per checkpoint rather than four times (about 2% of a
/// node's CPU in `bench/federation.sh`).
pub(crate) const WAKE_PAGES: i32 = 4000;
/// WAL pages after which the committing connection checkpoints itself.
/// 64 MiB, as before the wake threshold grew: the bound on the WAL should
/// the checkpointer fall behind.
pub(crate) const INLINE_PAGES: i32 = 16_000;

/// Installs the WAL hook on `writer` and starts the checkpointer thread on
/// a new connection to `path`. The thread ends when `writer` is dropped
/// (the hook holds the only sender).
pub(crate) fn start(writer: &mut Connection, path: &Path, flags: OpenFlags) -> Result<()> {
    let fail = |what: &str, e: rusqlite::Error| {
        StoreError::backend(format!(
            "cannot {what} for the checkpointer of {}: {e}",
            path.display()
        ))
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|e| fail("open", e))?;
    conn.busy_timeout(crate::BUSY_TIMEOUT)
        .map_err(|e| fail("set the busy timeout", e))?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| fail("set synchronous=FULL", e))?;
    // Capacity 1: one pending wake-up covers any number of commits.
    let (wake, wakes) = mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while wakes.recv().is_ok() {
                match conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
                    Ok(_) => {}
                    // Another connection holds the checkpoint lock (the
                    // inline checkpoint of a commit): expected under
                    // load, and the next commit wakes us again.
                    Err(e) if is_busy(&e) => tracing::debug!("WAL checkpoint deferred: {e}"),
                    Err(e) => {
                        tracing::warn!("background WAL checkpoint failed (retried later): {e}")
                    }
                }
            }
        })
        .map_err(|e| StoreError::backend(format!("cannot start the checkpointer: {e}")))?;
    install(writer, wake, WAKE_PAGES, INLINE_PAGES).map_err(|e| fail("install the WAL hook", e))
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// The WAL hook: after each commit, wake the checkpointer once the WAL has
/// `wake_pages`, checkpoint right here once it has `inline_pages`.
fn install(
    writer: &mut Connection,
    wake: mpsc::SyncSender<()>,
    wake_pages: i32,
    inline_pages: i32,
) -> rusqlite::Result<()> {
    writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
        if pages >= inline_pages {
            // The thread is behind: bound the WAL as SQLite would. The
            // hook runs after the commit is durable, and an error returned
            // here would be reported as the COMMIT failing although it
            // persisted; a checkpoint that cannot run now (busy: the
            // thread is checkpointing) only leaves the WAL longer, so it
            // is logged, not returned.
            if let Err(e) = wal.checkpoint_v2(CheckpointMode::PASSIVE) {
                if is_busy(&e) {
                    tracing::debug!("inline WAL checkpoint deferred: {e}");
                } else {
                    tracing::warn!("inline WAL checkpoint failed (retried later): {e}");
                }
                let _ = wake.try_send(());
            }
        } else if pages >= wake_pages {
            // Full means a wake-up is pending already; disconnected means
            // the thread is gone, and the inline checkpoint still bounds
            // the WAL.
            let _ = wake.try_send(());
        }
        Ok(())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wal_db(dir: &tempfile::TempDir) -> (Connection, std::path::PathBuf) {
        let path = dir.path().join("c.db");
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        conn.execute_batch("CREATE TABLE t (b BLOB NOT NULL)")
            .unwrap();
        (conn, path)
    }

    /// Commits `pages` pages of 4 KiB in one transaction.
    fn commit_pages(conn: &mut Connection, pages: usize) {
        let tx = conn.transaction().unwrap();
        for _ in 0..pages {
            tx.execute("INSERT INTO t (b) VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        tx.commit().unwrap();
    }

    fn size(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).unwrap().len()
    }

    /// The committing connection does not checkpoint, even past SQLite's
    /// own 1,000-page threshold: it only signals, until the WAL passes the
    /// inline bound.
    #[test]
    fn a_commit_wakes_the_checkpointer_instead_of_checkpointing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = wal_db(&dir);
        let (wake, wakes) = mpsc::sync_channel(1);
        install(&mut conn, wake, 10, 2000).unwrap();
        let before = size(&path);
        commit_pages(&mut conn, 5);
        assert!(wakes.try_recv().is_err(), "woken below the threshold");
        commit_pages(&mut conn, 1200);
        assert!(wakes.try_recv().is_ok(), "not woken past the threshold");
        assert_eq!(size(&path), before, "the commit checkpointed by itself");
        // Nobody checkpoints: past the inline bound the commit does.
        commit_pages(&mut conn, 900);
        assert!(size(&path) >= before + 2100 * 4000, "no inline checkpoint");
    }

    /// A commit past [`WAKE_PAGES`] is checkpointed by the thread: the
    /// database file receives the pages without another commit, and what
    /// was committed reads back from a new connection.
    #[test]
    fn the_thread_checkpoints_a_large_commit() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = wal_db(&dir);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
        start(&mut conn, &path, flags).unwrap();
        let before = size(&path);
        let pages = usize::try_from(WAKE_PAGES).unwrap() + 500;
        commit_pages(&mut conn, pages);
        let deadline = Instant::now() + Duration::from_secs(10);
        while size(&path) < before + pages as u64 * 4000 {
            assert!(Instant::now() < deadline, "no checkpoint within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        let other = Connection::open_with_flags(&path, flags).unwrap();
        let n: i64 = other
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, pages as i64);
    }
}
