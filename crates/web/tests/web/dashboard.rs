//! The dashboard page: overdue and soon-due lists, scorecards per
//! counterpart and direction with their SVG charts, the period selector,
//! bad input, and what each party may see.

use axum::http::StatusCode;
use chrono::{SecondsFormat, Utc};
use serde_json::json;

use crate::common::{PASSWORD, TestApp, evidence, notification};

/// The figure in one scorecard cell, `None` without that row.
fn metric(html: &str, counterpart: &str, direction: &str, name: &str) -> Option<u32> {
    let row_at = html.find(&format!(
        "<tr data-counterpart=\"{counterpart}\" data-direction=\"{direction}\">"
    ))?;
    let row = &html[row_at..row_at + html[row_at..].find("</tr>")?];
    let cell = format!("<td data-metric=\"{name}\">");
    let at = row.find(&cell)? + cell.len();
    row[at..at + row[at..].find('<')?].parse().ok()
}

/// The `<table>` with `id`, or an empty string.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let Some(start) = html.find(&format!("id=\"{id}\"")) else {
        return "";
    };
    let end = html[start..]
        .find("</table>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

#[tokio::test]
async fn scorecards_follow_replies_and_ratings() {
    let t = TestApp::new().await;
    let cookie = t.ui_login("viewer@cert-a", PASSWORD).await;

    // An empty period says so.
    let r = t.get_with_cookie("/dashboard", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(
        html.contains("<a href=\"/dashboard\">Dashboard</a>"),
        "{html}"
    );
    assert!(html.contains("No notifications in this period."), "{html}");
    assert!(html.contains("<option value=\"90d\" selected>"), "{html}");
    assert!(html.contains("Nothing is overdue."), "{html}");
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );

    // Two notifications to B and one to C; B answers the first with
    // findings and evidence and acknowledges the second.
    let first = t
        .notify(&t.analyst_a, &notification("First", "amber"))
        .await;
    let second = t
        .notify(&t.analyst_a, &notification("Second", "amber"))
        .await;
    let mut to_c = notification("To C", "amber");
    to_c["to"] = json!(["cert-c"]);
    t.notify(&t.analyst_a, &to_c).await;
    let (first, second) = (
        first["id"].as_str().unwrap().to_owned(),
        second["id"].as_str().unwrap().to_owned(),
    );
    let mut findings = json!({"kind": "findings", "text": "Cleaned."});
    findings["evidence"] = evidence();
    for (id, body) in [
        (&first, findings),
        (&second, json!({"kind": "acknowledgement"})),
    ] {
        let r = t
            .post_json(
                &format!("/v1/notifications/{id}/replies"),
                Some(&t.analyst_b),
                &body,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let html = t.get_with_cookie("/dashboard", &cookie).await.text();
    for (name, want) in [
        ("sent", 2),
        ("acknowledged", 2),
        ("answered", 1),
        ("substantive", 0),
        ("unrated", 2),
        ("unanswered", 1),
        ("replies", 2),
    ] {
        assert_eq!(
            metric(&html, "cert-b", "out", name),
            Some(want),
            "{name} in {html}"
        );
    }
    assert_eq!(metric(&html, "cert-c", "out", "sent"), Some(1), "{html}");
    assert_eq!(metric(&html, "cert-c", "out", "acknowledged"), Some(0));

    // Rated substantive: the scorecard and the bar chart change.
    let reply = crate::ui::reply_of(&t, &first, "findings").await;
    t.node
        .rate(
            &countersign_node::access::Viewer::Operator,
            &countersign_core::ids::EnvelopeId::parse(&reply).unwrap(),
            countersign_core::reply::ReplyQuality::Substantive,
            "findings with evidence",
            false,
        )
        .await
        .unwrap();
    let html = t.get_with_cookie("/dashboard", &cookie).await.text();
    assert_eq!(metric(&html, "cert-b", "out", "substantive"), Some(1));
    assert_eq!(metric(&html, "cert-b", "out", "unrated"), Some(1));
    // The report's charts, embedded: B's bar has a substantive segment and
    // one for the acknowledged, unrated notification; C's only one without
    // a reply. No inline style (the CSP would refuse it).
    let at = html
        .find("<figure class=\"chart\" id=\"quality-chart\"><svg")
        .unwrap();
    let svg = &html[at..at + html[at..].find("</svg>").unwrap()];
    for expected in [
        "<title>cert-a → cert-b: 1 substantive</title>",
        "<title>cert-a → cert-b: 1 unrated</title>",
        "<title>cert-a → cert-c: 1 no reply</title>",
    ] {
        assert!(svg.contains(expected), "{expected} in {svg}");
    }
    assert_eq!(
        svg.matches("data-segment=\"substantive\"").count(),
        1,
        "{svg}"
    );
    assert!(!svg.contains("cert-a → cert-b: 1 no reply"), "{svg}");
    assert!(!html.contains(" style="), "{html}");
    // A weekly chart per counterpart and direction.
    for c in ["cert-b", "cert-c"] {
        let at = html
            .find(&format!(
                "<figure class=\"chart\" data-counterpart=\"{c}\" data-direction=\"out\"><svg"
            ))
            .unwrap_or_else(|| panic!("no weekly chart for {c}: {html}"));
        let svg = &html[at..at + html[at..].find("</svg>").unwrap()];
        assert!(svg.contains("data-series=\"sent\""), "{svg}");
    }

    // B sees the same obligations from its side: how it answered A.
    let cookie_b = t.ui_login("analyst@cert-b", PASSWORD).await;
    let html = t.get_with_cookie("/dashboard", &cookie_b).await.text();
    assert_eq!(metric(&html, "cert-a", "in", "sent"), Some(2), "{html}");
    assert_eq!(
        metric(&html, "cert-a", "in", "substantive"),
        Some(1),
        "{html}"
    );
    assert_eq!(metric(&html, "cert-b", "out", "sent"), None, "{html}");
    // C never sees what went between A and B.
    let cookie_c = t.ui_login("analyst@cert-c", PASSWORD).await;
    let html = t.get_with_cookie("/dashboard", &cookie_c).await.text();
    assert_eq!(metric(&html, "cert-a", "in", "sent"), Some(1), "{html}");
    assert!(!html.contains("cert-b"), "{html}");
    assert!(!html.contains("First"), "{html}");
}

#[tokio::test]
async fn overdue_and_soon_due_lists() {
    let t = TestApp::new().await;
    let soon = |secs: i64| {
        (Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    // Every "overdue" deadline is the same instant, far enough ahead that
    // filing eleven notifications on a loaded machine stays before it.
    let ack_soon = soon(6);
    let mut late = notification("Acknowledge quickly", "amber");
    late["ack_by"] = json!(ack_soon);
    late["reply_by"] = json!(soon(24 * 3600));
    let late = t.notify(&t.analyst_a, &late).await;
    // Ten more, so the list is longer than the dashboard shows at first.
    for i in 0..10 {
        let mut more = notification(&format!("Backlog {i}"), "amber");
        more["ack_by"] = json!(ack_soon);
        more["reply_by"] = json!(soon(30 * 86_400));
        t.notify(&t.analyst_a, &more).await;
    }
    let mut due = notification("Due soon", "amber");
    due["ack_by"] = json!(soon(3600));
    due["reply_by"] = json!(soon(5 * 86_400));
    t.notify(&t.analyst_a, &due).await;
    let mut far = notification("No hurry", "amber");
    far["ack_by"] = json!(soon(10 * 86_400));
    far["reply_by"] = json!(soon(20 * 86_400));
    t.notify(&t.analyst_a, &far).await;
    // Delivered (locally): nothing is owed before delivery, and the
    // deadlines move by the delivery delay, which this wait covers since
    // it starts after the delivery.
    let due = t
        .get("/v1/obligations/due?soon_hours=8760", Some(&t.analyst_a))
        .await
        .json();
    assert_eq!(
        (
            due["overdue"].as_array().map(Vec::len),
            due["soon_due"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0)),
        "nothing is due before delivery: {due}"
    );
    t.node.deliver_due().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(6_500)).await;

    let cookie = t.ui_login("analyst@cert-a", PASSWORD).await;
    let html = t.get_with_cookie("/dashboard", &cookie).await.text();
    let overdue = table(&html, "overdue");
    let id = late["id"].as_str().unwrap();
    assert!(overdue.contains("overdue by"), "{overdue}");
    assert!(
        html.contains("<strong>11</strong> overdue</a> (0 we owe, 11 owed to us)"),
        "{html}"
    );
    assert!(
        overdue.contains("Overdue (11) · the first 10 · "),
        "{overdue}"
    );
    assert_eq!(overdue.matches("<tr data-notification=").count(), 10);
    let all = t
        .get_with_cookie("/dashboard?period=30d&due=all", &cookie)
        .await
        .text();
    let all_overdue = table(&all, "overdue");
    assert_eq!(
        all_overdue.matches("<tr data-notification=").count(),
        11,
        "{all}"
    );
    assert!(!all_overdue.contains("show all"), "{all_overdue}");
    assert!(
        all_overdue.contains(&format!(
            "<tr data-notification=\"{id}\" data-direction=\"out\">"
        )),
        "{all}"
    );
    assert!(
        overdue.contains("href=\"/dashboard?due=all#due-h\""),
        "{overdue}"
    );
    assert!(overdue.contains("they owe us"), "{overdue}");
    assert!(!overdue.contains("No hurry"), "{overdue}");
    assert!(!overdue.contains("Due soon"), "{overdue}");
    // One deadline within 48 hours; the others are overdue or further.
    let soon_due = table(&html, "soon-due");
    assert!(soon_due.contains("Due soon"), "{html}");
    assert!(
        soon_due.contains("in 59 min") || soon_due.contains("in 58 min"),
        "{soon_due}"
    );
    assert!(!soon_due.contains("No hurry"), "{soon_due}");
    // B owes it, and sees it from its side; C sees none of it.
    let cookie_b = t.ui_login("analyst@cert-b", PASSWORD).await;
    let html = t.get_with_cookie("/dashboard", &cookie_b).await.text();
    assert!(table(&html, "overdue").contains("we owe them"), "{html}");
    let cookie_c = t.ui_login("analyst@cert-c", PASSWORD).await;
    let html = t.get_with_cookie("/dashboard", &cookie_c).await.text();
    assert!(html.contains("Nothing is overdue."), "{html}");
    assert!(!html.contains("Acknowledge quickly"), "{html}");
    // The notification page flags it too.
    let html = t
        .get_with_cookie(&format!("/notifications/{id}"), &cookie)
        .await
        .text();
    assert!(
        html.contains("<span class=\"badge overdue\">overdue</span>"),
        "{html}"
    );
}

#[tokio::test]
async fn the_period_selector_and_bad_input() {
    let t = TestApp::new().await;
    t.notify(&t.analyst_a, &notification("Now", "amber")).await;
    let cookie = t.ui_login("viewer@cert-a", PASSWORD).await;
    for path in [
        "/dashboard?period=7d",
        "/dashboard?period=12w",
        "/dashboard?period=365d&since=&until=",
    ] {
        let html = t.get_with_cookie(path, &cookie).await.text();
        assert_eq!(
            metric(&html, "cert-b", "out", "sent"),
            Some(1),
            "{path}: {html}"
        );
    }
    let html = t
        .get_with_cookie("/dashboard?period=12w", &cookie)
        .await
        .text();
    assert!(
        html.contains("<option value=\"12w\" selected>12w</option>"),
        "{html}"
    );
    // A period that ended before it was filed.
    let html = t
        .get_with_cookie("/dashboard?since=2020-01-01&until=2020-12-31", &cookie)
        .await
        .text();
    assert!(html.contains("No notifications in this period."), "{html}");
    assert!(html.contains("value=\"2020-01-01\""), "{html}");

    for (path, needle) in [
        ("/dashboard?period=fortnight", "is not a period"),
        ("/dashboard?period=0d", "between 1 day"),
        (
            "/dashboard?since=2026-01-01",
            "both the first and the last day",
        ),
        (
            "/dashboard?since=2026-03-01&until=2026-01-01",
            "ends before it starts",
        ),
        ("/dashboard?since=yesterday&until=today", "is not a period"),
        ("/dashboard?colour=red", "colour"),
        ("/dashboard?due=some", "due=all"),
    ] {
        let r = t.get_with_cookie(path, &cookie).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""), "{path}");
        assert!(
            r.text().contains(needle),
            "{path}: {needle:?} in {}",
            r.text()
        );
    }
    // Without a session: to the login page.
    let r = t.get("/dashboard", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location").as_deref(), Some("/login"));
}
