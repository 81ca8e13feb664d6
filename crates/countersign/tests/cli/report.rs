//! Reply obligations from the command line, on the demo's data (months of
//! back-dated history with three reply behaviours): `timeline`, `rate`
//! (refusals change nothing; a later rating supersedes), `overdue`, and
//! `report` as a table, JSON, CSV and a self-contained HTML file.

use super::harness::*;
use serde_json::Value;

/// A demo data directory (not served); returns (root, meridian's node).
fn demo(tmp: &std::path::Path) -> (String, String) {
    let dir = tmp.join("demo");
    run(&[
        "demo",
        "--no-serve",
        "--listen",
        "127.0.0.1:0",
        "--data",
        dir.to_str().unwrap(),
    ])
    .ok();
    (
        dir.to_str().unwrap().to_owned(),
        dir.join("peers/meridian").to_str().unwrap().to_owned(),
    )
}

fn card<'a>(report: &'a Value, party: &str, counterpart: &str, direction: &str) -> &'a Value {
    report["scorecards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["party"] == party && c["counterpart"] == counterpart && c["direction"] == direction
        })
        .unwrap_or_else(|| panic!("no {party} {direction} {counterpart} in {report}"))
}

fn n(v: &Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} in {v}"))
}

/// The last line of `log checkpoint` names the size: enough to see that
/// nothing was appended.
fn log_size(data: &str) -> String {
    run(&["log", "checkpoint", "--data", data])
        .ok()
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .to_owned()
}

#[test]
fn the_demo_history_tells_three_behaviours() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, _) = demo(tmp.path());
    let report = run(&["report", "--data", &data, "--period", "200d", "--json"])
        .ok()
        .json();
    let prompt = card(&report, "cert-aurelia", "meridian-abuse", "out");
    let formal = card(&report, "cert-aurelia", "caldera-energy-csirt", "out");
    let silent = card(&report, "cert-aurelia", "ncsc-borealis", "out");
    for c in [prompt, formal, silent] {
        assert!(n(c, "sent") >= 20, "months of history: {c}");
        assert_eq!(
            n(c, "delivered"),
            n(c, "sent"),
            "every one has a receipt: {c}"
        );
    }
    assert!(
        n(prompt, "substantive") * 10 >= n(prompt, "sent") * 8,
        "Meridian answers in substance: {prompt}"
    );
    assert!(
        prompt["to_acknowledge"]["median_s"].as_i64().unwrap() < 3 * 3600,
        "promptly: {prompt}"
    );
    assert_eq!(n(formal, "substantive"), 0, "{formal}");
    assert!(n(formal, "formal") * 2 >= n(formal, "sent"), "{formal}");
    assert!(
        n(silent, "acknowledged") * 5 <= n(silent, "sent"),
        "Borealis is mostly silent: {silent}"
    );
    assert_eq!(n(silent, "substantive"), 0, "{silent}");
    // Borealis's notifications to Aurelia: how we answered them.
    let inbound = card(&report, "cert-aurelia", "ncsc-borealis", "in");
    assert!(n(inbound, "answered") > 0, "{inbound}");
}

#[test]
fn rate_refuses_bad_input_and_a_later_rating_supersedes() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, meridian) = demo(tmp.path());
    // A recent notification to Meridian that it answered with findings or actions.
    let listed = run(&[
        "list",
        "notifications",
        "--data",
        &data,
        "--from",
        "cert-aurelia",
        "--to",
        "meridian-abuse",
        "--json",
    ])
    .ok()
    .json();
    let (notification, timeline) = listed
        .as_array()
        .unwrap()
        .iter()
        .find_map(|row| {
            let id = row["id"].as_str().unwrap().to_owned();
            let t = run(&["timeline", &id, "--data", &data, "--json"])
                .ok()
                .json();
            let answered = t["recipients"][0]["quality"] == "substantive";
            answered.then_some((id, t))
        })
        .expect("an answered notification to Meridian");
    let events = timeline["events"].as_array().unwrap();
    let answer = events
        .iter()
        .find(|e| e["event"] == "reply" && e["kind"] != "acknowledgement")
        .unwrap()["envelope"]
        .as_str()
        .unwrap()
        .to_owned();
    let ack = events
        .iter()
        .find(|e| e["event"] == "reply" && e["kind"] == "acknowledgement")
        .unwrap()["envelope"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(events.iter().all(|e| e["signed"] == true), "{timeline}");

    let before = run(&["report", "--data", &data, "--period", "200d", "--json"])
        .ok()
        .json();
    let size = log_size(&data);
    // A notification is not a reply; an acknowledgement has nothing to
    // accept; Meridian's node does not host the notifier; unknown id.
    let no_deliver = "--no-deliver";
    run(&[
        "rate",
        &notification,
        "--data",
        &data,
        "--quality",
        "formal",
        "--reason",
        "x",
        no_deliver,
    ])
    .fails(3, "not a reply");
    run(&[
        "rate",
        &ack,
        "--data",
        &data,
        "--accept-proposal",
        no_deliver,
    ])
    .fails(3, "needs no rating");
    let meridian_size = log_size(&meridian);
    run(&[
        "rate",
        &answer,
        "--data",
        &meridian,
        "--quality",
        "formal",
        "--reason",
        "x",
        no_deliver,
    ])
    .fails(1, "only the notifier");
    run(&[
        "rate",
        &"0".repeat(64),
        "--data",
        &data,
        "--quality",
        "formal",
        "--reason",
        "x",
        no_deliver,
    ])
    .fails(4, "no reply");
    // A quality needs a reason (clap refuses before anything opens).
    let r = run(&["rate", &answer, "--data", &data, "--quality", "formal"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(log_size(&data), size, "refusals appended nothing");
    assert_eq!(log_size(&meridian), meridian_size);

    // The notifier overrides the substantive rating: formal now counts.
    let out = run(&[
        "rate",
        &answer,
        "--data",
        &data,
        "--quality",
        "formal",
        "--reason",
        "on reflection, no indicators",
        no_deliver,
    ])
    .ok();
    let rating = out.stdout.trim().to_owned();
    assert_eq!(rating.len(), 64, "{}", out.stdout);
    let t = run(&["timeline", &notification, "--data", &data, "--json"])
        .ok()
        .json();
    assert_eq!(t["recipients"][0]["quality"], "formal", "{t}");
    let last = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["event"] == "rating")
        .unwrap();
    assert_eq!(last["envelope"], rating.as_str());
    assert!(last["supersedes"].is_string(), "{last}");
    assert_eq!(
        t["recipients"][0]["stage"], timeline["recipients"][0]["stage"],
        "closing stays"
    );
    let after = run(&["report", "--data", &data, "--period", "200d", "--json"])
        .ok()
        .json();
    let (b, a) = (
        card(&before, "cert-aurelia", "meridian-abuse", "out"),
        card(&after, "cert-aurelia", "meridian-abuse", "out"),
    );
    assert_eq!(n(a, "substantive") + 1, n(b, "substantive"));
    assert_eq!(n(a, "formal"), n(b, "formal") + 1);

    // Accepting the rule's proposal for the answer signs "substantive"
    // again (findings/actions with text), superseding the override.
    let out = run(&[
        "rate",
        &answer,
        "--data",
        &data,
        "--accept-proposal",
        no_deliver,
    ])
    .ok();
    assert!(
        out.stderr.contains("proposed: substantive"),
        "{}",
        out.stderr
    );
    let t = run(&["timeline", &notification, "--data", &data, "--json"])
        .ok()
        .json();
    assert_eq!(t["recipients"][0]["quality"], "substantive", "{t}");
}

#[test]
fn report_formats_and_the_overdue_list() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, _) = demo(tmp.path());
    let csv = run(&["report", "--data", &data, "--period", "200d", "--csv"]).ok();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert!(
        lines[0].starts_with("party,counterpart,direction,sent,"),
        "{}",
        lines[0]
    );
    let json = run(&["report", "--data", &data, "--period", "200d", "--json"])
        .ok()
        .json();
    assert_eq!(
        lines.len() - 1,
        json["scorecards"].as_array().unwrap().len()
    );
    let first = &json["scorecards"][0];
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cells[0], first["party"]);
    assert_eq!(cells[3], first["sent"].to_string());
    // Filters.
    let only = run(&[
        "report",
        "--data",
        &data,
        "--period",
        "200d",
        "--json",
        "--counterpart",
        "meridian-abuse",
        "--direction",
        "out",
    ])
    .ok()
    .json();
    assert_eq!(only["scorecards"].as_array().unwrap().len(), 1, "{only}");
    // A period in a year without traffic: no scorecards.
    let empty = run(&[
        "report",
        "--data",
        &data,
        "--period",
        "2020-01-01..2020-12-31",
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(empty["scorecards"], serde_json::json!([]));

    // The HTML report: one file, charts inline, nothing fetched.
    let file = tmp.path().join("report.html");
    run(&[
        "report",
        "--data",
        &data,
        "--period",
        "200d",
        "--html",
        file.to_str().unwrap(),
    ])
    .ok();
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(html.contains("class=\"chart quality-bars\""));
    assert!(html.contains("meridian-abuse"));
    for banned in ["<script", "src=", "href=", "url("] {
        assert!(!html.contains(banned), "{banned} in the report");
    }
    // Bad input: a clear error, no file.
    let bad = tmp.path().join("bad.html");
    run(&[
        "report",
        "--data",
        &data,
        "--period",
        "30x",
        "--html",
        bad.to_str().unwrap(),
    ])
    .fails(3, "not a period");
    assert!(!bad.exists());

    // Overdue: Borealis's silence shows up, owed to us ("out").
    let due = run(&["overdue", "--data", &data, "--json"]).ok().json();
    let overdue = due["overdue"].as_array().unwrap();
    assert!(
        overdue
            .iter()
            .any(|d| d["recipient"] == "ncsc-borealis" && d["direction"] == "out"),
        "{due}"
    );
    // Most recently due first.
    let dues: Vec<&str> = overdue.iter().map(|d| d["due"].as_str().unwrap()).collect();
    let mut sorted = dues.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dues, sorted);
    // The demo's fresh notifications are due soon, not overdue.
    assert!(!due["soon_due"].as_array().unwrap().is_empty(), "{due}");
    let table = run(&["overdue", "--data", &data]).ok();
    assert!(table.stdout.starts_with("Overdue ("), "{}", table.stdout);
}

/// `notify` without deadlines gets the policy's, from the exact send
/// time: 4 and 24 hours for a protected sector, 24 and 72 otherwise.
#[test]
fn notify_fills_deadlines_from_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b) = init_pair(tmp.path(), "cert-aurelia", "ncsc-borealis");
    for (sector, ack, reply, flagged) in [
        ("nis2:energy", 4, 24, true),
        ("nis2:research", 24, 72, false),
    ] {
        let out = run(&[
            "notify",
            "--data",
            &a,
            "--no-deliver",
            "--to",
            "ncsc-borealis",
            "--title",
            "Scanning",
            "--category",
            "scanner",
            "--sector",
            sector,
            "--json",
        ])
        .ok();
        let env = &out.json()["envelope"];
        let t = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
        let created = t(&env["created"]);
        assert_eq!(
            (t(&env["body"]["ack_by"]) - created).num_hours(),
            ack,
            "{env}"
        );
        assert_eq!(
            (t(&env["body"]["reply_by"]) - created).num_milliseconds(),
            reply * 3_600_000,
            "{env}"
        );
        let out = run(&[
            "notify",
            "--data",
            &a,
            "--no-deliver",
            "--to",
            "ncsc-borealis",
            "--title",
            "Again",
            "--category",
            "scanner",
            "--sector",
            sector,
        ])
        .ok();
        assert_eq!(
            out.stderr.contains("protected sector"),
            flagged,
            "{}",
            out.stderr
        );
    }
}
