//! Proofs served from memory (the latest checkpoint and the tile cache in
//! `log/proofs.rs`) are the proofs the stored tiles give: equal to an
//! in-memory reference tree's at every size, across tile boundaries and
//! partial tiles that grow while cached, and when another process sharing
//! the database moves the log on; and a proof of a leaf just appended
//! costs no store read at all, nor does waiting for a leaf integrated
//! before the wait arrived.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::fixtures::*;
use async_trait::async_trait;
use countersign_core::ids::EnvelopeId;
use countersign_node::Node;
use countersign_node::log::leaf_data;
use countersign_store::*;
use countersign_tlog::merkle::{MemoryTree, leaf_hash, verify_inclusion};
use countersign_tlog::{Checkpoint, TlogProof};

/// Counts the log reads proving may make.
struct Counting {
    inner: Arc<dyn Store>,
    tiles: AtomicUsize,
    checkpoints: AtomicUsize,
    indexes: AtomicUsize,
}

impl Counting {
    fn new(inner: Arc<dyn Store>) -> Self {
        Counting {
            inner,
            tiles: AtomicUsize::new(0),
            checkpoints: AtomicUsize::new(0),
            indexes: AtomicUsize::new(0),
        }
    }

    fn reads(&self) -> [usize; 3] {
        [
            self.tiles.load(Ordering::SeqCst),
            self.checkpoints.load(Ordering::SeqCst),
            self.indexes.load(Ordering::SeqCst),
        ]
    }
}

#[async_trait]
impl LogStore for Counting {
    async fn log_state(&self) -> Result<LogState> {
        self.inner.log_state().await
    }
    async fn log_pending(&self, limit: usize) -> Result<Vec<EnvelopeId>> {
        self.inner.log_pending(limit).await
    }
    async fn log_commit(&self, batch: &LogBatch) -> Result<()> {
        self.inner.log_commit(batch).await
    }
    async fn log_tiles(&self, paths: &[String]) -> Result<Vec<Option<StoredTile>>> {
        self.tiles.fetch_add(1, Ordering::SeqCst);
        self.inner.log_tiles(paths).await
    }
    async fn log_publish(&self, cp: &PublishedCheckpoint) -> Result<bool> {
        self.inner.log_publish(cp).await
    }
    async fn log_checkpoint(&self) -> Result<Option<PublishedCheckpoint>> {
        self.checkpoints.fetch_add(1, Ordering::SeqCst);
        self.inner.log_checkpoint().await
    }
    async fn log_index(&self, id: &EnvelopeId) -> Result<Option<u64>> {
        self.indexes.fetch_add(1, Ordering::SeqCst);
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

forward_store!(Counting);

/// A second handle on the same data directory and database with its own
/// sequencer and caches, as a CLI process next to `serve` has.
fn process(node: &Node, store: Arc<dyn Store>) -> Node {
    Node::with_backends(
        node.data_dir().clone(),
        node.config().clone(),
        store,
        node.blobs().clone(),
    )
    .unwrap()
}

/// Appends `n` synthetic leaves concurrently; returns `(index, id)`.
async fn append(node: &Node, n: usize) -> Vec<(u64, EnvelopeId)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let node = node.clone();
        set.spawn(async move {
            let id = random_id();
            (node.log_append_synthetic(&id).await.unwrap(), id)
        });
    }
    let mut out = Vec::with_capacity(n);
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out.sort();
    out
}

/// The reference: every leaf ever appended, in index order.
#[derive(Default)]
struct Reference {
    leaves: BTreeMap<u64, EnvelopeId>,
    tree: MemoryTree,
}

impl Reference {
    fn add(&mut self, appended: Vec<(u64, EnvelopeId)>) {
        for (i, id) in appended {
            assert!(self.leaves.insert(i, id).is_none(), "index {i} given twice");
        }
        // Grow the tree over every index now contiguous from its end.
        while let Some(id) = self.leaves.get(&self.tree.size()) {
            self.tree.push(leaf_hash(&leaf_data(id)));
        }
    }

    /// Checks a proof of `index`: its checkpoint verifies with the log key
    /// and has `size`, and the path is byte for byte the reference's and
    /// verifies against the reference root (RFC 9162 §2.1.3.2).
    fn check(&self, node: &Node, proof: &TlogProof, index: u64, size: u64) {
        assert_eq!(proof.index, index);
        let (cp, _) = Checkpoint::open(&proof.checkpoint, &[node.log_vkey()]).unwrap();
        assert_eq!(cp.size, size, "proof of {index} against the wrong size");
        assert_eq!(cp.root, self.tree.root_at(size).unwrap(), "size {size}");
        let want = self.tree.inclusion_proof(index, size).unwrap();
        assert_eq!(proof.proof, want, "index {index} size {size}");
        let leaf = leaf_hash(&leaf_data(&self.leaves[&index]));
        verify_inclusion(index, size, &leaf, &proof.proof, &cp.root).unwrap();
        proof
            .verify(&leaf, Some(node.log_origin()), &[node.log_vkey()])
            .unwrap();
    }
}

/// Indexes worth proving in a tree of `size`: some of the `fresh` ones,
/// the ends, tile boundaries at every level, and a spread.
fn probes(size: u64, fresh: &[(u64, EnvelopeId)]) -> Vec<u64> {
    let step = (fresh.len() / 16).max(1);
    let mut out: Vec<u64> = fresh.iter().step_by(step).map(|(i, _)| *i).collect();
    out.extend(fresh.last().map(|(i, _)| *i));
    for b in [0u64, 1, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537] {
        out.push(b);
    }
    for k in 1..4 {
        out.push(size - k.min(size));
        out.push(size * k / 4);
    }
    out.retain(|i| *i < size);
    out.sort_unstable();
    out.dedup();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proofs_from_memory_are_the_reference_proofs_as_the_log_grows() {
    let tmp = tempfile::tempdir().unwrap();
    let base = bare_node(&tmp.path().join("n"), |c| c.log_batch_entries = 1000).await;
    let counting = Arc::new(Counting::new(base.store().clone()));
    let node = process(&base, counting.clone());
    let mut reference = Reference::default();
    // Steps that end on, just before and just after tile boundaries of
    // levels 0, 1 and 2, and batches wider than the sequencer's (1000).
    let steps = [
        1usize, 1, 3, 250, 1, 256, 1, 510, 2, 3000, 60_000, 1709, 1, 1, 64,
    ];
    for (round, n) in steps.into_iter().enumerate() {
        let fresh = append(&node, n).await;
        reference.add(fresh.clone());
        let size = reference.tree.size();
        // What a receiver does: prove the leaves just appended, with no
        // store read at all when they came in one batch.
        let before = counting.reads();
        for (i, _) in fresh.iter().take(64) {
            let p = node.log_prove_index(*i).await.unwrap();
            reference.check(&node, &p, *i, size);
        }
        if n <= 64 {
            assert_eq!(counting.reads(), before, "round {round}: store reads");
        }
        // Older leaves too; their tiles are read once and kept.
        for i in probes(size, &fresh) {
            let p = node.log_prove_index(i).await.unwrap();
            reference.check(&node, &p, i, size);
        }
        let before = counting.reads();
        for i in probes(size, &fresh) {
            node.log_prove_index(i).await.unwrap();
        }
        assert_eq!(counting.reads(), before, "round {round}: proved twice");
        // A process with nothing in memory (tiles and checkpoint from the
        // store) gives the same bytes, checkpoint included.
        let cold = process(&base, base.store().clone());
        for i in [0, size / 2, size - 1] {
            let warm = node.log_prove_index(i).await.unwrap();
            assert_eq!(cold.log_prove_index(i).await.unwrap(), warm, "{i}");
        }
        assert_eq!(
            node.log_prove_index(size).await.unwrap_err().kind,
            countersign_node::NodeErrorKind::NotFound
        );
    }
    // Consistency proofs go through the same cache.
    let size = reference.tree.size();
    for old in [1, 255, 256, 65_536, size - 1] {
        let proof = node.log_consistency(old, size).await.unwrap();
        countersign_tlog::merkle::verify_consistency(
            old,
            size,
            &proof,
            &reference.tree.root_at(old).unwrap(),
            &reference.tree.root_at(size).unwrap(),
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_cached_at_one_size_serve_later_sizes_right_when_another_process_appends() {
    let tmp = tempfile::tempdir().unwrap();
    let a = bare_node(&tmp.path().join("n"), |_| {}).await;
    let b = process(&a, a.store().clone());
    let mut reference = Reference::default();
    for round in 0..6 {
        // A appends: its cache holds the partial tiles at this width.
        let mine = append(&a, 100 + round * 37).await;
        reference.add(mine.clone());
        let a_size = reference.tree.size();
        for (i, _) in &mine {
            let p = a.log_prove_index(*i).await.unwrap();
            reference.check(&a, &p, *i, a_size);
        }
        // B appends behind A's back: the partial tiles A holds grow in
        // the store, and A's edge is stale (its next commit conflicts).
        let theirs = append(&b, 150 + round * 11).await;
        reference.add(theirs.clone());
        let size = reference.tree.size();
        // A still proves its own leaves against the checkpoint it knows...
        for (i, _) in mine.iter().step_by(7) {
            let p = a.log_prove_index(*i).await.unwrap();
            reference.check(&a, &p, *i, a_size);
        }
        // ...and B's leaves, which it does not cover, against the store's
        // newer checkpoint, from the grown tiles.
        for (i, _) in theirs.iter().step_by(5) {
            let p = a.log_prove_index(*i).await.unwrap();
            reference.check(&a, &p, *i, size);
        }
    }
    // A's next batch conflicts, reloads and commits after B's leaves: the
    // tiles it computed from its stale edge never reach its cache.
    let last = append(&a, 300).await;
    assert!(last.iter().all(|(i, _)| *i >= reference.tree.size()));
    reference.add(last.clone());
    let size = reference.tree.size();
    for i in probes(size, &last) {
        let p = a.log_prove_index(i).await.unwrap();
        reference.check(&a, &p, i, size);
    }
}

/// A `Wait` that reaches the sequencer after its envelope was integrated
/// (a receiver's task that stored an envelope and was slow to ask) is
/// answered from memory, with the index the store has.
#[tokio::test]
async fn a_wait_after_its_envelope_was_integrated_reads_no_index() {
    let tmp = tempfile::tempdir().unwrap();
    let base = bare_node(&tmp.path().join("n"), |_| {}).await;
    let counting = Arc::new(Counting::new(base.store().clone()));
    let node = process(&base, counting.clone());
    append(&node, 3).await;
    let key = node.signer(&pid("cert-a")).unwrap();
    let env = countersign_core::envelope::Envelope {
        v: 1,
        kind: countersign_core::envelope::EnvelopeType::Reply,
        from: pid("cert-a"),
        to: vec![pid("cert-b")],
        created: countersign_node::now(),
        refs: vec![],
        tlp: countersign_core::tlp::Tlp::Clear,
        body: serde_json::json!({"text": "x"}),
        attachments: vec![],
    }
    .sign(&key)
    .unwrap();
    node.store()
        .insert_envelope(&NewEnvelope {
            envelope: env.clone(),
            direction: Direction::Received,
            stored: countersign_node::now(),
            notification: None,
        })
        .await
        .unwrap();
    // Integrated by a sync (as by another waiter's round) before anyone
    // waits for it.
    assert_eq!(node.log_sync().await.unwrap().size, 4);
    let before = counting.reads();
    assert_eq!(node.log_wait(&env.id()).await.unwrap(), 3);
    assert_eq!(counting.reads()[2], before[2], "log_index reads");
    assert_eq!(node.store().log_index(&env.id()).await.unwrap(), Some(3));
    // Its receipt proof then costs no read either.
    let before = counting.reads();
    let p = node.log_prove_index(3).await.unwrap();
    p.verify(&leaf_hash(&leaf_data(&env.id())), None, &[node.log_vkey()])
        .unwrap();
    assert_eq!(counting.reads(), before);
}
