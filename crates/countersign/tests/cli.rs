//! End-to-end tests of the `countersign` binary: real processes, real data
//! directories, the exit codes and the "nothing written" rule.

// Helpers outside #[test] functions panic on unexpected input too: that is a failed test.
#![allow(clippy::unwrap_used)]

mod cli {
    pub mod bad_input;
    pub mod browser;
    pub mod demo;
    pub mod federation;
    pub mod harness;
    pub mod kill;
    pub mod log;
    pub mod matching;
    pub mod report;
    pub mod stix;
    pub mod story;
    pub mod tidy;
    pub mod tls;
}
