//! The node's error type: what a service call failed on, with a stable
//! kind the HTTP layer and the CLI map to statuses and exit codes.

use countersign_core::{CoreError, ErrorKind};
use countersign_store::{StoreError, StoreErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeErrorKind {
    Invalid,
    InvalidStix,
    BadSignature,
    KeyNotValid,
    NotFound,
    Duplicate,
    TooLarge,
    /// No or wrong credentials.
    Unauthenticated,
    /// Authenticated, but the role or TLP does not allow it.
    Forbidden,
    /// Storage or another internal failure; details are logged, not shown.
    Internal,
    /// Federation: the sender of a received envelope is not in the directory.
    UnknownSender,
    /// Federation: no recipient of a received envelope is hosted here.
    NotRecipient,
    /// Federation: an attachment is missing or its bytes do not match its
    /// SHA-256 or size.
    AttachmentMismatch,
    /// Federation: a peer's answer (a receipt, a pong) does not verify.
    BadReceipt,
}

impl NodeErrorKind {
    /// The stable code shown to clients.
    pub fn code(self) -> &'static str {
        match self {
            NodeErrorKind::Invalid => "invalid",
            NodeErrorKind::InvalidStix => "invalid_stix",
            NodeErrorKind::BadSignature => "bad_signature",
            NodeErrorKind::KeyNotValid => "key_not_valid",
            NodeErrorKind::NotFound => "not_found",
            NodeErrorKind::Duplicate => "duplicate",
            NodeErrorKind::TooLarge => "too_large",
            NodeErrorKind::Unauthenticated => "unauthenticated",
            NodeErrorKind::Forbidden => "forbidden",
            NodeErrorKind::Internal => "internal",
            NodeErrorKind::UnknownSender => "unknown_sender",
            NodeErrorKind::NotRecipient => "not_recipient",
            NodeErrorKind::AttachmentMismatch => "attachment_mismatch",
            NodeErrorKind::BadReceipt => "bad_receipt",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct NodeError {
    pub kind: NodeErrorKind,
    pub message: String,
}

impl NodeError {
    pub fn new(kind: NodeErrorKind, message: impl Into<String>) -> Self {
        NodeError {
            kind,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(NodeErrorKind::Invalid, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(NodeErrorKind::NotFound, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(NodeErrorKind::Forbidden, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(NodeErrorKind::Internal, message)
    }
}

impl From<CoreError> for NodeError {
    fn from(e: CoreError) -> Self {
        let kind = match e.kind {
            ErrorKind::InvalidStix => NodeErrorKind::InvalidStix,
            ErrorKind::BadSignature => NodeErrorKind::BadSignature,
            ErrorKind::KeyNotValid => NodeErrorKind::KeyNotValid,
            ErrorKind::NotFound => NodeErrorKind::NotFound,
            ErrorKind::Duplicate => NodeErrorKind::Duplicate,
            ErrorKind::TooLarge => NodeErrorKind::TooLarge,
            _ => NodeErrorKind::Invalid,
        };
        NodeError::new(kind, e.message)
    }
}

impl From<StoreError> for NodeError {
    fn from(e: StoreError) -> Self {
        let kind = match e.kind {
            StoreErrorKind::Duplicate => NodeErrorKind::Duplicate,
            StoreErrorKind::NotFound => NodeErrorKind::NotFound,
            StoreErrorKind::TooLarge => NodeErrorKind::TooLarge,
            StoreErrorKind::BadRequest => NodeErrorKind::Invalid,
            _ => NodeErrorKind::Internal,
        };
        NodeError::new(kind, e.message)
    }
}

impl From<std::io::Error> for NodeError {
    fn from(e: std::io::Error) -> Self {
        NodeError::internal(format!("IO error: {e}"))
    }
}

pub type Result<T, E = NodeError> = std::result::Result<T, E>;
