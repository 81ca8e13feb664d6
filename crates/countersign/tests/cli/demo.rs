//! `countersign demo`: seeds a node and serves it.

use super::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn demo_seeds_every_evidence_level() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = run(&["demo", "--no-serve", "--data", dir.to_str().unwrap()]).ok();
    assert!(
        out.stdout.contains("login: analyst@ncsc-borealis / "),
        "{}",
        out.stdout
    );
    let listed = run(&[
        "list",
        "notifications",
        "--data",
        dir.to_str().unwrap(),
        "--json",
    ])
    .ok()
    .json();
    let mut levels: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["sufficiency"]["level"].as_str().unwrap())
        .collect();
    levels.sort();
    assert_eq!(
        levels,
        [
            "claims-only",
            "corroborated",
            "corroborated",
            "indicators",
            "none"
        ]
    );
}

#[test]
fn demo_serves_on_loopback_and_prints_a_login() {
    let mut child = Command::new(bin())
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    let mut login = None;
    for line in lines.by_ref().take(20) {
        let line = line.unwrap();
        if let Some(u) = line.strip_prefix("open ") {
            url = Some(u.trim().to_owned());
        }
        if line.starts_with("login: ") {
            login = Some(line);
            if url.is_some() {
                break;
            }
        }
    }
    let url = url.expect("demo printed no URL");
    assert!(login.is_some(), "demo printed no login");
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}
