//! The public log endpoints: an auditor with no account rebuilds the tree
//! from the tiles over HTTP and checks it against the signed checkpoint.

use crate::common::*;
use countersign_tlog::Checkpoint;
use countersign_tlog::merkle::{leaf_hash, root_from_leaf_hashes};
use countersign_tlog::tile::{decode_bundle, parse_tile};

#[tokio::test]
async fn an_auditor_rebuilds_the_log_from_public_tiles() {
    let app = TestApp::new().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let n = app
            .notify(&app.analyst_a, &notification(&format!("n{i}"), "red"))
            .await;
        ids.push(n["id"].as_str().unwrap().to_owned());
    }
    // No credentials anywhere below.
    let r = app.get("/log/checkpoint", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (checkpoint, _) = Checkpoint::open(&r.text(), &[app.node.log_vkey()]).unwrap();
    assert_eq!(checkpoint.origin, app.node.log_origin());
    let size = checkpoint.size;
    assert!(size >= 3, "{size}");

    let tile = app.get(&format!("/log/tile/0/000.p/{size}"), None).await;
    assert_eq!(tile.status, 200, "{}", tile.text());
    let hashes = parse_tile(&tile.body, u16::try_from(size).unwrap()).unwrap();
    assert_eq!(
        root_from_leaf_hashes(&hashes),
        checkpoint.root,
        "tiles do not reproduce the signed root"
    );

    let bundle = app
        .get(&format!("/log/tile/entries/000.p/{size}"), None)
        .await;
    assert_eq!(bundle.status, 200);
    let entries = decode_bundle(&bundle.body).unwrap();
    assert_eq!(
        entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>(),
        hashes
    );
    // The leaves name the envelopes and reveal nothing else, even for TLP:RED.
    for id in &ids {
        let leaf = format!("countersign/leaf/v1\n{id}\n").into_bytes();
        assert!(entries.contains(&leaf), "{id} not in the log");
    }
    assert!(
        !String::from_utf8_lossy(&bundle.body).contains("n0"),
        "a title leaked into the public log"
    );
}

#[tokio::test]
async fn tile_and_witness_errors() {
    let app = TestApp::new().await;
    app.get("/log/tile/not-a-tile", None)
        .await
        .assert_error(400, "invalid");
    app.get("/log/tile/0/999", None)
        .await
        .assert_error(404, "not_found");
    let r = app
        .send(
            axum::http::Request::post("/witness/add-checkpoint")
                .body(axum::body::Body::from("old 0\n\nnot a checkpoint\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
}

#[tokio::test]
async fn the_log_page_shows_the_checkpoint_keys_and_no_split_view() {
    let app = TestApp::new().await;
    app.notify(&app.analyst_a, &notification("n", "green"))
        .await;
    let cookie = app.ui_login("analyst@cert-a", PASSWORD).await;
    let page = app.get_with_cookie("/log", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let checkpoint = app.node.log_checkpoint().await.unwrap();
    let first_line = checkpoint.lines().next().unwrap();
    assert!(html.contains(first_line), "{html}");
    assert!(html.contains(&app.node.log_vkey().to_string()), "{html}");
    assert!(html.contains("No split view caught"), "{html}");
}

#[tokio::test]
async fn a_split_view_caught_by_the_witness_is_shown() {
    use countersign_core::party::{Party, PartyKey, PartyKind};
    use countersign_tlog::SignerKey;
    use countersign_tlog::witness::AddCheckpointRequest;

    let app = TestApp::new().await;
    // A peer whose log this node witnesses.
    let log_key = SignerKey::generate("example.org/peer-log").unwrap();
    let party_key = SignerKey::generate("cert-peer").unwrap();
    app.node
        .add_party(Party {
            id: countersign_core::ids::PartyId::parse("cert-peer").unwrap(),
            name: "Peer".into(),
            country: None,
            kind: PartyKind::NationalCert,
            keys: vec![PartyKey {
                vkey: party_key.verifier_key().to_string(),
                valid_from: countersign_core::time::Timestamp::parse("2026-01-01T00:00:00Z")
                    .unwrap(),
                valid_until: None,
            }],
            endpoint: None,
            contacts: vec![],
            constituency: Default::default(),
            sectors: vec![],
            log_vkey: Some(log_key.verifier_key().to_string()),
            witness_vkey: None,
        })
        .await
        .unwrap();
    let submit = |old_size: u64, root: [u8; 32]| {
        let checkpoint = Checkpoint::new("example.org/peer-log", 7, root)
            .sign(&[&log_key])
            .unwrap();
        let body = AddCheckpointRequest {
            old_size,
            proof: vec![],
            checkpoint,
        }
        .to_body();
        axum::http::Request::post("/witness/add-checkpoint")
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let first = app.send(submit(0, [1; 32])).await;
    assert_eq!(first.status, 200, "{}", first.text());
    // The same log signs another tree of the same size: two histories.
    let second = app.send(submit(7, [2; 32])).await;
    assert_eq!(second.status, 409, "{}", second.text());
    assert_ne!(
        second.header("content-type").as_deref(),
        Some("text/x.tlog.size"),
        "a root conflict, not a stale size"
    );

    let cookie = app.ui_login("analyst@cert-a", PASSWORD).await;
    let html = app.get_with_cookie("/log", &cookie).await.text();
    assert!(html.contains("Split views caught: 1"), "{html}");
    assert!(html.contains("example.org/peer-log"), "{html}");
}
