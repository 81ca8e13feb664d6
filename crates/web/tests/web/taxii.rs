//! The TAXII 2.1 server: every endpoint with `oneshot`, exact pagination,
//! every error status, and snapshots of the discovery, API root and
//! collections resources.

use axum::body::Body;
use axum::http::{HeaderName, Method, Request, StatusCode, header};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, TestResponse, evidence, notification};

pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const GREEN: &str = "87b472bb-08d2-469f-8904-9e3e02cbd589";
pub const AMBER: &str = "74619c39-c5f3-4303-ae92-a0a462eb36ca";
pub const RED: &str = "e6e89d7b-1a57-49d2-b49c-d229e123ba97";

/// A request with exactly these headers and body: the one place requests
/// are built, for the tests that need unusual `Accept`, `Content-Type` or
/// `Authorization` values.
fn request(
    method: Method,
    path: &str,
    headers: &[(HeaderName, &str)],
    body: Body,
) -> Request<Body> {
    let mut r = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        r = r.header(name, *value);
    }
    r.body(body).unwrap()
}

/// A TAXII request with a bearer token (if any) and the TAXII Accept.
pub async fn taxii(
    t: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> TestResponse {
    let bearer = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![(header::ACCEPT, TAXII)];
    headers.extend(bearer.as_deref().map(|b| (header::AUTHORIZATION, b)));
    if body.is_some() {
        headers.push((header::CONTENT_TYPE, TAXII));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    t.send(request(method, path, &headers, body)).await
}

pub fn objects_path(collection: &str) -> String {
    format!("/taxii2/api/collections/{collection}/objects/")
}

/// A valid indicator with a distinct id per `n`.
pub fn indicator(n: u64, modified: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012x}"),
        "created": "2026-01-10T10:00:00.000Z",
        "modified": modified,
        "name": format!("indicator {n}"),
        "pattern": format!("[ipv4-addr:value = '203.0.113.{}']", n % 250),
        "pattern_type": "stix",
        "valid_from": "2026-01-10T10:00:00Z"
    })
}

#[track_caller]
fn assert_taxii_error(r: &TestResponse, status: u16) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some(TAXII),
        "{}",
        r.text()
    );
    let body = r.json();
    assert_eq!(body["http_status"], status.to_string(), "{body}");
    assert!(
        body["title"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    assert!(
        body["description"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
}

async fn post(t: &TestApp, token: &str, collection: &str, objects: Vec<Value>) -> TestResponse {
    let body = json!({ "objects": objects });
    taxii(
        t,
        Method::POST,
        &objects_path(collection),
        Some(token),
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn discovery_api_root_and_collections_snapshots() {
    let t = TestApp::new().await;
    let d = taxii(&t, Method::GET, "/taxii2/", Some(&t.viewer_a), None).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    assert_eq!(d.header("content-type").as_deref(), Some(TAXII));
    let root = taxii(&t, Method::GET, "/taxii2/api/", Some(&t.viewer_a), None).await;
    assert_eq!(root.json()["versions"], json!([TAXII]));
    let c = taxii(
        &t,
        Method::GET,
        "/taxii2/api/collections/",
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(c.json()["collections"].as_array().unwrap().len(), 5);
    // Nothing here varies between runs, so nothing needs masking but
    // the collection ids, kept as a check that they never change.
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!("taxii_discovery", d.json());
        insta::assert_json_snapshot!("taxii_api_root", root.json(), {".max_content_length" => "[size]"});
        insta::assert_json_snapshot!("taxii_collections_viewer", c.json());
    });
    // The analyst may write; the viewer may not.
    let c = taxii(
        &t,
        Method::GET,
        &format!("/taxii2/api/collections/{GREEN}/"),
        Some(&t.analyst_a),
        None,
    )
    .await;
    assert_eq!(c.json()["can_write"], true);
    assert_eq!(c.json()["alias"], "tlp-green");
}

#[tokio::test]
async fn every_endpoint() {
    let t = TestApp::new().await;
    let v1 = indicator(1, "2026-01-10T10:00:00.000Z");
    let v2 = indicator(1, "2026-01-11T10:00:00.000Z");
    let other = indicator(2, "2026-01-10T10:00:00.000Z");
    let r = post(&t, &t.analyst_a, GREEN, vec![v1.clone(), other.clone()]).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.header("content-type").as_deref(), Some(TAXII));
    let status = r.json();
    assert_eq!(status["status"], "complete");
    assert_eq!(status["success_count"], 2);
    assert_eq!(status["total_count"], 2);
    // The TAXII 2.1 §4.3.1 shape exactly: absent properties are absent,
    // not null.
    let version = "2026-01-10T10:00:00.000Z";
    assert_eq!(
        status["successes"],
        json!([{"id": v1["id"], "version": version}, {"id": other["id"], "version": version}])
    );
    for (count, list) in [("failure_count", "failures"), ("pending_count", "pendings")] {
        assert_eq!((&status[count], &status[list]), (&json!(0), &json!([])));
    }
    let r = post(&t, &t.analyst_a, GREEN, vec![v2.clone()]).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    // A version posted again is a success that says so.
    let again = post(&t, &t.analyst_a, GREEN, vec![v1.clone()]).await.json();
    assert_eq!(
        again["successes"],
        json!([{"id": v1["id"], "version": version, "message": "this version was stored already"}])
    );

    // Status: the poster's party reads it; another party does not.
    let path = format!("/taxii2/api/status/{}/", status["id"].as_str().unwrap());
    let s = taxii(&t, Method::GET, &path, Some(&t.viewer_a), None).await;
    assert_eq!(s.status, StatusCode::OK);
    assert_eq!(s.json(), status);
    assert_taxii_error(
        &taxii(&t, Method::GET, &path, Some(&t.analyst_b), None).await,
        404,
    );

    // Objects: the last version of each by default.
    let r = taxii(
        &t,
        Method::GET,
        &objects_path(GREEN),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    assert_eq!(body["more"], false);
    let objects = body["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 2);
    assert!(objects.contains(&v2) && objects.contains(&other));
    assert!(r.header("x-taxii-date-added-first").unwrap().ends_with('Z'));
    assert_eq!(r.header("x-taxii-date-added-first").unwrap().len(), 27);
    let id1 = v1["id"].as_str().unwrap();
    for (query, want) in [
        ("match[version]=all", 3),
        ("match[version]=first", 2),
        ("match[version]=2026-01-10T10:00:00.000Z", 2),
        ("match[version]=first,last", 3),
        (&format!("match[id]={id1}&match[version]=all") as &str, 2),
        ("match[type]=indicator", 2),
        ("match[type]=malware", 0),
        ("match[spec_version]=2.1", 2),
        ("match[spec_version]=2.0", 0),
        ("added_after=2000-01-01T00:00:00Z", 2),
        ("added_after=2100-01-01T00:00:00Z", 0),
        ("limit=1", 1),
    ] {
        let r = taxii(
            &t,
            Method::GET,
            &format!("{}?{query}", objects_path(GREEN)),
            Some(&t.viewer_a),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
        assert_eq!(
            r.json()["objects"].as_array().unwrap().len(),
            want,
            "{query}"
        );
        assert!(r.header("x-taxii-date-added-last").is_some(), "{query}");
    }

    // Manifest.
    let r = taxii(
        &t,
        Method::GET,
        &format!("/taxii2/api/collections/{GREEN}/manifest/?match[version]=all"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let m = r.json();
    let entries = m["objects"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[0]["media_type"],
        "application/stix+json;version=2.1"
    );
    assert_eq!(entries[0]["version"], "2026-01-10T10:00:00.000Z");
    assert_eq!(entries[0]["date_added"].as_str().unwrap().len(), 27);

    // One object, its versions, then DELETE.
    let obj = format!("{}{id1}/", objects_path(GREEN));
    let r = taxii(&t, Method::GET, &obj, Some(&t.viewer_a), None).await;
    assert_eq!(r.json()["objects"], json!([v2]));
    let r = taxii(
        &t,
        Method::GET,
        &format!("{obj}?match[version]=all"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 2);
    let r = taxii(
        &t,
        Method::GET,
        &format!("{obj}versions/"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["versions"],
        json!(["2026-01-10T10:00:00.000Z", "2026-01-11T10:00:00.000Z"])
    );
    let r = taxii(
        &t,
        Method::GET,
        &format!("{obj}versions/?limit=1"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.json()["more"], true);
    assert!(r.json()["next"].is_string());
    // A viewer may not delete; another party may not; the owner may.
    assert_taxii_error(
        &taxii(&t, Method::DELETE, &obj, Some(&t.viewer_a), None).await,
        403,
    );
    assert_taxii_error(
        &taxii(&t, Method::DELETE, &obj, Some(&t.analyst_b), None).await,
        403,
    );
    let r = taxii(
        &t,
        Method::DELETE,
        &format!("{obj}?match[version]=first"),
        Some(&t.analyst_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = taxii(
        &t,
        Method::GET,
        &format!("{obj}versions/"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.json()["versions"], json!(["2026-01-11T10:00:00.000Z"]));
    let r = taxii(&t, Method::DELETE, &obj, Some(&t.analyst_a), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_taxii_error(
        &taxii(&t, Method::GET, &obj, Some(&t.viewer_a), None).await,
        404,
    );
    assert_taxii_error(
        &taxii(
            &t,
            Method::GET,
            &format!("{obj}versions/"),
            Some(&t.viewer_a),
            None,
        )
        .await,
        404,
    );
    assert_taxii_error(
        &taxii(&t, Method::DELETE, &obj, Some(&t.analyst_a), None).await,
        404,
    );

    // A re-POST of a stored version is idempotent.
    let r = post(&t, &t.analyst_a, GREEN, vec![other.clone()]).await;
    assert_eq!(
        r.json()["successes"][0]["message"],
        "this version was stored already"
    );
    let r = taxii(
        &t,
        Method::GET,
        &format!("{}?match[version]=all", objects_path(GREEN)),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn basic_authentication() {
    let t = TestApp::new().await;
    let send = async |auth: String| {
        with_auth(&t, Method::GET, "/taxii2/api/collections/", &auth, None).await
    };
    let ok = send(basic("viewer@cert-a", PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    // The right password is now remembered (the argon2id cache of
    // `countersign_node::auth`); a wrong one still fails, and the right
    // one still passes after it.
    assert_taxii_error(&send(basic("viewer@cert-a", "wrong password")).await, 401);
    assert_taxii_error(
        &send(basic("viewer@cert-a", &format!("{PASSWORD} "))).await,
        401,
    );
    assert_eq!(
        send(basic("viewer@cert-a", PASSWORD)).await.status,
        StatusCode::OK
    );
    assert_taxii_error(&send(basic("nobody", PASSWORD)).await, 401);
    assert_taxii_error(&send("Basic !!!".to_owned()).await, 401);
    assert_taxii_error(&send("Digest x".to_owned()).await, 401);
    let none = taxii(&t, Method::GET, "/taxii2/", None, None).await;
    assert_taxii_error(&none, 401);
    let challenges: Vec<_> = none
        .headers
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .collect();
    assert!(
        challenges
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("Basic"))
    );
    assert!(
        challenges
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("Bearer"))
    );
}

/// HTTP Basic credentials.
fn basic(user: &str, password: &str) -> String {
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// A TAXII request with this `Authorization` value.
async fn with_auth(
    t: &TestApp,
    method: Method,
    path: &str,
    authorization: &str,
    body: Option<&Value>,
) -> TestResponse {
    let mut headers = vec![
        (header::ACCEPT, TAXII),
        (header::AUTHORIZATION, authorization),
    ];
    if body.is_some() {
        headers.push((header::CONTENT_TYPE, TAXII));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    t.send(request(method, path, &headers, body)).await
}

/// A verification remembered by one node's cache never vouches for the
/// same username on another node of the process (the cache is keyed with
/// the user's stored hash, whose salt is random), and the role each
/// request gets is read afresh.
#[tokio::test]
async fn a_remembered_password_is_bound_to_its_node_and_user() {
    let (one, two) = (TestApp::new().await, TestApp::new().await);
    let party = countersign_core::ids::PartyId::parse("cert-a").unwrap();
    let role = countersign_core::access::Role::Viewer;
    let (p1, p2) = ("first password 1", "second password 2");
    one.node
        .create_user("solo@cert-a", &party, role, p1)
        .await
        .unwrap();
    two.node
        .create_user("solo@cert-a", &party, role, p2)
        .await
        .unwrap();
    let get = async |t: &TestApp, password: &str| {
        let auth = basic("solo@cert-a", password);
        with_auth(t, Method::GET, "/taxii2/api/collections/", &auth, None).await
    };
    assert_eq!(get(&one, p1).await.status, StatusCode::OK);
    assert_taxii_error(&get(&two, p1).await, 401);
    assert_eq!(get(&two, p2).await.status, StatusCode::OK);
    assert_taxii_error(&get(&one, p2).await, 401);
    // Remembered or not, a viewer may not write.
    assert_eq!(get(&one, p1).await.status, StatusCode::OK);
    let body = json!({"objects": [indicator(1, "2026-01-10T10:00:00.000Z")]});
    let auth = basic("solo@cert-a", p1);
    let posted = with_auth(&one, Method::POST, &objects_path(GREEN), &auth, Some(&body)).await;
    assert_taxii_error(&posted, 403);
}

#[tokio::test]
async fn pagination_is_exact() {
    let t = TestApp::new().await;
    let total = 2_500u64;
    let all: Vec<Value> = (0..total)
        .map(|n| indicator(n, "2026-01-10T10:00:00.000Z"))
        .collect();
    for chunk in all.chunks(1000) {
        let r = post(&t, &t.analyst_a, GREEN, chunk.to_vec()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    }
    for endpoint in ["objects", "manifest"] {
        let mut seen = std::collections::BTreeSet::new();
        let mut order = Vec::new();
        let mut next: Option<String> = None;
        let mut pages = 0;
        let mut last_header = String::new();
        loop {
            let mut path = format!("/taxii2/api/collections/{GREEN}/{endpoint}/?limit=100");
            if let Some(n) = &next {
                path.push_str(&format!("&next={n}"));
            }
            let r = taxii(&t, Method::GET, &path, Some(&t.viewer_a), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            pages += 1;
            let body = r.json();
            let items = body["objects"].as_array().unwrap();
            assert_eq!(items.len(), 100, "page {pages}");
            let first = r.header("x-taxii-date-added-first").unwrap();
            assert!(first > last_header, "date_added goes up across pages");
            last_header = r.header("x-taxii-date-added-last").unwrap();
            for o in items {
                let id = o["id"].as_str().unwrap().to_owned();
                assert!(seen.insert(id.clone()), "{id} twice");
                order.push(id);
            }
            if body["more"] == true {
                next = Some(
                    body["next"]
                        .as_str()
                        .expect("next whenever more")
                        .to_owned(),
                );
            } else {
                assert!(body.get("next").is_none());
                break;
            }
        }
        assert_eq!(pages, 25, "{endpoint}");
        assert_eq!(seen.len() as u64, total, "{endpoint}");
        // Oldest date_added first: the POST order.
        let want: Vec<String> = all
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(order, want, "{endpoint}");
    }
    // added_after with a page's last date_added continues exactly there.
    let r = taxii(
        &t,
        Method::GET,
        &format!("{}?limit=10", objects_path(GREEN)),
        Some(&t.viewer_a),
        None,
    )
    .await;
    let last = r.header("x-taxii-date-added-last").unwrap();
    let r = taxii(
        &t,
        Method::GET,
        &format!("{}?limit=10&added_after={last}", objects_path(GREEN)),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.json()["objects"][0], all[10]);
}

#[tokio::test]
async fn error_statuses() {
    let t = TestApp::new().await;
    let objects = objects_path(GREEN);
    // 406 for a wrong Accept; a bare TAXII type is 2.1.
    for (accept, status) in [
        ("application/json", 406),
        ("application/taxii+json;version=2.0", 406),
        ("text/html", 406),
        ("application/taxii+json", 200),
        ("*/*", 200),
    ] {
        let bearer = format!("Bearer {}", t.viewer_a);
        let headers = [(header::ACCEPT, accept), (header::AUTHORIZATION, &bearer)];
        let r = request(Method::GET, &objects, &headers, Body::empty());
        let r = t.send(r).await;
        assert_eq!(r.status.as_u16(), status, "{accept}: {}", r.text());
        assert_eq!(r.header("content-type").as_deref(), Some(TAXII), "{accept}");
        if status != 200 {
            assert_taxii_error(&r, status);
        }
    }
    // 415 for a wrong Content-Type; a bare TAXII type is accepted.
    for (ct, status) in [
        ("application/json", 415),
        ("application/stix+json;version=2.1", 415),
        ("application/taxii+json", 202),
    ] {
        let bearer = format!("Bearer {}", t.analyst_a);
        let headers = [
            (header::ACCEPT, TAXII),
            (header::CONTENT_TYPE, ct),
            (header::AUTHORIZATION, &bearer),
        ];
        let body = json!({"objects": [indicator(9, "2026-01-10T10:00:00.000Z")]});
        let r = request(
            Method::POST,
            &objects,
            &headers,
            Body::from(body.to_string()),
        );
        let r = t.send(r).await;
        assert_eq!(r.status.as_u16(), status, "{ct}: {}", r.text());
        if status != 202 {
            assert_taxii_error(&r, status);
        }
    }
    // 400 for every malformed parameter, on every read endpoint.
    let id = "indicator--00000000-0000-4000-8000-000000000009";
    let reads = [
        (
            objects.clone(),
            vec![
                "added_after=yesterday",
                "limit=0",
                "limit=x",
                "next=zz",
                "match[id]=nope",
                "match[type]=Bad_Type",
                "match[version]=latest",
                "match[spec_version]=x",
                "match[color]=red",
                "limit=1&limit=2",
            ],
        ),
        (
            format!("/taxii2/api/collections/{GREEN}/manifest/"),
            vec![
                "added_after=2026-13-01T00:00:00Z",
                "limit=-5",
                "match[version]=",
            ],
        ),
        (
            format!("{objects}{id}/"),
            vec![
                "match[type]=indicator",
                "match[version]=2026",
                "added_after=1",
            ],
        ),
        (
            format!("{objects}{id}/versions/"),
            vec!["match[version]=all", "next=-1", "limit=1.5"],
        ),
    ];
    for (path, queries) in reads {
        for q in queries {
            let r = taxii(
                &t,
                Method::GET,
                &format!("{path}?{q}"),
                Some(&t.viewer_a),
                None,
            )
            .await;
            assert_taxii_error(&r, 400);
        }
    }
    let r = taxii(
        &t,
        Method::DELETE,
        &format!("{objects}{id}/?limit=1"),
        Some(&t.analyst_a),
        None,
    )
    .await;
    assert_taxii_error(&r, 400);
    // 422 for invalid STIX: every problem named, nothing stored.
    let mut bad_time = indicator(10, "2026-01-10T10:00:00.000Z");
    bad_time["modified"] = json!("yesterday");
    let not_stix = json!({"type": "x", "id": "nope"});
    let r = post(
        &t,
        &t.analyst_a,
        GREEN,
        vec![
            indicator(11, "2026-01-10T10:00:00.000Z"),
            bad_time,
            not_stix,
        ],
    )
    .await;
    assert_taxii_error(&r, 422);
    let text = r.json()["description"].as_str().unwrap().to_owned();
    assert!(
        text.contains("object 1") && text.contains("object 2"),
        "{text}"
    );
    let r = taxii(
        &t,
        Method::GET,
        &format!("{objects}?match[id]=indicator--00000000-0000-4000-8000-00000000000b"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.json()["objects"], json!([]));
    // A marking of another level than the collection's: 422.
    let mut red = indicator(12, "2026-01-10T10:00:00.000Z");
    red["object_marking_refs"] =
        json!(["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]);
    assert_taxii_error(&post(&t, &t.analyst_a, GREEN, vec![red.clone()]).await, 422);
    assert_eq!(
        post(&t, &t.analyst_a, RED, vec![red]).await.status,
        StatusCode::ACCEPTED
    );
    // 400 for a body that is not an envelope.
    for body in ["not json", "[]", "{\"objects\": 5}"] {
        let bearer = format!("Bearer {}", t.analyst_a);
        let headers = [
            (header::ACCEPT, TAXII),
            (header::CONTENT_TYPE, TAXII),
            (header::AUTHORIZATION, &bearer),
        ];
        let r = request(Method::POST, &objects, &headers, Body::from(body));
        assert_taxii_error(&t.send(r).await, 400);
    }
    // 403: a viewer may not POST.
    assert_taxii_error(&post(&t, &t.viewer_a, GREEN, vec![]).await, 403);
    // 404: unknown collection, object, status, path; 405.
    for path in [
        "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/".to_owned(),
        "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/objects/".to_owned(),
        format!("{objects}indicator--00000000-0000-4000-8000-0000000000ff/"),
        "/taxii2/api/status/00000000-0000-4000-8000-000000000000/".to_owned(),
        "/taxii2/nothing/".to_owned(),
    ] {
        assert_taxii_error(
            &taxii(&t, Method::GET, &path, Some(&t.viewer_a), None).await,
            404,
        );
    }
    assert_taxii_error(
        &taxii(
            &t,
            Method::PUT,
            "/taxii2/api/collections/",
            Some(&t.viewer_a),
            None,
        )
        .await,
        405,
    );
    // Empty results still carry the date headers.
    let r = taxii(
        &t,
        Method::GET,
        &format!("/taxii2/api/collections/{AMBER}/objects/"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("x-taxii-date-added-first").as_deref(),
        Some("1970-01-01T00:00:00.000000Z")
    );
    let r = taxii(
        &t,
        Method::GET,
        &format!("/taxii2/api/collections/{AMBER}/manifest/?added_after=2026-02-01T00:00:00Z"),
        Some(&t.viewer_a),
        None,
    )
    .await;
    assert_eq!(
        r.header("x-taxii-date-added-last").as_deref(),
        Some("2026-02-01T00:00:00.000000Z")
    );
}

#[tokio::test]
async fn notification_evidence_is_served_under_its_tlp() {
    let t = TestApp::new().await;
    let mut body = notification("Evidence over TAXII", "amber");
    body["evidence"] = evidence();
    t.notify(&t.analyst_a, &body).await;
    let path = format!("{}?match[type]=indicator", objects_path(AMBER));
    // Sender and recipient see it; the third party does not.
    for (token, want) in [(&t.viewer_a, 1), (&t.analyst_b, 1), (&t.analyst_c, 0)] {
        let r = taxii(&t, Method::GET, &path, Some(token), None).await;
        assert_eq!(r.json()["objects"].as_array().unwrap().len(), want);
    }
    // Evidence cannot be deleted.
    let obj = format!(
        "{}indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/",
        objects_path(AMBER)
    );
    assert_taxii_error(
        &taxii(&t, Method::DELETE, &obj, Some(&t.analyst_a), None).await,
        403,
    );
}
