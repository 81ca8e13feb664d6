//! `countersign party add|list|show|export|import`.

use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;

use countersign_core::country::Country;
use countersign_core::ids::PartyId;
use countersign_core::jcs;
use countersign_core::net::NetworkScope;
use countersign_core::party::{Contact, Party, PartyKey, PartyKind};
use countersign_core::sector::Sector;
use countersign_core::time::Timestamp;
use countersign_node::parties::ImportOutcome;
use countersign_store::{PingStats, StoredParty};
use countersign_tlog::VerifierKey;
use std::collections::BTreeMap;

use super::{DataArg, output};

#[derive(Subcommand, Debug)]
pub enum PartyCommand {
    /// Add a party from its keys and details (or from a JSON file with --file).
    Add(Box<AddArgs>),
    /// List the directory.
    List {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        json: bool,
    },
    /// Show one party.
    Show {
        #[command(flatten)]
        data: DataArg,
        #[arg(value_parser = PartyId::parse)]
        id: PartyId,
        #[arg(long)]
        json: bool,
    },
    /// Write a party's signed directory entry.
    Export {
        #[command(flatten)]
        data: DataArg,
        #[arg(value_parser = PartyId::parse)]
        id: PartyId,
        /// Output file (default: stdout).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Import signed directory entries, verifying each.
    Import {
        #[command(flatten)]
        data: DataArg,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Accept only entries signed by one of these verifier keys.
        #[arg(long = "key", value_parser = parse_vkey)]
        keys: Vec<VerifierKey>,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The whole party as JSON (the directory-entry body); other flags are then not allowed.
    #[arg(long, conflicts_with_all = ["id", "name", "vkey"])]
    pub file: Option<PathBuf>,
    #[arg(long, value_parser = PartyId::parse, required_unless_present = "file")]
    pub id: Option<PartyId>,
    #[arg(long, required_unless_present = "file")]
    pub name: Option<String>,
    #[arg(long, default_value = "national-cert", value_parser = PartyKind::parse)]
    pub kind: PartyKind,
    #[arg(long, value_parser = Country::parse)]
    pub country: Option<Country>,
    /// A C2SP verifier key of the party (name+keyid+base64); repeat for several.
    #[arg(long, value_parser = parse_vkey, required_unless_present = "file")]
    pub vkey: Vec<VerifierKey>,
    /// Base URL of the party's node.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Constituency: an IP prefix, an AS number (AS64500) or a domain; repeat.
    #[arg(long = "network")]
    pub networks: Vec<String>,
    #[arg(long = "sector", value_parser = Sector::parse)]
    pub sectors: Vec<Sector>,
    /// A contact as "name|role|email|phone|24x7" (fields may be empty).
    #[arg(long = "contact")]
    pub contacts: Vec<String>,
    /// The verifier key of the party's node's log (`countersign log vkey`).
    #[arg(long, value_parser = parse_vkey)]
    pub log_key: Option<VerifierKey>,
    /// The cosigning key of the party's node's witness (`countersign log
    /// vkey --witness`).
    #[arg(long, value_parser = parse_vkey)]
    pub witness_key: Option<VerifierKey>,
}

pub fn parse_vkey(text: &str) -> Result<VerifierKey, String> {
    VerifierKey::parse(text).map_err(|e| format!("not a verifier key: {e}"))
}

pub async fn run(cmd: PartyCommand) -> anyhow::Result<()> {
    match cmd {
        PartyCommand::Add(args) => add(*args).await,
        PartyCommand::List { data, json } => {
            let node = data.open().await?;
            let parties = node.list_parties().await?;
            let stats: BTreeMap<PartyId, PingStats> = node
                .ping_stats(None)
                .await?
                .into_iter()
                .map(|s| (s.party.clone(), s))
                .collect();
            if json {
                let out: Vec<serde_json::Value> = parties
                    .iter()
                    .map(|p| party_json(p, stats.get(&p.party.id)))
                    .collect();
                return output::json(&out);
            }
            let rows: Vec<Vec<String>> = parties
                .iter()
                .map(|p| {
                    let mut row = vec![
                        p.party.id.to_string(),
                        p.party.name.clone(),
                        p.party.kind.to_string(),
                        p.party.country.map(|c| c.to_string()).unwrap_or_default(),
                        if p.local { "hosted" } else { "" }.to_owned(),
                    ];
                    if p.local {
                        row.extend([String::new(), String::new(), String::new()]);
                    } else {
                        row.extend(super::ping::stats_row(stats.get(&p.party.id)));
                    }
                    row
                })
                .collect();
            output::table(
                &[
                    "ID",
                    "NAME",
                    "KIND",
                    "COUNTRY",
                    "",
                    "LAST PING OK",
                    "RTT",
                    "FAILING/PINGS",
                ],
                &rows,
            );
            Ok(())
        }
        PartyCommand::Show { data, id, json } => {
            let node = data.open().await?;
            let p = node.get_party(&id).await?;
            let stats = node.ping_stats(Some(&id)).await?.into_iter().next();
            if json {
                return output::json(&party_json(&p, stats.as_ref()));
            }
            print_party(&p);
            if let Some(s) = &stats {
                print_reachability(s);
            }
            Ok(())
        }
        PartyCommand::Export { data, id, out } => {
            let entry = data.open().await?.export_party(&id).await?;
            let text = entry.to_json_pretty()? + "\n";
            match out {
                Some(path) => {
                    countersign_node::datadir::write_atomic(&path, text.as_bytes(), false)?;
                    eprintln!("wrote the signed entry of {id} to {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        PartyCommand::Import { data, files, keys } => import(data, files, keys).await,
    }
}

fn party_json(p: &StoredParty, stats: Option<&PingStats>) -> serde_json::Value {
    let mut out = serde_json::json!({
        "party": p.party,
        "hosted": p.local,
        "signed_entry": p.signed_entry.is_some(),
        "updated": p.updated,
    });
    if let (Some(s), Some(map)) = (stats, out.as_object_mut()) {
        let mut r = super::ping::stats_json(s);
        if let Some(r) = r.as_object_mut() {
            r.remove("party");
        }
        map.insert("reachability".into(), r);
    }
    out
}

fn print_reachability(s: &PingStats) {
    let row = super::ping::stats_row(Some(s));
    if s.last_attempt_us.is_some() {
        println!("  last ping ok: {}", row[0]);
        if !row[1].is_empty() {
            println!("  round trip:   {}", row[1]);
        }
        println!(
            "  pings:        {} ok, {} failed ({} in a row)",
            s.successes, s.failures, s.consecutive_failures
        );
        if let Some(e) = &s.last_error {
            println!("  last error:   {e}");
        }
    }
}

fn print_party(p: &StoredParty) {
    let party = &p.party;
    println!("{} — {}", party.id, party.name);
    println!("  kind:      {}", party.kind);
    if let Some(c) = party.country {
        println!("  country:   {c}");
    }
    println!("  hosted:    {}", if p.local { "yes" } else { "no" });
    if let Some(e) = &party.endpoint {
        println!("  endpoint:  {e}");
    }
    for k in &party.keys {
        let until = k
            .valid_until
            .map(|u| u.to_string())
            .unwrap_or_else(|| "—".into());
        println!(
            "  key:       {} (from {} until {until})",
            k.vkey, k.valid_from
        );
    }
    if !party.constituency.is_empty() {
        println!("  networks:  {}", party.constituency.summary());
    }
    for s in &party.sectors {
        println!("  sector:    {}", s.describe());
    }
    for c in &party.contacts {
        println!(
            "  contact:   {} ({}) {} {}{}",
            c.name,
            c.role,
            c.email.as_deref().unwrap_or(""),
            c.phone.as_deref().unwrap_or(""),
            if c.always_on { " 24/7" } else { "" }
        );
    }
}

async fn add(args: AddArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let party = match &args.file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let value = jcs::parse_strict(&text).map_err(countersign_node::NodeError::from)?;
            serde_json::from_value(value).map_err(|e| {
                countersign_node::NodeError::invalid(format!(
                    "{} is not a party: {e}",
                    path.display()
                ))
            })?
        }
        None => party_from_flags(&args)?,
    };
    let id = party.id.clone();
    node.add_party(party).await?;
    println!("added {id}");
    Ok(())
}

fn party_from_flags(args: &AddArgs) -> Result<Party, countersign_node::NodeError> {
    let missing =
        |what: &str| countersign_node::NodeError::invalid(format!("--{what} is required"));
    let mut constituency = NetworkScope::default();
    for n in &args.networks {
        constituency.push_text(n)?;
    }
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let contacts = args
        .contacts
        .iter()
        .map(|c| parse_contact(c))
        .collect::<Result<_, _>>()?;
    Ok(Party {
        id: args.id.clone().ok_or_else(|| missing("id"))?,
        name: args.name.clone().ok_or_else(|| missing("name"))?,
        country: args.country,
        kind: args.kind,
        keys: args
            .vkey
            .iter()
            .map(|k| PartyKey {
                vkey: k.to_string(),
                valid_from: now,
                valid_until: None,
            })
            .collect(),
        endpoint: args.endpoint.clone(),
        contacts,
        constituency,
        sectors: args.sectors.clone(),
        log_vkey: args.log_key.as_ref().map(ToString::to_string),
        witness_vkey: args.witness_key.as_ref().map(ToString::to_string),
    })
}

fn parse_contact(text: &str) -> Result<Contact, countersign_node::NodeError> {
    let f: Vec<&str> = text.split('|').map(str::trim).collect();
    let field = |i: usize| f.get(i).filter(|s| !s.is_empty()).map(|s| s.to_string());
    let always_on = match f.get(4).copied().unwrap_or("") {
        "" | "no" => false,
        "24x7" | "24/7" | "yes" => true,
        other => {
            return Err(countersign_node::NodeError::invalid(format!(
                "contact field 5 must be 24x7 or empty, not {other:?}"
            )));
        }
    };
    Ok(Contact {
        name: field(0)
            .ok_or_else(|| countersign_node::NodeError::invalid("a contact needs a name"))?,
        role: field(1).unwrap_or_default(),
        email: field(2),
        phone: field(3),
        always_on,
    })
}

async fn import(data: DataArg, files: Vec<PathBuf>, keys: Vec<VerifierKey>) -> anyhow::Result<()> {
    let node = data.open().await?;
    // A progress bar for long imports, on stderr; results go to stdout.
    let bar = if files.len() >= 10 {
        indicatif::ProgressBar::new(files.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let say = |line: String| bar.suspend(|| println!("{line}"));
    let mut failures = 0;
    for path in &files {
        let result = match std::fs::read_to_string(path) {
            Ok(text) => node
                .import_party(&text, &keys)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(anyhow::anyhow!("cannot read: {e}")),
        };
        match result {
            Ok(ImportOutcome::Added(id)) => say(format!("added {id} from {}", path.display())),
            Ok(ImportOutcome::Updated(id)) => say(format!("updated {id} from {}", path.display())),
            Ok(ImportOutcome::Unchanged(id)) => say(format!("{id} unchanged ({})", path.display())),
            Err(e) => {
                failures += 1;
                if files.len() > 1 {
                    bar.suspend(|| eprintln!("error: {}: {e:#}", path.display()));
                }
                if files.len() == 1 {
                    bar.finish_and_clear();
                    return Err(e);
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if failures > 0 {
        return Err(countersign_node::NodeError::invalid(format!(
            "{failures} of {} entries were not imported",
            files.len()
        ))
        .into());
    }
    Ok(())
}
