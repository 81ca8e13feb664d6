//! Checks of one object: type, id, spec_version, common and required
//! properties, timestamps and common property values (§2.9, §2.15, §3).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Problem, ProblemKind, Sink, markings, props, refs, rules};
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

    pub(super) fn warning(&mut self, kind: ProblemKind, property: Option<&str>, message: String) {
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

/// What the checker learnt of an object with a usable type and id.
pub(super) struct Checked<'v> {
    pub(super) object_type: &'v str,
    pub(super) id: &'v str,
    pub(super) properties: &'v Map<String, Value>,
}

impl Checked<'_> {
    /// The object, copied out of the JSON it was checked in.
    pub(super) fn to_object(&self) -> StixObject {
        StixObject::new(
            self.object_type.to_owned(),
            self.id.to_owned(),
            self.properties.clone(),
        )
    }
}

/// Checks one object; returns its type and id when they are usable (even if
/// other problems were found, which are in the sink).
pub(super) fn check_one<'v>(
    index: Option<usize>,
    value: &'v Value,
    sink: &mut Sink,
) -> Option<Checked<'v>> {
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
    props::check_properties(&mut cx);
    markings::check_self_marking(&mut cx);
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
        Some(id) if usable => Some(Checked {
            object_type,
            id,
            properties: obj,
        }),
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
        // Common timestamps the category must not carry are reported once,
        // as forbidden, by the property tables.
        let forbidden = match prop {
            "created" => cx.category == ObjectCategory::Sco,
            "modified" => {
                cx.category == ObjectCategory::Sco || cx.object_type == "marking-definition"
            }
            _ => false,
        };
        if forbidden {
            continue;
        }
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
