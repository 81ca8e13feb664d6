//! The web UI: login, list, detail, filing with an attachment, logout.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::common::{PASSWORD, TestApp, evidence, notification};

/// The value of the hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + 64].to_owned()
}

fn multipart(
    boundary: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> Vec<u8> {
    let files: Vec<File<'_>> = file
        .map(|(name, media_type, bytes)| ("attachment", name, media_type, bytes))
        .into_iter()
        .collect();
    multipart_files(boundary, fields, &files)
}

/// A file of a multipart form: field, file name, media type, bytes.
pub type File<'a> = (&'a str, &'a str, &'a str, &'a [u8]);

/// A multipart body with fields and files.
pub fn multipart_files(boundary: &str, fields: &[(&str, &str)], files: &[File<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (field, file_name, media_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: {media_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// POSTs a multipart form with the session cookie.
pub async fn post_form(
    t: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    files: &[File<'_>],
) -> crate::common::TestResponse {
    let boundary = "formBoundary7MA4YWxk";
    let r = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, format!("cs_session={cookie}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(multipart_files(boundary, fields, files)))
        .unwrap();
    t.send(r).await
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

/// How many replies the node holds for a notification (operator's view).
async fn reply_count(t: &TestApp, id: &str) -> usize {
    let id = countersign_core::ids::EnvelopeId::parse(id).unwrap();
    t.node
        .get_notification(&countersign_node::access::Viewer::Operator, &id)
        .await
        .unwrap()
        .replies
        .len()
}

#[tokio::test]
async fn a_recipient_replies_with_an_evidence_file() {
    let t = TestApp::new().await;
    let n = t
        .notify(&t.analyst_a, &notification("Answer me", "amber"))
        .await;
    let id = n["id"].as_str().unwrap();
    let page = format!("/notifications/{id}");
    let action = format!("/notifications/{id}/reply");

    // The notifier's page has no reply form; the recipient's has one.
    let cookie_a = t.ui_login("analyst@cert-a", PASSWORD).await;
    assert!(
        !t.get_with_cookie(&page, &cookie_a)
            .await
            .text()
            .contains("form class=\"reply\"")
    );
    let cookie = t.ui_login("analyst@cert-b", PASSWORD).await;
    let html = t.get_with_cookie(&page, &cookie).await.text();
    assert!(html.contains(&format!("action=\"{action}\"")), "{html}");
    assert!(html.contains("<option value=\"findings\">"), "{html}");
    let csrf = csrf_of(&html);
    let bundle = evidence().to_string();
    let file = [(
        "evidence",
        "findings.json",
        "application/json",
        bundle.as_bytes(),
    )];

    // Bad input: each gets the form back with an alert, nothing written.
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<File<'a>>, u16, &'a str);
    let bad_cases: Vec<Case<'_>> = vec![
        (
            vec![("csrf", "0".repeat(64).leak()), ("kind", "findings")],
            vec![],
            403,
            "security token",
        ),
        (
            vec![("csrf", &csrf), ("kind", "declined"), ("reason", "  ")],
            vec![],
            400,
            "needs a reason",
        ),
        (
            vec![("csrf", &csrf), ("kind", "shrug"), ("text", "kept text")],
            vec![],
            422,
            "kind",
        ),
        (
            vec![("csrf", &csrf), ("kind", "findings"), ("text", "kept text")],
            vec![("evidence", "x.json", "application/json", b"{\"type\": ")],
            422,
            "is not JSON",
        ),
        (
            vec![("csrf", &csrf), ("kind", "findings")],
            vec![(
                "evidence",
                "x.json",
                "application/json",
                b"{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [{}]}",
            )],
            422,
            "evidence is not valid STIX 2.1",
        ),
        (
            vec![("csrf", &csrf), ("kind", "findings"), ("colour", "red")],
            vec![],
            400,
            "unknown form field",
        ),
    ];
    for (fields, files, status, needle) in &bad_cases {
        let r = post_form(&t, &action, &cookie, fields, files).await;
        assert_eq!(r.status.as_u16(), *status, "{fields:?}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""), "{}", r.text());
        assert!(r.text().contains(needle), "{needle:?} in {}", r.text());
        assert_eq!(reply_count(&t, id).await, 0, "{fields:?}");
    }
    // The form keeps what was typed.
    let r = post_form(
        &t,
        &action,
        &cookie,
        &[("csrf", &csrf), ("kind", "shrug"), ("text", "kept <text>")],
        &[],
    )
    .await;
    assert!(
        r.text().contains(">kept &lt;text&gt;</textarea>"),
        "{}",
        r.text()
    );

    // A viewer of the recipient sees the notification but no form, and
    // cannot post one; nor can C (not a recipient, and AMBER hides the
    // notification from it).
    t.node
        .create_user(
            "viewer@cert-b",
            &countersign_core::ids::PartyId::parse("cert-b").unwrap(),
            countersign_core::access::Role::Viewer,
            PASSWORD,
        )
        .await
        .unwrap();
    let viewer = t.ui_login("viewer@cert-b", PASSWORD).await;
    let html = t.get_with_cookie(&page, &viewer).await.text();
    assert!(html.contains("<h1>Answer me</h1>"), "{html}");
    assert!(!html.contains("form class=\"reply\""), "{html}");
    let viewer_csrf = csrf_of(&html);
    let r = post_form(
        &t,
        &action,
        &viewer,
        &[("csrf", &viewer_csrf), ("kind", "acknowledgement")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let cookie_c = t.ui_login("analyst@cert-c", PASSWORD).await;
    let csrf_c = csrf_of(&t.get_with_cookie("/", &cookie_c).await.text());
    let r = post_form(
        &t,
        &action,
        &cookie_c,
        &[("csrf", &csrf_c), ("kind", "findings")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert_eq!(reply_count(&t, id).await, 0);

    // The reply with its evidence file.
    let r = post_form(
        &t,
        &action,
        &cookie,
        &[
            ("csrf", &csrf),
            ("kind", "findings"),
            ("text", "A compromised host; cleaned."),
            ("reason", ""),
        ],
        &file,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/notifications/{id}#replies").as_str())
    );
    assert_eq!(reply_count(&t, id).await, 1);
    let detail = t
        .node
        .get_notification(
            &countersign_node::access::Viewer::Operator,
            &countersign_core::ids::EnvelopeId::parse(id).unwrap(),
        )
        .await
        .unwrap();
    let reply = &detail.replies[0].reply;
    assert_eq!(reply.kind.as_str(), "findings");
    assert_eq!(reply.text, "A compromised host; cleaned.");
    assert_eq!(reply.reason, None);
    assert_eq!(reply.evidence.as_ref(), Some(&evidence()));
    // Both sides see it, with its evidence as tables.
    let html = t.get_with_cookie(&page, &cookie_a).await.text();
    assert!(html.contains("A compromised host; cleaned."), "{html}");
    assert!(html.contains("Evidence with this reply"), "{html}");
}

#[tokio::test]
async fn the_new_form_takes_the_evidence_as_a_file() {
    let t = TestApp::new().await;
    let cookie = t.ui_login("analyst@cert-a", PASSWORD).await;
    let csrf = csrf_of(
        &t.get_with_cookie("/notifications/new", &cookie)
            .await
            .text(),
    );
    let bundle = evidence().to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("to", "cert-b"),
        ("title", "Evidence from a file"),
        ("category", "intrusion-attempts/brute-force"),
        ("severity", "high"),
        ("tlp", "amber"),
    ];
    let file = (
        "evidence_file",
        "bundle.json",
        "application/json",
        bundle.as_bytes(),
    );

    // Pasted and a file at once: refused, nothing written.
    let mut both = fields.to_vec();
    both.push(("evidence", bundle.as_str()));
    let r = post_form(&t, "/notifications/new", &cookie, &both, &[file]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("not both"), "{}", r.text());
    let r = post_form(
        &t,
        "/notifications/new",
        &cookie,
        &fields,
        &[("evidence_file", "bad.json", "application/json", b"[1,")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("&quot;bad.json&quot; is not JSON"),
        "{}",
        r.text()
    );
    assert_eq!(t.notification_count().await, 0);

    let r = post_form(&t, "/notifications/new", &cookie, &fields, &[file]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = r
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let n = t
        .get(&format!("/v1/notifications/{id}"), Some(&t.analyst_a))
        .await
        .json();
    assert_eq!(n["sufficiency"]["level"], "corroborated", "{n}");
    assert_eq!(n["evidence"], evidence(), "{n}");
}

/// The timeline of a notification as the operator sees it.
async fn timeline(t: &TestApp, id: &str) -> countersign_node::obligations::Timeline {
    t.node
        .timeline(
            &countersign_node::access::Viewer::Operator,
            &countersign_core::ids::EnvelopeId::parse(id).unwrap(),
        )
        .await
        .unwrap()
}

fn ratings_in(tl: &countersign_node::obligations::Timeline) -> Vec<(String, bool)> {
    tl.events
        .iter()
        .filter_map(|e| match &e.kind {
            countersign_node::obligations::TimelineEventKind::Rating {
                quality,
                supersedes,
                ..
            } => Some((quality.as_str().to_owned(), supersedes.is_some())),
            _ => None,
        })
        .collect()
}

/// Posts an urlencoded form with the session cookie.
async fn post_urlencoded(
    t: &TestApp,
    path: &str,
    cookie: &str,
    body: &str,
) -> crate::common::TestResponse {
    let r = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, format!("cs_session={cookie}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    t.send(r).await
}

/// The id of the reply of `kind` to a notification.
pub async fn reply_of(t: &TestApp, notification: &str, kind: &str) -> String {
    let d = t
        .node
        .get_notification(
            &countersign_node::access::Viewer::Operator,
            &countersign_core::ids::EnvelopeId::parse(notification).unwrap(),
        )
        .await
        .unwrap();
    d.replies
        .iter()
        .find(|r| r.reply.kind.as_str() == kind)
        .map(|r| r.envelope.id().to_string())
        .unwrap_or_else(|| panic!("no {kind} reply"))
}

#[tokio::test]
async fn the_notifier_rates_a_reply_with_the_proposal_prefilled() {
    let t = TestApp::new().await;
    let n = t
        .notify(&t.analyst_a, &notification("Rate the answer", "amber"))
        .await;
    let id = n["id"].as_str().unwrap().to_owned();
    let mut reply =
        json!({"kind": "findings", "text": "A compromised host; cleaned and reimaged."});
    reply["evidence"] = evidence();
    let r = t
        .post_json(
            &format!("/v1/notifications/{id}/replies"),
            Some(&t.analyst_b),
            &reply,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let reply_id = reply_of(&t, &id, "findings").await;
    let ack = t
        .post_json(
            &format!("/v1/notifications/{id}/replies"),
            Some(&t.analyst_b),
            &json!({"kind": "acknowledgement"}),
        )
        .await;
    assert_eq!(ack.status, StatusCode::CREATED, "{}", ack.text());
    let ack_id = reply_of(&t, &id, "acknowledgement").await;
    let page = format!("/notifications/{id}");
    let action = format!("/notifications/{id}/replies/{reply_id}/rating");

    // The notifier's analyst gets one rate form (the acknowledgement needs
    // none), pre-filled with the rule's proposal and showing the rule.
    let cookie = t.ui_login("analyst@cert-a", PASSWORD).await;
    let html = t.get_with_cookie(&page, &cookie).await.text();
    assert_eq!(html.matches("<form class=\"rate\"").count(), 1, "{html}");
    assert!(html.contains(&format!("action=\"{action}\"")), "{html}");
    assert!(
        !html.contains(&format!("/replies/{ack_id}/rating")),
        "{html}"
    );
    assert!(
        html.contains(
            "The rule proposes <strong>substantive</strong>: findings with technical evidence."
        ),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"substantive\" selected>"),
        "{html}"
    );
    assert!(
        html.contains("value=\"findings with technical evidence\""),
        "{html}"
    );
    // The timeline shows each event with its proof state.
    assert!(html.contains("<li data-kind=\"sent\""), "{html}");
    assert!(html.contains("<li data-kind=\"reply\""), "{html}");
    assert!(
        html.contains("class=\"badge proof proof-signed\""),
        "{html}"
    );
    assert!(html.contains("in log #0"), "{html}");
    // Neither the notifier's viewer nor the replier gets the form.
    let viewer = t.ui_login("viewer@cert-a", PASSWORD).await;
    assert!(
        !t.get_with_cookie(&page, &viewer)
            .await
            .text()
            .contains("form class=\"rate\"")
    );
    let cookie_b = t.ui_login("analyst@cert-b", PASSWORD).await;
    assert!(
        !t.get_with_cookie(&page, &cookie_b)
            .await
            .text()
            .contains("form class=\"rate\"")
    );

    let csrf = csrf_of(&html);
    let ok_body = format!("csrf={csrf}&quality=substantive&reason=Findings+with+evidence");
    // Bad input and forbidden cases: nothing is signed.
    let cases: Vec<(String, String, &str, u16, &str)> = vec![
        (
            action.clone(),
            format!("csrf={}&quality=substantive&reason=x", "0".repeat(64)),
            "a",
            403,
            "security token",
        ),
        (
            action.clone(),
            format!("csrf={csrf}&quality=excellent&reason=x"),
            "a",
            422,
            "rating",
        ),
        (
            action.clone(),
            format!("csrf={csrf}&quality=formal&reason=+++"),
            "a",
            400,
            "reason",
        ),
        (
            action.clone(),
            format!("csrf={csrf}&quality=formal&reason=x&stars=5"),
            "a",
            400,
            "stars",
        ),
        (
            format!("/notifications/{id}/replies/{}/rating", "0".repeat(64)),
            ok_body.clone(),
            "a",
            404,
            "not a reply to this notification",
        ),
        (
            format!("/notifications/{id}/replies/nothex/rating"),
            ok_body.clone(),
            "a",
            400,
            "",
        ),
        (action.clone(), ok_body.clone(), "viewer", 403, "analyst"),
        (action.clone(), ok_body.clone(), "b", 403, ""),
    ];
    for (path, body, who, status, needle) in &cases {
        let c = match *who {
            "a" => &cookie,
            "viewer" => &viewer,
            _ => &cookie_b,
        };
        // B's and the viewer's own CSRF tokens, so only the role or party is wrong.
        let body = match *who {
            "a" => body.clone(),
            _ => body.replace(&csrf, &csrf_of(&t.get_with_cookie("/", c).await.text())),
        };
        let r = post_urlencoded(&t, path, c, &body).await;
        assert_eq!(r.status.as_u16(), *status, "{path} {body}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""), "{}", r.text());
        assert!(r.text().contains(needle), "{needle:?} in {}", r.text());
        assert!(
            ratings_in(&timeline(&t, &id).await).is_empty(),
            "{path} {body}"
        );
    }
    // A failed rating shows the form again with what was typed.
    let r = post_urlencoded(
        &t,
        &action,
        &cookie,
        &format!("csrf={csrf}&quality=formal&reason=+"),
    )
    .await;
    assert!(
        r.text().contains("<option value=\"formal\" selected>"),
        "{}",
        r.text()
    );

    // The proposal confirmed, then overridden: both signed, the newest counts.
    let r = post_urlencoded(&t, &action, &cookie, &ok_body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.header("location").unwrap(),
        format!("/notifications/{id}#replies")
    );
    assert_eq!(
        ratings_in(&timeline(&t, &id).await),
        vec![("substantive".to_owned(), false)]
    );
    let r = post_urlencoded(
        &t,
        &action,
        &cookie,
        &format!("csrf={csrf}&quality=formal&reason=Only+words%2C+on+reflection&close=1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let tl = timeline(&t, &id).await;
    assert_eq!(
        ratings_in(&tl),
        vec![
            ("substantive".to_owned(), false),
            ("formal".to_owned(), true)
        ]
    );
    let html = t.get_with_cookie(&page, &cookie).await.text();
    assert_eq!(
        html.matches("<li data-kind=\"rating\"").count(),
        2,
        "{html}"
    );
    assert!(html.contains("(replaces an earlier rating)"), "{html}");
    assert!(
        html.contains("Rated <span class=\"badge q-badge-formal\">formal</span></p>"),
        "{html}"
    );
    assert!(html.contains("data-stage=\"closed\""), "{html}");
}
