//! countersign node services: what a node does, independent of how it is
//! asked (CLI, REST, web UI).
//!
//! Main type: [`Node`], opened from a [`datadir::DataDir`], which holds the
//! store, the blob store and the private keys of the parties this node
//! hosts. Its services: parties and signed directory entries
//! ([`parties`]), notifications with evidence and attachments
//! ([`notify`]), the transparency log of every envelope stored ([`log`]:
//! checkpoints, tiles, proofs), witnessing peers' logs ([`witness`]),
//! users, tokens and sessions ([`auth`]), who may see what
//! ([`access`], TLP as access control), and the TAXII 2.1 collections of
//! evidence ([`taxii`]).
//!
//! This crate knows nothing of HTTP or of JSON wire shapes; it reaches
//! storage only through the `countersign-store` traits, and picks the
//! backend from the database URL in the configuration.

pub mod access;
pub mod auth;
pub mod cosign;
pub mod datadir;
pub mod deliver;
mod error;
pub mod federation;
pub mod log;
pub mod notify;
pub mod obligations;
pub mod parties;
pub mod reply;
pub mod taxii;
pub mod witness;

pub use error::{NodeError, NodeErrorKind, Result};

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use countersign_core::access::Role;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::party::{Party, PartyKey, PartyKind};
use countersign_core::time::Timestamp;
use countersign_store::{BlobStore, Store, StoredParty};
use countersign_store_sqlite::{FsBlobStore, SqliteStore};
use countersign_tlog::{CosignerKey, SignerKey};

use datadir::{DataDir, NodeConfig};

/// A running node's state. Cheap to clone.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

/// A peer log's checkpoint as the witness state knows it: origin, size,
/// root.
type PeerCheckpoint = (String, u64, [u8; 32]);

struct Inner {
    dir: DataDir,
    config: NodeConfig,
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    /// Private keys of hosted parties; grows when a party is added.
    keys: RwLock<BTreeMap<PartyId, SignerKey>>,
    /// The log's sequencer handle.
    log: log::Log,
    /// The key this node cosigns peers' checkpoints with.
    witness: CosignerKey,
    /// How deliveries reach other nodes (set by the binary; none in a
    /// process that only delivers locally).
    transport: RwLock<Option<Arc<dyn deliver::Transport>>>,
    /// Wakes the delivery worker when something is queued.
    deliver_wake: tokio::sync::Notify,
    /// Deliveries (envelope, recipient) a round of this process is
    /// attempting, so that a round started while another is still
    /// recording its receipts does not attempt them again (deliver.rs).
    in_flight: std::sync::Mutex<std::collections::HashSet<(EnvelopeId, PartyId)>>,
    /// Peers' checkpoints (origin, size, root) already found consistent
    /// with this node's view of their logs, so the many receipts that share
    /// a checkpoint are checked once.
    seen_checkpoints: std::sync::Mutex<std::collections::HashSet<PeerCheckpoint>>,
    /// Parties found in the directory. Entries are never removed from a
    /// directory, so once found a party stays there: `notify` checks its
    /// recipients here before asking the store.
    known_parties: std::sync::Mutex<std::collections::HashSet<PartyId>>,
    /// Per peer log origin, held while a checkpoint of it not seen before
    /// is checked, so that the many receipts of one batch, which carry the
    /// same new checkpoint, check it once instead of all at once; one
    /// peer's slow tiles never hold up another's receipts.
    observing: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Peer checkpoints whose check failed lately, with when and why: the
    /// receipts waiting on the same check get its answer instead of
    /// repeating it (a peer whose tiles time out would otherwise cost one
    /// timeout per waiting receipt).
    failed_checkpoints: std::sync::Mutex<
        std::collections::HashMap<PeerCheckpoint, (std::time::Instant, NodeError)>,
    >,
    /// Signed checkpoint notes already verified, by the SHA-256 of the log
    /// key and the note's exact text: the receipts of one batch carry the
    /// same note, so its signature is checked once (deliver.rs).
    verified_notes:
        std::sync::Mutex<std::collections::HashMap<[u8; 32], countersign_tlog::Checkpoint>>,
}

/// What `countersign init` is told.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub party: PartyId,
    pub name: String,
    pub kind: PartyKind,
    pub country: Option<countersign_core::country::Country>,
    pub listen: String,
    pub endpoint: Option<String>,
}

/// What `init` created that the operator must be told once.
#[derive(Debug, Clone)]
pub struct InitReport {
    pub admin_username: String,
    pub admin_password: String,
    pub vkey: String,
}

impl Node {
    /// Creates a new data directory with a key, configuration, database,
    /// the hosted party's directory entry and an admin user.
    pub async fn init(dir: DataDir, options: InitOptions) -> Result<(Node, InitReport)> {
        if dir.is_initialised() {
            return Err(NodeError::new(
                NodeErrorKind::Duplicate,
                format!(
                    "{} is already a countersign data directory",
                    dir.root().display()
                ),
            ));
        }
        std::fs::create_dir_all(dir.root())?;
        let config = NodeConfig::new(options.party.clone(), options.listen.clone());
        // The configuration is written last: until it exists the directory
        // is not initialised, so a failed init can simply be run again.
        let node = Node::open_with(dir.clone(), config.clone()).await?;
        let vkey = node
            .add_local_party(
                &options.party,
                &options.name,
                options.kind,
                options.country,
                options.endpoint.clone(),
            )
            .await?;
        let admin_password = auth::random_secret(12);
        let admin_username = format!("admin@{}", options.party);
        node.create_user(
            &admin_username,
            &options.party,
            Role::Admin,
            &admin_password,
        )
        .await?;
        dir.write_config(&config)?;
        Ok((
            node,
            InitReport {
                admin_username,
                admin_password,
                vkey,
            },
        ))
    }

    /// Opens an initialised data directory.
    pub async fn open(dir: DataDir) -> Result<Node> {
        let config = dir.read_config()?;
        Node::open_with(dir, config).await
    }

    async fn open_with(dir: DataDir, config: NodeConfig) -> Result<Node> {
        let store = open_store(&dir, &config.database)?;
        let blobs = Arc::new(FsBlobStore::open(
            &dir.blobs_path(),
            config.max_attachment_bytes,
        )?);
        // A missing log key is made anew only for a log that never
        // published: otherwise the key that signed its checkpoints is lost
        // and must be restored, not replaced.
        if !dir.log_key_path().exists() && store.log_checkpoint().await?.is_some() {
            return Err(NodeError::internal(format!(
                "{} is missing, but this node's log has published checkpoints signed with it; \
                 restore the file from a backup",
                dir.log_key_path().display()
            )));
        }
        let node = Node::with_backends(dir, config, store, blobs)?;
        // Integrate what earlier runs queued and publish a checkpoint of
        // it, so a short-lived CLI process leaves the log complete.
        node.log_sync().await?;
        Ok(node)
    }

    /// A node over given backends: how tests inject failing storage, and
    /// how other backends will be plugged in. Reads (or creates) the log
    /// and witness keys and starts the log's sequencer on the current
    /// tokio runtime, so it must be called inside one; unlike
    /// [`Node::open`] it does not wait for the log to load (the first log
    /// call does).
    pub fn with_backends(
        dir: DataDir,
        config: NodeConfig,
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
    ) -> Result<Node> {
        let keys = RwLock::new(
            dir.read_keys()?
                .into_iter()
                .filter_map(|k| PartyId::parse(k.name()).ok().map(|id| (id, k)))
                .collect(),
        );
        let origin = config.log_origin();
        let log_key = dir.log_key(&origin)?;
        let witness = dir.witness_key(&format!("{origin}/witness"))?;
        let log = log::Log::start(
            Arc::clone(&store),
            log_key,
            log::LogOptions {
                max_batch: config.log_batch_entries,
                max_delay: std::time::Duration::from_millis(config.log_batch_ms),
            },
        )?;
        Ok(Node {
            inner: Arc::new(Inner {
                dir,
                config,
                store,
                blobs,
                keys,
                log,
                witness,
                transport: RwLock::new(None),
                deliver_wake: tokio::sync::Notify::new(),
                in_flight: Default::default(),
                seen_checkpoints: Default::default(),
                observing: Default::default(),
                failed_checkpoints: Default::default(),
                known_parties: Default::default(),
                verified_notes: Default::default(),
            }),
        })
    }

    pub fn config(&self) -> &NodeConfig {
        &self.inner.config
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.inner.dir
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.inner.blobs
    }

    /// The private key of a hosted party.
    pub fn signer(&self, party: &PartyId) -> Result<SignerKey> {
        self.keys().get(party).cloned().ok_or_else(|| {
            NodeError::invalid(format!(
                "party {party} is not hosted by this node (no private key); hosted: {}",
                self.hosted_parties()
                    .iter()
                    .map(PartyId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    pub fn hosted_parties(&self) -> Vec<PartyId> {
        self.keys().keys().cloned().collect()
    }

    fn keys(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<PartyId, SignerKey>> {
        // A poisoned lock only means another thread panicked while adding a
        // key; the map itself is still consistent.
        self.inner.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a key and a directory entry for a party this node will host.
    /// Returns the verifier key. Used by `init` and to host several
    /// parties on one node (the demo does).
    pub async fn add_local_party(
        &self,
        id: &PartyId,
        name: &str,
        kind: PartyKind,
        country: Option<countersign_core::country::Country>,
        endpoint: Option<String>,
    ) -> Result<String> {
        if self.inner.store.get_party(id).await?.is_some() {
            return Err(NodeError::new(
                NodeErrorKind::Duplicate,
                format!("party {id} exists already"),
            ));
        }
        let key = SignerKey::generate(id.as_str())
            .map_err(|e| NodeError::internal(format!("cannot create key: {e}")))?;
        let vkey = key.verifier_key().to_string();
        let now = now();
        let party = Party {
            id: id.clone(),
            name: name.to_owned(),
            country,
            kind,
            keys: vec![PartyKey {
                vkey: vkey.clone(),
                valid_from: now,
                valid_until: None,
            }],
            endpoint,
            contacts: vec![],
            constituency: Default::default(),
            sectors: vec![],
            log_vkey: Some(self.log_vkey().to_string()),
            witness_vkey: Some(self.witness_vkey().to_string()),
        };
        party.validate()?;
        self.inner.dir.write_key(&key)?;
        let stored = StoredParty {
            party,
            local: true,
            signed_entry: None,
            updated: now,
        };
        if let Err(e) = self.inner.store.put_party(&stored, false).await {
            // Nothing half-written: a key without its directory entry goes too.
            self.inner.dir.remove_key(id);
            return Err(e.into());
        }
        self.inner
            .keys
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), key);
        Ok(vkey)
    }
}

/// Opens the backend the database URL names.
pub fn open_store(dir: &DataDir, url: &str) -> Result<Arc<dyn Store>> {
    match url.split_once(':') {
        Some(("sqlite", path)) => {
            let path = dir.root().join(path.trim_start_matches("//"));
            Ok(Arc::new(SqliteStore::open(&path)?))
        }
        _ => Err(NodeError::invalid(format!(
            "database URL {url:?} names no backend this build has; use sqlite:FILE"
        ))),
    }
}

/// The current time, in the canonical precision.
pub fn now() -> Timestamp {
    Timestamp::from_datetime(chrono::Utc::now())
}
