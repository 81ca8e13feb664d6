//! The foundation story: init → party exchange → notify with evidence →
//! show → verify offline.

use super::harness::*;

#[test]
fn init_exchange_notify_show_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let a = init(tmp.path(), "cert-aurelia");
    let b = init(tmp.path(), "ncsc-borealis");

    // B exports its signed entry; A imports it, pinned to B's key.
    let entry = tmp.path().join("borealis.json");
    run(&[
        "party",
        "export",
        "--data",
        &b,
        "ncsc-borealis",
        "--out",
        entry.to_str().unwrap(),
    ])
    .ok();
    let b_show = run(&["party", "show", "--data", &b, "ncsc-borealis", "--json"])
        .ok()
        .json();
    let b_vkey = b_show["party"]["keys"][0]["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = run(&[
        "party",
        "import",
        "--data",
        &a,
        entry.to_str().unwrap(),
        "--key",
        &b_vkey,
    ])
    .ok();
    assert!(out.stdout.contains("added ncsc-borealis"), "{}", out.stdout);
    // Importing the same entry again changes nothing.
    let out = run(&["party", "import", "--data", &a, entry.to_str().unwrap()]).ok();
    assert!(out.stdout.contains("unchanged"), "{}", out.stdout);
    let parties = run(&["party", "list", "--data", &a, "--json"]).ok().json();
    let ids: Vec<&str> = parties
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["party"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cert-aurelia", "ncsc-borealis"]);

    // An abuse desk without a node of its own, added by hand from the key
    // it sent, with its networks and a 24/7 contact.
    let desk_key = init(tmp.path(), "meridian-abuse");
    let desk_vkey = run(&[
        "party",
        "show",
        "--data",
        &desk_key,
        "meridian-abuse",
        "--json",
    ])
    .ok()
    .json()["party"]["keys"][0]["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    run(&[
        "party",
        "add",
        "--data",
        &a,
        "--id",
        "meridian-abuse",
        "--name",
        "Meridian abuse desk",
        "--kind",
        "network-operator",
        "--country",
        "ee",
        "--vkey",
        &desk_vkey,
        "--network",
        "198.51.100.0/24",
        "--network",
        "AS64500",
        "--sector",
        "nis2:digital-infrastructure",
        "--contact",
        "NOC|duty officer|noc@meridian.example|+372 555 0100|24x7",
    ])
    .ok();
    let desk = run(&["party", "show", "--data", &a, "meridian-abuse", "--json"])
        .ok()
        .json();
    assert_eq!(desk["party"]["country"], "EE");
    assert_eq!(
        desk["party"]["constituency"]["prefixes"][0],
        "198.51.100.0/24"
    );
    assert_eq!(desk["party"]["constituency"]["asns"][0], 64500);
    assert_eq!(desk["party"]["contacts"][0]["always_on"], true);
    assert_eq!(desk["hosted"], false);

    // Notify with evidence and an attachment.
    let bundle = write(tmp.path(), "evidence.json", &evidence_bundle());
    let log = write(
        tmp.path(),
        "scan.log",
        "2026-11-20T06:00:01Z 198.51.100.7 -> 192.0.2.10:22 SYN\n",
    );
    let out = run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "ncsc-borealis",
        "--title",
        "SSH scanning from 198.51.100.7",
        "--category",
        "scanner",
        "--sector",
        "nis2:energy",
        "--origin",
        "198.51.100.7",
        "--action",
        "investigate",
        "--evidence",
        &bundle,
        "--attach",
        &log,
        "--tlp",
        "TLP:AMBER",
    ])
    .ok();
    let id = out.stdout.trim().to_owned();
    assert_eq!(id.len(), 64, "{}", out.stdout);

    // A notification without evidence is stored but flagged.
    let out = run(&[
        "notify",
        "--data",
        &a,
        "--to",
        "ncsc-borealis",
        "--title",
        "Rumour",
        "--category",
        "other/undetermined",
    ])
    .ok();
    assert!(out.stderr.contains("unsubstantiated"), "{}", out.stderr);

    let shown = run(&["show", "--data", &a, &id, "--json"]).ok().json();
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["category"], "information-gathering/scanner");
    assert_eq!(shown["tlp"], "amber");
    assert_eq!(shown["sufficiency"]["level"], "corroborated");
    assert_eq!(shown["evidence_summary"]["indicators"], 1);
    assert_eq!(shown["notification"]["origin"]["ips"][0], "198.51.100.7");
    let human = run(&["show", "--data", &a, &id]).ok();
    assert!(human.stdout.contains("CORROBORATED"), "{}", human.stdout);
    assert!(human.stdout.contains("scan.log"), "{}", human.stdout);

    let listed = run(&["list", "notifications", "--data", &a, "--json"])
        .ok()
        .json();
    let levels: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["sufficiency"]["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["none", "corroborated"], "newest first");
    let table = run(&["list", "notifications", "--data", &a]).ok();
    assert!(table.stdout.contains("unsubstantiated"), "{}", table.stdout);

    // Offline verification with the sender's public key, by a third party.
    let envelope = run(&["show", "--data", &a, &id, "--envelope"]).ok().stdout;
    let file = write(tmp.path(), "envelope.json", &envelope);
    let a_show = run(&["party", "show", "--data", &a, "cert-aurelia", "--json"])
        .ok()
        .json();
    let a_vkey = a_show["party"]["keys"][0]["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = run(&["verify", &file, "--key", &a_vkey]).ok();
    assert!(
        out.stdout
            .contains(&format!("OK: notification envelope {id}")),
        "{}",
        out.stdout
    );
    // And against B's directory, which learned A's key from A's entry.
    let a_entry = tmp.path().join("aurelia.json");
    run(&[
        "party",
        "export",
        "--data",
        &a,
        "cert-aurelia",
        "--out",
        a_entry.to_str().unwrap(),
    ])
    .ok();
    run(&[
        "party",
        "import",
        "--data",
        &b,
        a_entry.to_str().unwrap(),
        "--key",
        &a_vkey,
    ])
    .ok();
    run(&["verify", &file, "--data", &b]).ok();
}
