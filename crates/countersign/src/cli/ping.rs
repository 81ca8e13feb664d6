//! `countersign ping PARTY` (one signed communication check now) and
//! `countersign ping --status` (every party's reachability as recorded:
//! last success, round-trip time, failures). A ping counts only when the
//! party's signed pong referring to it comes back (docs/federation.md,
//! "Communication checks"); the command exits non-zero when it does not.

use clap::Args;
use countersign_core::ids::PartyId;
use countersign_store::{PingOutcome, PingStats};
use serde_json::json;

use super::{DataArg, output};

#[derive(Args, Debug)]
pub struct PingArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The party to ping (a party of another node, with an endpoint).
    #[arg(value_parser = PartyId::parse, required_unless_present = "status")]
    pub party: Option<PartyId>,
    /// List the recorded reachability of every party (of PARTY if given)
    /// instead of pinging.
    #[arg(long)]
    pub status: bool,
    #[arg(long)]
    pub json: bool,
}

fn micros(us: Option<i64>) -> Option<String> {
    us.and_then(chrono::DateTime::from_timestamp_micros)
        .map(|t| countersign_core::time::Timestamp::from_datetime(t).to_string())
}

/// The JSON form of a party's statistics (the REST `reachability` shape
/// plus the party).
pub fn stats_json(s: &PingStats) -> serde_json::Value {
    json!({
        "party": s.party,
        "last_attempt": micros(s.last_attempt_us),
        "last_success": micros(s.last_success_us),
        "last_rtt_ms": s.last_rtt_ms,
        "consecutive_failures": s.consecutive_failures,
        "successes": s.successes,
        "failures": s.failures,
        "last_error": s.last_error,
        "last_pinged": micros(s.last_pinged_us),
    })
}

/// One table row per party: for `ping --status` and `party list`.
pub fn stats_row(s: Option<&PingStats>) -> Vec<String> {
    let Some(s) = s.filter(|s| s.last_attempt_us.is_some()) else {
        return vec!["—".into(), String::new(), String::new()];
    };
    vec![
        micros(s.last_success_us).unwrap_or_else(|| "never".into()),
        s.last_rtt_ms
            .map(|ms| format!("{ms} ms"))
            .unwrap_or_default(),
        format!(
            "{}/{}",
            s.consecutive_failures,
            s.failures.saturating_add(s.successes)
        ),
    ]
}

pub async fn run(args: PingArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    if args.status {
        let stats = node.ping_stats(args.party.as_ref()).await?;
        if args.json {
            return output::json(&stats.iter().map(stats_json).collect::<Vec<_>>());
        }
        let rows: Vec<Vec<String>> = stats
            .iter()
            .map(|s| {
                let mut row = vec![s.party.to_string()];
                row.extend(stats_row(Some(s)));
                row.push(micros(s.last_pinged_us).unwrap_or_default());
                row.push(if s.consecutive_failures > 0 {
                    s.last_error.clone().unwrap_or_default()
                } else {
                    String::new()
                });
                row
            })
            .collect();
        output::table(
            &[
                "PARTY",
                "LAST SUCCESS",
                "RTT",
                "FAILING/PINGS",
                "PINGED US",
                "LAST ERROR",
            ],
            &rows,
        );
        return Ok(());
    }
    let Some(party) = args.party else {
        anyhow::bail!("name a party to ping, or use --status");
    };
    super::connect(&node)?;
    let report = node.ping(&party).await?;
    if args.json {
        let mut out = stats_json(&report.stats);
        if let Some(map) = out.as_object_mut() {
            map.insert("ping".into(), json!(report.ping.to_string()));
            match &report.outcome {
                PingOutcome::Success { rtt_ms } => {
                    map.insert("ok".into(), json!(true));
                    map.insert("rtt_ms".into(), json!(rtt_ms));
                }
                PingOutcome::Failure { error } => {
                    map.insert("ok".into(), json!(false));
                    map.insert("error".into(), json!(error));
                }
            }
        }
        output::json(&out)?;
    }
    match report.outcome {
        PingOutcome::Success { rtt_ms } => {
            if !args.json {
                println!("{party}: pong verified in {rtt_ms} ms");
            }
            Ok(())
        }
        PingOutcome::Failure { error } => Err(anyhow::anyhow!(
            "{party} did not answer the ping with a valid pong: {error} ({} failures in a row)",
            report.stats.consecutive_failures
        )),
    }
}
