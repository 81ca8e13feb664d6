//! The signed-note vectors in `shared/testdata/signed-note/vectors.json`.

use countersign_tlog::{NoteError, SignerKey, VerifierKey, open_note, parse_note, sign_note};
use serde::Deserialize;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/signed-note/vectors.json"
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vectors {
    #[allow(dead_code)]
    about: String,
    keys: Vec<Key>,
    valid_notes: Vec<Valid>,
    malformed_notes: Vec<String>,
    bad_vkeys: Vec<String>,
    no_trusted_signature: Vec<Untrusted>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Key {
    name: String,
    vkey: String,
    skey: Option<String>,
    key_id_hex: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Valid {
    note: String,
    verifiers: Vec<String>,
    text: String,
    verified_by: Vec<String>,
    #[serde(default)]
    unverified_signatures: Vec<String>,
    #[serde(default)]
    sign_with_skey_reproduces: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Untrusted {
    note: String,
    verifiers: Vec<String>,
}

fn load() -> Vectors {
    let raw = std::fs::read_to_string(VECTORS).unwrap_or_else(|e| panic!("{VECTORS}: {e}"));
    serde_json::from_str(&raw).unwrap()
}

fn parse_keys(keys: &[String], failures: &mut Vec<String>, ctx: &str) -> Vec<VerifierKey> {
    keys.iter()
        .filter_map(|k| match VerifierKey::parse(k) {
            Ok(v) => Some(v),
            Err(e) => {
                failures.push(format!("{ctx}: verifier key {k:?} rejected: {e}"));
                None
            }
        })
        .collect()
}

fn skey_of<'a>(v: &'a Vectors, name: &str) -> Option<&'a str> {
    v.keys
        .iter()
        .find(|k| k.name == name)
        .and_then(|k| k.skey.as_deref())
}

/// Every key, valid note, malformed note, bad key and untrusted note, with
/// all disagreements reported together.
#[test]
fn signed_note_vectors() {
    let v = load();
    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0usize;

    for k in &v.keys {
        checked += 1;
        match VerifierKey::parse(&k.vkey) {
            Ok(vk) => {
                if vk.name() != k.name {
                    failures.push(format!("key {}: name {}", k.name, vk.name()));
                }
                if format!("{:08x}", vk.key_id()) != k.key_id_hex {
                    failures.push(format!("key {}: id {:08x}", k.name, vk.key_id()));
                }
                if vk.to_string() != k.vkey {
                    failures.push(format!("key {}: displays as {vk}", k.name));
                }
                if let Some(skey) = &k.skey {
                    match SignerKey::parse(skey) {
                        Ok(sk) => {
                            if sk.verifier_key() != vk {
                                failures.push(format!("key {}: skey/vkey differ", k.name));
                            }
                            if &sk.to_private_string() != skey {
                                failures.push(format!("key {}: skey does not round-trip", k.name));
                            }
                        }
                        Err(e) => failures.push(format!("key {}: skey rejected: {e}", k.name)),
                    }
                }
            }
            Err(e) => failures.push(format!("key {}: vkey rejected: {e}", k.name)),
        }
    }

    for (i, n) in v.valid_notes.iter().enumerate() {
        checked += 1;
        let ctx = format!("valid_notes[{i}]");
        let keys = parse_keys(&n.verifiers, &mut failures, &ctx);
        match open_note(&n.note, &keys) {
            Ok(o) => {
                if o.text != n.text {
                    failures.push(format!("{ctx}: text {:?}", o.text));
                }
                let names: Vec<&str> = o.verified.iter().map(|(n, _)| n.as_str()).collect();
                if names != n.verified_by {
                    failures.push(format!(
                        "{ctx}: verified by {names:?}, want {:?}",
                        n.verified_by
                    ));
                }
                let unv: Vec<&str> = o.unverified.iter().map(|s| s.name.as_str()).collect();
                if unv != n.unverified_signatures {
                    failures.push(format!(
                        "{ctx}: unverified {unv:?}, want {:?}",
                        n.unverified_signatures
                    ));
                }
            }
            Err(e) => failures.push(format!("{ctx}: rejected: {e}")),
        }
        if n.sign_with_skey_reproduces {
            let [signer] = n.verified_by.as_slice() else {
                failures.push(format!("{ctx}: reproducible note with several signers"));
                continue;
            };
            match skey_of(&v, signer).map(SignerKey::parse) {
                Some(Ok(sk)) => match sign_note(&n.text, &[&sk]) {
                    Ok(signed) if signed == n.note => {}
                    Ok(signed) => failures.push(format!("{ctx}: signing gave {signed:?}")),
                    Err(e) => failures.push(format!("{ctx}: signing failed: {e}")),
                },
                _ => failures.push(format!("{ctx}: no usable private key for {signer}")),
            }
        }
    }

    let all_keys: Vec<VerifierKey> = v
        .keys
        .iter()
        .filter_map(|k| VerifierKey::parse(&k.vkey).ok())
        .collect();
    for (i, m) in v.malformed_notes.iter().enumerate() {
        checked += 1;
        if let Ok(p) = parse_note(m) {
            failures.push(format!("malformed_notes[{i}]: parsed as {p:?}"));
        }
        if let Ok(o) = open_note(m, &all_keys) {
            failures.push(format!("malformed_notes[{i}]: opened as {o:?}"));
        }
    }

    for (i, k) in v.bad_vkeys.iter().enumerate() {
        checked += 1;
        if let Ok(vk) = VerifierKey::parse(k) {
            failures.push(format!("bad_vkeys[{i}]: accepted as {vk}"));
        }
    }

    for (i, n) in v.no_trusted_signature.iter().enumerate() {
        checked += 1;
        let ctx = format!("no_trusted_signature[{i}]");
        let keys = parse_keys(&n.verifiers, &mut failures, &ctx);
        match open_note(&n.note, &keys) {
            Err(NoteError::NoVerifiedSignature) => {}
            other => failures.push(format!("{ctx}: got {other:?}")),
        }
    }

    assert!(checked >= 17, "only {checked} vectors found");
    assert!(
        failures.is_empty(),
        "{} of {checked} vectors disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A tampered signature from a known key rejects the whole note.
#[test]
fn known_key_bad_signature_rejects() {
    let v = load();
    let n = &v.valid_notes[1];
    let keys: Vec<VerifierKey> = n
        .verifiers
        .iter()
        .map(|k| VerifierKey::parse(k).unwrap())
        .collect();
    let tampered = n.note.replace("NIuGUg", "NIuGUh");
    assert!(matches!(
        open_note(&tampered, &keys),
        Err(NoteError::InvalidSignature { .. })
    ));
    let changed_text = n.note.replacen("If", "if", 1);
    assert!(matches!(
        open_note(&changed_text, &keys),
        Err(NoteError::InvalidSignature { .. })
    ));
}
