//! The properties of the STIX Domain Objects (§4) and Relationship Objects
//! (§5), beyond the common ones.

use super::{Kind, Prop};
use crate::check::refs::Target;
use crate::check::vocab::*;

const SOFTWARE: Target = Target::Types(&["software"]);
const ANY: Target = Target::Any;
const NAME: Prop = ("name", Kind::Str);
const DESCRIPTION: Prop = ("description", Kind::Str);
const ALIASES: Prop = ("aliases", Kind::StrList);
const KILL_CHAIN: Prop = ("kill_chain_phases", Kind::KillChainPhases);
const FIRST_SEEN: Prop = ("first_seen", Kind::Timestamp);
const LAST_SEEN: Prop = ("last_seen", Kind::Timestamp);
const OBJECT_REFS: Prop = ("object_refs", Kind::Refs(ANY));

static ATTACK_PATTERN: &[Prop] = &[NAME, DESCRIPTION, ALIASES, KILL_CHAIN];
static CAMPAIGN: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ALIASES,
    FIRST_SEEN,
    LAST_SEEN,
    ("objective", Kind::Str),
];
// §4.3: action_type, os_execution_envs, action_bin and action_reference
// are reserved; only name and description are defined.
static COURSE_OF_ACTION: &[Prop] = &[NAME, DESCRIPTION];
static GROUPING: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ("context", Kind::Vocab(&GROUPING_CONTEXT)),
    OBJECT_REFS,
];
static IDENTITY: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ("roles", Kind::StrList),
    ("identity_class", Kind::Vocab(&IDENTITY_CLASS)),
    ("sectors", Kind::VocabList(&INDUSTRY_SECTOR)),
    ("contact_information", Kind::Str),
];
static INCIDENT: &[Prop] = &[NAME, DESCRIPTION, KILL_CHAIN];
static INDICATOR: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ("indicator_types", Kind::VocabList(&INDICATOR_TYPE)),
    ("pattern", Kind::Str),
    ("pattern_type", Kind::Vocab(&PATTERN_TYPE)),
    ("pattern_version", Kind::Str),
    ("valid_from", Kind::Timestamp),
    ("valid_until", Kind::Timestamp),
    KILL_CHAIN,
];
static INFRASTRUCTURE: &[Prop] = &[
    NAME,
    DESCRIPTION,
    (
        "infrastructure_types",
        Kind::VocabList(&INFRASTRUCTURE_TYPE),
    ),
    ALIASES,
    KILL_CHAIN,
    FIRST_SEEN,
    LAST_SEEN,
];
static INTRUSION_SET: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ALIASES,
    FIRST_SEEN,
    LAST_SEEN,
    ("goals", Kind::StrList),
    ("resource_level", Kind::Vocab(&ATTACK_RESOURCE_LEVEL)),
    ("primary_motivation", Kind::Vocab(&ATTACK_MOTIVATION)),
    ("secondary_motivations", Kind::VocabList(&ATTACK_MOTIVATION)),
];
static LOCATION: &[Prop] = &[
    NAME,
    DESCRIPTION,
    (
        "latitude",
        Kind::Float {
            min: -90.0,
            max: 90.0,
        },
    ),
    (
        "longitude",
        Kind::Float {
            min: -180.0,
            max: 180.0,
        },
    ),
    (
        "precision",
        Kind::Float {
            min: 0.0,
            max: f64::INFINITY,
        },
    ),
    ("region", Kind::Vocab(&REGION)),
    ("country", Kind::Str),
    ("administrative_area", Kind::Str),
    ("city", Kind::Str),
    ("street_address", Kind::Str),
    ("postal_code", Kind::Str),
];
static MALWARE: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ("malware_types", Kind::VocabList(&MALWARE_TYPE)),
    ("is_family", Kind::Bool),
    ALIASES,
    KILL_CHAIN,
    FIRST_SEEN,
    LAST_SEEN,
    ("operating_system_refs", Kind::Refs(SOFTWARE)),
    (
        "architecture_execution_envs",
        Kind::VocabList(&PROCESSOR_ARCHITECTURE),
    ),
    (
        "implementation_languages",
        Kind::VocabList(&IMPLEMENTATION_LANGUAGE),
    ),
    ("capabilities", Kind::VocabList(&MALWARE_CAPABILITIES)),
    (
        "sample_refs",
        Kind::Refs(Target::Types(&["file", "artifact"])),
    ),
];
static MALWARE_ANALYSIS: &[Prop] = &[
    ("product", Kind::Str),
    ("version", Kind::Str),
    ("host_vm_ref", Kind::Ref(SOFTWARE)),
    ("operating_system_ref", Kind::Ref(SOFTWARE)),
    ("installed_software_refs", Kind::Refs(SOFTWARE)),
    ("configuration_version", Kind::Str),
    ("modules", Kind::StrList),
    ("analysis_engine_version", Kind::Str),
    ("analysis_definition_version", Kind::Str),
    ("submitted", Kind::Timestamp),
    ("analysis_started", Kind::Timestamp),
    ("analysis_ended", Kind::Timestamp),
    ("result_name", Kind::Str),
    ("result", Kind::Vocab(&MALWARE_RESULT)),
    ("analysis_sco_refs", Kind::Refs(Target::ScoOrCustom)),
    (
        "sample_ref",
        Kind::Ref(Target::Types(&["file", "artifact", "network-traffic"])),
    ),
];
static NOTE: &[Prop] = &[
    ("abstract", Kind::Str),
    ("content", Kind::Str),
    ("authors", Kind::StrList),
    OBJECT_REFS,
];
static OBSERVED_DATA: &[Prop] = &[
    ("first_observed", Kind::Timestamp),
    ("last_observed", Kind::Timestamp),
    (
        "number_observed",
        Kind::Int {
            min: 1,
            max: 999_999_999,
        },
    ),
    // Deprecated (§4.14); its content is checked in rules.rs.
    ("objects", Kind::Checked),
    ("object_refs", Kind::Refs(Target::ScoSroOrCustom)),
];
static OPINION: &[Prop] = &[
    ("explanation", Kind::Str),
    ("authors", Kind::StrList),
    ("opinion", Kind::Vocab(&crate::check::vocab::OPINION)),
    OBJECT_REFS,
];
static REPORT: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ("report_types", Kind::VocabList(&REPORT_TYPE)),
    ("published", Kind::Timestamp),
    OBJECT_REFS,
];
static THREAT_ACTOR: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ("threat_actor_types", Kind::VocabList(&THREAT_ACTOR_TYPE)),
    ALIASES,
    FIRST_SEEN,
    LAST_SEEN,
    ("roles", Kind::VocabList(&THREAT_ACTOR_ROLE)),
    ("goals", Kind::StrList),
    ("sophistication", Kind::Vocab(&THREAT_ACTOR_SOPHISTICATION)),
    ("resource_level", Kind::Vocab(&ATTACK_RESOURCE_LEVEL)),
    ("primary_motivation", Kind::Vocab(&ATTACK_MOTIVATION)),
    ("secondary_motivations", Kind::VocabList(&ATTACK_MOTIVATION)),
    ("personal_motivations", Kind::VocabList(&ATTACK_MOTIVATION)),
];
static TOOL: &[Prop] = &[
    NAME,
    DESCRIPTION,
    ("tool_types", Kind::VocabList(&TOOL_TYPE)),
    ALIASES,
    KILL_CHAIN,
    ("tool_version", Kind::Str),
];
static VULNERABILITY: &[Prop] = &[NAME, DESCRIPTION];

// §5.1
static RELATIONSHIP: &[Prop] = &[
    ("relationship_type", Kind::Str),
    DESCRIPTION,
    ("source_ref", Kind::Ref(Target::SdoScoOrCustom)),
    ("target_ref", Kind::Ref(Target::SdoScoOrCustom)),
    ("start_time", Kind::Timestamp),
    ("stop_time", Kind::Timestamp),
];
// §5.2
static SIGHTING: &[Prop] = &[
    DESCRIPTION,
    FIRST_SEEN,
    LAST_SEEN,
    (
        "count",
        Kind::Int {
            min: 0,
            max: 999_999_999,
        },
    ),
    ("sighting_of_ref", Kind::Ref(Target::SdoOrCustom)),
    (
        "observed_data_refs",
        Kind::Refs(Target::Types(&["observed-data"])),
    ),
    (
        "where_sighted_refs",
        Kind::Refs(Target::Types(&["identity", "location"])),
    ),
    ("summary", Kind::Bool),
];

pub(super) fn table_of(object_type: &str) -> Option<&'static [Prop]> {
    Some(match object_type {
        "attack-pattern" => ATTACK_PATTERN,
        "campaign" => CAMPAIGN,
        "course-of-action" => COURSE_OF_ACTION,
        "grouping" => GROUPING,
        "identity" => IDENTITY,
        "incident" => INCIDENT,
        "indicator" => INDICATOR,
        "infrastructure" => INFRASTRUCTURE,
        "intrusion-set" => INTRUSION_SET,
        "location" => LOCATION,
        "malware" => MALWARE,
        "malware-analysis" => MALWARE_ANALYSIS,
        "note" => NOTE,
        "observed-data" => OBSERVED_DATA,
        "opinion" => OPINION,
        "report" => REPORT,
        "threat-actor" => THREAT_ACTOR,
        "tool" => TOOL,
        "vulnerability" => VULNERABILITY,
        "relationship" => RELATIONSHIP,
        "sighting" => SIGHTING,
        _ => return None,
    })
}
