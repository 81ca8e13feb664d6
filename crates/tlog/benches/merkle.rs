//! Benchmarks of countersign-tlog (CONVENTIONS.md 11: benchmarks report
//! numbers, tests assert behaviour): RFC 9162 leaf and node hashing,
//! appending 1M leaves to a `CompactRange` and a `MemoryTree`, inclusion and
//! consistency proof generation and verification in a tree of 1M leaves,
//! signed-note signing and verification, checkpoint opening (with and
//! without cosignatures) and the witness decision.
//!
//! ```sh
//! cargo bench -p countersign-tlog --bench merkle -- --quick
//! ```

use std::hint::black_box;

use countersign_tlog::cosignature::verify_cosignature;
use countersign_tlog::merkle::{
    CompactRange, Hash, MemoryTree, leaf_hash, node_hash, verify_consistency, verify_inclusion,
};
use countersign_tlog::witness::{AddCheckpointRequest, KnownLog, decide};
use countersign_tlog::{Checkpoint, CosignerKey, SignerKey, open_note, sign_note};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Leaves in the big tree.
const N: u64 = 1_000_000;
/// Precomputed proofs cycled through by the verification benchmarks.
const PROOFS: usize = 1024;
const ORIGIN: &str = "bench.example/log";

/// xorshift64*: deterministic positions without a random-number crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn hashing(c: &mut Criterion) {
    let mut g = c.benchmark_group("hash");
    for len in [32usize, 256, 1024] {
        let data = vec![0xa5u8; len];
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_with_input(BenchmarkId::new("leaf", len), &data, |b, d| {
            b.iter(|| leaf_hash(black_box(d)))
        });
    }
    let (l, r) = ([1u8; 32], [2u8; 32]);
    g.throughput(Throughput::Elements(1));
    g.bench_function("node", |b| {
        b.iter(|| node_hash(black_box(&l), black_box(&r)))
    });
    g.finish();
}

fn appending(c: &mut Criterion) {
    let leaves = leaves(N);
    let mut g = c.benchmark_group("append_1M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    g.bench_function("compact_range", |b| {
        b.iter(|| {
            let mut r = CompactRange::new();
            for l in &leaves {
                r.push(*l).expect("a slice never fills the tree");
            }
            black_box(r.root())
        })
    });
    g.bench_function("memory_tree", |b| {
        b.iter(|| black_box(MemoryTree::from_leaf_hashes(&leaves).size()))
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    let leaves = leaves(N);
    let tree = MemoryTree::from_leaf_hashes(&leaves);
    let root = tree.root();
    let mut rng = Rng(0x5eed);
    let inclusion: Vec<(u64, Vec<Hash>)> = (0..PROOFS)
        .map(|_| {
            let i = rng.below(N);
            (i, tree.inclusion_proof(i, N).expect("index below size"))
        })
        .collect();
    let consistency: Vec<(u64, Hash, Vec<Hash>)> = (0..PROOFS)
        .map(|_| {
            let m = 1 + rng.below(N - 1);
            let old_root = tree.root_at(m).expect("size within tree");
            (
                m,
                old_root,
                tree.consistency_proof(m, N).expect("sizes in order"),
            )
        })
        .collect();

    let mut g = c.benchmark_group("proof_1M");
    g.throughput(Throughput::Elements(1));
    g.bench_function("inclusion_generate", |b| {
        let mut rng = Rng(1);
        b.iter(|| tree.inclusion_proof(rng.below(N), N))
    });
    g.bench_function("inclusion_verify", |b| {
        let mut k = 0;
        b.iter(|| {
            let (i, p) = &inclusion[k % PROOFS];
            k += 1;
            verify_inclusion(*i, N, &leaves[*i as usize], p, &root)
        })
    });
    g.bench_function("consistency_generate", |b| {
        let mut rng = Rng(2);
        b.iter(|| tree.consistency_proof(1 + rng.below(N - 1), N))
    });
    g.bench_function("consistency_verify", |b| {
        let mut k = 0;
        b.iter(|| {
            let (m, old_root, p) = &consistency[k % PROOFS];
            k += 1;
            verify_consistency(*m, N, p, old_root, &root)
        })
    });
    g.bench_function("root_at", |b| {
        let mut rng = Rng(3);
        b.iter(|| tree.root_at(1 + rng.below(N)))
    });
    g.finish();
}

fn notes(c: &mut Criterion) {
    let log = SignerKey::from_seed(ORIGIN, [1; 32]).expect("valid name");
    let witnesses: Vec<CosignerKey> = (0..3u8)
        .map(|i| CosignerKey::from_seed(&format!("bench.example/w{i}"), [10 + i; 32]))
        .collect::<Result<_, _>>()
        .expect("valid names");
    let mut tree = MemoryTree::from_leaf_hashes(&leaves(1024));
    let old = tree.size();
    let old_root = tree.root();
    for l in leaves(1100).into_iter().skip(1024) {
        tree.push(l);
    }
    let cp = Checkpoint::new(ORIGIN, tree.size(), tree.root());
    let text = cp.to_text();
    let signed = cp.sign(&[&log]).expect("valid checkpoint");
    let mut cosigned = signed.clone();
    for w in &witnesses {
        let line = w.cosign(&text, 1_700_000_000).expect("valid text");
        cosigned.push_str(&line.to_line());
    }
    let log_keys = vec![log.verifier_key()];
    let mut all_keys = log_keys.clone();
    all_keys.extend(witnesses.iter().map(CosignerKey::verifier_key));
    let cosig = witnesses[0].cosign(&text, 1).expect("valid text");
    let w0 = witnesses[0].verifier_key();
    let req = AddCheckpointRequest {
        old_size: old,
        proof: tree
            .consistency_proof(old, tree.size())
            .expect("sizes in order"),
        checkpoint: signed.clone(),
    };
    let body = req.to_body();
    let known = KnownLog::new(ORIGIN, log_keys.clone());

    let mut g = c.benchmark_group("note");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sign", |b| b.iter(|| sign_note(black_box(&text), &[&log])));
    g.bench_function("open_1_sig", |b| {
        b.iter(|| open_note(black_box(&signed), &log_keys))
    });
    g.bench_function("cosign", |b| {
        b.iter(|| witnesses[0].cosign(black_box(&text), 1))
    });
    g.bench_function("verify_cosignature", |b| {
        b.iter(|| verify_cosignature(&w0, black_box(&text), &cosig))
    });
    g.finish();

    let mut g = c.benchmark_group("checkpoint");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse", |b| b.iter(|| Checkpoint::parse(black_box(&text))));
    g.bench_function("open_log_key", |b| {
        b.iter(|| Checkpoint::open(black_box(&signed), &log_keys))
    });
    g.bench_function("open_log_key_and_3_cosigners", |b| {
        b.iter(|| Checkpoint::open(black_box(&cosigned), &all_keys))
    });
    g.bench_function("witness_parse_and_decide", |b| {
        b.iter(|| {
            let req = AddCheckpointRequest::parse(black_box(&body)).expect("valid body");
            decide(&req, &known, Some((old, old_root)))
        })
    });
    g.finish();
}

criterion_group!(benches, hashing, appending, proofs, notes);
criterion_main!(benches);
