//! `countersign report`: scorecards per counterpart and direction over a
//! period, as a table, JSON, CSV, or a self-contained HTML file with
//! charts (`--html FILE`) that can be forwarded as it is.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

use countersign_core::ids::PartyId;
use countersign_core::scorecard::{Direction, Percentiles, Period, Scorecard};
use countersign_node::access::Viewer;
use countersign_node::now;
use countersign_node::obligations::ScorecardQuery;
use countersign_web::report::{ReportInput, human_duration, render_report};

use super::DataArg;

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// `30d`, `12w`, or `2026-01-01..2026-03-31` (whole days, both included).
    #[arg(long, default_value = "90d")]
    pub period: String,
    /// Only this counterpart.
    #[arg(long, value_parser = PartyId::parse)]
    pub counterpart: Option<PartyId>,
    /// `out` (how they answered us) or `in` (how we answered them).
    #[arg(long, value_parser = Direction::parse)]
    pub direction: Option<Direction>,
    #[arg(long, conflicts_with_all = ["csv", "html"])]
    pub json: bool,
    #[arg(long, conflicts_with = "html")]
    pub csv: bool,
    /// Write a self-contained HTML report (inline CSS and SVG charts) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

const CSV_HEADER: &str = "party,counterpart,direction,sent,delivered,acknowledged,answered,\
substantive,formal,unrated,unanswered,overdue,replies,\
deliver_median_s,deliver_p90_s,ack_median_s,ack_p90_s,answer_median_s,answer_p90_s";

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One CSV line; party ids and directions need no quoting (slugs).
fn csv_line(c: &Scorecard) -> String {
    let p = |p: &Percentiles| format!("{},{}", opt(p.median_s), opt(p.p90_s));
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        c.party,
        c.counterpart,
        c.direction,
        c.sent,
        c.delivered,
        c.acknowledged,
        c.answered,
        c.substantive,
        c.formal,
        c.unrated,
        c.unanswered,
        c.overdue,
        c.replies,
        p(&c.to_deliver),
        p(&c.to_acknowledge),
        p(&c.to_answer)
    )
}

fn times(p: &Percentiles) -> String {
    match (p.median_s, p.p90_s) {
        (Some(m), Some(n)) => format!("{} / {}", human_duration(m), human_duration(n)),
        _ => "-".to_owned(),
    }
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let at = now();
    // Parse before opening the node: bad input fails fast.
    let period = Period::parse(&args.period, at).map_err(countersign_node::NodeError::from)?;
    let node = args.data.open().await?;
    let query = ScorecardQuery {
        period,
        counterpart: args.counterpart,
        direction: args.direction,
    };
    let cards = node.scorecards(&Viewer::Operator, &query).await?;
    if let Some(path) = &args.html {
        let html = render_report(&ReportInput {
            parties: node
                .hosted_parties()
                .iter()
                .map(ToString::to_string)
                .collect(),
            generated: at,
            period,
            scorecards: &cards,
            checkpoint: Some(node.log_checkpoint().await?),
        });
        std::fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "wrote {} ({} scorecards, {} to {})",
            path.display(),
            cards.len(),
            period.start,
            period.end
        );
        return Ok(());
    }
    if args.json {
        return super::output::json(&serde_json::json!({
            "period": period,
            "generated": at,
            "scorecards": cards,
        }));
    }
    if args.csv {
        println!("{CSV_HEADER}");
        for c in &cards {
            println!("{}", csv_line(c));
        }
        return Ok(());
    }
    println!("Notifications created {} to {}", period.start, period.end);
    let rows: Vec<Vec<String>> = cards
        .iter()
        .map(|c| {
            vec![
                c.party.to_string(),
                c.counterpart.to_string(),
                c.direction.to_string(),
                c.sent.to_string(),
                c.delivered.to_string(),
                c.acknowledged.to_string(),
                c.answered.to_string(),
                c.substantive.to_string(),
                c.formal.to_string(),
                c.unanswered.to_string(),
                c.overdue.to_string(),
                times(&c.to_acknowledge),
                times(&c.to_answer),
            ]
        })
        .collect();
    super::output::table(
        &[
            "PARTY",
            "COUNTERPART",
            "DIR",
            "SENT",
            "DELIVERED",
            "ACKED",
            "ANSWERED",
            "SUBSTANTIVE",
            "FORMAL",
            "UNANSWERED",
            "OVERDUE",
            "ACK MEDIAN/P90",
            "ANSWER MEDIAN/P90",
        ],
        &rows,
    );
    Ok(())
}
