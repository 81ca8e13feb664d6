//! Bad input on every command: a clear message, a deliberate exit code,
//! and nothing written.

use super::harness::*;
use std::path::Path;

const INVALID: i32 = 3;
const NOT_FOUND: i32 = 4;
const VERIFY_FAILED: i32 = 5;
const DUPLICATE: i32 = 6;
const USAGE: i32 = 2;

/// Runs `args`, expects the failure, and checks the data directory is
/// byte-for-byte what it was (the SQLite WAL may be checkpointed, so the
/// database is compared through the CLI instead).
fn fails_cleanly(dir: &str, args: &[&str], code: i32, needle: &str) {
    let before_files: Vec<_> = files_under(&Path::new(dir).join("blobs"));
    let before_parties = run(&["party", "list", "--data", dir, "--json"]).ok().stdout;
    let before_count = count(dir);
    run(args).fails(code, needle);
    assert_eq!(
        files_under(&Path::new(dir).join("blobs")),
        before_files,
        "blobs changed by {args:?}"
    );
    assert_eq!(
        run(&["party", "list", "--data", dir, "--json"]).ok().stdout,
        before_parties,
        "parties changed by {args:?}"
    );
    assert_eq!(
        count(dir),
        before_count,
        "notifications changed by {args:?}"
    );
}

#[test]
fn init_refuses_bad_ids_and_reinit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "cert-a");
    run(&[
        "init", "--data", &dir, "--party", "cert-a", "--name", "again",
    ])
    .fails(DUPLICATE, "already");
    let other = tmp.path().join("x");
    run(&[
        "init",
        "--data",
        other.to_str().unwrap(),
        "--party",
        "Bad Id",
        "--name",
        "x",
    ])
    .fails(USAGE, "not a party id");
    assert!(!other.exists(), "a refused init created its directory");
    run(&["list", "notifications", "--data", other.to_str().unwrap()])
        .fails(NOT_FOUND, "run `countersign init` first");
}

#[test]
fn notify_bad_input_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b) = init_pair(tmp.path(), "cert-a", "cert-b");
    let log = write(tmp.path(), "a.log", "some log line\n");
    let notify = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "notify",
            "--data",
            &a,
            "--title",
            "t",
            "--category",
            "scanner",
            "--attach",
            &log,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let case = |extra: &[&str], code: i32, needle: &str| {
        let args = notify(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_cleanly(&a, &args, code, needle);
    };

    case(&["--to", "nobody-here"], NOT_FOUND, "not in the directory");
    let bad_json = write(tmp.path(), "bad.json", "{\"type\": \"bundle\",");
    case(
        &["--to", "cert-b", "--evidence", &bad_json],
        INVALID,
        "malformed JSON",
    );
    let dup = write(
        tmp.path(),
        "dup.json",
        "{\"type\": \"bundle\", \"type\": \"bundle\"}",
    );
    case(
        &["--to", "cert-b", "--evidence", &dup],
        INVALID,
        "duplicate member",
    );
    let mut bundle: serde_json::Value = serde_json::from_str(&evidence_bundle()).unwrap();
    bundle["objects"][0]["id"] = "indicator--not-a-uuid".into();
    bundle["objects"][1]
        .as_object_mut()
        .unwrap()
        .remove("number_observed");
    let invalid = write(tmp.path(), "invalid.json", &bundle.to_string());
    let run_invalid = {
        let args = notify(&["--to", "cert-b", "--evidence", &invalid]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        before_after(&a, &args)
    };
    assert_eq!(run_invalid.code, INVALID);
    assert!(
        run_invalid.stderr.contains("not valid STIX"),
        "{}",
        run_invalid.stderr
    );
    // Both problems are reported at once.
    assert!(
        run_invalid.stderr.contains("number_observed"),
        "{}",
        run_invalid.stderr
    );
    assert!(
        run_invalid.stderr.contains("indicator--not-a-uuid"),
        "{}",
        run_invalid.stderr
    );
    case(
        &["--to", "cert-b", "--ack-by", "2001-01-01T00:00:00Z"],
        INVALID,
        "must be after",
    );
    case(
        &["--to", "cert-b", "--origin", "300.1.1.1/8"],
        INVALID,
        "not a CIDR prefix",
    );
    case(&["--to", "cert-a"], INVALID, "cannot send to itself");
    case(
        &["--to", "cert-b", "--from", "cert-b"],
        INVALID,
        "not hosted by this node",
    );
    case(
        &["--to", "cert-b", "--evidence", "/nonexistent/file.json"],
        1,
        "cannot read evidence file",
    );
    run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "cert-b",
        "--title",
        "t",
        "--category",
        "nonsense",
    ])
    .fails(USAGE, "not an RSIT category");
    run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "cert-b",
        "--title",
        "t",
        "--category",
        "scanner",
        "--tlp",
        "purple",
    ])
    .fails(USAGE, "TLP 2.0 level");

    // Oversize attachment: lower the limit in the configuration.
    let config_path = Path::new(&a).join("countersign.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["max_attachment_bytes"] = 5.into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    case(&["--to", "cert-b"], INVALID, "the limit is 5 bytes");
}

/// Runs a failing command and checks nothing changed; returns its run.
fn before_after(dir: &str, args: &[&str]) -> Run {
    let before = (files_under(&Path::new(dir).join("blobs")), count(dir));
    let out = run(args);
    assert_ne!(out.code, 0);
    assert_eq!(
        (files_under(&Path::new(dir).join("blobs")), count(dir)),
        before
    );
    out
}

#[test]
fn import_and_add_refuse_forged_or_malformed_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let a = init(tmp.path(), "cert-a");
    let b = init(tmp.path(), "cert-b");
    let entry_path = tmp.path().join("b.json");
    run(&[
        "party",
        "export",
        "--data",
        &b,
        "cert-b",
        "--out",
        entry_path.to_str().unwrap(),
    ])
    .ok();
    let entry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&entry_path).unwrap()).unwrap();

    // Tampered body: the name changed after signing.
    let mut forged = entry.clone();
    forged["envelope"]["body"]["name"] = "Someone else".into();
    let f = write(tmp.path(), "forged.json", &forged.to_string());
    fails_cleanly(
        &a,
        &["party", "import", "--data", &a, &f],
        VERIFY_FAILED,
        "another envelope",
    );

    // Valid entry, but pinned to a key that did not sign it.
    let c = init(tmp.path(), "cert-c");
    let c_vkey = run(&["party", "show", "--data", &c, "cert-c", "--json"])
        .ok()
        .json()["party"]["keys"][0]["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let e = entry_path.to_str().unwrap();
    fails_cleanly(
        &a,
        &["party", "import", "--data", &a, e, "--key", &c_vkey],
        VERIFY_FAILED,
        "pinned key",
    );

    // Malformed files.
    let junk = write(tmp.path(), "junk.json", "not json");
    fails_cleanly(
        &a,
        &["party", "import", "--data", &a, &junk],
        INVALID,
        "malformed JSON",
    );
    let extra = {
        let mut v = entry.clone();
        v["extra"] = 1.into();
        write(tmp.path(), "extra.json", &v.to_string())
    };
    fails_cleanly(
        &a,
        &["party", "import", "--data", &a, &extra],
        INVALID,
        "not a signed envelope",
    );

    // A party whose key is named for someone else.
    fails_cleanly(
        &a,
        &[
            "party", "add", "--data", &a, "--id", "cert-x", "--name", "X", "--vkey", &c_vkey,
        ],
        INVALID,
        "must be named cert-x",
    );
    run(&[
        "party", "add", "--data", &a, "--id", "cert-x", "--name", "X", "--vkey", "garbage",
    ])
    .fails(USAGE, "not a verifier key");
    // Duplicate id.
    run(&["party", "import", "--data", &a, e]).ok();
    let b_vkey = entry["envelope"]["body"]["keys"][0]["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    fails_cleanly(
        &a,
        &[
            "party", "add", "--data", &a, "--id", "cert-b", "--name", "B", "--vkey", &b_vkey,
        ],
        DUPLICATE,
        "cert-b",
    );
}

#[test]
fn verify_rejects_tampering_wrong_keys_and_expired_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = init_pair(tmp.path(), "cert-a", "cert-b");
    let id = run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "cert-b",
        "--title",
        "t",
        "--category",
        "scanner",
    ])
    .ok()
    .stdout;
    let envelope = run(&["show", "--data", &a, id.trim(), "--envelope"])
        .ok()
        .stdout;
    let file = write(tmp.path(), "env.json", &envelope);
    let key_of = |dir: &str, party: &str| {
        run(&["party", "show", "--data", dir, party, "--json"])
            .ok()
            .json()["party"]["keys"][0]["vkey"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a_vkey = key_of(&a, "cert-a");
    run(&["verify", &file, "--key", &a_vkey]).ok();

    // Every field of the envelope, changed, breaks verification.
    let original: serde_json::Value = serde_json::from_str(&envelope).unwrap();
    let mutations: Vec<(&str, serde_json::Value)> = vec![
        ("from", "cert-c".into()),
        ("to", serde_json::json!(["cert-c"])),
        ("created", "2026-01-01T00:00:00Z".into()),
        ("tlp", "red".into()),
        (
            "refs",
            serde_json::json!(["0000000000000000000000000000000000000000000000000000000000000000"]),
        ),
        (
            "attachments",
            serde_json::json!([{"sha256": "0000000000000000000000000000000000000000000000000000000000000000", "size": 1, "media_type": "text/plain", "name": "x"}]),
        ),
    ];
    let mut failures = Vec::new();
    for (field, value) in mutations {
        let mut m = original.clone();
        m["envelope"][field] = value;
        let f = write(tmp.path(), "m.json", &m.to_string());
        let out = run(&["verify", &f, "--key", &a_vkey]);
        if out.code != VERIFY_FAILED {
            failures.push(format!("{field}: exit {} {}", out.code, out.stderr));
        }
    }
    let mut m = original.clone();
    m["envelope"]["body"]["title"] = "changed".into();
    let f = write(tmp.path(), "m.json", &m.to_string());
    if run(&["verify", &f, "--key", &a_vkey]).code != VERIFY_FAILED {
        failures.push("body.title".into());
    }
    assert!(failures.is_empty(), "tampering not detected: {failures:#?}");

    // Wrong key: B's key for A's envelope.
    run(&["verify", &file, "--key", &key_of(&b, "cert-b")])
        .fails(VERIFY_FAILED, "no key of the sender cert-a");
    // No key at all.
    run(&["verify", &file]).fails(INVALID, "--key");

    // Expired key: C knows cert-a with a key that expired before the envelope.
    let c = init(tmp.path(), "cert-c");
    let expired = serde_json::json!({
        "id": "cert-a", "name": "A", "kind": "national-cert",
        "keys": [{"vkey": a_vkey, "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z"}]
    });
    let p = write(tmp.path(), "a-expired.json", &expired.to_string());
    run(&["party", "add", "--data", &c, "--file", &p]).ok();
    run(&["verify", &file, "--data", &c]).fails(VERIFY_FAILED, "not valid at");
    run(&["show", "--data", &a, &"0".repeat(64)]).fails(NOT_FOUND, "no notification");
}

/// A CPU without an extension the build uses (x86-64-v3, .cargo/config.toml)
/// gets a reason and exit code 1 before anything runs, not SIGILL: here the
/// check is told to consider each extension missing in turn.
#[test]
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
fn a_cpu_without_the_built_for_extensions_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("never");
    let built_for = [
        ("avx", cfg!(target_feature = "avx")),
        ("avx2", cfg!(target_feature = "avx2")),
        ("bmi1", cfg!(target_feature = "bmi1")),
        ("bmi2", cfg!(target_feature = "bmi2")),
        ("fma", cfg!(target_feature = "fma")),
    ];
    for (feature, _) in built_for.into_iter().filter(|&(_, used)| used) {
        let out = std::process::Command::new(bin())
            .args(["init", "--data", dir.to_str().unwrap(), "--party", "cert-a"])
            .args(["--name", "A"])
            .env("COUNTERSIGN_CPU_PRETEND_MISSING", feature)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{feature}: {stderr}");
        assert!(
            stderr.contains(&format!("this CPU lacks {feature};"))
                && stderr.contains("target-cpu=x86-64"),
            "{feature}: {stderr}"
        );
        assert!(!dir.exists(), "{feature}: init ran");
    }
    // Naming an extension the build does not use changes nothing.
    let out = std::process::Command::new(bin())
        .arg("--version")
        .env("COUNTERSIGN_CPU_PRETEND_MISSING", "avx512f")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}
