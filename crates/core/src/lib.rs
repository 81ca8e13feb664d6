//! The countersign domain: everything a node reasons about, with no IO.
//!
//! Main types: [`party::Party`] (an authority with its Ed25519 keys,
//! contacts and constituency), [`envelope::Envelope`] and
//! [`envelope::SignedEnvelope`] (the fixed wire unit whose id is the SHA-256
//! of its RFC 8785 form and whose signature is a C2SP signed note),
//! [`notification::Notification`] (the body of a notification envelope) with
//! its [`taxonomy::Category`] (RSIT), [`sector::Sector`]s, [`tlp::Tlp`] and
//! [`evidence::Sufficiency`].
//!
//! This crate does no IO: no files, no network, no clock except where a
//! caller passes `now`. It knows nothing of HTTP, SQL or JSON wire shapes of
//! the REST API (those live in `countersign-web`); the JSON here is the
//! signed, fixed format of DESIGN.md. It depends only on `countersign-tlog`
//! (signed notes) and `countersign-stix` (evidence bundles).

pub mod access;
pub mod country;
pub mod deadline;
pub mod envelope;
pub mod error;
pub mod evidence;
pub mod ids;
pub mod jcs;
pub mod lifecycle;
pub mod net;
pub mod notification;
pub mod party;
pub mod receipt;
pub mod reply;
pub mod scorecard;
pub mod sector;
pub mod taxonomy;
pub mod time;
pub mod tlp;
mod vocab;

pub use error::{CoreError, ErrorKind};
