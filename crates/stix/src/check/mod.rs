//! Checking STIX 2.1 bundles and objects.
//!
//! [`check_bundle`] takes a JSON value that should be a bundle (§8) and
//! returns a [`Bundle`] or [`BundleErrors`] listing every problem found, not
//! just the first. Each object is checked for:
//!
//! - a well-formed `type` (§3) and an `id` of the form `<type>--<uuid>` whose
//!   prefix is that type (§2.9);
//! - `spec_version` `"2.1"`, required on SDOs, SROs and meta objects and
//!   optional on SCOs (§3);
//! - the common required properties (§3) and the required properties of
//!   each spec-defined type (§4–§7), including the conditional ones (location,
//!   malware, malware-analysis, observed-data, artifact, file,
//!   network-traffic, the SCOs that need at least one property, marking
//!   definitions);
//! - timestamps in the STIX form `YYYY-MM-DDTHH:mm:ss[.s+]Z` (§2.15), `created`
//!   and `modified` to the millisecond (§3), and their order (`modified >=
//!   created`, `last_seen >= first_seen`, `valid_until > valid_from`, ...);
//! - every `*_ref` property a well-formed identifier and every `*_refs` a
//!   non-empty list of them (§2.9, §3), of an allowed type where the spec
//!   says so (`created_by_ref` an identity, markings marking definitions, ...);
//! - every property against the declarative table of its type (`props/`):
//!   the form of each value (strings, integer ranges, booleans, non-empty
//!   lists, dictionaries, hashes, kill-chain phases, external references,
//!   binary, hex, nested objects such as MIME parts and the predefined SCO
//!   extensions), the target types of every `*_ref`/`*_refs`, closed
//!   enumerations (errors) and open vocabularies (warnings) of §10, common
//!   properties the category must not carry (`created` on an SCO), reserved
//!   and malformed property names (§3.1, §11.1);
//! - markings: granular-marking selectors that must select something,
//!   `lang` xor `marking_ref`, marking definitions that mark themselves, and
//!   the fixed TLP 1.0 and 2.0 definitions;
//! - extensions: extension-definition ids with an `extension_type`, or the
//!   predefined SCO extensions, checked against their tables;
//! - indicators with `pattern_type` "stix": the pattern must pass
//!   [`Pattern::validate`](crate::Pattern::validate), its error reported at
//!   the indicator's `pattern`;
//! - address forms (ipv4, ipv6, mac), UUIDv4 ids where §2.9 and §6.13 ask.
//!
//! Warnings do not make a bundle invalid: an SCO whose id is not its
//! deterministic id (§2.9), the same object version twice, a `spec_version`
//! on the bundle, an empty `objects` list, a value outside an open
//! vocabulary, a custom property without the `x_` prefix.
//!
//! Where this departs from stix2-validator 3.2.0 (always by following the
//! spec more closely) is listed, with the reasons, in the differential test
//! `tests/stix/validator_diff.rs`.
//!
//! Layout: the problem types in `problem.rs`, the per-object checks in
//! `object.rs`, the property tables and their checker in `props/`, the
//! vocabularies in `vocab.rs`, hashes in `hashes.rs`, extensions in
//! `extensions.rs`, markings in `markings.rs`, identifier syntax in
//! `refs.rs`, the conditional rules of each type in `rules.rs`.

mod extensions;
mod formats;
mod hashes;
mod markings;
mod object;
mod problem;
mod props;
mod refs;
mod rules;
mod vocab;

use std::collections::HashMap;

use serde_json::Value;

use crate::bundle::{Bundle, StixObject};
use crate::ids::Identifier;
use crate::timestamp::Timestamp;
use object::check_one;

pub use problem::{BundleErrors, Problem, ProblemKind};

/// The default limit on the number of objects in one bundle.
pub const DEFAULT_MAX_OBJECTS: usize = 100_000;

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

/// Parses JSON text and checks it as a bundle with default options.
pub fn parse_bundle(text: &str) -> Result<Bundle, BundleErrors> {
    parse_bundle_with(text, &CheckOptions::default())
}

/// Parses JSON text and checks it as a bundle.
pub fn parse_bundle_with(text: &str, options: &CheckOptions) -> Result<Bundle, BundleErrors> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        BundleErrors::single(ProblemKind::InvalidJson, None, format!("not JSON: {e}"))
    })?;
    check_bundle_owned(value, options)
}

/// Checks a JSON value as a STIX 2.1 bundle (§8) with default options.
pub fn check_bundle(value: &Value) -> Result<Bundle, BundleErrors> {
    check_bundle_with(value, &CheckOptions::default())
}

/// Checks a JSON value as a STIX 2.1 bundle (§8) and every object in it,
/// reporting all problems at once.
pub fn check_bundle_with(value: &Value, options: &CheckOptions) -> Result<Bundle, BundleErrors> {
    let (bundle_id, checked) = check_value(value, options)?;
    let objects = checked.iter().map(|(_, c)| c.to_object()).collect();
    Ok(Bundle::new(bundle_id, objects, checked.warnings))
}

/// As [`check_bundle_with`], taking the JSON by value: the checked objects
/// are moved into the bundle instead of copied, object by object (the
/// command line and [`parse_bundle`] use this).
pub fn check_bundle_owned(
    mut value: Value,
    options: &CheckOptions,
) -> Result<Bundle, BundleErrors> {
    let (bundle_id, checked) = check_value(&value, options)?;
    let keep: Vec<usize> = checked.iter().map(|(i, _)| *i).collect();
    let warnings = checked.warnings;
    let items = match value.get_mut("objects").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut keep = keep.into_iter().peekable();
    let mut objects = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        if keep.peek() != Some(&i) {
            continue;
        }
        keep.next();
        // check_value kept only objects with a string type and id.
        if let Value::Object(properties) = item {
            let object_type = properties
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = properties
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            objects.push(StixObject::new(object_type, id, properties));
        }
    }
    Ok(Bundle::new(bundle_id, objects, warnings))
}

/// The objects that passed, by their index in `objects`, and the warnings.
struct Passed<'v> {
    items: Vec<(usize, object::Checked<'v>)>,
    warnings: Vec<Problem>,
}

impl<'v> Passed<'v> {
    fn iter(&self) -> impl Iterator<Item = &(usize, object::Checked<'v>)> {
        self.items.iter()
    }
}

/// Checks the bundle and every object in it; the bundle id and the objects
/// that passed when there are no errors.
fn check_value<'v>(
    value: &'v Value,
    options: &CheckOptions,
) -> Result<(String, Passed<'v>), BundleErrors> {
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
    let items: &'v [Value] = match map.get("objects") {
        // §8: objects is optional; a bundle without it holds nothing.
        None => &[],
        Some(Value::Array(a)) if a.is_empty() => {
            // §8 says "one or more"; the OASIS validator accepts an empty list
            // and producers emit it, so it is only a warning.
            sink.warnings.push(Problem {
                kind: ProblemKind::EmptyList,
                object_index: None,
                object_id: None,
                property: Some("objects".into()),
                message: "objects is an empty list; leave it out for an empty bundle (§8)".into(),
            });
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
            &[]
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

    let mut passed = Vec::with_capacity(items.len());
    // (id, modified) of each object seen, to spot the same version twice.
    let mut seen: HashMap<(&str, Option<chrono::DateTime<chrono::Utc>>), usize> =
        HashMap::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if let Some(obj) = check_one(Some(index), item, &mut sink) {
            let modified = obj
                .properties
                .get("modified")
                .and_then(Value::as_str)
                .and_then(|m| Timestamp::parse(m).ok())
                .map(|t| t.instant());
            if let Some(first) = seen.insert((obj.id, modified), index) {
                sink.warnings.push(Problem {
                    kind: ProblemKind::DuplicateObject,
                    object_index: Some(index),
                    object_id: Some(obj.id.to_owned()),
                    property: None,
                    message: format!("the same object version already appears at objects[{first}]"),
                });
            }
            passed.push((index, obj));
        }
    }
    if sink.errors.is_empty() {
        Ok((
            bundle_id,
            Passed {
                items: passed,
                warnings: sink.warnings,
            },
        ))
    } else {
        Err(sink.into_errors())
    }
}

/// Checks one STIX object on its own (as found in a TAXII envelope). On
/// success returns the object and any warnings.
pub fn check_object(value: &Value) -> Result<(StixObject, Vec<Problem>), BundleErrors> {
    let mut sink = Sink::default();
    match check_one(None, value, &mut sink) {
        Some(obj) if sink.errors.is_empty() => Ok((obj.to_object(), sink.warnings)),
        _ => Err(sink.into_errors()),
    }
}

/// Like [`check_object`], but without copying the object out: for callers
/// that keep the JSON they passed in (the TAXII POST stores it as it came),
/// the copy would be thrown away. On success returns the warnings.
pub fn validate_object(value: &Value) -> Result<Vec<Problem>, BundleErrors> {
    let mut sink = Sink::default();
    match check_one(None, value, &mut sink) {
        Some(_) if sink.errors.is_empty() => Ok(sink.warnings),
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
