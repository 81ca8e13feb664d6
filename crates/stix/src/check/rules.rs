//! The conditional and type-specific rules of §4–§7.

use serde_json::Value;

use super::object::Cx;
use super::{ProblemKind, formats};
use crate::ids::Identifier;
use crate::objects::{self, ObjectCategory};
use crate::pattern::Pattern;
use crate::tlp;

use super::props;

/// The conditional and type-specific rules of §4–§7.
pub(super) fn check_type_specific(cx: &mut Cx<'_>) {
    match cx.object_type {
        "location" => check_location(cx),
        "malware"
            // §4.11: name is required when is_family is true.
            if cx.obj.get("is_family") == Some(&Value::Bool(true)) => {
                cx.require("name");
            }
        "malware-analysis"
            // §4.12: result or analysis_sco_refs (or both).
            if !cx.has("result") && !cx.has("analysis_sco_refs") => {
                cx.error(
                    ProblemKind::MissingProperty,
                    "result",
                    "malware-analysis requires result or analysis_sco_refs",
                );
            }
        "observed-data" => check_observed_data(cx),
        "artifact" => {
            // §6.1: payload_bin or url, not both; url requires hashes.
            match (cx.has("payload_bin"), cx.has("url")) {
                (true, true) => cx.error(
                    ProblemKind::ConflictingProperties,
                    "url",
                    "artifact must not have both payload_bin and url",
                ),
                (false, false) => cx.error(
                    ProblemKind::MissingProperty,
                    "payload_bin",
                    "artifact requires payload_bin or url",
                ),
                (false, true) => {
                    if !cx.has("hashes") {
                        cx.error(
                            ProblemKind::MissingProperty,
                            "hashes",
                            "artifact with url requires hashes",
                        );
                    }
                }
                (true, false) => {}
            }
        }
        "file"
            // §6.7: hashes or name.
            if !cx.has("hashes") && !cx.has("name") => {
                cx.error(
                    ProblemKind::MissingProperty,
                    "name",
                    "file requires hashes or name",
                );
            }
        "network-traffic" => {
            // §6.12: src_ref or dst_ref; end only when not active.
            if !cx.has("src_ref") && !cx.has("dst_ref") {
                cx.error(
                    ProblemKind::MissingProperty,
                    "src_ref",
                    "network-traffic requires src_ref or dst_ref",
                );
            }
            if cx.obj.get("is_active") == Some(&Value::Bool(true)) && cx.has("end") {
                cx.error(
                    ProblemKind::ConflictingProperties,
                    "end",
                    "network-traffic with is_active true must not have end",
                );
            }
        }
        "email-message" => {
            // §6.6: body for single-part, body_multipart for multipart.
            match cx.obj.get("is_multipart") {
                Some(Value::Bool(true)) if cx.has("body") => cx.error(
                    ProblemKind::ConflictingProperties,
                    "body",
                    "a multipart email-message must not have body",
                ),
                Some(Value::Bool(false)) if cx.has("body_multipart") => cx.error(
                    ProblemKind::ConflictingProperties,
                    "body_multipart",
                    "an email-message that is not multipart must not have body_multipart",
                ),
                _ => {}
            }
        }
        "process" | "user-account" | "windows-registry-key" | "x509-certificate" => {
            // §6.13, §6.16, §6.17, §6.18: at least one property of the type.
            const COMMON: &[&str] = &[
                "type",
                "id",
                "spec_version",
                "object_marking_refs",
                "granular_markings",
                "defanged",
            ];
            if !cx.obj.keys().any(|k| !COMMON.contains(&k.as_str())) {
                let t = cx.object_type;
                cx.error(
                    ProblemKind::MissingProperty,
                    "type",
                    format!("{t} must have at least one property of its own"),
                );
            }
        }
        "marking-definition" => check_marking_definition(cx),
        "indicator" => check_indicator_pattern(cx),
        "relationship" => check_relationship_type(cx),
        "ipv4-addr" | "ipv6-addr" | "mac-addr" => check_address_value(cx),
        "language-content" => check_language_contents(cx),
        _ => {}
    }
    check_uuid_version(cx);
}

/// §9.1 via §4.7: an indicator whose pattern_type is "stix" must carry a
/// pattern that parses and can match; the pattern's own error (with its
/// character position) is reported at the indicator's `pattern`.
fn check_indicator_pattern(cx: &mut Cx<'_>) {
    if cx.obj.get("pattern_type").and_then(Value::as_str) != Some("stix") {
        return;
    }
    let Some(text) = cx.obj.get("pattern").and_then(Value::as_str) else {
        return;
    };
    if let Err(e) = Pattern::validate(text) {
        cx.error(
            ProblemKind::InvalidPattern,
            "pattern",
            format!("invalid STIX pattern: {e}"),
        );
    }
}

/// §5.1: relationship_type is lowercase letters, digits and hyphens (the
/// OASIS schema's `^[a-z0-9-]+$`).
fn check_relationship_type(cx: &mut Cx<'_>) {
    if let Some(t) = cx.obj.get("relationship_type").and_then(Value::as_str)
        && (t.is_empty()
            || !t
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'))
    {
        cx.error(
            ProblemKind::InvalidValue,
            "relationship_type",
            format!("relationship_type {t:?} must be lowercase letters, digits and hyphens (§5.1)"),
        );
    }
}

/// §6.8, §6.9, §6.10: an IPv4 address or CIDR block, an IPv6 address or
/// CIDR block, a MAC address as six lowercase colon-separated octets.
fn check_address_value(cx: &mut Cx<'_>) {
    let Some(v) = cx.obj.get("value").and_then(Value::as_str) else {
        return;
    };
    let (ok, form) = match cx.object_type {
        "ipv4-addr" => (
            cidr::<std::net::Ipv4Addr>(v, 32),
            "an IPv4 address or CIDR block (§6.8)",
        ),
        "ipv6-addr" => (
            cidr::<std::net::Ipv6Addr>(v, 128),
            "an IPv6 address or CIDR block (§6.9)",
        ),
        _ => (
            v.len() == 17
                && v.split(':').count() == 6
                && v.split(':').all(|o| {
                    o.len() == 2
                        && o.bytes()
                            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
                }),
            "six lowercase hex octets separated by colons (§6.10)",
        ),
    };
    if !ok {
        cx.error(
            ProblemKind::InvalidValue,
            "value",
            format!("value {v:?} must be {form}"),
        );
    }
}

fn cidr<A: std::str::FromStr>(v: &str, max_prefix: u8) -> bool {
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    // Leading zeros ("010.0.0.1") are ambiguous and refused, as by the schema.
    addr.parse::<A>().is_ok()
        && prefix.is_none_or(|p| {
            !p.is_empty()
                && p.len() <= 3
                && !(p.len() > 1 && p.starts_with('0'))
                && p.parse::<u8>().is_ok_and(|n| n <= max_prefix)
        })
}

/// §7.1: contents maps language tags to dictionaries whose keys are
/// property names of the translated object.
fn check_language_contents(cx: &mut Cx<'_>) {
    let Some(contents) = cx.obj.get("contents") else {
        return;
    };
    let Some(m) = contents.as_object().filter(|m| !m.is_empty()) else {
        cx.error(
            ProblemKind::InvalidValue,
            "contents",
            "contents must be a non-empty dictionary of language tags to translations (§7.1)",
        );
        return;
    };
    for (lang, tr) in m {
        if !formats::is_language_tag(lang) {
            cx.error(
                ProblemKind::InvalidValue,
                &format!("contents.{lang}"),
                format!("{lang:?} is not a language tag (RFC 5646)"),
            );
        }
        match tr.as_object() {
            Some(t) if !t.is_empty() => {
                for k in t.keys() {
                    if !props::is_valid_property_name(k) {
                        cx.error(
                            ProblemKind::InvalidPropertyName,
                            &format!("contents.{lang}.{k}"),
                            format!("{k:?} is not a property name (§7.1)"),
                        );
                    }
                }
            }
            _ => cx.error(
                ProblemKind::InvalidValue,
                &format!("contents.{lang}"),
                "each translation must be a non-empty dictionary of properties (§7.1)",
            ),
        }
    }
}

/// §6.13: a process id is always UUIDv4; §2.9: an SCO without any of its
/// ID contributing properties gets a UUIDv4 id too.
fn check_uuid_version(cx: &mut Cx<'_>) {
    if cx.category != ObjectCategory::Sco {
        return;
    }
    let Some(contributing) = objects::id_contributing_properties(cx.object_type) else {
        return;
    };
    if cx.object_type != "process" && contributing.iter().any(|p| cx.has(p)) {
        return;
    }
    let version = cx
        .id
        .as_deref()
        .and_then(|id| Identifier::parse(id).ok())
        .map(|id| id.uuid().get_version_num());
    if let Some(v) = version
        && v != 4
    {
        let why = if cx.object_type == "process" {
            "a process id must be a UUIDv4 (§6.13)".to_owned()
        } else {
            format!(
                "this {} has none of its ID contributing properties, so its id must be a UUIDv4 (§2.9)",
                cx.object_type
            )
        };
        cx.error(ProblemKind::InvalidId, "id", why);
    }
}

/// §4.10: region, country, or latitude and longitude; latitude and longitude
/// go together; precision needs both.
fn check_location(cx: &mut Cx<'_>) {
    let lat = cx.obj.get("latitude");
    let lon = cx.obj.get("longitude");
    if !cx.has("region") && !cx.has("country") && (lat.is_none() || lon.is_none()) {
        cx.error(
            ProblemKind::MissingProperty,
            "region",
            "location requires region, country, or latitude and longitude",
        );
    }
    if lat.is_some() != lon.is_some() {
        cx.error(
            ProblemKind::MissingProperty,
            if lat.is_some() {
                "longitude"
            } else {
                "latitude"
            },
            "latitude and longitude must be given together",
        );
    }
    if cx.has("precision") && (lat.is_none() || lon.is_none()) {
        cx.error(
            ProblemKind::MissingProperty,
            "latitude",
            "precision requires latitude and longitude",
        );
    }
}

/// §4.14: exactly one of object_refs and the deprecated objects; object_refs
/// must contain at least one SCO (or custom object) reference.
fn check_observed_data(cx: &mut Cx<'_>) {
    match (cx.has("object_refs"), cx.has("objects")) {
        (true, true) => cx.error(
            ProblemKind::ConflictingProperties,
            "objects",
            "observed-data must not have both object_refs and the deprecated objects",
        ),
        (false, false) => cx.error(
            ProblemKind::MissingProperty,
            "object_refs",
            "observed-data requires object_refs",
        ),
        (false, true) => {
            let ok = cx
                .obj
                .get("objects")
                .and_then(Value::as_object)
                .is_some_and(|m| {
                    !m.is_empty()
                        && m.values()
                            .all(|o| o.get("type").is_some_and(Value::is_string))
                });
            if !ok {
                cx.error(
                    ProblemKind::InvalidValue,
                    "objects",
                    "objects must be a non-empty dictionary of cyber-observables with a type",
                );
            }
        }
        (true, false) => {
            let refs = cx.obj.get("object_refs").and_then(Value::as_array);
            let any_sco = refs.is_some_and(|list| {
                list.iter().filter_map(Value::as_str).any(|r| {
                    Identifier::parse(r).is_ok_and(|id| {
                        matches!(
                            objects::category_of(id.object_type()),
                            ObjectCategory::Sco | ObjectCategory::Custom
                        )
                    })
                })
            });
            if refs.is_some() && !any_sco {
                cx.error(
                    ProblemKind::ReferenceTargetType,
                    "object_refs",
                    "object_refs must refer to at least one cyber-observable",
                );
            }
        }
    }
}

/// §7.2.1: a marking definition has definition_type and definition, or (new
/// style) extensions. TLP markings must be the fixed ones (§7.2.1.4 for TLP
/// 1.0, the TLP 2.0 extension for TLP 2.0).
fn check_marking_definition(cx: &mut Cx<'_>) {
    let id = cx.id.clone().unwrap_or_default();
    let has_type = cx.has("definition_type");
    let has_def = cx.has("definition");
    if has_type != has_def {
        cx.error(
            ProblemKind::MissingProperty,
            if has_type {
                "definition"
            } else {
                "definition_type"
            },
            "definition_type and definition must be given together",
        );
    }
    if !has_type && !has_def && !cx.has("extensions") {
        cx.error(
            ProblemKind::MissingProperty,
            "definition_type",
            "marking-definition requires definition_type and definition, or extensions",
        );
    }
    let definition = cx.obj.get("definition");
    if has_def && !definition.is_some_and(Value::is_object) {
        cx.error(
            ProblemKind::InvalidValue,
            "definition",
            "definition must be an object",
        );
    }
    match cx.obj.get("definition_type").and_then(Value::as_str) {
        Some("tlp") => {
            let level = definition
                .and_then(|d| d.get("tlp"))
                .and_then(Value::as_str);
            let fixed = tlp::tlp1_level_of_marking(&id);
            match (fixed, level) {
                (None, _) => cx.error(
                    ProblemKind::InvalidTlpMarking,
                    "id",
                    "TLP 1.0 markings must use the fixed marking-definition ids of §7.2.1.4",
                ),
                (Some(name), Some(l)) if l == name => {}
                (Some(name), _) => cx.error(
                    ProblemKind::InvalidTlpMarking,
                    "definition.tlp",
                    format!(
                        "this id is the TLP:{} marking; definition.tlp must be {name:?}",
                        name.to_uppercase()
                    ),
                ),
            }
        }
        Some("statement")
            if has_def
                && !definition
                    .and_then(|d| d.get("statement"))
                    .is_some_and(Value::is_string) =>
        {
            cx.error(
                ProblemKind::MissingProperty,
                "definition.statement",
                "a statement marking requires definition.statement (§7.2.1.3)",
            );
        }
        _ => {}
    }
    let tlp2 = cx
        .obj
        .get("extensions")
        .and_then(|e| e.get(tlp::TLP2_EXTENSION_ID));
    if let Some(ext) = tlp2 {
        let level = ext.get("tlp_2_0").and_then(Value::as_str);
        match (tlp::tlp2_level_of_marking(&id), level) {
            (Some(name), Some(l)) if l == name => {}
            (None, _) => cx.error(
                ProblemKind::InvalidTlpMarking,
                "id",
                "TLP 2.0 markings must use the fixed marking-definition ids of the TLP 2.0 extension",
            ),
            (Some(name), _) => cx.error(
                ProblemKind::InvalidTlpMarking,
                &format!("extensions.{}.tlp_2_0", tlp::TLP2_EXTENSION_ID),
                format!("this id is the TLP:{} marking; tlp_2_0 must be {name:?}", name.to_uppercase()),
            ),
        }
    }
}
