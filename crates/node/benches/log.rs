//! Benchmarks of the node's log through the real SQLite store in a
//! temporary directory (CONVENTIONS.md 11: benchmarks report numbers,
//! tests assert behaviour).
//!
//! Criterion groups:
//! - `log/append`: durable appends per second with batching: many appends
//!   in flight, each answered only after its batch is committed (one
//!   transaction, `synchronous=FULL`) and a checkpoint covering it is
//!   signed and published;
//! - `log/append_to_checkpoint`: one append on an idle log, from the call to
//!   the signed checkpoint that covers it;
//! - `log/prove_1M`: a tlog-proof from the stored tiles of a log of 1M
//!   leaves.
//!
//! With `COUNTERSIGN_BENCH_FIGURES=1` the binary instead prints the figures
//! `bench/log.sh` reports: appends/s, p50/p99 append→checkpoint latency at
//! several loads, and proof sizes at 1M leaves.
//!
//! ```sh
//! cargo bench -p countersign-node --bench log
//! COUNTERSIGN_BENCH_FIGURES=1 cargo bench -p countersign-node --bench log
//! ```

// A benchmark panics on setup failures: that is a failed run.
#![allow(clippy::unwrap_used)]

mod common;

use common::{id, node, runtime};

use std::time::{Duration, Instant};

use countersign_node::Node;
use criterion::{Criterion, Throughput, criterion_group};

/// Appends `count` leaves with `in_flight` appends outstanding at a time;
/// returns the elapsed time and each append's latency (call to answer).
async fn load(node: &Node, start: u64, count: u64, in_flight: u64) -> (Duration, Vec<Duration>) {
    let began = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    let in_flight = in_flight.clamp(1, count.max(1));
    let (per, extra) = (count / in_flight, count % in_flight);
    let mut first = start;
    for w in 0..in_flight {
        let node = node.clone();
        let n = per + u64::from(w < extra);
        let from = first;
        first += n;
        workers.spawn(async move {
            let mut lat = Vec::with_capacity(n as usize);
            for k in 0..n {
                let t = Instant::now();
                node.log_append_synthetic(&id(from + k)).await.unwrap();
                lat.push(t.elapsed());
            }
            lat
        });
    }
    let mut all = Vec::with_capacity(count as usize);
    while let Some(l) = workers.join_next().await {
        all.extend(l.unwrap());
    }
    (began.elapsed(), all)
}

fn append(c: &mut Criterion) {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&rt, &tmp);
    let mut g = c.benchmark_group("log");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(25));
    const N: u64 = 100_000;
    g.throughput(Throughput::Elements(N));
    let mut next = 0u64;
    g.bench_function("append", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (t, _) = rt.block_on(load(&node, next, N, 8192));
                next += N;
                total += t;
            }
            total
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("append_to_checkpoint", |b| {
        b.iter(|| {
            next += 1;
            rt.block_on(node.log_append_synthetic(&id(next))).unwrap()
        })
    });
    g.finish();
}

fn prove(c: &mut Criterion) {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&rt, &tmp);
    rt.block_on(load(&node, 0, 1_000_000, 8192));
    let mut g = c.benchmark_group("log");
    let mut i = 0u64;
    g.bench_function("prove_1M", |b| {
        b.iter(|| {
            i = (i + 7919) % 1_000_000;
            rt.block_on(node.log_prove_index(i)).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, append, prove);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// The figures `bench/log.sh` prints, one `figure: name = value` line each.
fn figures() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&rt, &tmp);
    let mut next = 0u64;
    // Warm up the file and the caches.
    rt.block_on(load(&node, next, 50_000, 4096));
    next += 50_000;
    for in_flight in [1u64, 64, 1024, 8192, 16384] {
        let count = match in_flight {
            1 => 300,
            64 => 20_000,
            1024 => 100_000,
            _ => 250_000,
        };
        let (t, mut lat) = rt.block_on(load(&node, next, count, in_flight));
        next += count;
        lat.sort();
        println!(
            "figure: in_flight={in_flight} appends={count} appends_per_s={:.0} p50_ms={} p99_ms={} max_ms={}",
            count as f64 / t.as_secs_f64(),
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.99)),
            ms(percentile(&lat, 1.0)),
        );
    }
    // Grow to 1M leaves, then proof sizes.
    let size = 1_000_000;
    if next < size {
        rt.block_on(load(&node, next, size - next, 8192));
    }
    let cp = rt.block_on(node.log_sync()).unwrap();
    println!("figure: log_size={}", cp.size);
    let mut longest = 0;
    let mut text_bytes = 0;
    let t = Instant::now();
    let probes = 200u64;
    for k in 0..probes {
        // Spread over the tree, the last leaf included.
        let index = (k * (cp.size - 1)) / (probes - 1);
        let p = rt.block_on(node.log_prove_index(index)).unwrap();
        longest = longest.max(p.proof.len());
        text_bytes = text_bytes.max(p.to_text().len());
    }
    println!(
        "figure: inclusion_proof_hashes={longest} inclusion_proof_bytes={} tlog_proof_file_bytes={text_bytes} checkpoint_bytes={} prove_ms={}",
        longest * 32,
        cp.text.len(),
        ms(t.elapsed() / probes as u32),
    );
    let mut cons = 0;
    for k in 1..probes {
        let old = (k * cp.size) / probes + 1;
        cons = cons.max(
            rt.block_on(node.log_consistency(old, cp.size))
                .unwrap()
                .len(),
        );
    }
    println!(
        "figure: consistency_proof_hashes={cons} consistency_proof_bytes={}",
        cons * 32
    );
    let db = tmp.path().join("node/countersign.db");
    let wal = tmp.path().join("node/countersign.db-wal");
    let bytes = std::fs::metadata(&db).map_or(0, |m| m.len())
        + std::fs::metadata(&wal).map_or(0, |m| m.len());
    println!(
        "figure: database_bytes={bytes} bytes_per_entry={:.1}",
        bytes as f64 / cp.size as f64
    );
}

fn main() {
    if std::env::var("COUNTERSIGN_BENCH_FIGURES").is_ok_and(|v| v == "1") {
        figures();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
