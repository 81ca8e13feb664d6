//! `countersign verify`: offline verification of signed envelopes, log
//! checkpoints, tlog-proofs (an envelope is in a log) and consistency
//! between two checkpoints (a log only grew), fetching nothing.
//!
//! What the file is, is read from its first line: a JSON envelope, a
//! tlog-proof (`c2sp.org/tlog-proof@v1`), a consistency proof as `countersign
//! log consistency` writes it (the tlog-witness add-checkpoint body: `old
//! <size>`, proof lines, a blank line, the newer checkpoint), or else a
//! signed checkpoint note.

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};

use countersign_core::envelope::{EnvelopeType, SignedEnvelope};
use countersign_core::ids::EnvelopeId;
use countersign_core::party::Party;
use countersign_node::log::leaf_data;
use countersign_node::{NodeError, NodeErrorKind};
use countersign_tlog::merkle::{Hash, empty_root, leaf_hash, verify_consistency};
use countersign_tlog::witness::AddCheckpointRequest;
use countersign_tlog::{Checkpoint, OpenedNote, TlogProof, VerifierKey, parse_note};

use super::party::parse_vkey;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A signed envelope, a signed checkpoint, a tlog-proof, or a
    /// consistency proof (`countersign log consistency`).
    pub file: PathBuf,
    /// The signer's verifier key: the sender's for an envelope, the log's
    /// (`countersign log vkey`) for the rest; witness keys verify
    /// cosignatures too. Repeat for several. Nothing is fetched.
    #[arg(long = "key", value_parser = parse_vkey)]
    pub keys: Vec<VerifierKey>,
    /// Verify an envelope against this node's directory instead of --key.
    #[arg(long, env = "COUNTERSIGN_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// For a tlog-proof: the envelope file it must be for.
    #[arg(long, value_name = "FILE", conflicts_with = "id")]
    pub envelope: Option<PathBuf>,
    /// For a tlog-proof: the envelope id it must be for.
    #[arg(long, value_parser = EnvelopeId::parse)]
    pub id: Option<EnvelopeId>,
    /// The older checkpoint: FILE (a checkpoint or a consistency proof)
    /// must be a newer checkpoint of the same log, consistent with it.
    #[arg(long, value_name = "FILE")]
    pub old: Option<PathBuf>,
    /// With --old and a checkpoint FILE: the consistency proof, one base64
    /// hash per line (or a file from `countersign log consistency`).
    #[arg(long, value_name = "FILE", requires = "old")]
    pub proof: Option<PathBuf>,
    /// For a receipt (`countersign receipt`): the recipient node's log key
    /// (its directory entry's `log_vkey`); with --key (the recipient
    /// party's key) the receipt's signature and its tlog-proof are checked.
    #[arg(long = "log-key", value_parser = parse_vkey)]
    pub log_key: Option<VerifierKey>,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn failed(message: impl Into<String>) -> NodeError {
    NodeError::new(NodeErrorKind::BadSignature, message)
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let text = read(&args.file)?;
    if text.starts_with(countersign_tlog::proof_file::HEADER) {
        return verify_tlog_proof(&args, &text);
    }
    if text.starts_with("old ") {
        return verify_consistency_body(&args, &text);
    }
    if !text.trim_start().starts_with('{') {
        return verify_checkpoint_file(&args, &text);
    }
    if args.envelope.is_some() || args.id.is_some() || args.old.is_some() {
        return Err(NodeError::invalid(
            "--envelope, --id and --old are for log proofs and checkpoints, not envelopes",
        )
        .into());
    }
    let signed = SignedEnvelope::from_json(&text).map_err(NodeError::from)?;
    let env = signed.envelope();
    if env.kind == EnvelopeType::Receipt
        && let Some(log_key) = &args.log_key
    {
        return verify_receipt(&args, &signed, log_key);
    }
    let how = if !args.keys.is_empty() {
        let key = signed
            .verify_with_keys(&args.keys)
            .map_err(NodeError::from)?;
        format!("by key {key:?}")
    } else if let Some(dir) = &args.data {
        let node = super::DataArg { data: dir.clone() }.open().await?;
        let key = node.verify_envelope(&signed).await?;
        format!(
            "by {key:?}, valid at {} in the directory of {}",
            env.created,
            dir.display()
        )
    } else if env.kind == EnvelopeType::Party {
        let party: Party = Party::deserialize(&env.body)
            .map_err(|e| NodeError::invalid(format!("malformed directory entry: {e}")))?;
        let key = signed.verify(&party).map_err(NodeError::from)?;
        format!(
            "by {key:?}, a key the entry lists for itself (self-signed: pin it with --key to trust it)"
        )
    } else {
        return Err(NodeError::invalid(
            "give the sender's public key with --key VKEY (or --data DIR to use a node's directory)",
        )
        .into());
    };
    println!("OK: {} envelope {}", env.kind, signed.id());
    println!("  from {} at {}, signed {how}", env.from, env.created);
    Ok(())
}

/// A receipt: the recipient's signature (--key) and its tlog-proof
/// against the recipient node's log key (--log-key) and origin.
fn verify_receipt(
    args: &VerifyArgs,
    signed: &SignedEnvelope,
    log_key: &VerifierKey,
) -> anyhow::Result<()> {
    if args.keys.is_empty() {
        return Err(NodeError::invalid(
            "give the recipient party's verifier key with --key VKEY as well as --log-key",
        )
        .into());
    }
    let key = signed
        .verify_with_keys(&args.keys)
        .map_err(NodeError::from)?;
    let receipt =
        countersign_core::receipt::Receipt::from_envelope(signed).map_err(NodeError::from)?;
    let verified = receipt
        .verify_proof(&receipt.received, Some(log_key.name()), log_key)
        .map_err(NodeError::from)?;
    let env = signed.envelope();
    println!("OK: receipt {}", signed.id());
    println!(
        "  {} received envelope {} at {}, signed by key {key:?}",
        env.from, receipt.received, receipt.received_at
    );
    println!(
        "  in log {} at index {} of a checkpoint of size {}",
        verified.checkpoint.origin, verified.index, verified.checkpoint.size
    );
    Ok(())
}

fn log_keys(args: &VerifyArgs) -> anyhow::Result<&[VerifierKey]> {
    if args.keys.is_empty() {
        return Err(NodeError::invalid(
            "give the log's verifier key with --key VKEY (`countersign log vkey` prints it)",
        )
        .into());
    }
    Ok(&args.keys)
}

/// Parses then opens a checkpoint note: malformed is bad input, a
/// signature that does not verify is a failed verification.
fn open_checkpoint(
    note: &str,
    keys: &[VerifierKey],
    what: &str,
) -> anyhow::Result<(Checkpoint, OpenedNote)> {
    let (text, _) = parse_note(note)
        .map_err(|e| NodeError::invalid(format!("{what} is not a signed note: {e}")))?;
    Checkpoint::parse(&text)
        .map_err(|e| NodeError::invalid(format!("{what} is not a checkpoint: {e}")))?;
    Ok(Checkpoint::open(note, keys).map_err(|e| failed(format!("{what} does not verify: {e}")))?)
}

fn signers(opened: &OpenedNote) -> String {
    opened
        .verified
        .iter()
        .map(|(name, id)| format!("{name} ({id:08x})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(cp: &Checkpoint) -> String {
    format!(
        "{} at size {}, root {}",
        cp.origin,
        cp.size,
        B64.encode(cp.root)
    )
}

fn verify_checkpoint_file(args: &VerifyArgs, text: &str) -> anyhow::Result<()> {
    let keys = log_keys(args)?;
    if args.envelope.is_some() || args.id.is_some() {
        return Err(NodeError::invalid("--envelope and --id are for tlog-proof files").into());
    }
    let (new, opened) = open_checkpoint(text, keys, "the checkpoint")?;
    let Some(old_path) = &args.old else {
        if args.proof.is_some() {
            return Err(NodeError::invalid("--proof needs --old").into());
        }
        println!("OK: checkpoint of {}", describe(&new));
        println!("  signed by {}", signers(&opened));
        return Ok(());
    };
    let proof_path = args.proof.as_ref().ok_or_else(|| {
        NodeError::invalid("give the consistency proof with --proof FILE (`countersign log consistency` writes one)")
    })?;
    let proof_text = read(proof_path)?;
    let proof = if proof_text.starts_with("old ") {
        let body = AddCheckpointRequest::parse(&proof_text)
            .map_err(|e| NodeError::invalid(format!("malformed consistency proof: {e}")))?;
        body.proof
    } else {
        proof_text
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| Hash::try_from(b).ok())
                    .ok_or_else(|| {
                        NodeError::invalid(format!("proof line {l:?} is not base64 of 32 bytes"))
                    })
            })
            .collect::<Result<Vec<Hash>, _>>()?
    };
    consistent(keys, &read(old_path)?, &new, &proof)
}

fn verify_consistency_body(args: &VerifyArgs, text: &str) -> anyhow::Result<()> {
    let keys = log_keys(args)?;
    let body = AddCheckpointRequest::parse(text)
        .map_err(|e| NodeError::invalid(format!("malformed consistency proof: {e}")))?;
    let (new, _) = open_checkpoint(&body.checkpoint, keys, "the newer checkpoint")?;
    let old_path = args.old.as_ref().ok_or_else(|| {
        NodeError::invalid(
            "give the older checkpoint with --old FILE: the proof is checked against its root",
        )
    })?;
    let old_text = read(old_path)?;
    let (old, _) = open_checkpoint(&old_text, keys, "the older checkpoint")?;
    if body.old_size != old.size {
        return Err(failed(format!(
            "the proof starts at size {}, the older checkpoint has size {}",
            body.old_size, old.size
        ))
        .into());
    }
    consistent(keys, &old_text, &new, &body.proof)
}

/// Checks that `new` extends the older checkpoint (RFC 9162 §2.1.4.2).
fn consistent(
    keys: &[VerifierKey],
    old_text: &str,
    new: &Checkpoint,
    proof: &[Hash],
) -> anyhow::Result<()> {
    let (old, _) = open_checkpoint(old_text, keys, "the older checkpoint")?;
    if old.origin != new.origin {
        return Err(failed(format!(
            "the checkpoints are of two logs: {} and {}",
            old.origin, new.origin
        ))
        .into());
    }
    if old.size > new.size {
        return Err(NodeError::invalid(format!(
            "the older checkpoint (size {}) is larger than the newer (size {})",
            old.size, new.size
        ))
        .into());
    }
    let ok = if old.size == new.size {
        proof.is_empty() && old.root == new.root
    } else if old.size == 0 {
        proof.is_empty() && old.root == empty_root()
    } else {
        verify_consistency(old.size, new.size, proof, &old.root, &new.root).is_ok()
    };
    if !ok {
        return Err(failed(format!(
            "the checkpoint of size {} is NOT consistent with the one of size {}: the log              does not show one history (or the proof is wrong)",
            new.size, old.size
        ))
        .into());
    }
    println!(
        "OK: checkpoint of {} is consistent with the one at size {}",
        describe(new),
        old.size
    );
    Ok(())
}

fn verify_tlog_proof(args: &VerifyArgs, text: &str) -> anyhow::Result<()> {
    let keys = log_keys(args)?;
    let proof = TlogProof::parse(text)
        .map_err(|e| NodeError::invalid(format!("malformed tlog-proof: {e}")))?;
    let id = match (&args.envelope, args.id) {
        (Some(path), _) => {
            let signed = SignedEnvelope::from_json(&read(path)?).map_err(NodeError::from)?;
            signed.id()
        }
        (None, Some(id)) => id,
        (None, None) => {
            return Err(NodeError::invalid(
                "a tlog-proof does not name its entry: give the envelope with --envelope FILE or --id ID",
            )
            .into());
        }
    };
    let (cp, opened) = proof
        .verify(&leaf_hash(&leaf_data(&id)), None, keys)
        .map_err(|e| {
            failed(format!(
                "the tlog-proof does not verify for envelope {id}: {e}"
            ))
        })?;
    println!("OK: envelope {id} is entry {} of the log", proof.index);
    println!("  checkpoint of {}", describe(&cp));
    println!("  signed by {}", signers(&opened));
    Ok(())
}
