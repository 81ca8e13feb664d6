//! The web UI: login, list, detail, filing with an attachment, logout.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::common::{PASSWORD, TestApp, evidence, notification};

/// The value of the hidden `csrf` field of a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + 64].to_owned()
}

fn multipart(
    boundary: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, media_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{file_name}\"\r\nContent-Type: {media_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn login_then_the_list_shows_the_unsubstantiated_badge() {
    let t = TestApp::new().await;
    t.notify(&t.analyst_a, &notification("Scan from <AS64500>", "amber"))
        .await;
    let mut with_evidence = notification("Backed by evidence", "amber");
    with_evidence["evidence"] = evidence();
    t.notify(&t.analyst_a, &with_evidence).await;

    let r = t.get("/login", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("<label for=\"username\">"));
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );

    // A wrong password shows the form again.
    let r = t
        .call(
            Method::POST,
            "/login",
            None,
            Some("application/x-www-form-urlencoded"),
            "username=analyst%40cert-a&password=nope",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("Wrong username or password"));
    assert!(r.session_cookie().is_none());

    let cookie = t.ui_login("analyst@cert-a", PASSWORD).await;
    let r = t.get_with_cookie("/", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    // Escaped by maud.
    assert!(html.contains("Scan from &lt;AS64500&gt;"), "{html}");
    assert!(html.contains("class=\"badge suff suff-none\""), "{html}");
    assert!(html.contains(">unsubstantiated</span>"), "{html}");
    assert!(html.contains(">corroborated</span>"), "{html}");
    assert!(html.contains("analyst@cert-a"), "{html}");

    // Filters: only the one with evidence.
    let html = t
        .get_with_cookie("/?sufficiency=corroborated&severity=&q=", &cookie)
        .await
        .text();
    assert!(html.contains("Backed by evidence"));
    assert!(!html.contains("Scan from"));
    let r = t.get_with_cookie("/?tlp=purple", &cookie).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("role=\"alert\""));
}

#[tokio::test]
async fn detail_page_shows_evidence_attachments_and_envelope() {
    let t = TestApp::new().await;
    let bytes = b"capture".to_vec();
    let up = t
        .call(
            Method::PUT,
            "/v1/attachments",
            Some(&t.analyst_a),
            None,
            bytes,
        )
        .await
        .json();
    let mut body = notification("With everything", "green");
    body["evidence"] = evidence();
    body["attachments"] = json!([{"sha256": up["sha256"], "name": "traffic.pcap", "media_type": "application/vnd.tcpdump.pcap"}]);
    let n = t.notify(&t.analyst_a, &body).await;
    let id = n["id"].as_str().unwrap();

    let cookie = t.ui_login("analyst@cert-b", PASSWORD).await;
    let r = t
        .get_with_cookie(&format!("/notifications/{id}"), &cookie)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    for expected in [
        "<h1>With everything</h1>",
        "<caption>Indicators</caption>",
        "<code class=\"wrap\">[ipv4-addr:value = '198.51.100.7']</code>",
        "<caption>Observables</caption>",
        "198.51.100.7",
        "<caption>Observed data</caption>",
        "traffic.pcap",
        &format!(
            "/v1/notifications/{id}/attachments/{}",
            up["sha256"].as_str().unwrap()
        ),
        "<details>",
        "countersign/envelope/v1",
        "Acknowledge by",
        "investigate",
        "corroborated",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }
    // The attachment link works with the cookie.
    let r = t
        .get_with_cookie(
            &format!(
                "/v1/notifications/{id}/attachments/{}",
                up["sha256"].as_str().unwrap()
            ),
            &cookie,
        )
        .await;
    assert_eq!(r.body, b"capture");

    // C may see the GREEN notification; an unknown one is a 404 page.
    let cookie_c = t.ui_login("analyst@cert-c", PASSWORD).await;
    assert_eq!(
        t.get_with_cookie(&format!("/notifications/{id}"), &cookie_c)
            .await
            .status,
        StatusCode::OK
    );
    let r = t
        .get_with_cookie(&format!("/notifications/{}", "0".repeat(64)), &cookie_c)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("role=\"alert\""));

    let r = t.get_with_cookie("/parties", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text()
            .contains("<th scope=\"row\"><code>cert-c</code></th>"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn file_a_notification_with_an_attachment_through_the_form() {
    let t = TestApp::new().await;
    let cookie = t.ui_login("analyst@cert-a", PASSWORD).await;
    let r = t.get_with_cookie("/notifications/new", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    assert!(page.contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_of(&page);

    let boundary = "XyZboundary";
    let post = |body: Vec<u8>| {
        Request::builder()
            .method(Method::POST)
            .uri("/notifications/new")
            .header(header::COOKIE, format!("cs_session={cookie}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let stix = evidence().to_string();
    let fields = |token: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), token.into()),
            ("to".into(), "cert-b".into()),
            ("to".into(), "cert-c".into()),
            ("title".into(), "Filed from the form".into()),
            ("summary".into(), "See the capture.".into()),
            ("category".into(), "intrusion-attempts/brute-force".into()),
            ("severity".into(), "high".into()),
            ("tlp".into(), "amber".into()),
            ("sectors".into(), "nis2:health".into()),
            ("ack_by".into(), "".into()),
            ("reply_by".into(), "2099-03-01T12:00".into()),
            ("origin".into(), "198.51.100.7\nAS64500".into()),
            ("targets".into(), "".into()),
            ("requested_actions".into(), "investigate".into()),
            ("requested_actions".into(), "provide-logs".into()),
            ("evidence".into(), stix.clone()),
        ]
    };
    let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    let build = |token: &str, file: Option<(&str, &str, &[u8])>| {
        let owned = as_refs(&fields(token));
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        multipart(boundary, &refs, file)
    };
    let file = Some((
        "auth.log",
        "text/plain",
        &b"Jan 9 sshd: Failed password"[..],
    ));

    // Without the right CSRF token: refused, nothing written.
    let before = t.notification_count().await;
    let r = t.send(post(build(&"0".repeat(64), file))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.notification_count().await, before);

    // Invalid evidence: the form comes back with the error and the values.
    let mut bad: Vec<(String, String)> = fields(&csrf);
    bad.last_mut().unwrap().1 = "{\"type\": \"bundle\"".into();
    let refs: Vec<(&str, &str)> = bad.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = t.send(post(multipart(boundary, &refs, file))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("role=\"alert\""));
    assert!(r.text().contains("value=\"Filed from the form\""));
    assert_eq!(t.notification_count().await, before);

    let r = t.send(post(build(&csrf, file))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let location = r.header("location").unwrap();
    let id = location.strip_prefix("/notifications/").unwrap();
    let n = t
        .get(&format!("/v1/notifications/{id}"), Some(&t.analyst_a))
        .await
        .json();
    assert_eq!(n["title"], "Filed from the form");
    assert_eq!(n["to"], json!(["cert-b", "cert-c"]));
    assert_eq!(n["attachment_count"], 1);
    assert_eq!(n["attachments"][0]["name"], "auth.log");
    assert_eq!(n["attachments"][0]["media_type"], "text/plain");
    assert_eq!(
        n["requested_actions"],
        json!(["investigate", "provide-logs"])
    );
    assert_eq!(n["reply_by"], "2099-03-01T12:00:00Z");
    assert_eq!(n["sufficiency"]["level"], "corroborated");
    assert_eq!(
        t.get_with_cookie(location.as_str(), &cookie).await.status,
        StatusCode::OK
    );

    // Viewers get no form.
    let viewer = t.ui_login("viewer@cert-a", PASSWORD).await;
    assert_eq!(
        t.get_with_cookie("/notifications/new", &viewer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let t = TestApp::new().await;
    let cookie = t.ui_login("viewer@cert-a", PASSWORD).await;
    let html = t.get_with_cookie("/", &cookie).await.text();
    let csrf = csrf_of(&html);
    let logout = |token: String| {
        Request::builder()
            .method(Method::POST)
            .uri("/logout")
            .header(header::COOKIE, format!("cs_session={cookie}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={token}")))
            .unwrap()
    };
    assert_eq!(
        t.send(logout("wrong".into())).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.get_with_cookie("/", &cookie).await.status, StatusCode::OK);
    let r = t.send(logout(csrf)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location").as_deref(), Some("/login"));
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        t.get_with_cookie("/", &cookie).await.status,
        StatusCode::SEE_OTHER
    );
}
