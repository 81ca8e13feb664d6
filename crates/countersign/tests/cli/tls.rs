//! `serve --tls-cert --tls-key`: HTTPS with rustls, the session cookie
//! marked `Secure`, plain HTTP refused on the TLS port, and bad TLS
//! material refused before anything starts.

use super::harness::*;
use std::io::{Read, Write};
use std::path::PathBuf;

const INVALID: i32 = 3;
const USAGE: i32 = 2;

fn material(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tls")
        .join(name)
        .display()
        .to_string()
}

/// Starts `serve` over TLS with the test material; returns once it
/// prints its address.
fn serve_tls(dir: &str) -> (Server, String) {
    let (cert, key) = (material("cert.pem"), material("key.pem"));
    serve_with(
        dir,
        "127.0.0.1:0",
        &["--tls-cert", &cert, "--tls-key", &key],
    )
}

fn trusting_client() -> reqwest::Client {
    let ca = std::fs::read(material("ca.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap()
}

#[test]
fn serve_over_tls_answers_https_with_a_secure_session_cookie() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "cert-tls");
    let password = add_user(&dir, "analyst@cert-tls", "cert-tls", "analyst");
    let (_server, url) = serve_tls(&dir);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = trusting_client();
        let health = client.get(format!("{url}/health")).send().await.unwrap();
        assert_eq!(health.status(), 200);

        let login = client
            .post(format!("{url}/v1/session"))
            .json(&serde_json::json!({"username": "analyst@cert-tls", "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 201);
        let cookie = login
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(
                cookie.split(';').any(|a| a.trim() == attribute),
                "{attribute} missing: {cookie}"
            );
        }

        // A client that does not trust the test CA gets no answer: it is
        // this certificate being served.
        let untrusting = reqwest::Client::new();
        assert!(
            untrusting
                .get(format!("{url}/health"))
                .send()
                .await
                .is_err()
        );
    });

    // Plain HTTP on the TLS port gets no HTTP answer...
    let addr = url.trim_start_matches("https://");
    let mut plain = std::net::TcpStream::connect(addr).unwrap();
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    plain
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP/"),
        "plain HTTP was answered: {:?}",
        String::from_utf8_lossy(&answer)
    );
    // ...and the failed handshake holds up nobody.
    runtime.block_on(async {
        let health = trusting_client()
            .get(format!("{url}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
    });
}

#[test]
fn serve_refuses_bad_tls_material_before_starting() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "cert-tls");
    let serve = |cert: &str, key: &str| {
        run(&[
            "serve",
            "--data",
            &dir,
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert,
            "--tls-key",
            key,
        ])
    };
    let missing = tmp.path().join("missing.pem").display().to_string();
    serve(&missing, &material("key.pem")).fails(INVALID, "cannot read");
    serve(&material("cert.pem"), &missing).fails(INVALID, "missing.pem");
    serve(&material("key.pem"), &material("key.pem")).fails(INVALID, "holds no PEM certificate");
    serve(&material("cert.pem"), &material("ca.pem")).fails(INVALID, "holds no PEM private key");
    serve(&material("cert.pem"), &material("other-key.pem")).fails(INVALID, "cannot use the key");
    // One without the other is a usage error.
    run(&["serve", "--data", &dir, "--tls-cert", &material("cert.pem")]).fails(USAGE, "--tls-key");
}

/// Sets `peer_ca` in the configuration of the node at `dir`.
fn set_peer_ca(dir: &str, files: &[&str]) {
    let path = std::path::Path::new(dir).join("countersign.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["peer_ca"] = serde_json::json!(files);
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
}

/// A peer whose certificate comes from a private CA is reached once the
/// sender's `peer_ca` names that CA, and refused by certificate before.
/// A `peer_ca` that cannot be used stops every sending command, with
/// nothing filed.
#[test]
fn delivery_over_https_trusts_the_configured_peer_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let a = init(tmp.path(), "cert-tls-a");
    let b = tmp.path().join("cert-tls-b").display().to_string();
    let endpoint = format!("https://127.0.0.1:{port}");
    run(&[
        "init",
        "--data",
        &b,
        "--party",
        "cert-tls-b",
        "--name",
        "TLS B",
        "--endpoint",
        &endpoint,
    ])
    .ok();
    for (from, party, to) in [(&b, "cert-tls-b", &a), (&a, "cert-tls-a", &b)] {
        let entry = tmp.path().join(format!("{party}.json"));
        let entry = entry.to_str().unwrap();
        run(&["party", "export", "--data", from, party, "--out", entry]).ok();
        run(&["party", "import", "--data", to, entry]).ok();
    }
    let (cert, key) = (material("cert.pem"), material("key.pem"));
    let (_server, url) = serve_with(
        &b,
        &format!("127.0.0.1:{port}"),
        &["--tls-cert", &cert, "--tls-key", &key],
    );
    assert_eq!(url, endpoint);
    let notify = || {
        run(&[
            "notify",
            "--data",
            &a,
            "--to",
            "cert-tls-b",
            "--title",
            "Over HTTPS",
            "--category",
            "other/undetermined",
        ])
    };
    let outbox = |extra: &[&str]| {
        let mut args = vec!["outbox", "--data", &a, "--json"];
        args.extend_from_slice(extra);
        run(&args)
    };

    // The web PKI does not know the private CA: refused, still queued.
    notify().ok();
    let rows = outbox(&[]).ok().json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["state"], "queued", "{rows}");
    let error = rows[0]["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("UnknownIssuer"), "{rows}");

    // A peer_ca that cannot be used: refused by name, nothing filed.
    set_peer_ca(&a, &["missing.pem"]);
    notify().fails(INVALID, "missing.pem");
    outbox(&["--deliver"]).fails(INVALID, "missing.pem");
    set_peer_ca(&a, &[&key]);
    notify().fails(INVALID, "holds no PEM certificate");
    assert_eq!(outbox(&[]).ok().json(), rows);
    assert_eq!(count(&a), 1);

    // The CA, named relative to the data directory: delivered, which
    // means the receipt was checked.
    std::fs::copy(
        material("ca.pem"),
        std::path::Path::new(&a).join("peers-ca.pem"),
    )
    .unwrap();
    set_peer_ca(&a, &["peers-ca.pem"]);
    // The failed attempt set a retry time (at most a second away).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let rows = outbox(&["--deliver"]).ok().json();
        if rows[0]["state"] == "delivered" {
            break;
        }
        assert_eq!(rows[0]["state"], "queued", "{rows}");
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered: {rows}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(count(&b), 1);
}
