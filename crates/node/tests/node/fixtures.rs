//! Test nodes and notifications.

use async_trait::async_trait;
use countersign_core::access::Role;
use countersign_core::ids::EnvelopeId;
use countersign_core::ids::PartyId;
use countersign_core::notification::{Notification, Severity};
use countersign_core::party::PartyKind;
use countersign_core::taxonomy::Category;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::datadir::{DataDir, NodeConfig};
use countersign_node::log::leaf_data;
use countersign_node::notify::NotifyRequest;
use countersign_node::{InitOptions, Node, now};
use countersign_store::*;
use countersign_tlog::merkle::{MemoryTree, leaf_hash, root_at, verify_consistency};
use countersign_tlog::tile::{
    Bundle, Tile, TileHashReader, decode_bundle_for, read_tile, tiles_for_size,
};
use countersign_tlog::{Checkpoint, VerifierKey};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn pid(s: &str) -> PartyId {
    PartyId::parse(s).unwrap()
}

/// A node hosting cert-a, cert-b and cert-c, with an analyst and a viewer
/// user per party (password "correct horse battery").
pub async fn node(tmp: &tempfile::TempDir) -> Node {
    let (node, _) = Node::init(
        DataDir::new(tmp.path().join("node")),
        InitOptions {
            party: pid("cert-a"),
            name: "A".into(),
            kind: PartyKind::NationalCert,
            country: None,
            listen: "127.0.0.1:0".into(),
            endpoint: None,
        },
    )
    .await
    .unwrap();
    for p in ["cert-b", "cert-c"] {
        node.add_local_party(&pid(p), p, PartyKind::NationalCert, None, None)
            .await
            .unwrap();
    }
    for p in ["cert-a", "cert-b", "cert-c"] {
        node.create_user(
            &format!("analyst@{p}"),
            &pid(p),
            Role::Analyst,
            "correct horse battery",
        )
        .await
        .unwrap();
        node.create_user(
            &format!("viewer@{p}"),
            &pid(p),
            Role::Viewer,
            "correct horse battery",
        )
        .await
        .unwrap();
    }
    node
}

pub fn user(party: &str, role: Role) -> Viewer {
    Viewer::User {
        username: format!("{role}@{party}"),
        party: pid(party),
        role,
    }
}

pub fn request(from: &str, to: &str, tlp: Tlp, title: &str) -> NotifyRequest {
    let start = now();
    NotifyRequest {
        from: pid(from),
        to: vec![pid(to)],
        tlp,
        refs: vec![],
        notification: Notification {
            title: title.into(),
            summary: String::new(),
            category: Category::parse("information-gathering/scanner").unwrap(),
            sectors: vec![],
            observed: None,
            origin: Default::default(),
            targets: Default::default(),
            requested_actions: vec![],
            severity: Severity::Low,
            ack_by: start.plus_hours(24),
            reply_by: start.plus_hours(72),
            evidence: None,
        },
        attachments: vec![],
        fill_deadlines: Default::default(),
    }
}

/// A store that fails on purpose, in the style of Sunlight's test
/// backends: writes number `from .. from + count` (counting from 1) fail,
/// either without persisting or after persisting (`persist`). The writes
/// counted are envelope inserts, log batch commits and checkpoint
/// publications, or envelope inserts only (`inserts_only`).
pub struct Flaky {
    inner: Arc<dyn Store>,
    from: usize,
    count: usize,
    persist: bool,
    pub writes: AtomicUsize,
    inserts_only: bool,
}

impl Flaky {
    pub fn new(inner: Arc<dyn Store>, from: usize, count: usize, persist: bool) -> Self {
        Flaky {
            inner,
            from,
            count,
            persist,
            writes: AtomicUsize::new(0),
            inserts_only: false,
        }
    }

    /// Every envelope insert fails and persists nothing; the log's own
    /// writes go through.
    pub fn inserts_only(inner: Arc<dyn Store>) -> Self {
        Flaky {
            inserts_only: true,
            ..Flaky::new(inner, 1, usize::MAX, false)
        }
    }

    fn log_write_fails(&self) -> bool {
        !self.inserts_only && self.fails()
    }

    fn fails(&self) -> bool {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        n >= self.from && n < self.from.saturating_add(self.count)
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
        if self.log_write_fails() {
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
        if self.log_write_fails() {
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

/// A node on a fresh data directory at `root`, hosting cert-a and cert-b,
/// without users (no password hashing: fast enough to make hundreds).
/// `tune` adjusts the configuration (the log's batching) first.
pub async fn bare_node(root: &std::path::Path, tune: impl FnOnce(&mut NodeConfig)) -> Node {
    std::fs::create_dir_all(root).unwrap();
    let dir = DataDir::new(root);
    let mut config = NodeConfig::new(pid("cert-a"), "127.0.0.1:0");
    tune(&mut config);
    dir.write_config(&config).unwrap();
    let node = Node::open(dir).await.unwrap();
    for p in ["cert-a", "cert-b"] {
        node.add_local_party(&pid(p), p, PartyKind::NationalCert, None, None)
            .await
            .unwrap();
    }
    node
}

/// A random envelope id, for synthetic log leaves.
pub fn random_id() -> EnvelopeId {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    EnvelopeId::from_bytes(b)
}

/// Everything a checked log showed.
pub struct LogView {
    pub checkpoint: Checkpoint,
    /// Every entry, read from the entry bundles.
    pub entries: Vec<Vec<u8>>,
}

/// Re-reads the node's whole log through its public surface, the way an
/// auditor would (tlog-tiles): the checkpoint must verify with `vkey`; the
/// entry bundles give the leaves, whose tree must have the checkpoint's
/// root; every hash tile must hold exactly that tree's hashes; every
/// acknowledged `(index, id)` must be there; and the checkpoint must be
/// consistent with `previous` (RFC 9162 §2.1.4.2, with a proof from the
/// node). Panics with a description otherwise.
pub async fn audit(
    node: &Node,
    vkey: &VerifierKey,
    acked: &std::collections::BTreeMap<u64, EnvelopeId>,
    previous: Option<&Checkpoint>,
) -> LogView {
    let text = node.log_checkpoint().await.unwrap();
    let (cp, _) = Checkpoint::open(&text, std::slice::from_ref(vkey))
        .unwrap_or_else(|e| panic!("checkpoint does not verify: {e}\n{text}"));
    assert_eq!(cp.origin, node.log_origin());
    let size = cp.size;
    let mut entries = Vec::new();
    for index in 0..=(size >> 8) {
        let Some(b) = Bundle::at_size(index, size) else {
            continue;
        };
        let data = node
            .log_tile(&b.path())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("bundle {} missing at size {size}", b.path()));
        entries.extend(decode_bundle_for(&b, &data).unwrap());
    }
    assert_eq!(entries.len() as u64, size);
    let hashes: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    let tree = MemoryTree::from_leaf_hashes(&hashes);
    assert_eq!(
        tree.root(),
        cp.root,
        "entries do not hash to the checkpoint root at size {size}"
    );
    let mut tiles = std::collections::BTreeMap::new();
    for t in tiles_for_size(size) {
        let data = node
            .log_tile(&t.path())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("tile {} missing at size {size}", t.path()));
        assert_eq!(data, read_tile(&t, &tree).unwrap(), "tile {}", t.path());
        tiles.insert(t, data);
    }
    let reader = TileHashReader {
        size,
        read_tile: |t: &Tile| {
            tiles
                .get(t)
                .cloned()
                .ok_or_else(|| format!("no tile {}", t.path()))
        },
    };
    assert_eq!(root_at(size, &reader).unwrap(), cp.root);
    for (i, id) in acked {
        let entry = entries
            .get(*i as usize)
            .unwrap_or_else(|| panic!("acknowledged index {i} is beyond size {size}"));
        assert_eq!(
            entry,
            &leaf_data(id),
            "entry {i} is not the acknowledged leaf"
        );
    }
    if let Some(prev) = previous {
        assert!(
            prev.size <= size,
            "the log shrank from {} to {size}",
            prev.size
        );
        let proof = node.log_consistency(prev.size, size).await.unwrap();
        if prev.size == size {
            assert_eq!(prev.root, cp.root, "two roots at size {size}");
        } else if prev.size > 0 {
            verify_consistency(prev.size, size, &proof, &prev.root, &cp.root)
                .unwrap_or_else(|e| panic!("{} -> {size} inconsistent: {e}", prev.size));
        }
    }
    LogView {
        checkpoint: cp,
        entries,
    }
}

/// Implements `Store` for a wrapper struct with an `inner: Arc<dyn Store>`
/// field by forwarding every call, for wrappers that only change
/// `LogStore` methods.
macro_rules! forward_store {
    ($t:ty) => {
        #[async_trait::async_trait]
        impl countersign_store::Store for $t {
            async fn put_party(
                &self,
                party: &countersign_store::StoredParty,
                replace: bool,
            ) -> countersign_store::Result<()> {
                self.inner.put_party(party, replace).await
            }
            async fn get_party(
                &self,
                id: &countersign_core::ids::PartyId,
            ) -> countersign_store::Result<Option<countersign_store::StoredParty>> {
                self.inner.get_party(id).await
            }
            async fn list_parties(
                &self,
            ) -> countersign_store::Result<Vec<countersign_store::StoredParty>> {
                self.inner.list_parties().await
            }
            async fn insert_envelope(
                &self,
                e: &countersign_store::NewEnvelope,
            ) -> countersign_store::Result<()> {
                self.inner.insert_envelope(e).await
            }
            async fn get_envelope(
                &self,
                id: &countersign_core::ids::EnvelopeId,
            ) -> countersign_store::Result<Option<countersign_store::StoredEnvelope>> {
                self.inner.get_envelope(id).await
            }
            async fn list_notifications(
                &self,
                f: &countersign_store::NotificationFilter,
                p: &countersign_store::PageRequest,
            ) -> countersign_store::Result<
                countersign_store::Page<countersign_store::NotificationRow>,
            > {
                self.inner.list_notifications(f, p).await
            }
            async fn get_notification(
                &self,
                id: &countersign_core::ids::EnvelopeId,
            ) -> countersign_store::Result<Option<countersign_store::NotificationRow>> {
                self.inner.get_notification(id).await
            }
            async fn create_user(
                &self,
                user: &countersign_store::NewUser,
            ) -> countersign_store::Result<countersign_store::User> {
                self.inner.create_user(user).await
            }
            async fn get_user_by_name(
                &self,
                username: &str,
            ) -> countersign_store::Result<Option<countersign_store::User>> {
                self.inner.get_user_by_name(username).await
            }
            async fn list_users(&self) -> countersign_store::Result<Vec<countersign_store::User>> {
                self.inner.list_users().await
            }
            async fn create_token(
                &self,
                token: &countersign_store::NewToken,
            ) -> countersign_store::Result<()> {
                self.inner.create_token(token).await
            }
            async fn user_for_token(
                &self,
                h: &countersign_core::ids::Sha256Hex,
                now: countersign_core::time::Timestamp,
            ) -> countersign_store::Result<
                Option<(countersign_store::User, countersign_store::TokenKind)>,
            > {
                self.inner.user_for_token(h, now).await
            }
            async fn delete_token(
                &self,
                h: &countersign_core::ids::Sha256Hex,
            ) -> countersign_store::Result<()> {
                self.inner.delete_token(h).await
            }
        }
    };
}
pub(crate) use forward_store;
