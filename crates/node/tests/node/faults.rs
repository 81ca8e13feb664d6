//! Storage that fails on purpose (in the style of Sunlight's test
//! backends): a failed notify leaves no envelope and no new blob.

use super::fixtures::*;
use async_trait::async_trait;
use countersign_core::access::Role;
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::time::Timestamp;
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

/// A store whose envelope insert fails.
struct FailingInsert {
    inner: Arc<dyn Store>,
}

super::fixtures::forward_log_store!(FailingInsert);

#[async_trait]
impl Store for FailingInsert {
    async fn put_party(&self, party: &StoredParty, replace: bool) -> Result<()> {
        self.inner.put_party(party, replace).await
    }
    async fn get_party(&self, id: &PartyId) -> Result<Option<StoredParty>> {
        self.inner.get_party(id).await
    }
    async fn list_parties(&self) -> Result<Vec<StoredParty>> {
        self.inner.list_parties().await
    }
    async fn insert_envelope(&self, _: &NewEnvelope) -> Result<()> {
        Err(StoreError::backend("injected database failure"))
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
        h: &Sha256Hex,
        now: Timestamp,
    ) -> Result<Option<(User, TokenKind)>> {
        self.inner.user_for_token(h, now).await
    }
    async fn delete_token(&self, h: &Sha256Hex) -> Result<()> {
        self.inner.delete_token(h).await
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
        Arc::new(FailingInsert {
            inner: base.store().clone(),
        }),
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
