//! Attachments: uploading bytes before filing, downloading those of a
//! notification.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use countersign_core::ids::{EnvelopeId, Sha256Hex};
use countersign_node::Node;

use crate::auth::{AnalystUser, Authed};
use crate::error::{ApiBytes, ApiError, ApiPath};
use crate::wire::{ErrorOut, UploadOut};

/// Stores the raw request body as an attachment blob; name it when filing
/// a notification (`attachments: [{sha256, name, media_type}]`). The body
/// limit is the node's `max_attachment_bytes`. Analysts and admins.
#[utoipa::path(
    put, path = "/v1/attachments", operation_id = "upload_attachment", tag = "attachments",
    request_body(content = crate::wire::Binary, description = "The file's bytes", content_type = "application/octet-stream"),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Stored (storing the same bytes twice is fine)", body = UploadOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 403, description = "Viewer role", body = ErrorOut),
        (status = 413, description = "Larger than the node accepts", body = ErrorOut),
    )
)]
pub async fn upload(
    State(node): State<Node>,
    _analyst: AnalystUser,
    ApiBytes(body): ApiBytes,
) -> Result<Json<UploadOut>, ApiError> {
    let sha256 = node.put_blob(&body).await?;
    Ok(Json(UploadOut {
        sha256: sha256.to_string(),
        size: body.len() as u64,
    }))
}

/// The same as `PUT /v1/attachments`, for clients that can only POST.
#[utoipa::path(
    post, path = "/v1/attachments", operation_id = "upload_attachment_post", tag = "attachments",
    request_body(content = crate::wire::Binary, description = "The file's bytes", content_type = "application/octet-stream"),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Stored", body = UploadOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 403, description = "Viewer role", body = ErrorOut),
        (status = 413, description = "Larger than the node accepts", body = ErrorOut),
    )
)]
pub async fn upload_post(
    state: State<Node>,
    analyst: AnalystUser,
    body: ApiBytes,
) -> Result<Json<UploadOut>, ApiError> {
    upload(state, analyst, body).await
}

/// An attachment of a notification the caller may see, as a download.
#[utoipa::path(
    get, path = "/v1/notifications/{id}/attachments/{sha256}", operation_id = "download_attachment", tag = "attachments",
    params(
        ("id" = String, Path, description = "Envelope id"),
        ("sha256" = String, Path, description = "The attachment's SHA-256"),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The bytes, with Content-Disposition: attachment", content_type = "application/octet-stream", body = crate::wire::Binary),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "Unknown notification or attachment", body = ErrorOut),
    )
)]
pub async fn download(
    State(node): State<Node>,
    auth: Authed,
    ApiPath((id, sha256)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let sha256 = Sha256Hex::parse(&sha256)?;
    let (reference, bytes) = node.get_attachment(&auth.viewer, &id, &sha256).await?;
    // The declared type is the sender's word; the file is always a
    // download, never rendered by the browser in this origin.
    let media_type = HeaderValue::from_str(&reference.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CONTENT_DISPOSITION,
                super::content_disposition(&reference.name)?,
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            ),
        ],
        bytes,
    )
        .into_response())
}
