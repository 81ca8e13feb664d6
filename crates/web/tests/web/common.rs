//! The `TestApp` builder: a fresh node with three local parties and users
//! of each role, and helpers to send requests to its router.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use countersign_core::access::Role;
use countersign_core::country::Country;
use countersign_core::ids::PartyId;
use countersign_core::party::PartyKind;
use countersign_node::datadir::DataDir;
use countersign_node::{InitOptions, Node};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const A: &str = "cert-a";
pub const B: &str = "cert-b";
pub const C: &str = "cert-c";
pub const PASSWORD: &str = "correct horse battery";
/// The attachment limit of test nodes, small so that 413 is cheap to test.
pub const MAX_ATTACHMENT: u64 = 64 * 1024;

pub struct TestApp {
    pub node: Node,
    pub app: Router,
    /// API tokens: the admin of A, an analyst and a viewer of A, analysts of B and C.
    pub admin: String,
    pub analyst_a: String,
    pub viewer_a: String,
    pub analyst_b: String,
    pub analyst_c: String,
    _dir: tempfile::TempDir,
}

pub struct Builder {
    party: &'static str,
    peers: bool,
}

impl TestApp {
    pub fn builder() -> Builder {
        Builder {
            party: A,
            peers: true,
        }
    }

    pub async fn new() -> TestApp {
        Self::builder().build().await
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// A request with an optional bearer token and body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> TestResponse {
        let mut r = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            r = r.header(header::CONTENT_TYPE, ct);
        }
        self.send(r.body(body.into()).unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.call(Method::GET, path, token, None, Body::empty())
            .await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.call(
            Method::POST,
            path,
            token,
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    /// Files a notification through the API; panics unless 201.
    pub async fn notify(&self, token: &str, body: &Value) -> Value {
        let r = self.post_json("/v1/notifications", Some(token), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        // Listings are ordered by creation time (milliseconds): keep the
        // notifications of a test in a known order.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        r.json()
    }

    /// How many notifications exist, seen by the operator (everything).
    pub async fn notification_count(&self) -> usize {
        let page = self
            .node
            .list_notifications(
                &countersign_node::access::Viewer::Operator,
                Default::default(),
                countersign_store::PageRequest {
                    limit: 500,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        page.items.len()
    }

    pub async fn party_count(&self) -> usize {
        self.node.list_parties().await.unwrap().len()
    }

    /// Logs in through the UI form; returns the session cookie value.
    pub async fn ui_login(&self, username: &str, password: &str) -> String {
        let body = format!("username={}&password={}", enc(username), enc(password));
        let r = self
            .call(
                Method::POST,
                "/login",
                None,
                Some("application/x-www-form-urlencoded"),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        r.session_cookie().expect("a session cookie")
    }

    /// A GET with the session cookie.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> TestResponse {
        let r = Request::builder()
            .uri(path)
            .header(header::COOKIE, format!("cs_session={cookie}"))
            .body(Body::empty())
            .unwrap();
        self.send(r).await
    }
}

impl Builder {
    /// The hosted party created by `init`.
    pub fn party(mut self, party: &'static str) -> Self {
        self.party = party;
        self
    }

    /// Without the second and third local parties and their users.
    pub fn alone(mut self) -> Self {
        self.peers = false;
        self
    }

    pub async fn build(self) -> TestApp {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path().join("node"));
        let (node, report) = Node::init(
            dir.clone(),
            InitOptions {
                party: PartyId::parse(self.party).unwrap(),
                name: format!("CERT {}", self.party),
                kind: PartyKind::NationalCert,
                country: Some(Country::parse("EE").unwrap()),
                listen: "127.0.0.1:0".to_owned(),
                endpoint: None,
            },
        )
        .await
        .unwrap();
        // A small attachment limit: reopen with it.
        let mut config = node.config().clone();
        config.max_attachment_bytes = MAX_ATTACHMENT;
        dir.write_config(&config).unwrap();
        drop(node);
        let node = Node::open(dir).await.unwrap();

        let admin = node
            .create_api_token(&report.admin_username, "test")
            .await
            .unwrap();
        let user = |name: &str, party: &str, role: Role| {
            let node = node.clone();
            let (name, party) = (name.to_owned(), party.to_owned());
            async move {
                node.create_user(&name, &PartyId::parse(&party).unwrap(), role, PASSWORD)
                    .await
                    .unwrap();
                node.create_api_token(&name, "test").await.unwrap()
            }
        };
        let me = self.party;
        let analyst_a = user(&format!("analyst@{me}"), me, Role::Analyst).await;
        let viewer_a = user(&format!("viewer@{me}"), me, Role::Viewer).await;
        let (mut analyst_b, mut analyst_c) = (String::new(), String::new());
        if self.peers {
            for (id, name) in [(B, "CERT B"), (C, "CERT C")] {
                node.add_local_party(
                    &PartyId::parse(id).unwrap(),
                    name,
                    PartyKind::NationalCert,
                    None,
                    None,
                )
                .await
                .unwrap();
            }
            analyst_b = user("analyst@cert-b", B, Role::Analyst).await;
            analyst_c = user("analyst@cert-c", C, Role::Analyst).await;
        }
        TestApp {
            app: countersign_web::router(node.clone()),
            node,
            admin,
            analyst_a,
            viewer_a,
            analyst_b,
            analyst_c,
            _dir: tmp,
        }
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// Asserts the status and the JSON error code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/json"),
            "{}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("cs_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .filter(|v| !v.is_empty())
    }
}

pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A minimal notification from A's analyst to B.
pub fn notification(title: &str, tlp: &str) -> Value {
    json!({
        "to": [B],
        "title": title,
        "summary": "Scanning from a host in your constituency.",
        "category": "scanner",
        "severity": "medium",
        "tlp": tlp,
        "origin": ["198.51.100.7", "AS64500"],
        "requested_actions": ["investigate"],
    })
}

/// A valid STIX 2.1 bundle: an indicator, the address it names, and an
/// observation of that address.
pub fn evidence() -> Value {
    let mut ip = json!({"type": "ipv4-addr", "spec_version": "2.1", "value": "198.51.100.7"});
    let ip_id = countersign_stix::sco_id("ipv4-addr", &ip).unwrap();
    ip["id"] = json!(ip_id);
    json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": "2026-01-10T10:00:00.000Z",
                "modified": "2026-01-10T10:00:00.000Z",
                "name": "C2 address",
                "pattern": "[ipv4-addr:value = '198.51.100.7']",
                "pattern_type": "stix",
                "valid_from": "2026-01-10T10:00:00Z"
            },
            ip,
            {
                "type": "observed-data",
                "spec_version": "2.1",
                "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
                "created": "2026-01-10T10:00:00.000Z",
                "modified": "2026-01-10T10:00:00.000Z",
                "first_observed": "2026-01-09T00:00:00Z",
                "last_observed": "2026-01-10T00:00:00Z",
                "number_observed": 42,
                "object_refs": [ip_id]
            }
        ]
    })
}
