//! Checkpoints (C2SP tlog-checkpoint v1.0.0): the note text of a signed tree
//! head, and signing and opening it as a signed note.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::key::{SignerKey, VerifierKey};
use crate::merkle::Hash;
use crate::note::{self, NoteError, OpenedNote};

/// Why a checkpoint could not be parsed, signed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The text is not a well-formed checkpoint.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// The signed note is malformed or does not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A log's tree head: origin, tree size, root hash and optional extension
/// lines (tlog-checkpoint v1.0.0 §"Note text").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

/// Parses a tree size: ASCII decimal without leading zeros ("0" for the
/// empty tree), fitting in u64 (tlog-checkpoint v1.0.0 §"Note text" line 2).
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Decodes standard base64 of exactly 32 bytes.
pub(crate) fn parse_hash(s: &str) -> Option<Hash> {
    B64.decode(s).ok()?.try_into().ok()
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: origin, size, base64 root, then extension lines, each
    /// ending in a newline (tlog-checkpoint v1.0.0 §"Note text"). Use
    /// [`Checkpoint::check`] first if the fields come from outside.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Checks the fields can be written as a checkpoint: non-empty origin and
    /// extension lines without newlines or other control characters, i.e.
    /// characters below U+0020 (tlog-checkpoint v1.0.0 §"Note text";
    /// signed-note v1.0.0 §"Format"). Exactly what [`Checkpoint::parse`]
    /// accepts: U+007F (DEL) is not a control character there.
    pub fn check(&self) -> Result<(), CheckpointError> {
        let bad = |s: &str| s.is_empty() || s.bytes().any(|b| b < 0x20);
        if bad(&self.origin) {
            return Err(CheckpointError::Malformed(
                "origin must be non-empty, without control characters",
            ));
        }
        if self.extensions.iter().any(|e| bad(e)) {
            return Err(CheckpointError::Malformed(
                "extension lines must be non-empty, without control characters",
            ));
        }
        Ok(())
    }

    /// Parses checkpoint note text strictly (tlog-checkpoint v1.0.0 §"Note
    /// text"): at least three newline-terminated lines; a non-empty origin; a
    /// decimal size without leading zeros; a base64 root of exactly 32 bytes;
    /// non-empty extension lines; no control characters.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        note::check_text(text).map_err(|_| {
            CheckpointError::Malformed("text must end in a newline, without control characters")
        })?;
        let body = &text[..text.len() - 1];
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::Malformed("empty origin"));
        }
        let size = lines
            .next()
            .and_then(parse_decimal)
            .ok_or(CheckpointError::Malformed(
                "tree size must be decimal without leading zeros",
            ))?;
        let root = lines
            .next()
            .and_then(parse_hash)
            .ok_or(CheckpointError::Malformed(
                "root must be base64 of 32 bytes",
            ))?;
        let mut extensions = Vec::new();
        for e in lines {
            if e.is_empty() {
                return Err(CheckpointError::Malformed("empty extension line"));
            }
            extensions.push(e.to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint as a note (tlog-checkpoint v1.0.0 §"Signatures").
    pub fn sign(&self, signers: &[&SignerKey]) -> Result<String, CheckpointError> {
        self.check()?;
        Ok(note::sign_note(&self.to_text(), signers)?)
    }

    /// Opens a signed checkpoint: verifies the note against `verifiers`
    /// (signed-note v1.0.0 §"Signatures") and parses its text.
    pub fn open(
        msg: &str,
        verifiers: &[VerifierKey],
    ) -> Result<(Checkpoint, OpenedNote), CheckpointError> {
        let opened = note::open_note(msg, verifiers)?;
        let cp = Checkpoint::parse(&opened.text)?;
        Ok((cp, opened))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn spec_example_roundtrips() {
        let cp = Checkpoint::parse(SPEC).unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert_eq!(cp.to_text(), SPEC);
        let ext = format!("{SPEC}ext one\nz\n");
        let cp = Checkpoint::parse(&ext).unwrap();
        assert_eq!(cp.extensions, vec!["ext one", "z"]);
        assert_eq!(cp.to_text(), ext);
    }

    #[test]
    fn rejects_malformed() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        for bad in [
            String::new(),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n+1\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1 \n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            "o\n1\nAAAA\n".to_owned(),
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".to_owned(),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}\next\n\n"),
            "o\n1\n".to_owned(),
            format!("o\r\n1\n{root}\n"),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Checkpoint::parse(&format!("o\n0\n{root}\n")).unwrap().size,
            0
        );
    }

    /// Found by the `checkpoint` fuzz target: `check` (and so `sign`)
    /// refused DEL (U+007F), which `parse` accepts and signed-note v1.0.0
    /// §"Format" allows ("ASCII control characters (those below U+0020)"),
    /// so a parsed checkpoint could not be signed again.
    #[test]
    fn check_accepts_what_parse_accepts() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        for text in [
            format!("\u{7f}log\n37\n{root}\n"),
            format!("o\n37\n{root}\next\u{7f}ension\n"),
        ] {
            let cp = Checkpoint::parse(&text).unwrap();
            assert_eq!(cp.check(), Ok(()), "{text:?}");
            let k = SignerKey::from_seed("o", [9; 32]).unwrap();
            let (back, _) =
                Checkpoint::open(&cp.sign(&[&k]).unwrap(), &[k.verifier_key()]).unwrap();
            assert_eq!(back, cp);
        }
        for bad in ["a\tb", "a\rb", "a\nb", "\u{1}", ""] {
            assert!(Checkpoint::new(bad, 1, [0; 32]).check().is_err(), "{bad:?}");
            let mut cp = Checkpoint::new("o", 1, [0; 32]);
            cp.extensions.push(bad.to_owned());
            assert!(cp.check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sign_and_open() {
        let k = SignerKey::from_seed("example.com/log", [9; 32]).unwrap();
        let cp = Checkpoint::new("example.com/log", 3, [1; 32]);
        let signed = cp.sign(&[&k]).unwrap();
        let (back, opened) = Checkpoint::open(&signed, &[k.verifier_key()]).unwrap();
        assert_eq!(back, cp);
        assert_eq!(opened.verified.len(), 1);
        let bad = Checkpoint::new("two\nlines", 3, [1; 32]);
        assert!(bad.sign(&[&k]).is_err());
    }
}
