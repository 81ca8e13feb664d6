//! How much the store writes per notification as the database grows: a
//! program, not a timed test (CONVENTIONS.md 11), reporting numbers.
//!
//! It plays the sending node's storage side of `bench/federation.sh`
//! without the network or the Merkle hashing: per notification, the
//! envelope is stored (queued for the log and for delivery), given a log
//! index (`log_commit`), its receipt stored with `delivery_done`, and the
//! receipt given a log index; 64 notifications at a time, so the group
//! commit batches them as under load. Before measuring, the database is
//! filled with `held` notifications the same way. It prints, per
//! notification, the bytes the process wrote (WAL frames, and the database
//! pages the checkpointer copies: `/proc/self/io` `wchar`) and the CPU
//! time of the process. Random-keyed indexes show up as bytes growing
//! with `held`: each insert dirties a page of a tree that no longer fits
//! in the few pages a commit touches anyway.
//!
//! ```sh
//! cargo bench -p countersign-store-sqlite --bench writes
//! COUNTERSIGN_BENCH_HELD=0,100000 COUNTERSIGN_BENCH_COUNT=5000 \
//!     cargo bench -p countersign-store-sqlite --bench writes
//! ```

// A benchmark panics on setup failures: that is a failed run.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use countersign_core::envelope::{Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::evidence::Sufficiency;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::notification::Severity;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_store::{
    Direction, LogBatch, LogState, LogStore, NewEnvelope, NotificationRow, Store,
};
use countersign_store_sqlite::SqliteStore;
use countersign_tlog::SignerKey;

/// Notifications stored per round (one group commit, one log batch).
const ROUND: usize = 64;

fn env_list(name: &str, default: &str) -> Vec<u64> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|v| v.trim().parse().unwrap())
        .collect()
}

/// (user + system CPU seconds, bytes written) of this process so far.
fn usage() -> (f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may hold spaces): utime and
    // stime are fields 14 and 15, so 11 and 12 after the `)`.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let io = std::fs::read_to_string("/proc/self/io").unwrap();
    let wchar = io
        .lines()
        .find_map(|l| l.strip_prefix("wchar: "))
        .unwrap()
        .parse()
        .unwrap();
    // USER_HZ is 100 on Linux.
    (ticks as f64 / 100.0, wchar)
}

struct Keys {
    sender: SignerKey,
    receiver: SignerKey,
}

fn notification(keys: &Keys, n: u64, created: Timestamp) -> NewEnvelope {
    let (from, to) = (
        PartyId::parse("cert-a").unwrap(),
        PartyId::parse("cert-b").unwrap(),
    );
    let title = format!("Bench notification {n}");
    let envelope = Envelope {
        v: 1,
        kind: EnvelopeType::Notification,
        from: from.clone(),
        to: vec![to.clone()],
        created,
        refs: vec![],
        tlp: Tlp::Amber,
        // About the size of bench/federation.sh's notifications.
        body: serde_json::json!({ "title": title, "n": n, "text": "x".repeat(600) }),
        attachments: vec![],
    }
    .sign(&keys.sender)
    .unwrap();
    let row = NotificationRow {
        id: envelope.id(),
        from,
        to: vec![to],
        created,
        title,
        category: "intrusions/system-compromise".into(),
        severity: Severity::High,
        tlp: Tlp::Amber,
        sufficiency: Sufficiency::Indicators,
        ack_by: created.plus_hours(24),
        reply_by: created.plus_hours(72),
        attachments: 0,
        direction: Direction::Sent,
    };
    NewEnvelope {
        envelope,
        direction: Direction::Sent,
        stored: created,
        notification: Some(row),
    }
}

fn receipt(keys: &Keys, of: &SignedEnvelope, created: Timestamp) -> NewEnvelope {
    let envelope = Envelope {
        v: 1,
        kind: EnvelopeType::Receipt,
        from: PartyId::parse("cert-b").unwrap(),
        to: vec![PartyId::parse("cert-a").unwrap()],
        created,
        refs: vec![of.id()],
        tlp: Tlp::Amber,
        // A tlog-proof is about this long.
        body: serde_json::json!({ "received": of.id().to_string(), "proof": "p".repeat(900) }),
        attachments: vec![],
    }
    .sign(&keys.receiver)
    .unwrap();
    NewEnvelope {
        envelope,
        direction: Direction::Received,
        stored: created,
        notification: None,
    }
}

/// Gives the envelopes the next log indexes. The store keeps what the
/// node computes without checking the hashes, so any 32 bytes will do.
async fn integrate(store: &SqliteStore, ids: Vec<EnvelopeId>) {
    let old = store.log_state().await.unwrap();
    let size = old.size + ids.len() as u64;
    let batch = LogBatch {
        old_size: old.size,
        old_root: old.root,
        new: LogState {
            size,
            root: [size as u8; 32],
            range: vec![[7; 32]; size.count_ones() as usize],
        },
        tiles: vec![],
        envelopes: ids.into_iter().zip(old.size..).collect(),
    };
    store.log_commit(&batch).await.unwrap();
}

/// One round: the notifications and their receipts, signed beforehand.
struct Round {
    notifications: Vec<NewEnvelope>,
    receipts: Vec<NewEnvelope>,
}

fn rounds(keys: &Keys, first: u64, count: u64, round: usize) -> Vec<Round> {
    // Each a millisecond after the last, as live notifications are: the
    // listing indexes (by creation time) grow at one end.
    let start = chrono::DateTime::from_timestamp(1_772_359_200, 0).unwrap();
    let created =
        |n: u64| Timestamp::from_datetime(start + chrono::Duration::milliseconds(n as i64));
    (first..first + count)
        .collect::<Vec<u64>>()
        .chunks(round)
        .map(|ns| {
            let notifications: Vec<NewEnvelope> = ns
                .iter()
                .map(|n| notification(keys, *n, created(*n)))
                .collect();
            let receipts = notifications
                .iter()
                .map(|e| receipt(keys, &e.envelope, e.envelope.envelope().created))
                .collect();
            Round {
                notifications,
                receipts,
            }
        })
        .collect()
}

/// Stores the rounds as the sending node does, each round's writes
/// concurrently (so the group commit sees them together).
async fn file(store: &SqliteStore, rounds: Vec<Round>) {
    let party = PartyId::parse("cert-b").unwrap();
    for round in rounds {
        let mut tasks = tokio::task::JoinSet::new();
        for e in &round.notifications {
            let (store, e) = (store.clone(), e.clone());
            tasks.spawn(async move { store.insert_envelope(&e).await });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap().unwrap();
        }
        let ids = round.notifications.iter().map(|e| e.envelope.id());
        integrate(store, ids.collect()).await;
        for (e, r) in round
            .notifications
            .iter()
            .zip(round.receipts.iter().cloned())
        {
            let (store, id, party) = (store.clone(), e.envelope.id(), party.clone());
            tasks.spawn(async move {
                let fed = store.federation().unwrap();
                fed.delivery_done(&id, &party, &r, 1).await
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap().unwrap();
        }
        integrate(
            store,
            round.receipts.iter().map(|r| r.envelope.id()).collect(),
        )
        .await;
    }
}

/// Copies the whole WAL into the database (waiting for the background
/// checkpointer if it holds the lock).
fn checkpoint(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .unwrap();
    // The background checkpointer may hold the lock for a moment.
    for _ in 0..100 {
        let (busy, _, _): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        if busy == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the WAL could not be checkpointed");
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it once, small.
    let quick = !std::env::args().any(|a| a == "--bench");
    let helds = env_list(
        "COUNTERSIGN_BENCH_HELD",
        if quick { "0" } else { "0,20000,100000" },
    );
    let count = env_list("COUNTERSIGN_BENCH_COUNT", if quick { "64" } else { "5000" })[0];
    let keys = Keys {
        sender: SignerKey::generate("cert-a").unwrap(),
        receiver: SignerKey::generate("cert-b").unwrap(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "store writes per notification (envelope, log index, receipt, log index), {count} notifications, {ROUND} per round"
    );
    println!(
        "{:>10}  {:>12}  {:>12}  {:>10}",
        "held", "KB written", "CPU us", "wall s"
    );
    for held in helds {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&tmp.path().join("bench.db")).unwrap();
        for chunk in (0..held).step_by(10_000) {
            let n = (held - chunk).min(10_000);
            rt.block_on(file(&store, rounds(&keys, chunk, n, 512)));
        }
        let measured = rounds(&keys, held, count, ROUND);
        // The fill's WAL is copied into the database before measuring, and
        // the measured writes' WAL after (those copies count: they are the
        // checkpointer's share of each write).
        let path = tmp.path().join("bench.db");
        checkpoint(&path);
        let (cpu0, wrote0) = usage();
        let start = Instant::now();
        rt.block_on(file(&store, measured));
        let wall = start.elapsed().as_secs_f64();
        checkpoint(&path);
        let (cpu1, wrote1) = usage();
        println!(
            "{held:>10}  {:>12.1}  {:>12.0}  {wall:>10.2}",
            (wrote1 - wrote0) as f64 / 1024.0 / count as f64,
            (cpu1 - cpu0) * 1e6 / count as f64,
        );
    }
}
