//! Integration tests of `countersign-stix`: valid and invalid bundles,
//! deterministic SCO ids, TLP markings, the evidence summary, the views,
//! STIX patterning (parser, matcher, differential test against the
//! OASIS reference matcher), and the differential test of the checker
//! against the OASIS reference validator.
//! One test binary; the modules live under `tests/stix/`.

// clippy.toml allows unwrap inside #[test] functions only; the fixture
// helpers and closures here are test code too.
#![allow(clippy::unwrap_used)]

#[path = "stix/common.rs"]
mod common;
#[path = "stix/invalid.rs"]
mod invalid;
#[path = "stix/pattern_interop.rs"]
mod pattern_interop;
#[path = "stix/pattern_match.rs"]
mod pattern_match;
#[path = "stix/pattern_parse.rs"]
mod pattern_parse;
#[path = "stix/properties.rs"]
mod properties;
#[path = "stix/props.rs"]
mod props;
#[path = "stix/sco_ids.rs"]
mod sco_ids;
#[path = "stix/tlp.rs"]
mod tlp;
#[path = "stix/valid.rs"]
mod valid;
#[path = "stix/validator_diff.rs"]
mod validator_diff;
#[path = "stix/views.rs"]
mod views;
