//! `countersign bench-deliver` (hidden): files N notifications on this
//! node and delivers them to a peer over HTTP, timing both, for
//! `bench/federation.sh`. A program, not a test: it prints numbers.

use std::time::Instant;

use clap::Args;
use countersign_core::ids::PartyId;
use countersign_core::net::NetworkScope;
use countersign_core::notification::{Notification, RequestedAction, Severity};
use countersign_core::taxonomy::Category;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::notify::NotifyRequest;
use countersign_node::now;
use countersign_store::{DeliveryFilter, DeliveryState};

use super::DataArg;

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The recipient (its entry names its endpoint).
    #[arg(long, value_parser = PartyId::parse)]
    pub to: PartyId,
    #[arg(long, default_value_t = 10_000)]
    pub count: usize,
    /// Notifications filed at once (enough to keep both nodes busy: see
    /// bench/federation.sh).
    #[arg(long, default_value_t = 1024)]
    pub concurrency: usize,
    /// Run the delivery worker while filing, as `countersign serve` does,
    /// instead of filing everything first and then delivering.
    #[arg(long)]
    pub overlap: bool,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    super::connect(&node)?;
    let from = node.config().default_party.clone();
    let usage_at_start = Usage::now();
    let started = Instant::now();
    let worker = args.overlap.then(|| node.start_delivery_worker());
    let mut tasks = tokio::task::JoinSet::new();
    let mut filed = 0usize;
    while filed < args.count {
        while tasks.len() < args.concurrency && filed < args.count {
            let (node, from, to) = (node.clone(), from.clone(), args.to.clone());
            let i = filed;
            tasks.spawn(async move {
                let start = now();
                let notification = Notification {
                    title: format!("bench notification {i}"),
                    summary: String::new(),
                    category: Category::parse("other/undetermined")?,
                    sectors: vec![],
                    observed: None,
                    origin: NetworkScope::default(),
                    targets: NetworkScope::default(),
                    requested_actions: vec![RequestedAction::Investigate],
                    severity: Severity::Low,
                    ack_by: start.plus_hours(24),
                    reply_by: start.plus_hours(72),
                    evidence: None,
                };
                node.notify(
                    &Viewer::Operator,
                    NotifyRequest {
                        from,
                        to: vec![to],
                        tlp: Tlp::Green,
                        refs: vec![],
                        notification,
                        attachments: vec![],
                        fill_deadlines: Default::default(),
                    },
                )
                .await?;
                anyhow::Ok(())
            });
            filed += 1;
        }
        if let Some(done) = tasks.join_next().await {
            done??;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let signed = started.elapsed();
    let usage_filed = Usage::now();
    let delivering = Instant::now();
    loop {
        // With the worker running, only watch; a second caller of
        // `deliver_due` would attempt the same rows twice.
        let attempted = if worker.is_some() {
            0
        } else {
            node.deliver_due().await?
        };
        let queued = node
            .list_deliveries(&DeliveryFilter {
                state: Some(DeliveryState::Queued),
                limit: 1,
                ..Default::default()
            })
            .await?;
        if queued.is_empty() {
            break;
        }
        if attempted == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    // Every receipt in the sender's log before the clock stops (the
    // worker logs them when its pipeline drains; `deliver_due` before it
    // returns).
    node.log_sync().await?;
    let delivered_in = delivering.elapsed();
    let usage_delivered = Usage::now();
    if let Some(worker) = worker {
        worker.abort();
    }
    let total = started.elapsed();
    let failed = node
        .list_deliveries(&DeliveryFilter {
            state: Some(DeliveryState::Failed),
            limit: 10,
            ..Default::default()
        })
        .await?;
    let n = args.count as f64;
    println!(
        "filed (signed, stored, logged) {} notifications in {:.2} s: {:.0}/s",
        args.count,
        signed.as_secs_f64(),
        n / signed.as_secs_f64()
    );
    if !args.overlap {
        println!(
            "delivered (receiver verified, stored, logged, countersigned; receipt verified, stored, logged) in {:.2} s: {:.0}/s",
            delivered_in.as_secs_f64(),
            n / delivered_in.as_secs_f64()
        );
    } else {
        println!(
            "delivery ran while filing; the last receipt came {:.2} s after the last notification was filed",
            delivered_in.as_secs_f64()
        );
    }
    println!(
        "end to end: {:.2} s, {:.0} notifications/s",
        total.as_secs_f64(),
        n / total.as_secs_f64()
    );
    let phases: &[(&str, &Option<Usage>, &Option<Usage>)] = if !args.overlap {
        &[
            ("filing", &usage_at_start, &usage_filed),
            ("delivery", &usage_filed, &usage_delivered),
        ]
    } else {
        &[("filing and delivery", &usage_at_start, &usage_delivered)]
    };
    for &(phase, from, to) in phases {
        if let (Some(a), Some(b)) = (from, to) {
            println!(
                "sender {phase}: {:.0} us CPU and {:.1} KB written per notification",
                (b.cpu_s - a.cpu_s) * 1e6 / n,
                (b.written - a.written) as f64 / 1024.0 / n
            );
        }
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "{} deliveries failed, e.g. {:?}",
            failed.len(),
            failed[0].last_error
        );
    }
    Ok(())
}

/// `countersign bench-ed25519` (hidden): prints the microseconds per
/// Ed25519 signature and per strict verification, timed here and now. On a
/// shared host the same build's rate varies by a tenth from one hour to the
/// next; these say how fast the machine was around a run (two of each are
/// about a quarter of a notification's CPU). Its own process, so that the
/// benchmark's CPU figures do not count it.
pub fn ed25519_now() -> anyhow::Result<()> {
    const ROUNDS: u32 = 2_000;
    let key = countersign_tlog::key::SignerKey::from_seed("bench", [7; 32])?;
    let verifier = key.verifier_key();
    let msg = [0x5a_u8; 120];
    let started = Instant::now();
    let mut sig = [0u8; 64];
    for _ in 0..ROUNDS {
        sig = key.sign(std::hint::black_box(&msg));
    }
    let signing = started.elapsed();
    let started = Instant::now();
    for _ in 0..ROUNDS {
        anyhow::ensure!(verifier.verify(std::hint::black_box(&msg), &sig));
    }
    let verifying = started.elapsed();
    let us = |d: std::time::Duration| d.as_secs_f64() * 1e6 / f64::from(ROUNDS);
    println!(
        "this machine now: Ed25519 sign {:.1} us, strict verify {:.1} us",
        us(signing),
        us(verifying)
    );
    Ok(())
}

/// This process's CPU seconds and bytes written so far, from `/proc/self`
/// (Linux; `None` elsewhere): how the sender's cost splits between filing
/// and delivery.
struct Usage {
    cpu_s: f64,
    written: u64,
}

impl Usage {
    fn now() -> Option<Usage> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name (which may hold spaces): utime
        // and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        let io = std::fs::read_to_string("/proc/self/io").ok()?;
        let written = io
            .lines()
            .find_map(|l| l.strip_prefix("wchar: "))?
            .trim()
            .parse()
            .ok()?;
        // Linux reports in USER_HZ, 100 on every mainstream configuration.
        Some(Usage {
            cpu_s: ticks / 100.0,
            written,
        })
    }
}
