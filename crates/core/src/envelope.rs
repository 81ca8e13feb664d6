//! Envelopes: the signed unit every message travels in (DESIGN.md, "Fixed
//! formats").
//!
//! An envelope is the JSON object `{v, type, from, to[], created, refs[],
//! tlp, body, attachments[]}`. Its id is the lowercase hex SHA-256 of its
//! RFC 8785 form; its signature is a C2SP signed note whose text is
//! `countersign/envelope/v1\n<id>\n`, signed with a key named after the
//! `from` party. Nothing else is signed, so the id must be reproducible from
//! the JSON: parsing is strict (no unknown or duplicate fields, canonical
//! timestamps) and a received envelope's header must canonicalise to the
//! same bytes as the typed value's, so the id the typed value hashes to is
//! the id of the JSON as received.
//!
//! Every envelope a node signs, receives, stores or reads back passes
//! through here, so the id and the file form are written straight from the
//! typed value ([`Members`], borrowed, members in RFC 8785 order) instead of
//! through an intermediate `serde_json::Value`, and a received envelope's
//! body, its bulk, is canonicalised once.

use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, ErrorKind, Result};
use crate::ids::{EnvelopeId, PartyId, Sha256Hex};
use crate::jcs::{self, Canonical, CanonicalObject};
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
        // RFC 8785 writes numbers as IEEE doubles: beyond 2^53 two sizes
        // would canonicalise alike, so two envelopes would share an id.
        if self.size > MAX_EXACT_SIZE {
            return Err(CoreError::invalid(format!(
                "attachment size {} is beyond 2^53, which canonical JSON cannot write exactly",
                self.size
            )));
        }
        Ok(())
    }
}

/// The largest integer every JSON reader holds exactly (2^53).
const MAX_EXACT_SIZE: u64 = 1 << 53;

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

    /// SHA-256 of the RFC 8785 form, hashed as it is written.
    pub fn id(&self) -> Result<EnvelopeId> {
        jcs::canonical_sha256_of(&Members::new(self, Some(Canonical(&self.body))))
    }

    /// The RFC 8785 form (what [`Envelope::id`] hashes).
    pub fn canonical_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(512);
        jcs::serialize_canonical(&mut out, &Members::new(self, Some(Canonical(&self.body))))?;
        Ok(out)
    }

    /// The RFC 8785 form of every member but `body`.
    fn canonical_header(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(256);
        jcs::serialize_canonical(&mut out, &Members::<Canonical>::new(self, None))?;
        Ok(out)
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

/// An envelope's members, borrowed, in RFC 8785 order (§3.2.3; the names
/// are ASCII, so that is their byte order): the one place the JSON form of
/// an envelope is written from, for the id (`B` = [`Canonical`], with the
/// JCS formatter) and for the file form (`B` = `&Value`, with serde_json's
/// own). Written as `Envelope`'s derived `Serialize` would be, member for
/// member; `body: None` leaves the body out (the header alone).
#[derive(Serialize)]
struct Members<'a, B> {
    attachments: Attachments<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<B>,
    created: &'a Timestamp,
    from: &'a PartyId,
    refs: &'a [EnvelopeId],
    tlp: &'a Tlp,
    to: &'a [PartyId],
    #[serde(rename = "type")]
    kind: &'a EnvelopeType,
    v: u32,
}

impl<'a, B> Members<'a, B> {
    fn new(envelope: &'a Envelope, body: Option<B>) -> Self {
        // No `..`: a new envelope field must be added here too, or it would
        // be left out of the id.
        let Envelope {
            v,
            kind,
            from,
            to,
            created,
            refs,
            tlp,
            body: _,
            attachments,
        } = envelope;
        Members {
            attachments: Attachments(attachments),
            body,
            created,
            from,
            refs,
            tlp,
            to,
            kind,
            v: *v,
        }
    }
}

/// The attachment list, each entry written as [`AttachmentMembers`].
struct Attachments<'a>(&'a [AttachmentRef]);

impl Serialize for Attachments<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(AttachmentMembers::new))
    }
}

/// An attachment reference's members in RFC 8785 order.
#[derive(Serialize)]
struct AttachmentMembers<'a> {
    media_type: &'a str,
    name: &'a str,
    sha256: &'a Sha256Hex,
    size: u64,
}

impl<'a> AttachmentMembers<'a> {
    fn new(attachment: &'a AttachmentRef) -> Self {
        let AttachmentRef {
            sha256,
            size,
            media_type,
            name,
        } = attachment;
        AttachmentMembers {
            media_type,
            name,
            sha256,
            size: *size,
        }
    }
}

/// An envelope with its signature: the form stored, sent and exported.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEnvelope {
    id: EnvelopeId,
    envelope: Envelope,
    signature: String,
}

/// The JSON file form, `{"envelope": {...}, "signature": "<signed note>"}`,
/// borrowed, for writing: the same bytes as
/// `serde_json::to_string(&to_json_value())` (members in byte order, the
/// body as `serde_json` writes a `Value`), without building that value.
#[derive(Serialize)]
struct FileMembers<'a> {
    envelope: Members<'a, &'a Value>,
    signature: &'a str,
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
        let not_file = |why: String| {
            CoreError::invalid(format!(
                "not a signed envelope ({why}); expected {{\"envelope\": {{...}}, \"signature\": \"...\"}}"
            ))
        };
        // Taken apart by hand, not through a derived `Deserialize`: that
        // would rebuild the envelope's whole `Value` tree node by node.
        let Value::Object(mut file) = jcs::parse_strict(text)? else {
            return Err(not_file("not a JSON object".into()));
        };
        let (envelope, signature) = Self::take_file_members(&mut file).map_err(not_file)?;
        if let Some(unknown) = file.keys().next() {
            return Err(not_file(format!(
                "unknown field `{unknown}`, expected `envelope` or `signature`"
            )));
        }
        Self::from_parts(envelope, signature)
    }

    /// Takes the `envelope` and `signature` members out of an object in
    /// the file form (or a form that adds members of its own, such as an
    /// inbox delivery's `attachments`), moving the envelope's value rather
    /// than rebuilding it. The error says in a few words what is wrong,
    /// for the caller's message.
    pub fn take_file_members(
        members: &mut serde_json::Map<String, Value>,
    ) -> std::result::Result<(Value, String), String> {
        let envelope = members
            .remove("envelope")
            .ok_or_else(|| "missing field `envelope`".to_owned())?;
        match members.remove("signature") {
            Some(Value::String(signature)) => Ok((envelope, signature)),
            Some(_) => Err("`signature` is not a string".into()),
            None => Err("missing field `signature`".into()),
        }
    }

    /// Builds a signed envelope from the envelope JSON and its note.
    ///
    /// The id is that of the JSON as received. The body is moved into the
    /// typed envelope unchanged, so it canonicalises to the same bytes
    /// there; the header (every other member) is canonicalised as received
    /// and as typed, and the two must be equal byte for byte: a header
    /// member with a second spelling we failed to refuse while parsing is
    /// refused here. Together: the received JSON and the typed envelope
    /// have one RFC 8785 form, and the id is computed once, from the typed
    /// envelope, canonicalising the body once.
    pub fn from_parts(envelope: Value, signature: String) -> Result<Self> {
        let Value::Object(mut members) = envelope else {
            return Err(CoreError::invalid(
                "malformed envelope: expected a JSON object",
            ));
        };
        // The body is kept out of the header's canonical form and out of
        // the typed deserialisation, which would rebuild its whole tree: a
        // `null` stands in for it there, and it is moved in afterwards.
        let body = members.remove_entry("body");
        let mut received_header = Vec::with_capacity(256);
        jcs::serialize_canonical(&mut received_header, &CanonicalObject(&members))?;
        let body = body.map(|(name, body)| {
            members.insert(name, Value::Null);
            body
        });
        let mut typed: Envelope = serde_json::from_value(Value::Object(members))
            .map_err(|e| CoreError::invalid(format!("malformed envelope: {e}")))?;
        // Present: a missing body fails the deserialisation above.
        if let Some(body) = body {
            typed.body = body;
        }
        if typed.canonical_header()? != received_header {
            // Only possible if a field has two spellings we failed to refuse.
            return Err(CoreError::invalid("envelope is not in canonical form"));
        }
        typed.validate()?;
        let id = typed.id()?;
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

    fn file_members(&self) -> FileMembers<'_> {
        FileMembers {
            envelope: Members::new(&self.envelope, Some(&self.envelope.body)),
            signature: &self.signature,
        }
    }

    /// The file form, compact: the text `to_json_value()` would give,
    /// written without building that value. What a store keeps.
    pub fn to_json_string(&self) -> Result<String> {
        serde_json::to_string(&self.file_members())
            .map_err(|e| CoreError::invalid(format!("cannot serialise envelope: {e}")))
    }

    /// The file form, pretty-printed.
    pub fn to_json_pretty(&self) -> Result<String> {
        serde_json::to_string_pretty(&self.file_members())
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
