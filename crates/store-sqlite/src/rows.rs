//! Between domain values and SQLite columns: how each type is stored, how
//! it is read back (anything that fails to parse is `Corrupt`), and how
//! SQLite errors map to store errors.

use countersign_core::CoreError;
use countersign_core::access::Role;
use countersign_core::envelope::SignedEnvelope;
use countersign_core::evidence::Sufficiency;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::notification::Severity;
use countersign_core::party::Party;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_store::{
    Direction, NotificationRow, Result, StoreError, StoreErrorKind, StoredEnvelope, StoredParty,
    TokenKind, User,
};
use rusqlite::{ErrorCode, Row, ffi};

/// A failed SQLite call, with what was being done.
pub(crate) fn db(context: &str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::backend(format!("{context}: {e}"))
}

/// A failed insert: `Duplicate` with `message` if it broke a primary key
/// or UNIQUE index, else as [`db`] with `context`.
pub(crate) fn duplicate_or<'a>(
    message: impl FnOnce() -> String + 'a,
    context: &'a str,
) -> impl FnOnce(rusqlite::Error) -> StoreError + 'a {
    move |e| match violation(&e) {
        Some(Violation::Unique) => StoreError::new(StoreErrorKind::Duplicate, message()),
        _ => db(context)(e),
    }
}

/// Which constraint a failed statement broke, if that is why it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A primary key or UNIQUE index.
    Unique,
    ForeignKey,
}

pub(crate) fn violation(e: &rusqlite::Error) -> Option<Violation> {
    match e {
        rusqlite::Error::SqliteFailure(err, _) if err.code == ErrorCode::ConstraintViolation => {
            match err.extended_code {
                ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE => {
                    Some(Violation::Unique)
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(Violation::ForeignKey),
                _ => None,
            }
        }
        _ => None,
    }
}

pub(crate) fn corrupt(message: impl Into<String>) -> StoreError {
    StoreError::new(StoreErrorKind::Corrupt, message)
}

/// Reads column `index` (named `name` in messages) of `row`.
pub(crate) fn col<T: rusqlite::types::FromSql>(
    row: &Row<'_>,
    index: usize,
    name: &str,
) -> Result<T> {
    row.get(index)
        .map_err(|e| corrupt(format!("cannot read column {name}: {e}")))
}

/// Parses the text of column `name` with a domain parser.
pub(crate) fn parse<T>(
    name: &str,
    text: &str,
    parser: impl FnOnce(&str) -> std::result::Result<T, CoreError>,
) -> Result<T> {
    parser(text).map_err(|e| corrupt(format!("stored {name} {text:?} does not parse: {e}")))
}

/// The instant as (Unix seconds, nanoseconds in the second): exact, and
/// ordered like the instants.
pub(crate) fn instant(at: Timestamp) -> (i64, i64) {
    let dt = at.datetime();
    (dt.timestamp(), i64::from(dt.timestamp_subsec_nanos()))
}

/// 0 for clear up to 4 for red: how restrictive a TLP level is.
pub(crate) fn tlp_rank(tlp: Tlp) -> i64 {
    match tlp {
        Tlp::Clear => 0,
        Tlp::Green => 1,
        Tlp::Amber => 2,
        Tlp::AmberStrict => 3,
        Tlp::Red => 4,
    }
}

/// The RSIT class of a `class/type` category (the whole text if no `/`).
pub(crate) fn category_class(category: &str) -> &str {
    category
        .split_once('/')
        .map_or(category, |(class, _)| class)
}

pub(crate) fn parse_direction(text: &str) -> Result<Direction> {
    match text {
        "sent" => Ok(Direction::Sent),
        "received" => Ok(Direction::Received),
        _ => Err(corrupt(format!(
            "stored direction {text:?} is neither sent nor received"
        ))),
    }
}

pub(crate) fn parse_token_kind(text: &str) -> Result<TokenKind> {
    match text {
        "api" => Ok(TokenKind::Api),
        "session" => Ok(TokenKind::Session),
        _ => Err(corrupt(format!(
            "stored token kind {text:?} is neither api nor session"
        ))),
    }
}

/// Columns: id, json, local, signed_entry, updated.
pub(crate) const PARTY_COLUMNS: &str = "id, json, local, signed_entry, updated";

pub(crate) fn party_from_row(row: &Row<'_>) -> Result<StoredParty> {
    let id: String = col(row, 0, "parties.id")?;
    let json: String = col(row, 1, "parties.json")?;
    let party: Party = serde_json::from_str(&json)
        .map_err(|e| corrupt(format!("stored party {id} does not parse: {e}")))?;
    if party.id.as_str() != id {
        return Err(corrupt(format!(
            "stored party {id} holds the entry of {}",
            party.id
        )));
    }
    Ok(StoredParty {
        party,
        local: col(row, 2, "parties.local")?,
        signed_entry: col(row, 3, "parties.signed_entry")?,
        updated: parse(
            "party update time",
            &col::<String>(row, 4, "parties.updated")?,
            Timestamp::parse,
        )?,
    })
}

/// Columns: id, json, direction, stored.
pub(crate) const ENVELOPE_COLUMNS: &str = "id, json, direction, stored";

pub(crate) fn envelope_from_row(row: &Row<'_>) -> Result<StoredEnvelope> {
    let id: String = col(row, 0, "envelopes.id")?;
    let json: String = col(row, 1, "envelopes.json")?;
    let envelope = SignedEnvelope::from_json(&json)
        .map_err(|e| corrupt(format!("stored envelope {id} does not parse: {e}")))?;
    if envelope.id().to_string() != id {
        return Err(corrupt(format!(
            "stored envelope {id} hashes to {}: it was altered",
            envelope.id()
        )));
    }
    Ok(StoredEnvelope {
        envelope,
        direction: parse_direction(&col::<String>(row, 2, "envelopes.direction")?)?,
        stored: parse(
            "envelope storage time",
            &col::<String>(row, 3, "envelopes.stored")?,
            Timestamp::parse,
        )?,
    })
}

/// Columns of `notifications`, in the order [`notification_from_row`] reads.
pub(crate) const NOTIFICATION_COLUMNS: &str = "id, from_party, created, title, category, \
     severity, tlp, sufficiency, ack_by, reply_by, attachments, direction, created_s, created_ns, \
     seq";

/// A notification row as read, before its recipients are added.
pub(crate) struct ReadNotification {
    /// `to` is empty: the recipients are read by `seq`.
    pub row: NotificationRow,
    /// The envelope's storage key.
    pub seq: i64,
    /// The position in the listing order (with the id): creation time as
    /// Unix seconds and nanoseconds.
    pub seconds: i64,
    pub nanos: u32,
}

/// A notification row without its recipients, its storage key and its
/// position in the listing order.
pub(crate) fn notification_from_row(row: &Row<'_>) -> Result<ReadNotification> {
    let text = |i: usize, name: &str| col::<String>(row, i, name);
    let attachments: i64 = col(row, 10, "notifications.attachments")?;
    let nanos: i64 = col(row, 13, "notifications.created_ns")?;
    let notification = NotificationRow {
        id: parse(
            "notification id",
            &text(0, "notifications.id")?,
            EnvelopeId::parse,
        )?,
        from: parse(
            "sender",
            &text(1, "notifications.from_party")?,
            PartyId::parse,
        )?,
        to: Vec::new(),
        created: parse(
            "creation time",
            &text(2, "notifications.created")?,
            Timestamp::parse,
        )?,
        title: text(3, "notifications.title")?,
        category: text(4, "notifications.category")?,
        severity: parse(
            "severity",
            &text(5, "notifications.severity")?,
            Severity::parse,
        )?,
        tlp: parse("TLP", &text(6, "notifications.tlp")?, Tlp::parse)?,
        sufficiency: parse(
            "sufficiency",
            &text(7, "notifications.sufficiency")?,
            Sufficiency::parse,
        )?,
        ack_by: parse(
            "ack_by",
            &text(8, "notifications.ack_by")?,
            Timestamp::parse,
        )?,
        reply_by: parse(
            "reply_by",
            &text(9, "notifications.reply_by")?,
            Timestamp::parse,
        )?,
        attachments: u32::try_from(attachments).map_err(|_| {
            corrupt(format!(
                "stored attachment count {attachments} is out of range"
            ))
        })?,
        direction: parse_direction(&text(11, "notifications.direction")?)?,
    };
    let seconds: i64 = col(row, 12, "notifications.created_s")?;
    let nanos = u32::try_from(nanos)
        .map_err(|_| corrupt(format!("stored nanoseconds {nanos} are out of range")))?;
    Ok(ReadNotification {
        row: notification,
        seq: col(row, 14, "notifications.seq")?,
        seconds,
        nanos,
    })
}

/// Columns of `users`, in the order [`user_from_row`] reads.
pub(crate) const USER_COLUMNS: &str = "id, username, party, role, password_hash, created";

pub(crate) fn user_from_row(row: &Row<'_>) -> Result<User> {
    Ok(User {
        id: col(row, 0, "users.id")?,
        username: col(row, 1, "users.username")?,
        party: parse(
            "user party",
            &col::<String>(row, 2, "users.party")?,
            PartyId::parse,
        )?,
        role: parse("role", &col::<String>(row, 3, "users.role")?, Role::parse)?,
        password_hash: col(row, 4, "users.password_hash")?,
        created: parse(
            "user creation time",
            &col::<String>(row, 5, "users.created")?,
            Timestamp::parse,
        )?,
    })
}

/// A token joined with its user: the user's columns as in [`USER_COLUMNS`],
/// then the token's kind and expiry.
pub(crate) const TOKEN_USER_SELECT: &str = "SELECT u.id, u.username, u.party, u.role, \
     u.password_hash, u.created, t.kind, t.expires FROM tokens t JOIN users u ON u.id = t.user_id";

pub(crate) fn token_user_from_row(row: &Row<'_>) -> Result<(User, TokenKind, Option<Timestamp>)> {
    let user = user_from_row(row)?;
    let kind = parse_token_kind(&col::<String>(row, 6, "tokens.kind")?)?;
    let expires = col::<Option<String>>(row, 7, "tokens.expires")?
        .map(|t| parse("token expiry", &t, Timestamp::parse))
        .transpose()?;
    Ok((user, kind, expires))
}
