//! `countersign verify`: offline verification of signed envelopes.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

use countersign_core::envelope::{EnvelopeType, SignedEnvelope};
use countersign_core::party::Party;
use countersign_node::NodeError;
use countersign_tlog::VerifierKey;

use super::party::parse_vkey;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A signed envelope file ({"envelope": ..., "signature": ...}).
    pub file: PathBuf,
    /// The sender's verifier key; repeat for several. Nothing is fetched.
    #[arg(long = "key", value_parser = parse_vkey)]
    pub keys: Vec<VerifierKey>,
    /// Verify against this node's directory instead of --key.
    #[arg(long, env = "COUNTERSIGN_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let signed = SignedEnvelope::from_json(&text).map_err(NodeError::from)?;
    let env = signed.envelope();
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
        let party: Party = serde_json::from_value(env.body.clone())
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
