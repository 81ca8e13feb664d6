//! Node services: directory rules, TLP access, roles, authentication and
//! atomicity under injected storage faults.

// Helpers outside #[test] functions panic on unexpected input too: that is a failed test.
#![allow(clippy::unwrap_used)]

mod node {
    pub mod auth;
    pub mod faults;
    pub mod fixtures;
    pub mod import;
    pub mod log;
    pub mod log_faults;
    pub mod log_proofs;
    pub mod obligations;
    pub mod visibility;
    pub mod witness;
}
