//! Database files: settings, reopening, migrations, sharing the file.

use countersign_store::{NotificationFilter, PageRequest, Store, StoreErrorKind};
use countersign_store_sqlite::{SCHEMA_VERSION, SqliteStore};

use crate::{N, expect_err};

fn pragma(conn: &rusqlite::Connection, name: &str) -> String {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| {
        r.get::<_, rusqlite::types::Value>(0)
    })
    .map(|v| match v {
        rusqlite::types::Value::Integer(i) => i.to_string(),
        rusqlite::types::Value::Text(t) => t,
        other => format!("{other:?}"),
    })
    .unwrap()
}

fn schema(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test]
async fn reopening_keeps_data_and_does_not_migrate_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let new = N::new(1).build();
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.location(), path.display().to_string());
        store.insert_envelope(&new).await.unwrap();
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(pragma(&raw, "user_version"), SCHEMA_VERSION.to_string());
    assert_eq!(pragma(&raw, "journal_mode"), "wal");
    let tables = schema(&raw);
    assert!(tables.contains(&"notifications".to_owned()), "{tables:?}");

    let store = SqliteStore::open(&path).unwrap();
    let id = new.envelope.id();
    assert_eq!(
        store.get_envelope(&id).await.unwrap().unwrap().envelope,
        new.envelope
    );
    assert_eq!(store.get_notification(&id).await.unwrap(), new.notification);
    // The migrations (plain CREATE TABLE) would have failed had they run
    // again; and the schema is exactly what it was.
    assert_eq!(pragma(&raw, "user_version"), SCHEMA_VERSION.to_string());
    assert_eq!(schema(&raw), tables);
}

/// The bundled SQLite is built without memory statistics
/// (`.cargo/config.toml`): with them every SQLite allocation takes a global
/// mutex, several percent of a node's CPU under load.
#[test]
fn sqlite_is_built_without_memory_statistics() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
    let options: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
}

#[test]
fn a_database_from_a_newer_countersign_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    drop(SqliteStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    let newer = SCHEMA_VERSION + 1;
    raw.pragma_update(None, "user_version", newer).unwrap();

    let message = expect_err(SqliteStore::open(&path), StoreErrorKind::Backend);
    assert!(
        message.contains(&format!("schema version {newer}")),
        "{message}"
    );
    assert!(message.contains("newer countersign"), "{message}");
    assert_eq!(pragma(&raw, "user_version"), newer.to_string());
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let message = expect_err(SqliteStore::open(&path), StoreErrorKind::Backend);
    assert!(message.contains("node.db"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), vec![b'x'; 4096]);
}

/// The file holds password and token hashes: owner only. (That foreign
/// keys are enforced shows in `users::token_errors_and_deletion`.)
#[cfg(unix)]
#[test]
fn the_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    drop(SqliteStore::open(&path).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

/// A CLI command and the running server open the same file: what one
/// writes, the other reads.
#[tokio::test]
async fn two_stores_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let server = SqliteStore::open(&path).unwrap();
    let cli = SqliteStore::open(&path).unwrap();
    let new = N::new(1).build();
    cli.insert_envelope(&new).await.unwrap();
    let listed = server
        .list_notifications(&NotificationFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items, vec![new.notification.clone().unwrap()]);
    expect_err(
        server.insert_envelope(&new).await,
        StoreErrorKind::Duplicate,
    );
}
