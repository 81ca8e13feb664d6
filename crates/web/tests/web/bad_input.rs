//! Bad input, endpoint by endpoint: a clear JSON error with a stable code,
//! and nothing written.

use axum::http::Method;
use countersign_core::ids::Sha256Hex;
use serde_json::{Value, json};

use crate::common::{MAX_ATTACHMENT, TestApp, evidence, notification};

/// Posts a notification that must fail with `status`/`code` and leave the
/// store as it was.
async fn refused(t: &TestApp, body: &Value, status: u16, code: &str) {
    let before = t.notification_count().await;
    t.post_json("/v1/notifications", Some(&t.analyst_a), body)
        .await
        .assert_error(status, code);
    assert_eq!(t.notification_count().await, before, "{body}");
}

#[tokio::test]
async fn bad_notifications_change_nothing() {
    let t = TestApp::new().await;
    let ok = notification("fine", "amber");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = ok.clone();
        f(&mut b);
        b
    };

    // Malformed JSON, wrong content type, missing and unknown fields.
    let before = t.notification_count().await;
    let token = Some(t.analyst_a.as_str());
    t.call(
        Method::POST,
        "/v1/notifications",
        token,
        Some("application/json"),
        "{\"title\": ",
    )
    .await
    .assert_error(400, "malformed_json");
    t.call(
        Method::POST,
        "/v1/notifications",
        token,
        Some("text/plain"),
        ok.to_string(),
    )
    .await
    .assert_error(415, "unsupported_media_type");
    t.call(
        Method::POST,
        "/v1/notifications",
        token,
        None,
        ok.to_string(),
    )
    .await
    .assert_error(415, "unsupported_media_type");
    assert_eq!(t.notification_count().await, before);
    refused(&t, &json!({"to": ["cert-b"]}), 422, "invalid").await;
    refused(&t, &with(&|b| b["colour"] = json!("red")), 422, "invalid").await;
    refused(&t, &with(&|b| b["to"] = json!("cert-b")), 422, "invalid").await;

    // Invalid field values.
    refused(
        &t,
        &with(&|b| b["category"] = json!("bogus")),
        400,
        "invalid",
    )
    .await;
    refused(
        &t,
        &with(&|b| b["category"] = json!("intrusions/ddos")),
        400,
        "invalid",
    )
    .await;
    refused(
        &t,
        &with(&|b| b["severity"] = json!("dire")),
        400,
        "invalid",
    )
    .await;
    refused(&t, &with(&|b| b["tlp"] = json!("purple")), 400, "invalid").await;
    refused(
        &t,
        &with(&|b| b["sectors"] = json!(["energy"])),
        400,
        "invalid",
    )
    .await;
    refused(
        &t,
        &with(&|b| b["requested_actions"] = json!(["nuke"])),
        400,
        "invalid",
    )
    .await;
    refused(
        &t,
        &with(&|b| b["origin"] = json!(["198.51.100.7/24"])),
        400,
        "invalid",
    )
    .await;
    refused(&t, &with(&|b| b["title"] = json!("  ")), 400, "invalid").await;
    refused(
        &t,
        &with(&|b| b["ack_by"] = json!("2000-01-01T00:00:00Z")),
        400,
        "invalid",
    )
    .await;
    refused(
        &t,
        &with(&|b| b["ack_by"] = json!("tomorrow")),
        400,
        "invalid",
    )
    .await;
    refused(
        &t,
        &with(&|b| b["from"] = json!("Not An Id")),
        400,
        "invalid",
    )
    .await;

    // Evidence that is not STIX 2.1.
    let bad_bundle =
        json!({"type": "bundle", "id": "bundle--x", "objects": [{"type": "indicator"}]});
    refused(
        &t,
        &with(&|b| b["evidence"] = bad_bundle.clone()),
        422,
        "invalid_stix",
    )
    .await;
    refused(
        &t,
        &with(&|b| b["evidence"] = json!("not an object")),
        422,
        "invalid_stix",
    )
    .await;

    // Unknown recipient, unknown attachment.
    refused(
        &t,
        &with(&|b| b["to"] = json!(["cert-nowhere"])),
        404,
        "not_found",
    )
    .await;
    let missing = Sha256Hex::digest(b"never uploaded").to_string();
    let attachment = json!([{"sha256": missing, "name": "x.log", "media_type": "text/plain"}]);
    refused(
        &t,
        &with(&|b| b["attachments"] = attachment.clone()),
        404,
        "not_found",
    )
    .await;
    refused(
        &t,
        &with(&|b| {
            b["attachments"] = json!([{"sha256": "xyz", "name": "x", "media_type": "text/plain"}])
        }),
        400,
        "invalid",
    )
    .await;

    // The same with evidence is accepted: the failures above were the input's.
    t.notify(&t.analyst_a, &with(&|b| b["evidence"] = evidence()))
        .await;
}

#[tokio::test]
async fn oversize_attachments_are_refused_and_not_stored() {
    let t = TestApp::new().await;
    let big = vec![7u8; MAX_ATTACHMENT as usize + 1];
    for method in [Method::PUT, Method::POST] {
        t.call(
            method,
            "/v1/attachments",
            Some(&t.analyst_a),
            Some("application/octet-stream"),
            big.clone(),
        )
        .await
        .assert_error(413, "too_large");
    }
    assert!(!t.node.blobs().has(&Sha256Hex::digest(&big)).await.unwrap());
    // Exactly the limit is fine.
    let fits = vec![7u8; MAX_ATTACHMENT as usize];
    let r = t
        .call(
            Method::PUT,
            "/v1/attachments",
            Some(&t.analyst_a),
            None,
            fits.clone(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text());
    assert!(t.node.blobs().has(&Sha256Hex::digest(&fits)).await.unwrap());
}

#[tokio::test]
async fn bad_listing_parameters() {
    let t = TestApp::new().await;
    t.notify(&t.analyst_a, &notification("one", "amber")).await;
    for q in [
        "cursor=not-a-cursor",
        "cursor=ZZZZ",
        "limit=0",
        "limit=501",
        "limit=ten",
        "severity=dire",
        "sufficiency=some",
        "tlp=purple",
        "category=bogus",
        "since=yesterday",
        "until=2026-13-01",
        "from=Not%20An%20Id",
        "colour=red",
    ] {
        t.get(&format!("/v1/notifications?{q}"), Some(&t.viewer_a))
            .await
            .assert_error(400, "invalid");
    }
}

#[tokio::test]
async fn bad_paths_and_methods() {
    let t = TestApp::new().await;
    let token = Some(t.viewer_a.as_str());
    t.get("/v1/notifications/not-an-id", token)
        .await
        .assert_error(400, "invalid");
    let unknown = Sha256Hex::digest(b"nothing").to_string();
    t.get(&format!("/v1/notifications/{unknown}"), token)
        .await
        .assert_error(404, "not_found");
    t.get(&format!("/v1/notifications/{unknown}/envelope"), token)
        .await
        .assert_error(404, "not_found");
    t.get(
        &format!("/v1/notifications/{unknown}/attachments/xyz"),
        token,
    )
    .await
    .assert_error(400, "invalid");
    t.get(
        &format!("/v1/notifications/{unknown}/attachments/{unknown}"),
        token,
    )
    .await
    .assert_error(404, "not_found");
    t.get("/v1/parties/Not%20An%20Id", token)
        .await
        .assert_error(400, "invalid");
    t.get("/v1/parties/cert-nowhere", token)
        .await
        .assert_error(404, "not_found");
    t.get("/v1/parties/cert-nowhere/entry", token)
        .await
        .assert_error(404, "not_found");
    t.get("/v1/nothing-here", token)
        .await
        .assert_error(404, "not_found");
    t.call(Method::PATCH, "/v1/notifications", token, None, "")
        .await
        .assert_error(405, "method_not_allowed");
}

#[tokio::test]
async fn bad_parties_change_nothing() {
    let t = TestApp::new().await;
    let before = t.party_count().await;
    let admin = Some(t.admin.as_str());
    let vkey = t.get("/v1/keys", None).await.json()[1]["vkeys"][0].clone();
    let party = |id: &str, vkey: &Value| json!({"id": id, "name": "X", "kind": "national-cert", "keys": [{"vkey": vkey, "valid_from": "2020-01-01T00:00:00Z"}]});
    // A hosted id again, a key named after another party, bad fields.
    t.post_json("/v1/parties", admin, &party("cert-b", &vkey))
        .await
        .assert_error(409, "duplicate");
    t.post_json("/v1/parties", admin, &party("cert-y", &vkey))
        .await
        .assert_error(400, "invalid");
    t.post_json("/v1/parties", admin, &party("cert-y", &json!("garbage")))
        .await
        .assert_error(400, "invalid");
    let mut p = party("cert-y", &vkey);
    p["kind"] = json!("club");
    t.post_json("/v1/parties", admin, &p)
        .await
        .assert_error(400, "invalid");
    p["country"] = json!("XX");
    t.post_json("/v1/parties", admin, &p)
        .await
        .assert_error(400, "invalid");
    t.call(
        Method::POST,
        "/v1/parties",
        admin,
        Some("application/json"),
        "[",
    )
    .await
    .assert_error(400, "malformed_json");
    t.post_json("/v1/parties", admin, &json!({"id": "cert-y"}))
        .await
        .assert_error(422, "invalid");
    // Imports of things that are not signed entries.
    for body in [
        "",
        "not json",
        "{}",
        &json!({"envelope": {}, "signature": ""}).to_string(),
    ] {
        t.call(
            Method::POST,
            "/v1/parties/import",
            admin,
            Some("application/json"),
            body.to_owned(),
        )
        .await
        .assert_error(400, "invalid");
    }
    // A hosted party's own entry cannot be imported over it.
    let own = t.get("/v1/parties/cert-b/entry", admin).await.text();
    t.call(
        Method::POST,
        "/v1/parties/import",
        admin,
        Some("application/json"),
        own,
    )
    .await
    .assert_error(400, "invalid");
    assert_eq!(t.party_count().await, before);
}

#[tokio::test]
async fn bad_logins() {
    let t = TestApp::new().await;
    t.call(
        Method::POST,
        "/v1/session",
        None,
        Some("application/json"),
        "{",
    )
    .await
    .assert_error(400, "malformed_json");
    t.post_json("/v1/session", None, &json!({"username": "x"}))
        .await
        .assert_error(422, "invalid");
    t.post_json(
        "/v1/session",
        None,
        &json!({"username": "nobody", "password": "whatever12"}),
    )
    .await
    .assert_error(401, "unauthenticated");
}
