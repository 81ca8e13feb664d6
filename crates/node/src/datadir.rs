//! The data directory: configuration, private keys, database and blobs.
//!
//! ```text
//! DIR/countersign.json   configuration (NodeConfig)
//! DIR/keys/<party>.key   private keys of hosted parties, mode 0600
//! DIR/log.key            the log's private note key (name = log origin), mode 0600
//! DIR/witness.key        the witness's private cosigning key, mode 0600
//! DIR/countersign.db     the SQLite database (default backend)
//! DIR/blobs/             attachments by SHA-256
//! ```

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

use countersign_core::ids::PartyId;
use countersign_tlog::{CosignerKey, SignerKey};

use crate::error::{NodeError, Result};

pub const CONFIG_FILE: &str = "countersign.json";
const KEYS_DIR: &str = "keys";
const LOG_KEY_FILE: &str = "log.key";
const WITNESS_KEY_FILE: &str = "witness.key";
/// Most entries the log integrates in one batch, unless configured.
pub const DEFAULT_LOG_BATCH_ENTRIES: usize = 4096;
/// How long the log waits to fill a batch, unless configured.
pub const DEFAULT_LOG_BATCH_MS: u64 = 10;
/// Attachments above this size are refused unless configured otherwise.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 64 * 1024 * 1024;

/// What `countersign.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// The party this node speaks for by default.
    pub default_party: PartyId,
    /// Address `serve` listens on.
    pub listen: String,
    /// Database URL; the scheme chooses the backend (`sqlite:` for now).
    pub database: String,
    #[serde(default = "default_max_attachment")]
    pub max_attachment_bytes: u64,
    /// The origin line of this node's log, also its key's name. Empty in a
    /// configuration written before the log existed: then
    /// `countersign/<default_party>` (see [`NodeConfig::log_origin`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub log_origin: String,
    /// Most entries the log integrates in one batch (one transaction).
    #[serde(default = "default_log_batch_entries")]
    pub log_batch_entries: usize,
    /// How long, in milliseconds, the log waits to fill a batch.
    #[serde(default = "default_log_batch_ms")]
    pub log_batch_ms: u64,
    /// Seconds after an envelope's creation at which a delivery that has
    /// not succeeded is given up (`failed`, with the last reason).
    #[serde(default = "default_delivery_timeout")]
    pub delivery_timeout_s: u64,
    /// Deliver to `http://` endpoints that are not loopback. Off: plain
    /// HTTP is for loopback (tests, demos) only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_insecure_http: bool,
    /// PEM files of certificate authorities trusted for peers' `https://`
    /// endpoints, besides the web PKI roots: a federation whose nodes hold
    /// certificates from a private or national CA names it here. A
    /// relative path is relative to the data directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peer_ca: Vec<String>,
    /// Seconds between the communication checks `serve` makes (a signed
    /// ping to every peer party with an endpoint), jittered ±50%; the first
    /// after one interval. 0 turns them off.
    #[serde(default = "default_ping_interval")]
    pub ping_interval_s: u64,
    /// Default reply deadlines (NIS2 rhythm, protected sectors, per party
    /// pair): see `countersign_core::deadline`.
    #[serde(default)]
    pub deadlines: countersign_core::deadline::DeadlinePolicy,
}

/// Peers are pinged every 15 minutes unless configured.
pub const DEFAULT_PING_INTERVAL_S: u64 = 15 * 60;

fn default_ping_interval() -> u64 {
    DEFAULT_PING_INTERVAL_S
}

/// Deliveries are given up after a week unless configured.
pub const DEFAULT_DELIVERY_TIMEOUT_S: u64 = 7 * 24 * 3600;

fn default_delivery_timeout() -> u64 {
    DEFAULT_DELIVERY_TIMEOUT_S
}

fn default_max_attachment() -> u64 {
    DEFAULT_MAX_ATTACHMENT_BYTES
}

fn default_log_batch_entries() -> usize {
    DEFAULT_LOG_BATCH_ENTRIES
}

fn default_log_batch_ms() -> u64 {
    DEFAULT_LOG_BATCH_MS
}

impl NodeConfig {
    /// A configuration with the defaults for everything but the party and
    /// the listening address.
    pub fn new(default_party: PartyId, listen: impl Into<String>) -> Self {
        NodeConfig {
            log_origin: default_log_origin(&default_party),
            default_party,
            listen: listen.into(),
            database: "sqlite:countersign.db".to_owned(),
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            log_batch_entries: DEFAULT_LOG_BATCH_ENTRIES,
            log_batch_ms: DEFAULT_LOG_BATCH_MS,
            delivery_timeout_s: DEFAULT_DELIVERY_TIMEOUT_S,
            allow_insecure_http: false,
            peer_ca: Vec::new(),
            ping_interval_s: DEFAULT_PING_INTERVAL_S,
            deadlines: Default::default(),
        }
    }

    /// The log's origin: as configured, else `countersign/<default_party>`.
    pub fn log_origin(&self) -> String {
        if self.log_origin.is_empty() {
            default_log_origin(&self.default_party)
        } else {
            self.log_origin.clone()
        }
    }
}

/// The origin a new node's log gets: `countersign/<party>`.
pub fn default_log_origin(party: &PartyId) -> String {
    format!("countersign/{party}")
}

/// An opened data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    /// The configured `peer_ca` files, relative ones resolved against
    /// this directory.
    pub fn peer_ca_paths(&self, config: &NodeConfig) -> Vec<PathBuf> {
        config.peer_ca.iter().map(|p| self.root.join(p)).collect()
    }

    pub fn blobs_path(&self) -> PathBuf {
        self.root.join("blobs")
    }

    pub fn is_initialised(&self) -> bool {
        self.config_path().exists()
    }

    pub fn read_config(&self) -> Result<NodeConfig> {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            NodeError::not_found(format!(
                "{} is not a countersign data directory ({}: {e}); run `countersign init` first",
                self.root.display(),
                path.display()
            ))
        })?;
        let config: NodeConfig = serde_json::from_str(&text)
            .map_err(|e| NodeError::invalid(format!("{} is malformed: {e}", path.display())))?;
        config
            .deadlines
            .check()
            .map_err(|e| NodeError::invalid(format!("{}: {e}", path.display())))?;
        Ok(config)
    }

    pub fn write_config(&self, config: &NodeConfig) -> Result<()> {
        let text =
            serde_json::to_string_pretty(config).map_err(|e| NodeError::internal(e.to_string()))?;
        write_atomic(&self.config_path(), text.as_bytes(), false)
    }

    fn key_path(&self, party: &PartyId) -> PathBuf {
        self.root.join(KEYS_DIR).join(format!("{party}.key"))
    }

    /// Writes a new private key; refuses to overwrite one.
    pub fn write_key(&self, key: &SignerKey) -> Result<()> {
        let party = PartyId::parse(key.name())?;
        let path = self.key_path(&party);
        if path.exists() {
            return Err(NodeError::new(
                crate::NodeErrorKind::Duplicate,
                format!("a key for {party} exists already at {}", path.display()),
            ));
        }
        write_atomic(
            &path,
            format!("{}\n", key.to_private_string()).as_bytes(),
            true,
        )
    }

    /// Removes a key written by a command that then failed.
    pub fn remove_key(&self, party: &PartyId) {
        let _ = std::fs::remove_file(self.key_path(party));
    }

    pub fn log_key_path(&self) -> PathBuf {
        self.root.join(LOG_KEY_FILE)
    }

    pub fn witness_key_path(&self) -> PathBuf {
        self.root.join(WITNESS_KEY_FILE)
    }

    /// The log's key, created (named `origin`) if the file does not exist.
    /// An existing key must be named `origin`: the key name is the origin
    /// line of every checkpoint the log signs.
    pub fn log_key(&self, origin: &str) -> Result<SignerKey> {
        let path = self.log_key_path();
        let key = match read_key_file(&path)? {
            Some(text) => SignerKey::parse(&text).map_err(|e| {
                NodeError::internal(format!("bad log key in {}: {e}", path.display()))
            })?,
            None => {
                let key = SignerKey::generate(origin).map_err(|e| {
                    NodeError::invalid(format!("cannot create a log key named {origin:?}: {e}"))
                })?;
                write_atomic(
                    &path,
                    format!("{}\n", key.to_private_string()).as_bytes(),
                    true,
                )?;
                key
            }
        };
        if key.name() != origin {
            return Err(NodeError::invalid(format!(
                "the log key in {} is named {:?}, but the log origin is {origin:?}",
                path.display(),
                key.name()
            )));
        }
        Ok(key)
    }

    /// The witness's cosigning key, created (named `name`) if missing.
    pub fn witness_key(&self, name: &str) -> Result<CosignerKey> {
        let path = self.witness_key_path();
        match read_key_file(&path)? {
            Some(text) => CosignerKey::parse(&text).map_err(|e| {
                NodeError::internal(format!("bad witness key in {}: {e}", path.display()))
            }),
            None => {
                let key = CosignerKey::generate(name).map_err(|e| {
                    NodeError::invalid(format!("cannot create a witness key named {name:?}: {e}"))
                })?;
                write_atomic(
                    &path,
                    format!("{}\n", key.to_private_string()).as_bytes(),
                    true,
                )?;
                Ok(key)
            }
        }
    }

    /// The private keys of all hosted parties.
    pub fn read_keys(&self) -> Result<Vec<SignerKey>> {
        let dir = self.root.join(KEYS_DIR);
        let mut keys = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(keys),
            Err(e) => return Err(e.into()),
        };
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "key") {
                let text = std::fs::read_to_string(&path)?;
                let key = SignerKey::parse(text.trim()).map_err(|e| {
                    NodeError::internal(format!("bad private key in {}: {e}", path.display()))
                })?;
                keys.push(key);
            }
        }
        keys.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(keys)
    }
}

/// The trimmed text of a key file, `None` if it does not exist.
fn read_key_file(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(NodeError::internal(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes a file so that it either has the new content or does not exist:
/// temp file, fsync, rename, fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| NodeError::internal(format!("{} has no parent", path.display())))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
