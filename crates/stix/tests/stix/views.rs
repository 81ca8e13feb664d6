//! The evidence summary and the table views of a bundle.

use countersign_stix::{
    EvidenceSummary, IndicatorView, ObjectView, ObservableView, ObservedDataView, check_bundle,
};
use serde_json::json;

use crate::common::*;

#[test]
fn summary_of_fixture() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    let s = b.summary();
    assert_eq!(
        s,
        EvidenceSummary {
            indicators: 2,
            observed_data: 1,
            sightings: 1,
            observables: 5,
            artifacts: 1,
            claims: 3,
            identities: 2,
            relationships: 1,
            other: 1,
        }
    );
    assert_eq!(s.total(), b.len());
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["observed_data"], 1);
    assert_eq!(serde_json::from_value::<EvidenceSummary>(v).unwrap(), s);
}

#[test]
fn indicators_view() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    let ind = b.indicators();
    assert_eq!(ind.len(), 2);
    assert_eq!(
        ind[0],
        IndicatorView {
            id: "indicator--b24d9f56-83d5-408a-b563-ea5d8a149a54".into(),
            name: Some("C2 server contacted by the grid operator's historian".into()),
            pattern: "[ipv4-addr:value = '203.0.113.9'] AND [network-traffic:dst_port = 443]"
                .into(),
            pattern_type: "stix".into(),
            valid_from: "2024-03-04T10:15:00Z".into(),
            valid_until: Some("2024-06-04T10:15:00Z".into()),
            indicator_types: vec!["malicious-activity".into(), "attribution".into()],
        }
    );
    assert_eq!(ind[1].name, None);
    assert_eq!(ind[1].valid_until, None);
}

#[test]
fn observables_view() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    let obs = b.observables();
    let pairs: Vec<(&str, &str)> = obs
        .iter()
        .map(|o| (o.r#type.as_str(), o.value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("ipv4-addr", "198.51.100.7"),
            ("ipv4-addr", "203.0.113.9"),
            ("domain-name", "example.com"),
            (
                "network-traffic",
                "198.51.100.7:49152 → 203.0.113.9:443 (ipv4/tcp)"
            ),
            (
                "file",
                "evil.exe SHA-256:aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
            ),
            ("artifact", "text/plain"),
        ]
    );
    assert_eq!(obs[0].id, IPV4);
}

#[test]
fn observable_summaries_of_other_types() {
    let u = "4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d";
    let sco = |t: &str, props: serde_json::Value| {
        let mut o = json!({"type": t, "id": format!("{t}--{u}")});
        for (k, v) in props.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let objects = vec![
        sco(
            "autonomous-system",
            json!({"number": 64496, "name": "EXAMPLE-AS"}),
        ),
        sco(
            "email-addr",
            json!({"value": "jdoe@example.com", "display_name": "John Doe"}),
        ),
        sco(
            "process",
            json!({"pid": 4242, "command_line": "evil.exe -c2 203.0.113.9"}),
        ),
        sco(
            "software",
            json!({"name": "Word", "version": "2002", "vendor": "Microsoft"}),
        ),
        sco(
            "user-account",
            json!({"user_id": "1001", "account_login": "jdoe"}),
        ),
        sco("ipv6-addr", json!({"value": "2001:db8::1"})),
        sco(
            "network-traffic",
            json!({"src_ref": "ipv6-addr--4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d", "src_port": 5555,
                                      "dst_ref": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db", "protocols": ["udp"]}),
        ),
        sco("x509-certificate", json!({"serial_number": "01"})),
    ];
    let b = check_bundle(&bundle(objects)).unwrap();
    let values: Vec<String> = b.observables().into_iter().map(|o| o.value).collect();
    assert_eq!(
        values,
        [
            "AS64496 (EXAMPLE-AS)",
            "John Doe <jdoe@example.com>",
            "pid 4242 evil.exe -c2 203.0.113.9",
            "Word 2002 (Microsoft)",
            "jdoe",
            "2001:db8::1",
            // The destination is not in the bundle: its id is shown.
            "[2001:db8::1]:5555 → ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db (udp)",
            "serial 01",
        ]
    );
}

#[test]
fn observed_data_view() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    assert_eq!(
        b.observed_data(),
        [ObservedDataView {
            id: "observed-data--13433d2e-442c-42b9-b6f6-2aaf07377160".into(),
            first_observed: "2024-03-02T22:41:07Z".into(),
            last_observed: "2024-03-03T04:12:55Z".into(),
            number_observed: 37,
            object_refs: vec![
                "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db".into(),
                "ipv4-addr--39090fdc-366e-571f-ab5b-d05e2918f88f".into(),
                "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7".into(),
                "network-traffic--f5aed350-16de-573e-94ee-63dbbad1eee0".into(),
            ],
        }]
    );
}

#[test]
fn others_view() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    let others: Vec<(String, String)> = b
        .others()
        .into_iter()
        .map(
            |ObjectView {
                 r#type,
                 name_or_summary,
                 ..
             }| (r#type, name_or_summary),
        )
        .collect();
    let expected = [
        ("marking-definition", "TLP:AMBER"),
        ("identity", "CERT-Example"),
        ("identity", "Example Regional Power Grid Operator"),
        (
            "sighting",
            "sighting of C2 server contacted by the grid operator's historian (37 times)",
        ),
        ("malware", "EXAMPLEDOOR"),
        (
            "relationship",
            "C2 server contacted by the grid operator's historian indicates EXAMPLEDOOR",
        ),
        ("note", "Beaconing every 300 s from the historian host"),
        (
            "report",
            "Beaconing from a power grid historian to 203.0.113.9",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(others, expected);
}

#[test]
fn views_partition_the_bundle() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    let mut ids: Vec<String> = b.indicators().into_iter().map(|v| v.id).collect();
    ids.extend(b.observables().into_iter().map(|v: ObservableView| v.id));
    ids.extend(b.observed_data().into_iter().map(|v| v.id));
    ids.extend(b.others().into_iter().map(|v| v.id));
    let mut all: Vec<String> = b.objects().iter().map(|o| o.id().to_owned()).collect();
    ids.sort();
    all.sort();
    assert_eq!(ids, all);
}

#[test]
fn long_summaries_are_cut() {
    let note = json!({"type": "note", "spec_version": "2.1", "id": "note--4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d",
                      "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                      "content": "ж".repeat(500), "object_refs": [INDICATOR]});
    let b = check_bundle(&bundle(vec![note])).unwrap();
    let s = &b.others()[0].name_or_summary;
    assert_eq!(s.chars().count(), 161);
    assert!(s.ends_with('…'));
}
