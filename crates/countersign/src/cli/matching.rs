//! `countersign match`: checks local observations against the indicators
//! a notification carries, and attaches the hits as STIX 2.1 sightings:
//! written to a file (`--sightings`), or as the evidence of a reply to the
//! notification (`--reply KIND`), signed and sent like `countersign reply`.
//!
//! One sighting per matched indicator (STIX 2.1 §5.2): `sighting_of_ref`
//! the indicator, `observed_data_refs` the matching observed-data,
//! `first_seen`/`last_seen` their earliest start and latest end, `count`
//! the sum of their `number_observed`, and `created_by_ref` the replying
//! party's `identity` (the recipient hosted here, or `--from`) when the
//! observed bundle has one, named with the party's name or id. The bundle also carries those observed-data, the
//! objects they reference and that identity, so it stands on its own.
//! When nothing matched, nothing is written or sent and the command fails
//! (exit 4), so a script never mistakes "no hits" for "reply sent".

use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;

use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::reply::{Reply, ReplyKind};
use countersign_node::access::Viewer;
use countersign_node::{Node, NodeError};
use countersign_stix::{Bundle, Matcher, Observation, Pattern, check_bundle};

use super::{DataArg, output};

#[derive(Args, Debug)]
pub struct MatchArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The notification whose indicators to look for.
    #[arg(long, value_parser = EnvelopeId::parse)]
    pub notification: EnvelopeId,
    /// A STIX 2.1 bundle of observed-data and the objects they reference.
    #[arg(long)]
    pub observed: PathBuf,
    /// Write the hits as a STIX bundle of sightings (with the matched observations).
    #[arg(long)]
    pub sightings: Option<PathBuf>,
    /// Reply to the notification with the sightings as evidence, of this
    /// kind (findings, interim, action-taken, ...).
    #[arg(long, value_parser = ReplyKind::parse)]
    pub reply: Option<ReplyKind>,
    /// The reply's text.
    #[arg(long, default_value = "", requires = "reply")]
    pub text: String,
    /// Why (required for a `declined` reply).
    #[arg(long, requires = "reply")]
    pub reason: Option<String>,
    /// The replying party (default: the recipient hosted here).
    #[arg(long, value_parser = PartyId::parse, requires = "reply")]
    pub from: Option<PartyId>,
    /// Only queue the reply's delivery (a running `serve` delivers it).
    #[arg(long, requires = "reply")]
    pub no_deliver: bool,
    #[arg(long)]
    pub json: bool,
}

/// One indicator and the observations that matched it.
struct Hit {
    indicator: Value,
    observations: Vec<usize>,
}

pub async fn run(args: MatchArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.observed)
        .with_context(|| format!("cannot read {}", args.observed.display()))?;
    let value = countersign_core::jcs::parse_strict(&text).map_err(NodeError::from)?;
    let observed = check_bundle(&value).map_err(|e| {
        NodeError::new(
            countersign_node::NodeErrorKind::InvalidStix,
            format!("{} is not valid STIX 2.1: {e}", args.observed.display()),
        )
    })?;
    let observations = Observation::from_bundle(&observed);

    let node = args.data.open().await?;
    if !args.no_deliver {
        super::connect(&node)?;
    }
    let detail = node
        .get_notification(&Viewer::Operator, &args.notification)
        .await?;
    // Who replies, decided before any work, so a wrong `--from` fails
    // first. A sightings file alone names the hosted recipient, if any.
    let replier = match args.reply {
        Some(_) => Some(replying_party(&node, &detail.envelope, args.from.clone())?),
        None => replying_party(&node, &detail.envelope, None).ok(),
    };
    let Some(evidence) = &detail.checked.notification.evidence else {
        return Err(NodeError::invalid(
            "the notification carries no evidence, so no indicators to match",
        )
        .into());
    };
    let evidence = check_bundle(evidence).map_err(|e| NodeError::invalid(e.to_string()))?;
    let mut indicators = Vec::new();
    let mut matcher = Matcher::new();
    let mut skipped = Vec::new();
    for ind in evidence.of_type("indicator") {
        if ind.get_str("pattern_type") != Some("stix") {
            continue;
        }
        match Pattern::parse(ind.get_str("pattern").unwrap_or_default()) {
            Ok(p) => {
                matcher.add(p);
                indicators.push(ind.to_value());
            }
            Err(e) => skipped.push(format!("{}: {e}", ind.id())),
        }
    }
    if indicators.is_empty() {
        return Err(NodeError::invalid(
            "the notification's evidence has no STIX-pattern indicators",
        )
        .into());
    }
    let hits: Vec<Hit> = matcher
        .match_all(&observations)
        .into_iter()
        .map(|h| Hit {
            indicator: indicators[h.pattern].clone(),
            observations: h.found.observations().to_vec(),
        })
        .collect();
    for s in &skipped {
        eprintln!("warning: indicator skipped, its pattern does not parse: {s}");
    }

    let attach = args.sightings.is_some() || args.reply.is_some();
    if attach && hits.is_empty() {
        let what = match (&args.sightings, args.reply) {
            (_, Some(_)) => "no reply was sent",
            _ => "no sightings file was written",
        };
        return Err(NodeError::not_found(format!(
            "none of the {} indicators matched the {} observations: {what}",
            indicators.len(),
            observations.len()
        ))
        .into());
    }
    let mut reply_id = None;
    if attach {
        let identity = match &replier {
            Some(p) => replier_identity(&node, p, &observed).await?,
            None => None,
        };
        let bundle = sightings_bundle(&hits, &observations, &observed, identity);
        // Our own checker, before anything is written or signed.
        check_bundle(&bundle).map_err(|e| {
            NodeError::internal(format!("the sightings bundle does not check: {e}"))
        })?;
        if let Some(path) = &args.sightings {
            let text = serde_json::to_string_pretty(&bundle)? + "\n";
            countersign_node::datadir::write_atomic(path, text.as_bytes(), false)?;
        }
        if let (Some(kind), Some(from)) = (args.reply, replier) {
            let reply = Reply {
                kind,
                text: args.text.clone(),
                reason: args.reason.clone(),
                evidence: Some(bundle),
            };
            let signed = node
                .reply(&Viewer::Operator, &args.notification, Some(from), reply)
                .await?;
            if !args.no_deliver {
                super::outbox::deliver_once(&node).await?;
            }
            reply_id = Some(signed.id());
        }
    }

    if args.json {
        let out: Vec<Value> = hits
            .iter()
            .map(|h| {
                json!({
                    "indicator": h.indicator["id"],
                    "pattern": h.indicator["pattern"],
                    "observed_data": h.observations.iter().map(|i| observations[*i].id()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut doc = json!({"indicators": indicators.len(), "observations": observations.len(), "hits": out});
        if let Some(id) = reply_id {
            doc["reply"] = json!(id.to_string());
        }
        return output::json(&doc);
    }
    println!(
        "{} of {} indicators matched in {} observations",
        hits.len(),
        indicators.len(),
        observations.len()
    );
    let rows: Vec<Vec<String>> = hits
        .iter()
        .map(|h| {
            vec![
                h.indicator["name"].as_str().unwrap_or("").to_owned(),
                h.indicator["pattern"].as_str().unwrap_or("").to_owned(),
                h.observations.len().to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        output::table(&["INDICATOR", "PATTERN", "OBSERVATIONS"], &rows);
    }
    if let Some(id) = reply_id {
        println!("reply {id}");
        if !args.no_deliver {
            super::outbox::print_states(&node, &id).await?;
        }
    }
    Ok(())
}

/// The party that replies: `--from`, else the notification's first
/// recipient hosted here (what `Node::reply` would pick), which must be a
/// recipient (`Node::reply` checks again).
fn replying_party(
    node: &Node,
    notification: &countersign_core::envelope::SignedEnvelope,
    from: Option<PartyId>,
) -> anyhow::Result<PartyId> {
    let env = notification.envelope();
    let hosted = node.hosted_parties();
    let party = match from {
        Some(p) => p,
        None => env
            .to
            .iter()
            .find(|p| hosted.contains(p))
            .cloned()
            .ok_or_else(|| {
                NodeError::invalid(
                    "no recipient of this notification is hosted here; only recipients reply",
                )
            })?,
    };
    if !env.to.contains(&party) {
        return Err(NodeError::invalid(format!(
            "{party} is not a recipient of {}; only recipients reply",
            notification.id()
        ))
        .into());
    }
    Ok(party)
}

/// The replying party's `identity` in the observed bundle: the first one
/// named with the party's directory name or its id.
async fn replier_identity(
    node: &Node,
    party: &PartyId,
    observed: &Bundle,
) -> anyhow::Result<Option<Value>> {
    let name = node
        .store()
        .get_party(party)
        .await
        .map_err(NodeError::from)?
        .map(|p| p.party.name);
    Ok(observed
        .of_type("identity")
        .find(|i| {
            i.get_str("name")
                .is_some_and(|n| n == party.as_str() || Some(n) == name.as_deref())
        })
        .map(|i| i.to_value()))
}

/// The identifiers an object names in its top-level `*_ref` and `*_refs`
/// properties.
fn refs_of(object: &Value) -> Vec<&str> {
    let Some(map) = object.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map {
        if key.ends_with("_ref") {
            out.extend(value.as_str());
        } else if key.ends_with("_refs") {
            out.extend(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str),
            );
        }
    }
    out
}

/// A bundle of one sighting per matched indicator (see the module
/// documentation), with the observed-data it cites, every object of the
/// observed bundle those reach through references, and `identity`.
fn sightings_bundle(
    hits: &[Hit],
    observations: &[Observation],
    observed: &Bundle,
    identity: Option<Value>,
) -> Value {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut objects: Vec<Value> = Vec::new();
    let mut included = BTreeSet::new();
    if let Some(identity) = &identity
        && let Some(id) = identity["id"].as_str()
    {
        included.insert(id.to_owned());
        objects.push(identity.clone());
    }
    let mut queue: VecDeque<String> = VecDeque::new();
    for hit in hits {
        let obs: Vec<&Observation> = hit.observations.iter().map(|i| &observations[*i]).collect();
        // Compared as instants: as text, `…:00.5Z` sorts before `…:00Z`.
        let first = obs.iter().map(|o| o.first_observed()).min();
        let last = obs.iter().map(|o| o.last_observed()).max();
        let count: u64 = obs.iter().map(|o| o.number_observed()).sum();
        let mut sighting = json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--{}", uuid::Uuid::new_v4()),
            "created": now, "modified": now,
            "sighting_of_ref": hit.indicator["id"],
            "observed_data_refs": obs.iter().map(|o| o.id()).collect::<Vec<_>>(),
            // STIX 2.1 §5.2: count is at most 999,999,999.
            "count": count.min(999_999_999),
        });
        if let (Some(f), Some(l)) = (first, last) {
            sighting["first_seen"] = json!(f.as_str());
            sighting["last_seen"] = json!(l.as_str());
        }
        if let Some(id) = identity.as_ref().and_then(|i| i["id"].as_str()) {
            sighting["created_by_ref"] = json!(id);
        }
        objects.push(sighting);
        queue.extend(obs.iter().map(|o| o.id().to_owned()));
    }
    // The observed-data and what they reference, transitively, once each.
    while let Some(id) = queue.pop_front() {
        if !included.insert(id.clone()) {
            continue;
        }
        if let Some(object) = observed.get(&id) {
            let value = object.to_value();
            queue.extend(refs_of(&value).into_iter().map(str::to_owned));
            objects.push(value);
        }
    }
    json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects})
}
