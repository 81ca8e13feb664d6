//! `countersign demo`: a throwaway node with fictional authorities and
//! synthetic incidents, served on loopback.
//!
//! Every name, network and incident here is invented for the demo. Networks
//! come from the documentation ranges (RFC 5737 addresses, RFC 5398 AS
//! numbers, `.example` domains), so nothing points at a real party.

use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;

use countersign_core::access::Role;
use countersign_core::ids::PartyId;
use countersign_core::net::NetworkScope;
use countersign_core::notification::{Notification, ObservedWindow, RequestedAction, Severity};
use countersign_core::party::PartyKind;
use countersign_core::sector::Sector;
use countersign_core::taxonomy::Category;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::auth::random_secret;
use countersign_node::datadir::DataDir;
use countersign_node::notify::{AttachmentInput, NotifyRequest};
use countersign_node::{InitOptions, Node, now};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8750")]
    pub listen: String,
    /// Keep the data in this directory instead of a temporary one.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Create the data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

struct DemoParty {
    id: &'static str,
    name: &'static str,
    kind: PartyKind,
    networks: &'static [&'static str],
}

const PARTIES: &[DemoParty] = &[
    DemoParty {
        id: "cert-aurelia",
        name: "CERT-Aurelia (national CERT of the Republic of Aurelia)",
        kind: PartyKind::NationalCert,
        networks: &["192.0.2.0/24", "aurelia.example"],
    },
    DemoParty {
        id: "ncsc-borealis",
        name: "National Cyber Security Centre of Borealis",
        kind: PartyKind::NationalCert,
        networks: &["203.0.113.0/24", "borealis.example"],
    },
    DemoParty {
        id: "caldera-energy-csirt",
        name: "Caldera Energy Sector CSIRT",
        kind: PartyKind::SectorCsirt,
        networks: &[],
    },
    DemoParty {
        id: "meridian-abuse",
        name: "Meridian Transit Networks abuse desk (AS64500)",
        kind: PartyKind::NetworkOperator,
        networks: &["198.51.100.0/24", "AS64500", "meridian.example"],
    },
];

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let temp;
    let root = match &args.data {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("countersign-demo-")
                .tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let (node, logins) = seed(&root).await?;
    println!("countersign demo: data in {}", root.display());
    if args.no_serve {
        for (user, password) in &logins {
            println!("login: {user} / {password}");
        }
        return Ok(());
    }
    let listener = super::serve::bind(&args.listen).await?;
    println!("open http://{}/", listener.local_addr()?);
    for (user, password) in &logins {
        println!("login: {user} / {password}");
    }
    println!("(Ctrl-C stops the demo and deletes its data unless --data was given)");
    countersign_web::serve(node, listener).await?;
    Ok(())
}

/// Creates the node, its parties and users, and the synthetic incidents.
/// Returns the node and the (username, password) logins.
pub async fn seed(root: &std::path::Path) -> anyhow::Result<(Node, Vec<(String, String)>)> {
    let first = &PARTIES[0];
    let (node, report) = Node::init(
        DataDir::new(root),
        InitOptions {
            party: PartyId::parse(first.id)?,
            name: first.name.to_owned(),
            kind: first.kind,
            country: None,
            listen: "127.0.0.1:8750".to_owned(),
            endpoint: None,
        },
    )
    .await?;
    let mut logins = vec![(report.admin_username, report.admin_password)];
    for p in &PARTIES[1..] {
        node.add_local_party(&PartyId::parse(p.id)?, p.name, p.kind, None, None)
            .await?;
    }
    for p in PARTIES {
        let id = PartyId::parse(p.id)?;
        let mut stored = node.get_party(&id).await?;
        let mut scope = NetworkScope::default();
        for n in p.networks {
            scope.push_text(n)?;
        }
        stored.party.constituency = scope;
        node.store()
            .put_party(&stored, true)
            .await
            .map_err(countersign_node::NodeError::from)?;
        let username = format!("analyst@{}", p.id);
        let password = random_secret(8);
        node.create_user(&username, &id, Role::Analyst, &password)
            .await?;
        logins.push((username, password));
    }
    for request in incidents()? {
        node.notify(&Viewer::Operator, request).await?;
    }
    Ok((node, logins))
}

fn pid(id: &str) -> anyhow::Result<PartyId> {
    Ok(PartyId::parse(id)?)
}

fn scope(items: &[&str]) -> anyhow::Result<NetworkScope> {
    let mut s = NetworkScope::default();
    for i in items {
        s.push_text(i)?;
    }
    Ok(s)
}

fn uuid4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A STIX timestamp with millisecond precision, `hours` before `now`.
fn stix_time(hours: i64) -> String {
    (now().datetime() - chrono::Duration::hours(hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn ipv4(value: &str) -> Value {
    let mut object = json!({"type": "ipv4-addr", "spec_version": "2.1", "value": value});
    let id = countersign_stix::sco_id("ipv4-addr", &object).unwrap_or_default();
    object["id"] = json!(id);
    object
}

fn indicator(name: &str, pattern: &str, valid_hours_ago: i64) -> Value {
    let t = stix_time(valid_hours_ago);
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", uuid4()),
        "created": t, "modified": t, "name": name, "indicator_types": ["malicious-activity"],
        "pattern": pattern, "pattern_type": "stix", "valid_from": t
    })
}

fn observed(refs: &[&Value], hours_ago: i64, count: u64) -> Value {
    let t = stix_time(hours_ago);
    let ids: Vec<&Value> = refs.iter().map(|r| &r["id"]).collect();
    json!({
        "type": "observed-data", "spec_version": "2.1", "id": format!("observed-data--{}", uuid4()),
        "created": t, "modified": t, "first_observed": stix_time(hours_ago + 6),
        "last_observed": t, "number_observed": count, "object_refs": ids
    })
}

fn bundle(objects: Vec<Value>) -> Value {
    json!({"type": "bundle", "id": format!("bundle--{}", uuid4()), "objects": objects})
}

fn base(title: &str, category: &str, severity: Severity) -> anyhow::Result<Notification> {
    let start = now();
    Ok(Notification {
        title: title.to_owned(),
        summary: String::new(),
        category: Category::parse(category)?,
        sectors: vec![],
        observed: None,
        origin: NetworkScope::default(),
        targets: NetworkScope::default(),
        requested_actions: vec![RequestedAction::Investigate],
        severity,
        ack_by: start.plus_hours(24),
        reply_by: start.plus_hours(72),
        evidence: None,
    })
}

fn window(hours_ago: i64) -> ObservedWindow {
    let end = Timestamp::from_datetime(now().datetime() - chrono::Duration::hours(hours_ago));
    ObservedWindow {
        start: end.plus_hours(-6),
        end,
    }
}

/// The synthetic incidents: one of each evidence level.
fn incidents() -> anyhow::Result<Vec<NotifyRequest>> {
    let mut out = Vec::new();

    // Corroborated: indicators and the observations behind them, plus a log.
    let ip = ipv4("198.51.100.23");
    let mut n = base(
        "Password spraying against Borealis grid operators from AS64500",
        "intrusion-attempts/brute-force",
        Severity::High,
    )?;
    n.summary = "Between 02:00 and 08:00 UTC, 198.51.100.23 made 41,800 failed VPN logins against three transmission system operators. We ask you to identify the customer behind the address and stop the activity.".into();
    n.sectors = vec![Sector::Nis2Energy];
    n.observed = Some(window(30));
    n.origin = scope(&["198.51.100.23", "AS64500"])?;
    n.targets = scope(&["203.0.113.0/26"])?;
    n.requested_actions = vec![
        RequestedAction::Investigate,
        RequestedAction::StopActivity,
        RequestedAction::PreserveEvidence,
    ];
    let ind = indicator(
        "VPN password spraying source",
        "[ipv4-addr:value = '198.51.100.23']",
        30,
    );
    n.evidence = Some(bundle(vec![ind, observed(&[&ip], 30, 41_800), ip]));
    let log = (0..40)
        .map(|i| {
            format!(
                "2026-11-20T0{}:{:02}:{:02}Z vpn-gw-{} auth failure user=svc{} src=198.51.100.23\n",
                2 + i % 6,
                i,
                (i * 7) % 60,
                i % 3,
                100 + i
            )
        })
        .collect::<String>();
    out.push(NotifyRequest {
        from: pid("ncsc-borealis")?,
        to: vec![pid("meridian-abuse")?, pid("cert-aurelia")?],
        tlp: Tlp::Amber,
        refs: vec![],
        notification: n,
        attachments: vec![AttachmentInput::Bytes {
            name: "vpn-auth-failures.log".into(),
            media_type: "text/plain".into(),
            bytes: log.into_bytes(),
        }],
    });

    // Technical data of one kind: an indicator without observations.
    let mut n = base(
        "Command-and-control server in your constituency",
        "malicious-code/c2-server",
        Severity::Medium,
    )?;
    n.summary = "A loader seen in Aurelian ministries beacons to update.meridian.example. Please take the server down and share what you find.".into();
    n.origin = scope(&["update.meridian.example"])?;
    n.requested_actions = vec![RequestedAction::TakeDown, RequestedAction::ShareFindings];
    n.evidence = Some(bundle(vec![indicator(
        "Loader C2 domain",
        "[domain-name:value = 'update.meridian.example']",
        50,
    )]));
    out.push(NotifyRequest {
        from: pid("cert-aurelia")?,
        to: vec![pid("meridian-abuse")?],
        tlp: Tlp::Amber,
        refs: vec![],
        notification: n,
        attachments: vec![],
    });

    // Claims only: a report, no technical data.
    let mut n = base(
        "Phishing campaign impersonating the Borealis health ministry",
        "fraud/phishing",
        Severity::Medium,
    )?;
    n.sectors = vec![Sector::Nis2Health];
    let t = stix_time(80);
    n.evidence = Some(bundle(vec![json!({
        "type": "report", "spec_version": "2.1", "id": format!("report--{}", uuid4()),
        "created": t, "modified": t, "name": "Health-ministry lure campaign",
        "description": "Lures in Aurelian language; infrastructure believed to be in Aurelia.",
        "published": t, "report_types": ["campaign"], "object_refs": [format!("campaign--{}", uuid4())]
    })]));
    out.push(NotifyRequest {
        from: pid("ncsc-borealis")?,
        to: vec![pid("cert-aurelia")?],
        tlp: Tlp::Green,
        refs: vec![],
        notification: n,
        attachments: vec![],
    });

    // No evidence at all: shown as unsubstantiated.
    let mut n = base(
        "DDoS on the Caldera water utility portal",
        "availability/ddos",
        Severity::High,
    )?;
    n.summary = "Our members report the attack came from Borealis.".into();
    n.sectors = vec![Sector::Nis2DrinkingWater];
    n.observed = Some(window(10));
    out.push(NotifyRequest {
        from: pid("caldera-energy-csirt")?,
        to: vec![pid("ncsc-borealis")?],
        tlp: Tlp::Green,
        refs: vec![],
        notification: n,
        attachments: vec![],
    });

    // TLP:RED between two national CERTs, corroborated.
    let ip = ipv4("192.0.2.77");
    let mut n = base(
        "Exploitation of VPN appliances at Aurelian rail operators",
        "intrusions/system-compromise",
        Severity::Critical,
    )?;
    n.sectors = vec![Sector::Nis2Transport];
    n.origin = scope(&["203.0.113.45"])?;
    n.targets = scope(&["192.0.2.77"])?;
    n.requested_actions = vec![RequestedAction::Investigate, RequestedAction::ProvideLogs];
    let ind = indicator(
        "Exploit staging host",
        "[ipv4-addr:value = '203.0.113.45']",
        5,
    );
    let attacker = ipv4("203.0.113.45");
    n.evidence = Some(bundle(vec![
        ind,
        observed(&[&attacker, &ip], 5, 3),
        attacker,
        ip,
    ]));
    out.push(NotifyRequest {
        from: pid("cert-aurelia")?,
        to: vec![pid("ncsc-borealis")?],
        tlp: Tlp::Red,
        refs: vec![],
        notification: n,
        attachments: vec![],
    });
    Ok(out)
}
