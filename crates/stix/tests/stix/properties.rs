//! The full per-type validation: each problem at its path with its kind,
//! errors told from warnings (closed enumerations vs open vocabularies,
//! malformed vs unprefixed custom properties), nested tables (predefined
//! extensions, MIME parts), and all problems of an object reported at once.

use countersign_stix::{
    CheckOptions, ProblemKind as K, check_bundle, check_bundle_owned, parse_bundle,
};
use serde_json::{Value, json};

use crate::common::*;

fn ipv4_sco() -> Value {
    ipv4()
}

fn warnings_of(object: Value) -> Vec<(String, K)> {
    match check_bundle(&bundle(vec![object])) {
        Ok(b) => b
            .warnings()
            .iter()
            .map(|p| (p.property.clone().unwrap_or_default(), p.kind))
            .collect(),
        Err(e) => panic!("expected a valid bundle: {e}"),
    }
}

#[test]
fn open_vocabulary_values_warn_closed_enumerations_fail() {
    let w = warnings_of(with(indicator(), "indicator_types", json!(["weird"])));
    assert_eq!(w, [("indicator_types".to_owned(), K::VocabularyValue)]);
    let w = warnings_of(with(indicator(), "pattern_type", json!("kql")));
    assert_eq!(w, [("pattern_type".to_owned(), K::VocabularyValue)]);

    let opinion = json!({"type": "opinion", "spec_version": "2.1",
        "id": "opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "opinion": "maybe", "object_refs": [INDICATOR]});
    let e = errors_of(opinion);
    let msg = single(&e, K::InvalidValue, "opinion");
    assert!(msg.contains("opinion-enum"), "{msg}");
}

#[test]
fn custom_properties_warn_unless_prefixed_and_fail_when_malformed() {
    let w = warnings_of(with(identity(), "colour", json!("blue")));
    assert_eq!(w, [("colour".to_owned(), K::CustomProperty)]);
    assert!(warnings_of(with(identity(), "x_acme_colour", json!("blue"))).is_empty());

    for bad in ["Colour", "xy", "x-acme", "_acme", &"a".repeat(251)] {
        let e = errors_of(with(identity(), bad, json!(1)));
        single(&e, K::InvalidPropertyName, bad);
    }
    let e = errors_of(with(identity(), "severity", json!("high")));
    single(&e, K::InvalidPropertyName, "severity");
    let e = errors_of(with(identity(), "x_blob_bin", json!("not base64")));
    single(&e, K::InvalidValue, "x_blob_bin");
}

#[test]
fn a_toplevel_property_extension_silences_custom_property_warnings() {
    let ext = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e";
    let o = with(
        with(identity(), "colour", json!("blue")),
        "extensions",
        json!({ ext: {"extension_type": "toplevel-property-extension"} }),
    );
    assert!(warnings_of(o).is_empty());
    let e = errors_of(with(
        identity(),
        "extensions",
        json!({ ext: {"extension_type": "plugin"} }),
    ));
    single(
        &e,
        K::InvalidValue,
        &format!("extensions.{ext}.extension_type"),
    );
    let e = errors_of(with(
        identity(),
        "extensions",
        json!({ ext: {"x_field": 1} }),
    ));
    single(
        &e,
        K::InvalidExtension,
        &format!("extensions.{ext}.extension_type"),
    );
}

#[test]
fn common_properties_of_other_categories_are_forbidden() {
    let e = errors_of(with(
        ipv4_sco(),
        "created",
        json!("2024-01-01T00:00:00.000Z"),
    ));
    single(&e, K::ForbiddenProperty, "created");
    let e = errors_of(with(ipv4_sco(), "labels", json!(["x"])));
    single(&e, K::ForbiddenProperty, "labels");
    let e = errors_of(with(identity(), "defanged", json!(true)));
    single(&e, K::ForbiddenProperty, "defanged");
}

#[test]
fn hashes_are_checked_by_algorithm() {
    let file = |hashes: Value| {
        json!({"type": "file", "spec_version": "2.1",
               "id": "file--66156fad-2a0d-5237-bba4-ba1912887cfe", "name": "a.exe", "hashes": hashes})
    };
    let e = errors_of(file(json!({"SHA-256": "abc"})));
    single(&e, K::InvalidHash, "hashes.SHA-256");
    let e = errors_of(file(json!({"MD5": "A9993E364706816ABA3E25717850C26Z"})));
    single(&e, K::InvalidHash, "hashes.MD5");
    let e = errors_of(file(json!({})));
    single(&e, K::InvalidHash, "hashes");
    let e = errors_of(file(json!({"s": "abc"})));
    single(&e, K::InvalidHash, "hashes.s");
    // A custom algorithm name is allowed with a warning.
    let w = warnings_of(file(json!({"sha256": "abc"})));
    assert!(
        w.contains(&("hashes.sha256".to_owned(), K::VocabularyValue)),
        "{w:?}"
    );
}

#[test]
fn reference_target_types_come_from_the_tables() {
    let e = errors_of(with(identity(), "created_by_ref", json!(MALWARE)));
    single(&e, K::ReferenceTargetType, "created_by_ref");
    let nt = json!({"type": "network-traffic", "spec_version": "2.1",
        "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d",
        "src_ref": "file--66156fad-2a0d-5237-bba4-ba1912887cfe", "protocols": ["tcp"]});
    let e = errors_of(nt);
    single(&e, K::ReferenceTargetType, "src_ref");
}

#[test]
fn predefined_extensions_and_nested_objects_are_checked_at_their_path() {
    let nt = json!({"type": "network-traffic", "spec_version": "2.1",
        "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d",
        "dst_ref": IPV4, "protocols": ["tcp"],
        "extensions": {"socket-ext": {"address_family": "AF_UNIX", "is_listening": "yes"},
                       "http-request-ext": {"request_method": "get"}}});
    let e = errors_of(nt);
    assert!(
        has(
            &e,
            0,
            "extensions.socket-ext.address_family",
            K::InvalidValue
        ),
        "{e}"
    );
    assert!(
        has(&e, 0, "extensions.socket-ext.is_listening", K::InvalidValue),
        "{e}"
    );
    assert!(
        has(
            &e,
            0,
            "extensions.http-request-ext.request_value",
            K::MissingProperty
        ),
        "{e}"
    );
    assert_eq!(e.errors.len(), 3, "{e}");

    let mail = json!({"type": "email-message", "spec_version": "2.1",
        "id": "email-message--5b6a91d4-cc8c-44a4-a048-90d89a52b393", "is_multipart": true,
        "body_multipart": [{"body": 5}], "additional_header_fields": {"X-Mailer": ["one"]}});
    let e = errors_of(mail);
    assert!(has(&e, 0, "body_multipart[0].body", K::InvalidValue), "{e}");
    assert!(
        has(&e, 0, "additional_header_fields.X-Mailer", K::InvalidValue),
        "{e}"
    );
    assert_eq!(e.errors.len(), 2, "{e}");
}

#[test]
fn indicator_patterns_are_validated_with_their_position() {
    let e = errors_of(with(
        indicator(),
        "pattern",
        json!("[ipv4-addr:value = '1.2.3.4'"),
    ));
    let msg = single(&e, K::InvalidPattern, "pattern");
    assert!(msg.contains("at character"), "{msg}");
    // Other pattern languages are not parsed.
    let o = with(
        with(indicator(), "pattern_type", json!("yara")),
        "pattern",
        json!("rule x {"),
    );
    check_bundle(&bundle(vec![o])).unwrap();
}

#[test]
fn granular_selectors_must_select_something() {
    let o = with(
        with(identity(), "description", json!("d")),
        "granular_markings",
        json!([{"marking_ref": AMBER, "selectors": ["description", "name", "external_references.[0]"]}]),
    );
    let e = errors_of(o);
    let msg = single(&e, K::InvalidSelector, "granular_markings[0].selectors");
    assert!(msg.contains("external_references.[0]"), "{msg}");
}

#[test]
fn every_problem_of_one_object_is_reported() {
    let o = json!({"type": "indicator", "spec_version": "2.1", "id": INDICATOR,
        "created": "2024-01-02T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
        "pattern": "[x:y = ", "pattern_type": "stix", "valid_from": "2024-01-02T00:00:00Z",
        "confidence": 101, "labels": [], "defanged": true, "Bad": 1,
        "kill_chain_phases": [{"phase_name": "x"}], "external_references": [{"source_name": "x"}]});
    let e = errors_of(o);
    for (prop, kind) in [
        ("pattern", K::InvalidPattern),
        ("confidence", K::InvalidValue),
        ("labels", K::InvalidValue),
        ("defanged", K::ForbiddenProperty),
        ("Bad", K::InvalidPropertyName),
        ("kill_chain_phases[0].kill_chain_name", K::MissingProperty),
        ("external_references[0].external_id", K::MissingProperty),
    ] {
        assert!(has(&e, 0, prop, kind), "missing {prop} {kind:?} in {e}");
    }
    assert_eq!(e.errors.len(), 7, "{e}");
}

#[test]
fn the_owned_and_borrowed_paths_give_the_same_bundle() {
    let v = fixture("evidence-bundle.json");
    let borrowed = check_bundle(&v).unwrap();
    let owned = check_bundle_owned(v.clone(), &CheckOptions::default()).unwrap();
    let parsed = parse_bundle(&v.to_string()).unwrap();
    assert_eq!(owned.to_value(), borrowed.to_value());
    assert_eq!(parsed.to_value(), borrowed.to_value());
    assert_eq!(owned.warnings(), borrowed.warnings());
    assert_eq!(owned.len(), v["objects"].as_array().unwrap().len());
    // Errors are the same too.
    let bad = bundle(vec![identity(), with(indicator(), "pattern", json!(5))]);
    let a = check_bundle(&bad).unwrap_err();
    let b = check_bundle_owned(bad, &CheckOptions::default()).unwrap_err();
    assert_eq!(a, b);
}

#[test]
fn borrowed_formats_are_checked_at_their_paths() {
    // RFC 5646 on `lang`, everywhere it appears.
    let e = errors_of(with(identity(), "lang", json!("en_GB")));
    let msg = single(&e, K::InvalidValue, "lang");
    assert!(msg.contains("RFC 5646"), "{msg}");
    assert!(warnings_of(with(identity(), "lang", json!("sr-Latn-RS"))).is_empty());
    let marked = with(
        identity(),
        "granular_markings",
        json!([{"lang": "en GB", "selectors": ["name"]}]),
    );
    single(
        &errors_of(marked),
        K::InvalidValue,
        "granular_markings[0].lang",
    );

    // Software: a CPE 2.3 name and RFC 5646 languages.
    let software = json!({"type": "software", "spec_version": "2.1",
        "id": "software--1f9d599f-76f8-5ea7-ae21-8815d273d8fa", "name": "Word",
        "cpe": "cpe:2.3:a:microsoft:word:2019:*:*:*:*:*:*:*", "languages": ["en", "fra"]});
    // Leaving out the warning that these ids are not the deterministic ones.
    let warned = |o: Value| -> Vec<(String, K)> {
        let w = warnings_of(o);
        w.into_iter().filter(|(p, _)| p != "id").collect()
    };
    assert!(warned(software.clone()).is_empty());
    let e = errors_of(with(
        software.clone(),
        "cpe",
        json!("cpe:/a:microsoft:word:2019"),
    ));
    let msg = single(&e, K::InvalidValue, "cpe");
    assert!(msg.contains("CPE 2.3"), "{msg}");
    let e = errors_of(with(software, "languages", json!(["en", "en-"])));
    single(&e, K::InvalidValue, "languages[1]");

    // A media type SHOULD be registered: a malformed one only warns.
    let file = json!({"type": "file", "spec_version": "2.1",
        "id": "file--66156fad-2a0d-5237-bba4-ba1912887cfe", "name": "a.zip"});
    assert!(warned(with(file.clone(), "mime_type", json!("application/zip"))).is_empty());
    let w = warned(with(file.clone(), "mime_type", json!("zip")));
    assert_eq!(w, [("mime_type".to_owned(), K::InvalidValue)]);
    single(
        &errors_of(with(file, "mime_type", json!(7))),
        K::InvalidValue,
        "mime_type",
    );
}
