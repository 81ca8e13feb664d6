//! `POST /v1/inbox`: where other nodes deliver envelopes
//! (docs/federation.md, "Delivery"). Public: an envelope authenticates
//! itself by its sender's signature, which the node checks against its
//! directory. The body is read as text and parsed strictly (duplicate
//! members refused), so the envelope id the node computes is the one the
//! sender signed.
//!
//! `POST /v1/inbox/batch` takes up to [`MAX_BATCH`] such deliveries in one
//! request (docs/federation.md, "Throughput"): each is checked, stored and
//! receipted on its own, exactly as if posted alone (all or nothing per
//! envelope, idempotent), and answered in order with its receipts or its
//! own error. Only the HTTP round trip is shared.

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

/// Most deliveries in one `POST /v1/inbox/batch`.
pub const MAX_BATCH: usize = 256;

/// What a sending node posts to `/v1/inbox/batch`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxBatchIn {
    /// Up to 256 deliveries, each as `POST /v1/inbox` takes it.
    pub deliveries: Vec<InboxIn>,
}

/// The answer to one delivery of a batch: its receipts (or pong), or why
/// it was refused.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InboxBatchItem {
    /// The delivered envelope's id (absent if it could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<InboxEnvelope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pong: Option<InboxEnvelope>,
    /// The HTTP status this delivery would have had alone (200 if it
    /// succeeded).
    pub status: u16,
    /// The refusal, as `POST /v1/inbox` would have answered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::wire::ErrorBody>,
}

/// The answer to a batch: one item per delivery, in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InboxBatchOut {
    pub results: Vec<InboxBatchItem>,
}

fn strict_value(body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "body is not UTF-8",
        )
    })?;
    jcs::parse_strict(text)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.message))
}

/// Parses an inbox body: strict JSON, the envelope, its attachments.
pub fn parse_inbox(body: &[u8]) -> Result<Inbound, ApiError> {
    inbound_from_value(strict_value(body)?)
}

/// An inbox delivery from its (strictly parsed) JSON value.
fn inbound_from_value(value: Value) -> Result<Inbound, ApiError> {
    inbound_from_input(inbox_in(value)?)
}

/// Takes an [`InboxIn`] apart from its JSON value by hand: the envelope
/// value is moved, not rebuilt as `serde_json::from_value` would.
/// Refuses what the derived form refuses (unknown members, wrong types,
/// missing envelope or signature).
fn inbox_in(value: Value) -> Result<InboxIn, ApiError> {
    let malformed = |why: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "not an inbox delivery ({why}); expected {{\"envelope\": {{...}}, \"signature\": \"...\", \"attachments\": {{\"<sha256>\": \"<base64>\"}}}}"
            ),
        )
    };
    let Value::Object(mut members) = value else {
        return Err(malformed("not an object".into()));
    };
    let (envelope, signature) =
        SignedEnvelope::take_file_members(&mut members).map_err(malformed)?;
    let attachments = match members.remove("attachments") {
        None => BTreeMap::new(),
        Some(v) => {
            serde_json::from_value(v).map_err(|e| malformed(format!("`attachments`: {e}")))?
        }
    };
    if let Some(unknown) = members.keys().next() {
        return Err(malformed(format!("unknown field `{unknown}`")));
    }
    Ok(InboxIn {
        envelope,
        signature,
        attachments,
    })
}

fn inbound_from_input(input: InboxIn) -> Result<Inbound, ApiError> {
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
    let out = answer(id, node.receive(inbound).await?)?;
    Ok((StatusCode::OK, axum::Json(out)).into_response())
}

fn answer(id: String, outcome: InboundOutcome) -> Result<InboxOut, ApiError> {
    Ok(match outcome {
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
    })
}

/// Delivers several envelopes in one request: each is handled exactly as
/// `POST /v1/inbox` handles it (checked, stored and receipted on its own,
/// idempotent), concurrently, and answered in order. A malformed batch is
/// refused whole; a refused delivery only fails its own item.
#[utoipa::path(
    post, path = "/v1/inbox/batch", operation_id = "inbox_deliver_batch", tag = "federation",
    request_body(content = InboxBatchIn, content_type = "application/json"),
    responses(
        (status = 200, description = "One result per delivery, in order: receipts (or a pong), or the error the delivery alone would have had", body = InboxBatchOut),
        (status = 400, description = "Not a batch, or more than 256 deliveries", body = crate::wire::ErrorOut),
        (status = 413, description = "Too large", body = crate::wire::ErrorOut),
    )
)]
pub async fn deliver_batch(State(node): State<Node>, body: Bytes) -> Result<Response, ApiError> {
    let not_a_batch = |why: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "not an inbox batch ({why}); expected {{\"deliveries\": [{{\"envelope\": {{...}}, \"signature\": \"...\"}}, ...]}}"
            ),
        )
    };
    // Taken apart by hand, like each delivery (`inbox_in`): the envelopes
    // are moved out of the parsed value, not rebuilt.
    let Value::Object(mut members) = strict_value(&body)? else {
        return Err(not_a_batch("not an object"));
    };
    let Some(Value::Array(deliveries)) = members.remove("deliveries") else {
        return Err(not_a_batch("`deliveries` is missing or not an array"));
    };
    if let Some(unknown) = members.keys().next() {
        return Err(not_a_batch(&format!("unknown field `{unknown}`")));
    }
    if deliveries.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!(
            "{} deliveries in one batch; at most {MAX_BATCH}",
            deliveries.len()
        )));
    }
    // Parse every item first; those that parse are received together
    // (`Node::receive_batch`), each still on its own.
    let mut parsed: Vec<Result<String, ApiError>> = Vec::with_capacity(deliveries.len());
    let mut inbounds = Vec::new();
    for delivery in deliveries {
        match inbound_from_value(delivery) {
            Ok(inbound) => {
                parsed.push(Ok(inbound.envelope.id().to_string()));
                inbounds.push(inbound);
            }
            Err(e) => parsed.push(Err(e)),
        }
    }
    let mut outcomes = node.receive_batch(inbounds).await.into_iter();
    let mut results: Vec<InboxBatchItem> = Vec::with_capacity(parsed.len());
    for item in parsed {
        let result = item.and_then(|id| {
            let outcome = outcomes
                .next()
                .ok_or_else(|| ApiError::internal("an inbox batch item was lost"))?;
            answer(id, outcome?)
        });
        let item = match result {
            Ok(out) => InboxBatchItem {
                id: Some(out.id),
                receipts: out.receipts,
                pong: out.pong,
                status: StatusCode::OK.as_u16(),
                error: None,
            },
            Err(e) => {
                e.log();
                InboxBatchItem {
                    id: None,
                    receipts: vec![],
                    pong: None,
                    status: e.status.as_u16(),
                    error: Some(crate::wire::ErrorBody {
                        code: e.code.to_owned(),
                        message: e.public_message().to_owned(),
                    }),
                }
            }
        };
        results.push(item);
    }
    Ok((StatusCode::OK, axum::Json(InboxBatchOut { results })).into_response())
}
