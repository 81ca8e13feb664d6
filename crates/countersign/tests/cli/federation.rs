//! Federation with real processes on 127.0.0.1: B runs `countersign
//! serve`; A's `notify` delivers at once, and A's stored receipt verifies
//! offline with `countersign verify` and B's public keys only.

use super::harness::*;

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

/// The size of `dir`'s log, from its latest checkpoint (second line).
fn log_size(dir: &str) -> u64 {
    let text = run(&["log", "checkpoint", "--data", dir]).ok().stdout;
    text.lines().nth(1).unwrap().parse().unwrap()
}

/// Communication checks between real processes: with B down, A's ping
/// fails with the transport's reason and is counted; with B up, it
/// succeeds with a round-trip time, and the counters, `party show` and B's
/// record of being pinged agree. Pings are logged on neither side.
#[test]
fn ping_counts_failures_while_the_receiver_is_down_and_records_the_round_trip() {
    let f = federation();
    let sizes = (log_size(&f.a), log_size(&f.b));
    let down = run(&["ping", "--data", &f.a, "ncsc-borealis"]).fails(1, "did not answer the ping");
    assert!(
        down.stderr.contains(&format!("127.0.0.1:{}", f.b_port)),
        "{}",
        down.stderr
    );
    let status = run(&["ping", "--data", &f.a, "--status", "--json"])
        .ok()
        .json();
    assert_eq!(status.as_array().unwrap().len(), 1, "{status}");
    let s = &status[0];
    assert_eq!(s["party"], "ncsc-borealis");
    assert_eq!(
        (&s["successes"], &s["failures"], &s["consecutive_failures"]),
        (&0.into(), &1.into(), &1.into()),
        "{s}"
    );
    assert!(
        s["last_success"].is_null() && s["last_rtt_ms"].is_null(),
        "{s}"
    );
    assert!(
        s["last_error"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{}", f.b_port)),
        "{s}"
    );

    let (_b, _) = serve(&f.b, &format!("127.0.0.1:{}", f.b_port));
    let up = run(&["ping", "--data", &f.a, "ncsc-borealis", "--json"])
        .ok()
        .json();
    assert_eq!(up["ok"], true, "{up}");
    let rtt = up["rtt_ms"].as_u64().unwrap();
    assert_eq!(up["last_rtt_ms"].as_u64(), Some(rtt), "{up}");
    assert_eq!(
        (
            &up["successes"],
            &up["failures"],
            &up["consecutive_failures"]
        ),
        (&1.into(), &1.into(), &0.into()),
        "{up}"
    );
    assert_eq!(up["last_success"], up["last_attempt"], "{up}");
    // The error of the earlier failure stays on record.
    assert!(up["last_error"].is_string(), "{up}");

    let shown = run(&["party", "show", "--data", &f.a, "ncsc-borealis", "--json"])
        .ok()
        .json();
    assert_eq!(shown["reachability"]["last_rtt_ms"].as_u64(), Some(rtt));
    let text = run(&["party", "show", "--data", &f.a, "ncsc-borealis"])
        .ok()
        .stdout;
    assert!(text.contains(&format!("round trip:   {rtt} ms")), "{text}");
    assert!(text.contains("1 ok, 1 failed (0 in a row)"), "{text}");
    let list = run(&["party", "list", "--data", &f.a]).ok().stdout;
    assert!(list.contains("LAST PING OK"), "{list}");
    assert!(list.contains(&format!("{rtt} ms")), "{list}");

    // B verified A's ping and noted it; B itself pinged no one.
    let seen = run(&["ping", "--data", &f.b, "--status", "--json"])
        .ok()
        .json();
    assert_eq!(seen[0]["party"], "cert-aurelia", "{seen}");
    assert!(seen[0]["last_pinged"].is_string(), "{seen}");
    assert!(seen[0]["last_attempt"].is_null(), "{seen}");

    assert_eq!(
        (log_size(&f.a), log_size(&f.b)),
        sizes,
        "pings are not logged"
    );
    assert_eq!(count(&f.b), 0);
}

/// `serve` pings its peers by itself every `ping_interval_s` (jittered).
#[test]
fn serve_pings_its_peers_periodically() {
    let f = federation();
    let config = std::path::Path::new(&f.a).join("countersign.json");
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    c["ping_interval_s"] = 1.into();
    std::fs::write(&config, serde_json::to_string_pretty(&c).unwrap()).unwrap();
    let (_b, _) = serve(&f.b, &format!("127.0.0.1:{}", f.b_port));
    let (_a, _) = serve(&f.a, &format!("127.0.0.1:{}", f.a_port));
    // At most 1.5 s per round: two rounds within 10 s, with margin.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let status = run(&["ping", "--data", &f.a, "--status", "--json"])
            .ok()
            .json();
        if status[0]["successes"].as_u64().unwrap_or(0) >= 2 {
            assert_eq!(status[0]["party"], "ncsc-borealis", "{status}");
            assert_eq!(status[0]["failures"], 0, "{status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
