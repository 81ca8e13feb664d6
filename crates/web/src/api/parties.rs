//! The directory: parties, adding one by hand, importing and exporting
//! signed directory entries.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_core::access::Role;
use countersign_core::ids::PartyId;
use countersign_node::Node;
use countersign_node::parties::ImportOutcome;
use countersign_store::PingStats;

use crate::auth::{AdminUser, Authed};
use crate::error::{ApiBytes, ApiError, ApiJson, ApiPath};
use crate::wire::{ErrorOut, ImportOut, PartyIn, PartyOut};

/// Every party in the directory, by id.
#[utoipa::path(
    get, path = "/v1/parties", operation_id = "list_parties", tag = "parties",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The directory", body = Vec<PartyOut>),
        (status = 401, description = "Not authenticated", body = ErrorOut),
    )
)]
pub async fn list(State(node): State<Node>, auth: Authed) -> Result<Json<Vec<PartyOut>>, ApiError> {
    auth.viewer.require(Role::Viewer)?;
    let parties = node.list_parties().await?;
    let stats: std::collections::BTreeMap<PartyId, PingStats> = node
        .ping_stats(None)
        .await?
        .into_iter()
        .map(|s| (s.party.clone(), s))
        .collect();
    Ok(Json(
        parties
            .iter()
            .map(|p| PartyOut::from(p).with_reachability(stats.get(&p.party.id)))
            .collect(),
    ))
}

/// One party, with its reachability from signed ping and pong.
#[utoipa::path(
    get, path = "/v1/parties/{id}", operation_id = "get_party", tag = "parties",
    params(("id" = String, Path, description = "Party id, e.g. cert-aurelia")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The party", body = PartyOut),
        (status = 400, description = "Not a party id", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "Not in the directory", body = ErrorOut),
    )
)]
pub async fn get(
    State(node): State<Node>,
    auth: Authed,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PartyOut>, ApiError> {
    auth.viewer.require(Role::Viewer)?;
    let id = PartyId::parse(&id)?;
    let party = node.get_party(&id).await?;
    let stats = node.ping_stats(Some(&id)).await?;
    Ok(Json(
        PartyOut::from(&party).with_reachability(stats.first()),
    ))
}

/// Adds a party known by other means, its keys given by hand. Admins only.
#[utoipa::path(
    post, path = "/v1/parties", operation_id = "add_party", tag = "parties",
    request_body = PartyIn,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "Added", body = PartyOut,
            headers(("Location" = String, description = "/v1/parties/{id}"))),
        (status = 400, description = "Invalid party", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 403, description = "Not an admin", body = ErrorOut),
        (status = 409, description = "The id exists already", body = ErrorOut),
        (status = 415, description = "Not JSON", body = ErrorOut),
        (status = 422, description = "Missing or unknown fields", body = ErrorOut),
    )
)]
pub async fn add(
    State(node): State<Node>,
    _admin: AdminUser,
    ApiJson(input): ApiJson<PartyIn>,
) -> Result<Response, ApiError> {
    let party = input.into_party()?;
    let id = party.id.clone();
    node.add_party(party).await?;
    let stored = node.get_party(&id).await?;
    Ok(created(
        &format!("/v1/parties/{id}"),
        Json(PartyOut::from(&stored)),
    ))
}

/// Imports a signed directory entry (the file `GET /v1/parties/{id}/entry`
/// gives), under the rules of key continuity and no rollback. Admins only.
#[utoipa::path(
    post, path = "/v1/parties/import", operation_id = "import_party", tag = "parties",
    request_body(content = Object, description = "A signed directory entry: {\"envelope\": {...}, \"signature\": \"...\"}", content_type = "application/json"),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "A new party was added", body = ImportOut),
        (status = 200, description = "A known party was updated, or the entry was imported before", body = ImportOut),
        (status = 400, description = "Malformed entry, or its signature does not verify", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 403, description = "Not an admin", body = ErrorOut),
    )
)]
pub async fn import(
    State(node): State<Node>,
    _admin: AdminUser,
    ApiBytes(body): ApiBytes,
) -> Result<Response, ApiError> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::invalid("the directory entry is not UTF-8 text"))?;
    let outcome = node.import_party(text, &[]).await?;
    let id = match &outcome {
        ImportOutcome::Added(id) | ImportOutcome::Updated(id) | ImportOutcome::Unchanged(id) => {
            id.clone()
        }
    };
    let stored = node.get_party(&id).await?;
    let out = Json(ImportOut::new(&outcome, &stored));
    Ok(match outcome {
        ImportOutcome::Added(_) => created(&format!("/v1/parties/{id}"), out),
        _ => out.into_response(),
    })
}

/// The party's signed directory entry: freshly signed for a party this
/// node hosts, as imported for another.
#[utoipa::path(
    get, path = "/v1/parties/{id}/entry", operation_id = "export_party_entry", tag = "parties",
    params(("id" = String, Path, description = "Party id")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The signed entry, file form", content_type = "application/json", body = Object),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "Unknown party, or one added by hand (no signed entry)", body = ErrorOut),
    )
)]
pub async fn entry(
    State(node): State<Node>,
    auth: Authed,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    auth.viewer.require(Role::Viewer)?;
    let id = PartyId::parse(&id)?;
    let signed = node.export_party(&id).await?;
    super::json_text(signed.to_json_pretty()?, Some(&format!("{id}.entry.json")))
}

/// 201 with a Location header.
pub(crate) fn created(location: &str, body: impl IntoResponse) -> Response {
    let mut response = (StatusCode::CREATED, body).into_response();
    if let Ok(value) = header::HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
