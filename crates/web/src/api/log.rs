//! The node's transparency log and witness, as C2SP specifies them: the
//! signed checkpoint and tiles (tlog-tiles) and `add-checkpoint`
//! (tlog-witness v1.0.0). All public: a checkpoint and its tiles are what
//! auditors fetch, and a witness request authenticates itself by the log's
//! signature.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_node::Node;

use crate::error::ApiError;

/// The largest add-checkpoint body: 63 proof lines, a checkpoint and its
/// signatures fit in far less.
pub const MAX_WITNESS_BODY: usize = 64 * 1024;

/// The latest signed checkpoint (tlog-checkpoint v1.0.0). Public.
#[utoipa::path(
    get, path = "/log/checkpoint", operation_id = "log_checkpoint", tag = "log",
    responses((status = 200, description = "The signed checkpoint note", content_type = "text/plain"))
)]
pub async fn checkpoint(State(node): State<Node>) -> Result<Response, ApiError> {
    let text = node.log_checkpoint().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            // A checkpoint changes with every batch.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response())
}

/// A hash tile or an entry bundle (tlog-tiles): `tile/<L>/<N>[.p/<W>]` or
/// `tile/entries/<N>[.p/<W>]`. Public.
#[utoipa::path(
    get, path = "/log/tile/{path}", operation_id = "log_tile", tag = "log",
    params(("path" = String, Path, description = "The tile path after `tile/`, e.g. `0/x001/234` or `entries/000.p/7`")),
    responses(
        (status = 200, description = "The tile bytes", content_type = "application/octet-stream"),
        (status = 400, description = "Not a tile path", body = crate::wire::ErrorOut),
        (status = 404, description = "No such tile yet", body = crate::wire::ErrorOut),
    )
)]
pub async fn tile(
    State(node): State<Node>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let full_path = format!("tile/{path}");
    let Some(bytes) = node.log_tile(&full_path).await? else {
        return Err(ApiError::from(countersign_node::NodeError::not_found(
            format!("no tile {full_path} yet"),
        )));
    };
    // Full tiles never change; partial ones are replaced as the log grows.
    let cache = if path.contains(".p/") {
        "public, max-age=60"
    } else {
        "public, max-age=31536000, immutable"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

/// Asks this node, as a witness, to cosign a checkpoint of a log it knows
/// (tlog-witness v1.0.0). Public: the checkpoint is signed by the log.
#[utoipa::path(
    post, path = "/witness/add-checkpoint", operation_id = "witness_add_checkpoint", tag = "log",
    request_body(content = String, content_type = "text/plain", description = "`old <size>`, consistency proof lines, a blank line, the checkpoint"),
    responses(
        (status = 200, description = "Cosignature lines", content_type = "text/plain"),
        (status = 400, description = "Malformed request or old size larger than the new one"),
        (status = 403, description = "No trusted signature of the log"),
        (status = 404, description = "Unknown log origin"),
        (status = 409, description = "Old size is not the witness's latest (body: its size, `text/x.tlog.size`), or same size with another root"),
        (status = 422, description = "The consistency proof does not verify"),
    )
)]
pub async fn add_checkpoint(State(node): State<Node>, body: Bytes) -> Response {
    if body.len() > MAX_WITNESS_BODY {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text/plain; charset=utf-8",
            "request too large\n".into(),
        );
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            "request is not UTF-8\n".into(),
        );
    };
    match node.witness_add_checkpoint(text).await {
        Ok(lines) => plain(StatusCode::OK, "text/plain; charset=utf-8", lines),
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            plain(status, e.content_type, e.body)
        }
    }
}

fn plain(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}
