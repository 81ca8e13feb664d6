//! Sending envelopes to other nodes (docs/federation.md, "Sender side"):
//! the outbox worker, the receipt checks, local delivery.
//!
//! The outbox rows are made by the store in the transaction that stores a
//! sent envelope. [`Node::deliver_due`] attempts every due row once,
//! concurrently: a recipient hosted here gets a receipt from this node at
//! once; a remote one is posted to its endpoint through the node's
//! [`Transport`] (HTTP lives in the web crate; this crate knows none), and
//! its receipt is accepted only after [`Node::verify_receipt`]. Failures
//! back off exponentially with full jitter; a permanent refusal, or
//! `delivery_timeout_s` after the envelope's creation, fails the delivery
//! with its reason. [`Node::start_delivery_worker`] runs `deliver_due` in
//! a loop (the server and the demo do); the CLI calls it once.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use countersign_core::envelope::SignedEnvelope;
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::receipt::Receipt;
use countersign_store::{
    Delivery, DeliveryFilter, Direction, NewEnvelope, SplitView, SplitViewKind, StoreErrorKind,
    StoredParty, WitnessedCheckpoint,
};
use countersign_tlog::merkle::{self, Hash};
use countersign_tlog::tile::{Tile, TileHashReader};
use countersign_tlog::{Checkpoint, TlogProof, VerifierKey};

use crate::error::{NodeError, NodeErrorKind, Result};
use crate::{Node, now};

/// Why a transport call failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// The peer refused in a way that cannot change (bad signature, not a
    /// recipient): the delivery fails at once.
    pub permanent: bool,
    pub message: String,
}

impl TransportError {
    pub fn retry(message: impl Into<String>) -> Self {
        TransportError {
            permanent: false,
            message: message.into(),
        }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        TransportError {
            permanent: true,
            message: message.into(),
        }
    }
}

/// How a node reaches its peers: posting to their inbox and reading their
/// public log. The web crate implements it over HTTPS (reqwest + rustls).
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Posts an envelope with its attachments to `endpoint`'s inbox and
    /// returns the receipts it answered with.
    async fn deliver(
        &self,
        endpoint: &str,
        envelope: &SignedEnvelope,
        attachments: &BTreeMap<Sha256Hex, Vec<u8>>,
    ) -> std::result::Result<Vec<SignedEnvelope>, TransportError>;
    /// Posts several envelopes without attachments to `endpoint`'s inbox
    /// at once; returns one result per envelope, in order, each as
    /// [`Transport::deliver`] would have returned it. The default posts
    /// them one by one.
    async fn deliver_batch(
        &self,
        endpoint: &str,
        envelopes: &[SignedEnvelope],
    ) -> std::result::Result<
        Vec<std::result::Result<Vec<SignedEnvelope>, TransportError>>,
        TransportError,
    > {
        let none = BTreeMap::new();
        let mut out = Vec::with_capacity(envelopes.len());
        for e in envelopes {
            out.push(self.deliver(endpoint, e, &none).await);
        }
        Ok(out)
    }
    /// Posts a `ping` envelope to `endpoint`'s inbox and returns the
    /// `pong` it answered with, unverified (the caller checks it).
    async fn ping(
        &self,
        endpoint: &str,
        ping: &SignedEnvelope,
    ) -> std::result::Result<SignedEnvelope, TransportError>;
    /// Posts a tlog-witness `add-checkpoint` body to the peer's witness;
    /// returns the status and body of its answer.
    async fn add_checkpoint(
        &self,
        endpoint: &str,
        body: &str,
    ) -> std::result::Result<(u16, String), TransportError>;
    /// A tile of the peer's log (`tile/...` path), `None` if it has none.
    async fn tile(
        &self,
        endpoint: &str,
        path: &str,
    ) -> std::result::Result<Option<Vec<u8>>, TransportError>;
}

/// Backoff: the first retry within this, doubling per attempt (full jitter).
const BACKOFF_BASE_MS: u64 = 500;
/// Backoff never waits longer than this.
const BACKOFF_CAP_MS: u64 = 5 * 60 * 1000;
/// Most deliveries attempted at once (one round). Larger rounds keep both
/// nodes busy: 4,096 delivered about a fifth faster than 1,024 in
/// `bench/federation.sh` (3,600 against 3,024/s), at a few MiB of
/// envelopes held per round.
const BATCH: u32 = 4096;
/// How long a failed check of a peer checkpoint answers for the receipts
/// that carry it: long enough to cover the receipts of one round waiting
/// on the same check, short enough that a retried delivery checks afresh.
const FAILED_CHECK_MEMORY: Duration = Duration::from_millis(400);
/// How long the delivery worker waits after being woken from idle before
/// it starts a round, so that envelopes filed together travel together.
/// Small against any deadline a notification carries.
const DELIVERY_LINGER: Duration = Duration::from_millis(10);
/// Most envelopes posted to one peer in one inbox request (the receiver
/// takes up to 256).
pub const INBOX_BATCH: usize = 64;

/// Delivery rounds the worker runs at once: one whose peers are working
/// on it while this node checks and records the receipts of the other.
const ROUNDS_IN_FLIGHT: usize = 2;

/// Tells the delivery worker how many deliveries a round attempts, once
/// every peer of the round has answered: the round holds one `Arc` of it
/// and each request one more, and the last dropped sends the count.
struct Answered {
    count: usize,
    tell: Option<tokio::sync::oneshot::Sender<usize>>,
}

impl Drop for Answered {
    fn drop(&mut self) {
        if let Some(tell) = self.tell.take() {
            // The worker may have stopped waiting; nothing to tell then.
            let _ = tell.send(self.count);
        }
    }
}

/// The deliveries a round claimed, marked in flight until dropped.
struct Claim {
    node: Node,
    keys: Vec<(EnvelopeId, PartyId)>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut in_flight = lock_in_flight(&self.node.inner.in_flight);
        for key in &self.keys {
            in_flight.remove(key);
        }
    }
}

/// The in-flight set, recovered if a panic poisoned it (a set of keys
/// cannot be left half-updated by one insert or remove).
fn lock_in_flight(
    set: &std::sync::Mutex<std::collections::HashSet<(EnvelopeId, PartyId)>>,
) -> std::sync::MutexGuard<'_, std::collections::HashSet<(EnvelopeId, PartyId)>> {
    set.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// A uniformly random wait in `[0, min(cap, base * 2^attempts)]` (full
/// jitter), in microseconds.
fn backoff_us(attempts: u32) -> i64 {
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1u64 << attempts.min(30))
        .min(BACKOFF_CAP_MS);
    let mut bytes = [0u8; 8];
    let random = match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => u64::from(chrono::Utc::now().timestamp_subsec_nanos()),
    };
    i64::try_from((random % (ceiling + 1)) * 1000).unwrap_or(i64::MAX)
}

/// Whether `endpoint` may be used: `https://`, or `http://` to a loopback
/// host, or any `http://` when allowed.
pub fn check_endpoint_scheme(endpoint: &str, allow_insecure_http: bool) -> Result<()> {
    if endpoint.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = endpoint.strip_prefix("http://") else {
        return Err(NodeError::invalid(format!(
            "endpoint {endpoint:?} is not an http(s) URL"
        )));
    };
    if allow_insecure_http {
        return Ok(());
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(NodeError::invalid(format!(
            "endpoint {endpoint} is plain HTTP to a host that is not loopback; \
             use https:// or set allow_insecure_http"
        )))
    }
}

/// The tiles a consistency proof from `old` to `new` reads (no await
/// while the recorder lives, so the caller's future stays `Send`).
fn tiles_needed(old: u64, new: u64) -> Result<BTreeSet<Tile>> {
    let needed: RefCell<BTreeSet<Tile>> = RefCell::new(BTreeSet::new());
    let record = TileHashReader {
        size: new,
        read_tile: |t: &Tile| -> std::result::Result<Vec<u8>, merkle::ReadError> {
            needed.borrow_mut().insert(*t);
            Ok(vec![0u8; usize::from(t.width) * 32])
        },
    };
    merkle::consistency_proof(old, new, &record)
        .map_err(|e| NodeError::internal(format!("consistency proof: {e}")))?;
    Ok(needed.into_inner())
}

/// What one attempt came to.
enum Attempt {
    Delivered,
    Retry(String),
    Fail(String),
}

/// A delivery ready for the network.
struct Remote {
    endpoint: String,
    envelope: SignedEnvelope,
    party: StoredParty,
    attachments: BTreeMap<Sha256Hex, Vec<u8>>,
    transport: Arc<dyn Transport>,
}

/// A delivery after [`Node::prepare`]: settled already, or to be sent.
enum Prepared {
    Done(Attempt),
    Remote(Box<Remote>),
}

impl Node {
    /// Installs how this node reaches its peers (see [`Transport`]).
    pub fn set_transport(&self, transport: Arc<dyn Transport>) {
        *self
            .inner
            .transport
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(transport);
    }

    pub(crate) fn transport(&self) -> Option<Arc<dyn Transport>> {
        self.inner
            .transport
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Wakes the delivery worker (after queueing something).
    pub fn wake_delivery(&self) {
        self.inner.deliver_wake.notify_one();
    }

    /// Deliveries, newest envelope first.
    pub async fn list_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>> {
        Ok(self.federation_store()?.list_deliveries(filter).await?)
    }

    /// Attempts every due delivery once, concurrently; returns how many
    /// were attempted. Deliveries to one endpoint of envelopes without
    /// attachments travel [`INBOX_BATCH`] to a request
    /// ([`Transport::deliver_batch`]); every receipt is still verified and
    /// recorded on its own.
    pub async fn deliver_due(&self) -> Result<usize> {
        self.deliver_round(None).await
    }

    /// One round of [`Node::deliver_due`]. `tell` is told the round's size
    /// once every peer of the round has answered (only the receipts' checks
    /// and records are left), which is when the worker starts the next
    /// round; dropped unsent if the round fails before.
    async fn deliver_round(
        &self,
        tell: Option<tokio::sync::oneshot::Sender<usize>>,
    ) -> Result<usize> {
        let (due, claim) = self.claim_due().await?;
        let count = due.len();
        let answered = Arc::new(Answered { count, tell });
        // One read for the round's envelopes and one per recipient, not
        // two per delivery.
        let ids: Vec<EnvelopeId> = due
            .iter()
            .map(|d| d.envelope)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let envelopes: Arc<HashMap<EnvelopeId, SignedEnvelope>> = Arc::new(
            self.federation_store()?
                .envelopes(&ids)
                .await?
                .into_iter()
                .map(|e| (e.envelope.id(), e.envelope))
                .collect(),
        );
        let mut parties: HashMap<PartyId, Option<StoredParty>> = HashMap::new();
        for d in &due {
            if !parties.contains_key(&d.party) {
                let p = self.store().get_party(&d.party).await?;
                parties.insert(d.party.clone(), p);
            }
        }
        let parties = Arc::new(parties);
        let mut prepared = tokio::task::JoinSet::new();
        for d in due {
            let node = self.clone();
            let (envelopes, parties) = (Arc::clone(&envelopes), Arc::clone(&parties));
            prepared.spawn(async move {
                let p = node
                    .prepare(
                        &d,
                        envelopes.get(&d.envelope).cloned(),
                        parties.get(&d.party).cloned().flatten(),
                    )
                    .await;
                (d, p)
            });
        }
        let mut batches: BTreeMap<String, Vec<(Delivery, Box<Remote>)>> = BTreeMap::new();
        let mut tasks = tokio::task::JoinSet::new();
        while let Some(done) = prepared.join_next().await {
            let Ok((d, p)) = done else { continue };
            match p {
                Ok(Prepared::Remote(r)) if r.attachments.is_empty() => {
                    batches.entry(r.endpoint.clone()).or_default().push((d, r));
                }
                Ok(Prepared::Remote(r)) => {
                    let node = self.clone();
                    let answered = Arc::clone(&answered);
                    tasks.spawn(async move {
                        let transport = r.transport.clone();
                        let answer = transport
                            .deliver(&r.endpoint, &r.envelope, &r.attachments)
                            .await;
                        drop(answered);
                        node.finish(d, r, answer).await
                    });
                }
                Ok(Prepared::Done(outcome)) => {
                    let node = self.clone();
                    tasks.spawn(async move { node.record(&d, Ok(outcome)).await });
                }
                Err(e) => {
                    let node = self.clone();
                    tasks.spawn(async move { node.record(&d, Err(e)).await });
                }
            }
        }
        for (endpoint, items) in batches {
            let mut items = items.into_iter().peekable();
            while items.peek().is_some() {
                let chunk: Vec<(Delivery, Box<Remote>)> =
                    items.by_ref().take(INBOX_BATCH).collect();
                let node = self.clone();
                let endpoint = endpoint.clone();
                let answered = Arc::clone(&answered);
                tasks.spawn(async move { node.deliver_chunk(&endpoint, chunk, answered).await });
            }
        }
        drop(answered);
        while let Some(done) = tasks.join_next().await {
            if let Ok(Err(e)) = done {
                tracing::warn!("delivery attempt could not be recorded: {e}");
            }
        }
        if count > 0 {
            // The receipts stored this round are queued for leaves in the
            // same transactions; integrate them now, in one batch, rather
            // than at the sequencer's next idle sweep, so that a delivery
            // reported done has its receipt in this node's log.
            if let Err(e) = self.log_sync().await {
                tracing::warn!("cannot log this round's receipts yet (the next sweep will): {e}");
            }
        }
        drop(claim);
        Ok(count)
    }

    /// The due deliveries no other round of this process is attempting,
    /// at most [`BATCH`], claimed until the returned guard is dropped.
    async fn claim_due(&self) -> Result<(Vec<Delivery>, Claim)> {
        let held = lock_in_flight(&self.inner.in_flight).len();
        let limit = BATCH.saturating_add(u32::try_from(held).unwrap_or(u32::MAX));
        let mut due = self
            .federation_store()?
            .deliveries_due(now_us(), limit)
            .await?;
        let mut in_flight = lock_in_flight(&self.inner.in_flight);
        due.retain(|d| !in_flight.contains(&(d.envelope, d.party.clone())));
        due.truncate(BATCH as usize);
        let keys: Vec<(EnvelopeId, PartyId)> =
            due.iter().map(|d| (d.envelope, d.party.clone())).collect();
        in_flight.extend(keys.iter().cloned());
        let claim = Claim {
            node: self.clone(),
            keys,
        };
        Ok((due, claim))
    }

    /// Posts one batch and finishes each of its deliveries concurrently.
    async fn deliver_chunk(
        &self,
        endpoint: &str,
        chunk: Vec<(Delivery, Box<Remote>)>,
        answered: Arc<Answered>,
    ) -> Result<()> {
        let Some(transport) = chunk.first().map(|(_, r)| r.transport.clone()) else {
            return Ok(());
        };
        let envelopes: Vec<SignedEnvelope> =
            chunk.iter().map(|(_, r)| r.envelope.clone()).collect();
        let answers = match transport.deliver_batch(endpoint, &envelopes).await {
            Ok(a) if a.len() == chunk.len() => a,
            Ok(a) => {
                let e = TransportError::retry(format!(
                    "{endpoint} answered {} results for a batch of {}",
                    a.len(),
                    chunk.len()
                ));
                vec![Err(e); chunk.len()]
            }
            Err(e) => vec![Err(e); chunk.len()],
        };
        drop(answered);
        let mut tasks = tokio::task::JoinSet::new();
        for ((d, r), answer) in chunk.into_iter().zip(answers) {
            let node = self.clone();
            tasks.spawn(async move { node.finish(d, r, answer).await });
        }
        let mut result = Ok(());
        while let Some(done) = tasks.join_next().await {
            if let Ok(Err(e)) = done {
                result = Err(e);
            }
        }
        result
    }

    /// Runs [`Node::deliver_due`] until the node is dropped: at once when
    /// woken, else every `idle` interval. A round starts as soon as every
    /// peer has answered the one before, while that one still checks and
    /// records its receipts, so the peers work on the next round while
    /// this node works on the last (at most [`ROUNDS_IN_FLIGHT`] at once).
    pub fn start_delivery_worker(&self) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut rounds = tokio::task::JoinSet::new();
            loop {
                while rounds.len() >= ROUNDS_IN_FLIGHT {
                    rounds.join_next().await;
                }
                let Some(inner) = weak.upgrade() else { return };
                let node = Node { inner };
                let (tell, attempted) = tokio::sync::oneshot::channel();
                let round = node.clone();
                rounds.spawn(async move {
                    if let Err(e) = round.deliver_round(Some(tell)).await {
                        tracing::error!("delivery worker: {e}");
                    }
                });
                if attempted.await.unwrap_or(0) == 0 {
                    let wake = Arc::clone(&node.inner);
                    drop(node);
                    let woken = tokio::time::timeout(
                        Duration::from_millis(250),
                        wake.deliver_wake.notified(),
                    )
                    .await
                    .is_ok();
                    if woken {
                        // Let what is being filed at this moment join the
                        // round: one request, one receiver log batch and one
                        // checkpoint for many envelopes instead of one each.
                        tokio::time::sleep(DELIVERY_LINGER).await;
                    }
                }
            }
        })
    }

    /// Records what an attempt came to: nothing more for a delivery done,
    /// a retry with backoff (or `failed` after `delivery_timeout_s`), or a
    /// permanent failure.
    async fn record(&self, d: &Delivery, outcome: Result<Attempt>) -> Result<()> {
        let outcome = outcome.unwrap_or_else(|e| Attempt::Retry(e.message));
        let fed = self.federation_store()?;
        match outcome {
            Attempt::Delivered => Ok(()),
            Attempt::Retry(reason) => {
                let expired = chrono::Utc::now().timestamp()
                    >= d.created_s.saturating_add(
                        i64::try_from(self.config().delivery_timeout_s).unwrap_or(i64::MAX),
                    );
                let reason = if expired {
                    format!("delivery_timeout passed; last error: {reason}")
                } else {
                    reason
                };
                tracing::info!(envelope = %d.envelope, party = %d.party, attempts = d.attempts + 1, %reason, "delivery attempt failed");
                fed.delivery_attempted(
                    &d.envelope,
                    &d.party,
                    &reason,
                    now_us().saturating_add(backoff_us(d.attempts)),
                    expired,
                    now_us(),
                )
                .await?;
                Ok(())
            }
            Attempt::Fail(reason) => {
                tracing::warn!(envelope = %d.envelope, party = %d.party, %reason, "delivery failed");
                fed.delivery_attempted(&d.envelope, &d.party, &reason, 0, true, now_us())
                    .await?;
                Ok(())
            }
        }
    }

    /// Everything before the network: the envelope, the recipient and its
    /// endpoint. A local recipient is delivered here and then.
    async fn prepare(
        &self,
        d: &Delivery,
        envelope: Option<SignedEnvelope>,
        party: Option<StoredParty>,
    ) -> Result<Prepared> {
        let envelope = envelope.ok_or_else(|| {
            NodeError::internal(format!("stored envelope {} is missing", d.envelope))
        })?;
        let Some(party) = party else {
            return Ok(Prepared::Done(Attempt::Retry(format!(
                "recipient {} is not in the directory",
                d.party
            ))));
        };
        if party.local {
            let receipt = self.countersign(&envelope, &d.party, now(), None).await?;
            self.federation_store()?
                .delivery_done(
                    &d.envelope,
                    &d.party,
                    &NewEnvelope {
                        envelope: receipt,
                        direction: Direction::Sent,
                        stored: now(),
                        notification: None,
                    },
                    now_us(),
                )
                .await?;
            tracing::info!(envelope = %d.envelope, party = %d.party, "delivered locally");
            return Ok(Prepared::Done(Attempt::Delivered));
        }
        let Some(endpoint) = party.party.endpoint.clone() else {
            return Ok(Prepared::Done(Attempt::Retry(format!(
                "{} has no endpoint in the directory",
                d.party
            ))));
        };
        if let Err(e) = check_endpoint_scheme(&endpoint, self.config().allow_insecure_http) {
            return Ok(Prepared::Done(Attempt::Retry(e.message)));
        }
        let Some(transport) = self.transport() else {
            return Ok(Prepared::Done(Attempt::Retry(
                "this process has no transport to reach other nodes".into(),
            )));
        };
        let mut attachments = BTreeMap::new();
        for a in &envelope.envelope().attachments {
            let bytes = self.blobs().get(&a.sha256).await?.ok_or_else(|| {
                NodeError::internal(format!("attachment {} is missing", a.sha256))
            })?;
            attachments.insert(a.sha256, bytes);
        }
        Ok(Prepared::Remote(Box::new(Remote {
            endpoint,
            envelope,
            party,
            attachments,
            transport,
        })))
    }

    /// Takes the peer's answer to a remote delivery: the receipt is
    /// verified and stored, or the failure recorded.
    async fn finish(
        &self,
        d: Delivery,
        r: Box<Remote>,
        answer: std::result::Result<Vec<SignedEnvelope>, TransportError>,
    ) -> Result<()> {
        let outcome = self.accept(&d, &r, answer).await;
        self.record(&d, outcome).await
    }

    async fn accept(
        &self,
        d: &Delivery,
        r: &Remote,
        answer: std::result::Result<Vec<SignedEnvelope>, TransportError>,
    ) -> Result<Attempt> {
        let receipts = match answer {
            Ok(receipts) => receipts,
            Err(e) if e.permanent => return Ok(Attempt::Fail(e.message)),
            Err(e) => return Ok(Attempt::Retry(e.message)),
        };
        let Some(receipt) = receipts.into_iter().find(|x| x.envelope().from == d.party) else {
            return Ok(Attempt::Retry(format!(
                "{} answered without a receipt from {}",
                r.endpoint, d.party
            )));
        };
        if let Err(e) = self
            .verify_receipt(&r.envelope, &r.party, &receipt, Some(&r.endpoint))
            .await
        {
            return Ok(Attempt::Retry(format!("receipt refused: {e}")));
        }
        self.federation_store()?
            .delivery_done(
                &d.envelope,
                &d.party,
                &NewEnvelope {
                    envelope: receipt,
                    direction: Direction::Received,
                    stored: now(),
                    notification: None,
                },
                now_us(),
            )
            .await?;
        tracing::info!(envelope = %d.envelope, party = %d.party, "delivered");
        Ok(Attempt::Delivered)
    }

    /// Checks a receipt for `envelope` from `recipient`: signed by one of
    /// its keys valid at the receipt's `created`, refers to the envelope,
    /// its tlog-proof verifies against the recipient's log key and origin,
    /// and its checkpoint is consistent with what this node has seen of
    /// that log before (consistency proofs computed from the peer's tiles
    /// at `endpoint`; without an endpoint only an identical or first
    /// checkpoint passes). The newest consistent checkpoint is kept as the
    /// node's view of that log (the witness state); one that cannot be
    /// consistent is kept as split-view evidence and the receipt refused.
    pub async fn verify_receipt(
        &self,
        envelope: &SignedEnvelope,
        recipient: &StoredParty,
        receipt: &SignedEnvelope,
        endpoint: Option<&str>,
    ) -> Result<()> {
        let bad = |m: String| NodeError::new(NodeErrorKind::BadReceipt, m);
        receipt
            .verify(&recipient.party)
            .map_err(|e| bad(format!("signature: {e}")))?;
        let body = Receipt::from_envelope(receipt).map_err(|e| bad(e.message))?;
        if !receipt.envelope().to.contains(&envelope.envelope().from) {
            return Err(bad(format!(
                "the receipt is not addressed to {}",
                envelope.envelope().from
            )));
        }
        let key = recipient.party.log_verifier()?.ok_or_else(|| {
            bad(format!(
                "{} has no log key in the directory, so its receipt cannot be checked",
                recipient.party.id
            ))
        })?;
        if body.received != envelope.id() {
            return Err(bad(format!(
                "the receipt is for {}, not {}",
                body.received,
                envelope.id()
            )));
        }
        let proof = TlogProof::parse(&body.proof)
            .map_err(|e| bad(format!("malformed tlog-proof in receipt: {e}")))?;
        let checkpoint = self.open_checkpoint(&key, &proof.checkpoint)?;
        // The same checks as `Receipt::verify_proof` (which a verifier
        // offline uses), with the note's signature checked once per note.
        let leaf = merkle::leaf_hash(&countersign_core::receipt::log_leaf(&envelope.id()));
        merkle::verify_inclusion(
            proof.index,
            checkpoint.size,
            &leaf,
            &proof.proof,
            &checkpoint.root,
        )
        .map_err(|e| bad(format!("receipt proof does not verify: {e}")))?;
        self.observe_checkpoint(&key, &checkpoint, &proof.checkpoint, endpoint)
            .await
    }

    /// Opens a signed checkpoint of `key`'s log: its signature is verified
    /// the first time this exact note is seen, and remembered, so that the
    /// many receipts of one batch (which carry one note) cost one check.
    /// A note with any other byte (another signature) is checked afresh.
    fn open_checkpoint(&self, key: &VerifierKey, note: &str) -> Result<Checkpoint> {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(key.to_string().as_bytes());
        h.update([0u8]);
        h.update(note.as_bytes());
        let digest: [u8; 32] = h.finalize().into();
        let cached = self
            .inner
            .verified_notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&digest)
            .cloned();
        if let Some(cp) = cached {
            return Ok(cp);
        }
        let (cp, _) = Checkpoint::open(note, std::slice::from_ref(key)).map_err(|e| {
            NodeError::new(
                NodeErrorKind::BadReceipt,
                format!("receipt proof does not verify: {e}"),
            )
        })?;
        if cp.origin != key.name() {
            return Err(NodeError::new(
                NodeErrorKind::BadReceipt,
                format!(
                    "receipt proof does not verify: the checkpoint is of {}, not {}",
                    cp.origin,
                    key.name()
                ),
            ));
        }
        let mut notes = self
            .inner
            .verified_notes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if notes.len() > 10_000 {
            notes.clear();
        }
        notes.insert(digest, cp.clone());
        Ok(cp)
    }

    /// Checks a verified checkpoint of a peer's log against the newest one
    /// seen, and keeps the newer.
    async fn observe_checkpoint(
        &self,
        key: &VerifierKey,
        cp: &Checkpoint,
        note: &str,
        endpoint: Option<&str>,
    ) -> Result<()> {
        let origin = key.name().to_owned();
        let seen_key = (origin.clone(), cp.size, cp.root);
        let seen = |node: &Node| {
            node.inner
                .seen_checkpoints
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&seen_key)
        };
        if seen(self) {
            return Ok(());
        }
        // One check per new checkpoint: whoever waited here while another
        // task checked this one finds it seen, or finds why it failed.
        let lock = Arc::clone(
            self.inner
                .observing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(origin.clone())
                .or_default(),
        );
        let _observing = lock.lock().await;
        if seen(self) {
            return Ok(());
        }
        if let Some(e) = self.failed_lately(&seen_key) {
            return Err(e);
        }
        let result = self
            .observe_checkpoint_once(&origin, cp, note, endpoint)
            .await;
        if let Err(e) = &result {
            let mut failed = self
                .inner
                .failed_checkpoints
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            failed.retain(|_, (at, _)| at.elapsed() < FAILED_CHECK_MEMORY);
            failed.insert(seen_key.clone(), (std::time::Instant::now(), e.clone()));
        }
        if result.is_ok() {
            let mut set = self
                .inner
                .seen_checkpoints
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if set.len() > 100_000 {
                set.clear();
            }
            set.insert(seen_key);
        }
        result
    }

    /// Why the check of this peer checkpoint failed, if it did within
    /// [`FAILED_CHECK_MEMORY`].
    fn failed_lately(&self, key: &crate::PeerCheckpoint) -> Option<NodeError> {
        self.inner
            .failed_checkpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .filter(|(at, _)| at.elapsed() < FAILED_CHECK_MEMORY)
            .map(|(_, e)| e.clone())
    }

    async fn observe_checkpoint_once(
        &self,
        origin: &str,
        cp: &Checkpoint,
        note: &str,
        endpoint: Option<&str>,
    ) -> Result<()> {
        let origin = origin.to_owned();
        for _ in 0..8 {
            let held = self.store().witness_latest(&origin).await?;
            let fresh = WitnessedCheckpoint {
                origin: origin.clone(),
                size: cp.size,
                root: cp.root,
                checkpoint: note.to_owned(),
                updated: now(),
            };
            let Some(held) = held else {
                match self.store().witness_update(None, &fresh).await {
                    Ok(()) => return Ok(()),
                    Err(e) if e.kind == StoreErrorKind::Conflict => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            if held.size == cp.size {
                if held.root == cp.root {
                    return Ok(());
                }
                self.split_view(&held, note, SplitViewKind::SameSize, vec![])
                    .await;
                return Err(NodeError::new(
                    NodeErrorKind::BadReceipt,
                    format!("{origin} signed two trees of size {}: split view", cp.size),
                ));
            }
            let (small, small_root, big, big_root) = if held.size < cp.size {
                (held.size, held.root, cp.size, cp.root)
            } else {
                (cp.size, cp.root, held.size, held.root)
            };
            let Some(endpoint) = endpoint else {
                return Err(NodeError::new(
                    NodeErrorKind::BadReceipt,
                    format!("no endpoint to prove {origin} consistent from {small} to {big}"),
                ));
            };
            let proof = self.remote_consistency(endpoint, small, big).await?;
            if merkle::verify_witness_consistency(small, big, &proof, &small_root, &big_root)
                .is_err()
            {
                self.split_view(&held, note, SplitViewKind::BadConsistencyProof, proof)
                    .await;
                return Err(NodeError::new(
                    NodeErrorKind::BadReceipt,
                    format!(
                        "{origin}'s checkpoints of size {small} and {big} are not consistent: split view"
                    ),
                ));
            }
            if held.size > cp.size {
                return Ok(());
            }
            match self
                .store()
                .witness_update(Some((held.size, held.root)), &fresh)
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) if e.kind == StoreErrorKind::Conflict => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(NodeError::internal(format!(
            "the view of {origin} kept changing; try again"
        )))
    }

    async fn split_view(
        &self,
        held: &WitnessedCheckpoint,
        conflicting: &str,
        kind: SplitViewKind,
        proof: Vec<Hash>,
    ) {
        let view = SplitView {
            origin: held.origin.clone(),
            kind,
            held: held.checkpoint.clone(),
            conflicting: conflicting.to_owned(),
            proof,
            recorded: now(),
        };
        match self.store().add_split_view(&view).await {
            Ok(_) => {
                tracing::warn!(origin = %view.origin, "split view: two signed checkpoints that cannot both be true")
            }
            Err(e) => tracing::error!("cannot record split-view evidence: {e}"),
        }
    }

    /// A consistency proof from `old` to `new` computed from the peer's
    /// public tiles (the proof is then verified against both signed roots,
    /// which authenticates the tiles).
    async fn remote_consistency(&self, endpoint: &str, old: u64, new: u64) -> Result<Vec<Hash>> {
        if old == 0 || old == new {
            return Ok(vec![]);
        }
        let transport = self
            .transport()
            .ok_or_else(|| NodeError::internal("no transport to read the peer's tiles"))?;
        let needed = tiles_needed(old, new)?;
        let mut tiles: BTreeMap<Tile, Vec<u8>> = BTreeMap::new();
        for t in needed {
            let bytes = transport
                .tile(endpoint, &t.path())
                .await
                .map_err(|e| NodeError::internal(format!("tile {}: {}", t.path(), e.message)))?
                .ok_or_else(|| {
                    NodeError::new(
                        NodeErrorKind::BadReceipt,
                        format!("{endpoint} has no tile {}", t.path()),
                    )
                })?;
            tiles.insert(t, bytes);
        }
        let serve = TileHashReader {
            size: new,
            read_tile: |t: &Tile| -> std::result::Result<Vec<u8>, merkle::ReadError> {
                tiles.get(t).cloned().ok_or_else(|| {
                    merkle::ReadError::from(format!("tile {} not fetched", t.path()))
                })
            },
        };
        merkle::consistency_proof(old, new, &serve).map_err(|e| {
            NodeError::new(
                NodeErrorKind::BadReceipt,
                format!("{endpoint}'s tiles do not give a consistency proof: {e}"),
            )
        })
    }

    /// The receipt a party gave for an envelope, if any.
    pub async fn receipt_for(
        &self,
        envelope: &EnvelopeId,
        party: &PartyId,
    ) -> Result<Option<SignedEnvelope>> {
        for (p, r) in self.receipts_of(envelope).await? {
            if p == *party {
                return Ok(Some(self.load_envelope(&r).await?));
            }
        }
        Ok(None)
    }
}
