//! Shared fixtures and assertions.

use countersign_stix::{BundleErrors, ProblemKind, check_bundle};
use serde_json::{Value, json};

pub const BUNDLE_ID: &str = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d";
pub const IDENTITY: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";
pub const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
pub const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
pub const IPV4: &str = "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db";
pub const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

/// The fixture under tests/fixtures, parsed.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A bundle holding these objects.
pub fn bundle(objects: Vec<Value>) -> Value {
    json!({"type": "bundle", "id": BUNDLE_ID, "objects": objects})
}

pub fn identity() -> Value {
    json!({
        "type": "identity", "spec_version": "2.1", "id": IDENTITY,
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "name": "CERT-Example", "identity_class": "organization"
    })
}

pub fn indicator() -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
        "created_by_ref": IDENTITY,
        "created": "2024-01-02T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
        "name": "C2", "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix", "valid_from": "2024-01-02T00:00:00Z",
        "object_marking_refs": [AMBER]
    })
}

pub fn malware() -> Value {
    json!({
        "type": "malware", "spec_version": "2.1", "id": MALWARE,
        "created": "2024-01-02T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
        "name": "EXAMPLEDOOR", "is_family": true
    })
}

pub fn ipv4() -> Value {
    json!({"type": "ipv4-addr", "spec_version": "2.1", "id": IPV4, "value": "198.51.100.7"})
}

/// Returns `v` with `key` set to `value` (or removed when `value` is null).
pub fn with(mut v: Value, key: &str, value: Value) -> Value {
    let m = v.as_object_mut().unwrap();
    if value.is_null() {
        m.remove(key);
    } else {
        m.insert(key.to_owned(), value);
    }
    v
}

/// Returns `v` without `key`.
pub fn without(v: Value, key: &str) -> Value {
    with(v, key, Value::Null)
}

/// Checks a bundle that must be invalid.
pub fn errors(v: &Value) -> BundleErrors {
    match check_bundle(v) {
        Ok(b) => panic!("expected errors, got a bundle of {} objects", b.len()),
        Err(e) => e,
    }
}

/// Checks a bundle holding one object that must be invalid.
pub fn errors_of(object: Value) -> BundleErrors {
    errors(&bundle(vec![object]))
}

/// Asserts that exactly one error was found, of this kind, on this property
/// of objects[0], and returns its message.
pub fn single(e: &BundleErrors, kind: ProblemKind, property: &str) -> String {
    assert_eq!(e.errors.len(), 1, "expected one error, got: {e}");
    let p = &e.errors[0];
    assert_eq!(p.kind, kind, "{e}");
    assert_eq!(p.property.as_deref(), Some(property), "{e}");
    assert_eq!(p.object_index, Some(0), "{e}");
    p.message.clone()
}

/// Whether an error of this kind on this property of objects[index] is in `e`.
pub fn has(e: &BundleErrors, index: usize, property: &str, kind: ProblemKind) -> bool {
    e.errors.iter().any(|p| {
        p.object_index == Some(index) && p.property.as_deref() == Some(property) && p.kind == kind
    })
}
