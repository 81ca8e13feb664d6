//! A real `countersign` process appending to its log, killed with SIGKILL
//! at a random moment, again and again on one data directory (100 trials;
//! `COUNTERSIGN_SOAK=1` for 1,000). After each kill the directory is opened
//! again by `countersign log checkpoint` (a new process, which integrates
//! and publishes what the dead one committed) and then read in-process:
//! every entry whose append was acknowledged must be in the log at its
//! index, and the checkpoint must be consistent with every checkpoint the
//! killed process published and with the one of the trial before.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use countersign_core::ids::EnvelopeId;
use countersign_node::Node;
use countersign_node::datadir::DataDir;
use countersign_node::log::leaf_data;
use countersign_tlog::merkle::{Hash, MemoryTree, leaf_hash, verify_consistency};
use countersign_tlog::tile::{Bundle, decode_bundle_for, tiles_for_size};
use countersign_tlog::{Checkpoint, VerifierKey};

use super::harness::*;

/// xorshift64*: reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// What a killed torture process printed, complete lines only.
#[derive(Default)]
struct Printed {
    acked: Vec<(u64, EnvelopeId)>,
    published: Vec<(u64, Hash)>,
}

fn parse_lines(bytes: &[u8]) -> Printed {
    let mut p = Printed::default();
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        // A line cut by the kill was not acknowledged.
        let Some(line) = line.strip_suffix(b"\n") else {
            continue;
        };
        let line = std::str::from_utf8(line).unwrap();
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["checkpoint", size, root] => {
                let root: Hash = B64.decode(root).unwrap().try_into().unwrap();
                p.published.push((size.parse().unwrap(), root));
            }
            [index, id] => p
                .acked
                .push((index.parse().unwrap(), EnvelopeId::parse(id).unwrap())),
            _ => panic!("unexpected torture output {line:?}"),
        }
    }
    p
}

fn consistent(old: (u64, Hash), new: &Checkpoint, proof: &[Hash]) -> bool {
    match old.0 {
        0 => true,
        s if s == new.size => old.1 == new.root,
        s if s > new.size => false,
        s => verify_consistency(s, new.size, proof, &old.1, &new.root).is_ok(),
    }
}

/// Checks the reopened log: signature, acknowledged entries (those of
/// this trial, or all with `full`), consistency with earlier checkpoints.
async fn check(
    dir: &str,
    vkey: &VerifierKey,
    acked: &BTreeMap<u64, EnvelopeId>,
    new_acks: &[(u64, EnvelopeId)],
    earlier: &[(u64, Hash)],
    full: bool,
) -> Checkpoint {
    let node = Node::open(DataDir::new(dir)).await.unwrap();
    let text = node.log_checkpoint().await.unwrap();
    let (cp, _) = Checkpoint::open(&text, std::slice::from_ref(vkey)).unwrap();
    for (size, root) in earlier {
        let proof = if *size <= cp.size {
            node.log_consistency(*size, cp.size).await.unwrap()
        } else {
            Vec::new()
        };
        assert!(
            consistent((*size, *root), &cp, &proof),
            "checkpoint at size {} is not consistent with the published one at size {size}",
            cp.size
        );
    }
    // The bundles holding this trial's acknowledged entries (or all).
    let bundles: std::collections::BTreeSet<u64> = if full {
        (0..=cp.size >> 8).collect()
    } else {
        new_acks.iter().map(|(i, _)| i >> 8).collect()
    };
    let mut entries = BTreeMap::new();
    for b in bundles {
        let Some(bundle) = Bundle::at_size(b, cp.size) else {
            panic!(
                "acknowledged entries in bundle {b} beyond the log's size {}",
                cp.size
            );
        };
        let data = node.log_tile(&bundle.path()).await.unwrap().unwrap();
        for (k, e) in decode_bundle_for(&bundle, &data)
            .unwrap()
            .into_iter()
            .enumerate()
        {
            entries.insert(bundle.start() + k as u64, e);
        }
    }
    let wanted: Vec<(u64, EnvelopeId)> = if full {
        acked.iter().map(|(i, id)| (*i, *id)).collect()
    } else {
        new_acks.to_vec()
    };
    for (i, id) in wanted {
        assert_eq!(
            entries.get(&i),
            Some(&leaf_data(&id)),
            "acknowledged entry {i} ({id}) is not in the log of size {}",
            cp.size
        );
    }
    if full {
        let hashes: Vec<Hash> = (0..cp.size).map(|i| leaf_hash(&entries[&i])).collect();
        let tree = MemoryTree::from_leaf_hashes(&hashes);
        assert_eq!(
            tree.root(),
            cp.root,
            "the entries do not hash to the checkpoint's root"
        );
        for t in tiles_for_size(cp.size) {
            let data = node.log_tile(&t.path()).await.unwrap().unwrap();
            assert_eq!(
                data,
                countersign_tlog::tile::read_tile(&t, &tree).unwrap(),
                "{}",
                t.path()
            );
        }
    }
    cp
}

#[test]
fn sigkill_while_appending_loses_nothing_acknowledged() {
    let trials = if std::env::var("COUNTERSIGN_SOAK").is_ok_and(|v| v == "1") {
        1000
    } else {
        100
    };
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("sigkill test: {trials} trials, seed {seed}");
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "cert-a");
    let vkey =
        VerifierKey::parse(run(&["log", "vkey", "--data", &dir]).ok().stdout.trim()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut acked: BTreeMap<u64, EnvelopeId> = BTreeMap::new();
    let mut last: Option<(u64, Hash)> = None;
    let mut killed_mid_run = 0;
    for trial in 0..trials {
        let count = 50 + rng.below(3000);
        let concurrency = 1 + rng.below(256);
        let mut child = Command::new(bin())
            .args([
                "log",
                "torture",
                "--data",
                &dir,
                "--count",
                &count.to_string(),
            ])
            .args(["--concurrency", &concurrency.to_string()])
            .env_remove("COUNTERSIGN_DATA")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut r = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match r.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => all.extend(line),
                }
            }
            all
        });
        std::thread::sleep(Duration::from_millis(5 + rng.below(146)));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let printed = parse_lines(&reader.join().unwrap());
        for (i, id) in &printed.acked {
            if let Some(old) = acked.insert(*i, *id) {
                panic!("trial {trial}: index {i} acknowledged for {old} and for {id}");
            }
        }
        // A new process opens the directory: integrates and publishes.
        run(&["log", "checkpoint", "--data", &dir]).ok();
        let mut earlier = printed.published.clone();
        earlier.extend(last);
        let full = trial % 25 == 24 || trial + 1 == trials;
        let cp = rt.block_on(check(&dir, &vkey, &acked, &printed.acked, &earlier, full));
        last = Some((cp.size, cp.root));
    }
    eprintln!(
        "sigkill test: {trials} trials ({killed_mid_run} killed mid-run), {} entries acknowledged, \
         log size {}, {:.1} s",
        acked.len(),
        last.map_or(0, |l| l.0),
        started.elapsed().as_secs_f64()
    );
    assert!(
        killed_mid_run > trials / 2,
        "most trials should be killed while appending"
    );
}
