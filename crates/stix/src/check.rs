//! Checking STIX 2.1 bundles and objects.
//!
//! [`check_bundle`] takes a JSON value that should be a bundle (§8) and
//! returns a [`Bundle`] or [`BundleErrors`] listing every problem found, not
//! just the first. Each object is checked for:
//!
//! - a well-formed `type` (§3.1) and an `id` of the form `<type>--<uuid>` whose
//!   prefix is that type (§2.9);
//! - `spec_version` `"2.1"`, required on SDOs, SROs and meta objects and
//!   optional on SCOs (§3.1);
//! - the common required properties (§3.1) and the required properties of
//!   each spec-defined type (§4–§7), including the conditional ones (location,
//!   malware, malware-analysis, observed-data, artifact, file,
//!   network-traffic, the SCOs that need at least one property, marking
//!   definitions);
//! - timestamps in the STIX form `YYYY-MM-DDTHH:mm:ss[.s+]Z` (§2.14), `created`
//!   and `modified` to the millisecond (§3.2), and their order (`modified >=
//!   created`, `last_seen >= first_seen`, `valid_until > valid_from`, ...);
//! - every `*_ref` property a well-formed identifier and every `*_refs` a
//!   non-empty list of them (§2.9, §3.1), of an allowed type where the spec
//!   says so (`created_by_ref` an identity, markings marking definitions, ...).
//!
//! Warnings do not make a bundle invalid: an SCO whose id is not its
//! deterministic id (§2.9), the same object version twice, a `spec_version`
//! on the bundle.
//!
//! Not checked yet: pattern syntax, open and closed vocabularies beyond
//! `opinion`, property names, hashes, and the types of optional properties.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::bundle::{Bundle, StixObject};
use crate::ids::{self, Identifier};
use crate::objects::{self, ObjectCategory};
use crate::timestamp::Timestamp;
use crate::tlp;

/// The default limit on the number of objects in one bundle.
pub const DEFAULT_MAX_OBJECTS: usize = 100_000;

/// How deep the checker descends into nested properties looking for
/// references. JSON nested deeper is reported, not walked.
const MAX_DEPTH: usize = 64;

/// Options for [`check_bundle_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckOptions {
    /// A bundle with more objects than this is refused as a whole, without
    /// checking its objects. Default [`DEFAULT_MAX_OBJECTS`].
    pub max_objects: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            max_objects: DEFAULT_MAX_OBJECTS,
        }
    }
}

impl CheckOptions {
    /// These options with another object limit.
    pub fn with_max_objects(mut self, max_objects: usize) -> Self {
        self.max_objects = max_objects;
        self
    }
}

/// What kind of problem a [`Problem`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The text is not JSON.
    InvalidJson,
    /// The value is not a bundle (§8): not an object, wrong `type`, bad `id`,
    /// `objects` not a non-empty list, a STIX 2.0 bundle.
    NotABundle,
    /// The bundle holds more objects than allowed by [`CheckOptions`].
    TooManyObjects,
    /// An element of `objects` is not a JSON object.
    NotAnObject,
    /// A required property is absent (including conditional requirements
    /// such as "region, country, or latitude and longitude").
    MissingProperty,
    /// A property has a value of the wrong JSON type, out of range, or not in
    /// its closed vocabulary.
    InvalidValue,
    /// Properties that must not appear together, or a property not allowed here.
    ConflictingProperties,
    /// `type` is not a valid type name (§3.1).
    InvalidType,
    /// `id` is not `<type>--<RFC 4122 UUID>` (§2.9).
    InvalidId,
    /// The type named by `id` is not the object's `type` (§2.9).
    IdTypeMismatch,
    /// `spec_version` is missing where required or is not `"2.1"` (§3.1).
    InvalidSpecVersion,
    /// A timestamp is not `YYYY-MM-DDTHH:mm:ss[.s+]Z` (§2.14).
    InvalidTimestamp,
    /// `created` or `modified` is less precise than milliseconds (§3.2).
    TimestampPrecision,
    /// Two timestamps are in the wrong order (e.g. `modified` before `created`).
    TimestampOrder,
    /// A `*_ref` / `*_refs` value is not a well-formed identifier (§2.9).
    InvalidReference,
    /// A reference points to a type the property does not allow.
    ReferenceTargetType,
    /// A marking definition claims to be a TLP marking but does not match
    /// the fixed TLP definitions (§7.2.1.4, TLP 2.0 extension).
    InvalidTlpMarking,
    /// Warning: the same object version (id and `modified`) appears twice.
    DuplicateObject,
    /// Warning: an SCO's id is not its deterministic id (§2.9).
    ScoIdMismatch,
    /// Warning: a property the 2.1 bundle does not define (`spec_version`).
    UnexpectedProperty,
}

/// One problem found in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What kind of problem this is.
    pub kind: ProblemKind,
    /// The index in the bundle's `objects` list, if the problem is in an object.
    pub object_index: Option<usize>,
    /// The object's `id`, if it had a string one.
    pub object_id: Option<String>,
    /// The property at fault, as a path (`granular_markings[0].marking_ref`).
    pub property: Option<String>,
    /// A sentence for a person.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.object_index, &self.object_id) {
            (Some(i), Some(id)) => write!(f, "objects[{i}] ({id})")?,
            (Some(i), None) => write!(f, "objects[{i}]")?,
            (None, Some(id)) => write!(f, "{id}")?,
            (None, None) => write!(f, "bundle")?,
        }
        if let Some(p) = &self.property {
            write!(f, " {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem that made a bundle (or object) invalid, and the warnings
/// found along the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", render(.errors, .warnings))]
pub struct BundleErrors {
    /// The problems that make the input invalid; never empty.
    pub errors: Vec<Problem>,
    /// Problems that do not make it invalid.
    pub warnings: Vec<Problem>,
}

fn render(errors: &[Problem], warnings: &[Problem]) -> String {
    use std::fmt::Write as _;
    let mut s = format!(
        "invalid STIX 2.1 content: {} error{}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    if !warnings.is_empty() {
        let _ = write!(
            s,
            ", {} warning{}",
            warnings.len(),
            if warnings.len() == 1 { "" } else { "s" }
        );
    }
    for e in errors {
        let _ = write!(s, "\n  error: {e}");
    }
    for w in warnings {
        let _ = write!(s, "\n  warning: {w}");
    }
    s
}

impl BundleErrors {
    fn single(kind: ProblemKind, property: Option<&str>, message: String) -> Self {
        BundleErrors {
            errors: vec![Problem {
                kind,
                object_index: None,
                object_id: None,
                property: property.map(str::to_owned),
                message,
            }],
            warnings: Vec::new(),
        }
    }

    /// Whether any error is of this kind.
    pub fn has(&self, kind: ProblemKind) -> bool {
        self.errors.iter().any(|p| p.kind == kind)
    }
}

/// Parses JSON text and checks it as a bundle with default options.
pub fn parse_bundle(text: &str) -> Result<Bundle, BundleErrors> {
    parse_bundle_with(text, &CheckOptions::default())
}

/// Parses JSON text and checks it as a bundle.
pub fn parse_bundle_with(text: &str, options: &CheckOptions) -> Result<Bundle, BundleErrors> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        BundleErrors::single(ProblemKind::InvalidJson, None, format!("not JSON: {e}"))
    })?;
    check_bundle_with(&value, options)
}

/// Checks a JSON value as a STIX 2.1 bundle (§8) with default options.
pub fn check_bundle(value: &Value) -> Result<Bundle, BundleErrors> {
    check_bundle_with(value, &CheckOptions::default())
}

/// Checks a JSON value as a STIX 2.1 bundle (§8) and every object in it,
/// reporting all problems at once.
pub fn check_bundle_with(value: &Value, options: &CheckOptions) -> Result<Bundle, BundleErrors> {
    let Some(map) = value.as_object() else {
        return Err(BundleErrors::single(
            ProblemKind::NotABundle,
            None,
            "a bundle must be a JSON object".into(),
        ));
    };
    let mut sink = Sink::default();
    let bundle_problem = |sink: &mut Sink, kind, property: &str, message: String| {
        sink.errors.push(Problem {
            kind,
            object_index: None,
            object_id: None,
            property: Some(property.to_owned()),
            message,
        });
    };

    match map.get("type") {
        Some(Value::String(t)) if t == "bundle" => {}
        Some(Value::String(t)) => bundle_problem(
            &mut sink,
            ProblemKind::NotABundle,
            "type",
            format!("type must be \"bundle\", not {t:?}"),
        ),
        Some(_) => bundle_problem(
            &mut sink,
            ProblemKind::NotABundle,
            "type",
            "type must be the string \"bundle\"".into(),
        ),
        None => bundle_problem(
            &mut sink,
            ProblemKind::NotABundle,
            "type",
            "a bundle needs type \"bundle\"".into(),
        ),
    }
    let mut bundle_id = String::new();
    match map.get("id") {
        Some(Value::String(id)) => match Identifier::parse(id) {
            Ok(parsed) if parsed.object_type() == "bundle" => bundle_id.clone_from(id),
            Ok(_) => bundle_problem(
                &mut sink,
                ProblemKind::NotABundle,
                "id",
                format!("bundle id {id:?} must start with \"bundle--\""),
            ),
            Err(e) => bundle_problem(&mut sink, ProblemKind::NotABundle, "id", e.to_string()),
        },
        Some(_) => bundle_problem(
            &mut sink,
            ProblemKind::NotABundle,
            "id",
            "bundle id must be a string".into(),
        ),
        None => bundle_problem(
            &mut sink,
            ProblemKind::NotABundle,
            "id",
            "a bundle needs an id \"bundle--<uuid>\"".into(),
        ),
    }
    // §8: a 2.1 bundle has type, id and objects only. STIX 2.0 bundles carried
    // spec_version "2.0"; their objects are 2.0 objects.
    match map.get("spec_version") {
        None => {}
        Some(Value::String(v)) if v == "2.0" => bundle_problem(
            &mut sink,
            ProblemKind::NotABundle,
            "spec_version",
            "this is a STIX 2.0 bundle; only STIX 2.1 is accepted".into(),
        ),
        Some(_) => sink.warnings.push(Problem {
            kind: ProblemKind::UnexpectedProperty,
            object_index: None,
            object_id: None,
            property: Some("spec_version".into()),
            message: "a STIX 2.1 bundle has no spec_version (§8); ignored".into(),
        }),
    }
    let empty = Vec::new();
    let items = match map.get("objects") {
        // §8: objects is optional; a bundle without it holds nothing.
        None => &empty,
        Some(Value::Array(a)) if a.is_empty() => {
            bundle_problem(
                &mut sink,
                ProblemKind::NotABundle,
                "objects",
                "objects, when present, must hold at least one object".into(),
            );
            a
        }
        Some(Value::Array(a)) => a,
        Some(_) => {
            bundle_problem(
                &mut sink,
                ProblemKind::NotABundle,
                "objects",
                "objects must be a list".into(),
            );
            &empty
        }
    };
    if items.len() > options.max_objects {
        bundle_problem(
            &mut sink,
            ProblemKind::TooManyObjects,
            "objects",
            format!(
                "the bundle holds {} objects, more than the limit of {}",
                items.len(),
                options.max_objects
            ),
        );
        return Err(sink.into_errors());
    }

    let mut objects = Vec::with_capacity(items.len());
    // (id, modified) of each object seen, to spot the same version twice.
    let mut seen: HashMap<(String, Option<chrono::DateTime<chrono::Utc>>), usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        if let Some(obj) = check_one(Some(index), item, &mut sink) {
            let modified = obj
                .get("modified")
                .and_then(Value::as_str)
                .and_then(|m| Timestamp::parse(m).ok())
                .map(|t| t.instant());
            if let Some(first) = seen.insert((obj.id().to_owned(), modified), index) {
                sink.warnings.push(Problem {
                    kind: ProblemKind::DuplicateObject,
                    object_index: Some(index),
                    object_id: Some(obj.id().to_owned()),
                    property: None,
                    message: format!("the same object version already appears at objects[{first}]"),
                });
            }
            objects.push(obj);
        }
    }
    if sink.errors.is_empty() {
        Ok(Bundle::new(bundle_id, objects, sink.warnings))
    } else {
        Err(sink.into_errors())
    }
}

/// Checks one STIX object on its own (as found in a TAXII envelope). On
/// success returns the object and any warnings.
pub fn check_object(value: &Value) -> Result<(StixObject, Vec<Problem>), BundleErrors> {
    let mut sink = Sink::default();
    match check_one(None, value, &mut sink) {
        Some(obj) if sink.errors.is_empty() => Ok((obj, sink.warnings)),
        _ => Err(sink.into_errors()),
    }
}

#[derive(Default)]
struct Sink {
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Sink {
    fn into_errors(self) -> BundleErrors {
        BundleErrors {
            errors: self.errors,
            warnings: self.warnings,
        }
    }
}

/// The context of one object being checked.
struct Cx<'a> {
    index: Option<usize>,
    id: Option<String>,
    sink: &'a mut Sink,
    obj: &'a Map<String, Value>,
    object_type: &'a str,
    category: ObjectCategory,
    timestamps: HashMap<&'static str, Timestamp>,
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

    fn error(&mut self, kind: ProblemKind, property: &str, message: impl Into<String>) {
        let p = self.problem(kind, Some(property), message.into());
        self.sink.errors.push(p);
    }

    fn warning(&mut self, kind: ProblemKind, property: Option<&str>, message: String) {
        let p = self.problem(kind, property, message);
        self.sink.warnings.push(p);
    }

    fn has(&self, prop: &str) -> bool {
        self.obj.get(prop).is_some_and(|v| !v.is_null())
    }

    fn require(&mut self, prop: &str) {
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
fn check_one(index: Option<usize>, value: &Value, sink: &mut Sink) -> Option<StixObject> {
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

    // §3.1 type.
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
    check_references(&mut cx);
    check_type_specific(&mut cx);

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

/// §3.1 spec_version: required ("2.1") on SDOs, SROs and meta objects;
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

/// §3.1 common properties: `created` and `modified` are required on SDOs and
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

/// §2.14 timestamps, §3.2 precision of created/modified, and the order rules
/// of §3.2, §4.2, §4.6, §4.14, §5.1, §5.2 and §6.12.
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
                        format!("{prop} {s:?} must be precise to at least the millisecond (§3.2)"),
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

/// Values of common properties (§3.1) and of some type properties whose JSON
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
                            "an external reference requires source_name (§2.5)",
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

fn is_string_list(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
}

/// What an identifier-valued property may point to.
#[derive(Clone, Copy)]
enum Target {
    /// Exactly these types.
    Types(&'static [&'static str]),
    /// Any SDO or custom type (sighting_of_ref, §5.2).
    SdoOrCustom,
    /// Any SDO, SCO or custom type: not an SRO or meta object
    /// (relationship source_ref/target_ref, §5.1).
    SdoScoOrCustom,
    /// SCOs, SROs or custom types (observed-data object_refs, §4.14).
    ScoSroOrCustom,
}

impl Target {
    fn allows(self, t: &str) -> bool {
        let c = objects::category_of(t);
        match self {
            Target::Types(list) => list.contains(&t),
            Target::SdoOrCustom => matches!(c, ObjectCategory::Sdo | ObjectCategory::Custom),
            Target::SdoScoOrCustom => matches!(
                c,
                ObjectCategory::Sdo | ObjectCategory::Sco | ObjectCategory::Custom
            ),
            Target::ScoSroOrCustom => matches!(
                c,
                ObjectCategory::Sco | ObjectCategory::Sro | ObjectCategory::Custom
            ),
        }
    }

    fn describe(self) -> String {
        match self {
            Target::Types(list) => list.join(" or "),
            Target::SdoOrCustom => "an SDO".into(),
            Target::SdoScoOrCustom => "an SDO or SCO".into(),
            Target::ScoSroOrCustom => "an SCO or SRO".into(),
        }
    }
}

const IDENTITY: &[&str] = &["identity"];
const MARKING: &[&str] = &["marking-definition"];
const EMAIL_ADDR: &[&str] = &["email-addr"];
const NET_ENDPOINT: &[&str] = &["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"];

/// The allowed targets of a reference property, where the spec restricts them.
/// `object_type` `None` means any object.
fn reference_rule(object_type: &str, path: &str) -> Option<Target> {
    let rule = match (object_type, path) {
        (_, "created_by_ref") => Target::Types(IDENTITY),
        (_, "object_marking_refs") => Target::Types(MARKING),
        (_, p) if p.starts_with("granular_markings[") && p.ends_with("].marking_ref") => {
            Target::Types(MARKING)
        }
        ("sighting", "sighting_of_ref") => Target::SdoOrCustom,
        ("sighting", "observed_data_refs") => Target::Types(&["observed-data"]),
        ("sighting", "where_sighted_refs") => Target::Types(&["identity", "location"]),
        ("relationship", "source_ref" | "target_ref") => Target::SdoScoOrCustom,
        ("observed-data", "object_refs") => Target::ScoSroOrCustom,
        ("network-traffic", "src_ref" | "dst_ref") => Target::Types(NET_ENDPOINT),
        ("email-message", "from_ref" | "sender_ref" | "to_refs" | "cc_refs" | "bcc_refs") => {
            Target::Types(EMAIL_ADDR)
        }
        ("file", "parent_directory_ref") => Target::Types(&["directory"]),
        ("ipv4-addr" | "ipv6-addr", "resolves_to_refs") => Target::Types(&["mac-addr"]),
        ("ipv4-addr" | "ipv6-addr", "belongs_to_refs") => Target::Types(&["autonomous-system"]),
        ("domain-name", "resolves_to_refs") => {
            Target::Types(&["ipv4-addr", "ipv6-addr", "domain-name"])
        }
        _ => return None,
    };
    Some(rule)
}

/// §2.9, §3.1: every property whose name ends in `_ref` holds an identifier,
/// every one ending in `_refs` a non-empty list of identifiers, at any depth.
/// The deprecated `objects` of observed-data (whose references are local
/// keys) and the translations in language-content `contents` are skipped.
fn check_references(cx: &mut Cx<'_>) {
    let obj = cx.obj;
    let mut found: Vec<(String, RefProblem)> = Vec::new();
    for (k, v) in obj {
        if (cx.object_type == "observed-data" && k == "objects")
            || (cx.object_type == "language-content" && k == "contents")
        {
            continue;
        }
        walk_refs(k, k, v, 0, &mut found);
    }
    for (path, problem) in found {
        match problem {
            RefProblem::Malformed(msg) => cx.error(ProblemKind::InvalidReference, &path, msg),
            RefProblem::TooDeep => cx.error(
                ProblemKind::InvalidValue,
                &path,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ),
            RefProblem::Target(target_type) => {
                if let Some(rule) = reference_rule(cx.object_type, &path)
                    && !rule.allows(&target_type)
                {
                    cx.error(
                        ProblemKind::ReferenceTargetType,
                        &path,
                        format!(
                            "{path} must refer to {}, not to a {target_type}",
                            rule.describe()
                        ),
                    );
                }
            }
        }
    }
}

enum RefProblem {
    Malformed(String),
    TooDeep,
    /// A well-formed reference to an object of this type (for the type rules).
    Target(String),
}

fn walk_refs(key: &str, path: &str, v: &Value, depth: usize, out: &mut Vec<(String, RefProblem)>) {
    if depth > MAX_DEPTH {
        out.push((path.to_owned(), RefProblem::TooDeep));
        return;
    }
    let check_one =
        |path: &str, item: &Value, out: &mut Vec<(String, RefProblem)>| match item.as_str() {
            Some(s) => match Identifier::parse(s) {
                Ok(id) => out.push((
                    path.to_owned(),
                    RefProblem::Target(id.object_type().to_owned()),
                )),
                Err(e) => out.push((path.to_owned(), RefProblem::Malformed(e.to_string()))),
            },
            None => out.push((
                path.to_owned(),
                RefProblem::Malformed(format!("{key} must be an identifier string")),
            )),
        };
    if key.ends_with("_ref") {
        check_one(path, v, out);
        return;
    }
    if key.ends_with("_refs") {
        match v.as_array() {
            Some(list) if !list.is_empty() => {
                for item in list {
                    check_one(path, item, out);
                }
            }
            _ => out.push((
                path.to_owned(),
                RefProblem::Malformed(format!("{key} must be a non-empty list of identifiers")),
            )),
        }
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                walk_refs(k, &format!("{path}.{k}"), child, depth + 1, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                walk_refs(key, &format!("{path}[{i}]"), child, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// The conditional and type-specific rules of §4–§7.
fn check_type_specific(cx: &mut Cx<'_>) {
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
        "opinion" => {
            const OPINIONS: &[&str] = &[
                "strongly-disagree",
                "disagree",
                "neutral",
                "agree",
                "strongly-agree",
            ];
            if let Some(o) = cx.obj.get("opinion").and_then(Value::as_str)
                && !OPINIONS.contains(&o) {
                    cx.error(
                        ProblemKind::InvalidValue,
                        "opinion",
                        format!("opinion must be one of {} (§10.8)", OPINIONS.join(", ")),
                    );
                }
        }
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
            // §6.13, §6.17, §6.18, §6.19: at least one property of the type.
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
        "language-content"
            if cx.obj.get("contents").is_some_and(|c| !c.is_object()) => {
                cx.error(
                    ProblemKind::InvalidValue,
                    "contents",
                    "contents must be a dictionary of language tags",
                );
            }
        "extension-definition" => {
            const KINDS: &[&str] = &[
                "new-sdo",
                "new-sco",
                "new-sro",
                "property-extension",
                "toplevel-property-extension",
            ];
            if let Some(list) = cx.obj.get("extension_types").and_then(Value::as_array)
                && list
                    .iter()
                    .any(|k| !k.as_str().is_some_and(|k| KINDS.contains(&k)))
                {
                    cx.error(
                        ProblemKind::InvalidValue,
                        "extension_types",
                        format!("extension_types must be among {} (§7.3)", KINDS.join(", ")),
                    );
                }
        }
        _ => {}
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
    for (prop, v, limit) in [("latitude", lat, 90.0), ("longitude", lon, 180.0)] {
        if let Some(v) = v
            && !v.as_f64().is_some_and(|x| (-limit..=limit).contains(&x))
        {
            cx.error(
                ProblemKind::InvalidValue,
                prop,
                format!("{prop} must be a number from -{limit} to {limit}"),
            );
        }
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
