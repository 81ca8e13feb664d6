//! `countersign rate`: the notifier rates a reply as substantive or
//! formal, with a reason, or signs the documented rule's proposal
//! (`--accept-proposal`). The rating is a signed envelope to the replier,
//! stored, logged and delivered like a reply; a later rating of the same
//! reply supersedes the earlier one.

use clap::Args;

use countersign_core::ids::EnvelopeId;
use countersign_core::reply::ReplyQuality;
use countersign_node::NodeError;
use countersign_node::access::Viewer;

use super::DataArg;

#[derive(Args, Debug)]
pub struct RateArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The reply rated.
    #[arg(value_name = "REPLY_ID", value_parser = EnvelopeId::parse)]
    pub reply: EnvelopeId,
    /// substantive or formal.
    #[arg(long, value_parser = ReplyQuality::parse, required_unless_present = "accept_proposal",
          conflicts_with = "accept_proposal", requires = "reason")]
    pub quality: Option<ReplyQuality>,
    /// Why (kept in the signed rating).
    #[arg(long)]
    pub reason: Option<String>,
    /// Sign what the rule proposes (see `countersign rate --help`): findings
    /// or action taken with content or evidence are substantive; interim,
    /// request for information or declined without evidence are formal;
    /// an acknowledgement needs no rating.
    #[arg(long)]
    pub accept_proposal: bool,
    /// Close the matter with this rating (cannot be undone).
    #[arg(long)]
    pub close: bool,
    /// Only queue the delivery (a running `serve` delivers it).
    #[arg(long)]
    pub no_deliver: bool,
}

pub async fn run(args: RateArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    if !args.no_deliver {
        super::connect(&node)?;
    }
    let viewer = Viewer::Operator;
    let (quality, reason) = match args.quality {
        Some(q) => (q, args.reason.unwrap_or_default()),
        None => {
            let proposal = node.rating_proposal(&viewer, &args.reply).await?;
            let quality = proposal.quality.ok_or_else(|| {
                NodeError::invalid(format!("{}: there is nothing to accept", proposal.reason))
            })?;
            eprintln!("proposed: {quality} ({})", proposal.reason);
            (
                quality,
                args.reason
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or(proposal.reason),
            )
        }
    };
    let signed = node
        .rate(&viewer, &args.reply, quality, &reason, args.close)
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
