//! Identifier-valued properties (§2.9, §3) and the types they may point to.

use serde_json::Value;

use super::ProblemKind;
use super::object::Cx;
use crate::ids::Identifier;
use crate::objects::{self, ObjectCategory};

/// How deep the checker descends into nested properties looking for
/// references. JSON nested deeper is reported, not walked.
const MAX_DEPTH: usize = 64;

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
