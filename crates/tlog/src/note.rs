//! Signed notes (C2SP signed-note v1.0.0): signing, parsing and verifying.

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::key::{SignerKey, VerifierKey, is_valid_key_name};

/// The most signature lines a note may carry. The spec requires verifiers to
/// accept at least 16 (signed-note v1.0.0 §"Format"); like the Go reference we
/// accept up to 100 and reject notes with more, which bounds the work an
/// attacker can cause.
pub const MAX_SIGNATURES: usize = 100;

/// The prefix of every signature line: em dash U+2014 and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note could not be signed, parsed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note or text is not well formed.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature from a known key did not verify.
    #[error("invalid signature from known key {name}+{key_id:08x}")]
    InvalidSignature { name: String, key_id: u32 },
    /// No signature from a known key was found.
    #[error("no signature from a known key")]
    NoVerifiedSignature,
    /// Signing was asked with no signers.
    #[error("at least one signer is required")]
    NoSigners,
    /// Two signers share a name and key id.
    #[error("duplicate signer {name}+{key_id:08x}")]
    DuplicateSigner { name: String, key_id: u32 },
}

/// One signature line of a note: key name, key id and the signature bytes
/// (without the 4-byte key id prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line `— <name> base64(key id ‖ signature)\n`
    /// (signed-note v1.0.0 §"Signatures").
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }

    /// Parses one signature line without its final newline
    /// (signed-note v1.0.0 §"Format", §"Signatures").
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "signature line must start with '\u{2014} '",
        ))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(NoteError::Malformed("signature line lacks a space"))?;
        if !is_valid_key_name(name) {
            return Err(NoteError::Malformed("invalid key name in signature line"));
        }
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("signature is not valid base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("signature too short"));
        }
        let (id, sig) = raw.split_at(4);
        Ok(NoteSignature {
            name: name.to_owned(),
            key_id: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
            signature: sig.to_vec(),
        })
    }
}

/// A note whose signatures were checked against a set of known keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The note text, ending in a newline.
    pub text: String,
    /// (key name, key id) of each known key whose signature verified, in note
    /// order, without repeats.
    pub verified: Vec<(String, u32)>,
    /// Signatures from keys not in the known set, in note order, without
    /// repeated identical lines.
    pub unverified: Vec<NoteSignature>,
}

/// Checks the character rules of signed-note v1.0.0 §"Format": no ASCII
/// control character other than newline (UTF-8 validity is given by `&str`).
fn check_chars(s: &str) -> Result<(), NoteError> {
    if s.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::Malformed("control character in note"));
    }
    Ok(())
}

/// Checks that `text` can be the text of a signed note: non-empty, ending in
/// a newline, no control characters other than newline (signed-note v1.0.0
/// §"Format"). Empty lines inside the text are allowed by the spec: the text
/// is separated from the signatures by the last empty line.
pub fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("note text must end with a newline"));
    }
    check_chars(text)
}

/// Signs `text` with each signer and returns the signed note: the text, a
/// blank line, and one signature line per signer in order (signed-note v1.0.0
/// §"Format", §"Ed25519 signatures").
pub fn sign_note(text: &str, signers: &[&SignerKey]) -> Result<String, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::NoSigners);
    }
    let mut seen = HashSet::new();
    let mut out = String::with_capacity(text.len() + 1 + signers.len() * 110);
    out.push_str(text);
    out.push('\n');
    for s in signers {
        if !seen.insert((s.name(), s.key_id())) {
            return Err(NoteError::DuplicateSigner {
                name: s.name().to_owned(),
                key_id: s.key_id(),
            });
        }
        let sig = NoteSignature {
            name: s.name().to_owned(),
            key_id: s.key_id(),
            signature: s.sign(text.as_bytes()).to_vec(),
        };
        out.push_str(&sig.to_line());
    }
    Ok(out)
}

/// Splits a signed note into its text and signature lines without verifying
/// anything (signed-note v1.0.0 §"Format"). Rejects control characters, a
/// missing blank line, an empty or unterminated signature block, malformed
/// signature lines, and more than [`MAX_SIGNATURES`] lines.
pub fn parse_note(msg: &str) -> Result<(String, Vec<NoteSignature>), NoteError> {
    check_chars(msg)?;
    let split = msg
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before signatures"))?;
    let (text, sigs) = (&msg[..=split], &msg[split + 2..]);
    if sigs.is_empty() {
        return Err(NoteError::Malformed("no signature lines"));
    }
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Err(NoteError::Malformed(
            "signature block must end with a newline",
        ));
    };
    let mut out = Vec::new();
    for line in sigs.split('\n') {
        if out.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        out.push(NoteSignature::parse_line(line)?);
    }
    Ok((text.to_owned(), out))
}

/// Parses a signed note and verifies it against `verifiers` (signed-note
/// v1.0.0 §"Signatures"): signatures whose (name, key id) match no verifier are
/// kept as unverified; a matching key whose signature fails rejects the note;
/// the note is rejected unless at least one known key verifies. Cosignature
/// (0x04) keys verify their timestamped signatures (tlog-cosignature v1.0.1).
pub fn open_note(msg: &str, verifiers: &[VerifierKey]) -> Result<OpenedNote, NoteError> {
    let (text, sigs) = parse_note(msg)?;
    let mut verified: Vec<(String, u32)> = Vec::new();
    let mut unverified: Vec<NoteSignature> = Vec::new();
    for sig in sigs {
        let known = verifiers
            .iter()
            .find(|v| v.name() == sig.name && v.key_id() == sig.key_id);
        match known {
            None => {
                if !unverified.contains(&sig) {
                    unverified.push(sig);
                }
            }
            Some(v) => {
                if v.verify_note_signature(&text, &sig.signature).is_none() {
                    return Err(NoteError::InvalidSignature {
                        name: sig.name,
                        key_id: sig.key_id,
                    });
                }
                let id = (sig.name, sig.key_id);
                if !verified.contains(&id) {
                    verified.push(id);
                }
            }
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoVerifiedSignature);
    }
    Ok(OpenedNote {
        text,
        verified,
        unverified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_open_roundtrip_with_blank_lines_in_text() {
        let k = SignerKey::from_seed("k", [3; 32]).unwrap();
        for text in ["a\n", "\n", "a\n\nb\n", "a\n\n", "\u{2014} x y\n"] {
            let n = sign_note(text, &[&k]).unwrap();
            let o = open_note(&n, &[k.verifier_key()]).unwrap();
            assert_eq!(o.text, text);
            assert_eq!(o.verified, vec![("k".to_owned(), k.key_id())]);
        }
        assert!(sign_note("no newline", &[&k]).is_err());
        assert!(sign_note("bell\u{7}\n", &[&k]).is_err());
        assert_eq!(sign_note("a\n", &[]), Err(NoteError::NoSigners));
        assert!(matches!(
            sign_note("a\n", &[&k, &k]),
            Err(NoteError::DuplicateSigner { .. })
        ));
    }

    #[test]
    fn signature_limit() {
        let k = SignerKey::from_seed("k", [3; 32]).unwrap();
        let n = sign_note("a\n", &[&k]).unwrap();
        let line = &n[3..];
        let many = format!("a\n\n{}", line.repeat(MAX_SIGNATURES));
        assert!(open_note(&many, &[k.verifier_key()]).is_ok());
        let too_many = format!("a\n\n{}", line.repeat(MAX_SIGNATURES + 1));
        assert_eq!(parse_note(&too_many), Err(NoteError::TooManySignatures));
    }
}
