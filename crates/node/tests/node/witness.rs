//! Witnessing a peer's log (tlog-witness v1.0.0): cosign consistent growth,
//! every refusal with its status, split-view evidence, and check-and-store
//! under concurrent requests.

use super::fixtures::*;
use countersign_core::party::{Party, PartyKey, PartyKind};
use countersign_core::time::Timestamp;
use countersign_node::Node;
use countersign_node::witness::WitnessError;
use countersign_store::SplitViewKind;
use countersign_tlog::cosignature::verify_cosignature;
use countersign_tlog::witness::{AddCheckpointRequest, parse_cosignature_body};
use countersign_tlog::{Checkpoint, SignerKey, parse_note};

struct Pair {
    _tmp: tempfile::TempDir,
    /// The witness.
    a: Node,
    /// The log being witnessed.
    b: Node,
    b_key: SignerKey,
}

async fn pair() -> Pair {
    let tmp = tempfile::tempdir().unwrap();
    let a = bare_node(&tmp.path().join("a"), |_| {}).await;
    let b = bare_node(&tmp.path().join("b"), |c| {
        c.log_origin = "example.org/b-log".into()
    })
    .await;
    let b_key = b.data_dir().log_key("example.org/b-log").unwrap();
    let peer = SignerKey::generate("cert-x").unwrap();
    a.add_party(Party {
        id: pid("cert-x"),
        name: "X".into(),
        country: None,
        kind: PartyKind::NationalCert,
        keys: vec![PartyKey {
            vkey: peer.verifier_key().to_string(),
            valid_from: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
            valid_until: None,
        }],
        endpoint: None,
        contacts: vec![],
        constituency: Default::default(),
        sectors: vec![],
        log_vkey: Some(b.log_vkey().to_string()),
        witness_vkey: None,
    })
    .await
    .unwrap();
    Pair {
        _tmp: tmp,
        a,
        b,
        b_key,
    }
}

async fn grow(node: &Node, n: usize) -> String {
    for _ in 0..n {
        node.log_append_synthetic(&random_id()).await.unwrap();
    }
    node.log_checkpoint().await.unwrap()
}

fn body(old: u64, proof: Vec<[u8; 32]>, checkpoint: &str) -> String {
    AddCheckpointRequest {
        old_size: old,
        proof,
        checkpoint: checkpoint.to_owned(),
    }
    .to_body()
}

fn status(r: Result<String, WitnessError>) -> (u16, String, &'static str) {
    let e = r.unwrap_err();
    (e.status, e.body, e.content_type)
}

#[tokio::test]
async fn cosigns_consistent_growth_and_refuses_the_rest() {
    let p = pair().await;
    let wkey = p.a.witness_vkey();
    let cp5 = grow(&p.b, 5).await;

    // 200: first contact from size 0, then growth with a real proof.
    let lines =
        p.a.witness_add_checkpoint(&body(0, vec![], &cp5))
            .await
            .unwrap();
    let sigs = parse_cosignature_body(&lines).unwrap();
    let (text5, _) = parse_note(&cp5).unwrap();
    assert!(verify_cosignature(&wkey, &text5, &sigs[0]).is_ok());
    let cp15 = grow(&p.b, 10).await;
    let proof = p.b.log_consistency(5, 15).await.unwrap();
    let lines =
        p.a.witness_add_checkpoint(&body(5, proof.clone(), &cp15))
            .await
            .unwrap();
    let (text15, _) = parse_note(&cp15).unwrap();
    assert!(
        verify_cosignature(&wkey, &text15, &parse_cosignature_body(&lines).unwrap()[0]).is_ok()
    );
    // The same checkpoint again is fine (an empty proof at equal sizes).
    p.a.witness_add_checkpoint(&body(15, vec![], &cp15))
        .await
        .unwrap();
    assert_eq!(
        p.a.witnessed_checkpoint("example.org/b-log")
            .await
            .unwrap()
            .unwrap()
            .size,
        15
    );

    // 409 with the latest size: the client's old size is stale.
    assert_eq!(
        status(p.a.witness_add_checkpoint(&body(5, proof, &cp15)).await),
        (409, "15\n".to_owned(), "text/x.tlog.size")
    );
    // 400: malformed, or old size above the checkpoint's.
    assert_eq!(status(p.a.witness_add_checkpoint("old 1\n").await).0, 400);
    assert_eq!(
        status(p.a.witness_add_checkpoint(&body(16, vec![], &cp15)).await).0,
        400
    );
    // 404: a log this node does not know.
    let stranger = SignerKey::generate("example.org/unknown").unwrap();
    let other = Checkpoint::new("example.org/unknown", 1, [1; 32])
        .sign(&[&stranger])
        .unwrap();
    assert_eq!(
        status(p.a.witness_add_checkpoint(&body(0, vec![], &other)).await).0,
        404
    );
    // 403: signed by another key of the same name.
    let impostor = SignerKey::generate("example.org/b-log").unwrap();
    let forged = Checkpoint::new("example.org/b-log", 15, [2; 32])
        .sign(&[&impostor])
        .unwrap();
    assert_eq!(
        status(p.a.witness_add_checkpoint(&body(15, vec![], &forged)).await).0,
        403
    );
    assert!(
        p.a.split_views().await.unwrap().is_empty(),
        "an unsigned claim is no evidence"
    );

    // 409: the log itself signed another tree of size 15: a split view.
    let fork15 = Checkpoint::new("example.org/b-log", 15, [3; 32])
        .sign(&[&p.b_key])
        .unwrap();
    let (s, _, ct) = status(p.a.witness_add_checkpoint(&body(15, vec![], &fork15)).await);
    assert_eq!((s, ct), (409, "text/plain; charset=utf-8"));
    // 422: a signed larger tree that the proof does not connect.
    let fork20 = Checkpoint::new("example.org/b-log", 20, [4; 32])
        .sign(&[&p.b_key])
        .unwrap();
    let bad = p.b.log_consistency(15, 15).await.unwrap();
    assert_eq!(
        status(p.a.witness_add_checkpoint(&body(15, bad, &fork20)).await).0,
        422
    );
    let views = p.a.split_views().await.unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!(views[0].kind, SplitViewKind::SameSize);
    assert_eq!(
        (views[0].held.as_str(), views[0].conflicting.as_str()),
        (cp15.as_str(), fork15.as_str())
    );
    assert_eq!(views[1].kind, SplitViewKind::BadConsistencyProof);
    assert_eq!(views[1].conflicting, fork20);
    // The same evidence again is not recorded twice.
    let _ = p.a.witness_add_checkpoint(&body(15, vec![], &fork15)).await;
    assert_eq!(p.a.split_views().await.unwrap().len(), 2);
    // The witness state did not move.
    assert_eq!(
        p.a.witnessed_checkpoint("example.org/b-log")
            .await
            .unwrap()
            .unwrap()
            .checkpoint,
        cp15
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_checked_and_stored_atomically() {
    let p = pair().await;
    let cp3 = grow(&p.b, 3).await;
    p.a.witness_add_checkpoint(&body(0, vec![], &cp3))
        .await
        .unwrap();
    let cp9 = grow(&p.b, 6).await;
    let cp12 = grow(&p.b, 3).await;
    let to9 = body(3, p.b.log_consistency(3, 9).await.unwrap(), &cp9);
    let to12 = body(3, p.b.log_consistency(3, 12).await.unwrap(), &cp12);
    // Sixteen clients race from size 3, half to 9 and half to 12: exactly
    // one wins; the others learn the new size.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let a = p.a.clone();
        let b = if i % 2 == 0 {
            to9.clone()
        } else {
            to12.clone()
        };
        tasks.spawn(async move { a.witness_add_checkpoint(&b).await });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(
                    (e.status, e.content_type),
                    (409, "text/x.tlog.size"),
                    "{}",
                    e.body
                );
            }
        }
    }
    assert_eq!(ok, 1);
    let held =
        p.a.witnessed_checkpoint("example.org/b-log")
            .await
            .unwrap()
            .unwrap();
    assert!(held.size == 9 || held.size == 12);
    assert!(p.a.split_views().await.unwrap().is_empty());
}
