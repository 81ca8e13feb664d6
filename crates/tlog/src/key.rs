//! Signed-note keys: Ed25519 signer keys in the Go private-key form and
//! verifier keys in the `name+keyid+base64` form (C2SP signed-note v1.0.0).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// Why a key could not be made or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key name is empty, contains a Unicode space or a `+`.
    #[error("invalid key name {0:?}: must be non-empty, without spaces or '+'")]
    InvalidName(String),
    /// The encoded key does not have the expected shape.
    #[error("malformed key: {0}")]
    Malformed(&'static str),
    /// The key id written in the key does not match the key.
    #[error("key id mismatch: key says {stated:08x}, key material gives {computed:08x}")]
    KeyIdMismatch { stated: u32, computed: u32 },
    /// The signature type byte is not one this crate supports here.
    #[error("unsupported signature type 0x{0:02x}")]
    UnsupportedType(u8),
    /// The public key is not a valid Ed25519 point.
    #[error("invalid Ed25519 public key")]
    InvalidPublicKey,
    /// The operating system random source failed.
    #[error("random source failed: {0}")]
    Random(String),
}

/// Signature type identifier bytes (signed-note v1.0.0 §"Signature types").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// `0x01`: Ed25519 signatures over the note text.
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignatures (tlog-cosignature v1.0.1).
    Cosignature,
}

impl KeyType {
    /// The signature type identifier byte.
    pub fn byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::Cosignature => 0x04,
        }
    }

    /// The type for an identifier byte, if supported.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::Cosignature),
            _ => None,
        }
    }
}

/// Whether `name` is a valid key name: non-empty, no Unicode space, no `+`
/// (signed-note v1.0.0 §"Format").
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// Key id = first four bytes, big-endian, of
/// SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)
/// (signed-note v1.0.0 §"Signatures", §"Ed25519 signatures").
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', key_type.byte()]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(KeyError::InvalidName(name.to_owned()))
    }
}

/// Parses exactly eight hex digits.
fn parse_key_id_hex(s: &str) -> Result<u32, KeyError> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed("key id must be 8 hex digits"));
    }
    u32::from_str_radix(s, 16).map_err(|_| KeyError::Malformed("key id must be 8 hex digits"))
}

/// Parsed `PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed)`: name, stated id, type, seed.
pub(crate) fn parse_private(s: &str) -> Result<(String, u32, u8, [u8; 32]), KeyError> {
    let rest = s.strip_prefix("PRIVATE+KEY+").ok_or(KeyError::Malformed(
        "private key must start with PRIVATE+KEY+",
    ))?;
    let (name, rest) = rest
        .split_once('+')
        .ok_or(KeyError::Malformed("missing key id"))?;
    check_name(name)?;
    let (id_hex, b64) = rest
        .split_once('+')
        .ok_or(KeyError::Malformed("missing key material"))?;
    let stated = parse_key_id_hex(id_hex)?;
    let mut raw = B64
        .decode(b64)
        .map_err(|_| KeyError::Malformed("key material is not valid base64"))?;
    let result = match raw.split_first() {
        None => Err(KeyError::Malformed("empty key material")),
        Some((&ty, seed)) => match <[u8; 32]>::try_from(seed) {
            Ok(seed) => Ok((name.to_owned(), stated, ty, seed)),
            Err(_) => Err(KeyError::Malformed("private seed must be 32 bytes")),
        },
    };
    raw.fill(0);
    result
}

pub(crate) fn format_private(name: &str, id: u32, ty: KeyType, seed: &[u8; 32]) -> String {
    let mut raw = [0u8; 33];
    raw[0] = ty.byte();
    raw[1..].copy_from_slice(seed);
    let s = format!("PRIVATE+KEY+{name}+{id:08x}+{}", B64.encode(raw));
    raw.fill(0);
    s
}

pub(crate) fn random_seed() -> Result<[u8; 32], KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(seed)
}

/// An Ed25519 note signer (signature type 0x01) with its key name.
///
/// `Debug` shows only the name and key id, never the seed.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key_id: u32,
    signing: SigningKey,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl SignerKey {
    /// A new random key named `name`, seeded from the operating system.
    pub fn generate(name: &str) -> Result<Self, KeyError> {
        Self::from_seed(name, random_seed()?)
    }

    /// The key with this 32-byte Ed25519 seed (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, KeyError> {
        check_name(name)?;
        let signing = SigningKey::from_bytes(&seed);
        let key_id = key_id(name, KeyType::Ed25519, signing.verifying_key().as_bytes());
        Ok(SignerKey {
            name: name.to_owned(),
            key_id,
            signing,
        })
    }

    /// Parses the Go private key form
    /// `PRIVATE+KEY+<name>+<8 hex key id>+base64(0x01 ‖ 32-byte seed)`, checking
    /// that the key id matches the derived public key (signed-note v1.0.0
    /// §"Ed25519 signatures"; golang.org/x/mod/sumdb/note key encoding).
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let (name, stated, ty, seed) = parse_private(s)?;
        if ty != KeyType::Ed25519.byte() {
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

    /// The Go private key form, see [`SignerKey::parse`]. Secret: handle with care.
    pub fn to_private_string(&self) -> String {
        format_private(
            &self.name,
            self.key_id,
            KeyType::Ed25519,
            self.signing.as_bytes(),
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id (signed-note v1.0.0 §"Signatures").
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key_type: KeyType::Ed25519,
            public: self.signing.verifying_key(),
        }
    }

    /// The Ed25519 signature of `msg` (RFC 8032).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }
}

impl FromStr for SignerKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        Self::parse(s)
    }
}

/// A public key with its name and signature type: an Ed25519 note key (0x01)
/// or a witness cosignature key (0x04).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    key_type: KeyType,
    public: VerifyingKey,
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl fmt::Display for VerifierKey {
    /// `name+<8 hex key id>+base64(type ‖ public key)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = [0u8; 33];
        raw[0] = self.key_type.byte();
        raw[1..].copy_from_slice(self.public.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, B64.encode(raw))
    }
}

impl VerifierKey {
    /// The verifier key of `key_type` for this name and 32-byte Ed25519 public key.
    pub fn new(name: &str, key_type: KeyType, public_key: [u8; 32]) -> Result<Self, KeyError> {
        check_name(name)?;
        let public =
            VerifyingKey::from_bytes(&public_key).map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id: key_id(name, key_type, &public_key),
            key_type,
            public,
        })
    }

    pub(crate) fn from_parts(
        name: String,
        key_id: u32,
        key_type: KeyType,
        public: VerifyingKey,
    ) -> Self {
        VerifierKey {
            name,
            key_id,
            key_type,
            public,
        }
    }

    /// Parses `name+<8 hex key id>+base64(type ‖ public key)`, checking that the
    /// key id matches (signed-note v1.0.0 §"Signatures"). Types 0x01 and 0x04
    /// are supported, both with 32-byte Ed25519 keys.
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let (name, rest) = s
            .split_once('+')
            .ok_or(KeyError::Malformed("missing key id"))?;
        check_name(name)?;
        let (id_hex, b64) = rest
            .split_once('+')
            .ok_or(KeyError::Malformed("missing key material"))?;
        let stated = parse_key_id_hex(id_hex)?;
        let raw = B64
            .decode(b64)
            .map_err(|_| KeyError::Malformed("key material is not valid base64"))?;
        let (&ty, public) = raw
            .split_first()
            .ok_or(KeyError::Malformed("empty key material"))?;
        let key_type = KeyType::from_byte(ty).ok_or(KeyError::UnsupportedType(ty))?;
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| KeyError::Malformed("Ed25519 public key must be 32 bytes"))?;
        let key = Self::new(name, key_type, public)?;
        if key.key_id != stated {
            return Err(KeyError::KeyIdMismatch {
                stated,
                computed: key.key_id,
            });
        }
        Ok(key)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type of this key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.public.to_bytes()
    }

    /// Strict Ed25519 verification (RFC 8032 plus the rejection of small-order
    /// and non-canonical encodings) of a 64-byte `sig` over `msg`. For a
    /// cosignature key the caller builds the cosigned message itself (see
    /// [`crate::cosignature`]).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.public
            .verify_strict(msg, &Signature::from_bytes(&sig))
            .is_ok()
    }

    /// Verifies a note signature (without its key id prefix) over the note
    /// text according to the key type: plain Ed25519 for 0x01, timestamped
    /// cosignature for 0x04 (tlog-cosignature v1.0.1 §"Format"). Returns the
    /// cosignature timestamp (0 for 0x01 keys) when valid.
    pub(crate) fn verify_note_signature(&self, text: &str, sig: &[u8]) -> Option<u64> {
        match self.key_type {
            KeyType::Ed25519 => self.verify(text.as_bytes(), sig).then_some(0),
            KeyType::Cosignature => {
                let (time, sig) = crate::cosignature::split_signature(sig)?;
                let msg = crate::cosignature::signed_message(time, text);
                self.verify(msg.as_bytes(), sig).then_some(time)
            }
        }
    }
}

impl FromStr for VerifierKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_private_and_public() {
        let k = SignerKey::from_seed("example.org/log", [7; 32]).unwrap();
        let back = SignerKey::parse(&k.to_private_string()).unwrap();
        assert_eq!(back.key_id(), k.key_id());
        let v = k.verifier_key();
        assert_eq!(VerifierKey::parse(&v.to_string()).unwrap(), v);
        let sig = k.sign(b"hi\n");
        assert!(v.verify(b"hi\n", &sig));
        assert!(!v.verify(b"hi!\n", &sig));
        assert!(!format!("{k:?}").contains(&k.to_private_string()[30..]));
    }

    #[test]
    fn names() {
        for bad in ["", "a b", "a+b", "a\u{a0}b", "a\tb", "a\u{2003}"] {
            assert!(!is_valid_key_name(bad), "{bad:?}");
            assert!(SignerKey::from_seed(bad, [1; 32]).is_err());
        }
        assert!(is_valid_key_name("example.com/foo"));
    }

    #[test]
    fn generate_differs() {
        let a = SignerKey::generate("a").unwrap();
        let b = SignerKey::generate("a").unwrap();
        assert_ne!(a.verifier_key(), b.verifier_key());
    }
}
