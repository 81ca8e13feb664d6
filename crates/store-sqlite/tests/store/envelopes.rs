//! Envelopes and their notification rows: round trips, duplicates,
//! consistency checks, atomicity under an injected failure, tampering.

use countersign_core::envelope::{Envelope, EnvelopeType};
use countersign_core::tlp::Tlp;
use countersign_store::{
    Direction, NewEnvelope, NotificationFilter, NotificationRow, PageRequest, Store, StoreErrorKind,
};
use countersign_store_sqlite::SqliteStore;
use countersign_tlog::SignerKey;

use crate::{N, expect_err, pid, ts};

async fn count_notifications(store: &SqliteStore) -> usize {
    let page = PageRequest {
        limit: 500,
        cursor: None,
    };
    let listed = store
        .list_notifications(&NotificationFilter::default(), &page)
        .await
        .unwrap();
    listed.items.len()
}

#[tokio::test]
async fn notification_round_trip() {
    let store = SqliteStore::open_in_memory().unwrap();
    let mut n = N::new(1);
    n.to = vec!["cert-c", "cert-b"]; // order is kept
    n.created = ts("2026-03-01T10:00:00.000000001Z");
    let new = n.build();
    store.insert_envelope(&new).await.unwrap();

    let id = new.envelope.id();
    let stored = store.get_envelope(&id).await.unwrap().unwrap();
    assert_eq!(stored.envelope, new.envelope);
    assert_eq!(stored.direction, Direction::Sent);
    assert_eq!(stored.stored, new.stored);
    assert_eq!(
        store.get_notification(&id).await.unwrap(),
        new.notification.clone()
    );
    let other = N::new(2).build().envelope.id();
    assert!(store.get_envelope(&other).await.unwrap().is_none());
    assert!(store.get_notification(&other).await.unwrap().is_none());
}

#[tokio::test]
async fn other_envelopes_have_no_notification_row() {
    let store = SqliteStore::open_in_memory().unwrap();
    let key = SignerKey::generate("cert-b").unwrap();
    let reply = Envelope {
        v: 1,
        kind: EnvelopeType::Reply,
        from: pid("cert-b"),
        to: vec![pid("cert-a")],
        created: ts("2026-03-01T11:00:00Z"),
        refs: vec![N::new(1).build().envelope.id()],
        tlp: Tlp::Green,
        body: serde_json::json!({ "kind": "acknowledgement" }),
        attachments: vec![],
    }
    .sign(&key)
    .unwrap();
    let new = NewEnvelope {
        envelope: reply.clone(),
        direction: Direction::Received,
        stored: ts("2026-03-01T11:00:01Z"),
        notification: None,
    };
    store.insert_envelope(&new).await.unwrap();
    let stored = store.get_envelope(&reply.id()).await.unwrap().unwrap();
    assert_eq!(stored.envelope, reply);
    assert_eq!(stored.direction, Direction::Received);
    assert!(store.get_notification(&reply.id()).await.unwrap().is_none());
    assert_eq!(count_notifications(&store).await, 0);

    // A reply cannot be given a notification row.
    let mut with_row = new.clone();
    with_row.notification = N::new(1).build().notification;
    expect_err(
        store.insert_envelope(&with_row).await,
        StoreErrorKind::BadRequest,
    );
}

#[tokio::test]
async fn duplicate_envelope_is_refused_and_changes_nothing() {
    let store = SqliteStore::open_in_memory().unwrap();
    let new = N::new(1).build();
    store.insert_envelope(&new).await.unwrap();

    // Same envelope again, even recorded differently.
    let mut again = new.clone();
    again.stored = ts("2030-01-01T00:00:00Z");
    if let Some(row) = again.notification.as_mut() {
        row.title = "Changed".into();
    }
    let message = expect_err(
        store.insert_envelope(&again).await,
        StoreErrorKind::Duplicate,
    );
    assert!(
        message.contains(&new.envelope.id().to_string()),
        "{message}"
    );

    let id = new.envelope.id();
    assert_eq!(
        store.get_envelope(&id).await.unwrap().unwrap().stored,
        new.stored
    );
    assert_eq!(store.get_notification(&id).await.unwrap(), new.notification);
    assert_eq!(count_notifications(&store).await, 1);
}

#[tokio::test]
async fn a_row_that_contradicts_its_envelope_is_refused() {
    let store = SqliteStore::open_in_memory().unwrap();
    let good = N::new(1).build();
    type Change = fn(&mut NewEnvelope);
    fn row(e: &mut NewEnvelope) -> &mut NotificationRow {
        e.notification.as_mut().unwrap()
    }
    let cases: [(&str, Change); 6] = [
        ("id", |e| row(e).id = N::new(9).build().envelope.id()),
        ("sender", |e| row(e).from = pid("cert-x")),
        ("recipient", |e| row(e).to.push(pid("cert-x"))),
        ("creation", |e| row(e).created = ts("2020-01-01T00:00:00Z")),
        ("TLP", |e| row(e).tlp = Tlp::Red),
        ("direction", |e| e.direction = Direction::Received),
    ];
    for (what, change) in cases {
        let mut bad = good.clone();
        change(&mut bad);
        let message = expect_err(
            store.insert_envelope(&bad).await,
            StoreErrorKind::BadRequest,
        );
        assert!(message.contains(what), "{what}: {message}");
    }
    assert!(
        store
            .get_envelope(&good.envelope.id())
            .await
            .unwrap()
            .is_none()
    );
    store.insert_envelope(&good).await.unwrap();
}

/// Sunlight-style failure injection: the last write of `insert_envelope`
/// (the notification row) fails; the envelope and its recipients, written
/// before it in the same transaction, must not persist.
#[tokio::test]
async fn a_failing_last_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let store = SqliteStore::open(&path).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER fail_notifications BEFORE INSERT ON notifications \
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();

    let new = N::new(1).build();
    let message = expect_err(store.insert_envelope(&new).await, StoreErrorKind::Backend);
    assert!(message.contains("injected failure"), "{message}");
    let count = |table: &str| -> i64 {
        raw.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count("envelopes"), 0);
    assert_eq!(count("envelope_recipients"), 0);
    assert_eq!(count("notifications"), 0);
    assert!(
        store
            .get_envelope(&new.envelope.id())
            .await
            .unwrap()
            .is_none()
    );

    // Once the fault is gone the same insert succeeds.
    raw.execute_batch("DROP TRIGGER fail_notifications")
        .unwrap();
    store.insert_envelope(&new).await.unwrap();
    assert_eq!(count("envelope_recipients"), 1);
    assert_eq!(count_notifications(&store).await, 1);
}

#[tokio::test]
async fn tampered_rows_are_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let store = SqliteStore::open(&path).unwrap();
    let new = N::new(1).build();
    let id = new.envelope.id();
    store.insert_envelope(&new).await.unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();

    // The envelope JSON edited in place: it no longer hashes to its id.
    raw.execute(
        "UPDATE envelopes SET json = replace(json, 'Notification 1', 'Notification 2')",
        [],
    )
    .unwrap();
    let message = expect_err(store.get_envelope(&id).await, StoreErrorKind::Corrupt);
    assert!(message.contains(&id.to_string()), "{message}");

    raw.execute("UPDATE notifications SET severity = 'apocalyptic'", [])
        .unwrap();
    expect_err(store.get_notification(&id).await, StoreErrorKind::Corrupt);
    expect_err(
        store
            .list_notifications(&NotificationFilter::default(), &PageRequest::default())
            .await,
        StoreErrorKind::Corrupt,
    );
}

/// Concurrent inserts from many tasks all land, each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_inserts() {
    let store = SqliteStore::open_in_memory().unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.insert_envelope(&N::new(i).build()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(count_notifications(&store).await, 40);
}
