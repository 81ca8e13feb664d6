//! `POST /v1/inbox` (docs/federation.md, "Delivery"): a sender node (its
//! own `TestApp`, hosting `cert-x`) files notifications to B on the
//! receiver node; the envelopes are posted to the receiver's router as a
//! peer would. Each refusal is checked to write nothing.

use axum::http::{Method, StatusCode};
use base64::Engine;
use countersign_core::envelope::SignedEnvelope;
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::receipt::Receipt;
use serde_json::{Value, json};

use crate::common::{B, TestApp, notification};

const X: &str = "cert-x";

struct Pair {
    sender: TestApp,
    receiver: TestApp,
}

/// Two nodes that know each other: X on the sender, A, B, C on the receiver.
async fn pair() -> Pair {
    let sender = TestApp::builder().party(X).alone().build().await;
    let receiver = TestApp::new().await;
    introduce(&sender, X, &receiver).await;
    introduce(&receiver, B, &sender).await;
    Pair { sender, receiver }
}

/// Gives `to` the directory entry `party` has on `from`, as an operator
/// importing a peer's published entry would.
async fn introduce(from: &TestApp, party: &str, to: &TestApp) {
    let entry = from
        .node
        .export_party(&PartyId::parse(party).unwrap())
        .await
        .unwrap();
    to.node
        .import_party(&entry.to_json_pretty().unwrap(), &[])
        .await
        .unwrap();
}

/// Files a notification on the sender, with an attachment; returns the
/// inbox body (envelope, signature, attachment bytes) and the id.
async fn filed(p: &Pair, title: &str) -> (Value, String) {
    let bytes = format!("log line of {title}\n").into_bytes();
    let r = p
        .sender
        .call(
            Method::PUT,
            "/v1/attachments",
            Some(&p.sender.analyst_a),
            Some("text/plain"),
            bytes.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sha = Sha256Hex::digest(&bytes).to_string();
    let mut body = notification(title, "amber");
    body["attachments"] = json!([{"sha256": sha, "name": "auth.log", "media_type": "text/plain"}]);
    let n = p.sender.notify(&p.sender.analyst_a, &body).await;
    let id = n["id"].as_str().unwrap().to_owned();
    let r = p
        .sender
        .get(
            &format!("/v1/notifications/{id}/envelope"),
            Some(&p.sender.analyst_a),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut file = r.json();
    file["attachments"] = json!({ sha: base64::engine::general_purpose::STANDARD.encode(&bytes) });
    (file, id)
}

/// How much the receiver holds: envelopes seen by the operator, log size.
async fn footprint(t: &TestApp) -> (usize, u64) {
    let size = t.node.log_sync().await.unwrap().size;
    (t.notification_count().await, size)
}

#[tokio::test]
async fn delivery_is_answered_with_a_verifiable_receipt_and_replay_is_idempotent() {
    let p = pair().await;
    let (body, id) = filed(&p, "Scanning").await;
    let r = p.receiver.post_json("/v1/inbox", None, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let out = r.json();
    assert_eq!(out["id"], id.as_str());
    let receipts = out["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1, "one hosted recipient, one receipt");
    let receipt = SignedEnvelope::from_json(&receipts[0].to_string()).unwrap();
    assert_eq!(receipt.envelope().from.as_str(), B);
    assert_eq!(receipt.envelope().to[0].as_str(), X);
    // The signature of B, as B's directory entry on the sender has it.
    let b = p
        .sender
        .node
        .get_party(&PartyId::parse(B).unwrap())
        .await
        .unwrap();
    receipt.verify(&b.party).unwrap();
    // The proof, against the receiver's log key from that entry.
    let log_key = b.party.log_verifier().unwrap().unwrap();
    let body = Receipt::from_envelope(&receipt).unwrap();
    let verified = body
        .verify_proof(
            &EnvelopeId::parse(&id).unwrap(),
            Some(log_key.name()),
            &log_key,
        )
        .unwrap();
    assert!(verified.index < verified.checkpoint.size);

    // Stored as received, with its attachment, visible to B's analyst.
    let n = p
        .receiver
        .get(
            &format!("/v1/notifications/{id}"),
            Some(&p.receiver.analyst_b),
        )
        .await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.text());
    let href = n.json()["attachments"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = p.receiver.get(&href, Some(&p.receiver.analyst_b)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.text(), "log line of Scanning\n");

    // A replay: the same receipt, byte for byte, nothing new written.
    let before = footprint(&p.receiver).await;
    let (again, _) = (
        p.receiver
            .post_json("/v1/inbox", None, &filed_body_again(&p, &id).await)
            .await,
        (),
    );
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.body, r.body, "a redelivery gets the same receipts");
    assert_eq!(footprint(&p.receiver).await, before);
}

/// The inbox body of an envelope filed before, without its attachment
/// bytes (the receiver holds them already).
async fn filed_body_again(p: &Pair, id: &str) -> Value {
    let r = p
        .sender
        .get(
            &format!("/v1/notifications/{id}/envelope"),
            Some(&p.sender.analyst_a),
        )
        .await;
    r.json()
}

#[tokio::test]
async fn refusals_write_nothing() {
    let p = pair().await;
    let (good, _) = filed(&p, "Refused").await;
    let before = footprint(&p.receiver).await;

    // Tampered: a field changed after signing.
    let mut tampered = good.clone();
    tampered["envelope"]["body"]["title"] = json!("Something else");
    p.receiver
        .post_json("/v1/inbox", None, &tampered)
        .await
        .assert_error(400, "bad_signature");

    // A bad attachment: other bytes under the listed SHA-256.
    let mut bad = good.clone();
    let sha = bad["attachments"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    bad["attachments"][&sha] = json!(base64::engine::general_purpose::STANDARD.encode(b"other"));
    p.receiver
        .post_json("/v1/inbox", None, &bad)
        .await
        .assert_error(422, "attachment_mismatch");
    // Missing altogether.
    let mut missing = good.clone();
    missing["attachments"] = json!({});
    p.receiver
        .post_json("/v1/inbox", None, &missing)
        .await
        .assert_error(422, "attachment_mismatch");

    // Unknown sender: a node the receiver never heard of.
    let stranger = TestApp::builder().party("cert-y").alone().build().await;
    introduce(&p.receiver, B, &stranger).await;
    let n = stranger
        .notify(
            &stranger.analyst_a,
            &notification("From a stranger", "green"),
        )
        .await;
    let body = stranger
        .get(
            &format!("/v1/notifications/{}/envelope", n["id"].as_str().unwrap()),
            Some(&stranger.analyst_a),
        )
        .await
        .json();
    p.receiver
        .post_json("/v1/inbox", None, &body)
        .await
        .assert_error(403, "unknown_sender");

    // Wrong recipient: X writes to a party the receiver does not host.
    let other = TestApp::builder().party("cert-z").alone().build().await;
    introduce(&other, "cert-z", &p.sender).await;
    let mut to_z = notification("Not for you", "green");
    to_z["to"] = json!(["cert-z"]);
    let n = p.sender.notify(&p.sender.analyst_a, &to_z).await;
    let body = p
        .sender
        .get(
            &format!("/v1/notifications/{}/envelope", n["id"].as_str().unwrap()),
            Some(&p.sender.analyst_a),
        )
        .await
        .json();
    p.receiver
        .post_json("/v1/inbox", None, &body)
        .await
        .assert_error(422, "not_recipient");

    // Not an inbox body (no signature, a member too many, wrong types,
    // not an object); duplicate members.
    let mut extra = good.clone();
    extra["note"] = json!("not a member of a delivery");
    let mut numeric_signature = good.clone();
    numeric_signature["signature"] = json!(1);
    let mut listed_attachments = good.clone();
    listed_attachments["attachments"] = json!(["x"]);
    let mut null_attachments = good.clone();
    null_attachments["attachments"] = json!(null);
    for body in [
        json!({"envelope": 1}),
        extra,
        numeric_signature,
        listed_attachments,
        null_attachments,
        json!([good.clone()]),
    ] {
        p.receiver
            .post_json("/v1/inbox", None, &body)
            .await
            .assert_error(400, "malformed_json");
    }
    let text = good.to_string();
    let dup = text.replacen(
        "{\"attachments\"",
        "{\"signature\":\"x\",\"attachments\"",
        1,
    );
    let r = p
        .receiver
        .call(
            Method::POST,
            "/v1/inbox",
            None,
            Some("application/json"),
            dup,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());

    assert_eq!(footprint(&p.receiver).await, before, "nothing written");
    // Blob store: the bad bytes were not kept.
    let other_sha = Sha256Hex::digest(b"other");
    assert!(!p.receiver.node.blobs().has(&other_sha).await.unwrap());

    // And the good one still goes through afterwards.
    let r = p.receiver.post_json("/v1/inbox", None, &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// The sender reaches the receiver through an in-process transport at
/// `ENDPOINT` (B's entry on the sender names it).
const ENDPOINT: &str = "http://127.0.0.1:1";

fn connect(p: &Pair) -> countersign_web::client::RouterTransport {
    let transport = countersign_web::client::RouterTransport::default();
    p.sender
        .node
        .set_transport(std::sync::Arc::new(transport.clone()));
    transport
}

async fn set_endpoint(p: &Pair) {
    let id = PartyId::parse(B).unwrap();
    let mut stored = p.sender.node.get_party(&id).await.unwrap();
    stored.party.endpoint = Some(ENDPOINT.to_owned());
    p.sender
        .node
        .store()
        .put_party(&stored, true)
        .await
        .unwrap();
}

async fn states(t: &TestApp, id: &str) -> Vec<(String, String)> {
    t.node
        .list_deliveries(&countersign_store::DeliveryFilter {
            envelope: Some(EnvelopeId::parse(id).unwrap()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.party.to_string(), d.state.as_str().to_owned()))
        .collect()
}

#[tokio::test]
async fn outbox_delivers_with_a_verified_receipt_after_the_receiver_comes_back() {
    let p = pair().await;
    set_endpoint(&p).await;
    let transport = connect(&p);
    let (_, id) = filed(&p, "Queued while down").await;
    assert_eq!(
        states(&p.sender, &id).await,
        [(B.to_owned(), "queued".to_owned())]
    );

    // Down: the attempt fails and is retried later.
    assert_eq!(p.sender.node.deliver_due().await.unwrap(), 1);
    let d = &p
        .sender
        .node
        .list_deliveries(&Default::default())
        .await
        .unwrap()[0];
    assert_eq!(d.state.as_str(), "queued");
    assert_eq!(d.attempts, 1);
    assert!(
        d.last_error.as_deref().unwrap().contains("refused"),
        "{d:?}"
    );

    // Up: within the backoff it is delivered, receipt verified and stored.
    transport.add(ENDPOINT, p.receiver.app.clone());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while states(&p.sender, &id).await[0].1 != "delivered" {
        assert!(std::time::Instant::now() < deadline, "not delivered");
        p.sender.node.deliver_due().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let eid = EnvelopeId::parse(&id).unwrap();
    let receipt = p
        .sender
        .node
        .receipt_for(&eid, &PartyId::parse(B).unwrap())
        .await
        .unwrap()
        .expect("a stored receipt");
    // The same receipt the receiver holds.
    let held = p.receiver.node.receipts_of(&eid).await.unwrap();
    assert_eq!(held, [(PartyId::parse(B).unwrap(), receipt.id())]);
    // The REST output shows it per recipient, with the receipt to download.
    let n = p
        .sender
        .get(
            &format!("/v1/notifications/{id}"),
            Some(&p.sender.analyst_a),
        )
        .await
        .json();
    assert_eq!(n["recipients"][0]["party"], B);
    assert_eq!(n["recipients"][0]["state"], "delivered");
    let href = n["recipients"][0]["receipt_href"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = p.sender.get(&href, Some(&p.sender.analyst_a)).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.text());
    assert_eq!(
        SignedEnvelope::from_json(&file.text()).unwrap().id(),
        receipt.id()
    );
    // And on the receiver, the receipt it gave.
    let n = p
        .receiver
        .get(
            &format!("/v1/notifications/{id}"),
            Some(&p.receiver.analyst_b),
        )
        .await
        .json();
    assert_eq!(
        n["recipients"][0]["receipt"],
        receipt.id().to_string().as_str()
    );
    // The sender's view of the receiver's log is that receipt's checkpoint or newer.
    let origin = p.receiver.node.log_origin().to_owned();
    assert!(
        p.sender
            .node
            .witnessed_checkpoint(&origin)
            .await
            .unwrap()
            .is_some()
    );

    // More deliveries: later checkpoints are proved consistent from tiles.
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(filed(&p, &format!("More {i}")).await.1);
    }
    p.sender.node.deliver_due().await.unwrap();
    for id in &ids {
        assert_eq!(states(&p.sender, id).await[0].1, "delivered", "{id}");
    }
    assert!(p.sender.node.split_views().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_delivery_with_its_reason() {
    let p = pair().await;
    set_endpoint(&p).await;
    let transport = connect(&p);
    transport.add(ENDPOINT, p.receiver.app.clone());
    // The receiver no longer hosts B: `not_recipient` cannot change.
    let other = TestApp::builder().party("cert-q").alone().build().await;
    transport.add(ENDPOINT, other.app.clone());
    introduce(&p.sender, X, &other).await;
    let (_, id) = filed(&p, "Wrong node").await;
    p.sender.node.deliver_due().await.unwrap();
    let d = &p
        .sender
        .node
        .list_deliveries(&Default::default())
        .await
        .unwrap()[0];
    assert_eq!(d.state.as_str(), "failed", "{d:?}");
    assert!(
        d.last_error.as_deref().unwrap().contains("not_recipient"),
        "{d:?}"
    );
    assert_eq!(states(&p.sender, &id).await[0].1, "failed");
}

#[tokio::test]
async fn local_recipients_get_a_local_receipt_at_once() {
    let t = TestApp::new().await;
    let n = t
        .notify(&t.analyst_a, &notification("Local", "green"))
        .await;
    let id = n["id"].as_str().unwrap().to_owned();
    assert_eq!(t.node.deliver_due().await.unwrap(), 1);
    assert_eq!(
        states(&t, &id).await,
        [(B.to_owned(), "delivered".to_owned())]
    );
    let eid = EnvelopeId::parse(&id).unwrap();
    let receipt = t
        .node
        .receipt_for(&eid, &PartyId::parse(B).unwrap())
        .await
        .unwrap()
        .unwrap();
    let body = Receipt::from_envelope(&receipt).unwrap();
    let key = t.node.log_vkey();
    body.verify_proof(&eid, Some(key.name()), &key).unwrap();
    // Nothing more is due.
    assert_eq!(t.node.deliver_due().await.unwrap(), 0);
}

#[tokio::test]
async fn a_reply_travels_back_with_a_receipt_and_is_listed_on_both_sides() {
    let p = pair().await;
    set_endpoint(&p).await;
    let to_receiver = connect(&p);
    to_receiver.add(ENDPOINT, p.receiver.app.clone());
    let (_, id) = filed(&p, "Please answer").await;
    p.sender.node.deliver_due().await.unwrap();
    assert_eq!(states(&p.sender, &id).await[0].1, "delivered");

    // The receiver reaches X at another endpoint.
    const X_ENDPOINT: &str = "http://127.0.0.1:2";
    let x = PartyId::parse(X).unwrap();
    let mut stored = p.receiver.node.get_party(&x).await.unwrap();
    stored.party.endpoint = Some(X_ENDPOINT.to_owned());
    p.receiver
        .node
        .store()
        .put_party(&stored, true)
        .await
        .unwrap();
    let to_sender = countersign_web::client::RouterTransport::default();
    to_sender.add(X_ENDPOINT, p.sender.app.clone());
    p.receiver
        .node
        .set_transport(std::sync::Arc::new(to_sender));

    // Only recipients reply; a declined reply needs a reason.
    let path = format!("/v1/notifications/{id}/replies");
    p.receiver
        .post_json(
            &path,
            Some(&p.receiver.analyst_a),
            &json!({"kind": "findings"}),
        )
        .await
        .assert_error(404, "not_found");
    p.receiver
        .post_json(
            &path,
            Some(&p.receiver.analyst_b),
            &json!({"kind": "declined"}),
        )
        .await
        .assert_error(400, "invalid");
    let r = p
        .receiver
        .post_json(
            &path,
            Some(&p.receiver.analyst_b),
            &json!({"kind": "findings", "text": "The host was a compromised VPS; it is down."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let reply_id = SignedEnvelope::from_json(&r.text())
        .unwrap()
        .id()
        .to_string();
    p.receiver.node.deliver_due().await.unwrap();
    assert_eq!(
        states(&p.receiver, &reply_id).await,
        [(X.to_owned(), "delivered".to_owned())]
    );

    for (t, token, direction) in [
        (&p.receiver, &p.receiver.analyst_b, "sent"),
        (&p.sender, &p.sender.analyst_a, "received"),
    ] {
        let n = t
            .get(&format!("/v1/notifications/{id}"), Some(token))
            .await
            .json();
        let replies = n["replies"].as_array().unwrap();
        assert_eq!(replies.len(), 1, "{n}");
        assert_eq!(replies[0]["id"], reply_id.as_str());
        assert_eq!(replies[0]["kind"], "findings");
        assert_eq!(replies[0]["from"], B);
        assert_eq!(replies[0]["direction"], direction);
    }
}

/// How [`PongForger`] answers a ping.
#[derive(Clone, Copy, Debug)]
enum Forge {
    /// Pass the receiver's own pong through.
    Honest,
    /// A pong claiming to be from B, signed with a key that is not B's.
    WrongKey,
    /// B's genuine signature, over a pong referring to another ping.
    WrongRef,
    /// The receiver's pong with its body changed after signing.
    Tampered,
    /// A genuine pong from A (another party than the one pinged).
    OtherParty,
}

/// What a test transport changes of what the receiver's router answers:
/// by default nothing. [`Tapped`] applies it.
trait Tap: Send + Sync + 'static {
    /// The pong handed back for `ping`, given the receiver's own.
    fn pong(&self, _ping: &SignedEnvelope, honest: SignedEnvelope) -> SignedEnvelope {
        honest
    }
    /// Called before each tile fetch: an error to answer with instead.
    fn tile(&self) -> Option<countersign_node::deliver::TransportError> {
        None
    }
    /// Called before each batch is posted: a gate to pass first.
    fn batch(
        &self,
        _envelopes: &[SignedEnvelope],
    ) -> Option<std::sync::Arc<tokio::sync::Semaphore>> {
        None
    }
}

/// A transport through the receiver's router (`inner`), altered by `tap`.
struct Tapped<T> {
    inner: countersign_web::client::RouterTransport,
    tap: T,
}

#[async_trait::async_trait]
impl<T: Tap> countersign_node::deliver::Transport for Tapped<T> {
    async fn deliver(
        &self,
        endpoint: &str,
        envelope: &SignedEnvelope,
        attachments: &std::collections::BTreeMap<Sha256Hex, Vec<u8>>,
    ) -> Result<Vec<SignedEnvelope>, countersign_node::deliver::TransportError> {
        self.inner.deliver(endpoint, envelope, attachments).await
    }
    async fn deliver_batch(
        &self,
        endpoint: &str,
        envelopes: &[SignedEnvelope],
    ) -> Result<
        Vec<Result<Vec<SignedEnvelope>, countersign_node::deliver::TransportError>>,
        countersign_node::deliver::TransportError,
    > {
        if let Some(gate) = self.tap.batch(envelopes) {
            let _pass = gate.acquire().await;
        }
        self.inner.deliver_batch(endpoint, envelopes).await
    }
    async fn ping(
        &self,
        endpoint: &str,
        ping: &SignedEnvelope,
    ) -> Result<SignedEnvelope, countersign_node::deliver::TransportError> {
        let honest = self.inner.ping(endpoint, ping).await?;
        Ok(self.tap.pong(ping, honest))
    }
    async fn add_checkpoint(
        &self,
        endpoint: &str,
        body: &str,
    ) -> Result<(u16, String), countersign_node::deliver::TransportError> {
        self.inner.add_checkpoint(endpoint, body).await
    }
    async fn tile(
        &self,
        endpoint: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>, countersign_node::deliver::TransportError> {
        if let Some(e) = self.tap.tile() {
            return Err(e);
        }
        self.inner.tile(endpoint, path).await
    }
}

/// Connects the sender to the receiver's router at [`ENDPOINT`] (named in
/// B's entry), through `tap`.
async fn tapped<T: Tap>(p: &Pair, tap: T) -> std::sync::Arc<Tapped<T>> {
    set_endpoint(p).await;
    let inner = countersign_web::client::RouterTransport::default();
    inner.add(ENDPOINT, p.receiver.app.clone());
    let transport = std::sync::Arc::new(Tapped { inner, tap });
    p.sender.node.set_transport(transport.clone());
    transport
}

/// Pings through the receiver's router and then replaces or alters the
/// pong it got (a man in the middle, or a lying peer).
struct PongForger {
    receiver: countersign_node::Node,
    mode: std::sync::Mutex<Forge>,
}

impl PongForger {
    /// A pong from `from` referring to `refs`, signed with `key_of`'s key
    /// on the receiver, or with a fresh key of `from`'s name if `None`.
    fn forge(
        &self,
        from: &str,
        key_of: Option<&str>,
        ping: &SignedEnvelope,
        refs: EnvelopeId,
    ) -> SignedEnvelope {
        let key = match key_of {
            Some(p) => self.receiver.signer(&PartyId::parse(p).unwrap()).unwrap(),
            None => countersign_tlog::SignerKey::generate(from).unwrap(),
        };
        countersign_core::envelope::Envelope {
            v: countersign_core::envelope::ENVELOPE_VERSION,
            kind: countersign_core::envelope::EnvelopeType::Pong,
            from: PartyId::parse(from).unwrap(),
            to: vec![ping.envelope().from.clone()],
            created: countersign_node::now(),
            refs: vec![refs],
            tlp: ping.envelope().tlp,
            body: json!({}),
            attachments: vec![],
        }
        .sign(&key)
        .unwrap()
    }
}

impl Tap for PongForger {
    fn pong(&self, ping: &SignedEnvelope, honest: SignedEnvelope) -> SignedEnvelope {
        let mode = *self.mode.lock().unwrap();
        match mode {
            Forge::Honest => honest,
            Forge::WrongKey => self.forge(B, None, ping, ping.id()),
            Forge::WrongRef => self.forge(B, Some(B), ping, honest.id()),
            Forge::OtherParty => self.forge("cert-a", Some("cert-a"), ping, ping.id()),
            Forge::Tampered => {
                let mut value = honest.envelope().to_value().unwrap();
                value["body"] = json!({"note": "changed"});
                SignedEnvelope::from_parts(value, honest.signature().to_owned()).unwrap()
            }
        }
    }
}

/// A ping counts only when the pong is B's, signed by B's key, and refers
/// to the ping: forged, misdirected and altered pongs are failures with
/// their reason; the receiver records that it was pinged; nothing is
/// logged on either side.
#[tokio::test]
async fn only_a_verified_pong_counts_as_a_successful_ping() {
    let p = pair().await;
    let forger = tapped(
        &p,
        PongForger {
            receiver: p.receiver.node.clone(),
            mode: std::sync::Mutex::new(Forge::Honest),
        },
    )
    .await;
    let b = PartyId::parse(B).unwrap();
    let before = (footprint(&p.sender).await, footprint(&p.receiver).await);

    let cases = [
        (Forge::WrongKey, "signature"),
        (Forge::WrongRef, "does not refer to ping"),
        (Forge::Tampered, "signature"),
        (Forge::OtherParty, "not from cert-b"),
    ];
    for (i, (mode, reason)) in cases.iter().enumerate() {
        *forger.tap.mode.lock().unwrap() = *mode;
        let report = p.sender.node.ping(&b).await.unwrap();
        match &report.outcome {
            countersign_store::PingOutcome::Failure { error } => {
                assert!(error.contains(reason), "{mode:?}: {error}")
            }
            other => panic!("{mode:?} counted: {other:?}"),
        }
        let s = &report.stats;
        assert_eq!(s.successes, 0, "{mode:?}");
        assert_eq!(s.failures, i as u64 + 1, "{mode:?}");
        assert_eq!(s.consecutive_failures, i as u64 + 1, "{mode:?}");
        assert_eq!(s.last_success_us, None, "{mode:?}");
        assert_eq!(s.last_rtt_ms, None, "{mode:?}");
    }

    *forger.tap.mode.lock().unwrap() = Forge::Honest;
    let report = p.sender.node.ping(&b).await.unwrap();
    assert!(
        matches!(
            report.outcome,
            countersign_store::PingOutcome::Success { .. }
        ),
        "{report:?}"
    );
    let s = &report.stats;
    assert_eq!((s.successes, s.failures, s.consecutive_failures), (1, 4, 0));
    assert!(s.last_success_us.is_some() && s.last_rtt_ms.is_some());
    assert_eq!(s.last_success_us, s.last_attempt_us);
    // The last error is kept for the record after the success.
    assert!(s.last_error.as_deref().unwrap().contains("not from cert-b"));

    // The receiver verified five pings from X and noted the last.
    let x = PartyId::parse(X).unwrap();
    let seen = p.receiver.node.ping_stats(Some(&x)).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].last_pinged_us.is_some());
    assert_eq!(seen[0].last_attempt_us, None, "the receiver pinged no one");

    // Pings are not logged or stored as envelopes, on either side.
    assert_eq!(
        (footprint(&p.sender).await, footprint(&p.receiver).await),
        before
    );

    // REST shows the reachability on the party.
    let r = p
        .sender
        .get(&format!("/v1/parties/{B}"), Some(&p.sender.analyst_a))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let reach = &r.json()["reachability"];
    assert_eq!(reach["successes"], 1, "{reach}");
    assert_eq!(reach["failures"], 4, "{reach}");
    assert_eq!(reach["consecutive_failures"], 0, "{reach}");
    assert!(reach["last_rtt_ms"].is_u64(), "{reach}");
    assert!(reach["last_success"].is_string(), "{reach}");

    // So does the parties page: B's row has a last success, a round trip
    // and 4 failed pings of 5, none in a row.
    let cookie = p
        .sender
        .ui_login(&format!("analyst@{X}"), crate::common::PASSWORD)
        .await;
    let page = p.sender.get_with_cookie("/parties", &cookie).await.text();
    let row = page
        .split("<tr>")
        .find(|r| r.contains(&format!("<code>{B}</code>")))
        .unwrap_or_else(|| panic!("no row for {B}: {page}"));
    assert!(row.contains("<td><time datetime="), "{row}");
    assert!(row.contains(" ms</td>"), "{row}");
    assert!(row.contains("<td>4 of 5</td>"), "{row}");
}

/// An unknown party, a hosted one and one without an endpoint cannot be
/// pinged: an error, and nothing recorded.
#[tokio::test]
async fn a_party_that_cannot_be_pinged_is_an_error_and_records_nothing() {
    let p = pair().await;
    connect(&p);
    for party in ["cert-nobody", X, B] {
        let e = p
            .sender
            .node
            .ping(&PartyId::parse(party).unwrap())
            .await
            .unwrap_err();
        assert!(!e.message.is_empty());
    }
    assert!(p.sender.node.ping_stats(None).await.unwrap().is_empty());
}

/// The log page lists the cosignatures this node holds: witness, size and
/// the cosignature's time.
#[tokio::test]
async fn the_log_page_shows_the_cosignatures_held() {
    let t = crate::common::TestApp::new().await;
    let cookie = t.ui_login("analyst@cert-a", crate::common::PASSWORD).await;
    let page = t.get_with_cookie("/log", &cookie).await.text();
    assert!(page.contains("No peer witness has cosigned"), "{page}");
    let fed = t.node.store().federation().unwrap();
    for (witness, size) in [
        ("countersign/cert-w/witness", 7),
        ("countersign/cert-v/witness", 9),
    ] {
        fed.put_cosignature(&countersign_store::Cosignature {
            witness: witness.into(),
            size,
            checkpoint: "(not read by the page)".into(),
            line: "— (not read by the page)".into(),
            // 2026-11-20T08:00:00Z
            time: 1_795_161_600,
        })
        .await
        .unwrap();
    }
    let page = t.get_with_cookie("/log", &cookie).await.text();
    assert!(page.contains("2 cosignatures"), "{page}");
    // Newest size first.
    let v = page
        .find("<code>countersign/cert-v/witness</code></td><td>9</td>")
        .unwrap();
    let w = page
        .find("<code>countersign/cert-w/witness</code></td><td>7</td>")
        .unwrap();
    assert!(v < w, "{page}");
    assert!(page.contains("2026-11-20 08:00 UTC"), "{page}");
}

/// The inbox body of a notification without attachments filed on the
/// sender; returns it and its id.
async fn filed_plain(p: &Pair, title: &str) -> (Value, String) {
    let n = p
        .sender
        .notify(&p.sender.analyst_a, &notification(title, "amber"))
        .await;
    let id = n["id"].as_str().unwrap().to_owned();
    (filed_body_again(p, &id).await, id)
}

/// `POST /v1/inbox/batch`: each delivery is handled as alone. A good
/// envelope and its replay in the same batch get one and the same
/// receipt; a tampered one and one for a party not hosted here get their
/// own errors and write nothing; the answer keeps the order.
#[tokio::test]
async fn a_batch_is_answered_per_envelope_in_order() {
    let p = pair().await;
    let (good, id) = filed_plain(&p, "Batched").await;
    let (other, other_id) = filed_plain(&p, "Batched too").await;
    let mut tampered = other.clone();
    tampered["envelope"]["body"]["title"] = json!("Something else");
    let before = footprint(&p.receiver).await;

    let batch =
        json!({"deliveries": [good, tampered, good, {"envelope": {"v": 1}, "signature": "x"}]});
    let r = p.receiver.post_json("/v1/inbox/batch", None, &batch).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let out = r.json();
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "{out}");
    assert_eq!(results[0]["status"], 200, "{out}");
    assert_eq!(results[0]["id"], id.as_str(), "{out}");
    assert_eq!(results[1]["status"], 400, "{out}");
    assert_eq!(results[1]["error"]["code"], "bad_signature", "{out}");
    assert_eq!(results[2]["status"], 200, "{out}");
    assert_eq!(
        results[0]["receipts"], results[2]["receipts"],
        "one envelope, one receipt, however often it comes"
    );
    assert_eq!(results[3]["status"], 400, "{out}");
    let receipt = SignedEnvelope::from_json(&results[0]["receipts"][0].to_string()).unwrap();
    assert_eq!(receipt.envelope().refs[0].to_string(), id);
    // One notification stored; its leaf and its receipt's leaf logged.
    let after = footprint(&p.receiver).await;
    assert_eq!(after.0, before.0 + 1);
    assert_eq!(after.1, before.1 + 2);

    // A replay of the whole batch writes nothing and answers the same.
    let again = p.receiver.post_json("/v1/inbox/batch", None, &batch).await;
    assert_eq!(
        again.json()["results"][0]["receipts"],
        results[0]["receipts"]
    );
    assert_eq!(footprint(&p.receiver).await, after);

    // The other envelope, untampered, still goes through.
    let r = p
        .receiver
        .post_json("/v1/inbox/batch", None, &json!({"deliveries": [other]}))
        .await;
    assert_eq!(r.json()["results"][0]["id"], other_id.as_str());

    // A delivery that is not one fails alone.
    let r = p
        .receiver
        .post_json(
            "/v1/inbox/batch",
            None,
            &json!({"deliveries": [{"envelope": {}, "signature": "x", "extra": 1}, good]}),
        )
        .await;
    assert_eq!(r.json()["results"][0]["status"], 400);
    assert_eq!(r.json()["results"][0]["error"]["code"], "malformed_json");
    assert_eq!(r.json()["results"][1]["receipts"], results[0]["receipts"]);

    // Refused whole: not a batch, a member too many, too many.
    for body in [
        json!({"envelope": 1}),
        json!({"deliveries": {}}),
        json!({"deliveries": [], "more": []}),
        json!([]),
    ] {
        p.receiver
            .post_json("/v1/inbox/batch", None, &body)
            .await
            .assert_error(400, "malformed_json");
    }
    let many: Vec<Value> = (0..257).map(|_| good.clone()).collect();
    p.receiver
        .post_json("/v1/inbox/batch", None, &json!({"deliveries": many}))
        .await
        .assert_error(400, "invalid");
}

/// A batch from two senders, one of them unknown here: the directory is
/// read once per sender for the batch, and the stranger's envelopes are
/// refused as `POST /v1/inbox` refuses them, between the known sender's,
/// which go through in order; nothing of the stranger's is written.
#[tokio::test]
async fn a_batch_refuses_an_unknown_senders_envelopes_alone() {
    let p = pair().await;
    let (first, first_id) = filed_plain(&p, "Known first").await;
    let (second, second_id) = filed_plain(&p, "Known second").await;
    let stranger = TestApp::builder().party("cert-y").alone().build().await;
    introduce(&p.receiver, B, &stranger).await;
    let mut strangers = Vec::new();
    for title in ["From a stranger", "From a stranger again"] {
        let n = stranger
            .notify(&stranger.analyst_a, &notification(title, "green"))
            .await;
        strangers.push(
            stranger
                .get(
                    &format!("/v1/notifications/{}/envelope", n["id"].as_str().unwrap()),
                    Some(&stranger.analyst_a),
                )
                .await
                .json(),
        );
    }
    let before = footprint(&p.receiver).await;
    let batch = json!({"deliveries": [strangers[0], first, strangers[1], second]});
    let r = p.receiver.post_json("/v1/inbox/batch", None, &batch).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let out = r.json();
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "{out}");
    for i in [0, 2] {
        assert_eq!(results[i]["status"], 403, "{out}");
        assert_eq!(results[i]["error"]["code"], "unknown_sender", "{out}");
        assert!(results[i]["receipts"].is_null(), "{out}");
    }
    assert_eq!(results[1]["id"], first_id.as_str(), "{out}");
    assert_eq!(results[3]["id"], second_id.as_str(), "{out}");
    for i in [1, 3] {
        assert_eq!(results[i]["status"], 200, "{out}");
        let receipt = SignedEnvelope::from_json(&results[i]["receipts"][0].to_string()).unwrap();
        assert_eq!(receipt.envelope().refs[0].to_string(), results[i]["id"]);
    }
    // Two notifications and their two receipts: nothing of the stranger's.
    let after = footprint(&p.receiver).await;
    assert_eq!(after.0, before.0 + 2);
    assert_eq!(after.1, before.1 + 4);
}

/// The outbox sends envelopes without attachments in batches and still
/// verifies and stores each receipt; one with an attachment goes alone.
#[tokio::test]
async fn the_outbox_batches_deliveries_and_verifies_every_receipt() {
    let p = pair().await;
    set_endpoint(&p).await;
    let transport = connect(&p);
    transport.add(ENDPOINT, p.receiver.app.clone());
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(filed_plain(&p, &format!("Plain {i}")).await.1);
    }
    ids.push(filed(&p, "With an attachment").await.1);
    assert_eq!(p.sender.node.deliver_due().await.unwrap(), ids.len());
    for id in &ids {
        assert_eq!(
            states(&p.sender, id).await,
            [(B.to_owned(), "delivered".to_owned())],
            "{id}"
        );
        let e = EnvelopeId::parse(id).unwrap();
        let b = PartyId::parse(B).unwrap();
        let held = p.sender.node.receipt_for(&e, &b).await.unwrap().unwrap();
        let given = p.receiver.node.receipt_for(&e, &b).await.unwrap().unwrap();
        assert_eq!(held.id(), given.id(), "{id}");
        // In the sender's log when `deliver_due` returns, not at the
        // sequencer's next idle sweep.
        assert!(
            p.sender
                .node
                .store()
                .log_index(&held.id())
                .await
                .unwrap()
                .is_some(),
            "the receipt for {id} is not in the sender's log yet"
        );
    }
    assert_eq!(p.receiver.notification_count().await, ids.len());
}

/// A rating arriving at the replier's inbox must rate a reply held there
/// that its one recipient sent to the rating's sender, who must be the
/// notifier: a rating of a notification, one whose body names another
/// reply than its `refs[0]`, one pinned on a party that did not reply, one
/// also addressed to another party, one naming the wrong notification or
/// none, and one from a party the replier copied its reply to but that
/// did not notify are refused and write nothing; the genuine one gets a
/// receipt.
#[tokio::test]
async fn a_rating_must_rate_a_reply_held_here_from_its_recipient() {
    let p = pair().await;
    let (body, id) = filed(&p, "Rate me").await;
    let r = p.receiver.post_json("/v1/inbox", None, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = p
        .receiver
        .post_json(
            &format!("/v1/notifications/{id}/replies"),
            Some(&p.receiver.analyst_b),
            &json!({"kind": "findings", "text": "A compromised VPS; it is down."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let reply = SignedEnvelope::from_json(&r.text()).unwrap().id();
    let notification = EnvelopeId::parse(&id).unwrap();

    let x = PartyId::parse(X).unwrap();
    let x_key = p.sender.node.signer(&x).unwrap();
    // Y, a second party of the sender's node, known to the receiver, to
    // which B copies a reply of its own making (as if to a co-recipient):
    // it received that reply but did not notify.
    let y = PartyId::parse("cert-y").unwrap();
    p.sender
        .node
        .add_local_party(
            &y,
            "CERT Y",
            countersign_core::party::PartyKind::NationalCert,
            None,
            None,
        )
        .await
        .unwrap();
    introduce(&p.sender, y.as_str(), &p.receiver).await;
    let y_key = p.sender.node.signer(&y).unwrap();
    let copied = countersign_core::envelope::Envelope {
        v: countersign_core::envelope::ENVELOPE_VERSION,
        kind: countersign_core::envelope::EnvelopeType::Reply,
        from: PartyId::parse(B).unwrap(),
        to: vec![x.clone(), y.clone()],
        created: countersign_node::now(),
        refs: vec![notification],
        tlp: countersign_core::tlp::Tlp::Amber,
        body: json!({"kind": "findings", "text": "The host is ours; also telling Y."}),
        attachments: vec![],
    }
    .sign(&p.receiver.node.signer(&PartyId::parse(B).unwrap()).unwrap())
    .unwrap();
    p.receiver
        .node
        .store_envelope(&countersign_store::NewEnvelope {
            envelope: copied.clone(),
            direction: countersign_store::Direction::Sent,
            stored: countersign_node::now(),
            notification: None,
        })
        .await
        .unwrap();
    let copied = copied.id();
    let rating = |signer: &countersign_tlog::SignerKey,
                  from: &str,
                  to: &[&str],
                  refs: Vec<EnvelopeId>,
                  rated: EnvelopeId| {
        let signed = countersign_core::envelope::Envelope {
            v: countersign_core::envelope::ENVELOPE_VERSION,
            kind: countersign_core::envelope::EnvelopeType::Rating,
            from: PartyId::parse(from).unwrap(),
            to: to.iter().map(|p| PartyId::parse(p).unwrap()).collect(),
            created: countersign_node::now(),
            refs,
            tlp: countersign_core::tlp::Tlp::Amber,
            body: json!({"reply": rated.to_string(), "quality": "substantive", "reason": "Findings with the host named."}),
            attachments: vec![],
        }
        .sign(signer)
        .unwrap();
        json!({"envelope": signed.envelope().to_value().unwrap(), "signature": signed.signature(), "attachments": {}})
    };

    let before = footprint(&p.receiver).await;
    let refused = [
        (
            "a notification is not a reply",
            rating(&x_key, X, &[B], vec![notification], notification),
        ),
        (
            "the body rates another envelope",
            rating(&x_key, X, &[B], vec![reply, notification], notification),
        ),
        (
            "A did not send that reply",
            rating(&x_key, X, &["cert-a"], vec![reply, notification], reply),
        ),
        (
            "also addressed to another party than the replier",
            rating(&x_key, X, &[B, "cert-a"], vec![reply, notification], reply),
        ),
        (
            "the reply answers another notification",
            rating(&x_key, X, &[B], vec![reply, reply], reply),
        ),
        (
            "the notification (refs[1]) is missing",
            rating(&x_key, X, &[B], vec![reply], reply),
        ),
        (
            "Y received the reply but did not notify",
            rating(&y_key, "cert-y", &[B], vec![copied, notification], copied),
        ),
    ];
    // Every case is tried; the ones not refused are reported together.
    let mut accepted = Vec::new();
    for (why, body) in &refused {
        let r = p.receiver.post_json("/v1/inbox", None, body).await;
        if r.status != StatusCode::BAD_REQUEST || !r.text().contains("rating refused") {
            accepted.push(format!("{why}: {} {}", r.status, r.text()));
        }
    }
    assert!(accepted.is_empty(), "not refused:\n{}", accepted.join("\n"));
    assert_eq!(footprint(&p.receiver).await, before, "a refusal wrote");

    let good = rating(&x_key, X, &[B], vec![reply, notification], reply);
    let r = p.receiver.post_json("/v1/inbox", None, &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["receipts"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text()
    );

    // Y's rating held anyway (stored before the inbox checked the
    // notifier): the timeline shows only the notifier's rating.
    let mut held = rating(&y_key, "cert-y", &[B], vec![copied, notification], copied);
    held.as_object_mut().unwrap().remove("attachments");
    let held = SignedEnvelope::from_json(&held.to_string()).unwrap();
    p.receiver
        .node
        .store_envelope(&countersign_store::NewEnvelope {
            envelope: held,
            direction: countersign_store::Direction::Received,
            stored: countersign_node::now(),
            notification: None,
        })
        .await
        .unwrap();
    let t = p
        .receiver
        .node
        .timeline(&countersign_node::access::Viewer::Operator, &notification)
        .await
        .unwrap();
    let raters: Vec<&str> = t
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                countersign_node::obligations::TimelineEventKind::Rating { .. }
            )
        })
        .map(|e| e.from.as_str())
        .collect();
    assert_eq!(raters, [X], "{:?}", t.events);
}

/// Counts (and can fail) the tile fetches through the receiver's router,
/// to see how often the sender checks a peer's checkpoints.
#[derive(Default)]
struct CountingTiles {
    tiles: std::sync::atomic::AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
}

impl Tap for CountingTiles {
    fn tile(&self) -> Option<countersign_node::deliver::TransportError> {
        use std::sync::atomic::Ordering;
        self.tiles.fetch_add(1, Ordering::SeqCst);
        self.fail
            .load(Ordering::SeqCst)
            .then(|| countersign_node::deliver::TransportError::retry("tiles unreachable (test)"))
    }
}

/// The receipts of one batch carry the peer's same new checkpoints: the
/// sender checks each new checkpoint once (its tiles fetched once), not
/// once per receipt; and when the check fails, the receipts waiting on it
/// get its answer instead of fetching again, and stay queued.
#[tokio::test]
async fn each_new_peer_checkpoint_is_checked_once_per_round() {
    use std::sync::atomic::Ordering;
    let p = pair().await;
    let transport = tapped(&p, CountingTiles::default()).await;
    // A first checkpoint of the receiver's log, taken on trust.
    filed_plain(&p, "First").await;
    assert_eq!(p.sender.node.deliver_due().await.unwrap(), 1);
    let first = transport.tap.tiles.load(Ordering::SeqCst);

    let mut ids = Vec::new();
    for i in 0..100 {
        ids.push(filed_plain(&p, &format!("Many {i}")).await.1);
    }
    assert_eq!(p.sender.node.deliver_due().await.unwrap(), ids.len());
    let b = PartyId::parse(B).unwrap();
    let mut checkpoints = std::collections::BTreeSet::new();
    for id in &ids {
        let e = EnvelopeId::parse(id).unwrap();
        let receipt = p.sender.node.receipt_for(&e, &b).await.unwrap().unwrap();
        let proof = Receipt::from_envelope(&receipt).unwrap().proof;
        checkpoints.insert(
            countersign_tlog::TlogProof::parse(&proof)
                .unwrap()
                .checkpoint,
        );
    }
    let fetched = transport.tap.tiles.load(Ordering::SeqCst) - first;
    // A tree of about 200 leaves has tiles on two levels at most, and a
    // consistency proof reads each at most once.
    assert!(
        fetched <= 2 * checkpoints.len(),
        "{fetched} tile fetches for {} new checkpoints",
        checkpoints.len()
    );

    // The peer's tiles become unreachable: its receipts cannot be checked.
    transport.tap.fail.store(true, Ordering::SeqCst);
    let before = transport.tap.tiles.load(Ordering::SeqCst);
    let mut pending = Vec::new();
    for i in 0..100 {
        pending.push(filed_plain(&p, &format!("Unchecked {i}")).await.1);
    }
    assert_eq!(p.sender.node.deliver_due().await.unwrap(), pending.len());
    let fetched = transport.tap.tiles.load(Ordering::SeqCst) - before;
    assert!(
        fetched < 20,
        "{fetched} tile fetches for 100 receipts: each waiting receipt fetched again"
    );
    for id in &pending {
        assert_eq!(
            states(&p.sender, id).await,
            [(B.to_owned(), "queued".to_owned())],
            "{id}"
        );
    }
}

/// Holds every batch at a gate until it opens, and records which
/// envelopes were posted.
struct GatedBatches {
    gate: std::sync::Arc<tokio::sync::Semaphore>,
    posted: std::sync::Mutex<Vec<EnvelopeId>>,
}

impl Tap for GatedBatches {
    fn batch(
        &self,
        envelopes: &[SignedEnvelope],
    ) -> Option<std::sync::Arc<tokio::sync::Semaphore>> {
        let mut posted = self.posted.lock().unwrap();
        posted.extend(envelopes.iter().map(|e| e.id()));
        Some(self.gate.clone())
    }
}

/// The delivery worker starts a round while the one before still checks
/// and records its receipts: a round started while another is attempting
/// deliveries leaves those alone instead of posting them a second time,
/// and takes them up once that round has recorded its outcome.
#[tokio::test]
async fn a_round_leaves_alone_the_deliveries_another_round_is_attempting() {
    let p = pair().await;
    let transport = tapped(
        &p,
        GatedBatches {
            gate: std::sync::Arc::new(tokio::sync::Semaphore::new(0)),
            posted: Default::default(),
        },
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(filed_plain(&p, &format!("Held {i}")).await.1);
    }
    let first = tokio::spawn({
        let node = p.sender.node.clone();
        async move { node.deliver_due().await.unwrap() }
    });
    while transport.tap.posted.lock().unwrap().len() < ids.len() {
        tokio::task::yield_now().await;
    }
    // The first round waits at the gate with all three. (Were they taken
    // again, this round would wait at the closed gate too.)
    let second = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        p.sender.node.deliver_due(),
    )
    .await
    .expect("the second round posted deliveries the first one holds");
    assert_eq!(second.unwrap(), 0);
    let late = filed_plain(&p, "Filed meanwhile").await.1;
    // Opens the gate: each batch gives its permit back once through. The
    // first round holds its three until it has recorded them all, however
    // far it gets while this one runs.
    transport.tap.gate.add_permits(1);
    assert_eq!(
        p.sender.node.deliver_due().await.unwrap(),
        1,
        "only the new one"
    );
    assert_eq!(first.await.unwrap(), ids.len());
    ids.push(late);
    let mut posted: Vec<String> = transport
        .tap
        .posted
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.to_string())
        .collect();
    posted.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(posted, expected, "each envelope posted once");
    for id in &ids {
        assert_eq!(
            states(&p.sender, id).await,
            [(B.to_owned(), "delivered".to_owned())],
            "{id}"
        );
    }
    // Nothing is held in flight any more: a failed attempt is retried by
    // a later round (here none is due).
    assert_eq!(p.sender.node.deliver_due().await.unwrap(), 0);
}
