//! The opaque keyset cursor of notification listings.
//!
//! Listings are ordered newest first by `(created, id)`; a cursor names the
//! last row of a page, and the next page starts strictly after it. Its text
//! is the lowercase hex of `<unix seconds>:<nanoseconds>:<envelope id>`:
//! opaque to clients, and stable across restarts because it holds values,
//! not offsets, so rows inserted meanwhile neither repeat nor go missing.

use countersign_core::ids::EnvelopeId;
use countersign_store::{Result, StoreError, StoreErrorKind};

/// The position after which the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub seconds: i64,
    pub nanos: u32,
    pub id: EnvelopeId,
}

/// chrono keeps a leap second as nanoseconds 1_000_000_000..2_000_000_000.
const MAX_NANOS: u32 = 2_000_000_000;

impl Cursor {
    pub fn encode(&self) -> String {
        hex::encode(format!("{}:{}:{}", self.seconds, self.nanos, self.id))
    }

    pub fn decode(text: &str) -> Result<Self> {
        Self::try_decode(text).ok_or_else(|| {
            StoreError::new(
                StoreErrorKind::BadRequest,
                format!(
                    "{:?} is not a cursor of this listing; pass back the next_cursor of a previous page unchanged",
                    truncate(text)
                ),
            )
        })
    }

    fn try_decode(text: &str) -> Option<Self> {
        // Lowercase only, so that a cursor has exactly one spelling.
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let plain = String::from_utf8(hex::decode(text).ok()?).ok()?;
        let mut parts = plain.split(':');
        let (seconds, nanos, id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let cursor = Cursor {
            seconds: seconds.parse().ok()?,
            nanos: nanos.parse().ok()?,
            id: EnvelopeId::parse(id).ok()?,
        };
        // Only the canonical spelling (no `+`, no leading zeros).
        (cursor.nanos < MAX_NANOS && cursor.encode() == text).then_some(cursor)
    }
}

/// Enough of a bad cursor to recognise it in an error message.
fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}
