//! STIX 2.1 evidence for countersign: checking bundles, deterministic
//! identifiers for cyber-observable objects, the fixed TLP marking
//! definitions, and read-only views of a checked bundle.
//!
//! The entry points are [`check_bundle`] and [`parse_bundle`], which turn JSON
//! into a [`Bundle`] of [`StixObject`]s or return [`BundleErrors`] listing every
//! problem found at once (each a [`Problem`] with a [`ProblemKind`]). From a
//! [`Bundle`] come an [`EvidenceSummary`] (counts by kind of evidence), the
//! most restrictive TLP marking ([`tlp::bundle_max_tlp`]) and table-ready views
//! ([`IndicatorView`], [`ObservableView`], [`ObservedDataView`],
//! [`ObjectView`]). [`sco_id`] computes the deterministic UUIDv5 identifier of
//! a cyber-observable (STIX 2.1 §2.9).
//!
//! Everything here follows OASIS "STIX Version 2.1" (OASIS Standard, 10 June
//! 2021); section numbers in the docs refer to it. The crate does no IO and
//! knows nothing of HTTP, TAXII transport, SQL or storage: it takes
//! `serde_json` values or strings and returns plain data. The domain TLP level
//! and the evidence-sufficiency level belong to `countersign-core`; this crate
//! only speaks STIX's own strings ("clear", "green", "amber", "amber+strict",
//! "red"). The checks are the full per-type validation of §3-§7 and §10
//! (required and forbidden properties, property forms, vocabularies,
//! references and their target types, markings, extensions, custom
//! property names, indicator patterns), table-driven, with errors and
//! warnings told apart as stix2-validator tells them apart.
//! [`pattern`] parses, validates and matches STIX patterns (§9) against
//! observed-data ([`Pattern`], [`Observation`], [`Matcher`]).
//!
//! Module map: [`ids`] (identifiers, type names, deterministic SCO ids),
//! [`timestamp`] (the STIX timestamp form), [`objects`] (the type registry),
//! [`check`] (bundle and object checks), [`bundle`] (checked bundles),
//! [`tlp`] (TLP marking definitions), [`summary`] (evidence counts),
//! [`views`] (readable projections for tables), [`pattern`] (STIX
//! patterning: parser, validator, matcher).

pub mod bundle;
pub mod check;
pub mod ids;
pub mod objects;
pub mod pattern;
pub mod summary;
pub mod timestamp;
pub mod tlp;
pub mod views;

pub use bundle::{Bundle, StixObject};
pub use check::{
    BundleErrors, CheckOptions, DEFAULT_MAX_OBJECTS, Problem, ProblemKind, check_bundle,
    check_bundle_owned, check_bundle_with, check_object, parse_bundle, parse_bundle_with,
    validate_object,
};
pub use ids::{IdError, Identifier, SCO_ID_NAMESPACE, sco_id, sco_id_matches};
pub use objects::{ObjectCategory, category_of};
pub use pattern::{Match, Matcher, Observation, Pattern, PatternError, PatternErrorKind};
pub use summary::EvidenceSummary;
pub use timestamp::{Timestamp, TimestampError};
pub use views::{IndicatorView, ObjectView, ObservableView, ObservedDataView};
