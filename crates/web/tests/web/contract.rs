//! Snapshots of the contract: the OpenAPI document and one JSON response
//! (ids and times masked). A change to either fails here until the
//! snapshot is reviewed and accepted (`cargo insta review`, or
//! `INSTA_UPDATE=always` once).

use axum::http::Method;
use serde_json::{Value, json};

use crate::common::{TestApp, evidence, notification};

#[test]
fn the_openapi_document() {
    let doc = countersign_web::openapi_json();
    let value: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(value["openapi"], "3.1.0");
    // Every route of the router is documented, with the security schemes.
    let paths = &value["paths"];
    for (path, method) in [
        ("/health", "get"),
        ("/v1/openapi.json", "get"),
        ("/v1/keys", "get"),
        ("/v1/me", "get"),
        ("/v1/session", "post"),
        ("/v1/session", "delete"),
        ("/v1/parties", "get"),
        ("/v1/parties", "post"),
        ("/v1/parties/import", "post"),
        ("/v1/parties/{id}", "get"),
        ("/v1/parties/{id}/entry", "get"),
        ("/v1/notifications", "get"),
        ("/v1/notifications", "post"),
        ("/v1/notifications/{id}", "get"),
        ("/v1/notifications/{id}/envelope", "get"),
        ("/v1/notifications/{id}/attachments/{sha256}", "get"),
        ("/v1/attachments", "put"),
        ("/v1/attachments", "post"),
    ] {
        assert!(
            paths[path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    let mut operation_ids: Vec<&str> = paths
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let count = operation_ids.len();
    operation_ids.sort_unstable();
    operation_ids.dedup();
    assert_eq!(operation_ids.len(), count, "operationIds must be unique");
    let schemes = &value["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("openapi", doc);
    });
}

#[tokio::test]
async fn a_notification_response() {
    let t = TestApp::new().await;
    let up = t
        .call(
            Method::PUT,
            "/v1/attachments",
            Some(&t.analyst_a),
            None,
            b"log line\n".to_vec(),
        )
        .await
        .json();
    let mut body = notification("Brute force against a hospital", "amber");
    body["evidence"] = evidence();
    body["sectors"] = json!(["nis2:health"]);
    body["attachments"] =
        json!([{"sha256": up["sha256"], "name": "auth.log", "media_type": "text/plain"}]);
    let n = t.notify(&t.analyst_a, &body).await;
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!("notification_response", n, {
            ".id" => "[id]",
            ".created" => "[time]",
            ".ack_by" => "[time]",
            ".reply_by" => "[time]",
            ".attachments[].href" => "[href]",
            ".envelope.signature" => "[signature]",
            ".envelope.envelope.created" => "[time]",
            ".envelope.envelope.body.ack_by" => "[time]",
            ".envelope.envelope.body.reply_by" => "[time]",
        });
    });
}
