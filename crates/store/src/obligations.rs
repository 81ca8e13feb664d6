//! What reply obligations need from storage (issue 5): everything logged
//! about the notifications of a time range — their receipts, failed
//! deliveries, replies and the ratings of those replies — in a few bulk
//! reads, so lifecycles and scorecards over months of traffic do not cost
//! several queries per notification. Offered through
//! [`crate::Store::obligations`], `None` by default like `taxii()`; the
//! node falls back to per-notification reads without it.

use async_trait::async_trait;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::time::Timestamp;

use crate::{Result, StoredEnvelope};

/// The envelopes about a set of notifications (see [`ObligationStore`]).
#[derive(Debug, Clone, Default)]
pub struct ObligationEnvelopes {
    /// The receipts of the notifications, as times: the envelopes
    /// themselves (with their proofs) are not read.
    pub receipts: Vec<ReceiptTimes>,
    /// (notification, recipient, Unix microseconds of the last change) of
    /// deliveries given up.
    pub failed: Vec<(EnvelopeId, PartyId, i64)>,
    /// Replies whose first reference is one of the notifications.
    pub replies: Vec<StoredEnvelope>,
    /// Ratings whose first reference is one of those replies.
    pub ratings: Vec<StoredEnvelope>,
}

/// What a lifecycle needs of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptTimes {
    pub notification: EnvelopeId,
    /// The recipient that countersigned it.
    pub party: PartyId,
    /// The receipt envelope's id.
    pub receipt: EnvelopeId,
    /// The `received_at` of its body, as signed; `None` if the body has
    /// none (not a well-formed receipt). Read from the stored JSON without
    /// re-hashing the envelope, as the notification rows are: the
    /// timeline, which reads receipts whole, is where a stored envelope is
    /// checked against its id.
    pub received_at: Option<Timestamp>,
    /// When this node stored the receipt.
    pub stored: Timestamp,
}

#[async_trait]
pub trait ObligationStore: Send + Sync {
    /// The envelopes about the notifications created from `since` until
    /// `until` (either open when `None`). The range may be widened to
    /// whole seconds: callers match the envelopes to the notifications
    /// they listed.
    async fn obligation_envelopes(
        &self,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<ObligationEnvelopes>;
}
