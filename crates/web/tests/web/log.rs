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
