//! `countersign stix validate`: the exit codes (0 valid, 3 invalid or not
//! JSON, 4 no such file), every problem listed at once in text and JSON, warnings
//! that do not make a file invalid, and no data directory needed.

use serde_json::json;

use super::harness::*;

const INVALID: i32 = 3;
const NOT_FOUND: i32 = 4;

#[test]
fn valid_bundle_exits_zero_with_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "ok.json", &evidence_bundle());
    let r = run(&["stix", "validate", &file]).ok();
    assert!(
        r.stdout.contains("valid STIX 2.1, 3 objects"),
        "{}",
        r.stdout
    );
    let v = run(&["stix", "validate", &file, "--json"]).ok().json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["objects"], 3);
    assert_eq!(v["errors"], json!([]));
}

#[test]
fn invalid_bundle_lists_every_problem_and_exits_three() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bundle: serde_json::Value = serde_json::from_str(&evidence_bundle()).unwrap();
    let objects = bundle["objects"].as_array_mut().unwrap();
    // Three independent errors in two objects, and one warning.
    objects[0]["pattern"] = json!("[ipv4-addr:value = ");
    objects[0]["confidence"] = json!(101);
    objects[1]["number_observed"] = json!(0);
    objects[2]["x-custom"] = json!(1);
    objects[2]["colour"] = json!("red");
    let file = write(tmp.path(), "bad.json", &bundle.to_string());

    let r = run(&["stix", "validate", &file]);
    assert_eq!(r.code, INVALID, "{}\n{}", r.stdout, r.stderr);
    for needle in [
        "error: objects[0] (indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f) pattern: invalid STIX pattern",
        "error: objects[0] (indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f) confidence:",
        "error: objects[1] (observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf) number_observed:",
        "x-custom: property name \"x-custom\"",
        "warning: objects[2]",
        "invalid STIX 2.1, 4 errors, 1 warning",
    ] {
        assert!(
            r.stdout.contains(needle),
            "missing {needle:?} in:\n{}",
            r.stdout
        );
    }

    let r = run(&["stix", "validate", &file, "--json"]);
    assert_eq!(r.code, INVALID);
    let v = r.json();
    assert_eq!(v["valid"], false);
    let kinds: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    let mut sorted = kinds;
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "invalid_pattern",
            "invalid_property_name",
            "invalid_value",
            "invalid_value"
        ]
    );
    assert_eq!(v["warnings"][0]["kind"], "custom_property");
    assert_eq!(v["warnings"][0]["property"], "colour");
}

#[test]
fn unreadable_input_is_not_found_or_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.json");
    run(&["stix", "validate", missing.to_str().unwrap()]).fails(NOT_FOUND, "cannot read");
    let not_json = write(tmp.path(), "x.json", "{\"type\": \"bundle\",");
    run(&["stix", "validate", &not_json]).fails(INVALID, "is not JSON");
    let r = run(&["stix", "validate", &not_json, "--json"]);
    assert_eq!(r.code, INVALID);
    assert_eq!(r.json()["valid"], false);
}

#[test]
fn not_a_bundle_is_invalid_not_unreadable() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "obj.json", "[1, 2]");
    let r = run(&["stix", "validate", &file]);
    assert_eq!(r.code, INVALID, "{}", r.stdout);
    assert!(
        r.stdout.contains("a bundle must be a JSON object"),
        "{}",
        r.stdout
    );
}
