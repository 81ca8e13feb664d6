//! `countersign demo`: three throwaway nodes with fictional authorities
//! and synthetic incidents, served on loopback ports: each node hosts its
//! own authority, their directories are exchanged (endpoints, log and
//! witness keys), and the incidents travel between them as notifications
//! with receipts, replies and cross-witnessed checkpoints.
//!
//! Every name, network and incident here is invented for the demo. Networks
//! come from the documentation ranges (RFC 5737 addresses, RFC 5398 AS
//! numbers, `.example` domains), so nothing points at a real party.

mod history;

use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;

use countersign_core::access::Role;
use countersign_core::ids::PartyId;
use countersign_core::net::NetworkScope;
use countersign_core::notification::{Notification, ObservedWindow, RequestedAction, Severity};
use countersign_core::party::PartyKind;
use countersign_core::reply::{Reply, ReplyKind};
use countersign_core::sector::Sector;
use countersign_core::taxonomy::Category;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::auth::random_secret;
use countersign_node::datadir::DataDir;
use countersign_node::notify::{AttachmentInput, FillDeadlines, NotifyRequest};
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

/// Which node hosts which demo parties: the first node (the data
/// directory itself) hosts Aurelia's CERT and its energy CSIRT; Borealis
/// and Meridian each run their own node in `peers/<name>`.
const NODES: &[(&str, &[&str])] = &[
    ("aurelia", &["cert-aurelia", "caldera-energy-csirt"]),
    ("borealis", &["ncsc-borealis"]),
    ("meridian", &["meridian-abuse"]),
];

/// One demo node: its node, its listener and endpoint.
pub struct DemoNode {
    pub name: &'static str,
    pub node: Node,
    pub endpoint: String,
    listener: Option<tokio::net::TcpListener>,
}

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
    let mut listeners = vec![super::serve::bind(&args.listen, false).await?];
    for _ in 1..NODES.len() {
        listeners.push(super::serve::bind("127.0.0.1:0", false).await?);
    }
    let (nodes, logins) = seed(&root, listeners).await?;
    println!("countersign demo: data in {}", root.display());
    if args.no_serve {
        for (user, password, _) in &logins {
            println!("login: {user} / {password}");
        }
        return Ok(());
    }
    println!("open {}/", nodes[0].endpoint);
    for (user, password, at) in &logins {
        println!("login: {user} / {password}  ({at}/)");
    }
    for n in &nodes[1..] {
        println!("node {}: {}/", n.name, n.endpoint);
    }
    println!("(Ctrl-C stops the demo and deletes its data unless --data was given)");
    let transport = std::sync::Arc::new(
        countersign_web::client::HttpTransport::new().map_err(anyhow::Error::msg)?,
    );
    let mut servers = tokio::task::JoinSet::new();
    let mut tasks = Vec::new();
    for mut n in nodes {
        n.node.set_transport(transport.clone());
        tasks.push(n.node.start_delivery_worker());
        tasks.push(n.node.start_witness_submitter());
        let listener = n
            .listener
            .take()
            .ok_or_else(|| anyhow::anyhow!("demo node without a listener"))?;
        servers.spawn(countersign_web::serve(n.node, listener));
    }
    // The first server to stop (Ctrl-C stops them all) ends the demo.
    if let Some(done) = servers.join_next().await {
        done??;
    }
    Ok(())
}

/// Creates the three nodes under `root` (each with its endpoint at its
/// listener), exchanges their directory entries (endpoints, log and
/// witness keys), files the incidents on the senders' nodes, delivers them
/// with receipts, answers some with replies, and has each node's
/// checkpoint cosigned by the others. Returns the nodes and the logins
/// (user, password, endpoint).
pub async fn seed(
    root: &std::path::Path,
    listeners: Vec<tokio::net::TcpListener>,
) -> anyhow::Result<(Vec<DemoNode>, Vec<(String, String, String)>)> {
    let party = |id: &str| {
        PARTIES
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| anyhow::anyhow!("no demo party {id}"))
    };
    let mut nodes = Vec::new();
    let mut logins = Vec::new();
    for ((name, hosted), listener) in NODES.iter().zip(listeners) {
        let dir = if nodes.is_empty() {
            root.to_path_buf()
        } else {
            root.join("peers").join(name)
        };
        let endpoint = format!("http://{}", listener.local_addr()?);
        let first = party(hosted[0])?;
        let (node, report) = Node::init(
            DataDir::new(&dir),
            InitOptions {
                party: PartyId::parse(first.id)?,
                name: first.name.to_owned(),
                kind: first.kind,
                country: None,
                listen: listener.local_addr()?.to_string(),
                endpoint: Some(endpoint.clone()),
            },
        )
        .await?;
        logins.push((
            report.admin_username,
            report.admin_password,
            endpoint.clone(),
        ));
        for id in &hosted[1..] {
            let p = party(id)?;
            node.add_local_party(
                &PartyId::parse(p.id)?,
                p.name,
                p.kind,
                None,
                Some(endpoint.clone()),
            )
            .await?;
        }
        for id in hosted.iter() {
            let p = party(id)?;
            let id = PartyId::parse(p.id)?;
            let mut stored = node.get_party(&id).await?;
            let mut scope = NetworkScope::default();
            for n in p.networks {
                scope.push_text(n)?;
            }
            stored.party.constituency = scope;
            // The demo history is back-dated: its keys must be valid then.
            for key in &mut stored.party.keys {
                key.valid_from = key.valid_from.plus_hours(-24 * (7 * history::WEEKS + 30));
            }
            node.store()
                .put_party(&stored, true)
                .await
                .map_err(countersign_node::NodeError::from)?;
            let username = format!("analyst@{}", p.id);
            let password = random_secret(8);
            node.create_user(&username, &id, Role::Analyst, &password)
                .await?;
            logins.push((username, password, endpoint.clone()));
        }
        nodes.push(DemoNode {
            name,
            node,
            endpoint,
            listener: Some(listener),
        });
    }
    // Directories exchanged: every node imports the others' signed entries.
    for (i, (_, hosted)) in NODES.iter().enumerate() {
        for id in hosted.iter() {
            let entry = nodes[i]
                .node
                .export_party(&PartyId::parse(id)?)
                .await?
                .to_json_pretty()?;
            for (j, other) in nodes.iter().enumerate() {
                if j != i {
                    other.node.import_party(&entry, &[]).await?;
                }
            }
        }
    }
    // Seeding talks in process; the servers talk HTTP once they run.
    let transport = countersign_web::client::RouterTransport::default();
    for n in &nodes {
        transport.add(&n.endpoint, countersign_web::router(n.node.clone()));
        n.node.set_transport(std::sync::Arc::new(transport.clone()));
    }
    let host_of = |from: &PartyId| {
        NODES
            .iter()
            .position(|(_, hosted)| hosted.contains(&from.as_str()))
            .unwrap_or(0)
    };
    let mut filed = Vec::new();
    for request in incidents()? {
        let at = host_of(&request.from);
        let detail = nodes[at].node.notify(&Viewer::Operator, request).await?;
        filed.push(detail.envelope);
    }
    deliver_all(&nodes).await?;
    // Replies travel back the same way, with receipts.
    let replies: [(usize, &str, ReplyKind, &str); 3] = [
        (
            0,
            "meridian-abuse",
            ReplyKind::ActionTaken,
            "The hosts behind 198.51.100.23 were customer VPSs; they are suspended.",
        ),
        (
            0,
            "cert-aurelia",
            ReplyKind::Acknowledgement,
            "Received; we are checking our side of the grid.",
        ),
        (
            4,
            "ncsc-borealis",
            ReplyKind::RequestForInformation,
            "Please send the full packet captures for the window you name.",
        ),
    ];
    for (index, from, kind, text) in replies {
        let Some(notification) = filed.get(index) else {
            continue;
        };
        let from = PartyId::parse(from)?;
        nodes[host_of(&from)]
            .node
            .reply(
                &Viewer::Operator,
                &notification.id(),
                Some(from),
                Reply {
                    kind,
                    text: text.to_owned(),
                    reason: None,
                    evidence: None,
                },
            )
            .await?;
    }
    deliver_all(&nodes).await?;
    // Months of back-dated traffic with three reply behaviours.
    let mut host = std::collections::BTreeMap::new();
    for (i, (_, hosted)) in NODES.iter().enumerate() {
        for id in hosted.iter() {
            host.insert(PartyId::parse(id)?, i);
        }
    }
    let plain: Vec<Node> = nodes.iter().map(|n| n.node.clone()).collect();
    let started = std::time::Instant::now();
    let made = history::History::new(&plain, host).generate().await?;
    tracing::info!(
        notifications = made,
        ms = started.elapsed().as_millis() as u64,
        "demo history made"
    );
    for n in &nodes {
        n.node.submit_to_witnesses().await?;
    }
    Ok((nodes, logins))
}

/// Runs every node's outbox until nothing is due.
async fn deliver_all(nodes: &[DemoNode]) -> anyhow::Result<()> {
    for _ in 0..10 {
        let mut attempted = 0;
        for n in nodes {
            attempted += n.node.deliver_due().await?;
        }
        if attempted == 0 {
            break;
        }
    }
    Ok(())
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
        fill_deadlines: FillDeadlines::BOTH,
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
        fill_deadlines: FillDeadlines::BOTH,
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
        fill_deadlines: FillDeadlines::BOTH,
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
        fill_deadlines: FillDeadlines::BOTH,
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
        fill_deadlines: FillDeadlines::BOTH,
    });
    Ok(out)
}
