//! Tidy checks that run as tests (CONVENTIONS.md 10): every source file
//! says what it is, every crate is described in the architecture document.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn crates() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    v.sort();
    v
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let mut missing = Vec::new();
    for krate in crates() {
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            if !text.trim_start().starts_with("//!") {
                missing.push(f.strip_prefix(workspace()).unwrap().display().to_string());
            }
        }
    }
    assert!(missing.is_empty(), "files without a //! doc: {missing:#?}");
}

#[test]
fn every_crate_is_in_the_architecture_document() {
    let doc = std::fs::read_to_string(workspace().join("docs/architecture.md")).unwrap();
    let missing: Vec<String> = crates()
        .iter()
        .map(|c| format!("crates/{}", c.file_name().unwrap().to_str().unwrap()))
        .filter(|c| !doc.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "crates without a section in docs/architecture.md: {missing:?}"
    );
}

#[test]
fn library_crates_do_not_print() {
    // Libraries log through `tracing` (filtered, never secrets) or return
    // values; only the binary talks to the terminal.
    let mut offenders = Vec::new();
    for krate in crates().iter().filter(|c| !c.ends_with("countersign")) {
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            if code.contains("println!(") || code.contains("eprintln!(") || code.contains("dbg!(") {
                offenders.push(f.strip_prefix(workspace()).unwrap().display().to_string());
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "library code that prints: {offenders:?}"
    );
}
