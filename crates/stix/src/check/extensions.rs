//! The `extensions` dictionary (§3.2, §7.3): each key is an extension
//! definition id (`extension-definition--<uuid>`) whose value names its
//! `extension_type` (extension-type-enum, §10.5), or the name of a
//! predefined SCO extension (§6) checked against its table, or a custom
//! `-ext` name of the deprecated STIX 2.0 style (a warning). Anything else
//! is an error, as in the OASIS schemas.

use serde_json::Value;

use super::object::Cx;
use super::props::{self, Kind};
use super::vocab::EXTENSION_TYPE;
use super::{ProblemKind, props::check_value};
use crate::ids::Identifier;

/// Checks an extensions dictionary at `path`.
pub(super) fn check(cx: &mut Cx<'_>, path: &str, v: &Value) {
    let Some(m) = v.as_object() else {
        cx.error(
            ProblemKind::InvalidExtension,
            path,
            "extensions must be a dictionary (§3.2)",
        );
        return;
    };
    if m.is_empty() {
        cx.error(
            ProblemKind::InvalidExtension,
            path,
            "extensions must hold at least one extension (§3.2)",
        );
    }
    for (key, ext) in m {
        let at = format!("{path}.{key}");
        if key.starts_with("extension-definition--") {
            match Identifier::parse(key) {
                Ok(_) => check_defined(cx, &at, ext),
                Err(e) => cx.error(ProblemKind::InvalidExtension, &at, e.to_string()),
            }
        } else if let Some(table) = props::predefined_extension(cx.object_type, key) {
            check_value(cx, &at, &Kind::Object(table), ext, false);
        } else if is_custom_ext_name(key) {
            match ext.as_object() {
                Some(inner) if !inner.is_empty() => {
                    for (k, x) in inner {
                        props::check_custom(cx, &format!("{at}.{k}"), x, false);
                    }
                }
                _ => cx.error(
                    ProblemKind::InvalidExtension,
                    &at,
                    "an extension must be an object with at least one property",
                ),
            }
            cx.warning(
                ProblemKind::CustomProperty,
                Some(&at),
                format!(
                    "{key} is not a predefined extension of {}; custom -ext extensions are deprecated in favour of extension definitions (§7.3)",
                    cx.object_type
                ),
            );
        } else {
            cx.error(
                ProblemKind::InvalidExtension,
                &at,
                format!(
                    "extension key {key:?} must be an extension-definition id or a predefined extension name of {} (§3.2)",
                    cx.object_type
                ),
            );
        }
    }
}

/// An extension defined by an extension-definition: an object with
/// `extension_type`; its other property names follow §11.1.
fn check_defined(cx: &mut Cx<'_>, at: &str, ext: &Value) {
    let Some(inner) = ext.as_object() else {
        cx.error(
            ProblemKind::InvalidExtension,
            at,
            "an extension must be an object",
        );
        return;
    };
    match inner.get("extension_type") {
        Some(t) => check_value(
            cx,
            &format!("{at}.extension_type"),
            &Kind::Vocab(&EXTENSION_TYPE),
            t,
            false,
        ),
        None => cx.error(
            ProblemKind::InvalidExtension,
            &format!("{at}.extension_type"),
            "an extension requires extension_type (§7.3)",
        ),
    }
    for (k, x) in inner {
        if k != "extension_type" {
            props::check_custom(cx, &format!("{at}.{k}"), x, false);
        }
    }
}

/// The OASIS schema's form of a STIX 2.0-style extension name.
fn is_custom_ext_name(key: &str) -> bool {
    let Some(stem) = key.strip_suffix("-ext") else {
        return false;
    };
    !stem.is_empty()
        && stem.as_bytes()[0].is_ascii_lowercase()
        && !stem.ends_with('-')
        && !stem.contains("--")
        && stem
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}
