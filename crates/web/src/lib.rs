//! countersign's HTTP face: the REST API under `/v1` with its OpenAPI 3.1
//! document, authentication (bearer tokens and the session cookie), and a
//! server-rendered web UI, all over one [`countersign_node::Node`].
//!
//! Entry points: [`router`] (the whole application as an axum `Router`,
//! testable without a socket), [`serve`] (the router on a listener, with
//! graceful shutdown on Ctrl-C) and [`openapi_json`]. Main types: the wire
//! types in [`wire`] (the JSON shapes clients see, converted explicitly
//! from and to domain types), [`error::ApiError`] (the one HTTP error,
//! `{"error": {"code", "message"}}` with a stable code), and the
//! extractors in [`auth`] ([`auth::Authed`] for the API,
//! [`auth::UiSession`] for pages).
//!
//! This is the only crate that knows HTTP and the wire JSON. Handlers are
//! thin: they authenticate, parse, authorise and convert, then call the
//! node, which holds every business rule. It must not reach storage except
//! through the node.
//!
//! The TAXII 2.1 server lives under `/taxii2/` ([`taxii`]), with its own
//! error shape and content type, HTTP Basic besides bearer tokens.
//!
//! Routes without authentication: `GET /health`, `GET /v1/keys`,
//! `GET /v1/openapi.json`, `POST /v1/session`, `POST /v1/inbox` (envelopes
//! authenticate themselves), the login page and
//! `/assets/*`. Everything else answers 401 (API) or redirects to `/login`
//! (pages).

pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod openapi;
pub mod report;
pub mod taxii;
pub mod tls;
pub mod ui;
pub mod wire;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use countersign_node::Node;

pub use error::ApiError;
pub use openapi::openapi_json;

/// The largest JSON body (a notification with its STIX bundle).
pub const MAX_JSON_BODY: usize = 16 * 1024 * 1024;
/// What the web form may carry besides its attachment (the pasted bundle).
const FORM_OVERHEAD: usize = MAX_JSON_BODY;

/// The whole application over a node.
pub fn router(node: Node) -> Router {
    let max_attachment = usize::try_from(node.config().max_attachment_bytes).unwrap_or(usize::MAX);
    let api = Router::new()
        .route("/health", get(api::meta::health))
        .route("/v1/openapi.json", get(api::meta::openapi))
        .route("/v1/keys", get(api::meta::keys))
        .route("/v1/me", get(api::meta::me))
        .route("/log/checkpoint", get(api::log::checkpoint))
        .route("/log/tile/{*path}", get(api::log::tile))
        .route(
            "/witness/add-checkpoint",
            post(api::log::add_checkpoint).layer(DefaultBodyLimit::max(api::log::MAX_WITNESS_BODY)),
        )
        .route(
            "/v1/inbox",
            post(api::inbox::deliver).layer(DefaultBodyLimit::max(api::inbox::max_inbox_body(
                node.config().max_attachment_bytes,
            ))),
        )
        .route(
            "/v1/inbox/batch",
            post(api::inbox::deliver_batch).layer(DefaultBodyLimit::max(crate::MAX_JSON_BODY)),
        )
        .route(
            "/v1/session",
            post(api::session::login).delete(api::session::logout),
        )
        .route(
            "/v1/parties",
            get(api::parties::list).post(api::parties::add),
        )
        .route("/v1/parties/import", post(api::parties::import))
        .route("/v1/parties/{id}", get(api::parties::get))
        .route("/v1/parties/{id}/entry", get(api::parties::entry))
        .route(
            "/v1/notifications",
            get(api::notifications::list).post(api::notifications::create),
        )
        .route("/v1/notifications/{id}", get(api::notifications::get))
        .route(
            "/v1/notifications/{id}/envelope",
            get(api::notifications::envelope),
        )
        .route(
            "/v1/notifications/{id}/replies",
            post(api::notifications::reply),
        )
        .route(
            "/v1/notifications/{id}/receipts/{party}",
            get(api::notifications::receipt),
        )
        .route(
            "/v1/notifications/{id}/timeline",
            get(api::obligations::timeline),
        )
        .route("/v1/replies/{id}/rating", post(api::obligations::rate))
        .route(
            "/v1/replies/{id}/rating-proposal",
            get(api::obligations::proposal),
        )
        .route("/v1/obligations/due", get(api::obligations::due))
        .route("/v1/scorecards", get(api::obligations::scorecards))
        .route("/v1/scorecards/report", get(api::obligations::report))
        .route(
            "/v1/notifications/{id}/attachments/{sha256}",
            get(api::attachments::download),
        )
        .route(
            "/v1/attachments",
            put(api::attachments::upload)
                .post(api::attachments::upload_post)
                .layer(DefaultBodyLimit::max(max_attachment)),
        );
    let ui = Router::new()
        .route("/", get(ui::notifications::list))
        .route("/login", get(ui::login::show).post(ui::login::submit))
        .route("/logout", post(ui::login::logout))
        .route("/dashboard", get(ui::dashboard::show))
        .route("/parties", get(ui::parties::list))
        .route("/log", get(ui::log::show))
        .route(
            "/notifications/new",
            get(ui::notifications::new)
                .post(ui::notifications::create)
                .layer(DefaultBodyLimit::max(
                    max_attachment.saturating_add(FORM_OVERHEAD),
                )),
        )
        .route("/notifications/{id}", get(ui::notifications::detail))
        .route("/notifications/{id}/reply", post(ui::replies::reply))
        .route(
            "/notifications/{id}/replies/{reply}/rating",
            post(ui::replies::rate),
        )
        .route("/assets/style.css", get(ui::style));
    api.merge(ui)
        .merge(taxii::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(middleware::from_fn(log_request))
        .with_state(node)
}

/// One log line per request: method, path (never the query or headers,
/// which may carry secrets), status and time taken.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Unknown paths: JSON under `/v1` and for programs, a page for browsers.
async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    if is_taxii_path(&uri) {
        return taxii::fallback(uri.path(), false);
    }
    let err = ApiError::not_found(format!("there is nothing at {}", uri.path()));
    if wants_html(&uri, &headers) {
        ui::error_page(None, &err)
    } else {
        err.into_response()
    }
}

async fn method_not_allowed(uri: Uri) -> Response {
    if is_taxii_path(&uri) {
        return taxii::fallback(uri.path(), true);
    }
    ApiError::method_not_allowed().into_response()
}

fn is_taxii_path(uri: &Uri) -> bool {
    uri.path() == "/taxii2" || uri.path().starts_with("/taxii2/")
}

fn wants_html(uri: &Uri, headers: &HeaderMap) -> bool {
    !uri.path().starts_with("/v1/")
        && headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// Serves the application on `listener` until Ctrl-C, then finishes the
/// requests in flight.
pub async fn serve(node: Node, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the REST API and web UI");
    }
    axum::serve(listener, router(node))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    match tokio::signal::ctrl_c().await {
        Ok(()) => tracing::info!("Ctrl-C: shutting down"),
        // Without a signal handler the server runs until killed.
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}
