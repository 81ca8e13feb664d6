//! The TAXII error message resource (TAXII 2.1 §3.6.1) as the one error of
//! the `/taxii2/` routes: every error, including 401, 406, 415 and unknown
//! paths, is answered with the TAXII content type and
//! `{"title", "description", "http_status", "error_code"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_node::NodeError;
use serde::Serialize;

use crate::error::ApiError;
use crate::taxii::TAXII_CONTENT_TYPE;

/// An error answered to a TAXII client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiError(pub ApiError);

#[derive(Serialize)]
struct ErrorResource<'a> {
    title: &'a str,
    description: &'a str,
    http_status: String,
    error_code: &'a str,
}

impl TaxiiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        TaxiiError(ApiError::invalid(message))
    }

    pub fn not_acceptable() -> Self {
        TaxiiError(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "this server answers application/taxii+json;version=2.1 only: send that Accept header",
        ))
    }

    pub fn unsupported_media_type() -> Self {
        TaxiiError(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as Content-Type: application/taxii+json;version=2.1",
        ))
    }
}

impl From<ApiError> for TaxiiError {
    fn from(e: ApiError) -> Self {
        TaxiiError(e)
    }
}

impl From<NodeError> for TaxiiError {
    fn from(e: NodeError) -> Self {
        TaxiiError(ApiError::from(e))
    }
}

fn title_of(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let body = ErrorResource {
            title: title_of(e.status),
            description: e.public_message(),
            http_status: e.status.as_u16().to_string(),
            error_code: e.code,
        };
        let text = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned());
        let mut response =
            (e.status, [(header::CONTENT_TYPE, TAXII_CONTENT_TYPE)], text).into_response();
        if e.status == StatusCode::UNAUTHORIZED {
            let h = response.headers_mut();
            h.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"countersign TAXII\", charset=\"UTF-8\""),
            );
            h.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"countersign\""),
            );
        }
        response
    }
}
