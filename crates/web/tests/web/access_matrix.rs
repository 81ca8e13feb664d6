//! The access matrix: every TAXII and REST read endpoint × role (viewer,
//! analyst, admin) × TLP level × relation to the item (sender or owner,
//! recipient, third party of the same node). An item must be readable
//! exactly when `Viewer::may_see` (the rule of `countersign_node::access`)
//! allows it. Every violation is collected and reported at once. The
//! obligation views (due lists, scorecards) are scoped to the user's own
//! party, so for them the check is one way: nothing shown that the rule
//! denies, and nothing of A → B shown to a third party.

use axum::http::{Method, StatusCode};
use countersign_core::access::Role;
use countersign_core::ids::PartyId;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::taxii::collection_of;
use serde_json::json;

use crate::common::{A, B, C, PASSWORD, TestApp, evidence, notification};
use crate::taxii::{indicator, objects_path, taxii};

const LEVELS: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];

struct User {
    party: &'static str,
    role: Role,
    token: String,
}

/// An item to look for: a notification (A → B) and its evidence
/// indicator, or an object A's analyst POSTed.
struct Item {
    tlp: Tlp,
    from: &'static str,
    to: Vec<&'static str>,
    /// The notification id and attachment href, for a notification.
    notification: Option<(String, String)>,
    /// The STIX id of the indicator served over TAXII.
    stix_id: String,
}

fn relation(user: &User, item: &Item) -> &'static str {
    if user.party == item.from {
        "sender/owner"
    } else if item.to.contains(&user.party) {
        "recipient"
    } else {
        "third party"
    }
}

#[tokio::test]
async fn no_endpoint_leaks() {
    let t = TestApp::new().await;
    // Users of every role in every party.
    let mut users = vec![
        User {
            party: A,
            role: Role::Admin,
            token: t.admin.clone(),
        },
        User {
            party: A,
            role: Role::Analyst,
            token: t.analyst_a.clone(),
        },
        User {
            party: A,
            role: Role::Viewer,
            token: t.viewer_a.clone(),
        },
        User {
            party: B,
            role: Role::Analyst,
            token: t.analyst_b.clone(),
        },
        User {
            party: C,
            role: Role::Analyst,
            token: t.analyst_c.clone(),
        },
    ];
    for party in [B, C] {
        for role in [Role::Viewer, Role::Admin] {
            let name = format!("{role}@{party}");
            t.node
                .create_user(&name, &PartyId::parse(party).unwrap(), role, PASSWORD)
                .await
                .unwrap();
            let token = t.node.create_api_token(&name, "matrix").await.unwrap();
            users.push(User { party, role, token });
        }
    }

    // A notification per level, A → B, with evidence and an attachment,
    // and an object per level POSTed by A.
    let mut items = Vec::new();
    for (i, tlp) in LEVELS.into_iter().enumerate() {
        let up = t
            .call(
                Method::PUT,
                "/v1/attachments",
                Some(&t.analyst_a),
                None,
                format!("log of level {tlp}\n").into_bytes(),
            )
            .await
            .json();
        let mut ev = evidence();
        let stix_id = format!("indicator--00000000-0000-4000-9000-{:012x}", i);
        ev["objects"][0]["id"] = json!(stix_id);
        let mut body = notification(&format!("Matrix {tlp}"), tlp.as_str());
        body["evidence"] = ev;
        body["attachments"] =
            json!([{"sha256": up["sha256"], "name": "log.txt", "media_type": "text/plain"}]);
        let n = t.notify(&t.analyst_a, &body).await;
        let href = n["attachments"][0]["href"].as_str().unwrap().to_owned();
        items.push(Item {
            tlp,
            from: A,
            to: vec![B],
            notification: Some((n["id"].as_str().unwrap().to_owned(), href)),
            stix_id,
        });

        let posted = indicator(0x1000 + i as u64, "2026-01-10T10:00:00.000Z");
        let r = taxii(
            &t,
            Method::POST,
            &objects_path(collection_of(tlp)),
            Some(&t.analyst_a),
            Some(&json!({ "objects": [posted.clone()] })),
        )
        .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        items.push(Item {
            tlp,
            from: A,
            to: vec![],
            notification: None,
            stix_id: posted["id"].as_str().unwrap().to_owned(),
        });
    }

    // Local delivery: B's receipts exist, so the receipt download is a
    // real read to check, not a 404 for everyone.
    t.node.deliver_due().await.unwrap();

    let mut violations = Vec::new();
    // Answers that are wrong whatever the rule says.
    let mut odd = Vec::new();
    let mut checks = 0usize;
    for user in &users {
        let viewer = Viewer::User {
            username: String::new(),
            party: PartyId::parse(user.party).unwrap(),
            role: user.role,
        };
        // What the listings show this user, fetched once.
        let listed: Vec<String> = t
            .get("/v1/notifications?limit=500", Some(&user.token))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        let due = t
            .get("/v1/obligations/due?soon_hours=8760", Some(&user.token))
            .await
            .json();
        let due_ids: Vec<String> = ["overdue", "soon_due"]
            .iter()
            .flat_map(|list| due[list].as_array().unwrap().iter())
            .map(|d| d["notification"].as_str().unwrap().to_owned())
            .collect();
        let scorecards = t
            .get("/v1/scorecards?period=30d", Some(&user.token))
            .await
            .json();
        let counterparts: Vec<&str> = scorecards["scorecards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["counterpart"].as_str().unwrap())
            .collect();
        checks += 1;
        if user.party == C && !counterparts.is_empty() {
            violations.push(format!(
                "{} of {C}: GET /v1/scorecards shows {counterparts:?} of an exchange it is not in",
                user.role
            ));
        }
        let mut taxii_lists: Vec<(String, &str, Vec<String>)> = Vec::new();
        for (collection, _) in countersign_node::taxii::COLLECTIONS {
            for endpoint in ["objects", "manifest"] {
                let r = taxii(
                    &t,
                    Method::GET,
                    &format!("/taxii2/api/collections/{collection}/{endpoint}/?match[version]=all"),
                    Some(&user.token),
                    None,
                )
                .await;
                let ids = r.json()["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["id"].as_str().unwrap().to_owned())
                    .collect();
                taxii_lists.push((collection.to_owned(), endpoint, ids));
            }
        }
        for item in &items {
            let to: Vec<PartyId> = item.to.iter().map(|p| PartyId::parse(p).unwrap()).collect();
            let allowed = viewer.may_see(item.tlp, &PartyId::parse(item.from).unwrap(), &to);
            let who = format!(
                "{} of {} ({}) on TLP:{} {}",
                user.role,
                user.party,
                relation(user, item),
                item.tlp,
                if item.notification.is_some() {
                    "notification"
                } else {
                    "posted object"
                }
            );
            let mut check = |endpoint: &str, readable: bool| {
                checks += 1;
                if readable != allowed {
                    violations.push(format!(
                        "{who}: {endpoint} {} but the rule says {}",
                        if readable { "readable" } else { "not readable" },
                        if allowed { "allowed" } else { "denied" }
                    ));
                }
            };
            if let Some((id, href)) = &item.notification {
                check("GET /v1/notifications (list)", listed.contains(id));
                // One way: listed means readable; not listed says nothing
                // (the lists hold only the user's own party's obligations).
                check(
                    "GET /v1/obligations/due (listed)",
                    due_ids.contains(id) || allowed,
                );
                for path in [
                    format!("/v1/notifications/{id}"),
                    format!("/v1/notifications/{id}/envelope"),
                    format!("/v1/notifications/{id}/receipts/{B}"),
                    format!("/v1/notifications/{id}/timeline"),
                    href.clone(),
                ] {
                    let r = t.get(&path, Some(&user.token)).await;
                    if !matches!(r.status.as_u16(), 200 | 404) {
                        odd.push(format!("{who}: GET {path} answered {}", r.status));
                    }
                    check(&format!("GET {path}"), r.status == StatusCode::OK);
                }
            }
            let home = collection_of(item.tlp);
            for (collection, endpoint, ids) in &taxii_lists {
                let present = ids.contains(&item.stix_id);
                if collection == home {
                    check(&format!("TAXII {endpoint} of its collection"), present);
                } else if present {
                    odd.push(format!(
                        "{who}: TAXII {endpoint} of collection {collection} shows it"
                    ));
                }
            }
            let obj = format!("{}{}/", objects_path(home), item.stix_id);
            for path in [obj.clone(), format!("{obj}versions/")] {
                let r = taxii(&t, Method::GET, &path, Some(&user.token), None).await;
                if !matches!(r.status.as_u16(), 200 | 404) {
                    odd.push(format!("{who}: GET {path} answered {}", r.status));
                }
                check(&format!("TAXII GET {path}"), r.status == StatusCode::OK);
            }
        }
    }
    violations.append(&mut odd);
    assert!(
        violations.is_empty(),
        "{} access violations in {checks} checks:\n{}",
        violations.len(),
        violations.join("\n")
    );
    // 9 users × (1 scorecard check + 5 notifications × 11 checks + 5
    // objects × 4 checks).
    assert_eq!(checks, 9 * (1 + 5 * 11 + 5 * 4));
}
