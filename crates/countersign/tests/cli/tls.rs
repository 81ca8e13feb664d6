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
