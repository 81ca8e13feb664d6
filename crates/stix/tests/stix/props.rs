//! Property tests: no input makes the checker panic, and generated valid
//! values are accepted.

use countersign_stix::{Identifier, Timestamp, check_bundle, check_object, sco_id};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("bundle".to_owned()),
            Just("indicator".to_owned()),
            Just("ipv4-addr".to_owned()),
            Just("2024-01-01T00:00:00.000Z".to_owned()),
            Just("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("type".to_owned()),
            Just("id".to_owned()),
            Just("objects".to_owned()),
            Just("created".to_owned()),
            Just("modified".to_owned()),
            Just("spec_version".to_owned()),
            Just("object_refs".to_owned()),
            Just("src_ref".to_owned()),
            Just("hashes".to_owned()),
            Just("value".to_owned()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    // The test binary's root is tests/stix.rs with modules under tests/stix/,
    // which proptest's failure files cannot locate: report failures inline.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn checker_never_panics(v in arb_json()) {
        let _ = check_bundle(&v);
        let _ = check_object(&v);
        let wrapped = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [v]});
        let _ = check_bundle(&wrapped);
    }

    /// The borrowed formats (language tag, CPE 2.3, media type) on strings
    /// made of their own separators and escapes, and any character.
    #[test]
    fn format_checks_never_panic(s in "([a-zA-Z0-9]{0,9}|[-:*?/;._!\\\\ ]|\\PC){0,30}") {
        let software = json!({"type": "software", "spec_version": "2.1",
            "id": "software--a1827f6d-ca53-5605-9e93-4316cd22a00a", "name": "x",
            "cpe": s, "languages": [s]});
        let file = json!({"type": "file", "spec_version": "2.1",
            "id": "file--66156fad-2a0d-5237-bba4-ba1912887cfe", "name": "x", "mime_type": s});
        let note = json!({"type": "note", "spec_version": "2.1",
            "id": "note--a1827f6d-ca53-4605-9e93-4316cd22a00a",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "content": "x", "object_refs": ["note--a1827f6d-ca53-4605-9e93-4316cd22a00b"],
            "lang": s});
        for o in [software, file, note] {
            let _ = check_object(&o);
        }
    }

    #[test]
    fn timestamp_parse_never_panics(s in "\\PC{0,40}") {
        let _ = Timestamp::parse(&s);
        let _ = Identifier::parse(&s);
    }

    #[test]
    fn generated_timestamps_parse_and_order(
        secs in 0i64..4_102_444_800, // up to 2100
        nanos in 0u32..1_000_000_000,
        digits in 0usize..10,
    ) {
        let t = chrono::DateTime::from_timestamp(secs, nanos).unwrap();
        let frac = format!("{:09}", nanos);
        let text = if digits == 0 {
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            format!("{}.{}Z", t.format("%Y-%m-%dT%H:%M:%S"), &frac[..digits])
        };
        let parsed = Timestamp::parse(&text).unwrap();
        prop_assert_eq!(parsed.fraction_digits(), digits);
        prop_assert!(parsed.instant() <= t);
        prop_assert!(t - parsed.instant() < chrono::Duration::seconds(1));
    }

    #[test]
    fn ipv4_ids_are_uuid5_of_jcs(a in any::<u8>(), b in any::<u8>(), c in any::<u8>(), d in any::<u8>()) {
        let value = format!("{a}.{b}.{c}.{d}");
        let name = format!("{{\"value\":\"{value}\"}}");
        let expected = uuid::Uuid::new_v5(&countersign_stix::SCO_ID_NAMESPACE, name.as_bytes());
        let got = sco_id("ipv4-addr", &json!({"type": "ipv4-addr", "value": value})).unwrap();
        prop_assert_eq!(got, format!("ipv4-addr--{expected}"));
    }

    #[test]
    fn valid_type_names_make_identifiers(t in "[a-z][a-z0-9]{2,10}(-[a-z0-9]{1,6}){0,3}", u in any::<u128>()) {
        let uuid = uuid::Builder::from_random_bytes(u.to_be_bytes()).into_uuid();
        let id = format!("{t}--{uuid}");
        let parsed = Identifier::parse(&id).unwrap();
        prop_assert_eq!(parsed.object_type(), t.as_str());
        prop_assert_eq!(parsed.uuid(), uuid);
    }
}
