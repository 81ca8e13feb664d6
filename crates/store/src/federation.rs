//! What federation needs from storage (docs/federation.md): the outbox
//! (`deliveries`, one row per sent envelope of a deliverable type and
//! recipient, queued by the backend in the transaction that stores the
//! envelope) and the receipts that acknowledge envelopes, per party.

use async_trait::async_trait;
use countersign_core::ids::{EnvelopeId, PartyId};

use crate::{NewEnvelope, Result, StoredEnvelope};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Queued,
    /// A verified receipt is stored.
    Delivered,
    /// Given up: a permanent refusal, or `delivery_timeout` passed.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(DeliveryState::Queued),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// One envelope to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub envelope: EnvelopeId,
    pub party: PartyId,
    pub state: DeliveryState,
    pub attempts: u32,
    /// Unix microseconds; 0 means at once.
    pub next_attempt_us: i64,
    /// Unix seconds of the envelope's creation.
    pub created_s: i64,
    pub last_error: Option<String>,
    pub receipt: Option<EnvelopeId>,
    /// Unix microseconds of the last change (0 if never attempted).
    pub updated_us: i64,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub envelope: Option<EnvelopeId>,
    pub state: Option<DeliveryState>,
    pub limit: u32,
}

/// A peer witness's cosignature of one of this node's checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness key's name.
    pub witness: String,
    pub size: u64,
    /// The signed checkpoint note that was cosigned.
    pub checkpoint: String,
    /// The cosignature line (`— <name> <base64>`).
    pub line: String,
    /// The cosignature's own timestamp, Unix seconds.
    pub time: u64,
}

/// The outbox and receipts. Every method is atomic.
#[async_trait]
pub trait FederationStore: Send + Sync {
    /// Queued deliveries due at `now_us`, oldest due first, at most `limit`.
    async fn deliveries_due(&self, now_us: i64, limit: u32) -> Result<Vec<Delivery>>;
    async fn list_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>>;
    /// Records a failed attempt of a queued delivery: its attempt count,
    /// error and next attempt, or the `Failed` state when `give_up`. Does
    /// nothing to a delivery that is no longer queued.
    async fn delivery_attempted(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        error: &str,
        next_attempt_us: i64,
        give_up: bool,
        now_us: i64,
    ) -> Result<()>;
    /// Marks a delivery delivered with its receipt, storing the receipt
    /// envelope (unless stored already: a local receipt is) and its
    /// `receipts` row, in one transaction. Idempotent.
    async fn delivery_done(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        receipt: &NewEnvelope,
        now_us: i64,
    ) -> Result<()>;
    /// Stores a receipt this node signed for `party` on receiving
    /// `envelope`: the receipt envelope and its `receipts` row together.
    /// `Duplicate` (nothing written) if that party has a receipt for it.
    async fn insert_receipt(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        receipt: &NewEnvelope,
    ) -> Result<()>;
    /// The receipts of an envelope: (party, receipt id), by party.
    async fn receipts(&self, envelope: &EnvelopeId) -> Result<Vec<(PartyId, EnvelopeId)>>;
    /// Envelopes of `kind` (e.g. `reply`) whose first reference is
    /// `envelope`, oldest first.
    async fn referring(&self, envelope: &EnvelopeId, kind: &str) -> Result<Vec<StoredEnvelope>>;
    /// Keeps a cosignature (a second one of the same witness and size
    /// replaces the first).
    async fn put_cosignature(&self, cosignature: &Cosignature) -> Result<()>;
    /// Cosignatures, newest size first; of one witness if given.
    async fn cosignatures(&self, witness: Option<&str>) -> Result<Vec<Cosignature>>;
}
