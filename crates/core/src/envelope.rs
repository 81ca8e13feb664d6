//! Envelopes: the signed unit every message travels in (DESIGN.md, "Fixed
//! formats").
//!
//! An envelope is the JSON object `{v, type, from, to[], created, refs[],
//! tlp, body, attachments[]}`. Its id is the lowercase hex SHA-256 of its
//! RFC 8785 form; its signature is a C2SP signed note whose text is
//! `countersign/envelope/v1\n<id>\n`, signed with a key named after the
//! `from` party. Nothing else is signed, so the id must be reproducible from
//! the JSON: parsing is strict (no unknown or duplicate fields, canonical
//! timestamps) and a received envelope's id is computed from the JSON as
//! received, then checked against the typed value.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, ErrorKind, Result};
use crate::ids::{EnvelopeId, PartyId, Sha256Hex};
use crate::jcs;
use crate::party::Party;
use crate::time::Timestamp;
use crate::tlp::Tlp;
use crate::vocab::vocabulary;
use countersign_tlog::{SignerKey, VerifierKey, open_note, sign_note};

/// The envelope format version this code writes and reads.
pub const ENVELOPE_VERSION: u32 = 1;

/// The first line of an envelope signature's note text.
pub const SIGNATURE_CONTEXT: &str = "countersign/envelope/v1";

vocabulary! {
    /// What an envelope carries.
    pub enum EnvelopeType ("envelope type") {
        Notification => "notification",
        Reply => "reply",
        Receipt => "receipt",
        Rating => "rating",
        /// A party's signed directory entry.
        Party => "party",
        Ping => "ping",
        Pong => "pong",
    }
}

/// A content-addressed file that travels with an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    pub sha256: Sha256Hex,
    pub size: u64,
    pub media_type: String,
    pub name: String,
}

impl AttachmentRef {
    fn validate(&self) -> Result<()> {
        let mt = &self.media_type;
        let media_ok = mt.len() <= 255
            && mt
                .split_once('/')
                .is_some_and(|(t, s)| !t.is_empty() && !s.is_empty())
            && !mt.chars().any(|c| c.is_whitespace() || c.is_control());
        if !media_ok {
            return Err(CoreError::invalid(format!("{mt:?} is not a media type")));
        }
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 255
            && !self.name.contains(['/', '\\'])
            && !self.name.chars().any(char::is_control)
            && self.name != "."
            && self.name != "..";
        if !name_ok {
            return Err(CoreError::invalid(format!(
                "{:?} is not an attachment name (1-255 characters, no path separators)",
                self.name
            )));
        }
        Ok(())
    }
}

/// An unsigned envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u32,
    #[serde(rename = "type")]
    pub kind: EnvelopeType,
    pub from: PartyId,
    pub to: Vec<PartyId>,
    pub created: Timestamp,
    pub refs: Vec<EnvelopeId>,
    pub tlp: Tlp,
    pub body: Value,
    pub attachments: Vec<AttachmentRef>,
}

impl Envelope {
    /// The envelope as the JSON value that is hashed and sent.
    pub fn to_value(&self) -> Result<Value> {
        serde_json::to_value(self)
            .map_err(|e| CoreError::invalid(format!("cannot serialise envelope: {e}")))
    }

    /// SHA-256 of the RFC 8785 form.
    pub fn id(&self) -> Result<EnvelopeId> {
        Ok(Sha256Hex::digest(&jcs::canonical_bytes(&self.to_value()?)?))
    }

    /// Checks the header rules that do not depend on the body type.
    pub fn validate(&self) -> Result<()> {
        if self.v != ENVELOPE_VERSION {
            return Err(CoreError::invalid(format!(
                "envelope version {} is not supported (this node reads version {ENVELOPE_VERSION})",
                self.v
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for to in &self.to {
            if !seen.insert(to) {
                return Err(CoreError::invalid(format!("recipient {to} is named twice")));
            }
            if *to == self.from {
                return Err(CoreError::invalid(format!("{to} cannot send to itself")));
            }
        }
        let needs_recipient = !matches!(self.kind, EnvelopeType::Party);
        if needs_recipient && self.to.is_empty() {
            return Err(CoreError::invalid(format!(
                "a {} envelope needs at least one recipient",
                self.kind
            )));
        }
        let mut shas = std::collections::BTreeSet::new();
        for a in &self.attachments {
            a.validate()?;
            if !shas.insert(a.sha256) {
                return Err(CoreError::invalid(format!(
                    "attachment {} is listed twice",
                    a.sha256
                )));
            }
        }
        Ok(())
    }

    /// Signs the envelope with a key of its `from` party.
    pub fn sign(self, key: &SignerKey) -> Result<SignedEnvelope> {
        if key.name() != self.from.as_str() {
            return Err(CoreError::bad_signature(format!(
                "key {} cannot sign for party {}",
                key.name(),
                self.from
            )));
        }
        self.validate()?;
        let id = self.id()?;
        let signature = sign_note(&signature_text(&id), &[key])
            .map_err(|e| CoreError::bad_signature(format!("signing failed: {e}")))?;
        Ok(SignedEnvelope {
            id,
            envelope: self,
            signature,
        })
    }
}

/// The note text an envelope signature covers.
pub fn signature_text(id: &EnvelopeId) -> String {
    format!("{SIGNATURE_CONTEXT}\n{id}\n")
}

/// An envelope with its signature: the form stored, sent and exported.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEnvelope {
    id: EnvelopeId,
    envelope: Envelope,
    signature: String,
}

/// The JSON file form: `{"envelope": {...}, "signature": "<signed note>"}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedEnvelopeFile {
    envelope: Value,
    signature: String,
}

impl SignedEnvelope {
    pub fn id(&self) -> EnvelopeId {
        self.id
    }

    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// Parses the file form. Checks the structure and computes the id from
    /// the JSON as received; does not verify the signature.
    pub fn from_json(text: &str) -> Result<Self> {
        let value = jcs::parse_strict(text)?;
        let file: SignedEnvelopeFile = serde_json::from_value(value).map_err(|e| {
            CoreError::invalid(format!(
                "not a signed envelope ({e}); expected {{\"envelope\": {{...}}, \"signature\": \"...\"}}"
            ))
        })?;
        Self::from_parts(file.envelope, file.signature)
    }

    /// Builds a signed envelope from the envelope JSON and its note.
    pub fn from_parts(envelope: Value, signature: String) -> Result<Self> {
        let id = Sha256Hex::digest(&jcs::canonical_bytes(&envelope)?);
        let typed: Envelope = serde_json::from_value(envelope)
            .map_err(|e| CoreError::invalid(format!("malformed envelope: {e}")))?;
        if typed.id()? != id {
            // Only possible if a field has two spellings we failed to refuse.
            return Err(CoreError::invalid("envelope is not in canonical form"));
        }
        typed.validate()?;
        Ok(SignedEnvelope {
            id,
            envelope: typed,
            signature,
        })
    }

    pub fn to_json_value(&self) -> Result<Value> {
        Ok(serde_json::json!({
            "envelope": self.envelope.to_value()?,
            "signature": self.signature,
        }))
    }

    /// The file form, pretty-printed.
    pub fn to_json_pretty(&self) -> Result<String> {
        serde_json::to_string_pretty(&self.to_json_value()?)
            .map_err(|e| CoreError::invalid(format!("cannot serialise envelope: {e}")))
    }

    /// Verifies the signature with any of `keys`, which must be named after
    /// the `from` party. Returns the key that verified.
    pub fn verify_with_keys(&self, keys: &[VerifierKey]) -> Result<VerifierKey> {
        let from = self.envelope.from.as_str();
        let usable: Vec<VerifierKey> = keys.iter().filter(|k| k.name() == from).cloned().collect();
        if usable.is_empty() {
            return Err(CoreError::bad_signature(format!(
                "no key of the sender {from} was given"
            )));
        }
        let opened = open_note(&self.signature, &usable)
            .map_err(|e| CoreError::bad_signature(format!("signature does not verify: {e}")))?;
        if opened.text != signature_text(&self.id) {
            return Err(CoreError::bad_signature(
                "the signature is for another envelope (its text names another id)",
            ));
        }
        let (name, key_id) = opened
            .verified
            .first()
            .cloned()
            .ok_or_else(|| CoreError::bad_signature("no signature verified"))?;
        usable
            .into_iter()
            .find(|k| k.name() == name && k.key_id() == key_id)
            .ok_or_else(|| CoreError::bad_signature("no signature verified"))
    }

    /// Verifies against the sender's directory entry: the party must be the
    /// sender and one of its keys valid at `created` must have signed.
    pub fn verify(&self, sender: &Party) -> Result<VerifierKey> {
        if sender.id != self.envelope.from {
            return Err(CoreError::bad_signature(format!(
                "envelope is from {}, not {}",
                self.envelope.from, sender.id
            )));
        }
        let at_created = sender.keys_valid_at(self.envelope.created);
        match at_created {
            Ok(keys) => self.verify_with_keys(&keys),
            Err(e) => {
                // Say whether a key outside its validity signed, which is the
                // "expired key" case an analyst needs to recognise.
                let all: Vec<VerifierKey> = sender
                    .keys
                    .iter()
                    .filter_map(|k| k.verifier().ok())
                    .collect();
                if self.verify_with_keys(&all).is_ok() {
                    Err(CoreError::new(
                        ErrorKind::KeyNotValid,
                        format!(
                            "signed with a key of {} that was not valid at {} (expired or not yet valid)",
                            sender.id, self.envelope.created
                        ),
                    ))
                } else {
                    Err(e)
                }
            }
        }
    }
}
