//! Integration tests of the HTTP face: the router driven with
//! `tower::ServiceExt::oneshot`, no sockets, each test on a fresh node in a
//! temporary directory (see `web/common.rs`).

// Helpers outside `#[test]` functions are test code too: a panic is how
// this binary reports a failure (clippy.toml allows unwrap in tests only
// inside test functions).
#![allow(clippy::unwrap_used)]

#[path = "web/common.rs"]
mod common;

#[path = "web/access_matrix.rs"]
mod access_matrix;
#[path = "web/api.rs"]
mod api;
#[path = "web/auth.rs"]
mod auth;
#[path = "web/bad_input.rs"]
mod bad_input;
#[path = "web/clocks.rs"]
mod clocks;
#[path = "web/contract.rs"]
mod contract;
#[path = "web/dashboard.rs"]
mod dashboard;
#[path = "web/inbox.rs"]
mod inbox;
#[path = "web/interop.rs"]
mod interop;
#[path = "web/log.rs"]
mod log;
#[path = "web/obligations.rs"]
mod obligations;
#[path = "web/taxii.rs"]
mod taxii;
#[path = "web/ui.rs"]
mod ui;
