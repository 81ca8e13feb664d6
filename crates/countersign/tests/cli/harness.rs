//! Running the binary and reading its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "command failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn fails(self, code: i32, needle: &str) -> Run {
        assert_eq!(
            self.code, code,
            "wrong exit code:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_countersign"))
}

pub fn run(args: &[&str]) -> Run {
    let out: Output = Command::new(bin())
        .args(args)
        .env_remove("COUNTERSIGN_DATA")
        .output()
        .expect("run countersign");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A data directory initialised for `party`; returns its path as a string.
pub fn init(tmp: &Path, party: &str) -> String {
    let dir = tmp.join(party);
    let dir_s = dir.to_str().unwrap().to_owned();
    run(&[
        "init",
        "--data",
        &dir_s,
        "--party",
        party,
        "--name",
        &format!("{party} authority"),
    ])
    .ok();
    dir_s
}

/// Two initialised nodes, the second's signed entry imported by the first
/// (so the first can notify the second). Returns both data directories.
pub fn init_pair(tmp: &Path, first: &str, second: &str) -> (String, String) {
    let a = init(tmp, first);
    let b = init(tmp, second);
    let entry = tmp.join(format!("{second}.json"));
    let entry = entry.to_str().unwrap();
    run(&["party", "export", "--data", &b, second, "--out", entry]).ok();
    run(&["party", "import", "--data", &a, entry]).ok();
    (a, b)
}

/// The notification count as `list notifications --json` reports it.
pub fn count(dir: &str) -> usize {
    run(&["list", "notifications", "--data", dir, "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .len()
}

/// Every file under a directory, for "nothing was written" checks.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn write(tmp: &Path, name: &str, text: &str) -> String {
    let p = tmp.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

/// A small valid STIX 2.1 bundle: an indicator and the observation behind it.
pub fn evidence_bundle() -> String {
    serde_json::json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {
                "type": "indicator", "spec_version": "2.1",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
                "name": "Scanner", "pattern": "[ipv4-addr:value = '198.51.100.7']",
                "pattern_type": "stix", "valid_from": "2026-11-20T08:00:00Z"
            },
            {
                "type": "observed-data", "spec_version": "2.1",
                "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
                "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
                "first_observed": "2026-11-20T06:00:00Z", "last_observed": "2026-11-20T07:00:00Z",
                "number_observed": 12,
                "object_refs": ["ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"]
            },
            {
                "type": "ipv4-addr", "spec_version": "2.1",
                "id": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db", "value": "198.51.100.7"
            }
        ]
    })
    .to_string()
}

/// A `countersign serve` process, killed when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` for `dir` on `listen`; returns once it prints its
/// address, with that address (`http://127.0.0.1:PORT`).
pub fn serve(dir: &str, listen: &str) -> (Server, String) {
    serve_with(dir, listen, &[])
}

/// [`serve`] with more arguments (`--tls-cert …`); the address then is
/// what the server prints (`https://…` over TLS).
pub fn serve_with(dir: &str, listen: &str, extra: &[&str]) -> (Server, String) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(bin())
        .args(["serve", "--data", dir, "--listen", listen])
        .args(extra)
        .env_remove("COUNTERSIGN_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("countersign listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    (Server(child), addr)
}

/// A loopback port free at this moment.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Adds a user of `party` with `role`; returns the password it was given
/// (printed once).
pub fn add_user(dir: &str, username: &str, party: &str, role: &str) -> String {
    let out = run(&[
        "user",
        "add",
        "--data",
        dir,
        "--username",
        username,
        "--party",
        party,
        "--role",
        role,
    ])
    .ok();
    out.stdout
        .trim()
        .rsplit_once("password: ")
        .map(|(_, p)| p.to_owned())
        .unwrap_or_else(|| panic!("no password in {:?}", out.stdout))
}
