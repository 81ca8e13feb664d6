//! The one HTTP error type, [`ApiError`], and the request extractors that
//! turn axum's own rejections into it.
//!
//! Every error a client sees is `{"error": {"code": "...", "message": "..."}}`
//! with a status that matches the code. Codes are stable: clients match on
//! them. Internal errors are logged with their cause and shown with a
//! generic message, so storage details never reach a client.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Bytes};
use countersign_core::CoreError;
use countersign_node::{NodeError, NodeErrorKind};
use serde::de::DeserializeOwned;

use crate::wire::{ErrorBody, ErrorOut};

/// An error answered to an HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// The stable machine-readable code.
    pub code: &'static str,
    /// What the client is told.
    pub message: String,
}

/// The message shown instead of an internal error's cause.
const INTERNAL_MESSAGE: &str =
    "the server failed to handle this request; the cause is in the server log";

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn internal(cause: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", cause)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this resource does not answer that method; see /v1/openapi.json",
        )
    }

    /// The status a node error kind is answered with.
    pub fn status_of(kind: NodeErrorKind) -> StatusCode {
        match kind {
            NodeErrorKind::Invalid => StatusCode::BAD_REQUEST,
            NodeErrorKind::InvalidStix => StatusCode::UNPROCESSABLE_ENTITY,
            NodeErrorKind::BadSignature => StatusCode::BAD_REQUEST,
            NodeErrorKind::KeyNotValid => StatusCode::BAD_REQUEST,
            NodeErrorKind::NotFound => StatusCode::NOT_FOUND,
            NodeErrorKind::Duplicate => StatusCode::CONFLICT,
            NodeErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            NodeErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            NodeErrorKind::Forbidden => StatusCode::FORBIDDEN,
            NodeErrorKind::UnknownSender => StatusCode::FORBIDDEN,
            NodeErrorKind::NotRecipient => StatusCode::UNPROCESSABLE_ENTITY,
            NodeErrorKind::AttachmentMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            NodeErrorKind::BadReceipt => StatusCode::BAD_GATEWAY,
            // Internal, and any kind added later until it is mapped here.
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message as the client sees it (internal causes hidden).
    pub fn public_message(&self) -> &str {
        if self.status.is_server_error() {
            INTERNAL_MESSAGE
        } else {
            &self.message
        }
    }

    /// Logs the cause of a server error; client errors are not logged.
    pub fn log(&self) {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, cause = %self.message, "request failed");
        }
    }

    /// An axum rejection: its status, its text, and the code for a 400.
    fn rejection(status: StatusCode, text: String, code_400: &'static str) -> Self {
        let code = match status {
            StatusCode::BAD_REQUEST => code_400,
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            s if s.is_server_error() => "internal",
            _ => "invalid",
        };
        Self::new(status, code, text)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.message)
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        let status = Self::status_of(e.kind);
        let code = if status.is_server_error() {
            "internal"
        } else {
            e.kind.code()
        };
        ApiError::new(status, code, e.message)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        NodeError::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        Self::rejection(r.status(), r.body_text(), "malformed_json")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::rejection(r.status(), r.body_text(), "invalid")
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::rejection(r.status(), r.body_text(), "invalid")
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        Self::rejection(r.status(), r.body_text(), "invalid")
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(r: axum::extract::multipart::MultipartRejection) -> Self {
        Self::rejection(r.status(), r.body_text(), "invalid")
    }
}

impl From<axum::extract::multipart::MultipartError> for ApiError {
    fn from(r: axum::extract::multipart::MultipartError) -> Self {
        Self::rejection(r.status(), r.body_text(), "invalid")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let body = ErrorOut {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.public_message().to_owned(),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"countersign\""),
            );
        }
        response
    }
}

/// `axum::Json` whose rejections are [`ApiError`]s.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// `axum::extract::Query` whose rejections are [`ApiError`]s.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// `axum::extract::Path` whose rejections are [`ApiError`]s.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// The raw request body, whose rejections (including the body limit, 413)
/// are [`ApiError`]s.
#[derive(Debug, Clone)]
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(ApiBytes(Bytes::from_request(req, state).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_kinds_map_to_statuses_and_codes() {
        let cases = [
            (NodeErrorKind::Invalid, 400, "invalid"),
            (NodeErrorKind::InvalidStix, 422, "invalid_stix"),
            (NodeErrorKind::BadSignature, 400, "bad_signature"),
            (NodeErrorKind::KeyNotValid, 400, "key_not_valid"),
            (NodeErrorKind::NotFound, 404, "not_found"),
            (NodeErrorKind::Duplicate, 409, "duplicate"),
            (NodeErrorKind::TooLarge, 413, "too_large"),
            (NodeErrorKind::Unauthenticated, 401, "unauthenticated"),
            (NodeErrorKind::Forbidden, 403, "forbidden"),
            (NodeErrorKind::Internal, 500, "internal"),
        ];
        for (kind, status, code) in cases {
            let e = ApiError::from(NodeError::new(kind, "m"));
            assert_eq!((e.status.as_u16(), e.code), (status, code), "{kind:?}");
        }
    }

    #[test]
    fn internal_causes_are_not_shown() {
        let e = ApiError::from(NodeError::internal("disk /var/x failed"));
        assert!(!e.public_message().contains("/var/x"));
        let e = ApiError::invalid("bad title");
        assert_eq!(e.public_message(), "bad title");
    }
}
