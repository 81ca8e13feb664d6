//! The log and witness tables: state and tiles round trip, the envelope
//! queue, conditional commits, monotonic checkpoints, and witness
//! check-and-store under a concurrent conflicting update.

use countersign_store::{
    LogBatch, LogState, LogStore, PublishedCheckpoint, SplitView, SplitViewKind, Store,
    StoreErrorKind, TileWrite, WitnessedCheckpoint,
};
use countersign_store_sqlite::SqliteStore;
use countersign_tlog::merkle::{CompactRange, Hash, empty_root, leaf_hash};

use crate::{N, expect_err, ts};

fn range_of(leaves: &[&[u8]]) -> CompactRange {
    let mut r = CompactRange::new();
    for l in leaves {
        r.push(leaf_hash(l)).unwrap();
    }
    r
}

fn state(r: &CompactRange) -> LogState {
    LogState {
        size: r.size(),
        root: r.root(),
        range: r.hashes().to_vec(),
    }
}

fn tile(path: &str, width: u16, fill: u8) -> TileWrite {
    TileWrite {
        path: path.to_owned(),
        width,
        data: vec![fill; usize::from(width) * 32],
    }
}

#[tokio::test]
async fn state_and_tiles_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("db");
    let store = SqliteStore::open(&path).unwrap();
    let empty = store.log_state().await.unwrap();
    assert_eq!(
        empty,
        LogState {
            size: 0,
            root: empty_root(),
            range: vec![]
        }
    );
    assert_eq!(store.log_checkpoint().await.unwrap(), None);

    let r3 = range_of(&[b"a", b"b", b"c"]);
    let batch = LogBatch {
        old_size: 0,
        old_root: empty_root(),
        new: state(&r3),
        tiles: vec![tile("tile/0/000", 3, 1), tile("tile/entries/000", 3, 2)],
        envelopes: vec![],
    };
    store.log_commit(&batch).await.unwrap();
    let cp = PublishedCheckpoint {
        size: 3,
        root: r3.root(),
        text: "cp3".into(),
    };
    assert!(store.log_publish(&cp).await.unwrap());
    drop(store);

    // After a reopen, everything is as committed.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.log_state().await.unwrap(), state(&r3));
    assert_eq!(store.log_checkpoint().await.unwrap(), Some(cp.clone()));
    let got = store
        .log_tiles(&[
            "tile/0/000".into(),
            "tile/1/000".into(),
            "tile/entries/000".into(),
        ])
        .await
        .unwrap();
    assert_eq!(
        got[0].as_ref().map(|t| (t.width, t.data.clone())),
        Some((3, vec![1; 96]))
    );
    assert_eq!(got[1], None);
    assert_eq!(got[2].as_ref().map(|t| t.width), Some(3));

    // A tile grows in place to full; it never shrinks.
    let r5 = range_of(&[b"a", b"b", b"c", b"d", b"e"]);
    let grow = LogBatch {
        old_size: 3,
        old_root: r3.root(),
        new: state(&r5),
        tiles: vec![tile("tile/0/000", 5, 7)],
        envelopes: vec![],
    };
    store.log_commit(&grow).await.unwrap();
    let t = store
        .log_tiles(&["tile/0/000".into()])
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    assert_eq!(t.width, 5);
    let r6 = range_of(&[b"a", b"b", b"c", b"d", b"e", b"f"]);
    let shrink = LogBatch {
        old_size: 5,
        old_root: r5.root(),
        new: state(&r6),
        tiles: vec![tile("tile/0/000", 4, 9)],
        envelopes: vec![],
    };
    expect_err(store.log_commit(&shrink).await, StoreErrorKind::BadRequest);
    assert_eq!(
        store.log_state().await.unwrap().size,
        5,
        "nothing of the refused batch stays"
    );
}

#[tokio::test]
async fn commits_are_conditional_on_the_state_they_extend() {
    let store = SqliteStore::open_in_memory().unwrap();
    let r1 = range_of(&[b"a"]);
    let r2 = range_of(&[b"a", b"b"]);
    let first = LogBatch {
        old_size: 0,
        old_root: empty_root(),
        new: state(&r1),
        tiles: vec![],
        envelopes: vec![],
    };
    store.log_commit(&first).await.unwrap();
    // The same batch again: the state moved on.
    expect_err(store.log_commit(&first).await, StoreErrorKind::Conflict);
    // Right size, wrong root.
    let wrong = LogBatch {
        old_size: 1,
        old_root: [9; 32],
        new: state(&r2),
        tiles: vec![],
        envelopes: vec![],
    };
    expect_err(store.log_commit(&wrong).await, StoreErrorKind::Conflict);
    // Not growing, or a range that does not fit the size.
    let same = LogBatch {
        old_size: 1,
        old_root: r1.root(),
        new: state(&r1),
        tiles: vec![],
        envelopes: vec![],
    };
    expect_err(store.log_commit(&same).await, StoreErrorKind::BadRequest);
    let mut bad = state(&r2);
    bad.range.push([0; 32]);
    let odd = LogBatch {
        old_size: 1,
        old_root: r1.root(),
        new: bad,
        tiles: vec![],
        envelopes: vec![],
    };
    expect_err(store.log_commit(&odd).await, StoreErrorKind::BadRequest);
    assert_eq!(store.log_state().await.unwrap(), state(&r1));
}

#[tokio::test]
async fn stored_envelopes_queue_for_a_leaf_until_a_batch_takes_them() {
    let store = SqliteStore::open_in_memory().unwrap();
    let a = N::new(1).build();
    let b = N::new(2).build();
    store.insert_envelope(&a).await.unwrap();
    store.insert_envelope(&b).await.unwrap();
    let (ida, idb) = (a.envelope.id(), b.envelope.id());
    assert_eq!(store.log_pending(10).await.unwrap(), vec![ida, idb]);
    assert_eq!(store.log_pending(1).await.unwrap(), vec![ida]);
    assert_eq!(store.log_index(&ida).await.unwrap(), None);
    // A failed insert queues nothing.
    expect_err(store.insert_envelope(&a).await, StoreErrorKind::Duplicate);
    assert_eq!(store.log_pending(10).await.unwrap().len(), 2);

    let r1 = range_of(&[b"x"]);
    let take_a = LogBatch {
        old_size: 0,
        old_root: empty_root(),
        new: state(&r1),
        tiles: vec![],
        envelopes: vec![(ida, 0)],
    };
    store.log_commit(&take_a).await.unwrap();
    assert_eq!(store.log_index(&ida).await.unwrap(), Some(0));
    assert_eq!(store.log_pending(10).await.unwrap(), vec![idb]);
    // An envelope no longer queued, or an index outside the batch.
    let r2 = range_of(&[b"x", b"y"]);
    let again = LogBatch {
        old_size: 1,
        old_root: r1.root(),
        new: state(&r2),
        tiles: vec![],
        envelopes: vec![(ida, 1)],
    };
    expect_err(store.log_commit(&again).await, StoreErrorKind::Conflict);
    let outside = LogBatch {
        old_size: 1,
        old_root: r1.root(),
        new: state(&r2),
        tiles: vec![],
        envelopes: vec![(idb, 2)],
    };
    expect_err(store.log_commit(&outside).await, StoreErrorKind::BadRequest);
    assert_eq!(store.log_index(&idb).await.unwrap(), None);
    assert_eq!(store.log_state().await.unwrap().size, 1);
}

#[tokio::test]
async fn published_checkpoints_only_grow_and_never_pass_the_tree() {
    let store = SqliteStore::open_in_memory().unwrap();
    let r2 = range_of(&[b"a", b"b"]);
    store
        .log_commit(&LogBatch {
            old_size: 0,
            old_root: empty_root(),
            new: state(&r2),
            tiles: vec![],
            envelopes: vec![],
        })
        .await
        .unwrap();
    let cp = |size: u64, root: Hash, text: &str| PublishedCheckpoint {
        size,
        root,
        text: text.into(),
    };
    let r1 = range_of(&[b"a"]);
    assert!(store.log_publish(&cp(1, r1.root(), "one")).await.unwrap());
    assert!(store.log_publish(&cp(2, r2.root(), "two")).await.unwrap());
    assert!(
        !store
            .log_publish(&cp(1, r1.root(), "one again"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .log_publish(&cp(2, r2.root(), "two again"))
            .await
            .unwrap()
    );
    expect_err(
        store.log_publish(&cp(3, [0; 32], "ahead")).await,
        StoreErrorKind::BadRequest,
    );
    expect_err(
        store.log_publish(&cp(2, [0; 32], "fork")).await,
        StoreErrorKind::BadRequest,
    );
    assert_eq!(store.log_checkpoint().await.unwrap().unwrap().text, "two");
}

fn witnessed(size: u64, root: u8) -> WitnessedCheckpoint {
    WitnessedCheckpoint {
        origin: "example.org/log".into(),
        size,
        root: [root; 32],
        checkpoint: format!("checkpoint {size}"),
        updated: ts("2026-03-01T10:00:00Z"),
    }
}

#[tokio::test]
async fn witness_check_and_store_is_atomic_under_concurrent_updates() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.witness_latest("example.org/log").await.unwrap(), None);
    store.witness_update(None, &witnessed(5, 5)).await.unwrap();
    expect_err(
        store.witness_update(None, &witnessed(6, 6)).await,
        StoreErrorKind::Conflict,
    );
    // Two processes (two connections to one file), each with many tasks,
    // all moving the state from (5, root 5) to different sizes: exactly one
    // update wins; every other sees a conflict and changes nothing.
    let other = SqliteStore::open(&path).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24u8 {
        let s = if i % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        tasks.spawn(async move {
            s.witness_update(Some((5, [5; 32])), &witnessed(10 + u64::from(i), i))
                .await
        });
    }
    let mut won = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(()) => won += 1,
            Err(e) => assert_eq!(e.kind, StoreErrorKind::Conflict, "{}", e.message),
        }
    }
    assert_eq!(won, 1);
    let held = store
        .witness_latest("example.org/log")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        held.root,
        [(held.size - 10) as u8; 32],
        "size and root come from one update"
    );
    // Never backwards, even from the right expected state.
    expect_err(
        store
            .witness_update(Some((held.size, held.root)), &witnessed(1, 1))
            .await,
        StoreErrorKind::BadRequest,
    );
}

#[tokio::test]
async fn split_views_are_kept_once() {
    let store = SqliteStore::open_in_memory().unwrap();
    let view = SplitView {
        origin: "example.org/log".into(),
        kind: SplitViewKind::SameSize,
        held: "a".into(),
        conflicting: "b".into(),
        proof: vec![[1; 32], [2; 32]],
        recorded: ts("2026-03-01T10:00:00Z"),
    };
    assert!(store.add_split_view(&view).await.unwrap());
    assert!(!store.add_split_view(&view).await.unwrap());
    let other = SplitView {
        kind: SplitViewKind::BadConsistencyProof,
        conflicting: "c".into(),
        ..view.clone()
    };
    assert!(store.add_split_view(&other).await.unwrap());
    assert_eq!(store.list_split_views().await.unwrap(), vec![view, other]);
}

/// A database from before the log (schema version 1) gets the log tables,
/// and its envelopes are queued for leaves, oldest first.
#[tokio::test]
async fn envelopes_from_before_the_log_are_queued_by_the_migration() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.db");
    let (older, newer) = {
        let mut a = N::new(1);
        a.created = ts("2026-03-01T09:00:00Z");
        let mut b = N::new(2);
        b.created = ts("2026-03-01T08:00:00Z");
        (b.build(), a.build())
    };
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        crate::shipped_schema(&raw, 1);
        for new in [&newer, &older] {
            let e = new.envelope.envelope();
            raw.execute(
                "INSERT INTO envelopes (id, type, from_party, created, created_s, created_ns, tlp, \
                 direction, stored, json) VALUES (?1, 'notification', 'cert-a', ?2, ?3, 0, 'amber', \
                 'sent', ?2, ?4)",
                rusqlite::params![
                    new.envelope.id().to_string(),
                    e.created.to_string(),
                    e.created.datetime().timestamp(),
                    new.envelope.to_json_value().unwrap().to_string()
                ],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.log_pending(10).await.unwrap(),
        vec![older.envelope.id(), newer.envelope.id()]
    );
    assert_eq!(store.log_state().await.unwrap().size, 0);
}
