//! `countersign init`.

use clap::Args;

use countersign_core::country::Country;
use countersign_core::ids::PartyId;
use countersign_core::party::PartyKind;
use countersign_node::datadir::DataDir;
use countersign_node::{InitOptions, Node};

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub data: super::DataArg,
    /// Id of the party this node hosts (a slug such as cert-aurelia).
    #[arg(long, value_parser = PartyId::parse)]
    pub party: PartyId,
    /// Its full name.
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "national-cert", value_parser = PartyKind::parse)]
    pub kind: PartyKind,
    /// ISO 3166-1 alpha-2 country code.
    #[arg(long, value_parser = Country::parse)]
    pub country: Option<Country>,
    /// Address the server listens on.
    #[arg(long, default_value = "127.0.0.1:8750")]
    pub listen: String,
    /// Public base URL of this node, published in its directory entry.
    #[arg(long)]
    pub endpoint: Option<String>,
}

pub async fn run(args: InitArgs) -> anyhow::Result<()> {
    let (_, report) = Node::init(
        DataDir::new(&args.data.data),
        InitOptions {
            party: args.party.clone(),
            name: args.name,
            kind: args.kind,
            country: args.country,
            listen: args.listen,
            endpoint: args.endpoint,
        },
    )
    .await?;
    println!(
        "initialised {} for party {}",
        args.data.data.display(),
        args.party
    );
    println!("public key: {}", report.vkey);
    println!(
        "admin login: {} / {}",
        report.admin_username, report.admin_password
    );
    println!("(the password is shown only now)");
    Ok(())
}
