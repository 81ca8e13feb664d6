//! Notifications: filing, listing under TLP, reading, and the signed
//! envelope file.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use countersign_core::ids::EnvelopeId;
use countersign_node::Node;
use countersign_node::access::Viewer;

use crate::auth::{AnalystUser, Authed};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::wire::{ErrorOut, ListQuery, NotificationIn, NotificationOut, PageOut};

/// Signs and stores a notification. The sender defaults to the user's
/// party; deadlines default to 24 and 72 hours. Analysts and admins.
#[utoipa::path(
    post, path = "/v1/notifications", operation_id = "create_notification", tag = "notifications",
    request_body = NotificationIn,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "Signed and stored", body = NotificationOut,
            headers(("Location" = String, description = "/v1/notifications/{id}"))),
        (status = 400, description = "Invalid field or malformed JSON", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 403, description = "Viewer role, or sending for another party", body = ErrorOut),
        (status = 404, description = "Unknown recipient or attachment", body = ErrorOut),
        (status = 415, description = "Not JSON", body = ErrorOut),
        (status = 422, description = "Invalid STIX evidence, or missing or unknown fields", body = ErrorOut),
    )
)]
pub async fn create(
    State(node): State<Node>,
    AnalystUser(auth): AnalystUser,
    ApiJson(input): ApiJson<NotificationIn>,
) -> Result<Response, ApiError> {
    let request = input.into_request(&default_party(&node, &auth.viewer), vec![])?;
    let detail = node.notify(&auth.viewer, request).await?;
    let out = NotificationOut::from(&detail);
    Ok(super::parties::created(
        &format!("/v1/notifications/{}", out.header.id),
        Json(out),
    ))
}

/// The party a viewer acts for by default.
pub(crate) fn default_party(node: &Node, viewer: &Viewer) -> countersign_core::ids::PartyId {
    viewer
        .party()
        .cloned()
        .unwrap_or_else(|| node.config().default_party.clone())
}

/// Notifications the caller may see (TLP), newest first, a page at a time.
#[utoipa::path(
    get, path = "/v1/notifications", operation_id = "list_notifications", tag = "notifications",
    params(ListQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "One page", body = PageOut),
        (status = 400, description = "Bad filter value, limit or cursor", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
    )
)]
pub async fn list(
    State(node): State<Node>,
    auth: Authed,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PageOut>, ApiError> {
    let (filter, page) = query.to_filter()?;
    let page = node.list_notifications(&auth.viewer, filter, page).await?;
    Ok(Json(PageOut::from(&page)))
}

/// One notification. One the caller may not see (TLP) is not found.
#[utoipa::path(
    get, path = "/v1/notifications/{id}", operation_id = "get_notification", tag = "notifications",
    params(("id" = String, Path, description = "Envelope id (64 hex digits)")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The notification", body = NotificationOut),
        (status = 400, description = "Not an envelope id", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "Unknown, or not visible to the caller", body = ErrorOut),
    )
)]
pub async fn get(
    State(node): State<Node>,
    auth: Authed,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<NotificationOut>, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let detail = node.get_notification(&auth.viewer, &id).await?;
    Ok(Json(NotificationOut::from(&detail)))
}

/// The signed envelope in its file form, for `countersign verify`.
#[utoipa::path(
    get, path = "/v1/notifications/{id}/envelope", operation_id = "get_notification_envelope", tag = "notifications",
    params(("id" = String, Path, description = "Envelope id")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "{\"envelope\": {...}, \"signature\": \"...\"}", content_type = "application/json", body = crate::wire::SignedEnvelopeOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "Unknown, or not visible to the caller", body = ErrorOut),
    )
)]
pub async fn envelope(
    State(node): State<Node>,
    auth: Authed,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let detail = node.get_notification(&auth.viewer, &id).await?;
    super::json_text(
        detail.envelope.to_json_pretty()?,
        Some(&format!("{id}.envelope.json")),
    )
}

/// A recipient's receipt for the notification, as a file `countersign
/// verify --key <party vkey> --log-key <its log vkey>` checks offline.
#[utoipa::path(
    get, path = "/v1/notifications/{id}/receipts/{party}", operation_id = "get_notification_receipt", tag = "notifications",
    params(("id" = String, Path, description = "Envelope id"), ("party" = String, Path, description = "Recipient party id")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The receipt envelope in file form", content_type = "application/json", body = crate::wire::SignedEnvelopeOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "Unknown, not visible, or no receipt from that party", body = ErrorOut),
    )
)]
pub async fn receipt(
    State(node): State<Node>,
    auth: Authed,
    ApiPath((id, party)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let party = countersign_core::ids::PartyId::parse(&party)?;
    // Visibility is the notification's, and the receipt's own: the
    // detail lists only the recipients whose exchange the viewer may see.
    let detail = node.get_notification(&auth.viewer, &id).await?;
    if !detail.recipients.iter().any(|r| r.party == party) {
        return Err(ApiError::not_found(format!(
            "{party} has given no receipt for {id}"
        )));
    }
    let receipt = node
        .receipt_for(&id, &party)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{party} has given no receipt for {id}")))?;
    super::json_text(
        receipt.to_json_pretty()?,
        Some(&format!("{id}.receipt.{party}.json")),
    )
}

/// Replies to a notification from one of its recipients hosted here:
/// signed, stored, logged and queued for delivery to the notifier.
/// Analysts and admins of the replying party.
#[utoipa::path(
    post, path = "/v1/notifications/{id}/replies", operation_id = "create_reply", tag = "notifications",
    params(("id" = String, Path, description = "The notification's envelope id")),
    request_body = crate::wire::ReplyIn,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "Signed and stored; delivery queued", body = crate::wire::SignedEnvelopeOut),
        (status = 400, description = "Invalid field, or not a recipient", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 403, description = "Viewer role, or replying for another party", body = ErrorOut),
        (status = 404, description = "Unknown or not visible", body = ErrorOut),
        (status = 422, description = "Invalid STIX evidence, or unknown fields", body = ErrorOut),
    )
)]
pub async fn reply(
    State(node): State<Node>,
    AnalystUser(auth): AnalystUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<crate::wire::ReplyIn>,
) -> Result<Response, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let (from, reply) = input.into_domain()?;
    let signed = node.reply(&auth.viewer, &id, from, reply).await?;
    let out = crate::wire::SignedEnvelopeOut {
        envelope: signed.envelope().to_value()?,
        signature: signed.signature().to_owned(),
    };
    Ok(super::parties::created(
        &format!("/v1/notifications/{id}"),
        Json(out),
    ))
}
