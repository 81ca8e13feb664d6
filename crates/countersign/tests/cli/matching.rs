//! `countersign match`: local observations against a notification's indicators.

use super::harness::*;
use serde_json::json;

fn observed_bundle() -> String {
    let sco = |ip: &str| {
        let mut v = json!({"type": "ipv4-addr", "spec_version": "2.1", "value": ip});
        v["id"] = json!(countersign_stix::sco_id("ipv4-addr", &v).unwrap());
        v
    };
    let (hit, miss) = (sco("198.51.100.7"), sco("192.0.2.1"));
    let od = |n: u32, r: &serde_json::Value| {
        json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": format!("observed-data--00000000-0000-4000-8000-00000000000{n}"),
            "created": "2026-11-21T10:00:00.000Z", "modified": "2026-11-21T10:00:00.000Z",
            "first_observed": "2026-11-21T09:00:00Z", "last_observed": "2026-11-21T09:30:00Z",
            "number_observed": 4, "object_refs": [r["id"]]
        })
    };
    json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
           "objects": [od(1, &hit), od(2, &miss), hit, miss]})
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
