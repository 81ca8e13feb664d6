//! End-to-end tests of the `countersign` binary: real processes, real data
//! directories, the exit codes and the "nothing written" rule.

mod cli {
    pub mod bad_input;
    pub mod demo;
    pub mod harness;
    pub mod story;
}
