//! What federation needs from storage (docs/federation.md): the outbox
//! (`deliveries`, one row per sent envelope of a deliverable type and
//! recipient, queued by the backend in the transaction that stores the
//! envelope) and the receipts that acknowledge envelopes, per party;
//! cosignatures of this node's checkpoints; and the reachability of each
//! peer party from signed ping and pong (not logged: see `PingStats`).

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

/// Reachability of one peer party, from this node's signed pings to it
/// (answered by a verified pong) and its pings to this node. Kept as one
/// row per party, updated in place: pings are not stored as envelopes nor
/// logged (docs/federation.md, "Communication checks").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingStats {
    pub party: PartyId,
    /// Unix microseconds of the last ping sent to the party.
    pub last_attempt_us: Option<i64>,
    /// Unix microseconds of the last verified pong.
    pub last_success_us: Option<i64>,
    /// Round-trip time of the last verified pong, in milliseconds.
    pub last_rtt_ms: Option<u64>,
    /// Failures since the last success.
    pub consecutive_failures: u64,
    pub successes: u64,
    pub failures: u64,
    /// Why the last failed ping failed (kept after a later success).
    pub last_error: Option<String>,
    /// Unix microseconds of the last verified ping received from the party.
    pub last_pinged_us: Option<i64>,
}

/// What one ping to a party came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingOutcome {
    /// A pong signed by the party and referring to the ping came back.
    Success { rtt_ms: u64 },
    /// No valid pong: the reason.
    Failure { error: String },
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
    /// `receipts` row, in one transaction. Idempotent. `NotFound`
    /// (nothing written) if `envelope` is not stored here.
    async fn delivery_done(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        receipt: &NewEnvelope,
        now_us: i64,
    ) -> Result<()>;
    /// Stores a receipt this node signed for `party` on receiving
    /// `envelope`: the receipt envelope and its `receipts` row together.
    /// `Duplicate` (nothing written) if that party has a receipt for it;
    /// `NotFound` (nothing written) if `envelope` is not stored here.
    async fn insert_receipt(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
        receipt: &NewEnvelope,
    ) -> Result<()>;
    /// The receipts of an envelope: (party, receipt id), by party.
    async fn receipts(&self, envelope: &EnvelopeId) -> Result<Vec<(PartyId, EnvelopeId)>>;
    /// Envelopes of `kind` (`reply` or `rating`, the kinds whose
    /// references are indexed; any other is `BadRequest`) whose first
    /// reference is `envelope`, oldest first.
    async fn referring(&self, envelope: &EnvelopeId, kind: &str) -> Result<Vec<StoredEnvelope>>;
    /// Keeps a cosignature (a second one of the same witness and size
    /// replaces the first).
    async fn put_cosignature(&self, cosignature: &Cosignature) -> Result<()>;
    /// Cosignatures, newest size first; of one witness if given.
    async fn cosignatures(&self, witness: Option<&str>) -> Result<Vec<Cosignature>>;
    /// Records one ping to `party` sent at `at_us` and its outcome.
    async fn record_ping(&self, party: &PartyId, at_us: i64, outcome: &PingOutcome) -> Result<()>;
    /// Records a verified ping received from `party` at `at_us`.
    async fn record_pinged(&self, party: &PartyId, at_us: i64) -> Result<()>;
    /// Ping statistics, by party; of one party if given.
    async fn ping_stats(&self, party: Option<&PartyId>) -> Result<Vec<PingStats>>;
    /// The stored envelopes of `ids` that exist, in one read (the outbox
    /// worker loads a round's envelopes at once). Order is unspecified.
    async fn envelopes(&self, ids: &[EnvelopeId]) -> Result<Vec<StoredEnvelope>>;
}
