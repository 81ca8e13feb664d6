//! The common properties of §3.2, per category: which ones an object may
//! carry, and which ones (defined for other categories) it must not.

use super::{Kind, Prop};
use crate::check::refs::Target;
use crate::objects::ObjectCategory;

const IDENTITY: Target = Target::Types(&["identity"]);
const MARKING: Target = Target::Types(&["marking-definition"]);

/// §3.2: SDOs and SROs.
static SDO_SRO: &[Prop] = &[
    ("type", Kind::Checked),
    ("spec_version", Kind::Checked),
    ("id", Kind::Checked),
    ("created_by_ref", Kind::Ref(IDENTITY)),
    ("created", Kind::Timestamp),
    ("modified", Kind::Timestamp),
    ("revoked", Kind::Bool),
    ("labels", Kind::StrList),
    ("confidence", Kind::Int { min: 0, max: 100 }),
    ("lang", Kind::LanguageTag),
    ("external_references", Kind::ExternalReferences),
    ("object_marking_refs", Kind::Refs(MARKING)),
    ("granular_markings", Kind::GranularMarkings),
    ("extensions", Kind::Extensions),
];

/// §3.2, §6: SCOs.
static SCO: &[Prop] = &[
    ("type", Kind::Checked),
    ("spec_version", Kind::Checked),
    ("id", Kind::Checked),
    ("object_marking_refs", Kind::Refs(MARKING)),
    ("granular_markings", Kind::GranularMarkings),
    ("defanged", Kind::Bool),
    ("extensions", Kind::Extensions),
];

/// §7.1 language content: the SDO common properties except `lang`.
static LANGUAGE_CONTENT: &[Prop] = &[
    ("type", Kind::Checked),
    ("spec_version", Kind::Checked),
    ("id", Kind::Checked),
    ("created_by_ref", Kind::Ref(IDENTITY)),
    ("created", Kind::Timestamp),
    ("modified", Kind::Timestamp),
    ("revoked", Kind::Bool),
    ("labels", Kind::StrList),
    ("confidence", Kind::Int { min: 0, max: 100 }),
    ("external_references", Kind::ExternalReferences),
    ("object_marking_refs", Kind::Refs(MARKING)),
    ("granular_markings", Kind::GranularMarkings),
    ("extensions", Kind::Extensions),
];

/// §7.2.1 marking definitions are never versioned: no `modified`,
/// `revoked`; no `labels`, `confidence`, `lang`.
static MARKING_DEFINITION: &[Prop] = &[
    ("type", Kind::Checked),
    ("spec_version", Kind::Checked),
    ("id", Kind::Checked),
    ("created_by_ref", Kind::Ref(IDENTITY)),
    ("created", Kind::Timestamp),
    ("external_references", Kind::ExternalReferences),
    ("object_marking_refs", Kind::Refs(MARKING)),
    ("granular_markings", Kind::GranularMarkings),
    ("extensions", Kind::Extensions),
];

/// §7.3 extension definitions: no `confidence`, `lang`, `extensions`.
static EXTENSION_DEFINITION: &[Prop] = &[
    ("type", Kind::Checked),
    ("spec_version", Kind::Checked),
    ("id", Kind::Checked),
    ("created_by_ref", Kind::Ref(IDENTITY)),
    ("created", Kind::Timestamp),
    ("modified", Kind::Timestamp),
    ("revoked", Kind::Bool),
    ("labels", Kind::StrList),
    ("external_references", Kind::ExternalReferences),
    ("object_marking_refs", Kind::Refs(MARKING)),
    ("granular_markings", Kind::GranularMarkings),
];

/// Custom objects (§11.2): whether one is an SDO or an SCO cannot be told
/// from its type, so it may carry any common property.
static CUSTOM: &[Prop] = &[
    ("type", Kind::Checked),
    ("spec_version", Kind::Checked),
    ("id", Kind::Checked),
    ("created_by_ref", Kind::Ref(IDENTITY)),
    ("created", Kind::Timestamp),
    ("modified", Kind::Timestamp),
    ("revoked", Kind::Bool),
    ("labels", Kind::StrList),
    ("confidence", Kind::Int { min: 0, max: 100 }),
    ("lang", Kind::LanguageTag),
    ("external_references", Kind::ExternalReferences),
    ("object_marking_refs", Kind::Refs(MARKING)),
    ("granular_markings", Kind::GranularMarkings),
    ("defanged", Kind::Bool),
    ("extensions", Kind::Extensions),
];

/// Every common property of §3.2: one the object's category does not list
/// is forbidden on it rather than a custom property.
const ALL_COMMON: &[&str] = &[
    "created_by_ref",
    "created",
    "modified",
    "revoked",
    "labels",
    "confidence",
    "lang",
    "external_references",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
];

/// The common-property table of an object, and the common properties it
/// must not carry. Custom objects may carry any of them.
pub(super) fn tables_for(
    category: ObjectCategory,
    object_type: &str,
) -> (&'static [Prop], Vec<&'static str>) {
    let table: &'static [Prop] = match (category, object_type) {
        (ObjectCategory::Sdo | ObjectCategory::Sro, _) => SDO_SRO,
        (ObjectCategory::Sco, _) => SCO,
        (_, "language-content") => LANGUAGE_CONTENT,
        (_, "marking-definition") => MARKING_DEFINITION,
        (_, "extension-definition") => EXTENSION_DEFINITION,
        _ => return (CUSTOM, Vec::new()),
    };
    let forbidden = ALL_COMMON
        .iter()
        .copied()
        .filter(|c| !table.iter().any(|(p, _)| p == c))
        .collect();
    (table, forbidden)
}
