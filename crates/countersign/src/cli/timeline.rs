//! `countersign timeline ID`: a notification's lifecycle per recipient
//! (queued, delivered, acknowledged, answered, closed; overdue flags) and
//! every event — sent, delivered, replies, ratings — with its proof
//! state, as the dashboard shows it.

use clap::Args;
use serde_json::{Value, json};

use countersign_core::ids::EnvelopeId;
use countersign_node::access::Viewer;
use countersign_node::obligations::{Timeline, TimelineEventKind};

use super::DataArg;

#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The notification.
    #[arg(value_name = "ID", value_parser = EnvelopeId::parse)]
    pub id: EnvelopeId,
    #[arg(long)]
    pub json: bool,
}

fn to_json(t: &Timeline) -> Value {
    let t_opt = |t: Option<countersign_core::time::Timestamp>| t.map(|t| t.to_string());
    json!({
        "notification": t.notification.to_string(),
        "from": t.from.to_string(),
        "created": t.created.to_string(),
        "ack_by": t.ack_by.to_string(),
        "reply_by": t.reply_by.to_string(),
        "final_by": t.final_by.to_string(),
        "protected": t.protected,
        "recipients": t.recipients.iter().map(|r| {
            let l = &r.lifecycle;
            json!({
                "party": r.party.to_string(),
                "stage": l.stage.as_str(),
                "delivered_at": t_opt(l.delivered_at),
                "acknowledged_at": t_opt(l.acknowledged_at),
                "answered_at": t_opt(l.answered_at),
                "closed_at": t_opt(l.closed_at),
                "overdue_ack": l.overdue_ack,
                "overdue_reply": l.overdue_reply,
                "ack_late": l.ack_late,
                "answer_late": l.answer_late,
                "quality": l.quality().map(|q| q.as_str()),
            })
        }).collect::<Vec<_>>(),
        "events": t.events.iter().map(|e| {
            let mut v = json!({
                "at": e.at.to_string(),
                "envelope": e.envelope.to_string(),
                "from": e.from.to_string(),
                "signed": e.proof.signed,
                "receipt_verified": e.proof.receipt_verified,
                "log_index": e.proof.log_index,
                "witnessed": e.proof.witnessed,
            });
            let (event, extra) = match &e.kind {
                TimelineEventKind::Sent => ("sent", json!({})),
                TimelineEventKind::Delivered { to } => ("delivered", json!({"to": to.to_string()})),
                TimelineEventKind::Reply { kind } => ("reply", json!({"kind": kind.as_str()})),
                TimelineEventKind::Rating { quality, close, reply, supersedes } => ("rating", json!({
                    "quality": quality.as_str(), "close": close, "reply": reply.to_string(),
                    "supersedes": supersedes.map(|s| s.to_string()),
                })),
            };
            v["event"] = json!(event);
            if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
                obj.extend(more.clone());
            }
            v
        }).collect::<Vec<_>>(),
    })
}

pub async fn run(args: TimelineArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let t = node.timeline(&Viewer::Operator, &args.id).await?;
    if args.json {
        return super::output::json(&to_json(&t));
    }
    println!(
        "{} from {}, sent {}; acknowledge by {}, answer by {}{}",
        t.notification,
        t.from,
        t.created,
        t.ack_by,
        t.reply_by,
        if t.protected {
            " (protected sector)"
        } else {
            ""
        }
    );
    for r in &t.recipients {
        let l = &r.lifecycle;
        let mut flags = Vec::new();
        for (on, name) in [
            (l.overdue_ack, "overdue-ack"),
            (l.overdue_reply, "overdue-reply"),
            (l.ack_late, "acknowledged late"),
            (l.answer_late, "answered late"),
        ] {
            if on {
                flags.push(name);
            }
        }
        println!(
            "  {}: {}{}{}",
            r.party,
            l.stage,
            l.quality().map(|q| format!(", {q}")).unwrap_or_default(),
            if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(", "))
            }
        );
    }
    let rows: Vec<Vec<String>> = t
        .events
        .iter()
        .map(|e| {
            let what = match &e.kind {
                TimelineEventKind::Sent => "sent".to_owned(),
                TimelineEventKind::Delivered { to } => format!("delivered to {to}"),
                TimelineEventKind::Reply { kind } => format!("reply: {kind}"),
                TimelineEventKind::Rating {
                    quality,
                    close,
                    supersedes,
                    ..
                } => format!(
                    "rated {quality}{}{}",
                    if *close { ", closed" } else { "" },
                    if supersedes.is_some() {
                        " (supersedes)"
                    } else {
                        ""
                    }
                ),
            };
            let proof = format!(
                "{}{}{}",
                if e.proof.signed {
                    "signed"
                } else {
                    "NOT VERIFIED"
                },
                match e.proof.receipt_verified {
                    Some(true) => ", receipt",
                    Some(false) => ", no receipt yet",
                    None => "",
                },
                if e.proof.witnessed > 0 {
                    format!(", witnessed by {}", e.proof.witnessed)
                } else {
                    String::new()
                }
            );
            vec![
                e.at.to_string(),
                e.from.to_string(),
                what,
                proof,
                e.envelope.to_string(),
            ]
        })
        .collect();
    super::output::table(&["AT", "FROM", "EVENT", "PROOF", "ENVELOPE"], &rows);
    Ok(())
}
