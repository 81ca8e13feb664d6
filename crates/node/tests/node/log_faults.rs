//! The log under storage that fails on purpose, in the style of Sunlight's
//! test backends: the n-th write (a log batch, a checkpoint publication or
//! an envelope insert) fails, either without persisting ("failed, not
//! persisted") or after persisting ("failed but persisted"), once or for a
//! burst long enough to exhaust the sequencer's retries. After every step
//! the data directory is opened again, as after a restart, and the whole
//! log re-read and re-verified: the checkpoint's signature, the root from
//! the entries and from the tiles, every acknowledged entry at its index,
//! every stored envelope with a leaf, and consistency with the checkpoint
//! seen after the step before.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::fixtures::*;
use countersign_core::ids::EnvelopeId;
use countersign_core::tlp::Tlp;
use countersign_node::Node;
use countersign_node::access::Viewer;
use countersign_node::datadir::DataDir;
use countersign_node::log::leaf_data;
use countersign_store::*;
use countersign_tlog::{Checkpoint, VerifierKey};

/// What the steps were told succeeded.
#[derive(Default)]
struct Acked {
    entries: BTreeMap<u64, EnvelopeId>,
    failures: usize,
}

/// One step: `appends` synthetic leaves at once, and a notification if
/// `notify`, all concurrently.
async fn step(node: &Node, appends: usize, notify: bool, acked: &mut Acked) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..appends {
        let node = node.clone();
        tasks.spawn(async move {
            let id = random_id();
            node.log_append_synthetic(&id).await.map(|i| (i, id))
        });
    }
    if notify {
        let node = node.clone();
        tasks.spawn(async move {
            let req = request("cert-a", "cert-b", Tlp::Green, "under faults");
            node.notify(&Viewer::Operator, req)
                .await
                .map(|d| (d.log_index.unwrap(), d.envelope.id()))
        });
    }
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok((i, id)) => assert!(acked.entries.insert(i, id).is_none(), "index {i} twice"),
            Err(_) => acked.failures += 1,
        }
    }
}

/// Re-opens the directory (a restart) and audits the whole log; also every
/// stored notification must have its leaf at its recorded index.
async fn reopen_and_audit(
    root: &std::path::Path,
    vkey: &VerifierKey,
    acked: &Acked,
    last: &mut Option<Checkpoint>,
) {
    let node = Node::open(DataDir::new(root)).await.unwrap();
    let view = audit(&node, vkey, &acked.entries, last.as_ref()).await;
    let page = node
        .list_notifications(
            &Viewer::Operator,
            Default::default(),
            PageRequest {
                limit: 500,
                cursor: None,
            },
        )
        .await
        .unwrap();
    for n in page.items {
        let i = node
            .get_notification(&Viewer::Operator, &n.id)
            .await
            .unwrap()
            .log_index;
        let i = i.unwrap_or_else(|| panic!("stored envelope {} has no leaf after a restart", n.id));
        assert_eq!(view.entries[i as usize], leaf_data(&n.id));
    }
    *last = Some(view.checkpoint);
}

const STEPS: &[(usize, bool)] = &[
    (1, false),
    (0, true),
    (37, true),
    (1, false),
    (150, false),
    (3, true),
];

/// Runs the steps on a node whose store fails as told; returns the number
/// of writes the store saw and of calls that failed.
async fn scenario(from: usize, count: usize, persist: bool) -> (usize, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("n");
    let base = bare_node(&root, |c| {
        c.log_batch_entries = 32;
        c.log_batch_ms = 1;
    })
    .await;
    let vkey = base.log_vkey();
    let flaky = Arc::new(Flaky::new(base.store().clone(), from, count, persist));
    let node = Node::with_backends(
        base.data_dir().clone(),
        base.config().clone(),
        flaky.clone(),
        base.blobs().clone(),
    )
    .unwrap();
    let mut acked = Acked::default();
    let mut last = None;
    reopen_and_audit(&root, &vkey, &acked, &mut last).await;
    for &(appends, notify) in STEPS {
        step(&node, appends, notify, &mut acked).await;
        reopen_and_audit(&root, &vkey, &acked, &mut last).await;
    }
    // After the faults, the same node goes on working.
    step(&node, 5, true, &mut acked).await;
    reopen_and_audit(&root, &vkey, &acked, &mut last).await;
    let _ = base.log_sync().await.unwrap();
    (flaky.writes.load(Ordering::SeqCst), acked.failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_failing_once_loses_nothing_acknowledged() {
    let (writes, failures) = scenario(usize::MAX, 0, false).await;
    assert!(writes >= 10, "only {writes} writes");
    assert_eq!(failures, 0);
    for persist in [false, true] {
        for from in 1..=writes + 2 {
            scenario(from, 1, persist).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_failures_beyond_the_retries_lose_nothing_acknowledged() {
    let (writes, _) = scenario(usize::MAX, 0, false).await;
    let mut failed_calls = 0;
    for persist in [false, true] {
        for from in (1..=writes).step_by(2) {
            failed_calls += scenario(from, 8, persist).await.1;
        }
    }
    // The bursts outlast the retries often enough for callers to see
    // errors: the path where nothing is acknowledged was exercised.
    assert!(failed_calls > 0);
}
