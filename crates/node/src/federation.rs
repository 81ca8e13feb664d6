//! Receiving envelopes from other nodes (docs/federation.md, "Delivery"):
//! strict checks, inline attachments verified by SHA-256 and size, then
//! the envelope is stored (direction `received`) and logged, and each
//! hosted recipient countersigns a **receipt** with a tlog-proof from this
//! node's log. A redelivered envelope gets the stored receipts back, byte
//! for byte; a `ping` gets a signed `pong`.
//!
//! Every check runs before anything is written, so a refused envelope
//! leaves no trace; blobs written by a call that then fails are removed.

use std::collections::BTreeMap;

use countersign_core::envelope::{ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::notification::Notification;
use countersign_core::receipt::Receipt;
use countersign_core::reply::{Rating, Reply};
use countersign_store::{Direction, FederationStore, NewEnvelope, StoreErrorKind};

use crate::error::{NodeError, NodeErrorKind, Result};
use crate::notify::notification_row;
use crate::{Node, now};

/// What a sender posts to `/v1/inbox`: the signed envelope and the bytes of
/// its attachments by SHA-256 (decoded by the HTTP layer).
#[derive(Debug, Clone)]
pub struct Inbound {
    pub envelope: SignedEnvelope,
    pub attachments: BTreeMap<Sha256Hex, Vec<u8>>,
}

/// The answer to an inbound envelope.
#[derive(Debug, Clone)]
pub enum InboundOutcome {
    /// One receipt per hosted recipient, in the order of `to`.
    Receipts(Vec<SignedEnvelope>),
    /// The answer to a ping.
    Pong(SignedEnvelope),
}

impl Node {
    pub(crate) fn federation_store(&self) -> Result<&dyn FederationStore> {
        self.store()
            .federation()
            .ok_or_else(|| NodeError::internal("this storage backend has no federation tables"))
    }

    /// Accepts an envelope from another node: see the module documentation.
    pub async fn receive(&self, inbound: Inbound) -> Result<InboundOutcome> {
        let signed = &inbound.envelope;
        let env = signed.envelope();
        let id = signed.id();
        if !matches!(
            env.kind,
            EnvelopeType::Notification
                | EnvelopeType::Reply
                | EnvelopeType::Rating
                | EnvelopeType::Ping
        ) {
            return Err(NodeError::invalid(format!(
                "a {} envelope is not delivered to an inbox (notification, reply, rating or ping)",
                env.kind
            )));
        }
        let sender = self.store().get_party(&env.from).await?.ok_or_else(|| {
            NodeError::new(
                NodeErrorKind::UnknownSender,
                format!(
                    "sender {} is not in this node's directory; the recipient must import its entry first",
                    env.from
                ),
            )
        })?;
        if sender.local {
            return Err(NodeError::invalid(format!(
                "sender {} is hosted by this node; its envelopes are not delivered from outside",
                env.from
            )));
        }
        signed.verify(&sender.party)?;
        let hosted: Vec<PartyId> = {
            let keys = self.hosted_parties();
            env.to
                .iter()
                .filter(|p| keys.contains(p))
                .cloned()
                .collect()
        };
        if hosted.is_empty() {
            return Err(NodeError::new(
                NodeErrorKind::NotRecipient,
                format!(
                    "no recipient of envelope {id} ({}) is hosted by this node",
                    env.to
                        .iter()
                        .map(PartyId::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let notification = match env.kind {
            EnvelopeType::Notification => Some(Notification::from_envelope(env)?),
            EnvelopeType::Reply => {
                let reply: Reply = serde_json::from_value(env.body.clone())
                    .map_err(|e| NodeError::invalid(format!("malformed reply: {e}")))?;
                reply.check()?;
                let Some(answered) = env.refs.first() else {
                    return Err(NodeError::invalid(
                        "a reply must refer to the notification it answers",
                    ));
                };
                // It answers a notification stored here, sent by a
                // recipient of the reply to its sender.
                let row = self.store().get_notification(answered).await?;
                if !row.is_some_and(|n| n.to.contains(&env.from) && env.to.contains(&n.from)) {
                    return Err(NodeError::invalid(format!(
                        "reply {id} answers {answered}, which is not a notification from a recipient of the reply to {}",
                        env.from
                    )));
                }
                None
            }
            EnvelopeType::Rating => {
                let rating: Rating = serde_json::from_value(env.body.clone())
                    .map_err(|e| NodeError::invalid(format!("malformed rating: {e}")))?;
                rating.check()?;
                None
            }
            _ => None,
        };
        if env.kind == EnvelopeType::Ping {
            if !env.attachments.is_empty() || !inbound.attachments.is_empty() {
                return Err(NodeError::invalid("a ping carries no attachments"));
            }
            return Ok(InboundOutcome::Pong(self.pong(signed, &hosted[0])?));
        }
        self.check_attachments(&inbound).await?;

        // Idempotent: what was received before is answered as before.
        let fed = self.federation_store()?;
        let held: BTreeMap<PartyId, EnvelopeId> = fed.receipts(&id).await?.into_iter().collect();
        if hosted.iter().all(|p| held.contains_key(p)) {
            return Ok(InboundOutcome::Receipts(
                self.load_receipts(&hosted, &held).await?,
            ));
        }

        let written = self.write_inbound_blobs(&inbound).await;
        let written = match written {
            Ok(w) => w,
            Err((e, w)) => {
                self.remove_blobs(&w).await;
                return Err(e);
            }
        };
        let received_at = now();
        let new = NewEnvelope {
            envelope: signed.clone(),
            direction: Direction::Received,
            stored: received_at,
            notification: notification
                .as_ref()
                .map(|n| notification_row(signed, n, Direction::Received)),
        };
        match self.store().insert_envelope(&new).await {
            Ok(()) => {
                tracing::info!(%id, from = %env.from, kind = %env.kind, "envelope received");
            }
            // An earlier attempt stored it and died before its receipts.
            Err(e) if e.kind == StoreErrorKind::Duplicate => {}
            Err(e) => {
                self.remove_blobs(&written).await;
                return Err(e.into());
            }
        }
        self.log_wait(&id).await?;
        let mut receipts = Vec::with_capacity(hosted.len());
        for party in &hosted {
            if let Some(r) = held.get(party) {
                receipts.push(self.load_envelope(r).await?);
                continue;
            }
            receipts.push(self.countersign(signed, party, received_at).await?);
        }
        Ok(InboundOutcome::Receipts(receipts))
    }

    /// Signs and stores `party`'s receipt for `received` (or returns the
    /// one stored by a concurrent call that won).
    pub(crate) async fn countersign(
        &self,
        received: &SignedEnvelope,
        party: &PartyId,
        received_at: countersign_core::time::Timestamp,
    ) -> Result<SignedEnvelope> {
        let id = received.id();
        let proof = self.log_prove(&id).await?;
        let body = Receipt {
            received: id,
            received_at,
            proof: proof.to_text(),
        };
        let receipt = Envelope {
            v: ENVELOPE_VERSION,
            kind: EnvelopeType::Receipt,
            from: party.clone(),
            to: vec![received.envelope().from.clone()],
            created: now(),
            refs: vec![id],
            tlp: received.envelope().tlp,
            body: serde_json::to_value(&body)
                .map_err(|e| NodeError::internal(format!("cannot serialise a receipt: {e}")))?,
            attachments: vec![],
        }
        .sign(&self.signer(party)?)?;
        let new = NewEnvelope {
            envelope: receipt.clone(),
            direction: Direction::Sent,
            stored: now(),
            notification: None,
        };
        match self
            .federation_store()?
            .insert_receipt(&id, party, &new)
            .await
        {
            Ok(()) => Ok(receipt),
            Err(e) if e.kind == StoreErrorKind::Duplicate => {
                let held: BTreeMap<PartyId, EnvelopeId> = self
                    .federation_store()?
                    .receipts(&id)
                    .await?
                    .into_iter()
                    .collect();
                match held.get(party) {
                    Some(r) => self.load_envelope(r).await,
                    None => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    fn pong(&self, ping: &SignedEnvelope, party: &PartyId) -> Result<SignedEnvelope> {
        Ok(Envelope {
            v: ENVELOPE_VERSION,
            kind: EnvelopeType::Pong,
            from: party.clone(),
            to: vec![ping.envelope().from.clone()],
            created: now(),
            refs: vec![ping.id()],
            tlp: ping.envelope().tlp,
            body: serde_json::json!({}),
            attachments: vec![],
        }
        .sign(&self.signer(party)?)?)
    }

    /// Every listed attachment must come with bytes of its SHA-256 and
    /// size, or be in the blob store already; nothing unlisted may come.
    async fn check_attachments(&self, inbound: &Inbound) -> Result<()> {
        let listed = &inbound.envelope.envelope().attachments;
        for sha in inbound.attachments.keys() {
            if !listed.iter().any(|a| a.sha256 == *sha) {
                return Err(NodeError::new(
                    NodeErrorKind::AttachmentMismatch,
                    format!("attachment {sha} was sent but the envelope does not list it"),
                ));
            }
        }
        let max = self.blobs().max_size();
        for a in listed {
            if a.size > max {
                return Err(NodeError::new(
                    NodeErrorKind::TooLarge,
                    format!(
                        "attachment {} is {} bytes; this node accepts at most {max}",
                        a.sha256, a.size
                    ),
                ));
            }
            let mismatch = |what: String| {
                NodeError::new(
                    NodeErrorKind::AttachmentMismatch,
                    format!("attachment {} ({}): {what}", a.sha256, a.name),
                )
            };
            match inbound.attachments.get(&a.sha256) {
                Some(bytes) => {
                    if bytes.len() as u64 != a.size {
                        return Err(mismatch(format!(
                            "{} bytes were sent, the envelope says {}",
                            bytes.len(),
                            a.size
                        )));
                    }
                    if Sha256Hex::digest(bytes) != a.sha256 {
                        return Err(mismatch("the bytes sent have another SHA-256".into()));
                    }
                }
                None => match self.blobs().get(&a.sha256).await? {
                    Some(bytes) if bytes.len() as u64 == a.size => {}
                    Some(_) => return Err(mismatch("the stored bytes have another size".into())),
                    None => return Err(mismatch("its bytes were not sent".into())),
                },
            }
        }
        Ok(())
    }

    async fn write_inbound_blobs(
        &self,
        inbound: &Inbound,
    ) -> std::result::Result<Vec<Sha256Hex>, (NodeError, Vec<Sha256Hex>)> {
        let mut written = Vec::new();
        for (sha, bytes) in &inbound.attachments {
            match self.blobs().has(sha).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => return Err((e.into(), written)),
            }
            // Recorded before the write: a put that fails but persists is undone too.
            written.push(*sha);
            if let Err(e) = self.blobs().put(bytes).await {
                return Err((e.into(), written));
            }
        }
        Ok(written)
    }

    async fn remove_blobs(&self, written: &[Sha256Hex]) {
        for sha in written {
            let _ = self.blobs().remove(sha).await;
        }
    }

    pub(crate) async fn load_envelope(&self, id: &EnvelopeId) -> Result<SignedEnvelope> {
        Ok(self
            .store()
            .get_envelope(id)
            .await?
            .ok_or_else(|| NodeError::internal(format!("stored envelope {id} is missing")))?
            .envelope)
    }

    async fn load_receipts(
        &self,
        hosted: &[PartyId],
        held: &BTreeMap<PartyId, EnvelopeId>,
    ) -> Result<Vec<SignedEnvelope>> {
        let mut out = Vec::with_capacity(hosted.len());
        for p in hosted {
            if let Some(r) = held.get(p) {
                out.push(self.load_envelope(r).await?);
            }
        }
        Ok(out)
    }

    /// The receipts of an envelope, by party: on the receiving node those
    /// it signed, on the sending node those it verified.
    pub async fn receipts_of(&self, envelope: &EnvelopeId) -> Result<Vec<(PartyId, EnvelopeId)>> {
        Ok(self.federation_store()?.receipts(envelope).await?)
    }

    /// A stored receipt envelope by its id.
    pub async fn get_receipt(&self, id: &EnvelopeId) -> Result<SignedEnvelope> {
        let e = self
            .store()
            .get_envelope(id)
            .await?
            .ok_or_else(|| NodeError::not_found(format!("no receipt {id}")))?;
        if e.envelope.envelope().kind != EnvelopeType::Receipt {
            return Err(NodeError::not_found(format!("{id} is not a receipt")));
        }
        Ok(e.envelope)
    }
}
