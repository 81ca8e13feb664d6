//! The one error type of the domain layer.
//!
//! Every error carries a stable [`ErrorKind`] (the HTTP layer maps it to a
//! status and a machine-readable code) and a message written for the person
//! who sent the bad input.

use std::fmt;

/// What went wrong, stable across versions: clients match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input that does not parse or breaks a rule of the format.
    Invalid,
    /// Evidence that is not valid STIX 2.1.
    InvalidStix,
    /// A signature that does not verify, or a signer that is not allowed.
    BadSignature,
    /// A key that is not valid at the time it was used.
    KeyNotValid,
    /// Something named does not exist (party, envelope, attachment).
    NotFound,
    /// Something with the same id exists already.
    Duplicate,
    /// Input larger than allowed.
    TooLarge,
}

impl ErrorKind {
    /// The stable machine-readable code, as shown to API clients.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "invalid",
            ErrorKind::InvalidStix => "invalid_stix",
            ErrorKind::BadSignature => "bad_signature",
            ErrorKind::KeyNotValid => "key_not_valid",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::TooLarge => "too_large",
        }
    }
}

/// A domain error: a kind and a message for the person who caused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CoreError {
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl CoreError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CoreError {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn bad_signature(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadSignature, message)
    }

    /// The same error with `context: ` in front of its message.
    pub fn context(self, context: impl fmt::Display) -> Self {
        CoreError {
            kind: self.kind,
            message: format!("{context}: {}", self.message),
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
