//! `countersign notify`.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::jcs;
use countersign_core::net::NetworkScope;
use countersign_core::notification::{
    DEFAULT_ACK_HOURS, DEFAULT_REPLY_HOURS, Notification, ObservedWindow, RequestedAction, Severity,
};
use countersign_core::sector::Sector;
use countersign_core::taxonomy::Category;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::notify::{AttachmentInput, FillDeadlines, NotifyRequest};
use countersign_node::{NodeError, now};

use super::DataArg;

#[derive(Args, Debug)]
pub struct NotifyArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Only queue the delivery (a running `serve` delivers it); by
    /// default one attempt is made at once and its outcome printed.
    #[arg(long)]
    pub no_deliver: bool,
    /// Sending party (default: the node's own).
    #[arg(long, value_parser = PartyId::parse)]
    pub from: Option<PartyId>,
    /// Recipient party; repeat for several.
    #[arg(long, required = true, value_parser = PartyId::parse)]
    pub to: Vec<PartyId>,
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub summary: String,
    /// RSIT category: class/type, or a type (see `countersign categories`).
    #[arg(long, value_parser = Category::parse_lenient)]
    pub category: Category,
    /// Sector hit (see `countersign sectors`); repeat.
    #[arg(long = "sector", value_parser = Sector::parse)]
    pub sectors: Vec<Sector>,
    #[arg(long, default_value = "medium", value_parser = Severity::parse)]
    pub severity: Severity,
    /// Where the activity came from: IP, CIDR prefix, AS number or domain; repeat.
    #[arg(long = "origin")]
    pub origins: Vec<String>,
    /// What it hit: IP, CIDR prefix, AS number or domain; repeat.
    #[arg(long = "target")]
    pub targets: Vec<String>,
    /// What the recipient is asked to do; repeat.
    #[arg(long = "action", value_parser = RequestedAction::parse)]
    pub actions: Vec<RequestedAction>,
    #[arg(long, value_parser = Timestamp::parse_lenient)]
    pub observed_start: Option<Timestamp>,
    #[arg(long, value_parser = Timestamp::parse_lenient, requires = "observed_start")]
    pub observed_end: Option<Timestamp>,
    /// A STIX 2.1 bundle (JSON file) with the evidence.
    #[arg(long)]
    pub evidence: Option<PathBuf>,
    /// A file to attach (log, capture, sample); repeat.
    #[arg(long = "attach")]
    pub attachments: Vec<PathBuf>,
    /// Acknowledgement deadline (default: the node's deadline policy, NIS2: 24
    /// hours from now, 4 hours for protected sectors).
    #[arg(long, value_parser = Timestamp::parse_lenient)]
    pub ack_by: Option<Timestamp>,
    /// Substantive-reply deadline (default: the node's deadline policy, NIS2:
    /// 72 hours from now, 24 hours for protected sectors).
    #[arg(long, value_parser = Timestamp::parse_lenient)]
    pub reply_by: Option<Timestamp>,
    /// TLP 2.0 level: clear, green, amber, amber+strict, red.
    #[arg(long, default_value = "amber", value_parser = Tlp::parse_label)]
    pub tlp: Tlp,
    /// An envelope this notification refers to; repeat.
    #[arg(long = "ref", value_parser = EnvelopeId::parse)]
    pub refs: Vec<EnvelopeId>,
    /// Print the stored notification as JSON instead of just its id.
    #[arg(long)]
    pub json: bool,
}

fn scope(items: &[String]) -> Result<NetworkScope, NodeError> {
    let mut s = NetworkScope::default();
    for item in items {
        s.push_text(item)?;
    }
    Ok(s)
}

fn media_type_of(path: &std::path::Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => "application/json",
        Some("txt" | "log") => "text/plain",
        Some("csv") => "text/csv",
        Some("pcap") => "application/vnd.tcpdump.pcap",
        Some("pdf") => "application/pdf",
        Some("eml") => "message/rfc822",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

pub async fn run(args: NotifyArgs) -> anyhow::Result<()> {
    // Read and check every input before opening the node, so that a bad
    // file fails fast and nothing is written.
    let evidence = match &args.evidence {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read evidence file {}", path.display()))?;
            Some(jcs::parse_strict(&text).map_err(|e| {
                NodeError::from(e.context(format!("evidence file {}", path.display())))
            })?)
        }
        None => None,
    };
    let mut attachments = Vec::new();
    for path in &args.attachments {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read attachment {}", path.display()))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("attachment")
            .to_owned();
        attachments.push(AttachmentInput::Bytes {
            name,
            media_type: media_type_of(path).to_owned(),
            bytes,
        });
    }
    let start = now();
    let observed = match (args.observed_start, args.observed_end) {
        (Some(start), end) => Some(ObservedWindow {
            start,
            end: end.unwrap_or(start),
        }),
        _ => None,
    };
    let fill_deadlines = FillDeadlines {
        ack_by: args.ack_by.is_none(),
        reply_by: args.reply_by.is_none(),
    };
    let notification = Notification {
        title: args.title,
        summary: args.summary,
        category: args.category,
        sectors: args.sectors,
        observed,
        origin: scope(&args.origins)?,
        targets: scope(&args.targets)?,
        requested_actions: args.actions,
        severity: args.severity,
        // Stand-ins: deadlines not named are filled by the node from its
        // policy at the exact send time (`fill_deadlines` below).
        ack_by: args
            .ack_by
            .unwrap_or_else(|| start.plus_hours(DEFAULT_ACK_HOURS)),
        reply_by: args
            .reply_by
            .unwrap_or_else(|| start.plus_hours(DEFAULT_REPLY_HOURS)),
        evidence,
    };
    let node = args.data.open().await?;
    if !args.no_deliver {
        super::connect(&node)?;
    }
    let from = args
        .from
        .unwrap_or_else(|| node.config().default_party.clone());
    let detail = node
        .notify(
            &Viewer::Operator,
            NotifyRequest {
                from,
                to: args.to,
                tlp: args.tlp,
                refs: args.refs,
                notification,
                attachments,
                fill_deadlines,
            },
        )
        .await?;
    if !args.no_deliver {
        super::outbox::deliver_once(&node).await?;
    }
    if args.json {
        return super::output::json(&detail.envelope.to_json_value()?);
    }
    println!("{}", detail.envelope.id());
    if !args.no_deliver {
        super::outbox::print_states(&node, &detail.envelope.id()).await?;
    }
    let n = &detail.checked.notification;
    eprintln!(
        "acknowledge by {}, answer by {}{}",
        n.ack_by,
        n.reply_by,
        if node.config().deadlines.is_protected(&n.sectors) {
            " (protected sector: shorter default deadlines)"
        } else {
            ""
        }
    );
    if detail.checked.sufficiency == countersign_core::evidence::Sufficiency::None {
        eprintln!("warning: this notification carries no evidence; it is shown as unsubstantiated");
    }
    Ok(())
}
