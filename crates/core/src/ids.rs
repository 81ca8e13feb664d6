//! Identifiers: party slugs, envelope ids and SHA-256 digests.
//!
//! Envelope ids and party ids are read and written for every envelope a
//! node handles, so their text forms avoid needless allocation: a digest is
//! formatted on the stack, and both are parsed from borrowed text when the
//! deserializer has it.

use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

use crate::error::CoreError;

/// A party's id: a slug of 2–64 characters, lowercase ASCII letters, digits
/// and single hyphens, starting with a letter. It doubles as the name of
/// the party's signing keys in C2SP notes, which forbid spaces and `+`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PartyId(String);

impl PartyId {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        Self::check(text)?;
        Ok(PartyId(text.to_owned()))
    }

    fn check(text: &str) -> Result<(), CoreError> {
        let bytes = text.as_bytes();
        let ok = (2..=64).contains(&bytes.len())
            && bytes[0].is_ascii_lowercase()
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && !text.ends_with('-')
            && !text.contains("--");
        if ok {
            Ok(())
        } else {
            Err(CoreError::invalid(format!(
                "{text:?} is not a party id: use 2-64 lowercase letters, digits and single hyphens, starting with a letter (e.g. cert-aurelia)"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A lowercase hex SHA-256 digest: envelope ids and attachment addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256Hex([u8; 32]);

impl Sha256Hex {
    pub fn digest(data: &[u8]) -> Self {
        Sha256Hex(Sha256::digest(data).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Sha256Hex(bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let well_formed = text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let mut out = [0u8; 32];
        if well_formed && hex::decode_to_slice(text, &mut out).is_ok() {
            Ok(Sha256Hex(out))
        } else {
            Err(CoreError::invalid(format!(
                "{text:?} is not a SHA-256 digest (64 lowercase hex digits)"
            )))
        }
    }
}

/// An envelope id: the SHA-256 of the envelope's RFC 8785 form.
pub type EnvelopeId = Sha256Hex;

macro_rules! text_forms {
    ($t:ty, $expecting:literal) => {
        impl FromStr for $t {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, CoreError> {
                Self::parse(s)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct TextVisitor;
                impl<'de> Visitor<'de> for TextVisitor {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$t, E> {
                        <$t>::parse(text).map_err(E::custom)
                    }
                    fn visit_string<E: serde::de::Error>(self, text: String) -> Result<$t, E> {
                        <$t>::parse_owned(text).map_err(E::custom)
                    }
                }
                d.deserialize_str(TextVisitor)
            }
        }
    };
}

impl PartyId {
    /// [`PartyId::parse`] keeping the given string instead of copying it.
    fn parse_owned(text: String) -> Result<Self, CoreError> {
        Self::check(&text)?;
        Ok(PartyId(text))
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Sha256Hex {
    fn parse_owned(text: String) -> Result<Self, CoreError> {
        Self::parse(&text)
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0u8; 64];
        // 64 bytes for 32: encode_to_slice cannot fail; hex digits are ASCII.
        if hex::encode_to_slice(self.0, &mut text).is_err() {
            return Err(fmt::Error);
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Sha256Hex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

text_forms!(PartyId, "a party id");
text_forms!(Sha256Hex, "a SHA-256 digest (64 lowercase hex digits)");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_ids() {
        for good in ["cert-aurelia", "ncsc2", "as64500-abuse"] {
            assert!(PartyId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a",
            "Cert",
            "cert aurelia",
            "cert+x",
            "-x",
            "x-",
            "a--b",
            "1cert",
        ] {
            assert!(PartyId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digests_round_trip() {
        let d = Sha256Hex::digest(b"abc");
        assert_eq!(
            d.to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Sha256Hex::parse(&d.to_string()).unwrap(), d);
        assert!(Sha256Hex::parse(&d.to_string().to_uppercase()).is_err());
        assert!(Sha256Hex::parse("abc").is_err());
    }
}
