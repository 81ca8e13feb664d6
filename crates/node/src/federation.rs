//! Receiving envelopes from other nodes (docs/federation.md, "Delivery"):
//! strict checks, inline attachments verified by SHA-256 and size, then
//! the envelope is stored (direction `received`) and logged, and each
//! hosted recipient countersigns a **receipt** with a tlog-proof from this
//! node's log. A redelivered envelope gets the stored receipts back, byte
//! for byte; a `ping` gets a signed `pong`.
//!
//! Every check runs before anything is written, so a refused envelope
//! leaves no trace; blobs written by a call that then fails are removed.
//!
//! Communication checks (docs/federation.md, "Communication checks"):
//! [`Node::ping`] sends a signed `ping` to a peer party's inbox and counts
//! it a success only when a `pong` signed by that party and referring to
//! the ping comes back; [`Node::start_pinger`] pings every peer with an
//! endpoint every `ping_interval_s` (jittered). Per party the store keeps
//! the last attempt and success, the round-trip time, consecutive and
//! total failures and successes, and the last error. Pings and pongs are
//! neither stored as envelopes nor logged: they prove reachability at a
//! moment, not anything a dispute turns on, and a leaf per ping would
//! bury the notifications in the log.

use std::collections::BTreeMap;

use countersign_core::envelope::{ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::notification::Notification;
use countersign_core::receipt::Receipt;
use countersign_core::reply::{Rating, Reply};
use countersign_store::{
    Direction, FederationStore, NewEnvelope, PingOutcome, PingStats, StoreErrorKind, StoredParty,
};
use serde::Deserialize;

use crate::deliver::{check_endpoint_scheme, now_us};
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

/// How far ahead of this node's clock an inbound envelope's `created` may
/// be (clocks of honest nodes differ by seconds; NTP-less hosts by more).
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

impl Node {
    pub(crate) fn federation_store(&self) -> Result<&dyn FederationStore> {
        self.store()
            .federation()
            .ok_or_else(|| NodeError::internal("this storage backend has no federation tables"))
    }

    /// Accepts an envelope from another node: see the module documentation.
    pub async fn receive(&self, inbound: Inbound) -> Result<InboundOutcome> {
        let sender = self
            .store()
            .get_party(&inbound.envelope.envelope().from)
            .await?;
        self.receive_from(inbound, sender).await
    }

    /// Accepts several envelopes, each exactly as [`Node::receive`] would
    /// (checked, stored and receipted on its own), concurrently; answers
    /// in order. Each sender's directory entry is read once for the batch,
    /// not once per envelope.
    pub async fn receive_batch(&self, batch: Vec<Inbound>) -> Vec<Result<InboundOutcome>> {
        let mut senders: BTreeMap<PartyId, Option<StoredParty>> = BTreeMap::new();
        let mut lookup_failed: BTreeMap<PartyId, NodeError> = BTreeMap::new();
        for inbound in &batch {
            let from = &inbound.envelope.envelope().from;
            if senders.contains_key(from) || lookup_failed.contains_key(from) {
                continue;
            }
            match self.store().get_party(from).await {
                Ok(p) => {
                    senders.insert(from.clone(), p);
                }
                Err(e) => {
                    lookup_failed.insert(from.clone(), e.into());
                }
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        let count = batch.len();
        for (i, inbound) in batch.into_iter().enumerate() {
            let from = inbound.envelope.envelope().from.clone();
            if let Some(e) = lookup_failed.get(&from) {
                let e = e.clone();
                tasks.spawn(async move { (i, Err(e)) });
                continue;
            }
            let sender = senders.get(&from).cloned().flatten();
            let node = self.clone();
            tasks.spawn(async move { (i, node.receive_from(inbound, sender).await) });
        }
        let mut results: Vec<Option<Result<InboundOutcome>>> = Vec::new();
        results.resize_with(count, || None);
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((i, result)) => {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(result);
                    }
                }
                Err(e) => tracing::error!("an inbox task failed: {e}"),
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(NodeError::internal("an inbox task was lost"))))
            .collect()
    }

    /// [`Node::receive`] with the sender's directory entry already read.
    async fn receive_from(
        &self,
        inbound: Inbound,
        sender: Option<StoredParty>,
    ) -> Result<InboundOutcome> {
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
        let sender = sender.ok_or_else(|| {
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
        // `created` is the sender's word, and deadlines and scorecards are
        // reckoned from it: one from the future is refused (beyond a
        // clock skew), so nothing can be post-dated into this node.
        let latest = chrono::Utc::now() + chrono::Duration::minutes(MAX_CLOCK_SKEW_MINUTES);
        if env.created.datetime() > latest {
            return Err(NodeError::invalid(format!(
                "envelope {id} is dated {}, more than {MAX_CLOCK_SKEW_MINUTES} minutes ahead of this node's clock",
                env.created
            )));
        }
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
                let reply: Reply = Reply::deserialize(&env.body)
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
                if let Some(n) = &row
                    && env.created < n.created
                {
                    return Err(NodeError::invalid(format!(
                        "reply {id} is dated {}, before the notification it answers ({})",
                        env.created, n.created
                    )));
                }
                if !row.is_some_and(|n| n.to.contains(&env.from) && env.to.contains(&n.from)) {
                    return Err(NodeError::invalid(format!(
                        "reply {id} answers {answered}, which is not a notification from a recipient of the reply to {}",
                        env.from
                    )));
                }
                None
            }
            EnvelopeType::Rating => {
                let rating: Rating = Rating::deserialize(&env.body)
                    .map_err(|e| NodeError::invalid(format!("malformed rating: {e}")))?;
                rating.check()?;
                self.check_inbound_rating(env, &rating).await?;
                None
            }
            _ => None,
        };
        if env.kind == EnvelopeType::Ping {
            if !env.attachments.is_empty() || !inbound.attachments.is_empty() {
                return Err(NodeError::invalid("a ping carries no attachments"));
            }
            let pong = self.pong(signed, &hosted[0])?;
            // The other side of the check; losing it loses no envelope.
            if let Err(e) = self
                .federation_store()?
                .record_pinged(&env.from, now_us())
                .await
            {
                tracing::warn!(from = %env.from, "cannot record a received ping: {e}");
            }
            return Ok(InboundOutcome::Pong(pong));
        }
        self.check_attachments(&inbound).await?;

        let fed = self.federation_store()?;
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
        // A new envelope has no receipts yet; only a duplicate is looked
        // up (one read saved per new envelope, the common case).
        let held: BTreeMap<PartyId, EnvelopeId> = match self.store().insert_envelope(&new).await {
            Ok(()) => {
                tracing::info!(%id, from = %env.from, kind = %env.kind, "envelope received");
                BTreeMap::new()
            }
            // Received before: idempotent, what was answered is answered
            // again; or an earlier attempt stored it and died before its
            // receipts, which are signed now.
            Err(e) if e.kind == StoreErrorKind::Duplicate => {
                let held: BTreeMap<PartyId, EnvelopeId> =
                    fed.receipts(&id).await?.into_iter().collect();
                if hosted.iter().all(|p| held.contains_key(p)) {
                    return Ok(InboundOutcome::Receipts(
                        self.load_receipts(&hosted, &held).await?,
                    ));
                }
                held
            }
            Err(e) => {
                self.remove_blobs(&written).await;
                return Err(e.into());
            }
        };
        let index = self.log_wait(&id).await?;
        let mut receipts = Vec::with_capacity(hosted.len());
        for party in &hosted {
            if let Some(r) = held.get(party) {
                receipts.push(self.load_envelope(r).await?);
                continue;
            }
            receipts.push(
                self.countersign(signed, party, received_at, Some(index))
                    .await?,
            );
        }
        Ok(InboundOutcome::Receipts(receipts))
    }

    /// Signs and stores `party`'s receipt for `received` (or returns the
    /// one stored by a concurrent call that won). `log_index` is the
    /// envelope's leaf index when the caller knows it (saves a lookup).
    pub(crate) async fn countersign(
        &self,
        received: &SignedEnvelope,
        party: &PartyId,
        received_at: countersign_core::time::Timestamp,
        log_index: Option<u64>,
    ) -> Result<SignedEnvelope> {
        let id = received.id();
        let proof = match log_index {
            Some(index) => self.log_prove_index(index).await?,
            None => self.log_prove(&id).await?,
        };
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
    /// A rating rates a reply stored here (`refs[0]`, repeated in the
    /// body) that its one recipient sent to the rating's sender, and
    /// `refs[1]` is the notification that reply answers, stored here and
    /// sent by the rating's sender: only the notifier rates, so a peer
    /// cannot rate replies it never received, pin a rating on someone
    /// else's exchange, or rate a co-recipient's reply it was copied on.
    async fn check_inbound_rating(&self, env: &Envelope, rating: &Rating) -> Result<()> {
        let refused = |why: String| Err(NodeError::invalid(format!("rating refused: {why}")));
        let Some(rated) = env.refs.first() else {
            return refused("it must refer to the reply it rates".into());
        };
        if rating.reply != *rated {
            return refused(format!(
                "its body rates {} but it refers to {rated}",
                rating.reply
            ));
        }
        let Some(stored) = self.store().get_envelope(rated).await? else {
            return refused(format!("{rated} is not a reply held here"));
        };
        let reply = stored.envelope.envelope();
        if reply.kind != EnvelopeType::Reply
            || !env.to.contains(&reply.from)
            || !reply.to.contains(&env.from)
        {
            return refused(format!(
                "{rated} is not a reply from a recipient of the rating to {}",
                env.from
            ));
        }
        if env.to != [reply.from.clone()] {
            return refused(format!(
                "it must be addressed to {} alone, who sent {rated}",
                reply.from
            ));
        }
        let Some(notification) = env.refs.get(1) else {
            return refused(format!(
                "it must refer to the notification {rated} answers (refs[1])"
            ));
        };
        if reply.refs.first() != Some(notification) {
            return refused(format!("{rated} does not answer {notification}"));
        }
        let Some(n) = self.store().get_notification(notification).await? else {
            return refused(format!("{notification} is not a notification held here"));
        };
        if n.from != env.from {
            return refused(format!(
                "{} did not send {notification}; only its notifier {} rates its replies",
                env.from, n.from
            ));
        }
        Ok(())
    }

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

/// What one ping came to.
#[derive(Debug, Clone)]
pub struct PingReport {
    pub party: PartyId,
    /// The ping sent (its id is what the pong must refer to).
    pub ping: EnvelopeId,
    pub outcome: PingOutcome,
    /// The party's statistics after this ping.
    pub stats: PingStats,
}

/// A wait of `interval_s` seconds, jittered uniformly by ±50%, so that
/// nodes started together do not ping in lockstep.
fn jittered(interval_s: u64) -> std::time::Duration {
    let mut bytes = [0u8; 8];
    let random = match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => u64::from(chrono::Utc::now().timestamp_subsec_nanos()),
    };
    let ms = interval_s.saturating_mul(1000);
    let half = ms / 2;
    std::time::Duration::from_millis(half.saturating_add(random % (ms.saturating_add(1))))
}

impl Node {
    /// Sends a signed ping from this node's default party to `party` and
    /// waits for its pong; records the outcome. A transport failure or a
    /// pong that does not verify is a failure (recorded, and returned in
    /// the report, not as an error); a party that cannot be pinged at all
    /// (unknown, hosted here, no usable endpoint) is an error and records
    /// nothing.
    pub async fn ping(&self, party: &PartyId) -> Result<PingReport> {
        let peer = self.get_party(party).await?;
        if peer.local {
            return Err(NodeError::invalid(format!(
                "{party} is hosted by this node; only parties of other nodes are pinged"
            )));
        }
        let endpoint = peer.party.endpoint.clone().ok_or_else(|| {
            NodeError::invalid(format!("{party} has no endpoint in the directory"))
        })?;
        check_endpoint_scheme(&endpoint, self.config().allow_insecure_http)?;
        let transport = self.transport().ok_or_else(|| {
            NodeError::internal("this process has no transport to reach other nodes")
        })?;
        let from = self.config().default_party.clone();
        let ping = Envelope {
            v: ENVELOPE_VERSION,
            kind: EnvelopeType::Ping,
            from: from.clone(),
            to: vec![party.clone()],
            created: now(),
            refs: vec![],
            tlp: countersign_core::tlp::Tlp::Clear,
            body: serde_json::json!({}),
            attachments: vec![],
        }
        .sign(&self.signer(&from)?)?;
        let at_us = now_us();
        let started = std::time::Instant::now();
        let answer = transport.ping(&endpoint, &ping).await;
        let rtt_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let outcome = match answer {
            Ok(pong) => match check_pong(&ping, &peer.party, &pong) {
                Ok(()) => PingOutcome::Success { rtt_ms },
                Err(e) => PingOutcome::Failure {
                    error: format!("pong refused: {e}"),
                },
            },
            Err(e) => PingOutcome::Failure { error: e.message },
        };
        let fed = self.federation_store()?;
        fed.record_ping(party, at_us, &outcome).await?;
        let stats = fed
            .ping_stats(Some(party))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| NodeError::internal(format!("the ping of {party} was not recorded")))?;
        match &outcome {
            PingOutcome::Success { rtt_ms } => {
                tracing::debug!(%party, rtt_ms, "ping answered");
            }
            PingOutcome::Failure { error } => {
                tracing::info!(%party, %error, "ping failed");
            }
        }
        Ok(PingReport {
            party: party.clone(),
            ping: ping.id(),
            outcome,
            stats,
        })
    }

    /// Ping statistics, by party; of one party if given.
    pub async fn ping_stats(&self, party: Option<&PartyId>) -> Result<Vec<PingStats>> {
        Ok(self.federation_store()?.ping_stats(party).await?)
    }

    /// Pings every party of another node that has an endpoint, at once;
    /// returns the reports (errors of parties that cannot be pinged are
    /// logged and skipped).
    pub async fn ping_peers(&self) -> Result<Vec<PingReport>> {
        let peers: Vec<PartyId> = self
            .list_parties()
            .await?
            .into_iter()
            .filter(|p| !p.local && p.party.endpoint.is_some())
            .map(|p| p.party.id)
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for party in peers {
            let node = self.clone();
            tasks.spawn(async move { (node.ping(&party).await, party) });
        }
        let mut out = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((Ok(report), _)) => out.push(report),
                Ok((Err(e), party)) => tracing::warn!(%party, "cannot ping: {e}"),
                Err(e) => tracing::error!("ping task: {e}"),
            }
        }
        out.sort_by(|a, b| a.party.cmp(&b.party));
        Ok(out)
    }

    /// Pings every peer every `ping_interval_s` seconds (jittered ±50%,
    /// the first round after one interval) until the node is dropped;
    /// `None` when the interval is 0 (off).
    pub fn start_pinger(&self) -> Option<tokio::task::JoinHandle<()>> {
        let interval = self.config().ping_interval_s;
        if interval == 0 {
            return None;
        }
        let weak = std::sync::Arc::downgrade(&self.inner);
        Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(jittered(interval)).await;
                let Some(inner) = weak.upgrade() else { return };
                let node = Node { inner };
                if let Err(e) = node.ping_peers().await {
                    tracing::error!("pinger: {e}");
                }
            }
        }))
    }
}

/// A pong counts only if it is a `pong` from the pinged party, signed by
/// one of its keys valid at its `created`, addressed to the pinger and
/// referring to the ping.
pub fn check_pong(
    ping: &SignedEnvelope,
    peer: &countersign_core::party::Party,
    pong: &SignedEnvelope,
) -> Result<()> {
    let bad = |m: String| NodeError::new(NodeErrorKind::BadReceipt, m);
    let e = pong.envelope();
    if e.kind != EnvelopeType::Pong {
        return Err(bad(format!("the answer is a {}, not a pong", e.kind)));
    }
    if e.from != peer.id {
        return Err(bad(format!(
            "the pong is from {}, not from {}",
            e.from, peer.id
        )));
    }
    if e.refs.first() != Some(&ping.id()) {
        return Err(bad(format!(
            "the pong does not refer to ping {}",
            ping.id()
        )));
    }
    if !e.to.contains(&ping.envelope().from) {
        return Err(bad(format!(
            "the pong is not addressed to {}",
            ping.envelope().from
        )));
    }
    pong.verify(peer)
        .map_err(|e| bad(format!("signature: {e}")))?;
    Ok(())
}
