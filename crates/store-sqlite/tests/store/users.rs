//! Users and tokens: round trips, duplicates, expiry, deletion.

use countersign_core::access::Role;
use countersign_core::ids::Sha256Hex;
use countersign_store::{NewToken, NewUser, Store, StoreErrorKind, TokenKind, User};
use countersign_store_sqlite::SqliteStore;

use crate::{expect_err, pid, ts};

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        party: pid("cert-a"),
        role,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$salt${name}"),
        created: ts("2026-01-01T00:00:00Z"),
    }
}

fn token(secret: &str, user_id: i64, expires: Option<&str>) -> NewToken {
    NewToken {
        hash: Sha256Hex::digest(secret.as_bytes()),
        user_id,
        kind: if expires.is_some() {
            TokenKind::Session
        } else {
            TokenKind::Api
        },
        label: format!("token {secret}"),
        created: ts("2026-01-01T00:00:00Z"),
        expires: expires.map(ts),
    }
}

#[tokio::test]
async fn users_round_trip_and_list_by_id() {
    let store = SqliteStore::open_in_memory().unwrap();
    let zed = store
        .create_user(&new_user("zed", Role::Admin))
        .await
        .unwrap();
    let amy = store
        .create_user(&new_user("amy", Role::Viewer))
        .await
        .unwrap();
    assert!(zed.id < amy.id);
    assert_eq!(
        zed,
        User {
            id: zed.id,
            username: "zed".into(),
            party: pid("cert-a"),
            role: Role::Admin,
            password_hash: new_user("zed", Role::Admin).password_hash,
            created: ts("2026-01-01T00:00:00Z"),
        }
    );
    assert_eq!(
        store.get_user_by_name("amy").await.unwrap(),
        Some(amy.clone())
    );
    assert_eq!(store.get_user_by_name("nobody").await.unwrap(), None);
    assert_eq!(store.list_users().await.unwrap(), vec![zed, amy]);
}

#[tokio::test]
async fn duplicate_username_is_refused_and_changes_nothing() {
    let store = SqliteStore::open_in_memory().unwrap();
    let first = store
        .create_user(&new_user("amy", Role::Viewer))
        .await
        .unwrap();
    let message = expect_err(
        store.create_user(&new_user("amy", Role::Admin)).await,
        StoreErrorKind::Duplicate,
    );
    assert!(message.contains("amy"), "{message}");
    assert_eq!(store.list_users().await.unwrap(), vec![first]);
}

#[tokio::test]
async fn tokens_find_their_user_until_they_expire() {
    let store = SqliteStore::open_in_memory().unwrap();
    let amy = store
        .create_user(&new_user("amy", Role::Analyst))
        .await
        .unwrap();
    let now = ts("2026-06-01T12:00:00Z");
    store
        .create_token(&token("api", amy.id, None))
        .await
        .unwrap();
    store
        .create_token(&token("live", amy.id, Some("2026-06-01T12:00:00.001Z")))
        .await
        .unwrap();
    store
        .create_token(&token("ends-now", amy.id, Some("2026-06-01T12:00:00Z")))
        .await
        .unwrap();
    store
        .create_token(&token("old", amy.id, Some("2026-05-01T00:00:00Z")))
        .await
        .unwrap();
    let lookup = |secret: &'static str| {
        let store = store.clone();
        async move {
            store
                .user_for_token(&Sha256Hex::digest(secret.as_bytes()), now)
                .await
                .unwrap()
        }
    };
    assert_eq!(lookup("api").await, Some((amy.clone(), TokenKind::Api)));
    assert_eq!(
        lookup("live").await,
        Some((amy.clone(), TokenKind::Session))
    );
    assert_eq!(lookup("ends-now").await, None);
    assert_eq!(lookup("old").await, None);
    assert_eq!(lookup("never-issued").await, None);
}

#[tokio::test]
async fn token_errors_and_deletion() {
    let store = SqliteStore::open_in_memory().unwrap();
    let amy = store
        .create_user(&new_user("amy", Role::Analyst))
        .await
        .unwrap();
    let t = token("secret", amy.id, None);
    store.create_token(&t).await.unwrap();
    let now = ts("2026-06-01T00:00:00Z");

    let mut again = token("secret", amy.id, Some("2027-01-01T00:00:00Z"));
    again.label = "other".into();
    let message = expect_err(store.create_token(&again).await, StoreErrorKind::Duplicate);
    assert!(message.contains(&t.hash.to_string()), "{message}");
    // The first token is unchanged: still an API token without expiry.
    assert_eq!(
        store
            .user_for_token(&t.hash, ts("2030-01-01T00:00:00Z"))
            .await
            .unwrap(),
        Some((amy.clone(), TokenKind::Api))
    );

    let message = expect_err(
        store
            .create_token(&token("orphan", amy.id + 100, None))
            .await,
        StoreErrorKind::NotFound,
    );
    assert!(message.contains(&(amy.id + 100).to_string()), "{message}");

    store.delete_token(&t.hash).await.unwrap();
    assert_eq!(store.user_for_token(&t.hash, now).await.unwrap(), None);
    expect_err(store.delete_token(&t.hash).await, StoreErrorKind::NotFound);
}
