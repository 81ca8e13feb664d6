//! Bundles that must be accepted.

use countersign_stix::{
    Bundle, EvidenceSummary, ObjectCategory, ProblemKind, check_bundle, check_object, parse_bundle,
    validate_object,
};
use serde_json::{Value, json};

use crate::common::*;

#[test]
fn evidence_fixture_is_valid_without_warnings() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    assert_eq!(b.id(), "bundle--47c73e89-0cec-46e7-be8d-bbf5f22ca069");
    assert_eq!(b.len(), 17);
    assert!(b.warnings().is_empty(), "{:?}", b.warnings());
    assert_eq!(b.objects()[0].object_type(), "marking-definition");
    assert_eq!(b.objects()[0].category(), ObjectCategory::Meta);
    assert_eq!(
        b.get("malware--9ff5aff2-6040-45bd-98cd-7dacd8c2c625")
            .and_then(|o| o.name()),
        Some("EXAMPLEDOOR")
    );
}

#[test]
fn small_bundle_is_valid() {
    let b = check_bundle(&bundle(vec![identity(), indicator(), malware(), ipv4()])).unwrap();
    assert_eq!(b.len(), 4);
    assert!(b.warnings().is_empty());
    assert_eq!(b.objects()[1].id(), INDICATOR);
    assert_eq!(b.objects()[3].category(), ObjectCategory::Sco);
}

#[test]
fn bundle_without_objects_is_empty() {
    let b = check_bundle(&json!({"type": "bundle", "id": BUNDLE_ID})).unwrap();
    assert!(b.is_empty());
    assert_eq!(b.summary(), EvidenceSummary::default());
    assert_eq!(b.max_tlp(), None);
}

/// One minimal valid object of every spec-defined type (§4–§7).
fn minimal_objects() -> Vec<Value> {
    let common = |t: &str, uuid: &str| {
        json!({"type": t, "spec_version": "2.1", "id": format!("{t}--{uuid}"),
               "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"})
    };
    let u = "0b6c2a38-3a5d-4a4b-9b8e-0d1c2e3f4a5b";
    let sdo = |t: &str, extra: Value| {
        let mut o = common(t, u);
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let sco = |t: &str, extra: Value| {
        let mut o = json!({"type": t, "id": format!("{t}--{u}")});
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let name = json!({"name": "n"});
    let refs = json!([INDICATOR]);
    vec![
        sdo("attack-pattern", name.clone()),
        sdo("campaign", name.clone()),
        sdo("course-of-action", name.clone()),
        sdo(
            "grouping",
            json!({"context": "suspicious-activity", "object_refs": refs}),
        ),
        sdo("identity", name.clone()),
        sdo("incident", name.clone()),
        sdo(
            "indicator",
            json!({"pattern": "[url:value = 'http://x.example/']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}),
        ),
        sdo("infrastructure", name.clone()),
        sdo("intrusion-set", name.clone()),
        sdo("location", json!({"country": "ZZ"})),
        sdo(
            "location",
            json!({"latitude": 48.8566, "longitude": 2.3522, "precision": 1000.0}),
        ),
        sdo("malware", json!({"is_family": false})),
        sdo(
            "malware-analysis",
            json!({"product": "sandbox", "result": "malicious"}),
        ),
        sdo("note", json!({"content": "c", "object_refs": refs})),
        sdo(
            "observed-data",
            json!({"first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1, "object_refs": [IPV4]}),
        ),
        sdo("opinion", json!({"opinion": "agree", "object_refs": refs})),
        sdo(
            "report",
            json!({"name": "r", "published": "2024-01-01T00:00:00Z", "object_refs": refs}),
        ),
        sdo("threat-actor", name.clone()),
        sdo("tool", name.clone()),
        sdo("vulnerability", json!({"name": "CVE-2024-0001"})),
        sdo(
            "relationship",
            json!({"relationship_type": "indicates", "source_ref": INDICATOR, "target_ref": MALWARE}),
        ),
        sdo("sighting", json!({"sighting_of_ref": INDICATOR})),
        sco(
            "artifact",
            json!({"url": "https://example.com/a", "hashes": {"SHA-256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}}),
        ),
        sco("autonomous-system", json!({"number": 64496})),
        sco("directory", json!({"path": "/tmp"})),
        sco("domain-name", json!({"value": "example.com"})),
        sco("email-addr", json!({"value": "a@example.com"})),
        sco("email-message", json!({"is_multipart": false})),
        sco("file", json!({"name": "a.txt"})),
        sco("ipv4-addr", json!({"value": "203.0.113.0/24"})),
        sco("ipv6-addr", json!({"value": "2001:db8::1"})),
        sco("mac-addr", json!({"value": "00:00:5e:00:53:01"})),
        sco("mutex", json!({"name": "m"})),
        sco(
            "network-traffic",
            json!({"dst_ref": IPV4, "protocols": ["tcp"]}),
        ),
        sco("process", json!({"pid": 4})),
        sco("software", json!({"name": "s"})),
        sco("url", json!({"value": "https://example.com/"})),
        sco("user-account", json!({"user_id": "1001"})),
        sco(
            "windows-registry-key",
            json!({"key": "HKEY_LOCAL_MACHINE\\System"}),
        ),
        sco("x509-certificate", json!({"serial_number": "01"})),
        sdo(
            "language-content",
            json!({"object_ref": INDICATOR, "contents": {"de": {"name": "C2"}}}),
        ),
        json!({"type": "marking-definition", "spec_version": "2.1",
               "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
               "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
               "name": "TLP:WHITE", "definition": {"tlp": "white"}}),
        json!({"type": "marking-definition", "spec_version": "2.1",
               "id": "marking-definition--0b6c2a38-3a5d-4a4b-9b8e-0d1c2e3f4a5b",
               "created": "2024-01-01T00:00:00.000Z", "definition_type": "statement",
               "definition": {"statement": "Copyright 2024 CERT-Example"}}),
        sdo(
            "extension-definition",
            json!({"created_by_ref": IDENTITY, "name": "x", "schema": "https://example.com/schema.json", "version": "1.0.0", "extension_types": ["property-extension"]}),
        ),
    ]
}

#[test]
fn minimal_object_of_every_spec_type_is_valid() {
    let objects = minimal_objects();
    let mut types: Vec<&str> = objects
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), 19 + 2 + 18 + 3, "every spec type is covered");
    for o in objects {
        let t = o["type"].clone();
        match check_bundle(&bundle(vec![o])) {
            Ok(b) => assert_eq!(b.len(), 1),
            Err(e) => panic!("{t}: {e}"),
        }
    }
}

#[test]
fn custom_types_are_allowed_with_or_without_x_prefix() {
    for t in ["x-acme-widget", "acme-widget"] {
        let o = json!({"type": t, "spec_version": "2.1",
                       "id": format!("{t}--2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"),
                       "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                       "x_acme_owner_ref": IDENTITY, "colour": "blue"});
        let b = check_bundle(&bundle(vec![o])).unwrap();
        assert_eq!(b.objects()[0].category(), ObjectCategory::Custom);
        assert_eq!(b.summary().other, 1);
    }
}

#[test]
fn sco_may_omit_spec_version() {
    let o = without(ipv4(), "spec_version");
    check_bundle(&bundle(vec![o])).unwrap();
}

#[test]
fn timestamps_of_other_precisions_compare_as_instants() {
    // modified equals created at a different precision; leap second; nanoseconds.
    let o = with(
        with(
            indicator(),
            "modified",
            json!("2024-01-02T00:00:00.000000000Z"),
        ),
        "valid_until",
        json!("2024-12-31T23:59:60.5Z"),
    );
    check_bundle(&bundle(vec![o])).unwrap();
}

#[test]
fn deprecated_observed_data_objects_form_is_accepted() {
    let o = json!({
        "type": "observed-data", "spec_version": "2.1",
        "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T01:00:00Z",
        "number_observed": 3,
        "objects": {
            "0": {"type": "ipv4-addr", "value": "198.51.100.3"},
            "1": {"type": "network-traffic", "dst_ref": "0", "protocols": ["tcp"]}
        }
    });
    let b = check_bundle(&bundle(vec![o])).unwrap();
    assert!(b.observed_data()[0].object_refs.is_empty());
}

#[test]
fn parse_bundle_and_serde_round_trip() {
    let text = serde_json::to_string(&fixture("evidence-bundle.json")).unwrap();
    let a = parse_bundle(&text).unwrap();
    let b: Bundle = serde_json::from_str(&text).unwrap();
    assert_eq!(a, b);
    let again: Bundle = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
    assert_eq!(again, a);
    assert_eq!(a.to_value(), fixture("evidence-bundle.json"));
}

#[test]
fn deserialize_reports_problems() {
    let err = serde_json::from_value::<Bundle>(bundle(vec![without(indicator(), "pattern")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("pattern"), "{err}");
}

#[test]
fn check_object_alone() {
    let (o, warnings) = check_object(&indicator()).unwrap();
    assert_eq!(o.id(), INDICATOR);
    assert!(warnings.is_empty());
    let e = check_object(&without(indicator(), "valid_from")).unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].object_index, None);
    assert_eq!(e.errors[0].object_id.as_deref(), Some(INDICATOR));
}

#[test]
fn validate_object_agrees_with_check_object() {
    // No problem, a warning (a wrong SCO id) and an error: same verdicts.
    let wrong_id = with(
        ipv4(),
        "id",
        json!("ipv4-addr--6c4b6f9e-1d1b-4bd4-9d5b-2c3f5e1a7b8c"),
    );
    for (v, warned) in [(indicator(), false), (wrong_id, true)] {
        let (_, warnings) = check_object(&v).unwrap();
        assert_eq!(warnings.is_empty(), !warned);
        assert_eq!(validate_object(&v).unwrap(), warnings);
    }
    let bad = without(indicator(), "valid_from");
    assert_eq!(
        validate_object(&bad).unwrap_err().errors,
        check_object(&bad).unwrap_err().errors
    );
}

#[test]
fn wrong_sco_id_is_a_warning_not_an_error() {
    let o = with(
        ipv4(),
        "id",
        json!("ipv4-addr--6c4b6f9e-1d1b-4bd4-9d5b-2c3f5e1a7b8c"),
    );
    let b = check_bundle(&bundle(vec![o])).unwrap();
    assert_eq!(b.warnings().len(), 1);
    let w = &b.warnings()[0];
    assert_eq!(w.kind, ProblemKind::ScoIdMismatch);
    assert_eq!(w.object_index, Some(0));
    assert!(w.message.contains(IPV4), "{}", w.message);
}

#[test]
fn versions_and_duplicates() {
    let v2 = with(
        with(malware(), "modified", json!("2024-02-01T00:00:00.000Z")),
        "name",
        json!("EXAMPLEDOOR v2"),
    );
    let b = check_bundle(&bundle(vec![v2.clone(), malware()])).unwrap();
    assert!(b.warnings().is_empty(), "two versions are not duplicates");
    assert_eq!(
        b.get(MALWARE).and_then(|o| o.name()),
        Some("EXAMPLEDOOR v2")
    );

    let b = check_bundle(&bundle(vec![malware(), ipv4(), malware(), ipv4()])).unwrap();
    let kinds: Vec<_> = b
        .warnings()
        .iter()
        .map(|w| (w.kind, w.object_index))
        .collect();
    assert_eq!(
        kinds,
        [
            (ProblemKind::DuplicateObject, Some(2)),
            (ProblemKind::DuplicateObject, Some(3))
        ]
    );
}

#[test]
fn empty_objects_list_is_a_warning() {
    let b = check_bundle(&bundle(vec![])).unwrap();
    assert!(b.is_empty());
    assert_eq!(b.warnings().len(), 1);
    assert_eq!(b.warnings()[0].kind, ProblemKind::EmptyList);
}

#[test]
fn spec_version_on_bundle_is_a_warning() {
    let mut v = bundle(vec![identity()]);
    v["spec_version"] = json!("2.1");
    let b = check_bundle(&v).unwrap();
    assert_eq!(b.warnings()[0].kind, ProblemKind::UnexpectedProperty);
    assert_eq!(b.warnings()[0].property.as_deref(), Some("spec_version"));
}
