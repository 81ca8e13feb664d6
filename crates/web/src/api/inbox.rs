//! `POST /v1/inbox`: where other nodes deliver envelopes
//! (docs/federation.md, "Delivery"). Public: an envelope authenticates
//! itself by its sender's signature, which the node checks against its
//! directory. The body is read as text and parsed strictly (duplicate
//! members refused), so the envelope id the node computes is the one the
//! sender signed.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use countersign_core::envelope::SignedEnvelope;
use countersign_core::ids::Sha256Hex;
use countersign_core::jcs;
use countersign_node::Node;
use countersign_node::federation::{Inbound, InboundOutcome};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::ApiError;

/// The inbox body limit for a node whose attachments may be `max_attachment`
/// bytes: two attachments of the largest size in base64 (4/3), plus the
/// JSON envelope itself.
pub fn max_inbox_body(max_attachment: u64) -> usize {
    let attachments = usize::try_from(max_attachment.saturating_mul(3)).unwrap_or(usize::MAX);
    attachments.saturating_add(crate::MAX_JSON_BODY)
}

/// What a sending node posts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxIn {
    /// The envelope, exactly as signed.
    #[schema(value_type = Object)]
    pub envelope: Value,
    /// The envelope signature (a C2SP signed note).
    pub signature: String,
    /// The bytes of the envelope's attachments, base64, by SHA-256. An
    /// attachment the receiver already holds may be left out.
    #[serde(default)]
    pub attachments: BTreeMap<String, String>,
}

/// A signed envelope in its file form.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InboxEnvelope {
    #[schema(value_type = Object)]
    pub envelope: Value,
    pub signature: String,
}

impl InboxEnvelope {
    pub fn from_signed(e: &SignedEnvelope) -> Result<Self, ApiError> {
        Ok(InboxEnvelope {
            envelope: e.envelope().to_value()?,
            signature: e.signature().to_owned(),
        })
    }
}

/// The answer: one receipt per recipient hosted here, or a pong for a ping.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InboxOut {
    /// The received envelope's id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<InboxEnvelope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pong: Option<InboxEnvelope>,
}

/// Parses an inbox body: strict JSON, the envelope, its attachments.
pub fn parse_inbox(body: &[u8]) -> Result<Inbound, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "body is not UTF-8",
        )
    })?;
    let value = jcs::parse_strict(text)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.message))?;
    let input: InboxIn = serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "not an inbox delivery ({e}); expected {{\"envelope\": {{...}}, \"signature\": \"...\", \"attachments\": {{\"<sha256>\": \"<base64>\"}}}}"
            ),
        )
    })?;
    let envelope = SignedEnvelope::from_parts(input.envelope, input.signature)?;
    let mut attachments = BTreeMap::new();
    for (sha, b64) in input.attachments {
        let sha = Sha256Hex::parse(&sha)
            .map_err(|e| ApiError::invalid(format!("attachment key {sha:?}: {}", e.message)))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| ApiError::invalid(format!("attachment {sha} is not base64: {e}")))?;
        attachments.insert(sha, bytes);
    }
    Ok(Inbound {
        envelope,
        attachments,
    })
}

/// Delivers an envelope to the parties this node hosts. Public: the
/// envelope is signed by its sender, whose keys are in this node's
/// directory.
#[utoipa::path(
    post, path = "/v1/inbox", operation_id = "inbox_deliver", tag = "federation",
    request_body(content = InboxIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Receipts (one per hosted recipient), or a pong; the same receipts for a redelivery", body = InboxOut),
        (status = 400, description = "Malformed, badly signed or invalid envelope", body = crate::wire::ErrorOut),
        (status = 403, description = "`unknown_sender`: the sender is not in the directory", body = crate::wire::ErrorOut),
        (status = 413, description = "Too large", body = crate::wire::ErrorOut),
        (status = 422, description = "`not_recipient` or `attachment_mismatch`", body = crate::wire::ErrorOut),
    )
)]
pub async fn deliver(State(node): State<Node>, body: Bytes) -> Result<Response, ApiError> {
    let inbound = parse_inbox(&body)?;
    let id = inbound.envelope.id().to_string();
    let out = match node.receive(inbound).await? {
        InboundOutcome::Receipts(receipts) => InboxOut {
            id,
            receipts: receipts
                .iter()
                .map(InboxEnvelope::from_signed)
                .collect::<Result<_, _>>()?,
            pong: None,
        },
        InboundOutcome::Pong(pong) => InboxOut {
            id,
            receipts: vec![],
            pong: Some(InboxEnvelope::from_signed(&pong)?),
        },
    };
    Ok((StatusCode::OK, axum::Json(out)).into_response())
}
