//! `countersign log` and offline log verification: checkpoints, tlog-proofs
//! and consistency proofs verified by `countersign verify` with nothing but
//! the log's key; every tampered line and every wrong key rejected.

use super::harness::*;

/// Variants of `text` with one line changed each (a character replaced,
/// an empty line filled), for "every line matters" checks.
fn tampered(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    // The last element is what follows the final newline: nothing.
    for i in 0..lines.len() - 1 {
        let mut changed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let line = &lines[i];
        changed[i] = if line.is_empty() {
            "A".to_owned()
        } else {
            let chars: Vec<char> = line.chars().collect();
            let mid = chars.len() / 2;
            let c = chars[mid];
            let with = if c == 'A' {
                'B'
            } else if c == '1' {
                '2'
            } else {
                'A'
            };
            chars
                .iter()
                .enumerate()
                .map(|(j, ch)| if j == mid { with } else { *ch })
                .collect()
        };
        out.push((i, changed.join("\n")));
    }
    out
}

#[track_caller]
fn rejected(r: Run, what: &str) {
    assert!(
        r.code == 3 || r.code == 5,
        "{what}: exit {} (want 3 or 5)\nstdout: {}\nstderr: {}",
        r.code,
        r.stdout,
        r.stderr
    );
}

#[test]
fn proofs_and_checkpoints_verify_offline_and_tampering_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let a = init(tmp.path(), "cert-aurelia");
    let b = init(tmp.path(), "ncsc-borealis");
    let vkey = run(&["log", "vkey", "--data", &a])
        .ok()
        .stdout
        .trim()
        .to_owned();
    assert!(vkey.starts_with("countersign/cert-aurelia+"), "{vkey}");
    let other_vkey = run(&["log", "vkey", "--data", &b])
        .ok()
        .stdout
        .trim()
        .to_owned();
    let witness = run(&["log", "vkey", "--data", &a, "--witness"]).ok().stdout;
    assert!(
        witness.starts_with("countersign/cert-aurelia/witness+"),
        "{witness}"
    );

    // The entry A exports names its log key, so peers learn it.
    let entry = run(&["party", "export", "--data", &a, "cert-aurelia"])
        .ok()
        .stdout;
    assert!(entry.contains(&vkey), "{entry}");

    // Two envelopes in A's log: notifications to B, whose entry A imports.
    let b_entry = write(
        tmp.path(),
        "b.json",
        &run(&["party", "export", "--data", &b, "ncsc-borealis"])
            .ok()
            .stdout,
    );
    run(&["party", "import", "--data", &a, &b_entry]).ok();
    let mut ids = Vec::new();
    for title in ["first", "second"] {
        let out = run(&[
            "notify",
            "--data",
            &a,
            "--to",
            "ncsc-borealis",
            "--title",
            title,
            "--category",
            "other/undetermined",
        ])
        .ok();
        ids.push(out.stdout.trim().to_owned());
    }
    let cp1 = write(
        tmp.path(),
        "cp1",
        &run(&["log", "checkpoint", "--data", &a]).ok().stdout,
    );
    let out = run(&["verify", &cp1, "--key", &vkey]).ok();
    assert!(
        out.stdout
            .contains("OK: checkpoint of countersign/cert-aurelia at size 2"),
        "{}",
        out.stdout
    );

    // A tlog-proof for the second envelope, checked against its id and its file.
    let proof = tmp.path().join("proof");
    let proof_s = proof.to_str().unwrap();
    run(&[
        "log", "prove", "--data", &a, "--id", &ids[1], "--out", proof_s,
    ])
    .ok();
    let out = run(&["verify", proof_s, "--key", &vkey, "--id", &ids[1]]).ok();
    assert!(
        out.stdout
            .contains(&format!("OK: envelope {} is entry 1 of the log", ids[1])),
        "{}",
        out.stdout
    );
    let envelope = run(&["show", "--data", &a, &ids[1], "--envelope"])
        .ok()
        .stdout;
    let env_file = write(tmp.path(), "envelope.json", &envelope);
    run(&["verify", proof_s, "--key", &vkey, "--envelope", &env_file]).ok();
    // Printed to standard output, the same proof.
    let printed = run(&["log", "prove", "--data", &a, "--id", &ids[1]])
        .ok()
        .stdout;
    assert_eq!(printed, std::fs::read_to_string(&proof).unwrap());

    // Wrong entry, wrong key, no key, no entry named.
    run(&["verify", proof_s, "--key", &vkey, "--id", &ids[0]]).fails(5, "does not verify");
    run(&["verify", proof_s, "--key", &other_vkey, "--id", &ids[1]]).fails(5, "does not verify");
    run(&["verify", proof_s, "--id", &ids[1]]).fails(3, "--key");
    run(&["verify", proof_s, "--key", &vkey]).fails(3, "--envelope");
    run(&["verify", &cp1, "--key", &other_vkey]).fails(5, "does not verify");
    // An unknown envelope has no proof.
    let unknown = "0".repeat(64);
    run(&["log", "prove", "--data", &a, "--id", &unknown]).fails(4, "no envelope");

    // Every line of the proof and of the checkpoint matters.
    let text = std::fs::read_to_string(&proof).unwrap();
    for (i, t) in tampered(&text) {
        let f = write(tmp.path(), "tampered-proof", &t);
        rejected(
            run(&["verify", &f, "--key", &vkey, "--id", &ids[1]]),
            &format!("proof line {i}"),
        );
    }
    let cp_text = std::fs::read_to_string(&cp1).unwrap();
    for (i, t) in tampered(&cp_text) {
        let f = write(tmp.path(), "tampered-cp", &t);
        rejected(
            run(&["verify", &f, "--key", &vkey]),
            &format!("checkpoint line {i}"),
        );
    }

    // The log grows; the newer checkpoint is consistent with the older.
    run(&["log", "torture", "--data", &a, "--count", "300"]).ok();
    let cp2 = write(
        tmp.path(),
        "cp2",
        &run(&["log", "checkpoint", "--data", &a]).ok().stdout,
    );
    let cons = tmp.path().join("cons");
    let cons_s = cons.to_str().unwrap();
    run(&[
        "log",
        "consistency",
        "--data",
        &a,
        "--old",
        &cp1,
        "--out",
        cons_s,
    ])
    .ok();
    let out = run(&["verify", cons_s, "--old", &cp1, "--key", &vkey]).ok();
    assert!(out.stdout.contains("at size 302, root"), "{}", out.stdout);
    assert!(
        out.stdout.contains("is consistent with the one at size 2"),
        "{}",
        out.stdout
    );
    // The same with the newer checkpoint and the proof given apart.
    run(&[
        "verify", &cp2, "--old", &cp1, "--proof", cons_s, "--key", &vkey,
    ])
    .ok();
    let lines: String = std::fs::read_to_string(&cons)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let bare = write(tmp.path(), "bare-proof", &lines);
    run(&[
        "verify", &cp2, "--old", &cp1, "--proof", &bare, "--key", &vkey,
    ])
    .ok();
    // A proof from a size the older checkpoint does not have.
    run(&[
        "log",
        "consistency",
        "--data",
        &a,
        "--old-size",
        "1",
        "--out",
        cons_s,
    ])
    .ok();
    run(&["verify", cons_s, "--old", &cp1, "--key", &vkey]).fails(5, "starts at size 1");
    run(&[
        "log",
        "consistency",
        "--data",
        &a,
        "--old",
        &cp1,
        "--out",
        cons_s,
    ])
    .ok();
    // Old and new swapped, another log's key, a missing --old.
    run(&[
        "verify", &cp1, "--old", &cp2, "--proof", &bare, "--key", &vkey,
    ])
    .fails(3, "larger");
    run(&["verify", cons_s, "--old", &cp1, "--key", &other_vkey]).fails(5, "does not verify");
    run(&["verify", cons_s, "--key", &vkey]).fails(3, "--old");
    // Every line of the consistency proof matters.
    let text = std::fs::read_to_string(&cons).unwrap();
    for (i, t) in tampered(&text) {
        let f = write(tmp.path(), "tampered-cons", &t);
        rejected(
            run(&["verify", &f, "--old", &cp1, "--key", &vkey]),
            &format!("consistency line {i}"),
        );
    }
    // No split views on a node that witnessed nothing.
    let out = run(&["log", "split-views", "--data", &a]).ok();
    assert!(out.stdout.contains("no split views"), "{}", out.stdout);
}
