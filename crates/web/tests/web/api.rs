//! The happy path of every REST endpoint.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use countersign_core::envelope::SignedEnvelope;
use countersign_core::ids::Sha256Hex;
use serde_json::json;

use crate::common::{A, B, C, PASSWORD, TestApp, evidence, notification};

#[tokio::test]
async fn public_endpoints() {
    let t = TestApp::new().await;
    let r = t.get("/health", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "ok");

    let r = t.get("/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["openapi"], "3.1.0");

    let r = t.get("/v1/keys", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let keys = r.json();
    let parties: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["party"].as_str().unwrap())
        .collect();
    assert_eq!(parties, [A, B, C]);
    let vkey = keys[0]["vkeys"][0].as_str().unwrap();
    assert!(vkey.starts_with("cert-a+"), "{vkey}");
}

#[tokio::test]
async fn me_and_sessions() {
    let t = TestApp::new().await;
    let r = t.get("/v1/me", Some(&t.analyst_a)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"username": "analyst@cert-a", "party": A, "role": "analyst"})
    );

    // Log in with JSON: a cookie and a token that both work.
    let login = json!({"username": "viewer@cert-a", "password": PASSWORD});
    let r = t.post_json("/v1/session", None, &login).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let set_cookie = r.header("set-cookie").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{set_cookie}");
    }
    let cookie = r.session_cookie().unwrap();
    let body = r.json();
    assert_eq!(body["user"]["role"], "viewer");
    assert_eq!(body["token"], cookie.as_str());
    assert_eq!(
        t.get("/v1/me", Some(&cookie)).await.json()["username"],
        "viewer@cert-a"
    );
    assert_eq!(
        t.get_with_cookie("/v1/me", &cookie).await.status,
        StatusCode::OK
    );

    // Log out with the cookie: it is cleared and no longer works.
    let r = t
        .send(
            Request::builder()
                .method(Method::DELETE)
                .uri("/v1/session")
                .header(header::COOKIE, format!("cs_session={cookie}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    t.get_with_cookie("/v1/me", &cookie)
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn parties_list_get_add_and_entry() {
    let t = TestApp::new().await;
    let r = t.get("/v1/parties", Some(&t.viewer_a)).await;
    assert_eq!(r.status, StatusCode::OK);
    let ids: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [A, B, C]);

    let r = t.get("/v1/parties/cert-b", Some(&t.viewer_a)).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = r.json();
    assert_eq!(b["name"], "CERT B");
    assert_eq!(b["local"], true);
    assert_eq!(b["kind"], "national-cert");

    // Add a remote party by hand, with a key of its own name.
    let other = TestApp::builder().party("cert-x").alone().build().await;
    let vkey = other.get("/v1/keys", None).await.json()[0]["vkeys"][0].clone();
    let party = json!({
        "id": "cert-x",
        "name": "CERT X",
        "country": "FI",
        "kind": "national-cert",
        "keys": [{"vkey": vkey, "valid_from": "2020-01-01T00:00:00Z"}],
        "endpoint": "https://cert-x.example",
        "contacts": [{"name": "Duty desk", "email": "desk@cert-x.example", "always_on": true}],
        "constituency": ["192.0.2.0/24", "AS64501", "cert-x.example"],
        "sectors": ["nis2:energy"],
    });
    let r = t.post_json("/v1/parties", Some(&t.admin), &party).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.header("location").as_deref(), Some("/v1/parties/cert-x"));
    let added = r.json();
    assert_eq!(added["local"], false);
    assert_eq!(
        added["constituency"],
        json!(["192.0.2.0/24", "AS64501", "cert-x.example"])
    );
    assert_eq!(added["contacts"][0]["always_on"], true);

    // A hosted party's signed entry.
    let r = t.get("/v1/parties/cert-a/entry", Some(&t.viewer_a)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains("cert-a.entry.json")
    );
    let entry = SignedEnvelope::from_json(&r.text()).unwrap();
    assert_eq!(entry.envelope().from.as_str(), A);
}

#[tokio::test]
async fn import_a_signed_entry() {
    let t = TestApp::new().await;
    let other = TestApp::builder().party("cert-x").alone().build().await;
    let entry = other
        .get("/v1/parties/cert-x/entry", Some(&other.admin))
        .await;
    assert_eq!(entry.status, StatusCode::OK);

    let import = |body: String| {
        t.call(
            Method::POST,
            "/v1/parties/import",
            Some(&t.admin),
            Some("application/json"),
            body,
        )
    };
    let r = import(entry.text()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["outcome"], "added");
    assert_eq!(r.json()["party"]["id"], "cert-x");
    assert_eq!(r.json()["party"]["local"], false);

    let r = import(entry.text()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["outcome"], "unchanged");

    // The imported entry is exported as imported.
    let r = t.get("/v1/parties/cert-x/entry", Some(&t.viewer_a)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        SignedEnvelope::from_json(&r.text()).unwrap().id(),
        SignedEnvelope::from_json(&entry.text()).unwrap().id()
    );
}

#[tokio::test]
async fn file_read_and_verify_a_notification() {
    let t = TestApp::new().await;
    let r = t
        .post_json(
            "/v1/notifications",
            Some(&t.analyst_a),
            &notification("Scanning from AS64500", "amber"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let n = r.json();
    let id = n["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/notifications/{id}"))
    );
    assert_eq!(n["from"], A);
    assert_eq!(n["to"], json!([B]));
    assert_eq!(n["category"], "information-gathering/scanner");
    assert_eq!(n["tlp"], "amber");
    assert_eq!(n["origin"], json!(["198.51.100.7", "AS64500"]));
    assert_eq!(n["sufficiency"]["level"], "none");
    assert_eq!(n["sufficiency"]["label"], "unsubstantiated");
    assert_eq!(n["envelope"]["envelope"]["from"], A);
    // Default deadlines: 24 and 72 hours after sending.
    let at = |f: &str| chrono::DateTime::parse_from_rfc3339(n[f].as_str().unwrap()).unwrap();
    // (counted by the web layer from just before the node stamps `created`).
    let after_created = |f: &str| (at(f) - at("created")).num_seconds();
    assert!((24 * 3600 - 5..=24 * 3600).contains(&after_created("ack_by")));
    assert!((72 * 3600 - 5..=72 * 3600).contains(&after_created("reply_by")));

    let r = t
        .get(&format!("/v1/notifications/{id}"), Some(&t.analyst_b))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["title"], "Scanning from AS64500");

    // The envelope file verifies against the directory.
    let r = t
        .get(
            &format!("/v1/notifications/{id}/envelope"),
            Some(&t.viewer_a),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains(&format!("{id}.envelope.json"))
    );
    let signed = SignedEnvelope::from_json(&r.text()).unwrap();
    assert_eq!(signed.id().to_string(), id);
    t.node.verify_envelope(&signed).await.unwrap();

    let r = t.get("/v1/notifications", Some(&t.viewer_a)).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], id.as_str());
    assert!(page.get("next_cursor").is_none());
}

#[tokio::test]
async fn evidence_and_attachments() {
    let t = TestApp::new().await;
    let bytes = b"2026-01-09T00:00:01Z 198.51.100.7 -> 203.0.113.5:22 SYN\n".to_vec();
    let r = t
        .call(
            Method::PUT,
            "/v1/attachments",
            Some(&t.analyst_a),
            Some("text/plain"),
            bytes.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sha = Sha256Hex::digest(&bytes).to_string();
    assert_eq!(r.json(), json!({"sha256": sha, "size": bytes.len()}));
    // POST does the same.
    let r = t
        .call(
            Method::POST,
            "/v1/attachments",
            Some(&t.analyst_a),
            None,
            bytes.clone(),
        )
        .await;
    assert_eq!(r.json()["sha256"], sha.as_str());

    let mut body = notification("Brute force with evidence", "green");
    body["evidence"] = evidence();
    body["attachments"] =
        json!([{"sha256": sha, "name": "ssh \"auth\".log", "media_type": "text/plain"}]);
    body["sectors"] = json!(["nis2:energy"]);
    body["ack_by"] = json!("2099-01-01T10:00:00+02:00");
    body["reply_by"] = json!("2099-01-05");
    let n = t.notify(&t.analyst_a, &body).await;
    assert_eq!(n["sufficiency"]["level"], "corroborated");
    assert_eq!(n["attachment_count"], 1);
    assert_eq!(n["evidence_summary"]["indicators"], 1);
    assert_eq!(n["evidence_summary"]["observed_data"], 1);
    assert_eq!(n["evidence_summary"]["observables"], 1);
    assert_eq!(n["ack_by"], "2099-01-01T08:00:00Z");
    assert_eq!(n["reply_by"], "2099-01-05T00:00:00Z");
    assert_eq!(n["sectors"], json!(["nis2:energy"]));
    let id = n["id"].as_str().unwrap();
    let href = n["attachments"][0]["href"].as_str().unwrap();
    assert_eq!(href, format!("/v1/notifications/{id}/attachments/{sha}"));

    let r = t.get(href, Some(&t.analyst_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.body, bytes);
    let cd = r.header("content-disposition").unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(cd.contains("filename*=UTF-8''ssh%20%22auth%22.log"), "{cd}");
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );

    // Filters.
    t.notify(&t.analyst_a, &notification("Plain", "amber"))
        .await;
    assert_eq!(titles(&t, "").await, ["Plain", "Brute force with evidence"]);
    assert_eq!(
        titles(&t, "sufficiency=corroborated").await,
        ["Brute force with evidence"]
    );
    assert_eq!(titles(&t, "sufficiency=none").await, ["Plain"]);
    assert_eq!(
        titles(&t, "tlp=TLP:GREEN").await,
        ["Brute force with evidence"]
    );
    assert_eq!(titles(&t, "q=brute").await, ["Brute force with evidence"]);
    assert_eq!(titles(&t, "category=information-gathering").await.len(), 2);
    assert_eq!(
        titles(
            &t,
            "category=scanner&severity=medium&from=cert-a&to=cert-b&party=cert-b"
        )
        .await
        .len(),
        2
    );
    assert_eq!(titles(&t, "party=cert-c").await.len(), 0);
    assert_eq!(
        titles(&t, "since=2000-01-01&until=2000-01-02").await.len(),
        0
    );
    assert_eq!(
        titles(&t, "since=2000-01-01T00:00:00Z&cursor=&limit=10")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn pagination_with_a_cursor() {
    let t = TestApp::new().await;
    for i in 0..7 {
        t.notify(&t.analyst_a, &notification(&format!("n{i}"), "amber"))
            .await;
    }
    let mut seen = Vec::new();
    let mut path = "/v1/notifications?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let r = t.get(&path, Some(&t.analyst_a)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.json();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["title"].as_str().unwrap().to_owned());
        }
        match page.get("next_cursor").and_then(|c| c.as_str()) {
            Some(cursor) => path = format!("/v1/notifications?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["n6", "n5", "n4", "n3", "n2", "n1", "n0"]);
}

/// The titles a viewer of A gets for a query string.
async fn titles(t: &TestApp, q: &str) -> Vec<String> {
    let r = t
        .get(&format!("/v1/notifications?{q}"), Some(&t.viewer_a))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}
