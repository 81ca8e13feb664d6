//! The transparency-dev/merkle inclusion and consistency probes in
//! `shared/testdata/merkle`: every file must agree with its `wantErr`.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use countersign_tlog::merkle::{verify_consistency, verify_inclusion};
use serde::Deserialize;

const PROBES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/merkle"
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct InclusionProbe {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConsistencyProbe {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

fn b64(s: &str) -> Result<Vec<u8>, String> {
    B64.decode(s).map_err(|e| format!("base64 {s:?}: {e}"))
}

fn b64_all(v: &Option<Vec<String>>) -> Result<Vec<Vec<u8>>, String> {
    v.iter().flatten().map(|s| b64(s)).collect()
}

/// Runs `check` on every probe file of a family and reports every
/// disagreement with its file name at once.
fn run_family<T: for<'de> Deserialize<'de>>(
    family: &str,
    check: impl Fn(&T) -> (bool, String, Result<(), String>),
) {
    let root = Path::new(PROBES).join(family);
    let mut files = Vec::new();
    json_files(&root, &mut files);
    assert!(
        files.len() >= 90,
        "only {} {family} probes under {}",
        files.len(),
        root.display()
    );
    let mut failures = Vec::new();
    for f in &files {
        let name = f.strip_prefix(PROBES).unwrap_or(f).display().to_string();
        let probe: T = match std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
        {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: unreadable: {e}"));
                continue;
            }
        };
        let (want_err, desc, got) = check(&probe);
        match (want_err, got) {
            (true, Ok(())) => failures.push(format!("{name} ({desc}): accepted, want error")),
            (false, Err(e)) => failures.push(format!("{name} ({desc}): rejected: {e}")),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {family} probes disagree:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn inclusion_probes() {
    run_family::<InclusionProbe>("inclusion", |p| {
        let got = (|| {
            let proof = b64_all(&p.proof)?;
            verify_inclusion(
                p.leaf_idx,
                p.tree_size,
                &b64(&p.leaf_hash)?,
                &proof,
                &b64(&p.root)?,
            )
            .map_err(|e| e.to_string())
        })();
        (p.want_err, p.desc.clone(), got)
    });
}

#[test]
fn consistency_probes() {
    run_family::<ConsistencyProbe>("consistency", |p| {
        let got = (|| {
            let proof = b64_all(&p.proof)?;
            verify_consistency(p.size1, p.size2, &proof, &b64(&p.root1)?, &b64(&p.root2)?)
                .map_err(|e| e.to_string())
        })();
        (p.want_err, p.desc.clone(), got)
    });
}
