//! The problems the checker reports.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of problem a [`Problem`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The text is not JSON.
    InvalidJson,
    /// The value is not a bundle (§8): not an object, wrong `type`, bad `id`,
    /// `objects` not a list, a STIX 2.0 bundle.
    NotABundle,
    /// The bundle holds more objects than allowed by [`CheckOptions`](super::CheckOptions).
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
    /// `type` is not a valid type name (§3).
    InvalidType,
    /// `id` is not `<type>--<RFC 4122 UUID>` (§2.9).
    InvalidId,
    /// The type named by `id` is not the object's `type` (§2.9).
    IdTypeMismatch,
    /// `spec_version` is missing where required or is not `"2.1"` (§3).
    InvalidSpecVersion,
    /// A timestamp is not `YYYY-MM-DDTHH:mm:ss[.s+]Z` (§2.15).
    InvalidTimestamp,
    /// `created` or `modified` is less precise than milliseconds (§3).
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
    /// A property name that §11.1 does not allow (length, characters) or a
    /// reserved name (§3.1).
    InvalidPropertyName,
    /// A common property the object's category must not carry (§3.2):
    /// `created` on an SCO, `defanged` on an SDO, `modified` on a marking
    /// definition, ...
    ForbiddenProperty,
    /// A hashes dictionary that is empty, not a dictionary, or holds a
    /// digest of the wrong length or alphabet for its algorithm (§2.7).
    InvalidHash,
    /// An indicator's STIX pattern does not parse or cannot match (§9).
    InvalidPattern,
    /// An `extensions` entry that is neither an extension definition id with
    /// a valid `extension_type` nor a predefined extension (§3.2, §7.3).
    InvalidExtension,
    /// A granular-marking selector that selects nothing (§7.2.3.1).
    InvalidSelector,
    /// A marking definition that marks itself (§7.2.1).
    InvalidMarking,
    /// Warning: the same object version (id and `modified`) appears twice.
    DuplicateObject,
    /// Warning: an SCO's id is not its deterministic id (§2.9).
    ScoIdMismatch,
    /// Warning: a property the 2.1 bundle does not define (`spec_version`).
    UnexpectedProperty,
    /// Warning: a list that should hold one or more items is empty
    /// (the bundle's `objects`).
    EmptyList,
    /// Warning: a property the spec does not define, without the `x_`
    /// prefix (§11.1), or a custom STIX 2.0-style `-ext` extension.
    CustomProperty,
    /// Warning: a value outside an open vocabulary (§10), or a hash
    /// algorithm outside hashing-algorithm-ov.
    VocabularyValue,
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
    pub(super) fn single(kind: ProblemKind, property: Option<&str>, message: String) -> Self {
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
