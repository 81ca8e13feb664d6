//! Interop with the reference tools: taxii2-client 2.3.0 walks every
//! TAXII endpoint of our server on a real socket (127.0.0.1, port 0), and
//! stix2-validator 3.2.0 checks every STIX object it serves, including a
//! notification's evidence. The Python side is `tests/interop/taxii_walk.py`.
//!
//! Skipped, with a notice, unless `COUNTERSIGN_INTEROP_VENV` names a venv
//! with the pinned tools (`./test.sh` creates it).

use std::path::PathBuf;

use crate::common::{PASSWORD, TestApp, evidence, notification};

/// The venv's Python, or `None` (with a printed notice) to skip.
pub fn interop_python(test: &str) -> Option<PathBuf> {
    match std::env::var_os("COUNTERSIGN_INTEROP_VENV") {
        Some(venv) => Some(PathBuf::from(venv).join("bin").join("python")),
        None => {
            eprintln!(
                "SKIPPED {test}: set COUNTERSIGN_INTEROP_VENV to a venv with taxii2-client 2.3.0, \
                 stix2 3.0.2 and stix2-validator 3.2.0 (./test.sh does)"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taxii2_client_walks_every_endpoint_and_stix2_validator_accepts_everything() {
    let Some(python) = interop_python("taxii interop") else {
        return;
    };
    let t = TestApp::new().await;
    // Evidence of notifications at two levels, so there is something of
    // ours to validate besides what the client posts.
    for tlp in ["green", "amber"] {
        let mut body = notification(&format!("Interop {tlp}"), tlp);
        body["evidence"] = evidence();
        t.notify(&t.analyst_a, &body).await;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = t.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/taxii_walk.py");
    let run = |user: &'static str, mode: &'static str| {
        let (python, script, base) = (python.clone(), script.clone(), base.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(python)
                .arg(script)
                .args([base.as_str(), user, PASSWORD, mode])
                .output()
                .unwrap()
        })
    };
    let mut failed = Vec::new();
    for (user, mode) in [
        ("analyst@cert-a", "walk"),
        ("analyst@cert-b", "validate-only"),
    ] {
        let out = run(user, mode).await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{user} {mode}: {stdout}");
        if !out.status.success() {
            failed.push(format!("{user} {mode} failed:\n{stdout}\n{stderr}"));
        }
    }
    server.abort();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
