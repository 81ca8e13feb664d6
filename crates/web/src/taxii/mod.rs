//! The TAXII 2.1 server at `/taxii2/` (OASIS TAXII 2.1, §4 and §5).
//!
//! Routes (each also without its trailing slash):
//!
//! | route | method | |
//! |---|---|---|
//! | `/taxii2/` | GET | discovery (§4.1) |
//! | `/taxii2/api/` | GET | the one API root (§4.2) |
//! | `/taxii2/api/status/{id}/` | GET | status of a POST (§4.3) |
//! | `/taxii2/api/collections/` | GET | collections (§5.1) |
//! | `/taxii2/api/collections/{id}/` | GET | a collection (§5.2) |
//! | `/taxii2/api/collections/{id}/manifest/` | GET | manifest (§5.3) |
//! | `/taxii2/api/collections/{id}/objects/` | GET, POST | objects (§5.4, §5.5) |
//! | `/taxii2/api/collections/{id}/objects/{object_id}/` | GET, DELETE | an object (§5.6, §5.7) |
//! | `/taxii2/api/collections/{id}/objects/{object_id}/versions/` | GET | its versions (§5.8) |
//!
//! Collections are one per TLP level and filtered per object by the TLP
//! rule: see `countersign_node::taxii` and `countersign_node::access`.
//!
//! Wire rules kept here:
//!
//! - Content negotiation ([`negotiate`]): `Accept` must admit
//!   `application/taxii+json;version=2.1` (a bare `application/taxii+json`,
//!   `application/*` and `*/*` do, as does no `Accept` at all), else 406; a
//!   POST body must be `application/taxii+json` (version 2.1 or none), else
//!   415. Every answer, errors included, is
//!   `application/taxii+json;version=2.1`, errors as the TAXII error
//!   message resource ([`error::TaxiiError`]).
//! - Authentication: HTTP Basic with a node user's username and password,
//!   or `Authorization: Bearer <API token>`; without, 401 with
//!   `WWW-Authenticate` for both schemes.
//! - Filters and pagination (§3.4): `added_after` (against `date_added`),
//!   `limit` (at most 1,000, the default), `next`, `match[id]`,
//!   `match[type]`, `match[version]` (`last` by default, `first`, `all`,
//!   timestamps), `match[spec_version]`; anything malformed, repeated or
//!   not taken by the endpoint is a 400 ([`params`]). `next` is set
//!   whenever `more` is true, on objects, manifest and versions alike.
//! - `X-TAXII-Date-Added-First` and `-Last` on every 2xx read: the
//!   `date_added` of the first and last item, or, for an empty result,
//!   the `added_after` given (else the epoch), so that a client polling
//!   with the header's value never skips anything.
//! - `date_added` is microseconds, UTC, `Z`, unique and strictly
//!   increasing (assigned by the store), so paging is exact.
//! - POST is checked whole: invalid STIX is 422 with every problem and
//!   nothing stored; a valid request is 202 with a `complete` status.

pub mod error;
mod handlers;
pub mod params;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use countersign_node::Node;

pub use error::TaxiiError;

/// The TAXII 2.1 media type, sent on every answer.
pub const TAXII_CONTENT_TYPE: &str = "application/taxii+json;version=2.1";
/// The path of the one API root.
pub const API_ROOT: &str = "/taxii2/api/";
/// The largest POST body (the API root's `max_content_length`).
pub const MAX_CONTENT_LENGTH: usize = 64 * 1024 * 1024;

/// The TAXII routes, to merge into the application router.
pub fn router() -> Router<Node> {
    let mut r = Router::new();
    let routes: [(&str, axum::routing::MethodRouter<Node>); 9] = [
        ("/taxii2", get(handlers::discovery)),
        ("/taxii2/api", get(handlers::api_root)),
        ("/taxii2/api/status/{id}", get(handlers::status)),
        ("/taxii2/api/collections", get(handlers::collections)),
        ("/taxii2/api/collections/{id}", get(handlers::collection)),
        (
            "/taxii2/api/collections/{id}/manifest",
            get(handlers::manifest),
        ),
        (
            "/taxii2/api/collections/{id}/objects",
            get(handlers::objects).post(handlers::add_objects),
        ),
        (
            "/taxii2/api/collections/{id}/objects/{object_id}",
            get(handlers::object).delete(handlers::delete_object),
        ),
        (
            "/taxii2/api/collections/{id}/objects/{object_id}/versions",
            get(handlers::versions),
        ),
    ];
    for (path, route) in routes {
        r = r
            .route(path, route.clone())
            .route(&format!("{path}/"), route);
    }
    r.route_layer(middleware::from_fn(negotiate))
        .layer(DefaultBodyLimit::max(MAX_CONTENT_LENGTH))
}

/// Whether a media type (with parameters) is TAXII 2.1 or any version of it.
fn is_taxii(media: &str, allow_wildcards: bool) -> bool {
    let mut parts = media.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
    let version_ok = parts
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("version"))
        .all(|(_, v)| v.trim().trim_matches('"') == "2.1");
    match essence.as_str() {
        "application/taxii+json" => version_ok,
        "*/*" | "application/*" => allow_wildcards,
        _ => false,
    }
}

/// Content negotiation for every TAXII route: see the module documentation.
pub async fn negotiate(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let accept_ok = headers
        .get_all(header::ACCEPT)
        .iter()
        .map(|v| v.to_str().unwrap_or_default())
        .collect::<Vec<_>>();
    let acceptable = accept_ok.is_empty()
        || accept_ok
            .iter()
            .flat_map(|v| v.split(','))
            .any(|m| is_taxii(m, true));
    if !acceptable {
        return TaxiiError::not_acceptable().into_response();
    }
    if request.method() == Method::POST {
        let ok = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| is_taxii(ct, false));
        if !ok {
            return TaxiiError::unsupported_media_type().into_response();
        }
    }
    next.run(request).await
}

/// Answers for paths under `/taxii2/` that match no route or method.
pub fn fallback(path: &str, method_not_allowed: bool) -> Response {
    let e = if method_not_allowed {
        crate::ApiError::new(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{path} does not answer this method"),
        )
    } else {
        crate::ApiError::not_found(format!("there is no TAXII resource at {path}"))
    };
    TaxiiError(e).into_response()
}

#[cfg(test)]
mod tests {
    use super::is_taxii;

    #[test]
    fn media_types() {
        assert!(is_taxii("application/taxii+json;version=2.1", false));
        assert!(is_taxii("application/taxii+json; version=\"2.1\"", false));
        assert!(is_taxii("application/taxii+json", false));
        assert!(is_taxii("Application/TAXII+JSON", false));
        assert!(!is_taxii("application/taxii+json;version=2.0", false));
        assert!(!is_taxii("application/json", true));
        assert!(!is_taxii("*/*", false));
        assert!(is_taxii("*/*", true));
    }
}
