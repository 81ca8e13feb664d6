//! The registry of STIX 2.1 object types: which category each spec-defined
//! type belongs to, its required properties, its timestamp-valued
//! properties and, for cyber-observables, its ID contributing properties.
//!
//! Sections: SDOs §4, SROs §5, SCOs §6, meta objects §7 (language content
//! §7.1, marking definitions §7.2, extension definitions §7.3). Types not
//! listed here are custom types (§11), allowed if well-formed.

/// The kind of a STIX object (the chapters named on each variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectCategory {
    /// A STIX Domain Object (§4).
    Sdo,
    /// A STIX Relationship Object: `relationship` or `sighting` (§5).
    Sro,
    /// A STIX Cyber-observable Object (§6).
    Sco,
    /// A STIX Meta Object: language content, marking definition or
    /// extension definition (§7).
    Meta,
    /// A type not defined by the spec (§11). Whether it is a custom SDO or a
    /// custom SCO cannot be told from the type alone.
    Custom,
}

/// How a spec-defined type is described in the registry.
#[derive(Debug)]
pub(crate) struct TypeSpec {
    pub(crate) name: &'static str,
    pub(crate) category: ObjectCategory,
    /// Type-specific required properties, beyond the common ones of the category.
    pub(crate) required: &'static [&'static str],
    /// Type-specific properties holding a STIX timestamp.
    pub(crate) timestamps: &'static [&'static str],
    /// SCOs only: the ID contributing properties (§6.x, "ID Contributing Properties").
    pub(crate) id_contributing: &'static [&'static str],
}

const fn sdo(
    name: &'static str,
    required: &'static [&'static str],
    timestamps: &'static [&'static str],
) -> TypeSpec {
    TypeSpec {
        name,
        category: ObjectCategory::Sdo,
        required,
        timestamps,
        id_contributing: &[],
    }
}

const fn sco(
    name: &'static str,
    required: &'static [&'static str],
    timestamps: &'static [&'static str],
    id_contributing: &'static [&'static str],
) -> TypeSpec {
    TypeSpec {
        name,
        category: ObjectCategory::Sco,
        required,
        timestamps,
        id_contributing,
    }
}

/// Every spec-defined type. Required lists hold only what is unconditionally
/// required; conditional rules (location, malware, observed-data, ...) are
/// in the checker.
pub(crate) static TYPES: &[TypeSpec] = &[
    // §4 STIX Domain Objects.
    sdo("attack-pattern", &["name"], &[]),
    sdo("campaign", &["name"], &["first_seen", "last_seen"]),
    sdo("course-of-action", &["name"], &[]),
    sdo("grouping", &["context", "object_refs"], &[]),
    sdo("identity", &["name"], &[]),
    sdo("incident", &["name"], &[]),
    sdo(
        "indicator",
        &["pattern", "pattern_type", "valid_from"],
        &["valid_from", "valid_until"],
    ),
    sdo("infrastructure", &["name"], &["first_seen", "last_seen"]),
    sdo("intrusion-set", &["name"], &["first_seen", "last_seen"]),
    // region, country, or latitude and longitude: conditional (§4.10).
    sdo("location", &[], &[]),
    // name is required only when is_family is true (§4.11).
    sdo("malware", &["is_family"], &["first_seen", "last_seen"]),
    // result or analysis_sco_refs: conditional (§4.12).
    sdo(
        "malware-analysis",
        &["product"],
        &["submitted", "analysis_started", "analysis_ended"],
    ),
    sdo("note", &["content", "object_refs"], &[]),
    // objects (deprecated) or object_refs: conditional (§4.14).
    sdo(
        "observed-data",
        &["first_observed", "last_observed", "number_observed"],
        &["first_observed", "last_observed"],
    ),
    sdo("opinion", &["opinion", "object_refs"], &[]),
    sdo(
        "report",
        &["name", "published", "object_refs"],
        &["published"],
    ),
    sdo("threat-actor", &["name"], &["first_seen", "last_seen"]),
    sdo("tool", &["name"], &[]),
    sdo("vulnerability", &["name"], &[]),
    // §5 STIX Relationship Objects.
    TypeSpec {
        name: "relationship",
        category: ObjectCategory::Sro,
        required: &["relationship_type", "source_ref", "target_ref"],
        timestamps: &["start_time", "stop_time"],
        id_contributing: &[],
    },
    TypeSpec {
        name: "sighting",
        category: ObjectCategory::Sro,
        required: &["sighting_of_ref"],
        timestamps: &["first_seen", "last_seen"],
        id_contributing: &[],
    },
    // §6 STIX Cyber-observable Objects.
    // payload_bin or url: conditional (§6.1).
    sco("artifact", &[], &[], &["hashes", "payload_bin"]),
    sco("autonomous-system", &["number"], &[], &["number"]),
    sco(
        "directory",
        &["path"],
        &["ctime", "mtime", "atime"],
        &["path"],
    ),
    sco("domain-name", &["value"], &[], &["value"]),
    sco("email-addr", &["value"], &[], &["value"]),
    sco(
        "email-message",
        &["is_multipart"],
        &["date"],
        &["from_ref", "subject", "body"],
    ),
    // hashes or name: conditional (§6.7).
    sco(
        "file",
        &[],
        &["ctime", "mtime", "atime"],
        &["hashes", "name", "extensions", "parent_directory_ref"],
    ),
    sco("ipv4-addr", &["value"], &[], &["value"]),
    sco("ipv6-addr", &["value"], &[], &["value"]),
    sco("mac-addr", &["value"], &[], &["value"]),
    sco("mutex", &["name"], &[], &["name"]),
    // src_ref or dst_ref: conditional (§6.12).
    sco(
        "network-traffic",
        &["protocols"],
        &["start", "end"],
        &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
    ),
    // At least one property besides the common ones (§6.13); no ID
    // contributing properties: process ids are UUIDv4.
    sco("process", &[], &["created_time"], &[]),
    sco(
        "software",
        &["name"],
        &[],
        &["name", "cpe", "swid", "vendor", "version"],
    ),
    sco("url", &["value"], &[], &["value"]),
    sco(
        "user-account",
        &[],
        &[
            "account_created",
            "account_expires",
            "credential_last_changed",
            "account_first_login",
            "account_last_login",
        ],
        &["account_type", "user_id", "account_login"],
    ),
    sco(
        "windows-registry-key",
        &[],
        &["modified_time"],
        &["key", "values"],
    ),
    sco(
        "x509-certificate",
        &[],
        &["validity_not_before", "validity_not_after"],
        &["hashes", "serial_number"],
    ),
    // §7 STIX Meta Objects.
    TypeSpec {
        name: "language-content",
        category: ObjectCategory::Meta,
        required: &["object_ref", "contents"],
        timestamps: &["object_modified"],
        id_contributing: &[],
    },
    TypeSpec {
        name: "marking-definition",
        category: ObjectCategory::Meta,
        required: &[],
        timestamps: &[],
        id_contributing: &[],
    },
    TypeSpec {
        name: "extension-definition",
        category: ObjectCategory::Meta,
        required: &[
            "created_by_ref",
            "name",
            "schema",
            "version",
            "extension_types",
        ],
        timestamps: &[],
        id_contributing: &[],
    },
];

pub(crate) fn spec_of(object_type: &str) -> Option<&'static TypeSpec> {
    TYPES.iter().find(|t| t.name == object_type)
}

/// The category of a type name; [`ObjectCategory::Custom`] for any type the
/// spec does not define.
pub fn category_of(object_type: &str) -> ObjectCategory {
    spec_of(object_type).map_or(ObjectCategory::Custom, |t| t.category)
}

/// The ID contributing properties of a spec-defined SCO type (§6), or
/// `None` for other types. `process` has an empty list.
pub fn id_contributing_properties(object_type: &str) -> Option<&'static [&'static str]> {
    spec_of(object_type)
        .filter(|t| t.category == ObjectCategory::Sco)
        .map(|t| t.id_contributing)
}

/// The spec-defined types of one category, in the spec's order.
pub fn types_of(category: ObjectCategory) -> impl Iterator<Item = &'static str> {
    TYPES
        .iter()
        .filter(move |t| t.category == category)
        .map(|t| t.name)
}

/// The SDO types that state claims rather than observations: everything in
/// §4 except indicator, observed-data and identity. Used by the evidence
/// summary.
pub const CLAIM_TYPES: &[&str] = &[
    "report",
    "note",
    "opinion",
    "attack-pattern",
    "campaign",
    "threat-actor",
    "intrusion-set",
    "malware",
    "tool",
    "infrastructure",
    "vulnerability",
    "incident",
    "grouping",
    "course-of-action",
    "malware-analysis",
    "location",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_counts() {
        assert_eq!(types_of(ObjectCategory::Sdo).count(), 19);
        assert_eq!(types_of(ObjectCategory::Sro).count(), 2);
        assert_eq!(types_of(ObjectCategory::Sco).count(), 18);
        assert_eq!(types_of(ObjectCategory::Meta).count(), 3);
        assert_eq!(category_of("x-acme"), ObjectCategory::Custom);
        assert_eq!(category_of("bundle"), ObjectCategory::Custom);
    }

    #[test]
    fn names_are_unique_and_valid() {
        let mut names: Vec<_> = TYPES.iter().map(|t| t.name).collect();
        for n in &names {
            assert!(crate::ids::is_valid_type_name(n), "{n}");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TYPES.len());
    }

    #[test]
    fn claims_are_sdos() {
        for t in CLAIM_TYPES {
            assert_eq!(category_of(t), ObjectCategory::Sdo, "{t}");
        }
        assert_eq!(CLAIM_TYPES.len(), 16);
    }
}
