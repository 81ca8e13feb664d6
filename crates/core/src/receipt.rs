//! Receipts: the body of a `receipt` envelope, and what makes one valid.
//!
//! A receipt is the recipient's countersignature: its party signs that it
//! received envelope X at time T, and includes a tlog-proof
//! (c2sp.org/tlog-proof@v1) that X's leaf is in its node's log. Neither
//! side can later say "we received nothing" or "we were never told".

use serde::{Deserialize, Serialize};

use crate::envelope::{EnvelopeType, SignedEnvelope};
use crate::error::{CoreError, ErrorKind, Result};
use crate::ids::EnvelopeId;
use crate::time::Timestamp;
use countersign_tlog::VerifierKey;
use countersign_tlog::checkpoint::Checkpoint;
use countersign_tlog::merkle::leaf_hash;
use countersign_tlog::proof_file::TlogProof;

/// The log leaf of an envelope: its id and nothing else, so public tiles
/// and entry bundles reveal only hashes (issue 3: `countersign/leaf/v1`).
pub fn log_leaf(id: &EnvelopeId) -> Vec<u8> {
    format!("countersign/leaf/v1\n{id}\n").into_bytes()
}

/// The body of a receipt envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The id of the envelope received.
    pub received: EnvelopeId,
    /// When the recipient's node accepted it.
    pub received_at: Timestamp,
    /// The tlog-proof file text: index, inclusion proof, signed checkpoint.
    pub proof: String,
}

/// What a verified receipt establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    pub receipt: Receipt,
    pub index: u64,
    pub checkpoint: Checkpoint,
}

impl Receipt {
    /// Reads the body of a receipt envelope.
    pub fn from_envelope(envelope: &SignedEnvelope) -> Result<Self> {
        let env = envelope.envelope();
        if env.kind != EnvelopeType::Receipt {
            return Err(CoreError::invalid(format!(
                "envelope is a {}, not a receipt",
                env.kind
            )));
        }
        let receipt: Receipt = Receipt::deserialize(&env.body)
            .map_err(|e| CoreError::invalid(format!("malformed receipt: {e}")))?;
        if env.refs.first() != Some(&receipt.received) {
            return Err(CoreError::invalid(
                "a receipt must refer to the envelope it acknowledges first",
            ));
        }
        Ok(receipt)
    }

    /// Checks the receipt's proof: the leaf of `expected` is at the stated
    /// index in a checkpoint of `log_origin` signed by `log_key`. The
    /// receipt envelope's own signature is checked separately (against the
    /// recipient party's keys).
    pub fn verify_proof(
        &self,
        expected: &EnvelopeId,
        log_origin: Option<&str>,
        log_key: &VerifierKey,
    ) -> Result<VerifiedReceipt> {
        if self.received != *expected {
            return Err(CoreError::bad_signature(format!(
                "the receipt is for {}, not {expected}",
                self.received
            )));
        }
        let proof = TlogProof::parse(&self.proof)
            .map_err(|e| CoreError::invalid(format!("malformed tlog-proof in receipt: {e}")))?;
        let leaf = leaf_hash(&log_leaf(expected));
        let (checkpoint, _) = proof
            .verify(&leaf, log_origin, std::slice::from_ref(log_key))
            .map_err(|e| {
                CoreError::new(
                    ErrorKind::BadSignature,
                    format!("receipt proof does not verify: {e}"),
                )
            })?;
        Ok(VerifiedReceipt {
            receipt: self.clone(),
            index: proof.index,
            checkpoint,
        })
    }
}
