//! `countersign reply`: a recipient answers a notification; the reply is
//! signed, stored, logged and delivered like a notification.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::jcs;
use countersign_core::reply::{Reply, ReplyKind};
use countersign_node::NodeError;
use countersign_node::access::Viewer;

use super::DataArg;

#[derive(Args, Debug)]
pub struct ReplyArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The notification answered.
    #[arg(long, value_parser = EnvelopeId::parse)]
    pub notification: EnvelopeId,
    /// acknowledgement, request-for-information, interim, findings,
    /// action-taken or declined.
    #[arg(long, value_parser = ReplyKind::parse)]
    pub kind: ReplyKind,
    #[arg(long, default_value = "")]
    pub text: String,
    /// Why (required for `declined`).
    #[arg(long)]
    pub reason: Option<String>,
    /// A STIX 2.1 bundle file: findings, sightings, actions.
    #[arg(long)]
    pub evidence: Option<PathBuf>,
    /// The replying party (default: the recipient hosted here).
    #[arg(long, value_parser = PartyId::parse)]
    pub from: Option<PartyId>,
    /// Only queue the delivery (a running `serve` delivers it).
    #[arg(long)]
    pub no_deliver: bool,
}

pub async fn run(args: ReplyArgs) -> anyhow::Result<()> {
    let evidence = match &args.evidence {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Some(jcs::parse_strict(&text).map_err(NodeError::from)?)
        }
        None => None,
    };
    let node = args.data.open().await?;
    if !args.no_deliver {
        super::connect(&node)?;
    }
    let reply = Reply {
        kind: args.kind,
        text: args.text,
        reason: args.reason,
        evidence,
    };
    let signed = node
        .reply(&Viewer::Operator, &args.notification, args.from, reply)
        .await?;
    if !args.no_deliver {
        super::outbox::deliver_once(&node).await?;
    }
    println!("{}", signed.id());
    if !args.no_deliver {
        super::outbox::print_states(&node, &signed.id()).await?;
    }
    Ok(())
}
