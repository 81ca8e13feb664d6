//! A log's whole flow: append, sign a checkpoint, cosign it, publish a
//! tlog-proof, parse and verify it; and the parsers on hostile input.

use countersign_tlog::cosignature::verify_cosignatures;
use countersign_tlog::merkle::{MemoryTree, leaf_hash};
use countersign_tlog::{
    Checkpoint, CosignerKey, NoteError, ProofFileError, SignerKey, TlogProof, VerifierKey,
    open_note, parse_note,
};
use proptest::prelude::*;

struct Fixture {
    log: SignerKey,
    witness: CosignerKey,
    tree: MemoryTree,
    signed: String,
}

fn fixture() -> Fixture {
    let log = SignerKey::from_seed("example.org/log", [1; 32]).unwrap();
    let witness = CosignerKey::from_seed("example.org/witness", [2; 32]).unwrap();
    let mut tree = MemoryTree::new();
    for i in 0..11u32 {
        tree.push(leaf_hash(format!("entry {i}").as_bytes()));
    }
    let cp = Checkpoint::new("example.org/log", tree.size(), tree.root());
    let mut signed = cp.sign(&[&log]).unwrap();
    signed.push_str(
        &witness
            .cosign(&cp.to_text(), 1_700_000_000)
            .unwrap()
            .to_line(),
    );
    Fixture {
        log,
        witness,
        tree,
        signed,
    }
}

#[test]
fn proof_file_roundtrip_and_verify() {
    let f = fixture();
    let keys = [f.log.verifier_key(), f.witness.verifier_key()];
    let p = TlogProof {
        extra: Some(b"context".to_vec()),
        index: 6,
        proof: f.tree.inclusion_proof(6, 11).unwrap(),
        checkpoint: f.signed.clone(),
    };
    let text = p.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra Y29udGV4dA==\nindex 6\n"));
    let back = TlogProof::parse(&text).unwrap();
    assert_eq!(back, p);
    let leaf = f.tree.leaf_hash(6).unwrap();
    let (cp, opened) = back.verify(&leaf, Some("example.org/log"), &keys).unwrap();
    assert_eq!(cp.size, 11);
    assert_eq!(opened.verified.len(), 2);
    let cos = verify_cosignatures(&back.checkpoint, &keys).unwrap();
    assert_eq!(cos.len(), 1);
    assert_eq!(cos[0].time, 1_700_000_000);

    // Wrong leaf, wrong origin, unknown log key.
    let other = f.tree.leaf_hash(5).unwrap();
    assert!(matches!(
        back.verify(&other, None, &keys),
        Err(ProofFileError::Inclusion(_))
    ));
    assert!(matches!(
        back.verify(&leaf, Some("elsewhere"), &keys),
        Err(ProofFileError::WrongOrigin(_))
    ));
    let stranger = SignerKey::from_seed("example.org/log", [3; 32])
        .unwrap()
        .verifier_key();
    assert!(matches!(
        back.verify(&leaf, None, &[stranger]),
        Err(ProofFileError::Checkpoint(_))
    ));

    // Without extra and with an empty proof (single-leaf tree).
    let mut one = MemoryTree::new();
    one.push(leaf_hash(b"only"));
    let cp1 = Checkpoint::new("example.org/log", 1, one.root())
        .sign(&[&f.log])
        .unwrap();
    let p1 = TlogProof {
        extra: None,
        index: 0,
        proof: vec![],
        checkpoint: cp1,
    };
    let t1 = p1.to_text();
    assert!(t1.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\nexample.org/log\n1\n"));
    let back1 = TlogProof::parse(&t1).unwrap();
    back1
        .verify(&leaf_hash(b"only"), None, &[f.log.verifier_key()])
        .unwrap();
}

#[test]
fn proof_file_rejects_malformed() {
    let f = fixture();
    let h = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    let cp = &f.signed;
    let cases = [
        String::new(),
        format!("c2sp.org/tlog-proof@v2\nindex 0\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\r\nindex 0\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nindex 00\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nindex -1\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nindex  1\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nindex 1\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nindex 1\nextra AA==\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n{cp}"),
        format!("c2sp.org/tlog-proof@v1\nindex 1\n{h}\n{h}"),
        format!(
            "c2sp.org/tlog-proof@v1\nindex 1\n{}\n{cp}",
            format!("{h}\n").repeat(65)
        ),
        "c2sp.org/tlog-proof@v1\nindex 1\n\nnot a note\n".to_owned(),
        "c2sp.org/tlog-proof@v1\nindex 1\n\n".to_owned(),
        format!(
            "c2sp.org/tlog-proof@v1\nindex 1\n\n{}",
            cp.replacen("\n11\n", "\n011\n", 1)
        ),
    ];
    for (i, c) in cases.iter().enumerate() {
        assert!(TlogProof::parse(c).is_err(), "case {i} accepted: {c:?}");
    }
}

#[test]
fn witness_key_forms() {
    let f = fixture();
    let vk = f.witness.verifier_key();
    let s = vk.to_string();
    assert_eq!(VerifierKey::parse(&s).unwrap(), vk);
    assert_eq!(s.split('+').nth(2).unwrap().chars().next(), Some('B')); // 0x04 type byte
    // A cosignature key does not verify as a plain note key and vice versa.
    let as_note = VerifierKey::new(
        "example.org/witness",
        countersign_tlog::KeyType::Ed25519,
        vk.public_key(),
    )
    .unwrap();
    assert_ne!(as_note.key_id(), vk.key_id());
    assert!(matches!(
        open_note(&f.signed, &[as_note]),
        Err(NoteError::NoVerifiedSignature)
    ));
    // Tampered cosignature from a known witness rejects the note.
    let (text, sigs) = parse_note(&f.signed).unwrap();
    let mut bad = sigs[1].clone();
    bad.signature[0] ^= 0x80; // timestamp now above 2^63-1
    let tampered = format!("{text}\n{}{}", sigs[0].to_line(), bad.to_line());
    assert!(matches!(
        open_note(&tampered, &[f.log.verifier_key(), vk.clone()]),
        Err(NoteError::InvalidSignature { .. })
    ));
    assert!(verify_cosignatures(&tampered, &[vk]).is_err());
}

proptest! {
    #[test]
    fn parsers_never_panic(s in "(c2sp.org/tlog-proof@v1\n)?(index [0-9]{1,3}\n)?[ -~\n\u{2014}\u{a0}]{0,200}") {
        let _ = TlogProof::parse(&s);
        let _ = parse_note(&s);
        let _ = Checkpoint::parse(&s);
        let _ = VerifierKey::parse(&s);
        let _ = SignerKey::parse(&s);
        let _ = CosignerKey::parse(&s);
        let _ = countersign_tlog::tile::parse_path(&s);
    }

    #[test]
    fn checkpoint_text_roundtrips(origin in "[!-~]{1,30}", size in any::<u64>(), root in any::<[u8; 32]>(),
                                  ext in proptest::collection::vec("[ -~]{1,20}", 0..3)) {
        let cp = Checkpoint { origin, size, root, extensions: ext };
        prop_assert_eq!(Checkpoint::parse(&cp.to_text()), Ok(cp));
    }

    #[test]
    fn signed_notes_roundtrip(lines in proptest::collection::vec("[ -~\u{2014}\u{e9}]{0,30}", 1..5)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let k = SignerKey::from_seed("p", [5; 32]).unwrap();
        let n = countersign_tlog::sign_note(&text, &[&k]).unwrap();
        let o = open_note(&n, &[k.verifier_key()]).unwrap();
        prop_assert_eq!(o.text, text);
    }
}
