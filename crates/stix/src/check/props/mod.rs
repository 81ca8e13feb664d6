//! Declarative property tables: for every spec-defined type, the properties
//! it may carry and the form of each (§3 common properties, §4 SDOs, §5
//! SROs, §6 SCOs and their predefined extensions, §7 meta objects), and the
//! one generic checker that walks an object against its table.
//!
//! A table is data, not code: adding a property is one line in `sdo.rs`,
//! `sco.rs` or `meta.rs`. The checker reports, for the whole object at once:
//! values of the wrong form ([`Kind`]), values outside a closed enumeration
//! (errors) or an open vocabulary (warnings, as stix2-validator does),
//! references to types the property does not allow, common properties the
//! object's category must not carry (`created` on an SCO, `defanged` on an
//! SDO, ...), reserved property names, and custom property names that break
//! §11.1 (`^[a-z][a-z0-9_]{2,249}$`). Custom properties with a good name
//! draw a warning unless they carry the `x_` prefix (§11.1 SHOULD) or the
//! object declares a `toplevel-property-extension`.
//!
//! What the tables do not say (conditional requirements such as "hashes or
//! name", timestamp order, TLP identities) stays in `rules.rs` and
//! `object.rs`; identifier syntax of `*_ref(s)` is `refs.rs`.

mod common;
mod meta;
mod sco;
mod sdo;

use serde_json::{Map, Value};

use super::object::Cx;
use super::refs::Target;
use super::vocab::{Openness, Vocab};
use super::{ProblemKind, extensions, formats, hashes, markings};
use crate::objects::ObjectCategory;
use crate::timestamp::Timestamp;

/// The form a property's value must have.
#[derive(Debug)]
pub(super) enum Kind {
    /// A string.
    Str,
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// A number in `min..=max`.
    Float { min: f64, max: f64 },
    /// `true` or `false`.
    Bool,
    /// A STIX timestamp (§2.15). Top-level timestamps are parsed once by
    /// `object.rs` (which also checks their order); nested ones here.
    Timestamp,
    /// A non-empty list of strings.
    StrList,
    /// A string from a vocabulary (§10).
    Vocab(&'static Vocab),
    /// A non-empty list of strings from a vocabulary.
    VocabList(&'static Vocab),
    /// An identifier of an allowed type (syntax is checked by `refs.rs`).
    Ref(Target),
    /// A non-empty list of identifiers of allowed types.
    Refs(Target),
    /// A hashes dictionary (§2.7, hashing-algorithm-ov).
    Hashes,
    /// A non-empty list of kill-chain phases (§2.8).
    KillChainPhases,
    /// A non-empty list of external references (§2.5).
    ExternalReferences,
    /// A non-empty list of granular markings (§7.2.3).
    GranularMarkings,
    /// The extensions dictionary (§3.2, §7.3).
    Extensions,
    /// A dictionary (§2.6): keys of a-z A-Z 0-9 - _ up to 250 characters,
    /// no null values.
    Dict,
    /// A dictionary whose values are a string or a list of two or more
    /// strings (email-message additional_header_fields, §6.6; one value
    /// per header, a list when the header repeats).
    HeaderFields,
    /// Base64 binary (§2.3).
    Binary,
    /// An even number of hex digits (§2.10).
    Hex,
    /// A language tag (RFC 5646; `formats.rs`).
    LanguageTag,
    /// A CPE 2.3 formatted string (software `cpe`, §6.14).
    Cpe,
    /// A media type: not a string is an error, a malformed one a warning
    /// (the spec says it SHOULD come from the IANA registry).
    MediaType,
    /// An object described by its own table.
    Object(&'static Nested),
    /// A non-empty list of values of one kind.
    List(&'static Kind),
    /// Checked elsewhere (`type`, `id`, `spec_version` in object.rs;
    /// observed-data `objects`, language-content `contents`, marking
    /// `definition` in rules.rs): known, nothing more.
    Checked,
}

/// The table of a nested object type (an extension, a MIME part, a
/// registry value, ...).
#[derive(Debug)]
pub(super) struct Nested {
    /// The spec's name for the nested type, for messages.
    pub(super) name: &'static str,
    pub(super) required: &'static [&'static str],
    pub(super) props: &'static [Prop],
}

/// One property of a table.
pub(super) type Prop = (&'static str, Kind);

/// Property names no object may use (§3.1 "reserved property names"; the
/// OASIS schemas forbid them on every object).
const RESERVED: &[&str] = &["severity", "action", "username", "phone_numbers"];

/// Checks every property of the object against its tables.
pub(super) fn check_properties(cx: &mut Cx<'_>) {
    let (common, forbidden_common) = common::tables_for(cx.category, cx.object_type);
    let own: &[Prop] = table_of(cx.object_type).unwrap_or(&[]);
    let toplevel_ext = declares_toplevel_extension(cx.obj);
    let obj = cx.obj;
    for (name, value) in obj {
        let name = name.as_str();
        if RESERVED.contains(&name) {
            cx.error(
                ProblemKind::InvalidPropertyName,
                name,
                format!("{name} is a reserved property name and must not be used (§3.1)"),
            );
            continue;
        }
        let known = common
            .iter()
            .chain(own.iter())
            .find(|(p, _)| *p == name)
            .map(|(_, k)| k);
        match known {
            Some(kind) => check_value(cx, name, kind, value, true),
            None if forbidden_common.contains(&name) => cx.error(
                ProblemKind::ForbiddenProperty,
                name,
                format!(
                    "{} objects must not have {name} (§3.2)",
                    category_name(cx.category, cx.object_type)
                ),
            ),
            None => {
                let warn = cx.category != ObjectCategory::Custom && !toplevel_ext;
                check_custom(cx, name, value, warn);
            }
        }
    }
}

fn category_name(category: ObjectCategory, object_type: &str) -> String {
    match category {
        ObjectCategory::Sdo => "SDO".into(),
        ObjectCategory::Sro => "SRO".into(),
        ObjectCategory::Sco => "SCO (cyber-observable)".into(),
        _ => object_type.into(),
    }
}

/// Whether any extension of the object is a `toplevel-property-extension`
/// (§7.3), whose properties sit at the top level of the object.
fn declares_toplevel_extension(obj: &Map<String, Value>) -> bool {
    obj.get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|m| {
            m.values().any(|e| {
                e.get("extension_type").and_then(Value::as_str)
                    == Some("toplevel-property-extension")
            })
        })
}

/// The type-specific table of a spec-defined type.
fn table_of(object_type: &str) -> Option<&'static [Prop]> {
    sdo::table_of(object_type)
        .or_else(|| sco::table_of(object_type))
        .or_else(|| meta::table_of(object_type))
}

/// The predefined extensions of an SCO type (§6), by extension name.
pub(super) fn predefined_extension(object_type: &str, name: &str) -> Option<&'static Nested> {
    sco::extension_of(object_type, name)
}

/// §11.1: a custom property name is 3-250 characters of a-z, 0-9 and `_`,
/// starting with a letter.
pub(super) fn is_valid_property_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// A property no table knows: its name must be well-formed, its value not
/// null (nor an empty list), `_bin` and `_hex` names must hold binary and hex
/// (§2.3, §2.10). `warn`: report it as custom unless `x_`-prefixed.
pub(super) fn check_custom(cx: &mut Cx<'_>, path_name: &str, value: &Value, warn: bool) {
    let name = path_name.rsplit('.').next().unwrap_or(path_name);
    if !is_valid_property_name(name) {
        cx.error(
            ProblemKind::InvalidPropertyName,
            path_name,
            format!(
                "property name {name:?} must be 3-250 characters of a-z, 0-9 and _, starting with a letter (§11.1)"
            ),
        );
        return;
    }
    match value {
        Value::Null => cx.error(
            ProblemKind::InvalidValue,
            path_name,
            "a property must not be null (§3)",
        ),
        Value::Array(a) if a.is_empty() => cx.error(
            ProblemKind::InvalidValue,
            path_name,
            "a list property must not be empty (§3)",
        ),
        _ => {}
    }
    if name.ends_with("_bin") {
        check_value(cx, path_name, &Kind::Binary, value, false);
    } else if name.ends_with("_hex") {
        check_value(cx, path_name, &Kind::Hex, value, false);
    }
    if warn && !name.starts_with("x_") {
        cx.warning(
            ProblemKind::CustomProperty,
            Some(path_name),
            format!(
                "{name} is not a property of {}; custom properties should start with x_ (§11.1)",
                cx.object_type
            ),
        );
    }
}

/// A string in a format borrowed from another standard: not a string is
/// an error, and so is one `ok` refuses, unless the spec only says the
/// value SHOULD be in that format (`should`): then a warning.
fn check_format(
    cx: &mut Cx<'_>,
    path: &str,
    v: &Value,
    ok: fn(&str) -> bool,
    should: bool,
    what: &str,
) {
    match v.as_str() {
        Some(s) if ok(s) => {}
        Some(s) => {
            let message = format!("{path}: {s:?} is not {what}");
            if should {
                cx.warning(ProblemKind::InvalidValue, Some(path), message);
            } else {
                cx.error(ProblemKind::InvalidValue, path, message);
            }
        }
        None => cx.error(
            ProblemKind::InvalidValue,
            path,
            format!("{path} must be a string"),
        ),
    }
}

/// Checks one value against its kind; `path` names it for the report.
pub(super) fn check_value(cx: &mut Cx<'_>, path: &str, kind: &Kind, v: &Value, top: bool) {
    match kind {
        Kind::Str => {
            if !v.is_string() {
                cx.error(
                    ProblemKind::InvalidValue,
                    path,
                    format!("{path} must be a string"),
                );
            }
        }
        Kind::Int { min, max } => {
            if !v.as_i64().is_some_and(|n| (*min..=*max).contains(&n)) {
                let msg = if *max == i64::MAX {
                    format!("{path} must be an integer of at least {min}")
                } else {
                    format!("{path} must be an integer from {min} to {max}")
                };
                cx.error(ProblemKind::InvalidValue, path, msg);
            }
        }
        Kind::Float { min, max } => {
            if !v.as_f64().is_some_and(|x| (*min..=*max).contains(&x)) {
                let msg = if max.is_infinite() {
                    format!("{path} must be a number of at least {min}")
                } else {
                    format!("{path} must be a number from {min} to {max}")
                };
                cx.error(ProblemKind::InvalidValue, path, msg);
            }
        }
        Kind::Bool => {
            if !v.is_boolean() {
                cx.error(
                    ProblemKind::InvalidValue,
                    path,
                    format!("{path} must be true or false"),
                );
            }
        }
        Kind::Timestamp => {
            // Top-level timestamps are parsed by object.rs::check_timestamps.
            if !top {
                match v.as_str().map(Timestamp::parse) {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => cx.error(ProblemKind::InvalidTimestamp, path, e.to_string()),
                    None => cx.error(
                        ProblemKind::InvalidTimestamp,
                        path,
                        "a timestamp must be a string YYYY-MM-DDTHH:mm:ss[.s+]Z",
                    ),
                }
            }
        }
        Kind::StrList => {
            if !is_string_list(v) {
                cx.error(
                    ProblemKind::InvalidValue,
                    path,
                    format!("{path} must be a non-empty list of strings"),
                );
            }
        }
        Kind::Vocab(vocab) => match v.as_str() {
            Some(s) => check_vocab(cx, path, vocab, s),
            None => cx.error(
                ProblemKind::InvalidValue,
                path,
                format!("{path} must be a string"),
            ),
        },
        Kind::VocabList(vocab) => {
            if is_string_list(v) {
                for s in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    check_vocab(cx, path, vocab, s);
                }
            } else {
                cx.error(
                    ProblemKind::InvalidValue,
                    path,
                    format!("{path} must be a non-empty list of strings"),
                );
            }
        }
        // Malformed identifiers and empty lists are reported by refs.rs.
        Kind::Ref(target) => check_target(cx, path, *target, v),
        Kind::Refs(target) => {
            for item in v.as_array().into_iter().flatten() {
                check_target(cx, path, *target, item);
            }
        }
        Kind::Hashes => hashes::check(cx, path, v),
        Kind::KillChainPhases => check_kill_chain_phases(cx, path, v),
        Kind::ExternalReferences => check_external_references(cx, path, v),
        Kind::GranularMarkings => markings::check_granular(cx, path, v),
        Kind::Extensions => extensions::check(cx, path, v),
        Kind::Dict => check_dict(cx, path, v),
        Kind::HeaderFields => {
            check_dict(cx, path, v);
            for (k, x) in v.as_object().into_iter().flatten() {
                let ok = x.is_string()
                    || x.as_array()
                        .is_some_and(|a| a.len() >= 2 && a.iter().all(Value::is_string));
                if !ok && !x.is_null() {
                    cx.error(
                        ProblemKind::InvalidValue,
                        &format!("{path}.{k}"),
                        "a header field is a string, or a list of strings when it repeats (§6.6)",
                    );
                }
            }
        }
        Kind::Binary => {
            if !v.as_str().is_some_and(is_base64) {
                cx.error(
                    ProblemKind::InvalidValue,
                    path,
                    format!("{path} must be base64 binary (RFC 4648, §2.3)"),
                );
            }
        }
        Kind::Hex => {
            if !v.as_str().is_some_and(is_hex) {
                cx.error(
                    ProblemKind::InvalidValue,
                    path,
                    format!("{path} must be an even number of hex digits (§2.10)"),
                );
            }
        }
        Kind::LanguageTag => check_format(
            cx,
            path,
            v,
            formats::is_language_tag,
            false,
            "a language tag (RFC 5646)",
        ),
        Kind::Cpe => check_format(
            cx,
            path,
            v,
            formats::is_cpe23,
            false,
            "a CPE 2.3 formatted string (NISTIR 7695 §6.2)",
        ),
        Kind::MediaType => check_format(
            cx,
            path,
            v,
            formats::is_media_type,
            true,
            "a media type type/subtype (RFC 6838)",
        ),
        Kind::Object(nested) => check_nested(cx, path, nested, v),
        Kind::List(item) => match v.as_array() {
            Some(list) if !list.is_empty() => {
                for (i, x) in list.iter().enumerate() {
                    check_value(cx, &format!("{path}[{i}]"), item, x, false);
                }
            }
            _ => cx.error(
                ProblemKind::InvalidValue,
                path,
                format!("{path} must be a non-empty list"),
            ),
        },
        Kind::Checked => {}
    }
}

fn check_vocab(cx: &mut Cx<'_>, path: &str, vocab: &Vocab, s: &str) {
    if vocab.contains(s) {
        return;
    }
    match vocab.openness {
        Openness::Closed => cx.error(
            ProblemKind::InvalidValue,
            path,
            format!(
                "{s:?} is not in {} (§10): one of {}",
                vocab.name,
                vocab.values.join(", ")
            ),
        ),
        Openness::Open => cx.warning(
            ProblemKind::VocabularyValue,
            Some(path),
            format!(
                "{s:?} is not a value of the open vocabulary {} (§10)",
                vocab.name
            ),
        ),
    }
}

fn check_target(cx: &mut Cx<'_>, path: &str, target: Target, v: &Value) {
    // refs.rs has parsed (and reported) the identifier; only its type
    // prefix matters here, and a malformed one is not reported twice.
    let Some(t) = v
        .as_str()
        .and_then(|s| s.rsplit_once("--"))
        .filter(|(t, uuid)| uuid.len() == 36 && crate::ids::is_valid_type_name(t))
        .map(|(t, _)| t)
    else {
        return;
    };
    if !target.allows(t) {
        cx.error(
            ProblemKind::ReferenceTargetType,
            path,
            format!("{path} must refer to {}, not to a {t}", target.describe()),
        );
    }
}

/// An object checked against a nested table: its required properties, the
/// form of the known ones, and the names of the others.
pub(super) fn check_nested(cx: &mut Cx<'_>, path: &str, nested: &Nested, v: &Value) {
    let Some(m) = v.as_object() else {
        cx.error(
            ProblemKind::InvalidValue,
            path,
            format!("{path} must be an object ({})", nested.name),
        );
        return;
    };
    if m.is_empty() {
        cx.error(
            ProblemKind::InvalidValue,
            path,
            format!("{path} must have at least one property ({})", nested.name),
        );
        return;
    }
    for req in nested.required {
        if m.get(*req).is_none_or(Value::is_null) {
            cx.error(
                ProblemKind::MissingProperty,
                &format!("{path}.{req}"),
                format!("{} requires {req}", nested.name),
            );
        }
    }
    for (k, x) in m {
        let sub = format!("{path}.{k}");
        match nested.props.iter().find(|(p, _)| p == k) {
            Some((_, kind)) => check_value(cx, &sub, kind, x, false),
            None => check_custom(cx, &sub, x, true),
        }
    }
}

/// §2.6: a dictionary has at least one key; keys are at most 250 ASCII
/// letters, digits, hyphens and underscores; values are not null.
fn check_dict(cx: &mut Cx<'_>, path: &str, v: &Value) {
    let Some(m) = v.as_object() else {
        cx.error(
            ProblemKind::InvalidValue,
            path,
            format!("{path} must be a dictionary"),
        );
        return;
    };
    if m.is_empty() {
        cx.error(
            ProblemKind::InvalidValue,
            path,
            format!("{path} must have at least one key (§2.6)"),
        );
    }
    for (k, x) in m {
        let key_ok = k.len() <= 250
            && k.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if !key_ok {
            cx.error(
                ProblemKind::InvalidValue,
                &format!("{path}.{k}"),
                "dictionary keys are at most 250 characters of a-z, A-Z, 0-9, - and _ (§2.6)",
            );
        }
        let empty_list = x.as_array().is_some_and(Vec::is_empty);
        if x.is_null() || empty_list {
            cx.error(
                ProblemKind::InvalidValue,
                &format!("{path}.{k}"),
                "dictionary values must not be null or an empty list (§2.6)",
            );
        }
    }
}

/// §2.8: each phase names its kill chain and phase.
fn check_kill_chain_phases(cx: &mut Cx<'_>, path: &str, v: &Value) {
    let Some(list) = v.as_array().filter(|l| !l.is_empty()) else {
        cx.error(
            ProblemKind::InvalidValue,
            path,
            format!("{path} must be a non-empty list of kill-chain phases"),
        );
        return;
    };
    for (i, p) in list.iter().enumerate() {
        for req in ["kill_chain_name", "phase_name"] {
            if !p.get(req).is_some_and(Value::is_string) {
                cx.error(
                    ProblemKind::MissingProperty,
                    &format!("{path}[{i}].{req}"),
                    format!("a kill-chain phase requires the string {req} (§2.8)"),
                );
            }
        }
    }
}

/// §2.5: `source_name`, and at least one of `description`, `url`,
/// `external_id`; CVE and CAPEC references carry their identifier.
fn check_external_references(cx: &mut Cx<'_>, path: &str, v: &Value) {
    let Some(list) = v.as_array().filter(|l| !l.is_empty()) else {
        cx.error(
            ProblemKind::InvalidValue,
            path,
            format!("{path} must be a non-empty list"),
        );
        return;
    };
    for (i, r) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(m) = r.as_object() else {
            cx.error(
                ProblemKind::InvalidValue,
                &at,
                "an external reference must be an object",
            );
            continue;
        };
        let source = m.get("source_name").and_then(Value::as_str);
        if source.is_none() {
            cx.error(
                ProblemKind::MissingProperty,
                &format!("{at}.source_name"),
                "an external reference requires source_name (§2.5)",
            );
        }
        if !["description", "url", "external_id"]
            .iter()
            .any(|p| m.contains_key(*p))
        {
            cx.error(
                ProblemKind::MissingProperty,
                &format!("{at}.external_id"),
                "an external reference requires description, url or external_id (§2.5)",
            );
        }
        for p in ["description", "url", "external_id"] {
            if m.get(p).is_some_and(|x| !x.is_string()) {
                cx.error(
                    ProblemKind::InvalidValue,
                    &format!("{at}.{p}"),
                    format!("{p} must be a string"),
                );
            }
        }
        let id = m.get("external_id").and_then(Value::as_str);
        let (prefix, needs) = match source {
            Some("cve") => ("CVE-", true),
            Some("capec") => ("CAPEC-", true),
            _ => ("", false),
        };
        if needs && !id.is_some_and(|x| x.starts_with(prefix)) {
            cx.error(
                ProblemKind::InvalidValue,
                &format!("{at}.external_id"),
                format!(
                    "a {} reference requires external_id {prefix}... (§2.5)",
                    source.unwrap_or("")
                ),
            );
        }
        if let Some(h) = m.get("hashes") {
            hashes::check(cx, &format!("{at}.hashes"), h);
        }
    }
}

pub(super) fn is_string_list(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
}

/// RFC 4648 base64 with padding, as the OASIS schema's binary pattern.
fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|c| **c == b'=').count();
    pad <= 2
        && b[..b.len() - pad]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{self, TYPES};

    #[test]
    fn every_spec_type_has_a_table() {
        for t in TYPES {
            assert!(table_of(t.name).is_some(), "{}", t.name);
        }
    }

    /// The registry's required and timestamp lists and the tables agree:
    /// every required property and every top-level timestamp is in the
    /// type's tables, and every Timestamp of a table is in the registry
    /// (object.rs parses exactly those).
    #[test]
    fn tables_agree_with_the_registry() {
        for t in TYPES {
            let (common, _) = common::tables_for(t.category, t.name);
            let own = table_of(t.name).unwrap_or(&[]);
            let all: Vec<&Prop> = common.iter().chain(own.iter()).collect();
            for req in t.required {
                assert!(all.iter().any(|(p, _)| p == req), "{}: {req}", t.name);
            }
            for ts in t.timestamps {
                assert!(
                    all.iter()
                        .any(|(p, k)| p == ts && matches!(k, Kind::Timestamp)),
                    "{}: {ts}",
                    t.name
                );
            }
            for (p, k) in &all {
                if matches!(k, Kind::Timestamp) && !matches!(*p, "created" | "modified") {
                    assert!(
                        objects::spec_of(t.name).is_some_and(|s| s.timestamps.contains(p)),
                        "{}: {p} is a timestamp the registry does not list",
                        t.name
                    );
                }
            }
            for (p, _) in &all {
                assert!(is_valid_property_name(p) || *p == "id", "{}: {p}", t.name);
            }
        }
    }

    #[test]
    fn base64_and_hex() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64("aGVsbG8h"));
        assert!(!is_base64("aGVsbG8"));
        assert!(!is_base64("aGV=bG8="));
        assert!(!is_base64(""));
        assert!(is_hex("00ff"));
        assert!(!is_hex("0ff"));
        assert!(!is_hex("zz"));
    }

    #[test]
    fn property_names() {
        assert!(is_valid_property_name("x_acme_score"));
        assert!(!is_valid_property_name("xy"));
        assert!(!is_valid_property_name("X_acme"));
        assert!(!is_valid_property_name("x-acme"));
        assert!(!is_valid_property_name("_acme"));
        assert!(!is_valid_property_name(&"a".repeat(251)));
    }
}
