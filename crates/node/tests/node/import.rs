//! Directory entries: self-signed, pinned, key continuity, no rollback.

use super::fixtures::*;
use countersign_core::envelope::{Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::party::{Party, PartyKey, PartyKind};
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::NodeErrorKind;
use countersign_node::parties::ImportOutcome;
use countersign_tlog::SignerKey;

fn entry(signer: &SignerKey, listed: &[&SignerKey], created: &str, name: &str) -> String {
    let party = Party {
        id: pid("cert-x"),
        name: name.into(),
        country: None,
        kind: PartyKind::NetworkOperator,
        keys: listed
            .iter()
            .map(|k| PartyKey {
                vkey: k.verifier_key().to_string(),
                valid_from: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
                valid_until: None,
            })
            .collect(),
        endpoint: Some("https://x.example".into()),
        contacts: vec![],
        constituency: Default::default(),
        sectors: vec![],
        log_vkey: None,
        witness_vkey: None,
    };
    let env = Envelope {
        v: 1,
        kind: EnvelopeType::Party,
        from: pid("cert-x"),
        to: vec![],
        created: Timestamp::parse(created).unwrap(),
        refs: vec![],
        tlp: Tlp::Clear,
        body: serde_json::to_value(&party).unwrap(),
        attachments: vec![],
    };
    env.sign(signer).unwrap().to_json_pretty().unwrap()
}

#[tokio::test]
async fn key_rotation_needs_the_old_key_and_rollback_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let k1 = SignerKey::generate("cert-x").unwrap();
    let k2 = SignerKey::generate("cert-x").unwrap();
    let stranger = SignerKey::generate("cert-x").unwrap();

    let first = entry(&k1, &[&k1], "2026-02-01T00:00:00Z", "X v1");
    assert_eq!(
        node.import_party(&first, &[]).await.unwrap(),
        ImportOutcome::Added(pid("cert-x"))
    );
    assert_eq!(
        node.import_party(&first, &[]).await.unwrap(),
        ImportOutcome::Unchanged(pid("cert-x"))
    );

    // A stranger's self-signed entry for the same id is refused...
    let hijack = entry(&stranger, &[&stranger], "2026-03-01T00:00:00Z", "hijacked");
    let err = node.import_party(&hijack, &[]).await.unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::BadSignature, "{err}");
    assert_eq!(
        node.get_party(&pid("cert-x")).await.unwrap().party.name,
        "X v1"
    );

    // ...while a rotation signed by the old key is accepted.
    let rotated = entry(&k1, &[&k1, &k2], "2026-04-01T00:00:00Z", "X v2");
    assert_eq!(
        node.import_party(&rotated, &[]).await.unwrap(),
        ImportOutcome::Updated(pid("cert-x"))
    );
    assert_eq!(
        node.get_party(&pid("cert-x"))
            .await
            .unwrap()
            .party
            .keys
            .len(),
        2
    );

    // Older entries do not roll the directory back.
    let err = node.import_party(&first, &[]).await.unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::Invalid, "{err}");
    assert!(err.message.contains("not newer"), "{err}");

    // The operator may pin a new key explicitly.
    let pinned = entry(&stranger, &[&stranger], "2026-05-01T00:00:00Z", "X v3");
    assert_eq!(
        node.import_party(&pinned, &[stranger.verifier_key()])
            .await
            .unwrap(),
        ImportOutcome::Updated(pid("cert-x"))
    );
    // Export returns the entry exactly as imported.
    let exported = node.export_party(&pid("cert-x")).await.unwrap();
    assert_eq!(exported, SignedEnvelope::from_json(&pinned).unwrap());
}

#[tokio::test]
async fn entries_that_do_not_vouch_for_themselves_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let k1 = SignerKey::generate("cert-x").unwrap();
    let k2 = SignerKey::generate("cert-x").unwrap();
    // Signed by a key the entry does not list.
    let e = entry(&k2, &[&k1], "2026-02-01T00:00:00Z", "X");
    assert_eq!(
        node.import_party(&e, &[]).await.unwrap_err().kind,
        NodeErrorKind::BadSignature
    );
    // A hosted party cannot be replaced by import.
    let own = node
        .export_party(&pid("cert-b"))
        .await
        .unwrap()
        .to_json_pretty()
        .unwrap();
    assert_eq!(
        node.import_party(&own, &[]).await.unwrap_err().kind,
        NodeErrorKind::Invalid
    );
    // A notification is not a directory entry.
    let a = user("cert-a", countersign_core::access::Role::Analyst);
    let n = node
        .notify(&a, request("cert-a", "cert-b", Tlp::Green, "x"))
        .await
        .unwrap();
    let err = node
        .import_party(&n.envelope.to_json_pretty().unwrap(), &[])
        .await
        .unwrap_err();
    assert!(err.message.contains("not a directory entry"), "{err}");
    assert!(
        node.store()
            .get_party(&pid("cert-x"))
            .await
            .unwrap()
            .is_none()
    );
}
