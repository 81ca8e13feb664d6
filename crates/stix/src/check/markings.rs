//! Data markings (§7.2): granular markings and their selectors (§7.2.3),
//! and marking definitions that mark themselves.
//!
//! A selector is a path of property names and list indices (`[0]`)
//! separated by dots (`external_references.[0].source_name`); it must
//! select something that exists in the object, as stix2-validator checks.

use serde_json::{Map, Value};

use super::ProblemKind;
use super::object::Cx;
use super::props::{Kind, check_value, is_string_list};
use crate::ids::Identifier;

/// Checks the granular_markings list at `path`.
pub(super) fn check_granular(cx: &mut Cx<'_>, path: &str, v: &Value) {
    let Some(list) = v.as_array().filter(|l| !l.is_empty()) else {
        cx.error(
            ProblemKind::InvalidValue,
            path,
            "granular_markings must be a non-empty list",
        );
        return;
    };
    let obj = cx.obj;
    let self_id = cx.id.clone();
    for (i, g) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let has_ref = g.get("marking_ref").is_some();
        let has_lang = g.get("lang").is_some();
        if has_ref == has_lang {
            cx.error(
                ProblemKind::ConflictingProperties,
                &at,
                "a granular marking needs exactly one of marking_ref and lang (§7.2.3)",
            );
        }
        if let Some(r) = g.get("marking_ref").and_then(Value::as_str)
            && let Ok(id) = Identifier::parse(r)
        {
            if id.object_type() != "marking-definition" {
                cx.error(
                    ProblemKind::ReferenceTargetType,
                    &format!("{at}.marking_ref"),
                    format!(
                        "{at}.marking_ref must refer to marking-definition, not to a {}",
                        id.object_type()
                    ),
                );
            } else if self_id.as_deref() == Some(r) {
                cx.error(
                    ProblemKind::InvalidMarking,
                    &format!("{at}.marking_ref"),
                    "a marking definition must not mark itself (§7.2.1)",
                );
            }
        }
        if let Some(lang) = g.get("lang") {
            check_value(cx, &format!("{at}.lang"), &Kind::LanguageTag, lang, false);
        }
        let Some(selectors) = g.get("selectors").filter(|s| is_string_list(s)) else {
            cx.error(
                ProblemKind::MissingProperty,
                &format!("{at}.selectors"),
                "a granular marking requires a non-empty list of selectors (§7.2.3)",
            );
            continue;
        };
        for s in selectors
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if let Err(why) = resolve(obj, s) {
                cx.error(
                    ProblemKind::InvalidSelector,
                    &format!("{at}.selectors"),
                    format!("selector {s:?} selects nothing in this object: {why} (§7.2.3.1)"),
                );
            }
        }
    }
}

/// Follows a selector through the object.
fn resolve(obj: &Map<String, Value>, selector: &str) -> Result<(), String> {
    let mut here: Option<&Value> = None;
    for (n, segment) in selector.split('.').enumerate() {
        let index = segment
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| format!("{segment} is not a list index"))
            });
        let next = match (n, index) {
            (0, Some(_)) => return Err("a selector starts with a property name".into()),
            (0, None) => obj.get(segment),
            (_, Some(i)) => {
                let i = i?;
                match here {
                    Some(Value::Array(a)) => a.get(i),
                    _ => return Err(format!("[{i}] indexes something that is not a list")),
                }
            }
            (_, None) => match here {
                Some(Value::Object(m)) => m.get(segment),
                _ => {
                    return Err(format!(
                        "{segment} is looked up in something that is not an object"
                    ));
                }
            },
        };
        match next {
            Some(v) => here = Some(v),
            None => return Err(format!("{segment} does not exist")),
        }
    }
    Ok(())
}

/// §7.2.1: a marking definition must not list itself in its own
/// object_marking_refs.
pub(super) fn check_self_marking(cx: &mut Cx<'_>) {
    if cx.object_type != "marking-definition" {
        return;
    }
    let Some(id) = cx.id.clone() else { return };
    let marks_itself = cx
        .obj
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|r| r.as_str() == Some(&id)));
    if marks_itself {
        cx.error(
            ProblemKind::InvalidMarking,
            "object_marking_refs",
            "a marking definition must not mark itself (§7.2.1)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use serde_json::json;

    #[test]
    fn selectors() {
        let o = json!({"description": "d", "external_references": [{"source_name": "x"}],
                       "extensions": {"a-ext": {"k": 1}}});
        let m = o.as_object().unwrap();
        assert!(resolve(m, "description").is_ok());
        assert!(resolve(m, "external_references.[0].source_name").is_ok());
        assert!(resolve(m, "extensions.a-ext.k").is_ok());
        assert!(resolve(m, "external_references.[1]").is_err());
        assert!(resolve(m, "name").is_err());
        assert!(resolve(m, "description.[0]").is_err());
        assert!(resolve(m, "[0]").is_err());
    }
}
