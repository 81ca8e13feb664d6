//! Federation with real processes on 127.0.0.1: B runs `countersign
//! serve`; A's `notify` delivers at once, and A's stored receipt verifies
//! offline with `countersign verify` and B's public keys only.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::harness::*;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` for `dir` on `listen`; returns once it prints its address.
fn serve(dir: &str, listen: &str) -> (Server, String) {
    let mut child = Command::new(bin())
        .args(["serve", "--data", dir, "--listen", listen])
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

#[test]
fn notify_delivers_and_the_receipt_verifies_offline() {
    let tmp = tempfile::tempdir().unwrap();
    // A free loopback port for B, named in B's directory entry.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let a_port = free_port();
    let a_dir = tmp.path().join("cert-aurelia");
    let a = a_dir.to_str().unwrap().to_owned();
    run(&[
        "init",
        "--data",
        &a,
        "--party",
        "cert-aurelia",
        "--name",
        "Aurelia CERT",
        "--endpoint",
        &format!("http://127.0.0.1:{a_port}"),
    ])
    .ok();
    let b_dir = tmp.path().join("ncsc-borealis");
    let b = b_dir.to_str().unwrap().to_owned();
    run(&[
        "init",
        "--data",
        &b,
        "--party",
        "ncsc-borealis",
        "--name",
        "Borealis NCSC",
        "--endpoint",
        &endpoint,
    ])
    .ok();
    let b_entry_text = run(&["party", "export", "--data", &b, "ncsc-borealis"])
        .ok()
        .stdout;
    let b_entry = write(tmp.path(), "b.json", &b_entry_text);
    let a_entry = write(
        tmp.path(),
        "a.json",
        &run(&["party", "export", "--data", &a, "cert-aurelia"])
            .ok()
            .stdout,
    );
    run(&["party", "import", "--data", &a, &b_entry]).ok();
    run(&["party", "import", "--data", &b, &a_entry]).ok();
    let (_server, addr) = serve(&b, &format!("127.0.0.1:{port}"));
    assert_eq!(addr, endpoint);

    let out = run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "ncsc-borealis",
        "--title",
        "Scanning from your network",
        "--category",
        "other/undetermined",
    ])
    .ok();
    let id = out.stdout.trim().to_owned();
    assert!(
        out.stderr.contains("ncsc-borealis: delivered"),
        "{}",
        out.stderr
    );
    let outbox = run(&["outbox", "--data", &a, "--json"]).ok().json();
    assert_eq!(outbox[0]["state"], "delivered", "{outbox}");
    assert_eq!(outbox[0]["envelope"], id.as_str());

    let receipt = tmp.path().join("receipt.json");
    let receipt_s = receipt.to_str().unwrap();
    run(&["receipt", "--data", &a, "--id", &id, "--out", receipt_s]).ok();
    let entry: serde_json::Value = serde_json::from_str(&b_entry_text).unwrap();
    let party_key = entry["envelope"]["body"]["keys"][0]["vkey"]
        .as_str()
        .unwrap();
    let log_key = entry["envelope"]["body"]["log_vkey"].as_str().unwrap();
    let v = run(&[
        "verify",
        receipt_s,
        "--key",
        party_key,
        "--log-key",
        log_key,
    ])
    .ok();
    assert!(
        v.stdout.contains(&format!("received envelope {id}")),
        "{}",
        v.stdout
    );
    // A's key is not B's: refused.
    let a_key = run(&["log", "vkey", "--data", &a]).ok().stdout;
    let bad = run(&[
        "verify",
        receipt_s,
        "--key",
        party_key,
        "--log-key",
        a_key.trim(),
    ]);
    assert_ne!(bad.code, 0, "{}", bad.stdout);
    // B holds the notification once, as received.
    assert_eq!(count(&b), 1);

    // B answers; A's server receives the reply and countersigns it.
    let (_a_server, _) = serve(&a, &format!("127.0.0.1:{a_port}"));
    let out = run(&[
        "reply",
        "--data",
        &b,
        "--notification",
        &id,
        "--kind",
        "findings",
        "--text",
        "A compromised host; cleaned.",
    ])
    .ok();
    assert!(
        out.stderr.contains("cert-aurelia: delivered"),
        "{}",
        out.stderr
    );
    let reply_id = out.stdout.trim().to_owned();
    let receipt = tmp.path().join("reply-receipt.json");
    run(&[
        "receipt",
        "--data",
        &b,
        "--id",
        &reply_id,
        "--out",
        receipt.to_str().unwrap(),
    ])
    .ok();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A node whose data directory was copied and then diverged shows two
/// histories; a peer witness cosigns the first and keeps both signed
/// checkpoints as split-view evidence when the second arrives.
#[test]
fn a_forked_log_is_caught_by_a_peer_witness() {
    let tmp = tempfile::tempdir().unwrap();
    let w_port = free_port();
    let w = tmp.path().join("ncsc-witness");
    let w = w.to_str().unwrap().to_owned();
    run(&[
        "init",
        "--data",
        &w,
        "--party",
        "ncsc-witness",
        "--name",
        "Witness NCSC",
        "--endpoint",
        &format!("http://127.0.0.1:{w_port}"),
    ])
    .ok();
    let a = init(tmp.path(), "cert-aurelia");
    let w_entry = write(
        tmp.path(),
        "w.json",
        &run(&["party", "export", "--data", &w, "ncsc-witness"])
            .ok()
            .stdout,
    );
    let a_entry = write(
        tmp.path(),
        "a.json",
        &run(&["party", "export", "--data", &a, "cert-aurelia"])
            .ok()
            .stdout,
    );
    run(&["party", "import", "--data", &a, &w_entry]).ok();
    run(&["party", "import", "--data", &w, &a_entry]).ok();

    // The copy: same keys, same log, then each appends something else.
    let a2 = tmp.path().join("copy").to_str().unwrap().to_owned();
    let status = std::process::Command::new("cp")
        .args(["-r", &a, &a2])
        .status()
        .unwrap();
    assert!(status.success());
    for (dir, title) in [(&a, "the original"), (&a2, "the copy")] {
        run(&[
            "notify",
            "--data",
            dir,
            "--no-deliver",
            "--to",
            "ncsc-witness",
            "--title",
            title,
            "--category",
            "other/undetermined",
        ])
        .ok();
    }

    let (_server, _) = serve(&w, &format!("127.0.0.1:{w_port}"));
    let first = run(&["log", "witness", "--data", &a]).ok();
    assert!(first.stdout.contains("cosigned size"), "{}", first.stdout);
    let cosigs = run(&["log", "cosignatures", "--data", &a, "--json"])
        .ok()
        .json();
    assert_eq!(cosigs.as_array().unwrap().len(), 1, "{cosigs}");
    assert!(
        cosigs[0]["witness"]
            .as_str()
            .unwrap()
            .starts_with("countersign/ncsc-witness/witness"),
        "{cosigs}"
    );

    let second = run(&["log", "witness", "--data", &a2]).ok();
    assert!(second.stdout.contains("refused"), "{}", second.stdout);
    let views = run(&["log", "split-views", "--data", &w]).ok().stdout;
    assert!(
        views.contains("SPLIT VIEW of countersign/cert-aurelia"),
        "{views}"
    );
    // Both signed checkpoints are kept.
    assert_eq!(
        views.matches("— countersign/cert-aurelia ").count(),
        2,
        "{views}"
    );
}

/// Two nodes that know each other's entries, each with a fixed loopback
/// port named as its endpoint.
struct Federation {
    _tmp: tempfile::TempDir,
    a: String,
    b: String,
    a_port: u16,
    b_port: u16,
}

fn federation() -> Federation {
    let tmp = tempfile::tempdir().unwrap();
    let (a_port, b_port) = (free_port(), free_port());
    let mut dirs = Vec::new();
    for (party, port) in [("cert-aurelia", a_port), ("ncsc-borealis", b_port)] {
        let dir = tmp.path().join(party).to_str().unwrap().to_owned();
        run(&[
            "init",
            "--data",
            &dir,
            "--party",
            party,
            "--name",
            party,
            "--endpoint",
            &format!("http://127.0.0.1:{port}"),
        ])
        .ok();
        dirs.push(dir);
    }
    let (a, b) = (dirs[0].clone(), dirs[1].clone());
    for (from, party, to) in [(&a, "cert-aurelia", &b), (&b, "ncsc-borealis", &a)] {
        let entry = write(
            tmp.path(),
            &format!("{party}.json"),
            &run(&["party", "export", "--data", from, party]).ok().stdout,
        );
        run(&["party", "import", "--data", to, &entry]).ok();
    }
    Federation {
        _tmp: tmp,
        a,
        b,
        a_port,
        b_port,
    }
}

fn notify_queued(dir: &str, title: &str) -> String {
    run(&[
        "notify",
        "--data",
        dir,
        "--no-deliver",
        "--to",
        "ncsc-borealis",
        "--title",
        title,
        "--category",
        "other/undetermined",
    ])
    .ok()
    .stdout
    .trim()
    .to_owned()
}

/// Waits until every delivery of `dir` is `delivered`; panics on `failed`
/// or after `secs`.
fn wait_delivered(dir: &str, want: usize, secs: u64) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let outbox = run(&["outbox", "--data", dir, "--json"]).ok().json();
        let rows = outbox.as_array().unwrap();
        assert!(
            rows.iter().all(|r| r["state"] != "failed"),
            "a delivery failed: {outbox}"
        );
        if rows.len() == want && rows.iter().all(|r| r["state"] == "delivered") {
            return outbox;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all delivered after {secs} s: {outbox}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The receipt `dir` holds for `id`, as its envelope id.
fn receipt_id(dir: &str, id: &str) -> String {
    let text = run(&["receipt", "--data", dir, "--id", id]).ok().stdout;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let json = serde_json::to_string(&v).unwrap();
    let signed = countersign_core::envelope::SignedEnvelope::from_json(&json).unwrap();
    signed.id().to_string()
}

#[test]
fn the_outbox_drains_when_the_receiver_comes_back() {
    let f = federation();
    let (_a, _) = serve(&f.a, &format!("127.0.0.1:{}", f.a_port));
    let ids: Vec<String> = (0..5)
        .map(|i| notify_queued(&f.a, &format!("while B is down {i}")))
        .collect();
    // B is down: the server's worker tries and backs off.
    std::thread::sleep(std::time::Duration::from_millis(700));
    let outbox = run(&["outbox", "--data", &f.a, "--json"]).ok().json();
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "queued"),
        "{outbox}"
    );
    let (_b, _) = serve(&f.b, &format!("127.0.0.1:{}", f.b_port));
    wait_delivered(&f.a, ids.len(), 30);
    assert_eq!(count(&f.b), ids.len());
    for id in &ids {
        assert_eq!(receipt_id(&f.a, id), receipt_id(&f.b, id));
    }
}

/// How many notifications `dir` holds, all pages.
fn count_all(dir: &str) -> usize {
    run(&[
        "list",
        "notifications",
        "--data",
        dir,
        "--json",
        "--limit",
        "100000",
    ])
    .ok()
    .json()
    .as_array()
    .unwrap()
    .len()
}

/// A tiny deterministic generator, so a failing run can be replayed from
/// its printed seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn sigkill_of_sender_or_receiver_loses_nothing_and_applies_nothing_twice() {
    let trials: usize = if std::env::var_os("COUNTERSIGN_SOAK").is_some() {
        300
    } else {
        50
    };
    let seed = std::env::var("COUNTERSIGN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("COUNTERSIGN_SEED={seed}");
    let mut rng = Lcg(seed);
    let f = federation();
    let a_listen = format!("127.0.0.1:{}", f.a_port);
    let b_listen = format!("127.0.0.1:{}", f.b_port);
    let mut a = Some(serve(&f.a, &a_listen).0);
    let mut b = Some(serve(&f.b, &b_listen).0);
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for trial in 0..trials {
        ids.push(notify_queued(&f.a, &format!("trial {trial}")));
        std::thread::sleep(std::time::Duration::from_millis(rng.next(40)));
        // SIGKILL (Child::kill) one side at a random point, then restart it.
        if rng.next(2) == 0 {
            drop(a.take());
            a = Some(serve(&f.a, &a_listen).0);
        } else {
            drop(b.take());
            b = Some(serve(&f.b, &b_listen).0);
        }
    }
    let outbox = wait_delivered(&f.a, ids.len(), 60);
    eprintln!(
        "{trials} trials with SIGKILL in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Nothing lost, nothing applied twice: B stored each notification
    // once, and each has exactly one receipt, the same on both sides.
    assert_eq!(count_all(&f.b), ids.len(), "seed {seed}");
    let mut receipts = std::collections::BTreeSet::new();
    for row in outbox.as_array().unwrap() {
        let id = row["envelope"].as_str().unwrap();
        let r = row["receipt"].as_str().unwrap().to_owned();
        assert_eq!(receipt_id(&f.b, id), r, "seed {seed}");
        assert!(receipts.insert(r), "one receipt per notification");
    }
}
