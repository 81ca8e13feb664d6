//! Migration 8 (`0008_compact_envelope_id_index.sql`): envelopes are found
//! by `id_key`, the first 8 bytes of the id, in a plain index, instead of
//! a UNIQUE index on the 64-character id. A version 7 database (the
//! version 6 rows of `envelope_keys_migration`, carried over by migration
//! 7 as it shipped) is opened by this code: every row keeps its seq and
//! every child row its envelope; the keys are the ids' first 8 bytes; the
//! triggers work again; duplicates are still refused. Two envelopes that
//! share a key are told apart by their id. A version 7 database whose
//! keys cannot be computed is refused and left as it was.

use countersign_core::envelope::SignedEnvelope;
use countersign_store::{
    DeliveryFilter, DeliveryState, Direction, FederationStore, LogStore, Store, StoreErrorKind,
};
use countersign_store_sqlite::{SCHEMA_VERSION, SqliteStore};
use rusqlite::{Connection, params};

use crate::envelope_keys_migration::{V6, count, version6};
use crate::{N, expect_err};

/// Every table whose rows belong to an envelope (by its seq).
const CHILD_TABLES: [&str; 8] = [
    "envelope_recipients",
    "notifications",
    "log_pending",
    "taxii_evidence_pending",
    "deliveries",
    "receipts",
    "envelope_refs",
    "envelope_leaves",
];

/// The key as the migration must compute it, from the id's hex text.
fn key_of_hex(id: &str) -> i64 {
    u64::from_str_radix(&id[..16], 16).unwrap() as i64
}

/// A version 7 database at `path`: the version 6 rows, migrated by the
/// shipped migration 7 SQL alone (its Rust check only refuses data).
fn version7(path: &std::path::Path, v6: &V6) -> Connection {
    let raw = version6(path, v6);
    raw.execute_batch(crate::SHIPPED_MIGRATIONS[6]).unwrap();
    raw.pragma_update(None, "user_version", 7).unwrap();
    raw
}

/// (seq, id, json) of every envelope, and the row count of each child table.
type Snapshot = (Vec<(i64, String, String)>, Vec<i64>);

fn snapshot(raw: &Connection) -> Snapshot {
    let envelopes = raw
        .prepare("SELECT seq, id, json FROM envelopes ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let children = CHILD_TABLES
        .iter()
        .map(|t| count(raw, &format!("SELECT count(*) FROM {t}")))
        .collect();
    (envelopes, children)
}

#[tokio::test]
async fn version7_envelopes_migrate_to_the_compact_id_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.sqlite");
    let v6 = V6::new();
    let raw = version7(&path, &v6);
    let before = snapshot(&raw);
    assert_eq!(before.0.len(), 8);
    assert!(before.1.iter().all(|&n| n > 0), "{:?}", before.1);
    drop(raw);

    let store = SqliteStore::open(&path).unwrap();
    let raw = Connection::open(&path).unwrap();
    assert_eq!(
        raw.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
            .unwrap(),
        SCHEMA_VERSION
    );
    assert_eq!(
        raw.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .unwrap(),
        "ok"
    );
    assert_eq!(
        count(&raw, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    // Every row and every child row is where it was, under the same seq.
    assert_eq!(snapshot(&raw), before);
    // The wide index is gone; the compact one holds each id's first 8 bytes.
    let indexes: Vec<String> = raw
        .prepare("SELECT name FROM pragma_index_list('envelopes') ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(indexes, ["envelopes_id_key"]);
    let keys: Vec<(String, i64)> = raw
        .prepare("SELECT id, id_key FROM envelopes")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (id, key) in &keys {
        assert_eq!(*key, key_of_hex(id), "{id}");
    }
    // The children still name `envelopes`, and nothing names the copy.
    for table in CHILD_TABLES {
        assert!(
            count(
                &raw,
                &format!(
                    "SELECT count(*) FROM pragma_foreign_key_list('{table}') \
                     WHERE \"table\" = 'envelopes'"
                )
            ) > 0,
            "{table}"
        );
    }
    assert_eq!(
        count(
            &raw,
            "SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%envelopes\\_new%' ESCAPE '\\'"
        ),
        0
    );

    // Found by id through the new index, with their receipts and indexes.
    for (e, direction) in v6.rows() {
        let got = store.get_envelope(&e.id()).await.unwrap().unwrap();
        assert_eq!((&got.envelope, got.direction), (e, direction));
    }
    assert_eq!(
        store.log_index(&v6.rows()[1].0.id()).await.unwrap(),
        Some(0)
    );

    // Stored again: refused, nothing written.
    let (n1, _) = v6.rows()[1];
    let again = countersign_store::NewEnvelope {
        envelope: n1.clone(),
        direction: Direction::Sent,
        stored: crate::ts("2026-04-01T00:00:00Z"),
        notification: None,
    };
    expect_err(
        store.insert_envelope(&again).await,
        StoreErrorKind::Duplicate,
    );
    assert_eq!(snapshot(&raw), before);

    // The triggers were made again: a new sent notification is queued for
    // delivery to each recipient and for its evidence to be filed.
    let new = N {
        to: vec!["cert-b", "cert-c"],
        ..N::new(40)
    }
    .build();
    store.insert_envelope(&new).await.unwrap();
    let queued = store
        .list_deliveries(&DeliveryFilter {
            envelope: Some(new.envelope.id()),
            state: Some(DeliveryState::Queued),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queued.len(), 2);
    let seq: i64 = raw
        .query_row("SELECT max(seq) FROM envelopes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seq, 9);
    assert_eq!(
        count(
            &raw,
            &format!("SELECT count(*) FROM taxii_evidence_pending WHERE envelope_seq = {seq}")
        ),
        1
    );
    assert_eq!(
        raw.query_row("SELECT id_key FROM envelopes WHERE seq = ?1", [seq], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap(),
        key_of_hex(&new.envelope.id().to_string())
    );
}

#[tokio::test]
async fn a_version7_database_whose_keys_cannot_be_computed_is_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.sqlite");
    let raw = version7(&path, &V6::new());
    // An id that is not hex: no key can be computed for it (the node
    // never writes one; a hand-edited database might hold one).
    raw.execute(
        "UPDATE envelopes SET id = 'not-an-envelope-id' WHERE seq = (SELECT max(seq) FROM envelopes)",
        [],
    )
    .unwrap();
    let before = snapshot(&raw);
    drop(raw);

    let err = SqliteStore::open(&path).err().unwrap();
    assert!(
        err.message.contains("0008_compact_envelope_id_index"),
        "{}",
        err.message
    );
    let raw = Connection::open(&path).unwrap();
    assert_eq!(
        raw.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
            .unwrap(),
        7
    );
    assert_eq!(snapshot(&raw), before);
    assert_eq!(
        count(
            &raw,
            "SELECT count(*) FROM pragma_index_list('envelopes') \
             WHERE name = 'sqlite_autoindex_envelopes_1'"
        ),
        1
    );
}

/// A row forged to share `id_key` with an envelope not stored yet (a real
/// collision takes about 2^32 ids): it must not make that envelope look
/// stored, nor answer for it once it is.
#[tokio::test]
async fn envelopes_sharing_an_id_key_are_told_apart_by_their_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let a = N::new(1).build();
    let b = N::new(2).build();
    store.insert_envelope(&a).await.unwrap();
    let raw = Connection::open(&path).unwrap();
    let b_key = key_of_hex(&b.envelope.id().to_string());
    raw.execute(
        "INSERT INTO envelopes (id_key, id, type, from_party, created, created_s, created_ns, \
         tlp, direction, stored, json) SELECT ?1, ?2, type, from_party, created, created_s, \
         created_ns, tlp, direction, stored, json FROM envelopes WHERE seq = 1",
        params![b_key, "f".repeat(64)],
    )
    .unwrap();

    let id_of = |e: &SignedEnvelope| e.id();
    assert!(
        store
            .get_envelope(&id_of(&b.envelope))
            .await
            .unwrap()
            .is_none()
    );
    store.insert_envelope(&b).await.unwrap();
    let got = store
        .get_envelope(&id_of(&b.envelope))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.envelope, b.envelope);
    let got = store
        .get_envelope(&id_of(&a.envelope))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.envelope, a.envelope);
    expect_err(store.insert_envelope(&b).await, StoreErrorKind::Duplicate);
    assert_eq!(
        count(
            &raw,
            &format!("SELECT count(*) FROM envelopes WHERE id_key = {b_key}")
        ),
        2
    );
    let queued = store
        .list_deliveries(&DeliveryFilter {
            envelope: Some(b.envelope.id()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope, b.envelope.id());
}
