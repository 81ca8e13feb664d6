//! What a countersign node needs from storage, independent of the backend.
//!
//! Main types: the [`Store`] trait (parties, envelopes and their
//! notification index, users and tokens, and through its supertrait
//! [`LogStore`] the node's transparency log and witness state) and the
//! [`BlobStore`] trait (attachments addressed by SHA-256), with the records
//! they exchange, and the [`TaxiiStore`] trait (TAXII 2.1 collections,
//! object versions and status resources), which a backend offers through
//! [`Store::taxii`], and the
//! [`FederationStore`] trait (the outbox and receipts), offered through
//! [`Store::federation`], and the [`ObligationStore`] trait (bulk reads
//! for lifecycles and scorecards), offered through [`Store::obligations`].
//! Backends live in their own crates with their own migrations
//! (`countersign-store-sqlite` now, PostgreSQL later) and are chosen from
//! the database URL at start; this crate holds no SQL and does no IO.
//!
//! Contract every backend keeps: each method is atomic (it fully happens or
//! not at all), and a failed call leaves the store as it was.

mod federation;
mod log;
mod obligations;
mod records;
mod taxii;

pub use federation::*;
pub use log::*;
pub use obligations::*;
pub use records::*;
pub use taxii::*;

use async_trait::async_trait;
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};

/// What went wrong in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The thing to insert exists already (same id or name).
    Duplicate,
    /// The thing referred to does not exist.
    NotFound,
    /// The data is larger than the store accepts.
    TooLarge,
    /// A cursor or filter the backend cannot read.
    BadRequest,
    /// Stored data failed to parse or verify: a bug or tampering.
    Corrupt,
    /// The backend failed (IO, database).
    Backend,
    /// A conditional write found another state than the one it expected
    /// (the log or a witness record moved on): re-read and try again.
    Conflict,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub kind: StoreErrorKind,
    pub message: String,
}

impl StoreError {
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            message: message.into(),
        }
    }

    pub fn backend(message: impl std::fmt::Display) -> Self {
        Self::new(StoreErrorKind::Backend, message.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The node's database. Its log part is the supertrait [`LogStore`], so a
/// backend is one object and an envelope and its queued log leaf are
/// written in one transaction.
#[async_trait]
pub trait Store: LogStore {
    /// Inserts a party, or replaces it when `replace` is set. Without
    /// `replace`, an existing id is a `Duplicate` error.
    async fn put_party(&self, party: &StoredParty, replace: bool) -> Result<()>;
    async fn get_party(&self, id: &PartyId) -> Result<Option<StoredParty>>;
    /// All parties, by id.
    async fn list_parties(&self) -> Result<Vec<StoredParty>>;

    /// Stores an envelope, for notifications its index row, and queues it
    /// for a log leaf ([`LogStore::log_pending`]), in one transaction. An
    /// existing id is a `Duplicate` error.
    async fn insert_envelope(&self, envelope: &NewEnvelope) -> Result<()>;
    async fn get_envelope(&self, id: &EnvelopeId) -> Result<Option<StoredEnvelope>>;
    /// Notifications matching `filter`, newest first, one page at a time.
    async fn list_notifications(
        &self,
        filter: &NotificationFilter,
        page: &PageRequest,
    ) -> Result<Page<NotificationRow>>;
    async fn get_notification(&self, id: &EnvelopeId) -> Result<Option<NotificationRow>>;

    async fn create_user(&self, user: &NewUser) -> Result<User>;
    async fn get_user_by_name(&self, username: &str) -> Result<Option<User>>;
    async fn list_users(&self) -> Result<Vec<User>>;

    /// Stores a token by the SHA-256 of its secret; the secret itself is never stored.
    async fn create_token(&self, token: &NewToken) -> Result<()>;
    /// The user a live (unexpired) token belongs to, if any.
    async fn user_for_token(
        &self,
        token_hash: &Sha256Hex,
        now: countersign_core::time::Timestamp,
    ) -> Result<Option<(User, TokenKind)>>;
    async fn delete_token(&self, token_hash: &Sha256Hex) -> Result<()>;

    /// The backend's TAXII storage. Provided as `None` so that wrappers
    /// (the fault-injecting stores of the tests) need not implement it;
    /// a node over a store without it answers TAXII requests with an
    /// internal error. Every real backend returns `Some`.
    fn taxii(&self) -> Option<&dyn TaxiiStore> {
        None
    }

    /// The backend's outbox and receipts (federation). `None` by default
    /// for the same reason as [`Store::taxii`]; every real backend returns
    /// `Some`.
    fn federation(&self) -> Option<&dyn FederationStore> {
        None
    }

    /// The backend's bulk reads for reply obligations. `None` by default
    /// (the node then reads per notification); every real backend
    /// returns `Some`.
    fn obligations(&self) -> Option<&dyn ObligationStore> {
        None
    }
}

/// Attachment bytes, addressed by their SHA-256.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores the bytes durably and returns their digest. Storing the same
    /// bytes twice is not an error. Larger than [`BlobStore::max_size`]:
    /// `TooLarge`, nothing written.
    async fn put(&self, bytes: &[u8]) -> Result<Sha256Hex>;
    async fn get(&self, sha256: &Sha256Hex) -> Result<Option<Vec<u8>>>;
    async fn has(&self, sha256: &Sha256Hex) -> Result<bool>;
    /// Removes a blob; used to undo a put whose command failed later.
    async fn remove(&self, sha256: &Sha256Hex) -> Result<()>;
    fn max_size(&self) -> u64;
}
