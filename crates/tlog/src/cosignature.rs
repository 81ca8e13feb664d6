//! Witness cosignatures (C2SP tlog-cosignature v1.0.1, Ed25519 type 0x04):
//! timestamped signatures over a checkpoint, carried as note signature lines.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey};

use crate::key::{self, KeyError, KeyType, VerifierKey, format_private, parse_private};
use crate::note::{self, NoteError, NoteSignature};

/// Length of a `timestamped_signature` for Ed25519: 8-byte time ‖ 64-byte signature.
pub const COSIGNATURE_LEN: usize = 72;

/// Largest timestamp a cosignature may carry (tlog-cosignature v1.0.1 §"Format").
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// Why a cosignature could not be made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    /// The cosigned text is not valid note text.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The timestamp exceeds 2^63 - 1.
    #[error("cosignature timestamp {0} exceeds 2^63-1")]
    TimestampTooLarge(u64),
    /// The signature line belongs to another key.
    #[error("signature is from {name}+{key_id:08x}, not from the given key")]
    WrongKey { name: String, key_id: u32 },
    /// The key is not a cosignature (0x04) key.
    #[error("key is not a cosignature key")]
    NotCosignatureKey,
    /// The signature is not 72 bytes or has a timestamp above 2^63 - 1.
    #[error("malformed cosignature")]
    Malformed,
    /// The Ed25519 signature does not verify.
    #[error("cosignature does not verify")]
    Invalid,
}

/// The Ed25519 cosigned message: `cosignature/v1\ntime <t>\n` followed by the
/// whole checkpoint note text (tlog-cosignature v1.0.1 §"Ed25519 signed message").
pub fn signed_message(time: u64, checkpoint_text: &str) -> String {
    format!("cosignature/v1\ntime {time}\n{checkpoint_text}")
}

/// Splits a `timestamped_signature` into its time and Ed25519 signature,
/// rejecting a wrong length or a time above 2^63 - 1
/// (tlog-cosignature v1.0.1 §"Format").
pub(crate) fn split_signature(sig: &[u8]) -> Option<(u64, &[u8])> {
    if sig.len() != COSIGNATURE_LEN {
        return None;
    }
    let (t, s) = sig.split_at(8);
    let time = u64::from_be_bytes(t.try_into().ok()?);
    (time <= MAX_TIMESTAMP).then_some((time, s))
}

/// An Ed25519 witness cosigner key (signature type 0x04).
///
/// Its private form reuses the Go note form with type byte 0x04,
/// `PRIVATE+KEY+<name>+<hex id>+base64(0x04 ‖ seed)`: a countersign
/// convention, as the spec defines no private key encoding. `Debug` never
/// shows the seed.
#[derive(Clone)]
pub struct CosignerKey {
    name: String,
    key_id: u32,
    signing: SigningKey,
}

impl fmt::Debug for CosignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosignerKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl CosignerKey {
    /// A new random cosigner key named `name`.
    pub fn generate(name: &str) -> Result<Self, KeyError> {
        Self::from_seed(name, key::random_seed()?)
    }

    /// The cosigner key with this Ed25519 seed. Its key id uses type 0x04
    /// (tlog-cosignature v1.0.1 §"Format").
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, KeyError> {
        if !key::is_valid_key_name(name) {
            return Err(KeyError::InvalidName(name.to_owned()));
        }
        let signing = SigningKey::from_bytes(&seed);
        let key_id = key::key_id(
            name,
            KeyType::Cosignature,
            signing.verifying_key().as_bytes(),
        );
        Ok(CosignerKey {
            name: name.to_owned(),
            key_id,
            signing,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+base64(0x04 ‖ seed)`, checking the key id.
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let (name, stated, ty, seed) = parse_private(s)?;
        if ty != KeyType::Cosignature.byte() {
            return Err(KeyError::UnsupportedType(ty));
        }
        let key = Self::from_seed(&name, seed)?;
        if key.key_id != stated {
            return Err(KeyError::KeyIdMismatch {
                stated,
                computed: key.key_id,
            });
        }
        Ok(key)
    }

    /// The private form, see [`CosignerKey::parse`]. Secret.
    pub fn to_private_string(&self) -> String {
        format_private(
            &self.name,
            self.key_id,
            KeyType::Cosignature,
            self.signing.as_bytes(),
        )
    }

    /// The cosigner name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id (type 0x04).
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching verifier key, of type [`KeyType::Cosignature`].
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::from_parts(
            self.name.clone(),
            self.key_id,
            KeyType::Cosignature,
            self.signing.verifying_key(),
        )
    }

    /// Cosigns a checkpoint note text at POSIX `time`: the signature line's
    /// signature is the 72-byte `timestamped_signature` (tlog-cosignature
    /// v1.0.1 §"Format", §"Ed25519 signed message").
    pub fn cosign(
        &self,
        checkpoint_text: &str,
        time: u64,
    ) -> Result<NoteSignature, CosignatureError> {
        note::check_text(checkpoint_text)?;
        if time > MAX_TIMESTAMP {
            return Err(CosignatureError::TimestampTooLarge(time));
        }
        let sig = self
            .signing
            .sign(signed_message(time, checkpoint_text).as_bytes())
            .to_bytes();
        let mut raw = Vec::with_capacity(COSIGNATURE_LEN);
        raw.extend_from_slice(&time.to_be_bytes());
        raw.extend_from_slice(&sig);
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature: raw,
        })
    }
}

/// Verifies one cosignature line by `key` over `checkpoint_text` and returns
/// its timestamp (tlog-cosignature v1.0.1 §"Format", §"Ed25519 signed message").
pub fn verify_cosignature(
    key: &VerifierKey,
    checkpoint_text: &str,
    sig: &NoteSignature,
) -> Result<u64, CosignatureError> {
    if key.key_type() != KeyType::Cosignature {
        return Err(CosignatureError::NotCosignatureKey);
    }
    if key.name() != sig.name || key.key_id() != sig.key_id {
        return Err(CosignatureError::WrongKey {
            name: sig.name.clone(),
            key_id: sig.key_id,
        });
    }
    let (time, raw) = split_signature(&sig.signature).ok_or(CosignatureError::Malformed)?;
    if key.verify(signed_message(time, checkpoint_text).as_bytes(), raw) {
        Ok(time)
    } else {
        Err(CosignatureError::Invalid)
    }
}

/// A cosignature found valid in a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCosignature {
    pub name: String,
    pub key_id: u32,
    pub time: u64,
}

/// Every valid cosignature in a signed note by one of `witnesses`, in note
/// order (one per key). Lines by other keys are ignored; a line by a listed
/// witness that fails to verify is an error, as for any known key
/// (signed-note v1.0.0 §"Signatures").
pub fn verify_cosignatures(
    msg: &str,
    witnesses: &[VerifierKey],
) -> Result<Vec<VerifiedCosignature>, CosignatureError> {
    let (text, sigs) = note::parse_note(msg)?;
    let mut out: Vec<VerifiedCosignature> = Vec::new();
    for sig in &sigs {
        let Some(w) = witnesses.iter().find(|w| {
            w.key_type() == KeyType::Cosignature && w.name() == sig.name && w.key_id() == sig.key_id
        }) else {
            continue;
        };
        let time = verify_cosignature(w, &text, sig)?;
        if !out
            .iter()
            .any(|c| c.name == sig.name && c.key_id == sig.key_id)
        {
            out.push(VerifiedCosignature {
                name: sig.name.clone(),
                key_id: sig.key_id,
                time,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SignerKey, open_note, sign_note};

    #[test]
    fn cosign_and_verify() {
        let log = SignerKey::from_seed("example.com/log", [1; 32]).unwrap();
        let w = CosignerKey::from_seed("example.com/w1", [2; 32]).unwrap();
        let text = "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let mut signed = sign_note(text, &[&log]).unwrap();
        let line = w.cosign(text, 1_679_315_147).unwrap();
        assert_eq!(line.signature.len(), COSIGNATURE_LEN);
        signed.push_str(&line.to_line());
        assert_eq!(
            verify_cosignature(&w.verifier_key(), text, &line).unwrap(),
            1_679_315_147
        );
        let cos = verify_cosignatures(&signed, &[w.verifier_key()]).unwrap();
        assert_eq!(cos.len(), 1);
        assert_eq!(cos[0].time, 1_679_315_147);
        let o = open_note(&signed, &[log.verifier_key(), w.verifier_key()]).unwrap();
        assert_eq!(o.verified.len(), 2);
        let back = CosignerKey::parse(&w.to_private_string()).unwrap();
        assert_eq!(back.verifier_key(), w.verifier_key());
        assert!(SignerKey::parse(&w.to_private_string()).is_err());
        assert!(matches!(
            w.cosign(text, MAX_TIMESTAMP + 1),
            Err(CosignatureError::TimestampTooLarge(_))
        ));
        let mut bad = line.clone();
        bad.signature[3] ^= 1;
        assert_eq!(
            verify_cosignature(&w.verifier_key(), text, &bad),
            Err(CosignatureError::Invalid)
        );
    }
}
