//! Benchmarks of the envelope hot path (CONVENTIONS.md 11: benchmarks
//! report numbers, tests assert behaviour): RFC 8785 canonicalisation, the
//! envelope id, building a signed envelope from received JSON
//! (`from_parts`) and from its stored file form (`from_json`), writing the
//! file form, signing and verifying. Every notification a federation
//! delivers pays these on both nodes, for the notification and for its
//! receipt, so the fixtures are a notification as `bench-deliver` files
//! it, one carrying a small STIX bundle, and a receipt with a tlog-proof of
//! a realistic size.
//!
//! Each `<name>_old` is the same operation as the crate did it before the
//! one-pass writer (`serde_json_canonicalizer` over an intermediate
//! `serde_json::Value`, canonicalising a received envelope twice), kept here
//! as the yardstick: the machine is shared, so before and after are
//! measured in the same run.
//!
//! ```sh
//! cargo bench -p countersign-core --bench envelope -- --quick
//! ```

use std::hint::black_box;

use countersign_core::envelope::{Envelope, SignedEnvelope, signature_text};
use countersign_core::ids::{EnvelopeId, Sha256Hex};
use countersign_core::jcs;
use countersign_tlog::{SignerKey, sign_note};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

/// A notification as `countersign bench-deliver` files it.
fn notification() -> Value {
    json!({
        "v": 1, "type": "notification", "from": "cert-aurelia", "to": ["ncsc-borealis"],
        "created": "2026-11-22T09:30:00.123Z", "refs": [], "tlp": "green",
        "body": {
            "title": "bench notification 4711",
            "category": "other/undetermined",
            "requested_actions": ["investigate"],
            "severity": "low",
            "ack_by": "2026-11-23T09:30:00.123Z",
            "reply_by": "2026-11-25T09:30:00.123Z"
        },
        "attachments": []
    })
}

/// A notification with scope, sectors, an attachment and a STIX bundle.
fn notification_with_evidence() -> Value {
    let mut objects = vec![json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-11-21T08:00:00.000Z", "modified": "2026-11-21T08:00:00.000Z",
        "name": "Scanning source", "pattern_type": "stix",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "valid_from": "2026-11-21T08:00:00Z", "confidence": 85,
        "labels": ["malicious-activity"]
    })];
    for i in 0..4 {
        objects.push(json!({
            "type": "ipv4-addr", "spec_version": "2.1",
            "id": format!("ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742d{i}"),
            "value": format!("198.51.100.{i}")
        }));
    }
    json!({
        "v": 1, "type": "notification", "from": "cert-aurelia",
        "to": ["ncsc-borealis", "as64500-abuse"],
        "created": "2026-11-22T09:30:00Z", "refs": [], "tlp": "amber",
        "body": {
            "title": "Scanning of energy-sector hosts from 198.51.100.0/24",
            "summary": "Repeated SSH and RDP scanning, then credential stuffing against \"OT\" gateways — see the attached capture.",
            "category": "information-gathering/scanner",
            "sectors": ["nis2:energy", "nis2:drinking-water"],
            "observed": {"start": "2026-11-21T06:00:00Z", "end": "2026-11-21T09:00:00Z"},
            "origin": {"prefixes": ["198.51.100.0/24"], "asns": [64500]},
            "requested_actions": ["investigate", "block-indicators", "preserve-evidence"],
            "severity": "high",
            "ack_by": "2026-11-23T09:30:00Z",
            "reply_by": "2026-11-25T09:30:00Z",
            "evidence": {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects}
        },
        "attachments": [{
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "size": 3, "media_type": "application/vnd.tcpdump.pcap", "name": "scan.pcap"
        }]
    })
}

/// A receipt whose proof has the size of one from a log of a million
/// entries (20 hashes and a cosigned checkpoint).
fn receipt() -> Value {
    let hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let mut proof = String::from("c2sp.org/tlog-proof@v1\nindex 1048575\n");
    for _ in 0..20 {
        proof.push_str(hash);
        proof.push('\n');
    }
    proof.push_str("\nnode-borealis.example/log\n1048576\n");
    proof.push_str(hash);
    proof.push_str("\n\n— node-borealis.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n");
    json!({
        "v": 1, "type": "receipt", "from": "ncsc-borealis", "to": ["cert-aurelia"],
        "created": "2026-11-22T09:30:00.456Z",
        "refs": ["9a4135d6619bf6b6131b3a29193e3c1ba5c8bd649ed2531774dd57c78b1acac1"],
        "tlp": "green",
        "body": {
            "received": "9a4135d6619bf6b6131b3a29193e3c1ba5c8bd649ed2531774dd57c78b1acac1",
            "received_at": "2026-11-22T09:30:00.456Z",
            "proof": proof
        },
        "attachments": []
    })
}

/// The id as computed before: the envelope to a `Value`, then
/// `serde_json_canonicalizer`.
fn old_id(envelope: &Envelope) -> EnvelopeId {
    let value = envelope.to_value().expect("to_value");
    Sha256Hex::digest(&serde_json_canonicalizer::to_vec(&value).expect("canonical"))
}

/// `from_parts` as it was: the id from the received value, then the typed
/// envelope's id again to refuse a second spelling.
fn old_from_parts(envelope: Value, signature: String) -> (EnvelopeId, Envelope, String) {
    let id = Sha256Hex::digest(&serde_json_canonicalizer::to_vec(&envelope).expect("canonical"));
    let typed: Envelope = serde_json::from_value(envelope).expect("typed");
    assert_eq!(old_id(&typed), id);
    typed.validate().expect("valid");
    (id, typed, signature)
}

#[derive(serde::Deserialize)]
struct OldFile {
    envelope: Value,
    signature: String,
}

/// `from_json` as it was: strict parse, the file struct, `from_parts`.
fn old_from_json(text: &str) -> (EnvelopeId, Envelope, String) {
    let file: OldFile =
        serde_json::from_value(jcs::parse_strict(text).expect("parse")).expect("file form");
    old_from_parts(file.envelope, file.signature)
}

fn bench(c: &mut Criterion) {
    let fixtures = [
        ("notification", notification()),
        ("notification_evidence", notification_with_evidence()),
        ("receipt", receipt()),
    ];
    for (name, value) in fixtures {
        let envelope: Envelope = serde_json::from_value(value.clone()).expect("fixture parses");
        let sender = envelope.from.as_str().to_owned();
        let key = SignerKey::generate(&sender).expect("key");
        let signed = envelope.clone().sign(&key).expect("fixture signs");
        let signature = signed.signature().to_owned();
        let file = signed.to_json_pretty().expect("file form");
        let vkey = [key.verifier_key()];

        let mut g = c.benchmark_group(name);
        g.bench_function("canonical_bytes", |b| {
            b.iter(|| jcs::canonical_bytes(black_box(&value)).expect("canonical"))
        });
        g.bench_function("canonical_bytes_old", |b| {
            b.iter(|| serde_json_canonicalizer::to_vec(black_box(&value)).expect("canonical"))
        });
        g.bench_function("id", |b| b.iter(|| black_box(&envelope).id().expect("id")));
        g.bench_function("id_old", |b| b.iter(|| old_id(black_box(&envelope))));
        g.bench_function("clone_value", |b| {
            // What `from_parts` is given costs this much to build; subtract it.
            b.iter(|| (black_box(value.clone()), signature.clone()))
        });
        g.bench_function("from_parts", |b| {
            b.iter(|| {
                SignedEnvelope::from_parts(black_box(value.clone()), signature.clone())
                    .expect("from_parts")
            })
        });
        g.bench_function("from_parts_old", |b| {
            b.iter(|| old_from_parts(black_box(value.clone()), signature.clone()))
        });
        g.bench_function("from_json", |b| {
            b.iter(|| SignedEnvelope::from_json(black_box(&file)).expect("from_json"))
        });
        g.bench_function("from_json_old", |b| {
            b.iter(|| old_from_json(black_box(&file)))
        });
        g.bench_function("to_json_string", |b| {
            b.iter(|| black_box(&signed).to_json_string().expect("file form"))
        });
        g.bench_function("to_json_string_old", |b| {
            b.iter(|| {
                black_box(&signed)
                    .to_json_value()
                    .expect("file form")
                    .to_string()
            })
        });
        g.bench_function("to_json_pretty", |b| {
            b.iter(|| black_box(&signed).to_json_pretty().expect("file form"))
        });
        g.bench_function("sign", |b| {
            b.iter(|| black_box(envelope.clone()).sign(&key).expect("sign"))
        });
        g.bench_function("sign_old", |b| {
            b.iter(|| {
                let envelope = black_box(envelope.clone());
                envelope.validate().expect("valid");
                let id = old_id(&envelope);
                (
                    envelope,
                    sign_note(&signature_text(&id), &[&key]).expect("sign"),
                )
            })
        });
        g.bench_function("verify", |b| {
            b.iter(|| black_box(&signed).verify_with_keys(&vkey).expect("verify"))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
