//! Storage that fails on purpose (in the style of Sunlight's test
//! backends): a failed notify leaves no envelope and no new blob.

use super::fixtures::*;
use async_trait::async_trait;
use countersign_core::access::Role;
use countersign_core::ids::Sha256Hex;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::notify::AttachmentInput;
use countersign_node::{Node, NodeErrorKind};
use countersign_store::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A blob store that fails the n-th put, either before writing ("not
/// persisted") or after writing ("but persisted").
struct FlakyBlobs {
    inner: Arc<dyn BlobStore>,
    fail_at: usize,
    persist_anyway: bool,
    puts: AtomicUsize,
}

#[async_trait]
impl BlobStore for FlakyBlobs {
    async fn put(&self, bytes: &[u8]) -> Result<Sha256Hex> {
        let n = self.puts.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_at {
            if self.persist_anyway {
                self.inner.put(bytes).await?;
            }
            return Err(StoreError::backend("injected blob failure"));
        }
        self.inner.put(bytes).await
    }
    async fn get(&self, sha256: &Sha256Hex) -> Result<Option<Vec<u8>>> {
        self.inner.get(sha256).await
    }
    async fn has(&self, sha256: &Sha256Hex) -> Result<bool> {
        self.inner.has(sha256).await
    }
    async fn remove(&self, sha256: &Sha256Hex) -> Result<()> {
        self.inner.remove(sha256).await
    }
    fn max_size(&self) -> u64 {
        self.inner.max_size()
    }
}

fn three_attachments() -> Vec<AttachmentInput> {
    (0..3)
        .map(|i| AttachmentInput::Bytes {
            name: format!("log{i}.txt"),
            media_type: "text/plain".into(),
            bytes: format!("log line {i}\n").into_bytes(),
        })
        .collect()
}

async fn blob_count(node: &Node) -> usize {
    let mut n = 0;
    for i in 0..3 {
        if node
            .blobs()
            .has(&Sha256Hex::digest(format!("log line {i}\n").as_bytes()))
            .await
            .unwrap()
        {
            n += 1;
        }
    }
    n
}

async fn notification_count(node: &Node) -> usize {
    node.list_notifications(&Viewer::Operator, Default::default(), Default::default())
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn a_failing_blob_write_at_any_step_leaves_nothing() {
    for persist_anyway in [false, true] {
        for fail_at in 1..=3 {
            let tmp = tempfile::tempdir().unwrap();
            let base = node(&tmp).await;
            let node = Node::with_backends(
                base.data_dir().clone(),
                base.config().clone(),
                base.store().clone(),
                Arc::new(FlakyBlobs {
                    inner: base.blobs().clone(),
                    fail_at,
                    persist_anyway,
                    puts: AtomicUsize::new(0),
                }),
            )
            .unwrap();
            let mut req = request("cert-a", "cert-b", Tlp::Amber, "with logs");
            req.attachments = three_attachments();
            let err = node
                .notify(&user("cert-a", Role::Analyst), req.clone())
                .await
                .unwrap_err();
            assert_eq!(err.kind, NodeErrorKind::Internal, "fail_at {fail_at}");
            assert_eq!(notification_count(&node).await, 0, "fail_at {fail_at}");
            assert_eq!(
                blob_count(&node).await,
                0,
                "fail_at {fail_at}, persisted {persist_anyway}: blobs left behind"
            );
            // After the fault, the same command succeeds and stores everything.
            base.notify(&user("cert-a", Role::Analyst), req)
                .await
                .unwrap();
            assert_eq!(
                (notification_count(&base).await, blob_count(&base).await),
                (1, 3)
            );
        }
    }
}

#[tokio::test]
async fn a_failing_database_write_removes_the_new_blobs_but_not_old_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let base = node(&tmp).await;
    // One blob exists before: it belongs to an earlier notification and must stay.
    let mut first = request("cert-a", "cert-b", Tlp::Amber, "earlier");
    first.attachments = three_attachments()[..1].to_vec();
    base.notify(&user("cert-a", Role::Analyst), first)
        .await
        .unwrap();

    let node = Node::with_backends(
        base.data_dir().clone(),
        base.config().clone(),
        Arc::new(Flaky::inserts_only(base.store().clone())),
        base.blobs().clone(),
    )
    .unwrap();
    let mut req = request("cert-a", "cert-b", Tlp::Amber, "with logs");
    req.attachments = three_attachments();
    assert!(
        node.notify(&user("cert-a", Role::Analyst), req)
            .await
            .is_err()
    );
    assert_eq!(notification_count(&base).await, 1);
    assert_eq!(
        blob_count(&base).await,
        1,
        "the earlier blob was removed or the new ones kept"
    );
}
