//! Transparency log proofs (c2sp.org/tlog-proof@v1): an entry index, its
//! inclusion proof and the (cosigned) checkpoint, as one offline-verifiable
//! text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{Checkpoint, CheckpointError, parse_decimal, parse_hash};
use crate::key::VerifierKey;
use crate::merkle::{self, Hash, VerifyError};
use crate::note::{self, NoteError, OpenedNote};

/// The first line of every proof.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The longest inclusion proof a tree of at most 2^64 - 1 leaves has.
pub const MAX_PROOF_HASHES: usize = 64;

/// Why a proof file is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofFileError {
    /// The proof text is not well formed.
    #[error("malformed tlog proof: {0}")]
    Malformed(&'static str),
    /// The embedded checkpoint note is malformed or does not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The embedded checkpoint text is malformed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint is not from the expected origin.
    #[error("checkpoint origin {0:?} is not the expected one")]
    WrongOrigin(String),
    /// The inclusion proof does not verify.
    #[error("inclusion proof: {0}")]
    Inclusion(#[from] VerifyError),
}

/// A parsed tlog proof (c2sp.org/tlog-proof@v1 §"Format").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Optional opaque, unauthenticated extra data.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry.
    pub index: u64,
    /// Inclusion proof, leaf sibling first (RFC 9162 §2.1.3.1).
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    /// Formats the proof: header, optional `extra <b64>`, `index <n>`, one
    /// base64 hash per line, an empty line, the checkpoint note verbatim
    /// (c2sp.org/tlog-proof@v1 §"Format").
    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(64 + self.proof.len() * 45 + self.checkpoint.len());
        s.push_str(HEADER);
        s.push('\n');
        if let Some(extra) = &self.extra {
            s.push_str("extra ");
            s.push_str(&B64.encode(extra));
            s.push('\n');
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parses a proof strictly (c2sp.org/tlog-proof@v1 §"Format"): exact
    /// header; optional `extra` line of base64; `index` in decimal without
    /// leading zeros; up to 64 base64 hashes of 32 bytes; an empty line; then
    /// a well-formed signed note whose text is a checkpoint
    /// (tlog-checkpoint v1.0.0). Signatures are not verified here.
    pub fn parse(text: &str) -> Result<Self, ProofFileError> {
        let mut rest = text;
        let mut next_line = || -> Result<&str, ProofFileError> {
            let (line, tail) = rest
                .split_once('\n')
                .ok_or(ProofFileError::Malformed("unexpected end of proof"))?;
            rest = tail;
            Ok(line)
        };
        if next_line()? != HEADER {
            return Err(ProofFileError::Malformed(
                "first line must be c2sp.org/tlog-proof@v1",
            ));
        }
        let mut line = next_line()?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                B64.decode(b64)
                    .map_err(|_| ProofFileError::Malformed("extra is not valid base64"))?,
            );
            line = next_line()?;
        }
        let index = line.strip_prefix("index ").and_then(parse_decimal).ok_or(
            ProofFileError::Malformed("expected index <decimal without leading zeros>"),
        )?;
        let mut proof = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(ProofFileError::Malformed("too many proof hashes"));
            }
            proof.push(parse_hash(line).ok_or(ProofFileError::Malformed(
                "proof line is not base64 of 32 bytes",
            ))?);
        }
        let checkpoint = rest;
        let (cp_text, _) = note::parse_note(checkpoint)?;
        Checkpoint::parse(&cp_text)?;
        Ok(TlogProof {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Verifies the proof for an entry with `leaf_hash`: the checkpoint note
    /// against `verifiers` (signed-note v1.0.0 §"Signatures"), its origin if
    /// `origin` is given, and the inclusion proof against its root (RFC 9162
    /// §2.1.3.2). Returns the checkpoint and the opened note, whose verified
    /// signatures a caller checks against its witness policy.
    pub fn verify(
        &self,
        leaf_hash: &Hash,
        origin: Option<&str>,
        verifiers: &[VerifierKey],
    ) -> Result<(Checkpoint, OpenedNote), ProofFileError> {
        let (cp, opened) = Checkpoint::open(&self.checkpoint, verifiers)?;
        if let Some(o) = origin
            && cp.origin != o
        {
            return Err(ProofFileError::WrongOrigin(cp.origin));
        }
        merkle::verify_inclusion(self.index, cp.size, leaf_hash, &self.proof, &cp.root)?;
        Ok((cp, opened))
    }
}
