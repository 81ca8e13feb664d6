//! Authentication, roles and TLP as access control.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::common::{B, C, TestApp, notification};

const SHA: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Every route that needs authentication, with a method.
fn protected_routes() -> Vec<(Method, String)> {
    let id = SHA;
    [
        (Method::GET, "/v1/me".to_owned()),
        (Method::DELETE, "/v1/session".to_owned()),
        (Method::GET, "/v1/parties".to_owned()),
        (Method::POST, "/v1/parties".to_owned()),
        (Method::POST, "/v1/parties/import".to_owned()),
        (Method::GET, "/v1/parties/cert-a".to_owned()),
        (Method::GET, "/v1/parties/cert-a/entry".to_owned()),
        (Method::GET, "/v1/notifications".to_owned()),
        (Method::POST, "/v1/notifications".to_owned()),
        (Method::GET, format!("/v1/notifications/{id}")),
        (Method::GET, format!("/v1/notifications/{id}/envelope")),
        (
            Method::GET,
            format!("/v1/notifications/{id}/receipts/cert-b"),
        ),
        (Method::POST, format!("/v1/notifications/{id}/replies")),
        (
            Method::GET,
            format!("/v1/notifications/{id}/attachments/{SHA}"),
        ),
        (Method::PUT, "/v1/attachments".to_owned()),
        (Method::POST, "/v1/attachments".to_owned()),
        (Method::GET, format!("/v1/notifications/{id}/timeline")),
        (Method::POST, format!("/v1/replies/{id}/rating")),
        (Method::GET, format!("/v1/replies/{id}/rating-proposal")),
        (Method::GET, "/v1/obligations/due".to_owned()),
        (Method::GET, "/v1/scorecards".to_owned()),
        (Method::GET, "/v1/scorecards/report".to_owned()),
    ]
    .into_iter()
    .collect()
}

#[test]
fn the_table_names_every_secured_operation_of_the_openapi_document() {
    let doc: serde_json::Value = serde_json::from_str(&countersign_web::openapi_json()).unwrap();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if op.get("security").is_some() {
                let concrete = path
                    .replace("{id}", SHA)
                    .replace("{sha256}", SHA)
                    .replace("{party}", "cert-b")
                    .replace(&format!("/parties/{SHA}"), "/parties/cert-a");
                documented.push((method.to_uppercase(), concrete));
            }
        }
    }
    let mut table: Vec<(String, String)> = protected_routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    documented.sort();
    table.sort();
    assert_eq!(documented, table);
}

#[tokio::test]
async fn every_protected_api_route_answers_401_without_credentials() {
    let t = TestApp::new().await;
    for (method, path) in protected_routes() {
        for token in [None, Some("cs_not-a-token")] {
            let r = t
                .call(method.clone(), &path, token, Some("application/json"), "{}")
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} {token:?}: {}",
                r.text()
            );
            r.assert_error(401, "unauthenticated");
            assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
        }
    }
    // A malformed Authorization header is refused, not ignored.
    let r = t
        .send(
            Request::builder()
                .uri("/v1/me")
                .header(header::AUTHORIZATION, "Basic YWRtaW46YWRtaW4=")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    r.assert_error(401, "unauthenticated");
    // A wrong password.
    let r = t
        .post_json(
            "/v1/session",
            None,
            &json!({"username": "analyst@cert-a", "password": "wrong password!"}),
        )
        .await;
    r.assert_error(401, "unauthenticated");
    assert!(r.session_cookie().is_none());
}

#[tokio::test]
async fn pages_redirect_to_login_without_a_session() {
    let t = TestApp::new().await;
    for path in [
        "/",
        "/parties",
        "/log",
        "/notifications/new",
        &format!("/notifications/{SHA}"),
    ] {
        let r = t.get(path, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.header("location").as_deref(), Some("/login"), "{path}");
        // A stale cookie is cleared.
        let r = t.get_with_cookie(path, "stale").await;
        assert_eq!(r.header("location").as_deref(), Some("/login"), "{path}");
        assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    }
    for path in [
        "/login",
        "/assets/style.css",
        "/health",
        "/v1/keys",
        "/v1/openapi.json",
    ] {
        assert_eq!(t.get(path, None).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn roles() {
    let t = TestApp::new().await;
    let before = t.notification_count().await;
    t.post_json(
        "/v1/notifications",
        Some(&t.viewer_a),
        &notification("x", "amber"),
    )
    .await
    .assert_error(403, "forbidden");
    t.call(
        Method::PUT,
        "/v1/attachments",
        Some(&t.viewer_a),
        None,
        "bytes",
    )
    .await
    .assert_error(403, "forbidden");
    assert_eq!(t.notification_count().await, before);

    // Parties are the admin's business.
    let parties = t.party_count().await;
    t.post_json("/v1/parties", Some(&t.analyst_a), &json!({"id": "x"}))
        .await
        .assert_error(403, "forbidden");
    t.call(
        Method::POST,
        "/v1/parties/import",
        Some(&t.analyst_a),
        None,
        "{}",
    )
    .await
    .assert_error(403, "forbidden");
    assert_eq!(t.party_count().await, parties);

    // An analyst sends for their own party only.
    let mut body = notification("as someone else", "amber");
    body["from"] = json!(B);
    body["to"] = json!([C]);
    t.post_json("/v1/notifications", Some(&t.analyst_a), &body)
        .await
        .assert_error(403, "forbidden");
    assert_eq!(t.notification_count().await, before);

    // Viewers read.
    assert_eq!(
        t.get("/v1/notifications", Some(&t.viewer_a)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn tlp_red_is_for_the_named_parties_only() {
    let t = TestApp::new().await;
    let red = t
        .notify(&t.analyst_a, &notification("Red one", "red"))
        .await;
    let green = t
        .notify(&t.analyst_a, &notification("Green one", "green"))
        .await;
    let (red, green) = (red["id"].as_str().unwrap(), green["id"].as_str().unwrap());

    // C is neither sender nor recipient.
    t.get(&format!("/v1/notifications/{red}"), Some(&t.analyst_c))
        .await
        .assert_error(404, "not_found");
    t.get(
        &format!("/v1/notifications/{red}/envelope"),
        Some(&t.analyst_c),
    )
    .await
    .assert_error(404, "not_found");
    assert_eq!(
        t.get(&format!("/v1/notifications/{green}"), Some(&t.analyst_c))
            .await
            .status,
        StatusCode::OK
    );
    let listed = t.get("/v1/notifications", Some(&t.analyst_c)).await.json();
    let titles: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Green one"]);

    // B, the recipient, and A, the sender, see both.
    for token in [&t.analyst_b, &t.viewer_a] {
        assert_eq!(
            t.get(&format!("/v1/notifications/{red}"), Some(token))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            t.get("/v1/notifications", Some(token)).await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn cookie_requests_from_other_sites_are_refused() {
    let t = TestApp::new().await;
    let cookie = t.ui_login("analyst@cert-a", crate::common::PASSWORD).await;
    let before = t.notification_count().await;
    let post = |origin: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/v1/notifications")
            .header(header::HOST, "countersign.example")
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, format!("cs_session={cookie}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(notification("via cookie", "amber").to_string()))
            .unwrap()
    };
    t.send(post("https://evil.example"))
        .await
        .assert_error(403, "forbidden");
    assert_eq!(t.notification_count().await, before);
    let r = t.send(post("https://countersign.example")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // The UI login form too.
    let r = t
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header(header::HOST, "countersign.example")
                .header(header::ORIGIN, "https://evil.example")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    "username=analyst%40cert-a&password=correct%20horse%20battery",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.session_cookie().is_none());
}
