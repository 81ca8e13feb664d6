//! Parties: the authorities and operators that send and receive
//! notifications, as their directory entries describe them.

use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::error::{CoreError, ErrorKind, Result};
use crate::ids::PartyId;
use crate::net::NetworkScope;
use crate::sector::Sector;
use crate::time::Timestamp;
use crate::vocab::vocabulary;
use countersign_tlog::VerifierKey;

vocabulary! {
    /// What kind of body a party is.
    pub enum PartyKind ("party kind") {
        NationalCert => "national-cert",
        GovernmentAgency => "government-agency",
        SectorCsirt => "sector-csirt",
        NetworkOperator => "network-operator",
        Organisation => "organisation",
    }
}

/// Most verifier keys remembered by [`parsed_verifier`]; far more than the
/// parties of any node's directory.
const PARSED_KEYS: usize = 4096;

/// Parses a verifier key, remembering the result: every envelope received
/// and every receipt checked needs its sender's keys, and parsing one
/// decompresses an Edwards point (a field square root), which profiled at
/// several percent of a node's CPU under load. The parse is a pure function
/// of the text, so remembering it cannot change an answer.
fn parsed_verifier(text: &str) -> std::result::Result<VerifierKey, countersign_tlog::KeyError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static PARSED: OnceLock<Mutex<HashMap<String, VerifierKey>>> = OnceLock::new();
    let parsed = PARSED.get_or_init(Default::default);
    if let Some(key) = parsed.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
        return Ok(key.clone());
    }
    let key = VerifierKey::parse(text)?;
    let mut parsed = parsed.lock().unwrap_or_else(|e| e.into_inner());
    if parsed.len() >= PARSED_KEYS {
        parsed.clear();
    }
    parsed.insert(text.to_owned(), key.clone());
    Ok(key)
}

/// One of a party's Ed25519 signing keys, as a C2SP verifier key, with the
/// period in which signatures made with it are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyKey {
    pub vkey: String,
    pub valid_from: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
}

impl PartyKey {
    pub fn verifier(&self) -> Result<VerifierKey> {
        parsed_verifier(&self.vkey)
            .map_err(|e| CoreError::invalid(format!("bad verifier key {:?}: {e}", self.vkey)))
    }

    /// Whether a signature dated `at` may use this key.
    pub fn valid_at(&self, at: Timestamp) -> bool {
        self.valid_from <= at && self.valid_until.is_none_or(|until| at < until)
    }
}

/// A person or desk to reach at a party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Reachable around the clock (24/7).
    #[serde(default)]
    pub always_on: bool,
}

/// A directory entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub id: PartyId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    pub kind: PartyKind,
    pub keys: Vec<PartyKey>,
    /// Base URL of the node that hosts this party, for delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// The networks this party is responsible for.
    #[serde(default, skip_serializing_if = "NetworkScope::is_empty")]
    pub constituency: NetworkScope,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<Sector>,
    /// The verifier key of the transparency log of the node hosting this
    /// party (C2SP signed-note form; its name is the log's origin), so
    /// peers can verify its checkpoints and receipts and witness its log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_vkey: Option<String>,
    /// The cosigning key (tlog-cosignature v1.0.1, type 0x04) of the
    /// witness of the node hosting this party, so peers can submit their
    /// checkpoints to it and verify its cosignatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness_vkey: Option<String>,
}

impl Party {
    /// Checks every rule a directory entry must keep, reporting the first
    /// broken one with the field it concerns.
    pub fn validate(&self) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(CoreError::invalid("party name must be 1-200 characters"));
        }
        if self.keys.is_empty() {
            return Err(CoreError::invalid(format!("party {} has no key", self.id)));
        }
        for key in &self.keys {
            let v = key.verifier()?;
            if v.name() != self.id.as_str() {
                return Err(CoreError::invalid(format!(
                    "key {:?} is named {:?}, but keys of party {} must be named {}",
                    key.vkey,
                    v.name(),
                    self.id,
                    self.id
                )));
            }
            if key.valid_until.is_some_and(|until| until <= key.valid_from) {
                return Err(CoreError::invalid(format!(
                    "key {:?} ends before it starts",
                    key.vkey
                )));
            }
        }
        if let Some(endpoint) = &self.endpoint {
            check_endpoint(endpoint)?;
        }
        for c in &self.contacts {
            if c.name.trim().is_empty() {
                return Err(CoreError::invalid("a contact needs a name"));
            }
            if let Some(email) = &c.email {
                check_email(email)?;
            }
        }
        self.log_verifier()?;
        self.witness_verifier()?;
        self.constituency
            .validate()
            .map_err(|e| e.context("constituency"))
    }

    /// The verifier key of this party's node's log, if the entry names one.
    /// It must be an Ed25519 note key (type 0x01): checkpoints are signed
    /// notes (tlog-checkpoint v1.0.0).
    pub fn log_verifier(&self) -> Result<Option<VerifierKey>> {
        let Some(text) = &self.log_vkey else {
            return Ok(None);
        };
        let key = parsed_verifier(text)
            .map_err(|e| CoreError::invalid(format!("bad log key {text:?}: {e}")))?;
        if key.key_type() != countersign_tlog::KeyType::Ed25519 {
            return Err(CoreError::invalid(format!(
                "log key {text:?} is not an Ed25519 note key"
            )));
        }
        Ok(Some(key))
    }

    /// The verifier key of this party's node's witness, if the entry names
    /// one.
    pub fn witness_verifier(&self) -> Result<Option<VerifierKey>> {
        let Some(text) = &self.witness_vkey else {
            return Ok(None);
        };
        parsed_verifier(text)
            .map(Some)
            .map_err(|e| CoreError::invalid(format!("bad witness key {text:?}: {e}")))
    }

    /// The keys whose validity period contains `at`.
    pub fn keys_valid_at(&self, at: Timestamp) -> Result<Vec<VerifierKey>> {
        let valid: Vec<VerifierKey> = self
            .keys
            .iter()
            .filter(|k| k.valid_at(at))
            .map(PartyKey::verifier)
            .collect::<Result<_>>()?;
        if valid.is_empty() {
            return Err(CoreError::new(
                ErrorKind::KeyNotValid,
                format!("party {} has no key valid at {at}", self.id),
            ));
        }
        Ok(valid)
    }
}

fn check_endpoint(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !url.chars().any(char::is_whitespace) => Ok(()),
        _ => Err(CoreError::invalid(format!(
            "endpoint {url:?} must be an http:// or https:// URL"
        ))),
    }
}

fn check_email(email: &str) -> Result<()> {
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !email.chars().any(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(CoreError::invalid(format!(
            "{email:?} is not an email address"
        ))),
    }
}
