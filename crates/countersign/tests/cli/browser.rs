//! The browser test (issue 5): two real `countersign serve` nodes on
//! 127.0.0.1 that know each other, an analyst on each, and
//! `browser/e2e.mjs` driving Debian's Chromium headless through
//! playwright-core against them: file with an evidence file on A, reply
//! with findings on B, rate on A, see the scorecard change, open the HTML
//! report. It needs `/usr/bin/chromium` (or `COUNTERSIGN_CHROMIUM`), Node.js
//! and `browser/node_modules`; `./test.sh` installs them, and without them
//! this test fails saying what is missing (a skipped browser test would
//! look green while proving nothing).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::harness::*;

/// The whole browser run may take this long before it is killed.
const NODE_TIMEOUT: Duration = Duration::from_secs(120);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the browser test needs, or a message naming what is missing.
fn prerequisites(root: &Path) -> Result<PathBuf, String> {
    let chromium = std::env::var_os("COUNTERSIGN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let mut missing = Vec::new();
    if !chromium.is_file() {
        missing.push(format!(
            "{} (Debian's chromium: apt-get install -y chromium)",
            chromium.display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node (Node.js 20 or newer: apt-get install -y nodejs npm)".to_owned());
    }
    if !root.join("browser/node_modules/playwright-core").is_dir() {
        missing.push("browser/node_modules/playwright-core (cd browser && npm ci)".to_owned());
    }
    if missing.is_empty() {
        Ok(chromium)
    } else {
        Err(format!(
            "the browser test cannot run; missing: {}. ./test.sh installs all of it.",
            missing.join("; ")
        ))
    }
}

/// An initialised node serving on a fresh loopback port, and an analyst.
struct Site {
    dir: String,
    party: &'static str,
    url: String,
    port: u16,
    user: String,
    password: String,
}

fn site(tmp: &Path, party: &'static str) -> Site {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tmp.join(party).to_str().unwrap().to_owned();
    run(&[
        "init",
        "--data",
        &dir,
        "--party",
        party,
        "--name",
        &format!("{party} authority"),
        "--endpoint",
        &url,
    ])
    .ok();
    let user = format!("analyst@{party}");
    let password = add_user(&dir, &user, party, "analyst");
    Site {
        dir,
        party,
        url,
        port,
        user,
        password,
    }
}

/// A STIX bundle for B's findings: the host it found, sighted.
fn findings_bundle() -> String {
    serde_json::json!({
        "type": "bundle",
        "id": "bundle--0f6a3c44-8f1e-4b7e-9a53-2f3f0c7d9e11",
        "objects": [
            {
                "type": "ipv4-addr", "spec_version": "2.1",
                "id": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db", "value": "198.51.100.7"
            },
            {
                "type": "note", "spec_version": "2.1",
                "id": "note--6b0f7c8e-1c3d-4a8e-b1a1-3e9c2d5f7a10",
                "created": "2026-11-21T08:00:00.000Z", "modified": "2026-11-21T08:00:00.000Z",
                "content": "Host compromised through a reused password; reimaged.",
                "object_refs": ["ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"]
            }
        ]
    })
    .to_string()
}

#[test]
fn file_reply_rate_and_see_the_scorecard_in_chromium() {
    let root = workspace();
    let chromium = match prerequisites(&root) {
        Ok(c) => c,
        Err(message) => panic!("{message}"),
    };
    let tmp = tempfile::tempdir().unwrap();
    let a = site(tmp.path(), "cert-aurelia");
    let b = site(tmp.path(), "ncsc-borealis");
    // Each imports the other's signed directory entry.
    for (from, to) in [(&a, &b), (&b, &a)] {
        let entry = tmp.path().join(format!("{}.json", from.party));
        let entry = entry.to_str().unwrap();
        run(&[
            "party", "export", "--data", &from.dir, from.party, "--out", entry,
        ])
        .ok();
        run(&["party", "import", "--data", &to.dir, entry]).ok();
    }
    let (_a_server, _) = serve(&a.dir, &format!("127.0.0.1:{}", a.port));
    let (_b_server, _) = serve(&b.dir, &format!("127.0.0.1:{}", b.port));
    let evidence = write(tmp.path(), "evidence.json", &evidence_bundle());
    let findings = write(tmp.path(), "findings.json", &findings_bundle());
    let artifacts = root.join("target/browser");

    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(root.join("browser/e2e.mjs"))
        .current_dir(root.join("browser"))
        .env("COUNTERSIGN_CHROMIUM", &chromium)
        .env("CS_A_URL", &a.url)
        .env("CS_A_USER", &a.user)
        .env("CS_A_PASSWORD", &a.password)
        .env("CS_A_PARTY", a.party)
        .env("CS_A_DATA", &a.dir)
        .env("CS_B_URL", &b.url)
        .env("CS_B_USER", &b.user)
        .env("CS_B_PASSWORD", &b.password)
        .env("CS_B_PARTY", b.party)
        .env("CS_EVIDENCE_FILE", &evidence)
        .env("CS_REPLY_EVIDENCE_FILE", &findings)
        .env("CS_BIN", bin())
        .env("CS_ARTIFACTS", &artifacts)
        .env_remove("COUNTERSIGN_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    // Read both pipes on threads so a chatty run cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out_pipe.read_to_string(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > NODE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = out_thread.join().unwrap();
    let stderr = err_thread.join().unwrap();
    let ok = status.is_some_and(|s| s.success());
    assert!(
        ok,
        "browser/e2e.mjs {} after {:?} (screenshots in {}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        status.map_or("timed out".to_owned(), |s| format!("failed ({s})")),
        started.elapsed(),
        artifacts.display()
    );
    eprintln!("{stdout}");
}
