//! `countersign log`: the node's transparency log from the command line:
//! its signed checkpoint, its public key, tlog-proofs for envelopes,
//! consistency proofs, split-view evidence, and a hidden `torture` command
//! that appends as fast as it can (for the SIGKILL test).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use clap::{Args, Subcommand};

use countersign_core::ids::EnvelopeId;
use countersign_node::NodeError;
use countersign_tlog::Checkpoint;
use countersign_tlog::witness::AddCheckpointRequest;

use super::DataArg;

#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Print the log's latest signed checkpoint (tlog-checkpoint).
    Checkpoint {
        #[command(flatten)]
        data: DataArg,
    },
    /// Print the log's verifier key, with which anyone verifies its checkpoints.
    Vkey {
        #[command(flatten)]
        data: DataArg,
        /// Print the witness's cosigning key instead.
        #[arg(long)]
        witness: bool,
    },
    /// Write a tlog-proof (c2sp.org/tlog-proof@v1) that an envelope is in the log.
    Prove(ProveArgs),
    /// Write a consistency proof from an older checkpoint to the latest one.
    Consistency(ConsistencyArgs),
    /// List split-view evidence: pairs of signed checkpoints of a peer's
    /// log that cannot both be true.
    SplitViews {
        #[command(flatten)]
        data: DataArg,
    },
    /// Submit the latest checkpoint to the peers' witnesses now (a running
    /// `serve` does this after every checkpoint) and print the outcome.
    Witness {
        #[command(flatten)]
        data: DataArg,
    },
    /// List the peers' cosignatures of this log's checkpoints.
    Cosignatures {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        json: bool,
    },
    /// Append synthetic leaves as fast as possible, printing `INDEX ID` for
    /// each acknowledged one and `checkpoint SIZE ROOT` for each published
    /// checkpoint (for crash tests).
    #[command(hide = true)]
    Torture(TortureArgs),
}

#[derive(Args, Debug)]
pub struct ProveArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The envelope id (64 hex digits).
    #[arg(long, value_parser = EnvelopeId::parse, required_unless_present = "index", conflicts_with = "index")]
    pub id: Option<EnvelopeId>,
    /// A leaf index instead of an envelope id.
    #[arg(long, hide = true)]
    pub index: Option<u64>,
    /// Write the proof here instead of to standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ConsistencyArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The older checkpoint (a file as `log checkpoint` prints it).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "old_size",
        conflicts_with = "old_size"
    )]
    pub old: Option<PathBuf>,
    /// The older tree size instead of a checkpoint file.
    #[arg(long)]
    pub old_size: Option<u64>,
    /// Write the proof here instead of to standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct TortureArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// How many leaves to append.
    #[arg(long, default_value_t = 1000)]
    pub count: u64,
    /// How many appends are in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
}

pub async fn run(cmd: LogCommand) -> anyhow::Result<()> {
    match cmd {
        LogCommand::Checkpoint { data } => {
            print!("{}", data.open().await?.log_checkpoint().await?);
            Ok(())
        }
        LogCommand::Vkey { data, witness } => {
            let node = data.open().await?;
            if witness {
                println!("{}", node.witness_vkey());
            } else {
                println!("{}", node.log_vkey());
            }
            Ok(())
        }
        LogCommand::Prove(args) => prove(args).await,
        LogCommand::Consistency(args) => consistency(args).await,
        LogCommand::SplitViews { data } => split_views(data).await,
        LogCommand::Witness { data } => witness_now(data).await,
        LogCommand::Cosignatures { data, json } => cosignatures(data, json).await,
        LogCommand::Torture(args) => torture(args).await,
    }
}

fn emit(out: Option<&PathBuf>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

async fn prove(args: ProveArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let proof = match (args.id, args.index) {
        (Some(id), _) => node.log_prove(&id).await?,
        (None, Some(index)) => node.log_prove_index(index).await?,
        (None, None) => return Err(NodeError::invalid("give --id ENVELOPE_ID").into()),
    };
    emit(args.out.as_ref(), &proof.to_text())?;
    if args.out.is_some() {
        eprintln!("entry {} of {}", proof.index, node.log_origin());
    }
    Ok(())
}

async fn consistency(args: ConsistencyArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let old_size = match (&args.old, args.old_size) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let (cp, _) = Checkpoint::open(&text, &[node.log_vkey()]).map_err(|e| {
                NodeError::new(
                    countersign_node::NodeErrorKind::BadSignature,
                    format!("{} is not a checkpoint of this log: {e}", path.display()),
                )
            })?;
            cp.size
        }
        (None, Some(size)) => size,
        (None, None) => return Err(NodeError::invalid("give --old FILE or --old-size N").into()),
    };
    // The latest checkpoint and a proof up to its size; the log may grow
    // in between, and the proof must end where the checkpoint is.
    let checkpoint = node.log_checkpoint().await?;
    let (text, _) = countersign_tlog::parse_note(&checkpoint)
        .map_err(|e| NodeError::internal(format!("own checkpoint: {e}")))?;
    let new = Checkpoint::parse(&text).map_err(|e| NodeError::internal(e.to_string()))?;
    let proof = node.log_consistency(old_size, new.size).await?;
    // The tlog-witness add-checkpoint body: old size, proof, checkpoint.
    let body = AddCheckpointRequest {
        old_size,
        proof,
        checkpoint,
    }
    .to_body();
    emit(args.out.as_ref(), &body)
}

async fn split_views(data: DataArg) -> anyhow::Result<()> {
    let views = data.open().await?.split_views().await?;
    if views.is_empty() {
        println!("no split views recorded");
    }
    for v in views {
        println!(
            "SPLIT VIEW of {} ({}), recorded {}",
            v.origin,
            v.kind.as_str(),
            v.recorded
        );
        println!("held checkpoint:\n{}", v.held);
        println!("conflicting checkpoint:\n{}", v.conflicting);
        if !v.proof.is_empty() {
            println!("consistency proof offered:");
            for h in &v.proof {
                println!("{}", B64.encode(h));
            }
        }
        println!();
    }
    Ok(())
}

fn random_id() -> anyhow::Result<EnvelopeId> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(EnvelopeId::from_bytes(bytes))
}

/// Writes one line to standard output and flushes it, so that a reader
/// sees every acknowledged line even if the process is killed next.
fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.flush()?;
    Ok(())
}

async fn torture(args: TortureArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let mut published = node.log_watch();
    let watcher = tokio::spawn(async move {
        loop {
            let line = published
                .borrow_and_update()
                .as_ref()
                .map(|cp| format!("checkpoint {} {}\n", cp.size, B64.encode(cp.root)));
            if let Some(line) = line
                && say(&line).is_err()
            {
                return;
            }
            if published.changed().await.is_err() {
                return;
            }
        }
    });
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency.max(1) {
        let node = node.clone();
        let next = Arc::clone(&next);
        let count = args.count;
        workers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let id = random_id()?;
                let index = node.log_append_synthetic(&id).await?;
                say(&format!("{index} {id}\n"))?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done.context("torture worker panicked")??;
    }
    watcher.abort();
    Ok(())
}

async fn witness_now(data: DataArg) -> anyhow::Result<()> {
    let node = data.open().await?;
    super::connect(&node)?;
    let outcomes = node.submit_to_witnesses().await?;
    if outcomes.is_empty() {
        println!("no peer names an endpoint and a witness key");
    }
    for o in outcomes {
        match o.result {
            Ok(size) => println!("{} cosigned size {size}", o.witness),
            Err(e) => println!("{} refused: {e}", o.witness),
        }
    }
    Ok(())
}

async fn cosignatures(data: DataArg, json_out: bool) -> anyhow::Result<()> {
    let node = data.open().await?;
    let all = node.cosignatures().await?;
    if json_out {
        let items: Vec<_> = all
            .iter()
            .map(|c| {
                serde_json::json!({
                    "witness": c.witness, "size": c.size, "time": c.time,
                    "cosignature": c.line.trim_end(), "checkpoint": c.checkpoint,
                })
            })
            .collect();
        return super::output::json(&serde_json::json!(items));
    }
    if all.is_empty() {
        println!("no cosignatures");
    }
    for c in all {
        println!("size {}  {}  at {}", c.size, c.witness, c.time);
    }
    Ok(())
}
