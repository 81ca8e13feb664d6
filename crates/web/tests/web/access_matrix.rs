//! The access matrix: every TAXII and REST read endpoint × role (viewer,
//! analyst, admin) × TLP level × relation to the item (sender or owner,
//! recipient, third party of the same node). An item must be readable
//! exactly when `Viewer::may_see` (the rule of `countersign_node::access`)
//! allows it. Every violation is collected and reported at once. The
//! obligation views (due lists, scorecards) are scoped to the user's own
//! party, so for them the check is one way: nothing shown that the rule
//! denies, and nothing of A → B shown to a third party. A second test
//! holds a notification to two recipients: each one's receipt, reply,
//! rating and lifecycle is its own exchange with the notifier, hidden
//! from the other recipient except under CLEAR and GREEN.

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

/// Each recipient's exchange with the notifier (its receipt, its reply,
/// the notifier's rating of that reply, its lifecycle) is its own
/// envelope: A notifies [B, C] at every level, B replies, A rates it. C
/// sees B's exchange under CLEAR and GREEN only — in the REST detail
/// (replies, delivery rows, receipt download), the timeline (events and
/// lifecycle rows), the rating proposal and the UI page — while B and A
/// see it at every level, and C always sees its own. C's due lists and
/// scorecards hold only C's obligations. Every violation is reported.
#[tokio::test]
async fn a_recipient_does_not_see_another_recipients_exchange() {
    let t = TestApp::new().await;
    let viewer_b = "viewer@cert-b";
    t.node
        .create_user(
            viewer_b,
            &PartyId::parse(B).unwrap(),
            Role::Viewer,
            PASSWORD,
        )
        .await
        .unwrap();
    let viewer_b = t.node.create_api_token(viewer_b, "matrix").await.unwrap();
    struct Exchange {
        tlp: Tlp,
        id: String,
        reply: String,
        text: String,
        rating: String,
    }
    let mut exchanges = Vec::new();
    for tlp in LEVELS {
        let mut body = notification(&format!("To two at {tlp}"), tlp.as_str());
        body["to"] = json!([B, C]);
        let id = t.notify(&t.analyst_a, &body).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let text = format!("B's findings under {tlp}: the host is ours.");
        let r = t
            .post_json(
                &format!("/v1/notifications/{id}/replies"),
                Some(&t.analyst_b),
                &json!({"kind": "findings", "text": text, "evidence": evidence()}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let reply = countersign_core::envelope::Envelope::id(
            &serde_json::from_value(r.json()["envelope"].clone()).unwrap(),
        )
        .unwrap()
        .to_string();
        let r = t
            .post_json(
                &format!("/v1/replies/{reply}/rating"),
                Some(&t.analyst_a),
                &json!({"quality": "substantive", "reason": "names the host", "close": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let rating = r.json()["id"].as_str().unwrap().to_owned();
        exchanges.push(Exchange {
            tlp,
            id,
            reply,
            text,
            rating,
        });
    }
    // Local delivery: B's and C's receipts, the reply's and the rating's.
    t.node.deliver_due().await.unwrap();

    let cookies = [
        (A, t.ui_login("analyst@cert-a", PASSWORD).await),
        (B, t.ui_login("analyst@cert-b", PASSWORD).await),
        (C, t.ui_login("analyst@cert-c", PASSWORD).await),
    ];
    let users = [
        (A, t.analyst_a.as_str()),
        (B, t.analyst_b.as_str()),
        (B, viewer_b.as_str()),
        (C, t.analyst_c.as_str()),
    ];
    let mut violations = Vec::new();
    // Answers that are wrong whatever the rule says.
    let mut odd = Vec::new();
    let mut checks = 0usize;
    for x in &exchanges {
        // B's receipt, as the notifier sees it.
        let timeline_of = |v: &serde_json::Value| -> Vec<String> {
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["envelope"].as_str().unwrap().to_owned())
                .collect()
        };
        let full = t
            .get(
                &format!("/v1/notifications/{}/timeline", x.id),
                Some(&t.analyst_a),
            )
            .await
            .json();
        let receipt_b = full["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == "delivered" && e["to"] == B)
            .map(|e| e["envelope"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no receipt of B in A's timeline: {full}"));
        for (party, token) in users {
            let allowed = party != C || matches!(x.tlp, Tlp::Clear | Tlp::Green);
            let who = format!("{party} on TLP:{}", x.tlp);
            let mut check = |what: &str, shown: bool| {
                checks += 1;
                if shown != allowed {
                    violations.push(format!(
                        "{who}: {what} {} but should {}",
                        if shown { "shown" } else { "not shown" },
                        if allowed { "be" } else { "not be" }
                    ));
                }
            };
            let d = t
                .get(&format!("/v1/notifications/{}", x.id), Some(token))
                .await;
            assert_eq!(d.status, StatusCode::OK, "{who}: {}", d.text());
            let d = d.json();
            check(
                "B's reply in the detail",
                d["replies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["id"] == x.reply.as_str()),
            );
            check(
                "B's delivery row in the detail",
                d["recipients"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["party"] == B),
            );
            let r = t
                .get(
                    &format!("/v1/notifications/{}/receipts/{B}", x.id),
                    Some(token),
                )
                .await;
            check("B's receipt download", r.status == StatusCode::OK);
            let tl = t
                .get(&format!("/v1/notifications/{}/timeline", x.id), Some(token))
                .await
                .json();
            let events = timeline_of(&tl);
            check("B's receipt in the timeline", events.contains(&receipt_b));
            check("B's reply in the timeline", events.contains(&x.reply));
            check("A's rating in the timeline", events.contains(&x.rating));
            let rows: Vec<&str> = tl["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["party"].as_str().unwrap())
                .collect();
            check("B's lifecycle row", rows.contains(&B));
            if party == C && !rows.contains(&C) {
                odd.push(format!("{who}: its own (C's) lifecycle row is missing"));
            }
            let p = t
                .get(
                    &format!("/v1/replies/{}/rating-proposal", x.reply),
                    Some(token),
                )
                .await;
            if !matches!(p.status.as_u16(), 200 | 404) {
                odd.push(format!("{who}: the proposal answered {}", p.status));
            }
            check(
                "the rating proposal of B's reply",
                p.status == StatusCode::OK,
            );
        }
        for (party, cookie) in &cookies {
            let allowed = *party != C || matches!(x.tlp, Tlp::Clear | Tlp::Green);
            let page = t
                .get_with_cookie(&format!("/notifications/{}", x.id), cookie)
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text());
            let html = page.text();
            for (what, needle) in [
                ("B's reply text", x.text.clone()),
                ("B's reply id", x.reply.clone()),
                ("A's rating id", x.rating.clone()),
                ("B's receipt id", receipt_b.clone()),
                ("B's lifecycle row", format!("data-recipient=\"{B}\"")),
                ("B's receipt link", format!("/receipts/{B}\"")),
            ] {
                checks += 1;
                if html.contains(&needle) != allowed {
                    violations.push(format!(
                        "UI of {party} on TLP:{}: {what} {}",
                        x.tlp,
                        if allowed { "missing" } else { "shown" }
                    ));
                }
            }
            if *party == C && !html.contains(&format!("data-recipient=\"{C}\"")) {
                violations.push(format!("UI of C on TLP:{}: its own row is missing", x.tlp));
            }
        }
    }

    // C's obligation views: C's own (inbound, owed to A), nothing of B's.
    let due = t
        .get("/v1/obligations/due?soon_hours=8760", Some(&t.analyst_c))
        .await
        .json();
    let items: Vec<&serde_json::Value> = ["overdue", "soon_due"]
        .iter()
        .flat_map(|l| due[l].as_array().unwrap().iter())
        .collect();
    assert_eq!(items.len(), exchanges.len(), "{due}");
    for item in items {
        assert_eq!(item["recipient"], C, "{item}");
        assert_eq!(item["direction"], "in", "{item}");
    }
    let cards = t
        .get("/v1/scorecards?period=30d", Some(&t.analyst_c))
        .await
        .json();
    let cards = cards["scorecards"].as_array().unwrap();
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert_eq!(cards[0]["party"], C);
    assert_eq!(cards[0]["counterpart"], A);
    assert_eq!(cards[0]["answered"], 0, "B's replies counted for C");

    violations.append(&mut odd);
    assert!(
        violations.is_empty(),
        "{} violations in {checks} checks:\n{}",
        violations.len(),
        violations.join("\n")
    );
    // 5 levels × (4 users × 8 checks + 3 UI users × 6 checks).
    assert_eq!(checks, 5 * (4 * 8 + 3 * 6));
}
