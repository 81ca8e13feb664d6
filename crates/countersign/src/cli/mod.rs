//! Command-line definitions and dispatch.

mod bench;
mod demo;
mod init;
mod log;
mod matching;
mod notify;
mod outbox;
mod output;
mod overdue;
mod party;
mod ping;
mod rate;
mod reply;
mod report;
mod serve;
mod show;
mod stix;
mod timeline;
mod user;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

use countersign_node::Node;
use countersign_node::datadir::DataDir;

#[derive(Parser, Debug)]
#[command(
    name = "countersign",
    version,
    about = "Signed, logged, evidence-carrying cyber-incident notifications between competent authorities"
)]
pub struct Cli {
    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The data directory flag, shared by the commands that open a node.
#[derive(clap::Args, Debug, Clone)]
pub struct DataArg {
    /// Node data directory.
    #[arg(long, env = "COUNTERSIGN_DATA", value_name = "DIR")]
    pub data: PathBuf,
}

impl DataArg {
    pub async fn open(&self) -> anyhow::Result<Node> {
        Ok(Node::open(DataDir::new(&self.data)).await?)
    }
}

/// Gives `node` its HTTP(S) transport to peers, trusting the certificate
/// authorities of its `peer_ca` besides the web PKI; a `peer_ca` file that
/// cannot be used is refused (exit 3) before anything is sent.
pub fn connect(node: &Node) -> anyhow::Result<()> {
    let ca_files = node.data_dir().peer_ca_paths(node.config());
    let transport = countersign_web::client::HttpTransport::trusting(&ca_files)
        .map_err(countersign_node::NodeError::invalid)?;
    node.set_transport(std::sync::Arc::new(transport));
    Ok(())
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a data directory: keys, configuration, database, admin user.
    Init(init::InitArgs),
    /// Manage the directory of parties.
    #[command(subcommand)]
    Party(party::PartyCommand),
    /// Sign and store a notification.
    Notify(Box<notify::NotifyArgs>),
    /// File and deliver N notifications to a peer, timed (bench/federation.sh).
    #[command(hide = true)]
    BenchDeliver(bench::BenchArgs),
    /// Times Ed25519 here and now, for bench/federation.sh (hidden).
    #[command(hide = true)]
    BenchEd25519,
    /// Answer a notification (as one of its recipients).
    Reply(Box<reply::ReplyArgs>),
    /// Rate a reply to our notification as substantive or formal (as the notifier).
    Rate(Box<rate::RateArgs>),
    /// Overdue and soon-due acknowledgements and answers, both directions.
    Overdue(overdue::OverdueArgs),
    /// Scorecards per counterpart and direction: table, JSON, CSV or an HTML report.
    Report(Box<report::ReportArgs>),
    /// A notification's lifecycle per recipient and its events with their proof state.
    Timeline(timeline::TimelineArgs),
    /// Deliveries of sent envelopes and their states.
    Outbox(outbox::OutboxArgs),
    /// Check that a peer party answers (a signed ping and pong), or list reachability (--status).
    Ping(ping::PingArgs),
    /// Write a stored receipt (for `countersign verify`).
    Receipt(outbox::ReceiptArgs),
    /// List things.
    #[command(subcommand)]
    List(show::ListCommand),
    /// Show one notification.
    Show(show::ShowArgs),
    /// Match local observations against a notification's indicators.
    Match(matching::MatchArgs),
    /// Verify offline: a signed envelope, a log checkpoint, a tlog-proof, or consistency.
    Verify(Box<verify::VerifyArgs>),
    /// The node's transparency log: checkpoint, key, proofs.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Check STIX 2.1 files offline.
    #[command(subcommand)]
    Stix(stix::StixCommand),
    /// Run the node's HTTP server (REST API and web UI).
    Serve(serve::ServeArgs),
    /// Run a throwaway demonstration node with fictional authorities.
    Demo(demo::DemoArgs),
    /// Manage users and API tokens.
    #[command(subcommand)]
    User(user::UserCommand),
    /// List the RSIT incident categories.
    Categories {
        #[arg(long)]
        json: bool,
    },
    /// List the sectors (US critical infrastructure and NIS2).
    Sectors {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init(args) => init::run(args).await,
        Command::Party(cmd) => party::run(cmd).await,
        Command::Notify(args) => notify::run(*args).await,
        Command::Reply(args) => reply::run(*args).await,
        Command::BenchDeliver(args) => bench::run(args).await,
        Command::BenchEd25519 => bench::ed25519_now(),
        Command::Rate(args) => rate::run(*args).await,
        Command::Overdue(args) => overdue::run(args).await,
        Command::Report(args) => report::run(*args).await,
        Command::Timeline(args) => timeline::run(args).await,
        Command::Outbox(args) => outbox::outbox(args).await,
        Command::Receipt(args) => outbox::receipt(args).await,
        Command::Ping(args) => ping::run(args).await,
        Command::List(cmd) => show::list(cmd).await,
        Command::Show(args) => show::show(args).await,
        Command::Match(args) => matching::run(args).await,
        Command::Verify(args) => verify::run(*args).await,
        Command::Log(cmd) => log::run(cmd).await,
        Command::Stix(cmd) => stix::run(cmd).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::User(cmd) => user::run(cmd).await,
        Command::Categories { json } => output::vocabulary(
            json,
            countersign_core::taxonomy::Category::all().map(|c| c.to_string()),
        ),
        Command::Sectors { json } => output::vocabulary(
            json,
            countersign_core::sector::Sector::ALL
                .iter()
                .map(|s| s.to_string()),
        ),
    }
}

pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Exit codes.
pub mod exit {
    use countersign_node::{NodeError, NodeErrorKind};

    /// Bad input: malformed file, invalid value, invalid STIX.
    pub const INVALID: u8 = 3;
    /// Something named does not exist.
    pub const NOT_FOUND: u8 = 4;
    /// A signature or key check failed.
    pub const VERIFY_FAILED: u8 = 5;
    /// It exists already.
    pub const DUPLICATE: u8 = 6;
    /// Anything else (IO, database).
    pub const INTERNAL: u8 = 1;

    pub fn code_for(e: &anyhow::Error) -> u8 {
        let Some(node) = e.chain().find_map(|c| c.downcast_ref::<NodeError>()) else {
            return if e
                .chain()
                .any(|c| c.downcast_ref::<countersign_core::CoreError>().is_some())
            {
                INVALID
            } else {
                INTERNAL
            };
        };
        match node.kind {
            NodeErrorKind::Invalid | NodeErrorKind::InvalidStix | NodeErrorKind::TooLarge => {
                INVALID
            }
            NodeErrorKind::NotFound => NOT_FOUND,
            NodeErrorKind::BadSignature
            | NodeErrorKind::KeyNotValid
            | NodeErrorKind::BadReceipt => VERIFY_FAILED,
            NodeErrorKind::Duplicate => DUPLICATE,
            _ => INTERNAL,
        }
    }
}
