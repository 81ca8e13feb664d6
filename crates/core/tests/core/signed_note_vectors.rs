//! The domain relies on tlog's signed notes for envelope signatures; these
//! check the two properties it depends on against the shared vectors: the
//! PeterNeumann key reproduces the reference note byte for byte, and our
//! envelope signature note opens with the vkey derived from the same key.

use countersign_tlog::{SignerKey, VerifierKey, open_note, sign_note};

fn vectors() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/signed-note/vectors.json"
    );
    serde_json::from_str(
        &std::fs::read_to_string(path).expect("../shared/testdata is beside the checkout"),
    )
    .unwrap()
}

#[test]
fn peter_neumann_key_signs_like_the_reference() {
    let v = vectors();
    let key = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "PeterNeumann")
        .unwrap();
    let signer = SignerKey::parse(key["skey"].as_str().unwrap()).unwrap();
    assert_eq!(
        signer.verifier_key().to_string(),
        key["vkey"].as_str().unwrap()
    );
    let note = v["valid_notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| {
            n["verified_by"].as_array().unwrap().len() == 1 && n["verified_by"][0] == "PeterNeumann"
        })
        .unwrap();
    let signed = sign_note(note["text"].as_str().unwrap(), &[&signer]).unwrap();
    assert_eq!(signed, note["note"].as_str().unwrap());
    let vk = VerifierKey::parse(key["vkey"].as_str().unwrap()).unwrap();
    assert_eq!(
        open_note(&signed, &[vk]).unwrap().text,
        note["text"].as_str().unwrap()
    );
}
