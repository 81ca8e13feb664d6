//! Whose clock counts (crates/node/src/obligations.rs, "Whose clock"):
//! a counterpart's envelope is timed by when this node received it, not by
//! the `created` its sender wrote, so a late reply cannot be back-dated
//! into a punctual one; an envelope dated ahead of this node's clock, or a
//! reply dated before the notification it answers, is refused at the
//! inbox and writes nothing.

use axum::http::StatusCode;
use countersign_core::envelope::{ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::time::Timestamp;
use serde_json::{Value, json};

use crate::common::{B, TestApp, notification};

const X: &str = "cert-x";

/// X's node (the notifier) and B's node, each knowing the other.
async fn pair() -> (TestApp, TestApp) {
    let notifier = TestApp::builder().party(X).alone().build().await;
    let recipient = TestApp::new().await;
    for (from, party, to) in [(&notifier, X, &recipient), (&recipient, B, &notifier)] {
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
    (notifier, recipient)
}

fn inbox_body(signed: &SignedEnvelope) -> Value {
    json!({
        "envelope": signed.envelope().to_value().unwrap(),
        "signature": signed.signature(),
        "attachments": {},
    })
}

/// A findings reply from B to X about `notification`, dated `created`,
/// signed with B's key on B's node.
fn reply(recipient: &TestApp, notification: EnvelopeId, created: Timestamp) -> SignedEnvelope {
    let key = recipient.node.signer(&PartyId::parse(B).unwrap()).unwrap();
    Envelope {
        v: ENVELOPE_VERSION,
        kind: EnvelopeType::Reply,
        from: PartyId::parse(B).unwrap(),
        to: vec![PartyId::parse(X).unwrap()],
        created,
        refs: vec![notification],
        tlp: countersign_core::tlp::Tlp::Amber,
        body: json!({"kind": "findings", "text": "It was our monitoring host."}),
        attachments: vec![],
    }
    .sign(&key)
    .unwrap()
}

#[tokio::test]
async fn a_reply_counts_from_its_arrival_and_future_or_impossible_dates_are_refused() {
    let (notifier, recipient) = pair().await;
    let n = notifier
        .notify(&notifier.analyst_a, &notification("Clocks", "amber"))
        .await;
    let id = EnvelopeId::parse(n["id"].as_str().unwrap()).unwrap();
    let envelope = notifier
        .get(
            &format!("/v1/notifications/{id}/envelope"),
            Some(&notifier.analyst_a),
        )
        .await
        .json();
    let r = recipient.post_json("/v1/inbox", None, &envelope).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let created = Timestamp::parse(n["created"].as_str().unwrap()).unwrap();
    let count = |t: &TestApp| {
        let node = t.node.clone();
        async move { node.log_sync().await.unwrap().size }
    };

    // Refused, nothing written: dated an hour ahead, or dated before
    // the notification it answers.
    let before = count(&notifier).await;
    for (why, created, needle) in [
        (
            "future",
            countersign_node::now().plus_hours(1),
            "ahead of this node's clock",
        ),
        (
            "before the notification",
            // (one millisecond: B's key is not valid much earlier)
            Timestamp::from_datetime(created.datetime() - chrono::Duration::milliseconds(1)),
            "before the notification it answers",
        ),
    ] {
        let body = inbox_body(&reply(&recipient, id, created));
        let r = notifier.post_json("/v1/inbox", None, &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.text());
        assert!(r.text().contains(needle), "{why}: {}", r.text());
    }
    assert_eq!(count(&notifier).await, before, "a refusal wrote");

    // Dated at the notification's own millisecond but arriving over a
    // second later: the timeline and the lifecycle use the arrival.
    let backdated = reply(&recipient, id, created);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let posted_after = countersign_node::now();
    let r = notifier
        .post_json("/v1/inbox", None, &inbox_body(&backdated))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let timeline = notifier
        .get(
            &format!("/v1/notifications/{id}/timeline"),
            Some(&notifier.analyst_a),
        )
        .await
        .json();
    let event = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["envelope"] == backdated.id().to_string())
        .unwrap_or_else(|| panic!("no reply event in {timeline}"));
    let at = Timestamp::parse(event["at"].as_str().unwrap()).unwrap();
    assert!(
        at >= posted_after,
        "the reply counts from {at}, its back-dated created, not its arrival after {posted_after}"
    );
    let ack = &timeline["recipients"][0]["lifecycle"]["acknowledged_at"];
    assert_eq!(ack, &event["at"], "{timeline}");
}
