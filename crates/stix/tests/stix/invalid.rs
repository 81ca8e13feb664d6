//! Bundles that must be refused, each with the specific problem.

use countersign_stix::{CheckOptions, ProblemKind as K, check_bundle_with, parse_bundle};
use serde_json::{Value, json};

use crate::common::*;

fn bundle_error(v: &Value, property: Option<&str>, kind: K) {
    let e = errors(v);
    assert!(
        e.errors.iter().any(|p| p.kind == kind
            && p.property.as_deref() == property
            && p.object_index.is_none()),
        "expected {kind:?} on {property:?}, got: {e}"
    );
}

#[test]
fn not_a_bundle() {
    bundle_error(&json!([]), None, K::NotABundle);
    bundle_error(&json!("bundle"), None, K::NotABundle);
    bundle_error(
        &without(bundle(vec![]), "type"),
        Some("type"),
        K::NotABundle,
    );
    bundle_error(
        &with(bundle(vec![]), "type", json!("report")),
        Some("type"),
        K::NotABundle,
    );
    bundle_error(
        &with(bundle(vec![]), "type", json!(7)),
        Some("type"),
        K::NotABundle,
    );
    bundle_error(
        &without(bundle(vec![identity()]), "id"),
        Some("id"),
        K::NotABundle,
    );
    bundle_error(
        &with(bundle(vec![identity()]), "id", json!(INDICATOR)),
        Some("id"),
        K::NotABundle,
    );
    bundle_error(
        &with(bundle(vec![identity()]), "id", json!("bundle--1234")),
        Some("id"),
        K::NotABundle,
    );
    bundle_error(
        &with(bundle(vec![]), "objects", json!({"0": identity()})),
        Some("objects"),
        K::NotABundle,
    );
}

#[test]
fn stix_20_bundle_is_refused() {
    let mut v = bundle(vec![identity()]);
    v["spec_version"] = json!("2.0");
    bundle_error(&v, Some("spec_version"), K::NotABundle);
}

#[test]
fn not_json() {
    let e = parse_bundle("{\"type\": \"bundle\",").unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].kind, K::InvalidJson);
}

#[test]
fn too_many_objects_is_refused_without_checking_them() {
    let v = bundle(vec![json!(1), json!(2), json!(3)]);
    let e = check_bundle_with(&v, &CheckOptions::default().with_max_objects(2)).unwrap_err();
    assert_eq!(e.errors.len(), 1, "{e}");
    assert_eq!(e.errors[0].kind, K::TooManyObjects);
    assert!(e.to_string().contains("limit of 2"), "{e}");
    assert_eq!(CheckOptions::default().max_objects, 100_000);
}

#[test]
fn object_not_json_object() {
    let e = errors(&bundle(vec![identity(), json!("identity")]));
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].kind, K::NotAnObject);
    assert_eq!(e.errors[0].object_index, Some(1));
}

#[test]
fn missing_or_bad_type() {
    single(
        &errors_of(without(identity(), "type")),
        K::MissingProperty,
        "type",
    );
    for bad in ["Identity", "id", "x_acme", "a--b", "acme-", "9abc", "ab c"] {
        let e = errors_of(with(identity(), "type", json!(bad)));
        assert!(has(&e, 0, "type", K::InvalidType), "{bad}: {e}");
    }
    let e = errors_of(with(identity(), "type", json!(["identity"])));
    assert!(has(&e, 0, "type", K::InvalidType), "{e}");
    let e = errors_of(with(identity(), "type", json!("bundle")));
    assert!(has(&e, 0, "type", K::InvalidType), "{e}");
}

#[test]
fn missing_or_bad_id() {
    single(
        &errors_of(without(identity(), "id")),
        K::MissingProperty,
        "id",
    );
    for bad in [
        "identity-311b2d2d-f010-4473-83ec-1edf84858f4c",
        "identity--311b2d2d",
        "identity--311b2d2df0104473 83ec1edf84858f4c",
        "identity--311b2d2d-f010-4473-83ec-1edf84858f4z",
        "identity--00000000-0000-0000-0000-000000000000",
        "identity--311b2d2d-f010-4473-c3ec-1edf84858f4c",
        "--311b2d2d-f010-4473-83ec-1edf84858f4c",
    ] {
        let msg = single(
            &errors_of(with(identity(), "id", json!(bad))),
            K::InvalidId,
            "id",
        );
        assert!(msg.contains(bad), "{msg}");
    }
    single(
        &errors_of(with(identity(), "id", json!(42))),
        K::InvalidId,
        "id",
    );
}

#[test]
fn id_prefix_must_equal_type() {
    let o = with(identity(), "id", json!(INDICATOR));
    let msg = single(&errors_of(o), K::IdTypeMismatch, "id");
    assert!(
        msg.contains("\"indicator\"") && msg.contains("\"identity\""),
        "{msg}"
    );
}

#[test]
fn spec_version() {
    single(
        &errors_of(without(indicator(), "spec_version")),
        K::InvalidSpecVersion,
        "spec_version",
    );
    single(
        &errors_of(with(indicator(), "spec_version", json!("2.0"))),
        K::InvalidSpecVersion,
        "spec_version",
    );
    single(
        &errors_of(with(ipv4(), "spec_version", json!(2.1))),
        K::InvalidSpecVersion,
        "spec_version",
    );
    let md = json!({"type": "marking-definition", "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
                    "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "definition": {"tlp": "white"}});
    single(&errors_of(md), K::InvalidSpecVersion, "spec_version");
}

#[test]
fn common_required_properties() {
    single(
        &errors_of(without(indicator(), "created")),
        K::MissingProperty,
        "created",
    );
    single(
        &errors_of(without(malware(), "modified")),
        K::MissingProperty,
        "modified",
    );
}

/// Each SDO/SRO/meta type loses one required property in turn.
#[test]
fn type_required_properties() {
    let base = |t: &str, extra: Value| {
        let mut o = json!({"type": t, "spec_version": "2.1",
                           "id": format!("{t}--6a0c1f2e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"),
                           "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"});
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let refs = json!([INDICATOR]);
    let cases: Vec<(Value, &[&str])> = vec![
        (base("attack-pattern", json!({"name": "n"})), &["name"]),
        (base("campaign", json!({"name": "n"})), &["name"]),
        (base("course-of-action", json!({"name": "n"})), &["name"]),
        (
            base("grouping", json!({"context": "c", "object_refs": refs})),
            &["context", "object_refs"],
        ),
        (base("identity", json!({"name": "n"})), &["name"]),
        (base("incident", json!({"name": "n"})), &["name"]),
        (
            base(
                "indicator",
                json!({"pattern": "[file:name = 'a']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}),
            ),
            &["pattern", "pattern_type", "valid_from"],
        ),
        (base("infrastructure", json!({"name": "n"})), &["name"]),
        (base("intrusion-set", json!({"name": "n"})), &["name"]),
        (
            base("malware", json!({"name": "n", "is_family": false})),
            &["is_family"],
        ),
        (
            base(
                "malware-analysis",
                json!({"product": "p", "result": "benign"}),
            ),
            &["product"],
        ),
        (
            base("note", json!({"content": "c", "object_refs": refs})),
            &["content", "object_refs"],
        ),
        (
            base(
                "observed-data",
                json!({"first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1, "object_refs": [IPV4]}),
            ),
            &["first_observed", "last_observed", "number_observed"],
        ),
        (
            base(
                "opinion",
                json!({"opinion": "neutral", "object_refs": refs}),
            ),
            &["opinion", "object_refs"],
        ),
        (
            base(
                "report",
                json!({"name": "r", "published": "2024-01-01T00:00:00Z", "object_refs": refs}),
            ),
            &["name", "published", "object_refs"],
        ),
        (base("threat-actor", json!({"name": "n"})), &["name"]),
        (base("tool", json!({"name": "n"})), &["name"]),
        (base("vulnerability", json!({"name": "n"})), &["name"]),
        (
            base(
                "relationship",
                json!({"relationship_type": "uses", "source_ref": MALWARE, "target_ref": IPV4}),
            ),
            &["relationship_type", "source_ref", "target_ref"],
        ),
        (
            base("sighting", json!({"sighting_of_ref": INDICATOR})),
            &["sighting_of_ref"],
        ),
        (
            base(
                "language-content",
                json!({"object_ref": INDICATOR, "contents": {"fr": {"name": "C2"}}}),
            ),
            &["object_ref", "contents"],
        ),
        (
            base(
                "extension-definition",
                json!({"created_by_ref": IDENTITY, "name": "n", "schema": "s", "version": "1", "extension_types": ["new-sdo"]}),
            ),
            &[
                "created_by_ref",
                "name",
                "schema",
                "version",
                "extension_types",
            ],
        ),
        (
            json!({"type": "domain-name", "id": "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7", "value": "example.com"}),
            &["value"],
        ),
        (
            json!({"type": "autonomous-system", "id": "autonomous-system--9ad79ee3-2fde-5015-b0cc-7a96404effca", "number": 64496}),
            &["number"],
        ),
        (
            json!({"type": "email-message", "id": "email-message--5b6a91d4-cc8c-44a4-a048-90d89a52b393", "is_multipart": false}),
            &["is_multipart"],
        ),
        (
            json!({"type": "network-traffic", "id": "network-traffic--f5aed350-16de-573e-94ee-63dbbad1eee0", "src_ref": IPV4, "protocols": ["tcp"]}),
            &["protocols"],
        ),
        (
            json!({"type": "software", "id": "software--710b0b41-d4d0-5d6c-a400-fc9254554ffc", "name": "Word"}),
            &["name"],
        ),
    ];
    for (object, required) in cases {
        let t = object["type"].as_str().unwrap().to_owned();
        if let Err(e) = check_bundle_with(&bundle(vec![object.clone()]), &CheckOptions::default()) {
            panic!("{t} base object should be valid: {e}");
        }
        for prop in required {
            let e = errors_of(without(object.clone(), prop));
            assert!(
                has(&e, 0, prop, K::MissingProperty),
                "{t} without {prop}: {e}"
            );
        }
    }
}

#[test]
fn timestamps_must_be_stix_form() {
    for bad in [
        "2024-01-02T00:00:00",
        "2024-01-02T00:00:00+00:00",
        "2024-01-02T02:00:00.000+02:00",
        "2024-01-02 00:00:00Z",
        "2024-02-30T00:00:00Z",
        "Tuesday",
    ] {
        let msg = single(
            &errors_of(with(indicator(), "valid_from", json!(bad))),
            K::InvalidTimestamp,
            "valid_from",
        );
        assert!(msg.contains(bad), "{msg}");
    }
    let msg = single(
        &errors_of(with(
            indicator(),
            "valid_from",
            json!("2024-01-02T00:00:00+00:00"),
        )),
        K::InvalidTimestamp,
        "valid_from",
    );
    assert!(msg.contains("'Z'"), "{msg}");
    single(
        &errors_of(with(indicator(), "valid_from", json!(1_704_153_600))),
        K::InvalidTimestamp,
        "valid_from",
    );
    // SCO timestamps too.
    let nt = json!({"type": "network-traffic", "id": "network-traffic--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
                    "dst_ref": IPV4, "protocols": ["tcp"], "start": "2024-01-02T00:00:00+01:00"});
    assert!(has(&errors_of(nt), 0, "start", K::InvalidTimestamp));
}

#[test]
fn created_and_modified_need_milliseconds() {
    let msg = single(
        &errors_of(with(indicator(), "created", json!("2024-01-01T00:00:00Z"))),
        K::TimestampPrecision,
        "created",
    );
    assert!(msg.contains("millisecond"), "{msg}");
    single(
        &errors_of(with(
            indicator(),
            "modified",
            json!("2024-01-02T00:00:00.12Z"),
        )),
        K::TimestampPrecision,
        "modified",
    );
    // Other timestamps may be less precise.
    assert!(
        check_bundle_with(
            &bundle(vec![with(
                indicator(),
                "valid_from",
                json!("2024-01-02T00:00:00Z")
            )]),
            &CheckOptions::default()
        )
        .is_ok()
    );
}

#[test]
fn modified_before_created() {
    let o = with(indicator(), "modified", json!("2024-01-01T23:59:59.999Z"));
    let msg = single(&errors_of(o), K::TimestampOrder, "modified");
    assert!(msg.contains("created"), "{msg}");
}

#[test]
fn other_timestamp_orders() {
    single(
        &errors_of(with(
            indicator(),
            "valid_until",
            json!("2024-01-02T00:00:00.000Z"),
        )),
        K::TimestampOrder,
        "valid_until",
    );
    let od = json!({"type": "observed-data", "spec_version": "2.1",
                    "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
                    "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                    "first_observed": "2024-01-01T10:00:00Z", "last_observed": "2024-01-01T09:00:00Z",
                    "number_observed": 1, "object_refs": [IPV4]});
    single(&errors_of(od), K::TimestampOrder, "last_observed");
    let campaign = json!({"type": "campaign", "spec_version": "2.1",
                          "id": "campaign--0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a",
                          "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                          "name": "c", "first_seen": "2023-06-01T00:00:00Z", "last_seen": "2023-05-01T00:00:00Z"});
    single(&errors_of(campaign), K::TimestampOrder, "last_seen");
    let rel = json!({"type": "relationship", "spec_version": "2.1",
                     "id": "relationship--0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a",
                     "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                     "relationship_type": "indicates", "source_ref": INDICATOR, "target_ref": MALWARE,
                     "start_time": "2024-01-01T00:00:00Z", "stop_time": "2024-01-01T00:00:00Z"});
    single(&errors_of(rel), K::TimestampOrder, "stop_time");
}

#[test]
fn malformed_references() {
    let msg = single(
        &errors_of(with(indicator(), "created_by_ref", json!("CERT-Example"))),
        K::InvalidReference,
        "created_by_ref",
    );
    assert!(msg.contains("CERT-Example"), "{msg}");
    single(
        &errors_of(with(
            indicator(),
            "created_by_ref",
            json!(["identity--311b2d2d-f010-4473-83ec-1edf84858f4c"]),
        )),
        K::InvalidReference,
        "created_by_ref",
    );
    single(
        &errors_of(with(indicator(), "object_marking_refs", json!([]))),
        K::InvalidReference,
        "object_marking_refs",
    );
    single(
        &errors_of(with(indicator(), "object_marking_refs", json!(AMBER))),
        K::InvalidReference,
        "object_marking_refs",
    );
    single(
        &errors_of(with(
            indicator(),
            "object_marking_refs",
            json!([AMBER, "marking-definition--zzz"]),
        )),
        K::InvalidReference,
        "object_marking_refs",
    );
    // Custom properties follow the same rule.
    single(
        &errors_of(with(indicator(), "x_acme_case_ref", json!("case 12"))),
        K::InvalidReference,
        "x_acme_case_ref",
    );
    // And nested ones.
    let gm = json!([{"marking_ref": "amber", "selectors": ["name"]}]);
    single(
        &errors_of(with(indicator(), "granular_markings", gm)),
        K::InvalidReference,
        "granular_markings[0].marking_ref",
    );
}

#[test]
fn references_to_the_wrong_type() {
    single(
        &errors_of(with(indicator(), "created_by_ref", json!(MALWARE))),
        K::ReferenceTargetType,
        "created_by_ref",
    );
    single(
        &errors_of(with(indicator(), "object_marking_refs", json!([IDENTITY]))),
        K::ReferenceTargetType,
        "object_marking_refs",
    );
    let sighting = |extra: (&str, Value)| {
        with(
            json!({"type": "sighting", "spec_version": "2.1",
                   "id": "sighting--4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b7c",
                   "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                   "sighting_of_ref": INDICATOR}),
            extra.0,
            extra.1,
        )
    };
    single(
        &errors_of(sighting(("sighting_of_ref", json!(IPV4)))),
        K::ReferenceTargetType,
        "sighting_of_ref",
    );
    single(
        &errors_of(sighting(("where_sighted_refs", json!([INDICATOR])))),
        K::ReferenceTargetType,
        "where_sighted_refs",
    );
    single(
        &errors_of(sighting(("observed_data_refs", json!([IPV4])))),
        K::ReferenceTargetType,
        "observed_data_refs",
    );
    let nt = json!({"type": "network-traffic", "id": "network-traffic--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
                    "src_ref": "url--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "protocols": ["tcp"]});
    single(&errors_of(nt), K::ReferenceTargetType, "src_ref");
    let rel = json!({"type": "relationship", "spec_version": "2.1",
                     "id": "relationship--0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a",
                     "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                     "relationship_type": "related-to", "source_ref": INDICATOR, "target_ref": AMBER});
    single(&errors_of(rel), K::ReferenceTargetType, "target_ref");
}

#[test]
fn conditional_requirements() {
    let sdo = |t: &str, extra: Value| {
        let mut o = json!({"type": t, "spec_version": "2.1",
                           "id": format!("{t}--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"),
                           "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"});
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let sco = |t: &str, extra: Value| {
        let mut o = json!({"type": t, "id": format!("{t}--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e")});
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    single(
        &errors_of(sdo("location", json!({"name": "somewhere"}))),
        K::MissingProperty,
        "region",
    );
    let e = errors_of(sdo("location", json!({"latitude": 10.0})));
    assert!(
        has(&e, 0, "region", K::MissingProperty) && has(&e, 0, "longitude", K::MissingProperty),
        "{e}"
    );
    single(
        &errors_of(sdo("location", json!({"latitude": 91.0, "longitude": 0}))),
        K::InvalidValue,
        "latitude",
    );
    single(
        &errors_of(sdo("malware", json!({"is_family": true}))),
        K::MissingProperty,
        "name",
    );
    single(
        &errors_of(sdo("malware", json!({"name": "m", "is_family": "yes"}))),
        K::InvalidValue,
        "is_family",
    );
    single(
        &errors_of(sdo("malware-analysis", json!({"product": "p"}))),
        K::MissingProperty,
        "result",
    );
    let od = |extra: Value| {
        let mut o = sdo(
            "observed-data",
            json!({"first_observed": "2024-01-01T00:00:00Z",
                                                "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1}),
        );
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    single(&errors_of(od(json!({}))), K::MissingProperty, "object_refs");
    single(
        &errors_of(od(
            json!({"object_refs": [IPV4], "objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}}),
        )),
        K::ConflictingProperties,
        "objects",
    );
    let e = errors_of(od(json!({"object_refs": [INDICATOR]})));
    assert!(has(&e, 0, "object_refs", K::ReferenceTargetType), "{e}");
    let msg = single(
        &errors_of(od(
            json!({"object_refs": ["relationship--0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"]}),
        )),
        K::ReferenceTargetType,
        "object_refs",
    );
    assert!(msg.contains("at least one cyber-observable"), "{msg}");
    single(
        &errors_of(od(json!({"object_refs": [IPV4], "number_observed": 0}))),
        K::InvalidValue,
        "number_observed",
    );
    single(
        &errors_of(sdo(
            "opinion",
            json!({"opinion": "maybe", "object_refs": [INDICATOR]}),
        )),
        K::InvalidValue,
        "opinion",
    );
    single(
        &errors_of(with(indicator(), "confidence", json!(101))),
        K::InvalidValue,
        "confidence",
    );

    single(
        &errors_of(sco("artifact", json!({"mime_type": "text/plain"}))),
        K::MissingProperty,
        "payload_bin",
    );
    single(
        &errors_of(sco(
            "artifact",
            json!({"payload_bin": "aGk=", "url": "https://example.com/x", "hashes": {"MD5": "a9993e364706816aba3e25717850c26c"}}),
        )),
        K::ConflictingProperties,
        "url",
    );
    single(
        &errors_of(sco("artifact", json!({"url": "https://example.com/x"}))),
        K::MissingProperty,
        "hashes",
    );
    single(
        &errors_of(sco("file", json!({"size": 10}))),
        K::MissingProperty,
        "name",
    );
    single(
        &errors_of(sco("network-traffic", json!({"protocols": ["tcp"]}))),
        K::MissingProperty,
        "src_ref",
    );
    single(
        &errors_of(sco(
            "network-traffic",
            json!({"dst_ref": IPV4, "protocols": ["tcp"], "dst_port": 70000}),
        )),
        K::InvalidValue,
        "dst_port",
    );
    single(
        &errors_of(sco(
            "email-message",
            json!({"is_multipart": true, "body": "hi"}),
        )),
        K::ConflictingProperties,
        "body",
    );
    for t in [
        "process",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    ] {
        single(
            &errors_of(sco(t, json!({"spec_version": "2.1"}))),
            K::MissingProperty,
            "type",
        );
    }
}

#[test]
fn marking_definitions() {
    let md = |id: &str, extra: Value| {
        let mut o = json!({"type": "marking-definition", "spec_version": "2.1", "id": id,
                           "created": "2017-01-20T00:00:00.000Z"});
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let other = "marking-definition--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    single(
        &errors_of(md(other, json!({"name": "x"}))),
        K::MissingProperty,
        "definition_type",
    );
    single(
        &errors_of(md(other, json!({"definition_type": "statement"}))),
        K::MissingProperty,
        "definition",
    );
    single(
        &errors_of(md(
            other,
            json!({"definition_type": "tlp", "definition": {"tlp": "red"}}),
        )),
        K::InvalidTlpMarking,
        "id",
    );
    single(
        &errors_of(md(
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            json!({"definition_type": "tlp", "definition": {"tlp": "red"}}),
        )),
        K::InvalidTlpMarking,
        "definition.tlp",
    );
    let ext = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
    let e = errors_of(md(
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        json!({"name": "TLP:RED", "extensions": {ext: {"extension_type": "property-extension", "tlp_2_0": "clear"}}}),
    ));
    assert!(
        has(
            &e,
            0,
            &format!("extensions.{ext}.tlp_2_0"),
            K::InvalidTlpMarking
        ),
        "{e}"
    );
    single(
        &errors_of(md(
            other,
            json!({"extensions": {ext: {"extension_type": "property-extension", "tlp_2_0": "clear"}}}),
        )),
        K::InvalidTlpMarking,
        "id",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let v = json!({
        "type": "bundle",
        "id": "bundle--not-a-uuid",
        "objects": [
            identity(),
            without(indicator(), "pattern"),
            with(malware(), "id", json!(IDENTITY)),
            with(with(indicator(), "created", json!("2024-01-02T00:00:00")), "created_by_ref", json!("me")),
            "not an object",
            with(ipv4(), "modified", json!("2024-01-01")),
        ]
    });
    let e = errors(&v);
    let found: Vec<(Option<usize>, Option<&str>, K)> = e
        .errors
        .iter()
        .map(|p| (p.object_index, p.property.as_deref(), p.kind))
        .collect();
    let expected = [
        (None, Some("id"), K::NotABundle),
        (Some(1), Some("pattern"), K::MissingProperty),
        (Some(2), Some("id"), K::IdTypeMismatch),
        (Some(3), Some("created"), K::InvalidTimestamp),
        (Some(3), Some("created_by_ref"), K::InvalidReference),
        (Some(4), None, K::NotAnObject),
        (Some(5), Some("modified"), K::ForbiddenProperty),
    ];
    for x in &expected {
        assert!(found.contains(x), "missing {x:?} in {found:?}");
    }
    assert_eq!(found.len(), expected.len(), "{e}");
    // Ids are attached where known.
    assert_eq!(e.errors[1].object_id.as_deref(), Some(INDICATOR));
    assert_eq!(
        e.errors
            .iter()
            .find(|p| p.object_index == Some(4))
            .unwrap()
            .object_id,
        None
    );

    let text = e.to_string();
    // objects[3] repeats the version of objects[1]: a warning, listed too.
    assert_eq!(e.warnings.len(), 1, "{e}");
    assert_eq!(e.warnings[0].kind, K::DuplicateObject);
    assert!(
        text.starts_with("invalid STIX 2.1 content: 7 errors, 1 warning"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1 + 7 + 1, "{text}");
    assert!(text.contains("\n  warning: objects[3]"), "{text}");
    assert!(
        text.contains(&format!(
            "objects[1] ({INDICATOR}) pattern: indicator requires the property pattern"
        )),
        "{text}"
    );
    assert!(
        text.contains("objects[4]: a STIX object must be a JSON object"),
        "{text}"
    );
    assert!(text.contains("bundle id:"), "{text}");
}

#[test]
fn errors_serialize_for_clients() {
    let e = errors_of(without(indicator(), "pattern"));
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["errors"][0]["kind"], "missing_property");
    assert_eq!(v["errors"][0]["object_index"], 0);
    assert_eq!(v["errors"][0]["property"], "pattern");
    let back: countersign_stix::BundleErrors = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
}
