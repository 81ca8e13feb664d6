//! Parties: round trip, duplicates, replacement, listing order.

use countersign_core::party::Party;
use countersign_store::{Store, StoreErrorKind, StoredParty};
use countersign_store_sqlite::SqliteStore;

use crate::{expect_err, pid, ts};

fn party(id: &str, name: &str, local: bool) -> StoredParty {
    let party: Party = serde_json::from_value(serde_json::json!({
        "id": id,
        "name": name,
        "kind": "national-cert",
        "keys": [{ "vkey": format!("{id}+01234567+AAAA"), "valid_from": "2026-01-01T00:00:00Z" }],
        "endpoint": "https://node.example",
    }))
    .unwrap();
    StoredParty {
        party,
        local,
        signed_entry: local.then(|| format!("signed entry of {id}")),
        updated: ts("2026-02-01T12:00:00.500Z"),
    }
}

#[tokio::test]
async fn round_trip_and_list_by_id() {
    let store = SqliteStore::open_in_memory().unwrap();
    let b = party("cert-b", "CERT B", false);
    let a = party("cert-a", "CERT A", true);
    store.put_party(&b, false).await.unwrap();
    store.put_party(&a, false).await.unwrap();
    assert_eq!(
        store.get_party(&pid("cert-a")).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.get_party(&pid("cert-zz")).await.unwrap(), None);
    assert_eq!(store.list_parties().await.unwrap(), vec![a, b]);
}

#[tokio::test]
async fn duplicate_is_refused_and_changes_nothing() {
    let store = SqliteStore::open_in_memory().unwrap();
    let first = party("cert-a", "CERT A", true);
    store.put_party(&first, false).await.unwrap();
    let message = expect_err(
        store
            .put_party(&party("cert-a", "Other", false), false)
            .await,
        StoreErrorKind::Duplicate,
    );
    assert!(message.contains("cert-a"), "{message}");
    assert_eq!(store.list_parties().await.unwrap(), vec![first]);
}

#[tokio::test]
async fn replace_overwrites_every_field() {
    let store = SqliteStore::open_in_memory().unwrap();
    store
        .put_party(&party("cert-a", "CERT A", true), false)
        .await
        .unwrap();
    let mut second = party("cert-a", "CERT A renamed", false);
    second.updated = ts("2026-02-02T00:00:00Z");
    store.put_party(&second, true).await.unwrap();
    assert_eq!(store.list_parties().await.unwrap(), vec![second.clone()]);
    // Replace also inserts.
    let c = party("cert-c", "CERT C", false);
    store.put_party(&c, true).await.unwrap();
    assert_eq!(store.list_parties().await.unwrap(), vec![second, c]);
}
