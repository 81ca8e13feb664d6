//! Checks of one object: type, id, spec_version, common and required
//! properties, timestamps and common property values (§2.9, §2.15, §3).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Problem, ProblemKind, Sink, refs, rules};
use crate::bundle::StixObject;
use crate::ids::{self, Identifier};
use crate::objects::{self, ObjectCategory};
use crate::timestamp::Timestamp;

/// The context of one object being checked.
pub(super) struct Cx<'a> {
    pub(super) index: Option<usize>,
    pub(super) id: Option<String>,
    pub(super) sink: &'a mut Sink,
    pub(super) obj: &'a Map<String, Value>,
    pub(super) object_type: &'a str,
    pub(super) category: ObjectCategory,
    pub(super) timestamps: HashMap<&'static str, Timestamp>,
}

impl Cx<'_> {
    fn problem(&self, kind: ProblemKind, property: Option<&str>, message: String) -> Problem {
        Problem {
            kind,
            object_index: self.index,
            object_id: self.id.clone(),
            property: property.map(str::to_owned),
            message,
        }
    }

    pub(super) fn error(&mut self, kind: ProblemKind, property: &str, message: impl Into<String>) {
        let p = self.problem(kind, Some(property), message.into());
        self.sink.errors.push(p);
    }

    fn warning(&mut self, kind: ProblemKind, property: Option<&str>, message: String) {
        let p = self.problem(kind, property, message);
        self.sink.warnings.push(p);
    }

    pub(super) fn has(&self, prop: &str) -> bool {
        self.obj.get(prop).is_some_and(|v| !v.is_null())
    }

    pub(super) fn require(&mut self, prop: &str) {
        if !self.has(prop) {
            let t = self.object_type;
            self.error(
                ProblemKind::MissingProperty,
                prop,
                format!("{t} requires the property {prop}"),
            );
        }
    }
}

/// Checks one object; returns it when it has a usable type and id (even if
/// other problems were found, which are in the sink).
pub(super) fn check_one(
    index: Option<usize>,
    value: &Value,
    sink: &mut Sink,
) -> Option<StixObject> {
    let Some(obj) = value.as_object() else {
        sink.errors.push(Problem {
            kind: ProblemKind::NotAnObject,
            object_index: index,
            object_id: None,
            property: None,
            message: "a STIX object must be a JSON object".into(),
        });
        return None;
    };
    let id = obj.get("id").and_then(Value::as_str);
    let errors_before = sink.errors.len();
    let mut cx = Cx {
        index,
        id: id.map(str::to_owned),
        sink,
        obj,
        object_type: "",
        category: ObjectCategory::Custom,
        timestamps: HashMap::new(),
    };

    // §3 type.
    let object_type = match obj.get("type") {
        Some(Value::String(t)) if t == "bundle" => {
            cx.error(
                ProblemKind::InvalidType,
                "type",
                "a bundle cannot be an object inside a bundle",
            );
            None
        }
        Some(Value::String(t)) if ids::is_valid_type_name(t) => Some(t.as_str()),
        Some(Value::String(t)) => {
            cx.error(
                ProblemKind::InvalidType,
                "type",
                format!(
                    "type {t:?} must be 3-250 characters of a-z, 0-9 and single hyphens, starting with a letter"
                ),
            );
            None
        }
        Some(_) => {
            cx.error(ProblemKind::InvalidType, "type", "type must be a string");
            None
        }
        None => {
            cx.error(
                ProblemKind::MissingProperty,
                "type",
                "every STIX object requires the property type",
            );
            None
        }
    };

    // §2.9 id.
    match obj.get("id") {
        Some(Value::String(s)) => match Identifier::parse(s) {
            Ok(parsed) => {
                if let Some(t) = object_type
                    && parsed.object_type() != t
                {
                    cx.error(
                        ProblemKind::IdTypeMismatch,
                        "id",
                        format!(
                            "id starts with {:?} but the object's type is {t:?}",
                            parsed.object_type()
                        ),
                    );
                }
            }
            Err(e) => cx.error(ProblemKind::InvalidId, "id", e.to_string()),
        },
        Some(_) => cx.error(ProblemKind::InvalidId, "id", "id must be a string"),
        None => cx.error(
            ProblemKind::MissingProperty,
            "id",
            "every STIX object requires the property id",
        ),
    }

    let Some(object_type) = object_type else {
        // Without a type nothing else can be checked meaningfully.
        return None;
    };
    cx.object_type = object_type;
    cx.category = objects::category_of(object_type);

    check_spec_version(&mut cx);
    check_common_required(&mut cx);
    if let Some(spec) = objects::spec_of(object_type) {
        for prop in spec.required {
            cx.require(prop);
        }
    }
    check_timestamps(&mut cx);
    check_common_values(&mut cx);
    refs::check_references(&mut cx);
    rules::check_type_specific(&mut cx);

    if cx.category == ObjectCategory::Sco
        && let Err(expected) = ids::sco_id_matches(value)
    {
        cx.warning(
            ProblemKind::ScoIdMismatch,
            Some("id"),
            format!("the deterministic id of this {object_type} is {expected} (§2.9)"),
        );
    }

    let usable = cx.sink.errors[errors_before..]
        .iter()
        .all(|p| !matches!(p.kind, ProblemKind::InvalidId | ProblemKind::IdTypeMismatch))
        && id.is_some();
    match id {
        Some(id) if usable => Some(StixObject::new(
            object_type.to_owned(),
            id.to_owned(),
            obj.clone(),
        )),
        _ => None,
    }
}

/// §3 spec_version: required ("2.1") on SDOs, SROs and meta objects;
/// optional on SCOs, where absent means 2.1. Custom objects: checked if present.
fn check_spec_version(cx: &mut Cx<'_>) {
    let required = matches!(
        cx.category,
        ObjectCategory::Sdo | ObjectCategory::Sro | ObjectCategory::Meta
    );
    match cx.obj.get("spec_version") {
        Some(Value::String(v)) if v == "2.1" => {}
        Some(Value::String(v)) => cx.error(
            ProblemKind::InvalidSpecVersion,
            "spec_version",
            format!("spec_version must be \"2.1\", not {v:?}"),
        ),
        Some(_) => cx.error(
            ProblemKind::InvalidSpecVersion,
            "spec_version",
            "spec_version must be the string \"2.1\"",
        ),
        None if required => cx.error(
            ProblemKind::InvalidSpecVersion,
            "spec_version",
            format!("{} requires spec_version \"2.1\"", cx.object_type),
        ),
        None => {}
    }
}

/// §3 common properties: `created` and `modified` are required on SDOs and
/// SROs, language content and extension definitions; marking definitions
/// have `created` only (they are never versioned, §7.2.1).
fn check_common_required(cx: &mut Cx<'_>) {
    match cx.category {
        ObjectCategory::Sdo | ObjectCategory::Sro => {
            cx.require("created");
            cx.require("modified");
        }
        ObjectCategory::Meta if cx.object_type == "marking-definition" => cx.require("created"),
        ObjectCategory::Meta => {
            cx.require("created");
            cx.require("modified");
        }
        _ => {}
    }
}

/// §2.15 timestamps, §3 precision of created/modified, and the order rules:
/// `modified` (§3), `first_seen`/`last_seen` (campaign, infrastructure,
/// intrusion-set, malware, threat-actor in §4; sighting §5.2), `valid_until`
/// (§4.7), `last_observed` (§4.14), `stop_time` (§5.1), `end` (§6.12).
fn check_timestamps(cx: &mut Cx<'_>) {
    let type_props: &'static [&'static str] =
        objects::spec_of(cx.object_type).map_or(&[], |s| s.timestamps);
    let props = ["created", "modified"].iter().chain(type_props.iter());
    for &prop in props {
        let Some(v) = cx.obj.get(prop) else { continue };
        if v.is_null() {
            continue;
        }
        let Some(s) = v.as_str() else {
            cx.error(
                ProblemKind::InvalidTimestamp,
                prop,
                "a timestamp must be a string YYYY-MM-DDTHH:mm:ss[.s+]Z",
            );
            continue;
        };
        match Timestamp::parse(s) {
            Ok(t) => {
                if matches!(prop, "created" | "modified") && !t.has_millisecond_precision() {
                    cx.error(
                        ProblemKind::TimestampPrecision,
                        prop,
                        format!("{prop} {s:?} must be precise to at least the millisecond (§3)"),
                    );
                }
                cx.timestamps.insert(prop, t);
            }
            Err(e) => cx.error(ProblemKind::InvalidTimestamp, prop, e.to_string()),
        }
    }
    // (earlier, later, later may equal earlier)
    const ORDER: &[(&str, &str, bool)] = &[
        ("created", "modified", true),
        ("first_seen", "last_seen", true),
        ("first_observed", "last_observed", true),
        ("valid_from", "valid_until", false),
        ("start_time", "stop_time", false),
        ("start", "end", true),
        ("analysis_started", "analysis_ended", true),
        ("validity_not_before", "validity_not_after", true),
    ];
    for &(early, late, may_equal) in ORDER {
        let (Some(a), Some(b)) = (cx.timestamps.get(early), cx.timestamps.get(late)) else {
            continue;
        };
        let wrong = if may_equal { b < a } else { b <= a };
        if wrong {
            let msg = format!(
                "{late} {} must be {} {early} {}",
                b.as_str(),
                if may_equal {
                    "at or after"
                } else {
                    "strictly after"
                },
                a.as_str()
            );
            cx.error(ProblemKind::TimestampOrder, late, msg);
        }
    }
}

/// Values of common properties (§3) and of some type properties whose JSON
/// type the checks below rely on.
fn check_common_values(cx: &mut Cx<'_>) {
    if let Some(v) = cx.obj.get("confidence")
        && v.as_u64().is_none_or(|c| c > 100)
    {
        cx.error(
            ProblemKind::InvalidValue,
            "confidence",
            "confidence must be an integer from 0 to 100",
        );
    }
    for prop in ["revoked", "defanged"] {
        if cx.obj.get(prop).is_some_and(|v| !v.is_boolean()) {
            cx.error(
                ProblemKind::InvalidValue,
                prop,
                format!("{prop} must be true or false"),
            );
        }
    }
    if let Some(v) = cx.obj.get("labels")
        && !is_string_list(v)
    {
        cx.error(
            ProblemKind::InvalidValue,
            "labels",
            "labels must be a non-empty list of strings",
        );
    }
    if let Some(v) = cx.obj.get("external_references") {
        match v.as_array() {
            Some(list) if !list.is_empty() => {
                for (i, r) in list.iter().enumerate() {
                    if !r.get("source_name").is_some_and(Value::is_string) {
                        cx.error(
                            ProblemKind::MissingProperty,
                            &format!("external_references[{i}].source_name"),
                            "an external reference requires source_name (§2.6)",
                        );
                    }
                }
            }
            _ => cx.error(
                ProblemKind::InvalidValue,
                "external_references",
                "external_references must be a non-empty list",
            ),
        }
    }
    if let Some(v) = cx.obj.get("granular_markings") {
        match v.as_array() {
            Some(list) if !list.is_empty() => {
                for (i, g) in list.iter().enumerate() {
                    let has_ref = g.get("marking_ref").is_some();
                    let has_lang = g.get("lang").is_some();
                    if has_ref == has_lang {
                        cx.error(
                            ProblemKind::ConflictingProperties,
                            &format!("granular_markings[{i}]"),
                            "a granular marking needs exactly one of marking_ref and lang (§7.2.3)",
                        );
                    }
                    if !g.get("selectors").is_some_and(is_string_list) {
                        cx.error(
                            ProblemKind::MissingProperty,
                            &format!("granular_markings[{i}].selectors"),
                            "a granular marking requires a non-empty list of selectors (§7.2.3)",
                        );
                    }
                }
            }
            _ => cx.error(
                ProblemKind::InvalidValue,
                "granular_markings",
                "granular_markings must be a non-empty list",
            ),
        }
    }
    if cx.category == ObjectCategory::Custom {
        return;
    }
    // Properties that are strings wherever the spec defines them.
    const STRINGS: &[&str] = &[
        "name",
        "description",
        "pattern",
        "pattern_type",
        "pattern_version",
        "relationship_type",
        "context",
        "content",
        "abstract",
        "opinion",
        "value",
        "path",
        "key",
        "product",
        "subject",
        "schema",
        "lang",
        "definition_type",
    ];
    for &prop in STRINGS {
        if cx.obj.get(prop).is_some_and(|v| !v.is_string()) {
            cx.error(
                ProblemKind::InvalidValue,
                prop,
                format!("{prop} must be a string"),
            );
        }
    }
    const BOOLS: &[&str] = &["is_family", "is_multipart", "is_active", "is_self_signed"];
    for &prop in BOOLS {
        if cx.obj.get(prop).is_some_and(|v| !v.is_boolean()) {
            cx.error(
                ProblemKind::InvalidValue,
                prop,
                format!("{prop} must be true or false"),
            );
        }
    }
    // (property, minimum, maximum)
    const INTEGERS: &[(&str, u64, u64)] = &[
        ("number_observed", 1, 999_999_999),
        ("count", 0, 999_999_999),
        ("number", 0, u64::MAX),
        ("src_port", 0, 65_535),
        ("dst_port", 0, 65_535),
    ];
    for &(prop, min, max) in INTEGERS {
        if let Some(v) = cx.obj.get(prop)
            && !v.as_u64().is_some_and(|n| (min..=max).contains(&n))
        {
            let msg = if max == u64::MAX {
                format!("{prop} must be an integer of at least {min}")
            } else {
                format!("{prop} must be an integer from {min} to {max}")
            };
            cx.error(ProblemKind::InvalidValue, prop, msg);
        }
    }
    for prop in ["object_refs", "protocols", "extension_types"] {
        if let Some(v) = cx.obj.get(prop)
            && !is_string_list(v)
        {
            cx.error(
                ProblemKind::InvalidValue,
                prop,
                format!("{prop} must be a non-empty list of strings"),
            );
        }
    }
}

pub(super) fn is_string_list(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
}
