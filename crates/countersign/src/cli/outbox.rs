//! `countersign outbox` (deliveries and their states) and `countersign
//! receipt` (a stored receipt as a file `countersign verify` checks
//! offline); the one-shot delivery `notify` makes.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_node::Node;
use countersign_store::{DeliveryFilter, DeliveryState};
use serde_json::json;

use super::DataArg;

#[derive(Args, Debug)]
pub struct OutboxArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Only deliveries in this state (queued, delivered, failed).
    #[arg(long, value_parser = parse_state)]
    pub state: Option<DeliveryState>,
    /// Attempt the due deliveries once before listing.
    #[arg(long)]
    pub deliver: bool,
    #[arg(long)]
    pub json: bool,
}

fn parse_state(text: &str) -> Result<DeliveryState, String> {
    DeliveryState::parse(text).ok_or_else(|| format!("{text:?} is not queued, delivered or failed"))
}

#[derive(Args, Debug)]
pub struct ReceiptArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The envelope (notification, reply) whose receipt to write.
    #[arg(long, value_parser = EnvelopeId::parse)]
    pub id: EnvelopeId,
    /// The recipient whose receipt (default: the only one).
    #[arg(long, value_parser = PartyId::parse)]
    pub party: Option<PartyId>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Attempts the due deliveries once over HTTP(S). A command that files
/// something first calls [`super::connect`] before filing, so that a
/// `peer_ca` problem stops it with nothing filed.
pub async fn deliver_once(node: &Node) -> anyhow::Result<()> {
    super::connect(node)?;
    node.deliver_due().await?;
    Ok(())
}

/// Prints the delivery state of each recipient of `id` on stderr.
pub async fn print_states(node: &Node, id: &EnvelopeId) -> anyhow::Result<()> {
    let filter = DeliveryFilter {
        envelope: Some(*id),
        ..Default::default()
    };
    for d in node.list_deliveries(&filter).await? {
        match &d.last_error {
            Some(e) if d.state != DeliveryState::Delivered => {
                eprintln!("{}: {} ({e})", d.party, d.state.as_str())
            }
            _ => eprintln!("{}: {}", d.party, d.state.as_str()),
        }
    }
    Ok(())
}

pub async fn outbox(args: OutboxArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    if args.deliver {
        deliver_once(&node).await?;
    }
    let rows = node
        .list_deliveries(&DeliveryFilter {
            state: args.state,
            ..Default::default()
        })
        .await?;
    if args.json {
        let items: Vec<_> = rows
            .iter()
            .map(|d| {
                json!({
                    "envelope": d.envelope.to_string(),
                    "party": d.party.as_str(),
                    "state": d.state.as_str(),
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                    "receipt": d.receipt.map(|r| r.to_string()),
                })
            })
            .collect();
        return super::output::json(&json!(items));
    }
    for d in &rows {
        println!(
            "{}  {:<14} {:<9} attempts={}{}",
            d.envelope,
            d.party.as_str(),
            d.state.as_str(),
            d.attempts,
            d.last_error
                .as_ref()
                .filter(|_| d.state != DeliveryState::Delivered)
                .map(|e| format!("  {e}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

pub async fn receipt(args: ReceiptArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let receipts = node.receipts_of(&args.id).await?;
    let chosen = match &args.party {
        Some(p) => receipts.iter().find(|(q, _)| q == p),
        None if receipts.len() == 1 => receipts.first(),
        None => None,
    };
    let Some((_, receipt_id)) = chosen else {
        anyhow::bail!(countersign_node::NodeError::not_found(format!(
            "no {}receipt for {} ({} held); name the recipient with --party",
            args.party
                .as_ref()
                .map(|p| format!("{p}'s "))
                .unwrap_or_default(),
            args.id,
            receipts.len()
        )));
    };
    let text = node.get_receipt(receipt_id).await?.to_json_pretty()?;
    match &args.out {
        Some(path) => std::fs::write(path, format!("{text}\n"))
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => println!("{text}"),
    }
    Ok(())
}
