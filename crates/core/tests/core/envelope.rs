//! Envelopes: id stability, signing, verification and tampering.

use countersign_core::ErrorKind;
use countersign_core::envelope::{Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::PartyId;
use countersign_core::party::{Party, PartyKey, PartyKind};
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_tlog::SignerKey;
use serde_json::json;

const ENVELOPE: &str = r#"{"v":1,"type":"notification","from":"cert-aurelia","to":["ncsc-borealis"],
  "created":"2026-11-22T09:30:00Z","refs":[],"tlp":"amber",
  "body":{"title":"Scanning from 198.51.100.7","n":12,"nested":{"z":true,"a":null}},
  "attachments":[{"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","size":3,"media_type":"text/plain","name":"abc.txt"}]}"#;

/// Derived independently: Python's `json.dumps(env, sort_keys=True,
/// separators=(",", ":"), ensure_ascii=False)` equals RFC 8785 for this
/// value (ASCII keys, integers), then `hashlib.sha256`.
const ENVELOPE_ID: &str = "9a4135d6619bf6b6131b3a29193e3c1ba5c8bd649ed2531774dd57c78b1acac1";

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn envelope() -> Envelope {
    serde_json::from_str(ENVELOPE).unwrap()
}

fn party(key: &SignerKey, from: &str, until: Option<&str>) -> Party {
    Party {
        id: PartyId::parse(key.name()).unwrap(),
        name: "CERT Aurelia".into(),
        country: None,
        kind: PartyKind::NationalCert,
        keys: vec![PartyKey {
            vkey: key.verifier_key().to_string(),
            valid_from: ts(from),
            valid_until: until.map(ts),
        }],
        endpoint: None,
        contacts: vec![],
        constituency: Default::default(),
        sectors: vec![],
        log_vkey: None,
        witness_vkey: None,
    }
}

#[test]
fn id_is_the_sha256_of_the_canonical_form() {
    assert_eq!(envelope().id().unwrap().to_string(), ENVELOPE_ID);
}

#[test]
fn id_does_not_depend_on_member_order_or_whitespace() {
    let reordered = json!({
        "attachments": [{"name":"abc.txt","size":3,"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","media_type":"text/plain"}],
        "tlp":"amber","refs":[],"created":"2026-11-22T09:30:00Z","to":["ncsc-borealis"],"from":"cert-aurelia",
        "type":"notification","v":1,"body":{"nested":{"a":null,"z":true},"n":12,"title":"Scanning from 198.51.100.7"}
    });
    let key = SignerKey::generate("cert-aurelia").unwrap();
    let signed = envelope().sign(&key).unwrap();
    let reparsed = SignedEnvelope::from_parts(reordered, signed.signature().to_owned()).unwrap();
    assert_eq!(reparsed.id().to_string(), ENVELOPE_ID);
    reparsed
        .verify(&party(&key, "2026-01-01T00:00:00Z", None))
        .unwrap();
}

#[test]
fn sign_and_verify_round_trip_through_the_file_form() {
    let key = SignerKey::generate("cert-aurelia").unwrap();
    let signed = envelope().sign(&key).unwrap();
    assert!(signed.signature().starts_with(&format!(
        "countersign/envelope/v1\n{ENVELOPE_ID}\n\n— cert-aurelia "
    )));
    let back = SignedEnvelope::from_json(&signed.to_json_pretty().unwrap()).unwrap();
    assert_eq!(back, signed);
    back.verify(&party(&key, "2026-01-01T00:00:00Z", None))
        .unwrap();
    back.verify_with_keys(&[key.verifier_key()]).unwrap();
}

#[test]
fn only_the_sender_can_sign_and_only_with_a_valid_key() {
    let key = SignerKey::generate("cert-aurelia").unwrap();
    let other = SignerKey::generate("ncsc-borealis").unwrap();
    assert_eq!(
        envelope().sign(&other).unwrap_err().kind,
        ErrorKind::BadSignature
    );

    let signed = envelope().sign(&key).unwrap();
    let expired = signed.verify(&party(
        &key,
        "2025-01-01T00:00:00Z",
        Some("2026-01-01T00:00:00Z"),
    ));
    let err = expired.unwrap_err();
    assert_eq!(err.kind, ErrorKind::KeyNotValid, "{err}");
    assert!(
        err.message.contains("not valid at 2026-11-22T09:30:00Z"),
        "{err}"
    );
    let not_yet = signed.verify(&party(&key, "2026-12-01T00:00:00Z", None));
    assert_eq!(not_yet.unwrap_err().kind, ErrorKind::KeyNotValid);

    // A directory entry with the right name but another key.
    let impostor = SignerKey::generate("cert-aurelia").unwrap();
    let err = signed
        .verify(&party(&impostor, "2026-01-01T00:00:00Z", None))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadSignature);
    // The entry of another party.
    let err = signed
        .verify(&party(&other, "2026-01-01T00:00:00Z", None))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadSignature);
}

#[test]
fn every_byte_of_the_signature_is_checked() {
    let key = SignerKey::generate("cert-aurelia").unwrap();
    let signed = envelope().sign(&key).unwrap();
    let p = party(&key, "2026-01-01T00:00:00Z", None);
    let env = signed.envelope().to_value().unwrap();
    let sig = signed.signature();
    let mut accepted = Vec::new();
    for i in 0..sig.len() {
        if !sig.is_char_boundary(i) || !sig.is_char_boundary(i + 1) {
            continue;
        }
        let mut bytes = sig.as_bytes().to_vec();
        bytes[i] ^= 0x01;
        let Ok(tampered) = String::from_utf8(bytes) else {
            continue;
        };
        if let Ok(t) = SignedEnvelope::from_parts(env.clone(), tampered.clone())
            && t.verify(&p).is_ok()
        {
            accepted.push((i, tampered));
        }
    }
    assert!(
        accepted.is_empty(),
        "tampered signatures accepted: {accepted:?}"
    );
}

#[test]
fn every_signed_field_is_covered() {
    let key = SignerKey::generate("cert-aurelia").unwrap();
    let signed = envelope().sign(&key).unwrap();
    let p = party(&key, "2026-01-01T00:00:00Z", None);
    let original = signed.envelope().to_value().unwrap();
    let mutations = [
        ("/type", json!("reply")),
        ("/to/0", json!("other-party")),
        ("/created", json!("2026-11-22T09:30:01Z")),
        ("/tlp", json!("green")),
        ("/body/title", json!("Scanning from 198.51.100.8")),
        ("/body/n", json!(13)),
        ("/body/nested/z", json!(false)),
        ("/attachments/0/size", json!(4)),
        ("/attachments/0/name", json!("abd.txt")),
    ];
    for (pointer, value) in mutations {
        let mut m = original.clone();
        *m.pointer_mut(pointer).unwrap() = value;
        let tampered = SignedEnvelope::from_parts(m, signed.signature().to_owned()).unwrap();
        assert_ne!(tampered.id(), signed.id(), "{pointer}");
        let err = tampered.verify(&p).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadSignature, "{pointer}: {err}");
    }
}

#[test]
fn malformed_envelopes_are_refused() {
    let key = SignerKey::generate("cert-aurelia").unwrap();
    let sig = envelope().sign(&key).unwrap().signature().to_owned();
    let base: serde_json::Value = serde_json::from_str(ENVELOPE).unwrap();
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("/created", json!("2026-11-22T09:30:00+00:00")),
        ("/created", json!("2026-11-22T09:30:00.000Z")),
        ("/v", json!(2)),
        ("/tlp", json!("AMBER")),
        ("/from", json!("Cert Aurelia")),
        ("/to", json!(["cert-aurelia"])),
        ("/to", json!(["ncsc-borealis", "ncsc-borealis"])),
        ("/to", json!([])),
        ("/refs", json!(["ABC"])),
        ("/attachments/0/name", json!("../etc/passwd")),
        ("/attachments/0/media_type", json!("text")),
        ("/attachments/0/size", json!(9_007_199_254_740_993_u64)),
    ];
    for (pointer, value) in cases {
        let mut m = base.clone();
        *m.pointer_mut(pointer).unwrap() = value.clone();
        assert!(
            SignedEnvelope::from_parts(m, sig.clone()).is_err(),
            "{pointer} = {value} accepted"
        );
    }
    let mut extra = base.clone();
    extra["extra"] = json!(1);
    assert!(SignedEnvelope::from_parts(extra, sig.clone()).is_err());
    assert!(SignedEnvelope::from_json("{\"envelope\": {}, \"signature\": \"\"}").is_err());
}

#[test]
fn tlp_parses_labels() {
    assert_eq!(
        Tlp::parse_label("TLP:AMBER+STRICT").unwrap(),
        Tlp::AmberStrict
    );
    assert_eq!(Tlp::parse_label("white").unwrap(), Tlp::Clear);
    assert_eq!(Tlp::Red.label(), "TLP:RED");
    assert!(Tlp::Clear < Tlp::Red);
    let _ = EnvelopeType::ALL;
}
