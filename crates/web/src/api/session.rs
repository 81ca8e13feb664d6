//! Logging in and out with a password: the session behind the web UI's
//! cookie, usable by programs too.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_node::Node;
use countersign_node::auth::SESSION_HOURS;

use crate::auth::{self, Authed, Credential};
use crate::error::{ApiError, ApiJson};
use crate::wire::{ErrorOut, LoginIn, SessionOut, UserOut};

/// Seconds a session lasts.
pub fn session_seconds() -> u64 {
    u64::try_from(SESSION_HOURS).unwrap_or(12) * 3600
}

/// Logs in: checks the password, opens a session, sets the `cs_session`
/// cookie (HttpOnly, SameSite=Strict) and returns the session secret.
#[utoipa::path(
    post, path = "/v1/session", operation_id = "create_session", tag = "session",
    request_body = LoginIn,
    responses(
        (status = 201, description = "Logged in; the cookie is set", body = SessionOut,
            headers(("Set-Cookie" = String, description = "cs_session=...; HttpOnly; SameSite=Strict; Path=/"))),
        (status = 400, description = "Malformed JSON", body = ErrorOut),
        (status = 401, description = "Wrong username or password", body = ErrorOut),
        (status = 415, description = "Not JSON", body = ErrorOut),
        (status = 422, description = "Missing fields", body = ErrorOut),
    )
)]
pub async fn login(
    State(node): State<Node>,
    ApiJson(input): ApiJson<LoginIn>,
) -> Result<Response, ApiError> {
    let (secret, user) = node.login(&input.username, &input.password).await?;
    let cookie = auth::session_cookie_header(&secret, session_seconds())?;
    let body = SessionOut {
        user: UserOut::from(&user),
        token: secret,
        expires_in: session_seconds(),
    };
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        Json(body),
    )
        .into_response())
}

/// Logs out: ends the credential the request came with (the session
/// cookie, or the bearer secret, which revokes an API token too) and
/// clears the cookie.
#[utoipa::path(
    delete, path = "/v1/session", operation_id = "delete_session", tag = "session",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not authenticated", body = ErrorOut),
    )
)]
pub async fn logout(State(node): State<Node>, auth: Authed) -> Result<Response, ApiError> {
    node.logout(auth.credential.secret()).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if matches!(auth.credential, Credential::Cookie(_)) {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, auth::clear_cookie_header());
    }
    Ok(response)
}
