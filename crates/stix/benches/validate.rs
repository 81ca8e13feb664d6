//! Checking a 10,000-object bundle (issue 6: target ≤ 0.1 s;
//! stix2-validator 3.2.0 takes about 38 s).
//!
//! The bundle is read from the file named by `COUNTERSIGN_VALIDATE_BENCH_FILE`
//! (bench/validate.sh can keep the one it times both validators on, with
//! `BENCH_KEEP=DIR`), or generated here: groups of indicator, observed-data,
//! ipv4-addr, domain-name and relationship.
//!
//! Benchmarks:
//! - `validate/parse_bundle`: JSON text to a checked bundle (what
//!   `countersign stix validate` does after reading the file);
//! - `validate/check_bundle`: the checks alone, on parsed JSON.

#![allow(clippy::unwrap_used)] // a benchmark program, not an input path

use std::hint::black_box;
use std::time::Duration;

use countersign_stix::{check_bundle, parse_bundle};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

fn generated_bundle(n: usize) -> Value {
    let t = "2024-03-01T12:00:00.000Z";
    let mut objects = Vec::with_capacity(n);
    let mut i = 0usize;
    while objects.len() < n {
        i += 1;
        let ip = format!("203.0.{}.{}", i / 250 % 250, i % 250);
        let ip_id = countersign_stix::sco_id("ipv4-addr", &json!({"value": ip})).unwrap();
        let dom = format!("c2-{i}.example.net");
        let dom_id = countersign_stix::sco_id("domain-name", &json!({"value": dom})).unwrap();
        let ind = format!("indicator--{i:08x}-0000-4000-8000-000000000001");
        objects.push(json!({"type": "indicator", "spec_version": "2.1", "id": ind,
            "created": t, "modified": t, "name": format!("C2 {ip}"), "indicator_types": ["malicious-activity"],
            "pattern": format!("[ipv4-addr:value = '{ip}'] OR [domain-name:value = '{dom}']"),
            "pattern_type": "stix", "valid_from": "2024-03-01T12:00:00Z",
            "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}));
        objects.push(json!({"type": "observed-data", "spec_version": "2.1",
            "id": format!("observed-data--{i:08x}-0000-4000-8000-000000000002"), "created": t, "modified": t,
            "first_observed": "2024-03-01T10:00:00Z", "last_observed": "2024-03-01T11:00:00Z",
            "number_observed": 1, "object_refs": [ip_id, dom_id]}));
        objects.push(json!({"type": "ipv4-addr", "spec_version": "2.1", "id": ip_id, "value": ip}));
        objects.push(
            json!({"type": "domain-name", "spec_version": "2.1", "id": dom_id, "value": dom,
            "resolves_to_refs": [ip_id]}),
        );
        objects.push(json!({"type": "relationship", "spec_version": "2.1",
            "id": format!("relationship--{i:08x}-0000-4000-8000-000000000003"), "created": t, "modified": t,
            "relationship_type": "based-on", "source_ref": ind,
            "target_ref": format!("observed-data--{i:08x}-0000-4000-8000-000000000002")}));
    }
    objects.truncate(n);
    json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects})
}

fn bench(c: &mut Criterion) {
    let text = match std::env::var_os("COUNTERSIGN_VALIDATE_BENCH_FILE") {
        Some(path) => std::fs::read_to_string(path).unwrap(),
        None => generated_bundle(10_000).to_string(),
    };
    let value: Value = serde_json::from_str(&text).unwrap();
    let n = value["objects"].as_array().map_or(0, Vec::len);
    if let Err(e) = check_bundle(&value) {
        panic!("the bench bundle must be valid: {e}");
    }
    let mut g = c.benchmark_group("validate");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("parse_bundle", |b| {
        b.iter(|| parse_bundle(black_box(&text)).unwrap())
    });
    g.bench_function("check_bundle", |b| {
        b.iter(|| check_bundle(black_box(&value)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
