//! Matching observed-data against 100 indicator patterns
//! `[ipv4-addr:value = '203.0.x.y']` (issue 6: target ≥ 200,000
//! observations/s; stix2-matcher 3.0.0 does about 390/s).
//!
//! The data is generated here, or read from the directory named by
//! `COUNTERSIGN_PATTERN_BENCH_DATA` (`patterns.txt`, one pattern a line, and
//! `observations.json`, a list of bundles as stix2-matcher reads them), so
//! `bench/pattern.sh` can time stix2-matcher on exactly the same input.
//!
//! Benchmarks:
//! - `pattern/match_all/N`: every pattern against the whole set of N
//!   observations (what the stix2-matcher command line does);
//! - `pattern/match_observation/N`: each observation in turn against every
//!   pattern (a stream);
//! - `pattern/from_objects/N`: building the N observations from JSON;
//! - `pattern/compile/100`: parsing the 100 patterns into a matcher.

#![allow(clippy::unwrap_used)] // a benchmark program, not an input path

use std::hint::black_box;
use std::time::Duration;

use countersign_stix::pattern::{Matcher, Observation, Pattern};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

/// The 100 patterns.
fn generated_patterns() -> Vec<String> {
    (0..100)
        .map(|i| format!("[ipv4-addr:value = '203.0.{}.{}']", 113 + i / 50, i % 50))
        .collect()
}

/// N observed-data, each referencing one ipv4-addr; about half match a
/// pattern. The same formula as `bench/pattern.sh`.
fn generated_bundle(n: usize) -> Value {
    let mut objects = Vec::with_capacity(2 * n);
    for i in 0..n {
        let k = (i * 7919) % 200;
        let ip = format!("203.0.{}.{}", 113 + k / 50, k % 50);
        let ip_id = format!("ipv4-addr--00000000-0000-4000-8000-{i:012}");
        let minute = i % 60;
        objects.push(json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": format!("observed-data--00000000-0000-4000-9000-{i:012}"),
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "first_observed": format!("2024-01-01T00:{minute:02}:00Z"),
            "last_observed": format!("2024-01-01T00:{minute:02}:00Z"),
            "number_observed": 1,
            "object_refs": [ip_id],
        }));
        objects.push(json!({"type": "ipv4-addr", "spec_version": "2.1", "id": ip_id, "value": ip}));
    }
    json!([{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects}])
}

/// The patterns and the observations' JSON objects.
fn data() -> (Vec<String>, Vec<Value>) {
    let (patterns, bundles) = match std::env::var_os("COUNTERSIGN_PATTERN_BENCH_DATA") {
        Some(dir) => {
            let dir = std::path::PathBuf::from(dir);
            let patterns = std::fs::read_to_string(dir.join("patterns.txt"))
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect();
            let bundles: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join("observations.json")).unwrap(),
            )
            .unwrap();
            (patterns, bundles)
        }
        None => (generated_patterns(), generated_bundle(10_000)),
    };
    let objects = bundles
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["objects"].as_array().unwrap().iter().cloned())
        .collect();
    (patterns, objects)
}

fn bench(c: &mut Criterion) {
    let (pattern_text, objects) = data();
    let observations = Observation::from_objects(&objects).unwrap();
    let n = observations.len();
    let matcher = Matcher::from_patterns(pattern_text.iter().map(|p| Pattern::parse(p).unwrap()));
    // Sanity: the data matches what the script expects.
    let hits = matcher.match_all(&observations);
    let per_observation: usize = observations
        .iter()
        .map(|o| matcher.match_observation(o).len())
        .sum();
    eprintln!(
        "{} patterns, {n} observations: {} patterns match the set; {per_observation} (observation, pattern) hits",
        matcher.len(),
        hits.len()
    );

    let mut g = c.benchmark_group("pattern");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("match_all/{n}"), |b| {
        b.iter(|| black_box(matcher.match_all(black_box(&observations))));
    });
    g.bench_function(format!("match_observation/{n}"), |b| {
        b.iter(|| {
            let mut total = 0;
            for o in &observations {
                total += matcher.match_observation(black_box(o)).len();
            }
            black_box(total)
        });
    });
    g.bench_function(format!("from_objects/{n}"), |b| {
        b.iter(|| black_box(Observation::from_objects(black_box(&objects)).unwrap()));
    });
    g.throughput(Throughput::Elements(pattern_text.len() as u64));
    g.bench_function(format!("compile/{}", pattern_text.len()), |b| {
        b.iter(|| {
            black_box(Matcher::from_patterns(
                pattern_text.iter().map(|p| Pattern::parse(p).unwrap()),
            ))
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
