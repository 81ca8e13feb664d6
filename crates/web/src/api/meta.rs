//! Health, the OpenAPI document, the public keys of hosted parties, and
//! who the caller is.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use countersign_node::Node;

use crate::auth::Authed;
use crate::error::ApiError;
use crate::wire::{ErrorOut, HealthOut, PartyKeysOut, UserOut};

/// Whether the node answers. Public.
#[utoipa::path(
    get, path = "/health", operation_id = "health", tag = "meta",
    responses((status = 200, description = "The node answers", body = HealthOut))
)]
pub async fn health() -> Json<HealthOut> {
    Json(HealthOut {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// This document. Public.
#[utoipa::path(
    get, path = "/v1/openapi.json", operation_id = "openapi", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi() -> Result<Response, ApiError> {
    super::json_text(crate::openapi::openapi_json(), None)
}

/// The public verifier keys of the parties this node hosts, to verify
/// their envelopes and receipts offline. Public.
#[utoipa::path(
    get, path = "/v1/keys", operation_id = "list_keys", tag = "meta",
    responses(
        (status = 200, description = "One entry per hosted party", body = Vec<PartyKeysOut>),
    )
)]
pub async fn keys(State(node): State<Node>) -> Result<Json<Vec<PartyKeysOut>>, ApiError> {
    let mut out = Vec::new();
    for id in node.hosted_parties() {
        let party = node.get_party(&id).await?;
        out.push(PartyKeysOut::from(&party.party));
    }
    Ok(Json(out))
}

/// The user the request authenticates as.
#[utoipa::path(
    get, path = "/v1/me", operation_id = "get_me", tag = "session",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The caller", body = UserOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
    )
)]
pub async fn me(auth: Authed) -> Result<Json<UserOut>, ApiError> {
    UserOut::of(&auth.viewer)
        .map(Json)
        .ok_or_else(|| ApiError::internal("the operator has no user"))
}
