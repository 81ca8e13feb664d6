//! `countersign match`: local observations against a notification's
//! indicators, the hits written as sightings or sent in a reply.

use std::process::Command;

use super::harness::*;
use serde_json::json;

fn observed_bundle() -> String {
    observed(true, false)
}

/// Two observed-data: one of `198.51.100.7` (the evidence's indicator)
/// when `hit`, one of `192.0.2.1`; with `identity`, an identity named as
/// `cert-b` is (`init` names it "cert-b authority").
fn observed(hit: bool, identity: bool) -> String {
    let sco = |ip: &str| {
        let mut v = json!({"type": "ipv4-addr", "spec_version": "2.1", "value": ip});
        v["id"] = json!(countersign_stix::sco_id("ipv4-addr", &v).unwrap());
        v
    };
    let (hit, miss) = (
        sco(if hit { "198.51.100.7" } else { "192.0.2.99" }),
        sco("192.0.2.1"),
    );
    let od = |n: u32, r: &serde_json::Value| {
        json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": format!("observed-data--00000000-0000-4000-8000-00000000000{n}"),
            "created": "2026-11-21T10:00:00.000Z", "modified": "2026-11-21T10:00:00.000Z",
            "first_observed": "2026-11-21T09:00:00Z", "last_observed": "2026-11-21T09:30:00Z",
            "number_observed": 4, "object_refs": [r["id"]]
        })
    };
    let mut objects = vec![od(1, &hit), od(2, &miss), hit, miss];
    if identity {
        objects.push(json!({
            "type": "identity", "spec_version": "2.1",
            "id": "identity--7d8c1b9e-3a52-4f0e-9a43-2b1f4c7e8d10",
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
            "name": "cert-b authority", "identity_class": "organization"
        }));
    }
    json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
           "objects": objects})
    .to_string()
}

#[test]
fn finds_the_indicator_in_local_observations_and_writes_valid_sightings() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b) = init_pair(tmp.path(), "cert-a", "cert-b");
    let evidence = write(tmp.path(), "evidence.json", &evidence_bundle());
    let id = run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "cert-b",
        "--title",
        "t",
        "--category",
        "scanner",
        "--evidence",
        &evidence,
    ])
    .ok()
    .stdout
    .trim()
    .to_owned();
    let observed = write(tmp.path(), "observed.json", &observed_bundle());
    let sightings = tmp.path().join("sightings.json");
    let out = run(&[
        "match",
        "--data",
        &a,
        "--notification",
        &id,
        "--observed",
        &observed,
        "--sightings",
        sightings.to_str().unwrap(),
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(out["indicators"], 1);
    assert_eq!(out["observations"], 2);
    assert_eq!(
        out["hits"][0]["observed_data"],
        json!(["observed-data--00000000-0000-4000-8000-000000000001"])
    );

    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sightings).unwrap()).unwrap();
    let checked = countersign_stix::check_bundle(&bundle).expect("sightings bundle is valid STIX");
    let s: Vec<_> = checked.of_type("sighting").collect();
    assert_eq!(s.len(), 1);
    assert_eq!(
        s[0].get_str("sighting_of_ref"),
        Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    );
    assert_eq!(s[0].get("count"), Some(&json!(4)));

    // Bad input: an observed file that is not STIX, a notification without evidence.
    let junk = write(tmp.path(), "junk.json", "{\"type\": \"bundle\"}");
    run(&[
        "match",
        "--data",
        &a,
        "--notification",
        &id,
        "--observed",
        &junk,
    ])
    .fails(3, "not valid STIX");
    let bare = run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "cert-b",
        "--title",
        "t",
        "--category",
        "scanner",
    ])
    .ok()
    .stdout;
    run(&[
        "match",
        "--data",
        &a,
        "--notification",
        bare.trim(),
        "--observed",
        &observed,
    ])
    .fails(3, "no evidence");
}

/// The replies B's node holds for a notification.
fn replies(dir: &str, id: &str) -> Vec<countersign_node::reply::ReplyView> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let node = countersign_node::Node::open(countersign_node::datadir::DataDir::new(dir))
            .await
            .unwrap();
        let id = countersign_core::ids::EnvelopeId::parse(id).unwrap();
        node.get_notification(&countersign_node::access::Viewer::Operator, &id)
            .await
            .unwrap()
            .replies
    })
}

/// stix2-validator 3.2.0 on a bundle file: `None` when the interop venv
/// is not set, else its verdict and messages.
fn stix2_validator(path: &std::path::Path) -> Option<(bool, String)> {
    let Some(venv) = std::env::var_os("COUNTERSIGN_INTEROP_VENV") else {
        eprintln!(
            "SKIPPED stix2-validator on the sightings reply: set COUNTERSIGN_INTEROP_VENV \
             to a venv with stix2-validator 3.2.0 (./test.sh does)"
        );
        return None;
    };
    let script = r#"
import sys
from stix2validator import ValidationOptions, validate_file
r = validate_file(sys.argv[1], ValidationOptions(version="2.1"))
for o in r.object_results:
    for e in o.errors:
        print("error", o.object_id, e)
    for w in o.warnings:
        print("warning", o.object_id, w)
sys.exit(0 if r.is_valid else 1)
"#;
    let out = Command::new(std::path::PathBuf::from(venv).join("bin/python"))
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

/// B received A's notification (with an indicator for 198.51.100.7) over
/// HTTP; B's `match --reply findings` signs and stores a reply whose
/// evidence is the sightings. No hits, bad input or a party that is no
/// recipient: a clear error and no reply.
#[test]
fn a_reply_carries_the_sightings_and_no_hits_send_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let a = init(tmp.path(), "cert-a");
    let b = tmp.path().join("cert-b").to_str().unwrap().to_owned();
    run(&[
        "init",
        "--data",
        &b,
        "--party",
        "cert-b",
        "--name",
        "cert-b authority",
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
    ])
    .ok();
    for (from, to, party) in [(&b, &a, "cert-b"), (&a, &b, "cert-a")] {
        let entry = write(
            tmp.path(),
            &format!("{party}.json"),
            &run(&["party", "export", "--data", from, party]).ok().stdout,
        );
        run(&["party", "import", "--data", to, &entry]).ok();
    }
    let (server, _) = serve(&b, &format!("127.0.0.1:{port}"));
    let evidence = write(tmp.path(), "evidence.json", &evidence_bundle());
    let sent = run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "cert-b",
        "--title",
        "Scanning from your network",
        "--category",
        "scanner",
        "--evidence",
        &evidence,
    ])
    .ok();
    assert!(sent.stderr.contains("cert-b: delivered"), "{}", sent.stderr);
    let id = sent.stdout.trim().to_owned();
    drop(server);

    let match_reply = |observed: &str, extra: &[&str]| {
        let mut args = vec![
            "match",
            "--data",
            &b,
            "--notification",
            &id,
            "--observed",
            observed,
            "--reply",
            "findings",
            "--text",
            "Two hosts scanned; the scanner is one of ours, now cleaned.",
            "--no-deliver",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };

    // No hits: exit 4, nothing signed, no sightings file.
    let misses = write(tmp.path(), "misses.json", &observed(false, true));
    let not_written = tmp.path().join("none.json");
    match_reply(&misses, &["--sightings", not_written.to_str().unwrap()]).fails(
        4,
        "none of the 1 indicators matched the 2 observations: no reply was sent",
    );
    assert!(!not_written.exists());
    // Bad input: not STIX; a party that is not a recipient; --text alone.
    let junk = write(tmp.path(), "junk.json", "{\"type\": \"bundle\"}");
    match_reply(&junk, &[]).fails(3, "not valid STIX");
    let hits = write(tmp.path(), "hits.json", &observed(true, true));
    match_reply(&hits, &["--from", "cert-a"]).fails(3, "cert-a is not a recipient");
    run(&[
        "match",
        "--data",
        &b,
        "--notification",
        &id,
        "--observed",
        &hits,
        "--text",
        "no kind",
    ])
    .fails(2, "--reply");
    assert!(replies(&b, &id).is_empty(), "a failed match replied");
    let outbox = run(&["outbox", "--data", &b, "--json"]).ok().json();
    assert_eq!(outbox.as_array().map(Vec::len), Some(0), "{outbox}");

    // Hits: one reply, queued for cert-a, carrying the sightings.
    let out = match_reply(&hits, &["--json"]).ok().json();
    let reply_id = out["reply"].as_str().expect("a reply id").to_owned();
    assert_eq!(
        out["hits"][0]["indicator"],
        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
    );
    let outbox = run(&["outbox", "--data", &b, "--json"]).ok().json();
    assert_eq!(outbox[0]["envelope"], reply_id.as_str(), "{outbox}");
    assert_eq!(outbox[0]["state"], "queued", "{outbox}");

    let stored = replies(&b, &id);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].envelope.id().to_string(), reply_id);
    let reply = &stored[0].reply;
    assert_eq!(reply.kind.as_str(), "findings");
    assert!(reply.text.starts_with("Two hosts scanned"));
    let bundle = reply.evidence.clone().expect("the reply carries evidence");
    let checked = countersign_stix::check_bundle(&bundle).expect("our checker accepts it");
    let sightings: Vec<_> = checked.of_type("sighting").collect();
    assert_eq!(sightings.len(), 1);
    let s = sightings[0];
    assert_eq!(
        s.get_str("sighting_of_ref"),
        Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    );
    assert_eq!(
        s.get("observed_data_refs"),
        Some(&json!([
            "observed-data--00000000-0000-4000-8000-000000000001"
        ]))
    );
    assert_eq!(s.get_str("first_seen"), Some("2026-11-21T09:00:00Z"));
    assert_eq!(s.get_str("last_seen"), Some("2026-11-21T09:30:00Z"));
    assert_eq!(s.get("count"), Some(&json!(4)));
    assert_eq!(
        s.get_str("created_by_ref"),
        Some("identity--7d8c1b9e-3a52-4f0e-9a43-2b1f4c7e8d10")
    );
    // The matching observed-data, its address and the identity travel
    // with it; the observation that did not match does not.
    let mut ids: Vec<&str> = checked.objects().iter().map(|o| o.id()).collect();
    ids.sort_unstable();
    let hit_ip = countersign_stix::sco_id("ipv4-addr", &json!({"value": "198.51.100.7"})).unwrap();
    let mut want = vec![
        "identity--7d8c1b9e-3a52-4f0e-9a43-2b1f4c7e8d10",
        hit_ip.as_str(),
        "observed-data--00000000-0000-4000-8000-000000000001",
        s.id(),
    ];
    want.sort_unstable();
    assert_eq!(ids, want);

    let file = write(tmp.path(), "reply-evidence.json", &bundle.to_string());
    if let Some((valid, messages)) = stix2_validator(std::path::Path::new(&file)) {
        assert!(
            valid,
            "stix2-validator 3.2.0 refuses the sightings: {messages}"
        );
    }
}
