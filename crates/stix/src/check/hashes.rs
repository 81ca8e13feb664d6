//! Hashes dictionaries (§2.7): keys from hashing-algorithm-ov (§10.7) with
//! values of the algorithm's length and alphabet, or custom algorithm names.
//!
//! The forms follow the OASIS schema `hashes-type.json`, so that a value
//! stix2-validator refuses is refused here too: MD5 32 hex digits, SHA-1 40,
//! SHA-256 and SHA3-256 64, SHA-512 and SHA3-512 128, SSDEEP up to 128 of
//! `[a-zA-Z0-9/+:.]`, TLSH 70 alphanumerics. A custom key is 3-250 of
//! `[a-zA-Z0-9_-]` and draws a warning, as it does in stix2-validator.

use serde_json::Value;

use super::ProblemKind;
use super::object::Cx;
use super::vocab::HASHING_ALGORITHM;

/// The length and alphabet of a known algorithm's digest.
enum Form {
    Hex(usize),
    Ssdeep,
    Tlsh,
}

fn form_of(algorithm: &str) -> Option<Form> {
    Some(match algorithm {
        "MD5" => Form::Hex(32),
        "SHA-1" => Form::Hex(40),
        "SHA-256" | "SHA3-256" => Form::Hex(64),
        "SHA-512" | "SHA3-512" => Form::Hex(128),
        "SSDEEP" => Form::Ssdeep,
        "TLSH" => Form::Tlsh,
        _ => return None,
    })
}

fn fits(form: &Form, digest: &str) -> bool {
    match form {
        Form::Hex(n) => digest.len() == *n && digest.bytes().all(|c| c.is_ascii_hexdigit()),
        Form::Ssdeep => {
            (1..=128).contains(&digest.len())
                && digest
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b':' | b'.'))
        }
        Form::Tlsh => digest.len() == 70 && digest.bytes().all(|c| c.is_ascii_alphanumeric()),
    }
}

/// Checks a hashes dictionary at `path`.
pub(super) fn check(cx: &mut Cx<'_>, path: &str, v: &Value) {
    let Some(m) = v.as_object() else {
        cx.error(
            ProblemKind::InvalidHash,
            path,
            "hashes must be a dictionary of algorithm names to digests (§2.7)",
        );
        return;
    };
    if m.is_empty() {
        cx.error(
            ProblemKind::InvalidHash,
            path,
            "hashes must hold at least one hash (§2.7)",
        );
    }
    for (algorithm, digest) in m {
        let at = format!("{path}.{algorithm}");
        let Some(digest) = digest.as_str() else {
            cx.error(
                ProblemKind::InvalidHash,
                &at,
                "a hash value must be a string",
            );
            continue;
        };
        match form_of(algorithm) {
            Some(form) => {
                if !fits(&form, digest) {
                    let want = match form {
                        Form::Hex(n) => format!("{n} hex digits"),
                        Form::Ssdeep => "1-128 characters of a-z, A-Z, 0-9, /, +, : and .".into(),
                        Form::Tlsh => "70 letters and digits".into(),
                    };
                    cx.error(
                        ProblemKind::InvalidHash,
                        &at,
                        format!("a {algorithm} hash is {want}, not {digest:?}"),
                    );
                }
            }
            None => {
                let name_ok = (3..=250).contains(&algorithm.len())
                    && algorithm
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
                if !name_ok {
                    cx.error(
                        ProblemKind::InvalidHash,
                        &at,
                        "a custom hash algorithm name is 3-250 characters of a-z, A-Z, 0-9, _ and - (§2.7)",
                    );
                } else {
                    cx.warning(
                        ProblemKind::VocabularyValue,
                        Some(&at),
                        format!(
                            "{algorithm:?} is not in {} (§10.7): {}",
                            HASHING_ALGORITHM.name,
                            HASHING_ALGORITHM.values.join(", ")
                        ),
                    );
                }
            }
        }
    }
}
