//! Tests of the SQLite store and the filesystem blob store, one binary.
//!
//! Each submodule covers one area; the helpers here build signed test data.

// Test helpers outside #[test] functions may unwrap: a panic is a test failure.
#![allow(clippy::unwrap_used)]

#[path = "store/blobs.rs"]
mod blobs;
#[path = "store/envelope_id_key_migration.rs"]
mod envelope_id_key_migration;
#[path = "store/envelope_keys_migration.rs"]
mod envelope_keys_migration;
#[path = "store/envelopes.rs"]
mod envelopes;
#[path = "store/federation.rs"]
mod federation;
#[path = "store/files.rs"]
mod files;
#[path = "store/listing.rs"]
mod listing;
#[path = "store/log.rs"]
mod log;
#[path = "store/notification_index_migration.rs"]
mod notification_index_migration;
#[path = "store/parties.rs"]
mod parties;
#[path = "store/taxii.rs"]
mod taxii;
#[path = "store/taxii_migration.rs"]
mod taxii_migration;
#[path = "store/users.rs"]
mod users;

use countersign_core::envelope::{Envelope, EnvelopeType};
use countersign_core::evidence::Sufficiency;
use countersign_core::ids::PartyId;
use countersign_core::notification::Severity;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_store::{Direction, NewEnvelope, NotificationRow, StoreErrorKind};
use countersign_tlog::SignerKey;

/// The migration scripts as they shipped, in order. A migration test
/// builds the older schema it starts from with [`shipped_schema`].
pub const SHIPPED_MIGRATIONS: [&str; 7] = [
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_log.sql"),
    include_str!("../migrations/0003_taxii.sql"),
    include_str!("../migrations/0004_federation.sql"),
    include_str!("../migrations/0005_pings.sql"),
    include_str!("../migrations/0006_taxii_compact_index.sql"),
    include_str!("../migrations/0007_integer_envelope_keys.sql"),
];

/// Runs migrations 1 to `version` on `raw` (their SQL alone, with no Rust
/// step) and records the version, as that version's code left a database.
pub fn shipped_schema(raw: &rusqlite::Connection, version: usize) {
    for sql in &SHIPPED_MIGRATIONS[..version] {
        raw.execute_batch(sql).unwrap();
    }
    raw.pragma_update(None, "user_version", i64::try_from(version).unwrap())
        .unwrap();
}

pub fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

pub fn pid(text: &str) -> PartyId {
    PartyId::parse(text).unwrap()
}

/// Asserts that `result` failed with `kind`, and returns the message.
pub fn expect_err<T: std::fmt::Debug>(
    result: countersign_store::Result<T>,
    kind: StoreErrorKind,
) -> String {
    let err = result.unwrap_err();
    assert_eq!(err.kind, kind, "{}", err.message);
    err.message
}

/// A notification to build: every field has a default; `seq` makes the
/// envelope (and so its id) unique.
#[derive(Debug, Clone)]
pub struct N {
    pub seq: u64,
    pub from: &'static str,
    pub to: Vec<&'static str>,
    pub created: Timestamp,
    pub tlp: Tlp,
    pub title: String,
    pub category: &'static str,
    pub severity: Severity,
    pub sufficiency: Sufficiency,
    pub direction: Direction,
}

impl N {
    pub fn new(seq: u64) -> Self {
        N {
            seq,
            from: "cert-a",
            to: vec!["cert-b"],
            created: ts("2026-03-01T10:00:00Z"),
            tlp: Tlp::Amber,
            title: format!("Notification {seq}"),
            category: "intrusions/system-compromise",
            severity: Severity::High,
            sufficiency: Sufficiency::Indicators,
            direction: Direction::Sent,
        }
    }

    /// The signed envelope and its notification row.
    pub fn build(&self) -> NewEnvelope {
        let key = SignerKey::generate(self.from).unwrap();
        let envelope = Envelope {
            v: 1,
            kind: EnvelopeType::Notification,
            from: pid(self.from),
            to: self.to.iter().map(|t| pid(t)).collect(),
            created: self.created,
            refs: vec![],
            tlp: self.tlp,
            body: serde_json::json!({ "title": self.title, "seq": self.seq }),
            attachments: vec![],
        }
        .sign(&key)
        .unwrap();
        let row = NotificationRow {
            id: envelope.id(),
            from: pid(self.from),
            to: self.to.iter().map(|t| pid(t)).collect(),
            created: self.created,
            title: self.title.clone(),
            category: self.category.to_owned(),
            severity: self.severity,
            tlp: self.tlp,
            sufficiency: self.sufficiency,
            ack_by: self.created.plus_hours(24),
            reply_by: self.created.plus_hours(72),
            attachments: 0,
            direction: self.direction,
        };
        NewEnvelope {
            envelope,
            direction: self.direction,
            stored: ts("2026-03-02T00:00:00Z"),
            notification: Some(row),
        }
    }
}
