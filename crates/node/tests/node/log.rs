//! The node's log: every stored envelope gets a leaf; proofs, tiles and
//! checkpoints verify; batching gives the tree sequential appends give;
//! restarts and a second process on the same database only ever extend it.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use super::fixtures::*;
use async_trait::async_trait;
use countersign_core::access::Role;
use countersign_core::ids::{EnvelopeId, Sha256Hex};
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::datadir::DataDir;
use countersign_node::log::{leaf_data, leaf_id};
use countersign_node::{Node, NodeErrorKind};
use countersign_store::*;
use countersign_tlog::merkle::{MemoryTree, leaf_hash, verify_consistency};
use countersign_tlog::{Checkpoint, TlogProof};
use proptest::prelude::*;

/// Polls the futures in order, so requests reach the sequencer in order.
async fn join_in_order<T>(mut futs: Vec<Pin<Box<dyn Future<Output = T> + Send + '_>>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|v| v.unwrap()).collect()
}

async fn append_all(node: &Node, ids: &[EnvelopeId]) -> Vec<u64> {
    let futs = ids
        .iter()
        .map(|id| {
            Box::pin(async move { node.log_append_synthetic(id).await.unwrap() })
                as Pin<Box<dyn Future<Output = u64> + Send + '_>>
        })
        .collect();
    join_in_order(futs).await
}

#[tokio::test]
async fn notify_returns_the_index_and_the_proof_verifies_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let vkey = node.log_vkey();
    assert_eq!(node.log_origin(), "countersign/cert-a");
    assert_eq!(vkey.name(), "countersign/cert-a");
    // An empty log has a signed checkpoint of size 0 from the start.
    let (cp0, _) = Checkpoint::open(
        &node.log_checkpoint().await.unwrap(),
        std::slice::from_ref(&vkey),
    )
    .unwrap();
    assert_eq!(cp0.size, 0);

    let mut ids = Vec::new();
    for i in 0..5 {
        let d = node
            .notify(
                &user("cert-a", Role::Analyst),
                request("cert-a", "cert-b", Tlp::Green, &format!("n{i}")),
            )
            .await
            .unwrap();
        assert_eq!(d.log_index, Some(i));
        ids.push(d.envelope.id());
    }
    for (i, id) in ids.iter().enumerate() {
        let shown = node.get_notification(&Viewer::Operator, id).await.unwrap();
        assert_eq!(shown.log_index, Some(i as u64));
        let proof = node.log_prove(id).await.unwrap();
        assert_eq!(proof.index, i as u64);
        // Through the file form, with nothing but the log's public key.
        let back = TlogProof::parse(&proof.to_text()).unwrap();
        let (cp, _) = back
            .verify(
                &leaf_hash(&leaf_data(id)),
                Some(node.log_origin()),
                std::slice::from_ref(&vkey),
            )
            .unwrap();
        assert_eq!(cp.size, 5);
        // What a receipt carries verifies as one (core's check).
        let receipt = countersign_core::receipt::Receipt {
            received: *id,
            received_at: countersign_node::now(),
            proof: proof.to_text(),
        };
        let checked = receipt
            .verify_proof(id, Some(node.log_origin()), &vkey)
            .unwrap();
        assert_eq!(checked.index, i as u64);
        // Not for another envelope.
        let other = ids[(i + 1) % ids.len()];
        assert!(
            back.verify(
                &leaf_hash(&leaf_data(&other)),
                None,
                std::slice::from_ref(&vkey)
            )
            .is_err()
        );
    }
    let unknown = random_id();
    assert_eq!(
        node.log_prove(&unknown).await.unwrap_err().kind,
        NodeErrorKind::NotFound
    );
    let view = audit(
        &node,
        &vkey,
        &ids.iter()
            .copied()
            .enumerate()
            .map(|(i, id)| (i as u64, id))
            .collect(),
        Some(&cp0),
    )
    .await;
    assert_eq!(
        view.entries
            .iter()
            .map(|e| leaf_id(e).unwrap())
            .collect::<Vec<_>>(),
        ids
    );
}

#[tokio::test]
async fn tiles_are_served_by_path_full_and_partial() {
    let tmp = tempfile::tempdir().unwrap();
    let node = bare_node(&tmp.path().join("n"), |c| c.log_batch_entries = 300).await;
    let ids: Vec<_> = (0..700).map(|_| random_id()).collect();
    let idx = append_all(&node, &ids).await;
    assert_eq!(idx, (0..700).collect::<Vec<u64>>());
    let leaves: Vec<_> = ids.iter().map(|id| leaf_hash(&leaf_data(id))).collect();
    let tree = MemoryTree::from_leaf_hashes(&leaves);
    // Full tiles, the current partial tile, and older partial widths (a
    // prefix of what the tile holds now).
    let full = node.log_tile("tile/0/001").await.unwrap().unwrap();
    assert_eq!(full.len(), 256 * 32);
    assert_eq!(&full[..32], &tree.leaf_hash(256).unwrap());
    let partial = node.log_tile("tile/0/002.p/188").await.unwrap().unwrap();
    assert_eq!(partial.len(), 188 * 32);
    let older = node.log_tile("tile/0/001.p/7").await.unwrap().unwrap();
    assert_eq!(older, full[..7 * 32]);
    let level1 = node.log_tile("tile/1/000.p/2").await.unwrap().unwrap();
    assert_eq!(
        &level1[32..],
        &tree
            .stored(countersign_tlog::merkle::Subtree { level: 8, index: 1 })
            .unwrap()
    );
    let bundle = node
        .log_tile("tile/entries/000.p/3")
        .await
        .unwrap()
        .unwrap();
    let entries = countersign_tlog::tile::decode_bundle(&bundle).unwrap();
    assert_eq!(entries, ids[..3].iter().map(leaf_data).collect::<Vec<_>>());
    // Beyond the tree, or wider than stored: nothing.
    for missing in [
        "tile/0/002",
        "tile/0/003.p/1",
        "tile/0/002.p/189",
        "tile/1/000",
        "tile/2/000.p/1",
        "tile/entries/003.p/1",
    ] {
        assert_eq!(node.log_tile(missing).await.unwrap(), None, "{missing}");
    }
    // Not tile paths at all.
    for bad in [
        "",
        "tile/0/1",
        "tile/0/002.p/0",
        "tile/x/000",
        "checkpoint",
        "tile/0/002.p/256",
        "tile/entries/x000/001",
    ] {
        assert_eq!(
            node.log_tile(bad).await.unwrap_err().kind,
            NodeErrorKind::Invalid,
            "{bad:?}"
        );
    }
    // Consistency proofs between any two sizes verify.
    for (a, b) in [(1, 700), (256, 700), (300, 699), (699, 700), (5, 5)] {
        let proof = node.log_consistency(a, b).await.unwrap();
        if a < b {
            verify_consistency(
                a,
                b,
                &proof,
                &tree.root_at(a).unwrap(),
                &tree.root_at(b).unwrap(),
            )
            .unwrap();
        } else {
            assert!(proof.is_empty());
        }
    }
    assert_eq!(
        node.log_consistency(3, 2).await.unwrap_err().kind,
        NodeErrorKind::Invalid
    );
    assert_eq!(
        node.log_consistency(3, 701).await.unwrap_err().kind,
        NodeErrorKind::Invalid
    );
    // A proof by index.
    let p = node.log_prove_index(513).await.unwrap();
    p.verify(&leaves[513], None, &[node.log_vkey()]).unwrap();
    assert_eq!(
        node.log_prove_index(700).await.unwrap_err().kind,
        NodeErrorKind::NotFound
    );
}

#[tokio::test]
async fn restarts_and_a_second_process_only_extend_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("n");
    let node = bare_node(&root, |c| c.log_batch_entries = 16).await;
    let vkey = node.log_vkey();
    let mut acked = BTreeMap::new();
    let mut last: Option<Checkpoint> = None;
    let ids: Vec<_> = (0..40).map(|_| random_id()).collect();
    for (i, id) in append_all(&node, &ids).await.into_iter().zip(&ids) {
        acked.insert(i, *id);
    }
    drop(node);
    for round in 0..4u64 {
        // Two nodes on one database, as a server and a CLI command are.
        let a = Node::open(DataDir::new(&root)).await.unwrap();
        let b = Node::open(DataDir::new(&root)).await.unwrap();
        assert_eq!(a.log_vkey(), vkey, "the log key survives restarts");
        let ids_a: Vec<_> = (0..30).map(|_| random_id()).collect();
        let ids_b: Vec<_> = (0..30).map(|_| random_id()).collect();
        let (ia, ib) = tokio::join!(append_all(&a, &ids_a), append_all(&b, &ids_b));
        for (i, id) in ia.into_iter().zip(&ids_a).chain(ib.into_iter().zip(&ids_b)) {
            assert!(acked.insert(i, *id).is_none(), "index {i} given twice");
        }
        let view = audit(&a, &vkey, &acked, last.as_ref()).await;
        assert_eq!(view.checkpoint.size, 40 + 60 * (round + 1));
        last = Some(view.checkpoint);
    }
}

/// A store whose log state was rolled back behind its published
/// checkpoint (a restored backup of part of the data, or a bug).
struct RolledBack {
    inner: Arc<dyn Store>,
    state: LogState,
}

#[async_trait]
impl LogStore for RolledBack {
    async fn log_state(&self) -> Result<LogState> {
        Ok(self.state.clone())
    }
    async fn log_pending(&self, limit: usize) -> Result<Vec<EnvelopeId>> {
        self.inner.log_pending(limit).await
    }
    async fn log_commit(&self, batch: &LogBatch) -> Result<()> {
        self.inner.log_commit(batch).await
    }
    async fn log_tiles(&self, paths: &[String]) -> Result<Vec<Option<StoredTile>>> {
        self.inner.log_tiles(paths).await
    }
    async fn log_publish(&self, cp: &PublishedCheckpoint) -> Result<bool> {
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

forward_store!(RolledBack);

#[tokio::test]
async fn a_state_behind_the_published_checkpoint_is_refused_not_forked() {
    let tmp = tempfile::tempdir().unwrap();
    let node = bare_node(&tmp.path().join("n"), |_| {}).await;
    append_all(&node, &[random_id(), random_id()]).await;
    let early = node.store().log_state().await.unwrap();
    append_all(&node, &[random_id(), random_id(), random_id()]).await;
    let published = node.log_checkpoint().await.unwrap();
    let rolled = Node::with_backends(
        node.data_dir().clone(),
        node.config().clone(),
        Arc::new(RolledBack {
            inner: node.store().clone(),
            state: early,
        }),
        node.blobs().clone(),
    )
    .unwrap();
    let err = rolled.log_append_synthetic(&random_id()).await.unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::Internal);
    assert!(err.message.contains("ahead of the tree"), "{}", err.message);
    assert_eq!(
        rolled.log_sync().await.unwrap_err().kind,
        NodeErrorKind::Internal
    );
    // Nothing was signed or written.
    assert_eq!(node.log_checkpoint().await.unwrap(), published);
    assert_eq!(node.store().log_state().await.unwrap().size, 5);
}

#[tokio::test]
async fn a_log_key_that_did_not_sign_the_published_checkpoint_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("n");
    let node = bare_node(&root, |_| {}).await;
    append_all(&node, &[random_id()]).await;
    drop(node);
    // The key file is lost: no new one is made for a log that published.
    let saved = std::fs::read(root.join("log.key")).unwrap();
    std::fs::remove_file(root.join("log.key")).unwrap();
    let err = Node::open(DataDir::new(&root)).await.err().unwrap();
    assert!(err.message.contains("restore the file"), "{}", err.message);
    assert!(!root.join("log.key").exists());
    // Another key in its place: the log refuses to go on under a key its
    // published checkpoint was not signed with.
    let other = countersign_tlog::SignerKey::generate("countersign/cert-a").unwrap();
    std::fs::write(root.join("log.key"), other.to_private_string()).unwrap();
    let err = Node::open(DataDir::new(&root)).await.err().unwrap();
    assert!(
        err.message.contains("does not verify with the log key"),
        "{}",
        err.message
    );
    // The right key back: all is well.
    std::fs::write(root.join("log.key"), saved).unwrap();
    Node::open(DataDir::new(&root)).await.unwrap();
}

#[tokio::test]
async fn envelopes_stored_without_a_leaf_get_one_at_open() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("n");
    let node = bare_node(&root, |_| {}).await;
    // Stored straight into the database, as by a process that died before
    // its sequencer ran: the queue row was written with the envelope.
    let key = node.signer(&pid("cert-a")).unwrap();
    let env = countersign_core::envelope::Envelope {
        v: 1,
        kind: countersign_core::envelope::EnvelopeType::Reply,
        from: pid("cert-a"),
        to: vec![pid("cert-b")],
        created: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        refs: vec![],
        tlp: Tlp::Clear,
        body: serde_json::json!({"text": "x"}),
        attachments: vec![],
    }
    .sign(&key)
    .unwrap();
    node.store()
        .insert_envelope(&NewEnvelope {
            envelope: env.clone(),
            direction: Direction::Received,
            stored: Timestamp::parse("2026-01-01T00:00:01Z").unwrap(),
            notification: None,
        })
        .await
        .unwrap();
    assert_eq!(node.store().log_index(&env.id()).await.unwrap(), None);
    drop(node);
    let node = Node::open(DataDir::new(&root)).await.unwrap();
    assert_eq!(node.store().log_index(&env.id()).await.unwrap(), Some(0));
    assert!(node.store().log_pending(10).await.unwrap().is_empty());
    let proof = node.log_prove(&env.id()).await.unwrap();
    proof
        .verify(&leaf_hash(&leaf_data(&env.id())), None, &[node.log_vkey()])
        .unwrap();
}

#[tokio::test]
async fn the_published_checkpoint_is_watched() {
    let tmp = tempfile::tempdir().unwrap();
    let node = bare_node(&tmp.path().join("n"), |_| {}).await;
    let mut rx = node.log_watch();
    assert_eq!(rx.borrow_and_update().as_ref().map(|c| c.size), Some(0));
    append_all(&node, &[random_id(), random_id()]).await;
    rx.changed().await.unwrap();
    assert_eq!(rx.borrow().as_ref().map(|c| c.size), Some(2));
}

fn batching_case(
    max_batch: usize,
    delay_ms: u64,
    groups: Vec<(usize, u64)>,
) -> std::result::Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let tmp = tempfile::tempdir().unwrap();
        let node = bare_node(&tmp.path().join("n"), |c| {
            c.log_batch_entries = max_batch;
            c.log_batch_ms = delay_ms;
        })
        .await;
        let mut ids = Vec::new();
        let mut got = Vec::new();
        for (n, pause) in groups {
            let group: Vec<_> = (0..n).map(|_| random_id()).collect();
            got.extend(append_all(&node, &group).await);
            ids.extend(group);
            tokio::time::sleep(std::time::Duration::from_micros(pause * 300)).await;
        }
        // Indexes are the submission order, as sequential appends give.
        prop_assert_eq!(got, (0..ids.len() as u64).collect::<Vec<_>>());
        let sequential = MemoryTree::from_leaf_hashes(
            &ids.iter()
                .map(|id| leaf_hash(&leaf_data(id)))
                .collect::<Vec<_>>(),
        );
        let acked = ids
            .iter()
            .copied()
            .enumerate()
            .map(|(i, id)| (i as u64, id))
            .collect();
        let view = audit(&node, &node.log_vkey(), &acked, None).await;
        prop_assert_eq!(view.checkpoint.root, sequential.root());
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random batch sizes and timings give the tree that appending one leaf
    /// at a time gives, with the same tiles and bundles.
    #[test]
    fn batching_gives_the_sequential_tree(
        max_batch in 1usize..40,
        delay_ms in 0u64..3,
        groups in proptest::collection::vec((1usize..80, 0u64..4), 1..8),
    ) {
        batching_case(max_batch, delay_ms, groups)?;
    }
}

/// Envelope ids are hex SHA-256: a leaf names its envelope exactly.
#[test]
fn leaves_name_envelopes() {
    let id = Sha256Hex::digest(b"e");
    let data = leaf_data(&id);
    assert!(data.starts_with(b"countersign/leaf/v1\n"));
    assert_eq!(data.len(), 20 + 64 + 1);
    assert_eq!(leaf_id(&data), Some(id));
}

#[tokio::test]
async fn a_configuration_from_before_the_log_gets_a_log_and_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("old");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("countersign.json"),
        r#"{"default_party": "cert-a", "listen": "127.0.0.1:0", "database": "sqlite:countersign.db"}"#,
    )
    .unwrap();
    let node = Node::open(DataDir::new(&root)).await.unwrap();
    assert_eq!(node.log_origin(), "countersign/cert-a");
    assert_eq!(node.log_vkey().name(), "countersign/cert-a");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for key in ["log.key", "witness.key"] {
            let mode = std::fs::metadata(root.join(key))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{key}");
        }
    }
    // The same key on the next open.
    let vkey = node.log_vkey();
    drop(node);
    assert_eq!(
        Node::open(DataDir::new(&root)).await.unwrap().log_vkey(),
        vkey
    );
}
