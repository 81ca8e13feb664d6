//! The directory: parties this node hosts or knows, and signed directory
//! entries for exchanging them.
//!
//! A directory entry travels as a signed envelope of type `party` whose
//! body is the [`Party`] and whose sender is that party: it is signed by
//! one of its own keys. Import accepts it when
//!
//! 1. the signature verifies with a key listed in the entry itself and
//!    valid at `created` (the entry vouches for itself), and
//! 2. if keys were pinned by the operator (`--key`), one of them signed; and
//! 3. if the party is already known, one of its *known* keys valid at
//!    `created` signed too (key continuity: a rotation is signed by the
//!    old key; a stranger cannot replace a party's keys), unless the
//!    operator pinned a key, which is an explicit decision to trust it; and
//! 4. it is newer than the entry already held (no rollback).

use countersign_core::envelope::{ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::PartyId;
use countersign_core::party::Party;
use countersign_core::tlp::Tlp;
use countersign_store::StoredParty;
use countersign_tlog::VerifierKey;
use serde::Deserialize;

use crate::error::{NodeError, NodeErrorKind, Result};
use crate::{Node, now};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Added(PartyId),
    Updated(PartyId),
    /// The same entry was imported before.
    Unchanged(PartyId),
}

impl Node {
    /// Adds a party known by other means (its keys given by hand).
    pub async fn add_party(&self, party: Party) -> Result<()> {
        party.validate()?;
        let stored = StoredParty {
            party,
            local: false,
            signed_entry: None,
            updated: now(),
        };
        Ok(self.store().put_party(&stored, false).await?)
    }

    pub async fn list_parties(&self) -> Result<Vec<StoredParty>> {
        Ok(self.store().list_parties().await?)
    }

    pub async fn get_party(&self, id: &PartyId) -> Result<StoredParty> {
        self.store()
            .get_party(id)
            .await?
            .ok_or_else(|| NodeError::not_found(format!("no party {id} in the directory")))
    }

    /// A signed directory entry: freshly signed for a hosted party, the
    /// entry as imported for another.
    pub async fn export_party(&self, id: &PartyId) -> Result<SignedEnvelope> {
        let stored = self.get_party(id).await?;
        if stored.local {
            let key = self.signer(id)?;
            // The entry names this node's log key, so that peers can verify
            // its checkpoints and receipts and witness its log.
            let mut party = stored.party.clone();
            party.log_vkey = Some(self.log_vkey().to_string());
            party.witness_vkey = Some(self.witness_vkey().to_string());
            let envelope = Envelope {
                v: ENVELOPE_VERSION,
                kind: EnvelopeType::Party,
                from: id.clone(),
                to: vec![],
                created: now(),
                refs: vec![],
                tlp: Tlp::Clear,
                body: serde_json::to_value(&party)
                    .map_err(|e| NodeError::internal(e.to_string()))?,
                attachments: vec![],
            };
            return Ok(envelope.sign(&key)?);
        }
        match stored.signed_entry {
            Some(text) => Ok(SignedEnvelope::from_json(&text)?),
            None => Err(NodeError::not_found(format!(
                "party {id} was added by hand; there is no signed entry to export (only its own node can sign one)"
            ))),
        }
    }

    /// Imports a signed directory entry under the rules of the module
    /// documentation. Nothing is written unless every check passes.
    pub async fn import_party(&self, text: &str, pinned: &[VerifierKey]) -> Result<ImportOutcome> {
        let entry = SignedEnvelope::from_json(text)?;
        let env = entry.envelope();
        if env.kind != EnvelopeType::Party {
            return Err(NodeError::invalid(format!(
                "this is a {} envelope, not a directory entry",
                env.kind
            )));
        }
        let party: Party = Party::deserialize(&env.body)
            .map_err(|e| NodeError::invalid(format!("malformed directory entry: {e}")))?;
        if party.id != env.from {
            return Err(NodeError::new(
                NodeErrorKind::BadSignature,
                format!("entry for {} is signed as {}", party.id, env.from),
            ));
        }
        party.validate()?;
        entry.verify(&party)?;
        if !pinned.is_empty() {
            entry.verify_with_keys(pinned).map_err(|e| {
                NodeError::new(
                    NodeErrorKind::BadSignature,
                    format!("not signed by a pinned key: {e}"),
                )
            })?;
        }
        let existing = self.store().get_party(&party.id).await?;
        if let Some(old) = &existing {
            if old.local {
                return Err(NodeError::invalid(format!(
                    "{} is hosted by this node; its entry cannot be replaced by an import",
                    party.id
                )));
            }
            if pinned.is_empty() {
                entry.verify(&old.party).map_err(|e| {
                    NodeError::new(
                        NodeErrorKind::BadSignature,
                        format!(
                            "{} is already known with other keys, and none of them signed this entry ({e}); pin the new key with --key if you trust it",
                            party.id
                        ),
                    )
                })?;
            }
            if let Some(old_text) = &old.signed_entry {
                let old_entry = SignedEnvelope::from_json(old_text)?;
                if old_entry.id() == entry.id() {
                    return Ok(ImportOutcome::Unchanged(party.id));
                }
                if old_entry.envelope().created >= env.created {
                    return Err(NodeError::invalid(format!(
                        "this entry ({}) is not newer than the one held ({})",
                        env.created,
                        old_entry.envelope().created
                    )));
                }
            }
        }
        let id = party.id.clone();
        let stored = StoredParty {
            party,
            local: false,
            signed_entry: Some(entry.to_json_pretty()?),
            updated: now(),
        };
        self.store().put_party(&stored, existing.is_some()).await?;
        Ok(if existing.is_some() {
            ImportOutcome::Updated(id)
        } else {
            ImportOutcome::Added(id)
        })
    }
}
