//! Property tests of the one-pass canonical JSON writer and of the
//! envelope's typed id, file form and `from_parts`, against the reference
//! implementation the crate used before (`serde_json_canonicalizer` over a
//! `serde_json::Value`): same bytes, same ids, and a received envelope is
//! accepted with exactly the id of the JSON as received, or refused.

use countersign_core::envelope::{AttachmentRef, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::{PartyId, Sha256Hex};
use countersign_core::jcs::{canonical_bytes, canonical_sha256, parse_strict, utf16_cmp};
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_tlog::SignerKey;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

/// What the crate computed before: the reference for every property here.
fn reference_bytes(value: &Value) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).unwrap()
}

fn reference_id(value: &Value) -> Sha256Hex {
    Sha256Hex::digest(&reference_bytes(value))
}

/// Characters where canonical JSON is easy to get wrong: escapes, control
/// characters, DEL, `/`, non-ASCII, the U+E000..=U+FFFF block and
/// characters above U+FFFF (whose UTF-16 order differs from UTF-8's).
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'e'),
        1 => prop::sample::select(vec![
            '"', '\\', '/', '\u{0}', '\u{8}', '\t', '\n', '\u{c}', '\r', '\u{1f}', '\u{7f}',
            '\u{80}', 'é', '€', '\u{2028}', '\u{d7ff}', '\u{e000}', '\u{fb33}', '\u{fffd}',
            '\u{ffff}', '\u{10000}', '😀', '\u{10ffff}',
        ]),
        1 => any::<char>(),
    ]
}

fn tricky_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..max).prop_map(|c| c.into_iter().collect())
}

/// Numbers around every formatting boundary: exact integers up to 2^53 and
/// past it, i64 and u64 extremes, and doubles from any bit pattern.
fn number() -> impl Strategy<Value = Value> {
    const EXACT: i64 = 1 << 53;
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..=3).prop_map(|d| Value::from(EXACT + d)),
        (-3i64..=3).prop_map(|d| Value::from(-EXACT + d)),
        (-1000i64..1000).prop_map(Value::from),
        any::<u64>()
            .prop_map(f64::from_bits)
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(vec![0.0, -0.0, 1e21, 1e-7, 1e20, 123e-9, 0.1, 5e-324])
            .prop_map(Value::from),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        tricky_string(8).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(tricky_string(4), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const PARTIES: [&str; 4] = ["cert-aurelia", "ncsc-borealis", "as64500-abuse", "x9"];

fn keys() -> &'static [SignerKey] {
    static KEYS: OnceLock<Vec<SignerKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        PARTIES
            .iter()
            .map(|p| SignerKey::generate(p).unwrap())
            .collect()
    })
}

fn attachment() -> impl Strategy<Value = AttachmentRef> {
    (
        any::<[u8; 32]>(),
        // Sizes a valid envelope may carry (up to 2^53), the edges often.
        prop_oneof![0u64..=(1 << 53), Just(1u64 << 53), Just((1u64 << 53) - 1)],
        prop::sample::select(vec!["text/plain", "application/vnd.tcpdump.pcap", "a/b"]),
        "[a-zA-Z0-9 ._éß€😀-]{1,12}".prop_filter("not . or ..", |n| n != "." && n != ".."),
    )
        .prop_map(|(sha, size, media_type, name)| AttachmentRef {
            sha256: Sha256Hex::from_bytes(sha),
            size,
            media_type: media_type.to_owned(),
            name,
        })
}

/// A valid envelope (it signs) with any body.
fn arb_envelope() -> impl Strategy<Value = (usize, Envelope)> {
    (
        0..PARTIES.len(),
        prop::sample::subsequence(vec![0usize, 1, 2, 3], 1..4),
        prop::sample::select(EnvelopeType::ALL.to_vec()),
        // Milliseconds from 1970 to 2200: whole seconds and fractions.
        (0i64..7_258_118_400, prop_oneof![Just(0u32), 1u32..1000]),
        prop::collection::vec(any::<[u8; 32]>(), 0..3),
        prop::sample::select(Tlp::ALL.to_vec()),
        arb_json(),
        prop::collection::btree_map(any::<[u8; 32]>(), attachment(), 0..3),
    )
        .prop_filter_map(
            "a recipient other than the sender",
            |(from, to, kind, (secs, millis), refs, tlp, body, attachments)| {
                let to: Vec<PartyId> = to
                    .into_iter()
                    .filter(|t| *t != from)
                    .map(|t| PartyId::parse(PARTIES[t]).unwrap())
                    .collect();
                if to.is_empty() {
                    return None;
                }
                let at = chrono::DateTime::from_timestamp_millis(secs * 1000 + i64::from(millis))?;
                Some((
                    from,
                    Envelope {
                        v: 1,
                        kind,
                        from: PartyId::parse(PARTIES[from]).unwrap(),
                        to,
                        created: Timestamp::from_datetime(at),
                        refs: refs.into_iter().map(Sha256Hex::from_bytes).collect(),
                        tlp,
                        body,
                        attachments: attachments
                            .into_iter()
                            .map(|(sha, mut a)| {
                                a.sha256 = Sha256Hex::from_bytes(sha);
                                a
                            })
                            .collect(),
                    },
                ))
            },
        )
}

/// Changes of spelling that keep the meaning, each refused before this
/// change and after it. `None` where the envelope has nothing to respell.
fn respell(value: &Value, which: usize) -> Option<Value> {
    let mut m = value.clone();
    let created = m["created"].as_str()?.to_owned();
    match which {
        0 => m["created"] = json!(created.replace('Z', "+00:00")),
        1 => m["created"] = json!(created.replace('Z', "z")),
        2 if !created.contains('.') => m["created"] = json!(created.replace('Z', ".000Z")),
        2 => m["created"] = json!(created.replace('Z', "000Z")),
        3 => m["tlp"] = json!(m["tlp"].as_str()?.to_uppercase()),
        4 => m["type"] = json!(m["type"].as_str()?.to_uppercase()),
        5 => m["v"] = json!(1.0),
        6 => m["from"] = json!(m["from"].as_str()?.to_uppercase()),
        7 => {
            let r = m["refs"].get(0)?.as_str()?.to_uppercase();
            m["refs"][0] = json!(r);
        }
        8 => {
            let sha = m["attachments"].get(0)?["sha256"].as_str()?.to_uppercase();
            m["attachments"][0]["sha256"] = json!(sha);
        }
        9 => {
            let size = m["attachments"].get(0)?["size"].as_u64()?;
            #[allow(clippy::cast_precision_loss)]
            let as_double = size as f64;
            m["attachments"][0]["size"] = json!(as_double);
        }
        10 => {
            m["to"] = json!(
                m["to"]
                    .as_array()?
                    .iter()
                    .chain(m["to"].as_array()?)
                    .collect::<Vec<_>>()
            )
        }
        11 => m["refs"] = json!(null),
        _ => m["extra"] = json!(true),
    }
    Some(m)
}

proptest! {
    // The test binary's root is tests/core.rs with modules under tests/core/,
    // which proptest's failure files cannot locate: report failures inline.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn canonical_bytes_match_the_reference(v in arb_json()) {
        let got = canonical_bytes(&v).unwrap();
        prop_assert_eq!(
            String::from_utf8(got.clone()).unwrap(),
            String::from_utf8(reference_bytes(&v)).unwrap()
        );
        prop_assert_eq!(canonical_sha256(&v).unwrap(), Sha256Hex::digest(&got));
        // The canonical form is JSON that parses back to the same value
        // (up to numbers, which it rounds to doubles).
        let back = parse_strict(std::str::from_utf8(&got).unwrap()).unwrap();
        prop_assert_eq!(canonical_bytes(&back).unwrap(), got);
    }

    #[test]
    fn utf16_order_is_the_order_of_code_units(a in tricky_string(6), b in tricky_string(6)) {
        prop_assert_eq!(utf16_cmp(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
        let prefixed = format!("{a}{b}");
        prop_assert_eq!(utf16_cmp(&a, &prefixed), a.encode_utf16().cmp(prefixed.encode_utf16()));
    }

    #[test]
    fn typed_ids_and_file_forms_match_the_value_forms((signer, envelope) in arb_envelope()) {
        let value = envelope.to_value().unwrap();
        prop_assert_eq!(envelope.canonical_bytes().unwrap(), reference_bytes(&value));
        prop_assert_eq!(envelope.id().unwrap(), reference_id(&value));

        let signed = envelope.clone().sign(&keys()[signer]).unwrap();
        prop_assert_eq!(signed.id(), reference_id(&value));
        // The file forms are the text the `Value` route wrote before.
        let file = signed.to_json_value().unwrap();
        prop_assert_eq!(signed.to_json_string().unwrap(), file.to_string());
        prop_assert_eq!(
            signed.to_json_pretty().unwrap(),
            serde_json::to_string_pretty(&file).unwrap()
        );
        // sign -> file form -> from_json keeps the id, the envelope and the signature.
        for text in [signed.to_json_string().unwrap(), signed.to_json_pretty().unwrap()] {
            let back = SignedEnvelope::from_json(&text).unwrap();
            prop_assert_eq!(&back, &signed);
            prop_assert!(back.verify_with_keys(&[keys()[signer].verifier_key()]).is_ok());
        }
        let back = SignedEnvelope::from_parts(value, signed.signature().to_owned()).unwrap();
        prop_assert_eq!(back, signed);
    }

    #[test]
    fn respelled_envelopes_are_refused((signer, envelope) in arb_envelope(), which in 0usize..13) {
        let signed = envelope.sign(&keys()[signer]).unwrap();
        let value = signed.envelope().to_value().unwrap();
        if let Some(respelled) = respell(&value, which) {
            let got = SignedEnvelope::from_parts(respelled.clone(), signed.signature().to_owned());
            prop_assert!(got.is_err(), "respelling {} accepted: {}", which, respelled);
            let text = json!({"envelope": respelled, "signature": signed.signature()}).to_string();
            prop_assert!(SignedEnvelope::from_json(&text).is_err());
        }
    }

    /// Whatever JSON arrives, `from_parts` accepts it only with the id of
    /// that JSON as received (the reference), or refuses it.
    #[test]
    fn from_parts_accepts_only_with_the_received_id(
        (signer, envelope) in arb_envelope(),
        pointer in prop::sample::select(vec![
            "/v", "/type", "/from", "/to", "/to/0", "/created", "/refs", "/tlp", "/body",
            "/attachments", "/attachments/0/size", "/attachments/0/name",
        ]),
        replacement in arb_json(),
    ) {
        let signed = envelope.sign(&keys()[signer]).unwrap();
        let mut value = signed.envelope().to_value().unwrap();
        if let Some(slot) = value.pointer_mut(pointer) {
            *slot = replacement;
        }
        if let Ok(got) = SignedEnvelope::from_parts(value.clone(), signed.signature().to_owned()) {
            prop_assert_eq!(got.id(), reference_id(&value));
            prop_assert_eq!(got.envelope().to_value().unwrap(), value);
        }
    }
}

#[test]
fn insignificant_spelling_of_the_text_keeps_the_id() {
    // Whitespace, member order, string escapes and number spellings are not
    // part of the JSON value: the id is that of RFC 8785's form, so these
    // arrive with the signed id and verify.
    let key = &keys()[0];
    let envelope: Envelope = serde_json::from_value(json!({
        "v": 1, "type": "notification", "from": "cert-aurelia", "to": ["ncsc-borealis"],
        "created": "2026-11-22T09:30:00Z", "refs": [], "tlp": "amber",
        "body": {"title": "A/B é 😀", "n": 120, "x": 0.5, "\u{e000}": 1, "😀": 2},
        "attachments": []
    }))
    .unwrap();
    let signed = envelope.sign(key).unwrap();
    let text = format!(
        r#"{{ "signature": {sig},
            "envelope": {{ "attachments": [ ], "tlp": "amb\u0065r", "v": 1,
              "body": {{ "\ud83d\ude00": 2, "x": 5e-1, "n": 1.2E2, "\ue000": 1,
                         "title": "A\/B \u00e9 \ud83d\ude00" }},
              "type": "notification", "from": "cert-aurelia", "to": ["ncsc-borealis"],
              "created": "2026-11-22T09:30:00Z", "refs": [] }} }}"#,
        sig = serde_json::to_string(signed.signature()).unwrap()
    );
    let back = SignedEnvelope::from_json(&text).unwrap();
    assert_eq!(back.id(), signed.id());
    back.verify_with_keys(&[key.verifier_key()]).unwrap();
    // The body members in UTF-16 order: U+1F600 (D83D DE00) before U+E000.
    let canonical = String::from_utf8(back.envelope().canonical_bytes().unwrap()).unwrap();
    assert!(
        canonical.contains(
            "\"body\":{\"n\":120,\"title\":\"A/B é 😀\",\"x\":0.5,\"😀\":2,\"\u{e000}\":1}"
        ),
        "{canonical}"
    );
}

#[test]
fn duplicate_members_are_refused_in_the_header_and_the_body() {
    let key = &keys()[0];
    let envelope: Envelope = serde_json::from_value(json!({
        "v": 1, "type": "notification", "from": "cert-aurelia", "to": ["ncsc-borealis"],
        "created": "2026-11-22T09:30:00Z", "refs": [], "tlp": "amber",
        "body": {"title": "t"}, "attachments": []
    }))
    .unwrap();
    let signed = envelope.sign(key).unwrap();
    let good = signed.to_json_string().unwrap();
    assert_eq!(SignedEnvelope::from_json(&good).unwrap(), signed);
    for bad in [
        good.replace(r#""tlp":"amber""#, r#""tlp":"amber","tlp":"red""#),
        good.replace(r#""tlp":"amber""#, r#""tlp":"red","tlp":"amber""#),
        good.replace(r#""title":"t""#, r#""title":"t","title":"t""#),
        good.replace(r#""signature":"#, r#""signature":"x","signature":"#),
    ] {
        assert_ne!(bad, good);
        let err = SignedEnvelope::from_json(&bad).unwrap_err();
        assert!(
            err.message.contains("duplicate member name"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn an_envelope_must_be_an_object() {
    for not_an_object in [json!([]), json!("envelope"), json!(null), json!(1)] {
        let err = SignedEnvelope::from_parts(not_an_object, String::new()).unwrap_err();
        assert!(err.message.contains("malformed envelope"), "{err}");
    }
    let err = SignedEnvelope::from_parts(json!({"v": 1}), String::new()).unwrap_err();
    assert!(err.message.contains("missing field"), "{err}");
}

#[test]
fn the_file_form_is_checked_member_by_member() {
    let key = &keys()[0];
    let envelope: Envelope = serde_json::from_value(json!({
        "v": 1, "type": "ping", "from": "cert-aurelia", "to": ["ncsc-borealis"],
        "created": "2026-11-22T09:30:00Z", "refs": [], "tlp": "clear",
        "body": {}, "attachments": []
    }))
    .unwrap();
    let signed = envelope.sign(key).unwrap();
    let file = signed.to_json_value().unwrap();
    let mut without_body = file["envelope"].clone();
    without_body.as_object_mut().unwrap().remove("body");
    let cases = [
        (json!([file.clone()]), "not a JSON object"),
        (
            json!({"envelope": file["envelope"]}),
            "missing field `signature`",
        ),
        (
            json!({"signature": file["signature"]}),
            "missing field `envelope`",
        ),
        (
            json!({"envelope": file["envelope"], "signature": 1}),
            "`signature` is not a string",
        ),
        (
            json!({"envelope": file["envelope"], "signature": file["signature"], "extra": 1}),
            "unknown field `extra`",
        ),
        (
            json!({"envelope": without_body, "signature": file["signature"]}),
            "missing field `body`",
        ),
    ];
    for (text, want) in cases {
        let err = SignedEnvelope::from_json(&text.to_string()).unwrap_err();
        assert!(err.message.contains(want), "{text}: {err}");
    }
    assert_eq!(
        SignedEnvelope::from_json(&file.to_string()).unwrap(),
        signed
    );
}
