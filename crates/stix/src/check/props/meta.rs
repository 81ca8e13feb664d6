//! The properties of the STIX Meta Objects (§7), beyond the common ones.

use super::{Kind, Prop};
use crate::check::refs::Target;
use crate::check::vocab::EXTENSION_TYPE;

// §7.1: `contents` maps language tags to dictionaries of translated
// properties; its keys are checked in rules.rs.
static LANGUAGE_CONTENT: &[Prop] = &[
    ("object_ref", Kind::Ref(Target::Any)),
    ("object_modified", Kind::Timestamp),
    ("contents", Kind::Checked),
];
// §7.2.1: definition is checked with definition_type in rules.rs.
static MARKING_DEFINITION: &[Prop] = &[
    ("name", Kind::Str),
    ("definition_type", Kind::Str),
    ("definition", Kind::Checked),
];
// §7.3
static EXTENSION_DEFINITION: &[Prop] = &[
    ("name", Kind::Str),
    ("description", Kind::Str),
    ("schema", Kind::Str),
    ("version", Kind::Str),
    ("extension_types", Kind::VocabList(&EXTENSION_TYPE)),
    ("extension_properties", Kind::StrList),
];

pub(super) fn table_of(object_type: &str) -> Option<&'static [Prop]> {
    Some(match object_type {
        "language-content" => LANGUAGE_CONTENT,
        "marking-definition" => MARKING_DEFINITION,
        "extension-definition" => EXTENSION_DEFINITION,
        _ => return None,
    })
}
