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
use std::sync::atomic::{AtomicUsize, Ordering};

use super::fixtures::*;
use async_trait::async_trait;
use countersign_core::ids::EnvelopeId;
use countersign_core::tlp::Tlp;
use countersign_node::Node;
use countersign_node::access::Viewer;
use countersign_node::datadir::DataDir;
use countersign_node::log::leaf_data;
use countersign_store::*;
use countersign_tlog::{Checkpoint, VerifierKey};

/// Fails writes number `from .. from + count` (counting from 1).
struct Flaky {
    inner: Arc<dyn Store>,
    from: usize,
    count: usize,
    persist: bool,
    writes: AtomicUsize,
}

impl Flaky {
    fn fails(&self) -> bool {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        n >= self.from && n < self.from + self.count
    }
}

fn injected<T>() -> Result<T> {
    Err(StoreError::backend("injected write failure"))
}

#[async_trait]
impl LogStore for Flaky {
    async fn log_state(&self) -> Result<LogState> {
        self.inner.log_state().await
    }
    async fn log_pending(&self, limit: usize) -> Result<Vec<EnvelopeId>> {
        self.inner.log_pending(limit).await
    }
    async fn log_commit(&self, batch: &LogBatch) -> Result<()> {
        if self.fails() {
            if self.persist {
                self.inner.log_commit(batch).await?;
            }
            return injected();
        }
        self.inner.log_commit(batch).await
    }
    async fn log_tiles(&self, paths: &[String]) -> Result<Vec<Option<StoredTile>>> {
        self.inner.log_tiles(paths).await
    }
    async fn log_publish(&self, cp: &PublishedCheckpoint) -> Result<bool> {
        if self.fails() {
            if self.persist {
                self.inner.log_publish(cp).await?;
            }
            return injected();
        }
        self.inner.log_publish(cp).await
    }
    async fn log_checkpoint(&self) -> Result<Option<PublishedCheckpoint>> {
        self.inner.log_checkpoint().await
    }
    async fn log_index(&self, id: &EnvelopeId) -> Result<Option<u64>> {
        self.inner.log_index(id).await
    }
    async fn witness_latest(&self, origin: &str) -> Result<Option<WitnessedCheckpoint>> {
        self.inner.witness_latest(origin).await
    }
    async fn witness_update(&self, e: Option<(u64, Hash)>, n: &WitnessedCheckpoint) -> Result<()> {
        self.inner.witness_update(e, n).await
    }
    async fn add_split_view(&self, v: &SplitView) -> Result<bool> {
        self.inner.add_split_view(v).await
    }
    async fn list_split_views(&self) -> Result<Vec<SplitView>> {
        self.inner.list_split_views().await
    }
}

#[async_trait]
impl Store for Flaky {
    async fn put_party(&self, party: &StoredParty, replace: bool) -> Result<()> {
        self.inner.put_party(party, replace).await
    }
    async fn get_party(&self, id: &countersign_core::ids::PartyId) -> Result<Option<StoredParty>> {
        self.inner.get_party(id).await
    }
    async fn list_parties(&self) -> Result<Vec<StoredParty>> {
        self.inner.list_parties().await
    }
    async fn insert_envelope(&self, e: &NewEnvelope) -> Result<()> {
        if self.fails() {
            if self.persist {
                self.inner.insert_envelope(e).await?;
            }
            return injected();
        }
        self.inner.insert_envelope(e).await
    }
    async fn get_envelope(&self, id: &EnvelopeId) -> Result<Option<StoredEnvelope>> {
        self.inner.get_envelope(id).await
    }
    async fn list_notifications(
        &self,
        f: &NotificationFilter,
        p: &PageRequest,
    ) -> Result<Page<NotificationRow>> {
        self.inner.list_notifications(f, p).await
    }
    async fn get_notification(&self, id: &EnvelopeId) -> Result<Option<NotificationRow>> {
        self.inner.get_notification(id).await
    }
    async fn create_user(&self, user: &NewUser) -> Result<User> {
        self.inner.create_user(user).await
    }
    async fn get_user_by_name(&self, username: &str) -> Result<Option<User>> {
        self.inner.get_user_by_name(username).await
    }
    async fn list_users(&self) -> Result<Vec<User>> {
        self.inner.list_users().await
    }
    async fn create_token(&self, token: &NewToken) -> Result<()> {
        self.inner.create_token(token).await
    }
    async fn user_for_token(
        &self,
        h: &countersign_core::ids::Sha256Hex,
        now: countersign_core::time::Timestamp,
    ) -> Result<Option<(User, TokenKind)>> {
        self.inner.user_for_token(h, now).await
    }
    async fn delete_token(&self, h: &countersign_core::ids::Sha256Hex) -> Result<()> {
        self.inner.delete_token(h).await
    }
}

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
    let flaky = Arc::new(Flaky {
        inner: base.store().clone(),
        from,
        count,
        persist,
        writes: AtomicUsize::new(0),
    });
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
