//! Readable projections of a checked bundle, for showing evidence as tables.
//!
//! [`Bundle::indicators`], [`Bundle::observables`], [`Bundle::observed_data`]
//! and [`Bundle::others`] split a bundle's objects into four disjoint lists:
//! indicators, spec-defined cyber-observables (artifacts included),
//! observed-data, and everything else. Each view holds owned strings so it
//! can outlive the bundle. Summaries are for people, not for parsing.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bundle::{Bundle, StixObject};
use crate::objects::ObjectCategory;

/// Longest summary text shown, in characters.
const MAX_SUMMARY_CHARS: usize = 160;

/// An `indicator` (§4.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorView {
    pub id: String,
    pub name: Option<String>,
    pub pattern: String,
    pub pattern_type: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub indicator_types: Vec<String>,
}

/// A cyber-observable (§6) with a one-line summary of what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservableView {
    pub id: String,
    pub r#type: String,
    /// The value, name, hashes, or `src → dst` for network traffic.
    pub value: String,
}

/// An `observed-data` (§4.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedDataView {
    pub id: String,
    pub first_observed: String,
    pub last_observed: String,
    pub number_observed: u64,
    /// The referenced objects; empty when the deprecated `objects` is used.
    pub object_refs: Vec<String>,
}

/// Any other object, with its name or a one-line summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectView {
    pub id: String,
    pub r#type: String,
    pub name_or_summary: String,
}

impl Bundle {
    /// The indicators, in bundle order.
    pub fn indicators(&self) -> Vec<IndicatorView> {
        self.of_type("indicator")
            .map(|o| IndicatorView {
                id: o.id().to_owned(),
                name: o.name().map(str::to_owned),
                pattern: o.get_str("pattern").unwrap_or_default().to_owned(),
                pattern_type: o.get_str("pattern_type").unwrap_or_default().to_owned(),
                valid_from: o.get_str("valid_from").unwrap_or_default().to_owned(),
                valid_until: o.get_str("valid_until").map(str::to_owned),
                indicator_types: owned(o.get_str_list("indicator_types")),
            })
            .collect()
    }

    /// The spec-defined cyber-observables (artifacts included), in bundle order.
    pub fn observables(&self) -> Vec<ObservableView> {
        let index = self.index();
        self.objects()
            .iter()
            .filter(|o| o.category() == ObjectCategory::Sco)
            .map(|o| ObservableView {
                id: o.id().to_owned(),
                r#type: o.object_type().to_owned(),
                value: truncate(observable_summary(o, &index)),
            })
            .collect()
    }

    /// The observed-data objects, in bundle order.
    pub fn observed_data(&self) -> Vec<ObservedDataView> {
        self.of_type("observed-data")
            .map(|o| ObservedDataView {
                id: o.id().to_owned(),
                first_observed: o.get_str("first_observed").unwrap_or_default().to_owned(),
                last_observed: o.get_str("last_observed").unwrap_or_default().to_owned(),
                number_observed: o
                    .get("number_observed")
                    .and_then(Value::as_u64)
                    .unwrap_or_default(),
                object_refs: owned(o.get_str_list("object_refs")),
            })
            .collect()
    }

    /// Every object that is not an indicator, an observed-data or a
    /// spec-defined cyber-observable, in bundle order.
    pub fn others(&self) -> Vec<ObjectView> {
        let index = self.index();
        self.objects()
            .iter()
            .filter(|o| {
                !matches!(o.object_type(), "indicator" | "observed-data")
                    && o.category() != ObjectCategory::Sco
            })
            .map(|o| ObjectView {
                id: o.id().to_owned(),
                r#type: o.object_type().to_owned(),
                name_or_summary: truncate(object_summary(o, &index)),
            })
            .collect()
    }

    /// id → object (the last version in bundle order wins; close enough for labels).
    fn index(&self) -> HashMap<&str, &StixObject> {
        self.objects().iter().map(|o| (o.id(), o)).collect()
    }
}

fn owned(list: Vec<&str>) -> Vec<String> {
    list.into_iter().map(str::to_owned).collect()
}

fn truncate(s: String) -> String {
    match s.char_indices().nth(MAX_SUMMARY_CHARS) {
        None => s,
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

/// A JSON scalar as display text.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The hash to show: SHA-256 first (the most common today), then SHA-1,
/// MD5, SHA-512, then whichever sorts first.
fn display_hash(o: &StixObject) -> Option<String> {
    let hashes = o.get("hashes")?.as_object()?;
    let pick = ["SHA-256", "SHA-1", "MD5", "SHA-512"]
        .iter()
        .find_map(|a| hashes.get(*a).map(|v| (a.to_string(), v)))
        .or_else(|| {
            hashes
                .iter()
                .min_by(|a, b| a.0.cmp(b.0))
                .map(|(k, v)| (k.clone(), v))
        })?;
    Some(format!("{}:{}", pick.0, scalar(pick.1)?))
}

/// How an object is named in a summary: its value or name if it has one,
/// else its id.
fn label(id: &str, index: &HashMap<&str, &StixObject>) -> String {
    index
        .get(id)
        .and_then(|o| {
            o.get_str("value")
                .or_else(|| o.name())
                .map(str::to_owned)
                .or_else(|| o.get("number").and_then(scalar).map(|n| format!("AS{n}")))
        })
        .unwrap_or_else(|| id.to_owned())
}

fn join_some(parts: &[Option<String>], sep: &str) -> Option<String> {
    let parts: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(sep))
    }
}

fn observable_summary(o: &StixObject, index: &HashMap<&str, &StixObject>) -> String {
    let s = |p: &str| o.get_str(p).map(str::to_owned);
    let text = match o.object_type() {
        "ipv4-addr" | "ipv6-addr" | "mac-addr" | "domain-name" | "url" => s("value"),
        "email-addr" => match (s("display_name"), s("value")) {
            (Some(d), Some(v)) => Some(format!("{d} <{v}>")),
            (_, v) => v,
        },
        "autonomous-system" => o.get("number").and_then(scalar).map(|n| match s("name") {
            Some(name) => format!("AS{n} ({name})"),
            None => format!("AS{n}"),
        }),
        "directory" => s("path"),
        "file" => join_some(&[s("name"), display_hash(o)], " "),
        "artifact" => join_some(&[s("url").or_else(|| s("mime_type")), display_hash(o)], " "),
        "mutex" => s("name"),
        "process" => join_some(
            &[
                o.get("pid").and_then(scalar).map(|p| format!("pid {p}")),
                s("command_line").or_else(|| s("name")),
            ],
            " ",
        ),
        "software" => join_some(
            &[
                s("name"),
                s("version"),
                s("vendor").map(|v| format!("({v})")),
            ],
            " ",
        ),
        "user-account" => s("display_name")
            .or_else(|| s("account_login"))
            .or_else(|| s("user_id")),
        "windows-registry-key" => s("key"),
        "x509-certificate" => s("subject")
            .or_else(|| s("serial_number").map(|n| format!("serial {n}")))
            .or_else(|| display_hash(o)),
        "email-message" => {
            let from = o.get_str("from_ref").map(|r| label(r, index));
            join_some(&[s("subject"), from.map(|f| format!("from {f}"))], " ")
        }
        "network-traffic" => Some(network_traffic_summary(o, index)),
        _ => None,
    };
    text.unwrap_or_else(|| o.id().to_owned())
}

/// `src:port → dst:port (protocols)`, with addresses resolved through the bundle.
fn network_traffic_summary(o: &StixObject, index: &HashMap<&str, &StixObject>) -> String {
    let end = |r: &str, p: &str| {
        let host = o
            .get_str(r)
            .map_or_else(|| "?".to_owned(), |id| label(id, index));
        match o.get(p).and_then(scalar) {
            Some(port) if host.contains(':') && !host.starts_with('[') => {
                format!("[{host}]:{port}")
            }
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    };
    let protocols = o.get_str_list("protocols").join("/");
    let mut out = format!(
        "{} → {}",
        end("src_ref", "src_port"),
        end("dst_ref", "dst_port")
    );
    if !protocols.is_empty() {
        out.push_str(&format!(" ({protocols})"));
    }
    out
}

fn object_summary(o: &StixObject, index: &HashMap<&str, &StixObject>) -> String {
    if let Some(name) = o.name() {
        return name.to_owned();
    }
    let s = |p: &str| o.get_str(p).map(str::to_owned);
    let text = match o.object_type() {
        "relationship" => Some(format!(
            "{} {} {}",
            o.get_str("source_ref")
                .map_or_else(String::new, |r| label(r, index)),
            o.get_str("relationship_type").unwrap_or("related-to"),
            o.get_str("target_ref")
                .map_or_else(String::new, |r| label(r, index)),
        )),
        "sighting" => o.get_str("sighting_of_ref").map(|r| {
            let mut t = format!("sighting of {}", label(r, index));
            if let Some(c) = o.get("count").and_then(Value::as_u64) {
                t.push_str(&format!(" ({c} times)"));
            }
            t
        }),
        "note" => s("abstract").or_else(|| s("content")),
        "opinion" => s("opinion").map(|op| {
            let n = o.get_str_list("object_refs").len();
            format!("{op} on {n} object{}", if n == 1 { "" } else { "s" })
        }),
        "location" => join_some(&[s("region"), s("country"), s("city")], ", ").or_else(|| {
            match (o.get("latitude"), o.get("longitude")) {
                (Some(a), Some(b)) => Some(format!("{}, {}", scalar(a)?, scalar(b)?)),
                _ => None,
            }
        }),
        "marking-definition" => o
            .get("definition")
            .and_then(|d| {
                d.get("tlp")
                    .and_then(Value::as_str)
                    .map(|l| format!("TLP:{}", l.to_uppercase()))
                    .or_else(|| d.get("statement").and_then(scalar))
            })
            .or_else(|| {
                crate::tlp::tlp_level_of_marking(o.id())
                    .map(|l| format!("TLP:{}", l.to_uppercase()))
            }),
        "language-content" => {
            s("object_ref").map(|r| format!("translations of {}", label(&r, index)))
        }
        "malware" => {
            let types = o.get_str_list("malware_types");
            if types.is_empty() {
                None
            } else {
                Some(types.join(", "))
            }
        }
        _ => None,
    };
    text.or_else(|| s("description"))
        .unwrap_or_else(|| o.id().to_owned())
}
