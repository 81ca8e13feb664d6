//! Identifier-valued properties (§2.9, §3): every `*_ref` an identifier,
//! every `*_refs` a non-empty list of them, at any depth; and the
//! [`Target`] kinds the property tables use for the types they may point to.

use serde_json::Value;

use super::ProblemKind;
use super::object::Cx;
use crate::ids::Identifier;
use crate::objects::{self, ObjectCategory};

/// How deep the checker descends into nested properties looking for
/// references. JSON nested deeper is reported, not walked.
const MAX_DEPTH: usize = 64;

/// What an identifier-valued property may point to. The property tables
/// (`props/`) name a target for every spec-defined reference property;
/// this module checks only the identifier syntax.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    /// Exactly these types.
    Types(&'static [&'static str]),
    /// Any object.
    Any,
    /// Any SDO or custom type (sighting_of_ref, §5.2).
    SdoOrCustom,
    /// Any SCO or custom type (malware-analysis analysis_sco_refs, §4.12).
    ScoOrCustom,
    /// Any SDO, SCO or custom type: not an SRO or meta object
    /// (relationship source_ref/target_ref, §5.1).
    SdoScoOrCustom,
    /// SCOs, SROs or custom types (observed-data object_refs, §4.14).
    ScoSroOrCustom,
}

impl Target {
    pub(super) fn allows(self, t: &str) -> bool {
        let c = objects::category_of(t);
        match self {
            Target::Types(list) => list.contains(&t),
            Target::Any => true,
            Target::SdoOrCustom => matches!(c, ObjectCategory::Sdo | ObjectCategory::Custom),
            Target::ScoOrCustom => matches!(c, ObjectCategory::Sco | ObjectCategory::Custom),
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

    pub(super) fn describe(self) -> String {
        match self {
            Target::Types(list) => list.join(" or "),
            Target::Any => "any object".into(),
            Target::SdoOrCustom => "an SDO".into(),
            Target::ScoOrCustom => "an SCO".into(),
            Target::SdoScoOrCustom => "an SDO or SCO".into(),
            Target::ScoSroOrCustom => "an SCO or SRO".into(),
        }
    }
}

/// §2.9, §3: every property whose name ends in `_ref` holds an identifier,
/// every one ending in `_refs` a non-empty list of identifiers, at any depth.
/// The deprecated `objects` of observed-data (whose references are local
/// keys) and the translations in language-content `contents` are skipped.
pub(super) fn check_references(cx: &mut Cx<'_>) {
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
        }
    }
}

enum RefProblem {
    Malformed(String),
    TooDeep,
}

fn walk_refs(key: &str, path: &str, v: &Value, depth: usize, out: &mut Vec<(String, RefProblem)>) {
    if depth > MAX_DEPTH {
        out.push((path.to_owned(), RefProblem::TooDeep));
        return;
    }
    let check_one =
        |path: &str, item: &Value, out: &mut Vec<(String, RefProblem)>| match item.as_str() {
            Some(s) => match Identifier::parse(s) {
                // Target types are checked by the property tables (props/).
                Ok(_) => {}
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
