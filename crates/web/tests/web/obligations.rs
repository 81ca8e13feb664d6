//! Reply obligations over REST: rating a reply (and refusing what may not
//! be rated), the rule's proposal, the timeline, the due lists, the
//! scorecards and the HTML report with its own CSP. One node hosting A, B
//! and C, so deliveries are local.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{B, TestApp, notification};

/// A notifies B (AMBER, deadlines defaulted), B answers with findings;
/// returns (notification id, reply id).
async fn answered(t: &TestApp) -> (String, String) {
    let n = t.notify(&t.analyst_a, &notification("scan", "amber")).await;
    let id = n["id"].as_str().unwrap().to_owned();
    let r = t
        .post_json(
            &format!("/v1/notifications/{id}/replies"),
            Some(&t.analyst_b),
            &json!({"kind": "findings", "text": "A misconfigured monitoring host of ours; now fixed."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let reply = countersign_core::envelope::Envelope::id(
        &serde_json::from_value(r.json()["envelope"].clone()).unwrap(),
    )
    .unwrap()
    .to_string();
    (id, reply)
}

#[tokio::test]
async fn rating_over_rest() {
    let t = TestApp::new().await;
    let (n, reply) = answered(&t).await;
    let path = format!("/v1/replies/{reply}/rating");
    let count = t.notification_count().await;
    let size = t.node.log_sync().await.unwrap().size;

    // Refusals: the replier, a viewer, a stranger, a notification, no
    // quality, no reason, unknown fields.
    let body = json!({"quality": "formal", "reason": "no indicators"});
    t.post_json(&path, Some(&t.analyst_b), &body)
        .await
        .assert_error(403, "forbidden");
    t.post_json(&path, Some(&t.viewer_a), &body)
        .await
        .assert_error(403, "forbidden");
    t.post_json(&path, Some(&t.analyst_c), &body)
        .await
        .assert_error(404, "not_found");
    t.post_json(
        &format!("/v1/replies/{n}/rating"),
        Some(&t.analyst_a),
        &body,
    )
    .await
    .assert_error(400, "invalid");
    t.post_json(&path, Some(&t.analyst_a), &json!({"reason": "x"}))
        .await
        .assert_error(400, "invalid");
    t.post_json(&path, Some(&t.analyst_a), &json!({"quality": "formal"}))
        .await
        .assert_error(400, "invalid");
    t.post_json(
        &path,
        Some(&t.analyst_a),
        &json!({"quality": "great", "reason": "x"}),
    )
    .await
    .assert_error(400, "invalid");
    let r = t
        .post_json(
            &path,
            Some(&t.analyst_a),
            &json!({"quality": "formal", "reason": "x", "stars": 5}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text());
    assert_eq!(
        t.node.log_sync().await.unwrap().size,
        size,
        "nothing logged"
    );
    assert_eq!(t.notification_count().await, count);

    // The proposal, then a rating and an override.
    let p = t
        .get(
            &format!("/v1/replies/{reply}/rating-proposal"),
            Some(&t.analyst_a),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    assert_eq!(p.json()["quality"], "substantive");
    let r = t.post_json(&path, Some(&t.analyst_a), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let first = r.json();
    assert_eq!(first["quality"], "formal");
    assert_eq!(first["reply"], reply.as_str());
    assert_eq!(first["notification"], n.as_str());
    assert_eq!(first["envelope"]["envelope"]["type"], "rating");
    assert_eq!(first["envelope"]["envelope"]["refs"], json!([reply, n]));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r = t
        .post_json(
            &path,
            Some(&t.analyst_a),
            &json!({"accept_proposal": true, "close": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["quality"], "substantive");
    assert_eq!(r.json()["close"], true);

    let tl = t
        .get(
            &format!("/v1/notifications/{n}/timeline"),
            Some(&t.viewer_a),
        )
        .await;
    assert_eq!(tl.status, StatusCode::OK, "{}", tl.text());
    let tl = tl.json();
    assert_eq!(tl["recipients"][0]["party"], B);
    assert_eq!(tl["recipients"][0]["lifecycle"]["stage"], "closed");
    assert_eq!(tl["recipients"][0]["lifecycle"]["quality"], "substantive");
    let events: Vec<&str> = tl["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events[0], "sent");
    assert_eq!(events.iter().filter(|e| **e == "rating").count(), 2);
    let last = tl["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["supersedes"], first["id"], "{last}");
    assert_eq!(last["proof"]["signed"], true);
    // A stranger does not see the AMBER timeline.
    t.get(
        &format!("/v1/notifications/{n}/timeline"),
        Some(&t.analyst_c),
    )
    .await
    .assert_error(404, "not_found");
}

#[tokio::test]
async fn due_lists_scorecards_and_the_report() {
    let t = TestApp::new().await;
    answered(&t).await;
    t.notify(&t.analyst_a, &notification("ignored", "green"))
        .await;
    // Delivered (locally, as the node's worker would): nothing is owed
    // before delivery.
    t.node.deliver_due().await.unwrap();

    let due = t
        .get("/v1/obligations/due?soon_hours=48", Some(&t.analyst_b))
        .await;
    assert_eq!(due.status, StatusCode::OK, "{}", due.text());
    let due = due.json();
    assert_eq!(due["overdue"], json!([]));
    let soon = due["soon_due"].as_array().unwrap();
    assert_eq!(soon.len(), 1, "B owes an acknowledgement: {due}");
    assert_eq!(soon[0]["direction"], "in");
    assert_eq!(soon[0]["deadline"], "ack");
    t.get("/v1/obligations/due?soon_hours=-1", Some(&t.analyst_b))
        .await
        .assert_error(400, "invalid");

    let s = t.get("/v1/scorecards?period=7d", Some(&t.viewer_a)).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let cards = s.json()["scorecards"].as_array().unwrap().clone();
    assert_eq!(cards.len(), 1, "A sees its own card only: {cards:?}");
    let c = &cards[0];
    assert_eq!(
        (c["counterpart"].as_str(), c["direction"].as_str()),
        (Some(B), Some("out"))
    );
    assert_eq!(
        (
            c["sent"].as_u64(),
            c["answered"].as_u64(),
            c["unanswered"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    for bad in [
        "period=7",
        "direction=sideways",
        "counterpart=Not%20A%20Party",
        "colour=red",
    ] {
        t.get(&format!("/v1/scorecards?{bad}"), Some(&t.viewer_a))
            .await
            .assert_error(400, "invalid");
    }

    let r = t
        .get("/v1/scorecards/report?period=7d", Some(&t.viewer_a))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.contains("style-src 'sha256-") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let html = r.text();
    assert!(html.contains("class=\"chart quality-bars\""));
    assert!(!html.contains("<script"));
    t.get("/v1/scorecards/report", None)
        .await
        .assert_error(401, "unauthenticated");
}

/// Across two nodes: X (alone on its node) notifies B, B answers, X rates
/// the answer; the rating travels to B's node with a receipt, and B's
/// timeline and inbound scorecard show it.
#[tokio::test]
async fn a_rating_travels_to_the_replier_with_a_receipt() {
    use countersign_core::ids::PartyId;
    use countersign_web::client::RouterTransport;
    const X: &str = "cert-x";
    let sender = TestApp::builder().party(X).alone().build().await;
    let receiver = TestApp::new().await;
    // Directories exchanged, endpoints set, transports wired in process.
    let (to_receiver, to_sender) = ("http://127.0.0.1:1", "http://127.0.0.1:2");
    for (from, into, party, endpoint) in [
        (&sender, &receiver, X, to_sender),
        (&receiver, &sender, B, to_receiver),
    ] {
        let id = PartyId::parse(party).unwrap();
        let entry = from.node.export_party(&id).await.unwrap();
        into.node
            .import_party(&entry.to_json_pretty().unwrap(), &[])
            .await
            .unwrap();
        let mut stored = into.node.get_party(&id).await.unwrap();
        stored.party.endpoint = Some(endpoint.to_owned());
        into.node.store().put_party(&stored, true).await.unwrap();
    }
    for (t, endpoint, peer) in [
        (&sender, to_receiver, &receiver),
        (&receiver, to_sender, &sender),
    ] {
        let transport = RouterTransport::default();
        transport.add(endpoint, peer.app.clone());
        t.node.set_transport(std::sync::Arc::new(transport));
    }

    let n = sender
        .notify(&sender.analyst_a, &notification("please answer", "amber"))
        .await;
    let n = n["id"].as_str().unwrap().to_owned();
    sender.node.deliver_due().await.unwrap();
    let r = receiver
        .post_json(
            &format!("/v1/notifications/{n}/replies"),
            Some(&receiver.analyst_b),
            &json!({"kind": "action-taken", "text": "We took the host down and kept its disk image for you."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let reply = countersign_core::envelope::Envelope::id(
        &serde_json::from_value(r.json()["envelope"].clone()).unwrap(),
    )
    .unwrap()
    .to_string();
    receiver.node.deliver_due().await.unwrap();
    let rated = sender
        .post_json(
            &format!("/v1/replies/{reply}/rating"),
            Some(&sender.analyst_a),
            &json!({"accept_proposal": true}),
        )
        .await;
    assert_eq!(rated.status, StatusCode::CREATED, "{}", rated.text());
    let rating = rated.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(sender.node.deliver_due().await.unwrap(), 1);

    // On the sender: the rating's receipt from B is held.
    let tl = sender
        .get(
            &format!("/v1/notifications/{n}/timeline"),
            Some(&sender.analyst_a),
        )
        .await
        .json();
    let ev = tl["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["envelope"] == rating.as_str())
        .unwrap()
        .clone();
    assert_eq!(ev["proof"]["receipt_verified"], true, "{ev}");
    // On the receiver: B sees the rating of its answer.
    let tl = receiver
        .get(
            &format!("/v1/notifications/{n}/timeline"),
            Some(&receiver.analyst_b),
        )
        .await
        .json();
    assert_eq!(
        tl["recipients"][0]["lifecycle"]["quality"], "substantive",
        "{tl}"
    );
    let cards = receiver
        .get("/v1/scorecards?period=1d", Some(&receiver.analyst_b))
        .await
        .json();
    let c = &cards["scorecards"][0];
    assert_eq!(
        (c["counterpart"].as_str(), c["direction"].as_str()),
        (Some(X), Some("in"))
    );
    assert_eq!(
        (c["answered"].as_u64(), c["substantive"].as_u64()),
        (Some(1), Some(1)),
        "{c}"
    );
}
