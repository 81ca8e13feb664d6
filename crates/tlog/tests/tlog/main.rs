//! Integration tests of countersign-tlog against shared test data no one here
//! wrote (signed-note vectors, transparency-dev/merkle probes) and properties.

// Test helpers outside #[test] functions may unwrap: a panic is a test failure.
#![allow(clippy::unwrap_used)]

mod log_flow;
mod merkle_probes;
mod merkle_props;
mod note_vectors;
mod tiles;
