//! Integration tests of the domain crate.

// Helpers outside #[test] functions panic on unexpected input too: that is a failed test.
#![allow(clippy::unwrap_used)]

mod core {
    pub mod canonical;
    pub mod envelope;
    pub mod jcs;
    pub mod scorecard;
    pub mod signed_note_vectors;
}
