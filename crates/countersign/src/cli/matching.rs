//! `countersign match`: checks local observations against the indicators
//! a notification carries, and can write the hits as STIX sightings to
//! attach to a reply.

use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;

use countersign_core::ids::EnvelopeId;
use countersign_node::NodeError;
use countersign_node::access::Viewer;
use countersign_stix::{Matcher, Observation, Pattern, check_bundle};

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
    let detail = node
        .get_notification(&Viewer::Operator, &args.notification)
        .await?;
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

    if let Some(path) = &args.sightings {
        let bundle = sightings_bundle(&hits, &observations, &observed);
        let text = serde_json::to_string_pretty(&bundle)? + "\n";
        countersign_node::datadir::write_atomic(path, text.as_bytes(), false)?;
    }
    for s in &skipped {
        eprintln!("warning: indicator skipped, its pattern does not parse: {s}");
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
        return output::json(
            &json!({"indicators": indicators.len(), "observations": observations.len(), "hits": out}),
        );
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
    Ok(())
}

/// A bundle of one sighting per matched indicator (STIX 2.1 §5.2), with
/// the observed-data it cites and the objects those reference.
fn sightings_bundle(
    hits: &[Hit],
    observations: &[Observation],
    observed: &countersign_stix::Bundle,
) -> Value {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut objects: Vec<Value> = Vec::new();
    let mut included = std::collections::BTreeSet::new();
    for hit in hits {
        let obs: Vec<&Observation> = hit.observations.iter().map(|i| &observations[*i]).collect();
        let first = obs
            .iter()
            .map(|o| o.first_observed().as_str().to_owned())
            .min();
        let last = obs
            .iter()
            .map(|o| o.last_observed().as_str().to_owned())
            .max();
        let count: u64 = obs.iter().map(|o| o.number_observed()).sum();
        let mut sighting = json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--{}", uuid::Uuid::new_v4()),
            "created": now, "modified": now,
            "sighting_of_ref": hit.indicator["id"],
            "observed_data_refs": obs.iter().map(|o| o.id()).collect::<Vec<_>>(),
            "count": count.min(999_999_999),
        });
        if let (Some(f), Some(l)) = (first, last) {
            sighting["first_seen"] = json!(f);
            sighting["last_seen"] = json!(l);
        }
        objects.push(sighting);
        for o in obs {
            if included.insert(o.id().to_owned())
                && let Some(od) = observed.get(o.id())
            {
                objects.push(od.to_value());
                for r in od.get_str_list("object_refs") {
                    if included.insert(r.to_owned())
                        && let Some(sco) = observed.get(r)
                    {
                        objects.push(sco.to_value());
                    }
                }
            }
        }
    }
    json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects})
}
