//! Witnessing peers' logs (C2SP tlog-witness v1.0.0): the node cosigns a
//! checkpoint of a log it knows only if it is consistent with the latest
//! one it cosigned for that origin, and keeps any two validly signed
//! checkpoints of one origin that cannot both be true as split-view
//! evidence.
//!
//! The logs a node knows are those of the parties in its directory whose
//! entry names a log key ([`Party::log_vkey`]); the key's name is the
//! log's origin. The checks themselves are `countersign_tlog::witness::decide`,
//! a pure function; this module reads the witness state, decides, and
//! stores the accepted checkpoint with a conditional write
//! ([`LogStore::witness_update`](countersign_store::LogStore::witness_update)),
//! so check and store are one atomic step: a concurrent request that moved
//! the state makes the write fail, and the request is decided again
//! against the new state.
//!
//! [`Party::log_vkey`]: countersign_core::party::Party::log_vkey

use countersign_store::{SplitView, SplitViewKind, StoreErrorKind, WitnessedCheckpoint};
use countersign_tlog::VerifierKey;
use countersign_tlog::witness::{
    self, AddCheckpointRequest, KnownLog, SIZE_CONTENT_TYPE, WitnessRefusal,
};

use crate::error::{NodeError, Result};
use crate::{Node, now};

/// `Content-Type` of plain-text answers.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// How often a request is decided again after losing a race.
const ATTEMPTS: usize = 8;

/// A refused `add-checkpoint`, as the HTTP layer answers it: the status
/// tlog-witness v1.0.0 prescribes, the body and its content type (a `409`
/// for a stale old size carries the latest size as `text/x.tlog.size`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessError {
    pub status: u16,
    pub body: String,
    pub content_type: &'static str,
}

impl WitnessError {
    fn text(status: u16, message: impl std::fmt::Display) -> Self {
        WitnessError {
            status,
            body: format!("{message}\n"),
            content_type: TEXT_CONTENT_TYPE,
        }
    }

    fn refusal(r: &WitnessRefusal) -> Self {
        match r.latest_size() {
            Some(size) => WitnessError {
                status: r.status(),
                body: witness::size_body(size),
                content_type: SIZE_CONTENT_TYPE,
            },
            None => Self::text(r.status(), r),
        }
    }

    fn internal(e: &NodeError) -> Self {
        tracing::error!("witness: {e}");
        Self::text(500, "internal error")
    }
}

impl Node {
    /// The verifier key of this node's witness (cosignature type 0x04).
    pub fn witness_vkey(&self) -> VerifierKey {
        self.inner.witness.verifier_key()
    }

    /// The logs this node witnesses with `origin`: the log keys named
    /// `origin` in its directory.
    pub async fn witnessed_log(&self, origin: &str) -> Result<Option<KnownLog>> {
        let mut keys = Vec::new();
        for p in self.store().list_parties().await? {
            if let Some(k) = p.party.log_verifier()?
                && k.name() == origin
                && !keys.contains(&k)
            {
                keys.push(k);
            }
        }
        Ok((!keys.is_empty()).then(|| KnownLog::new(origin, keys)))
    }

    /// Handles a `POST /witness/add-checkpoint` body (tlog-witness v1.0.0
    /// §"add-checkpoint"): on success the cosignature lines to answer with
    /// (status 200), else the status, body and content type.
    pub async fn witness_add_checkpoint(
        &self,
        body: &str,
    ) -> std::result::Result<String, WitnessError> {
        let req = AddCheckpointRequest::parse(body)
            .map_err(|e| WitnessError::refusal(&WitnessRefusal::Malformed(e)))?;
        let origin = req.origin().unwrap_or_default().to_owned();
        let log = self
            .witnessed_log(&origin)
            .await
            .map_err(|e| WitnessError::internal(&e))?
            .ok_or_else(|| WitnessError::refusal(&WitnessRefusal::UnknownOrigin(origin.clone())))?;
        for _ in 0..ATTEMPTS {
            let held = self
                .store()
                .witness_latest(&origin)
                .await
                .map_err(|e| WitnessError::internal(&e.into()))?;
            let latest = held.as_ref().map(|h| (h.size, h.root));
            let cp = match witness::decide(&req, &log, latest) {
                Ok(cp) => cp,
                Err(refusal) => {
                    if refusal.is_possible_misbehaviour()
                        && let Some(held) = &held
                    {
                        self.record_split_view(held, &req, &refusal).await;
                    }
                    return Err(WitnessError::refusal(&refusal));
                }
            };
            if latest != Some((cp.size, cp.root)) {
                let new = WitnessedCheckpoint {
                    origin: origin.clone(),
                    size: cp.size,
                    root: cp.root,
                    checkpoint: req.checkpoint.clone(),
                    updated: now(),
                };
                match self.store().witness_update(latest, &new).await {
                    Ok(()) => {}
                    // Another request moved the state: decide again.
                    Err(e) if e.kind == StoreErrorKind::Conflict => continue,
                    Err(e) => return Err(WitnessError::internal(&e.into())),
                }
            }
            let time = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
            let sig = self
                .inner
                .witness
                .cosign(&cp.to_text(), time)
                .map_err(|e| WitnessError::internal(&NodeError::internal(e.to_string())))?;
            tracing::info!(origin = %origin, size = cp.size, "cosigned a checkpoint");
            return Ok(witness::cosignature_body(&[sig]));
        }
        Err(WitnessError::text(
            503,
            "the witness state is busy; try again",
        ))
    }

    async fn record_split_view(
        &self,
        held: &WitnessedCheckpoint,
        req: &AddCheckpointRequest,
        refusal: &WitnessRefusal,
    ) {
        let kind = match refusal {
            WitnessRefusal::RootConflict { .. } => SplitViewKind::SameSize,
            _ => SplitViewKind::BadConsistencyProof,
        };
        let view = SplitView {
            origin: held.origin.clone(),
            kind,
            held: held.checkpoint.clone(),
            conflicting: req.checkpoint.clone(),
            proof: req.proof.clone(),
            recorded: now(),
        };
        match self.store().add_split_view(&view).await {
            Ok(true) => tracing::warn!(
                origin = %view.origin,
                kind = kind.as_str(),
                "recorded split-view evidence: two signed checkpoints that cannot both be true"
            ),
            Ok(false) => {}
            Err(e) => tracing::error!("cannot record split-view evidence: {e}"),
        }
    }

    /// Every split view recorded, oldest first: pairs of validly signed
    /// checkpoints of one origin that cannot both be true.
    pub async fn split_views(&self) -> Result<Vec<SplitView>> {
        Ok(self.store().list_split_views().await?)
    }

    /// The latest checkpoint this node cosigned for `origin`.
    pub async fn witnessed_checkpoint(&self, origin: &str) -> Result<Option<WitnessedCheckpoint>> {
        Ok(self.store().witness_latest(origin).await?)
    }
}
