//! Receipt-proof benchmark: what `Node::log_prove_index` costs in the
//! receiver's pattern, where every inbox batch appends 64 leaves and then
//! proves each of them against the checkpoint that covers them.
//!
//! For logs of 10k, 100k and 1M leaves (real SQLite store in a temporary
//! directory, default batching) it runs rounds of: append 64 leaves
//! concurrently (untimed), then prove the 64 new indexes, once one after
//! the other and once all at once as concurrent tasks (as the batch inbox
//! does). Then it proves the last 64 for a second and reads the process
//! CPU time (all threads, from `/proc/self/task/*/schedstat`), so the
//! figure is the CPU a proof costs, blocking-pool threads included, not
//! only its wall time. One `figure:` line per size. A plain program rather
//! than criterion:
//! the untimed appends dominate a round and would make criterion's
//! iteration planning take minutes (CONVENTIONS.md 11: benchmarks are
//! programs that report numbers).
//!
//! ```sh
//! cargo bench -p countersign-node --bench prove
//! COUNTERSIGN_BENCH_SIZES=10000,1000000 cargo bench -p countersign-node --bench prove
//! ```

// A benchmark panics on setup failures: that is a failed run.
#![allow(clippy::unwrap_used)]

mod common;

use common::{id, node, runtime};

use std::time::{Duration, Instant};

use countersign_node::Node;
use tokio::runtime::Runtime;

/// Leaves a round appends and proves: one inbox batch.
const BATCH: u64 = 64;

/// Appends leaves `start..start + count`, `in_flight` at a time; returns
/// their indexes.
async fn append(node: &Node, start: u64, count: u64, in_flight: u64) -> Vec<u64> {
    let mut out = Vec::with_capacity(count as usize);
    let mut next = start;
    while next < start + count {
        let end = (next + in_flight).min(start + count);
        let mut set = tokio::task::JoinSet::new();
        for n in next..end {
            let node = node.clone();
            set.spawn(async move { node.log_append_synthetic(&id(n)).await.unwrap() });
        }
        while let Some(i) = set.join_next().await {
            out.push(i.unwrap());
        }
        next = end;
    }
    out
}

/// CPU time of every thread of this process so far.
fn process_cpu() -> Duration {
    let mut ns = 0u64;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
                ns += s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
            }
        }
    }
    Duration::from_nanos(ns)
}

#[derive(Default)]
struct Tally {
    proofs: u64,
    wall: Duration,
}

impl Tally {
    fn per_s(&self) -> f64 {
        self.proofs as f64 / self.wall.as_secs_f64()
    }
}

/// Proves `indexes`, one after the other or all at once as tasks.
fn prove(rt: &Runtime, node: &Node, indexes: &[u64], concurrent: bool) -> usize {
    rt.block_on(async {
        let mut bytes = 0;
        if concurrent {
            let mut set = tokio::task::JoinSet::new();
            for &i in indexes {
                let node = node.clone();
                set.spawn(async move { node.log_prove_index(i).await.unwrap() });
            }
            while let Some(p) = set.join_next().await {
                bytes = p.unwrap().proof.len() * 32;
            }
        } else {
            for &i in indexes {
                bytes = node.log_prove_index(i).await.unwrap().proof.len() * 32;
            }
        }
        bytes
    })
}

fn measure(size: u64, rounds: u64) {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&rt, &tmp);
    rt.block_on(append(&node, 0, size, 8192));
    let mut next = size;
    let (mut seq, mut conc) = (Tally::default(), Tally::default());
    let mut proof_bytes = 0;
    let mut last = Vec::new();
    // Latency: the leaves of each round are proved right after they were
    // appended (the first way of a round meets them first: alternate).
    for round in 0..rounds {
        last = rt.block_on(append(&node, next, BATCH, BATCH));
        next += BATCH;
        for concurrent in [round % 2 == 0, round % 2 == 1] {
            let t0 = Instant::now();
            proof_bytes = prove(&rt, &node, &last, concurrent);
            let tally = if concurrent { &mut conc } else { &mut seq };
            tally.wall += t0.elapsed();
            tally.proofs += BATCH;
        }
    }
    // CPU: the scheduler's per-thread counters move at ticks and context
    // switches, so they are read over one window of at least a second of
    // proofs (64 concurrent tasks at a time, as the batch inbox runs them)
    // rather than per round.
    let (cpu0, t0) = (process_cpu(), Instant::now());
    let mut proofs = 0u64;
    while t0.elapsed() < Duration::from_secs(1) {
        prove(&rt, &node, &last, true);
        proofs += BATCH;
    }
    let cpu_us = process_cpu().saturating_sub(cpu0).as_secs_f64() * 1e6 / proofs as f64;
    println!(
        "figure: log_size={size} rounds={rounds} proof_bytes={proof_bytes} \
         just_appended_sequential_proofs_per_s={:.0} just_appended_concurrent_proofs_per_s={:.0} \
         cpu_us_per_proof={cpu_us:.1} (over {proofs} concurrent proofs)",
        seq.per_s(),
        conc.per_s(),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; this program has no options.
    let sizes: Vec<u64> = std::env::var("COUNTERSIGN_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    let rounds = std::env::var("COUNTERSIGN_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    for size in sizes {
        measure(size, rounds);
    }
}
