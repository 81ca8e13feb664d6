//! `countersign list notifications` and `countersign show`.

use clap::{Args, Subcommand};

use countersign_core::evidence::Sufficiency;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::notification::Severity;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::notify::NotificationDetail;
use countersign_store::{NotificationFilter, NotificationRow, PageRequest};

use super::{DataArg, output};

#[derive(Subcommand, Debug)]
pub enum ListCommand {
    /// Notifications, newest first.
    Notifications(ListArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub data: DataArg,
    #[arg(long, value_parser = PartyId::parse)]
    pub from: Option<PartyId>,
    #[arg(long, value_parser = PartyId::parse)]
    pub to: Option<PartyId>,
    /// RSIT class or class/type.
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long, value_parser = Severity::parse)]
    pub severity: Option<Severity>,
    #[arg(long, value_parser = Sufficiency::parse)]
    pub sufficiency: Option<Sufficiency>,
    #[arg(long, value_parser = Timestamp::parse_lenient)]
    pub since: Option<Timestamp>,
    #[arg(long, value_parser = Timestamp::parse_lenient)]
    pub until: Option<Timestamp>,
    /// Text in the title.
    #[arg(long)]
    pub search: Option<String>,
    /// At most this many (newest first).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    pub data: DataArg,
    #[arg(value_parser = EnvelopeId::parse)]
    pub id: EnvelopeId,
    #[arg(long)]
    pub json: bool,
    /// Print only the signed envelope file (for `countersign verify`).
    #[arg(long, conflicts_with = "json")]
    pub envelope: bool,
}

pub async fn list(cmd: ListCommand) -> anyhow::Result<()> {
    let ListCommand::Notifications(args) = cmd;
    let node = args.data.open().await?;
    let filter = NotificationFilter {
        from: args.from,
        to: args.to,
        category: args.category,
        severity: args.severity,
        sufficiency: args.sufficiency,
        since: args.since,
        until: args.until,
        text: args.search,
        ..Default::default()
    };
    let mut rows: Vec<NotificationRow> = Vec::new();
    let mut cursor = None;
    while (rows.len() as u32) < args.limit {
        let page = node
            .list_notifications(
                &Viewer::Operator,
                filter.clone(),
                PageRequest {
                    limit: (args.limit - rows.len() as u32).min(500),
                    cursor,
                },
            )
            .await?;
        rows.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    if args.json {
        let out: Vec<serde_json::Value> = rows.iter().map(row_json).collect();
        return output::json(&out);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string()[..12].to_owned(),
                r.created.to_string(),
                r.from.to_string(),
                r.to.iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                r.tlp.label(),
                r.sufficiency.label().to_owned(),
                r.title.clone(),
            ]
        })
        .collect();
    output::table(
        &["ID", "CREATED", "FROM", "TO", "TLP", "EVIDENCE", "TITLE"],
        &table,
    );
    Ok(())
}

fn row_json(r: &NotificationRow) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "created": r.created,
        "from": r.from,
        "to": r.to,
        "title": r.title,
        "category": r.category,
        "severity": r.severity,
        "tlp": r.tlp,
        "sufficiency": {"level": r.sufficiency, "label": r.sufficiency.label()},
        "ack_by": r.ack_by,
        "reply_by": r.reply_by,
        "attachments": r.attachments,
        "direction": r.direction.as_str(),
    })
}

pub async fn show(args: ShowArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let detail = node.get_notification(&Viewer::Operator, &args.id).await?;
    if args.envelope {
        println!("{}", detail.envelope.to_json_pretty()?);
        return Ok(());
    }
    if args.json {
        let mut out = row_json(&detail.row);
        out["notification"] = detail.checked.notification.to_body()?;
        out["evidence_summary"] = serde_json::to_value(&detail.checked.evidence)?;
        out["signed_envelope"] = detail.envelope.to_json_value()?;
        return output::json(&out);
    }
    print_detail(&detail);
    Ok(())
}

fn print_detail(d: &NotificationDetail) {
    let n = &d.checked.notification;
    let env = d.envelope.envelope();
    println!("{}", n.title);
    println!("  id:         {}", d.envelope.id());
    println!("  from:       {}", env.from);
    println!(
        "  to:         {}",
        env.to
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("  created:    {}", env.created);
    println!("  category:   {}", n.category);
    println!("  severity:   {}", n.severity);
    println!("  {}", Tlp::label(env.tlp));
    println!("  ack by:     {}", n.ack_by);
    println!("  reply by:   {}", n.reply_by);
    println!(
        "  evidence:   {} — {}",
        d.checked.sufficiency.label().to_uppercase(),
        d.checked.sufficiency.explanation()
    );
    if let Some(e) = &d.checked.evidence {
        println!(
            "              {} indicators, {} observed-data, {} sightings, {} observables, {} artifacts, {} claims",
            e.indicators, e.observed_data, e.sightings, e.observables, e.artifacts, e.claims
        );
    }
    if !n.sectors.is_empty() {
        let s: Vec<String> = n.sectors.iter().map(|s| s.describe()).collect();
        println!("  sectors:    {}", s.join(", "));
    }
    if !n.origin.is_empty() {
        println!("  origin:     {}", n.origin.summary());
    }
    if !n.targets.is_empty() {
        println!("  targets:    {}", n.targets.summary());
    }
    if !n.requested_actions.is_empty() {
        let a: Vec<&str> = n.requested_actions.iter().map(|a| a.as_str()).collect();
        println!("  requested:  {}", a.join(", "));
    }
    for a in &env.attachments {
        println!(
            "  attachment: {} ({} bytes, {}) sha256:{}",
            a.name, a.size, a.media_type, a.sha256
        );
    }
    if !n.summary.is_empty() {
        println!();
        println!("{}", n.summary);
    }
}
