//! The records the store traits exchange.

use countersign_core::access::Role;
use countersign_core::envelope::SignedEnvelope;
use countersign_core::evidence::Sufficiency;
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::notification::Severity;
use countersign_core::party::Party;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;

/// A directory entry as kept: the party, whether this node hosts it, and
/// the signed entry it was imported from (if any), kept as proof.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredParty {
    pub party: Party,
    /// Hosted by this node: its private key is in the data directory.
    pub local: bool,
    /// The signed directory entry (file form) this came from.
    pub signed_entry: Option<String>,
    pub updated: Timestamp,
}

/// Whether this node sent or received an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Sent => "sent",
            Direction::Received => "received",
        }
    }
}

/// An envelope to store, with its notification index row when it is one.
#[derive(Debug, Clone)]
pub struct NewEnvelope {
    pub envelope: SignedEnvelope,
    pub direction: Direction,
    pub stored: Timestamp,
    pub notification: Option<NotificationRow>,
}

#[derive(Debug, Clone)]
pub struct StoredEnvelope {
    pub envelope: SignedEnvelope,
    pub direction: Direction,
    pub stored: Timestamp,
}

/// The searchable summary of a notification.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRow {
    pub id: EnvelopeId,
    pub from: PartyId,
    pub to: Vec<PartyId>,
    pub created: Timestamp,
    pub title: String,
    pub category: String,
    pub severity: Severity,
    pub tlp: Tlp,
    pub sufficiency: Sufficiency,
    pub ack_by: Timestamp,
    pub reply_by: Timestamp,
    pub attachments: u32,
    pub direction: Direction,
}

/// Which notifications to list. Every set field must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationFilter {
    pub from: Option<PartyId>,
    /// Named among the recipients.
    pub to: Option<PartyId>,
    /// Sent by or addressed to this party.
    pub party: Option<PartyId>,
    /// RSIT class (`intrusions`) or class/type.
    pub category: Option<String>,
    pub severity: Option<Severity>,
    pub sufficiency: Option<Sufficiency>,
    /// At most this restrictive.
    pub max_tlp: Option<Tlp>,
    /// Created at or after this time.
    pub since: Option<Timestamp>,
    /// Created before this time.
    pub until: Option<Timestamp>,
    /// Case-insensitive substring of the title.
    pub text: Option<String>,
    /// TLP access control: only rows this party may see, i.e. it sent
    /// them, is a recipient, or they are TLP:CLEAR or TLP:GREEN.
    pub visible_to: Option<PartyId>,
}

/// A page request: at most `limit` items after the opaque `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            limit: 50,
            cursor: None,
        }
    }
}

/// One page and the cursor of the next, if there is more.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub party: PartyId,
    pub role: Role,
    /// A PHC string (argon2id); never the password.
    pub password_hash: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub party: PartyId,
    pub role: Role,
    pub password_hash: String,
    pub created: Timestamp,
}

/// API tokens are for programs; session tokens are the UI's login cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Api,
    Session,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Api => "api",
            TokenKind::Session => "session",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// SHA-256 of the secret. Tokens are 256-bit random, so a fast hash is
    /// enough; passwords, which are guessable, use argon2id instead.
    pub hash: Sha256Hex,
    pub user_id: i64,
    pub kind: TokenKind,
    pub label: String,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
}
