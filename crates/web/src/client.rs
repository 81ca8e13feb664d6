//! The node's outbound side of federation: [`HttpTransport`] implements
//! `countersign_node::deliver::Transport` over HTTPS with reqwest and
//! rustls (no OpenSSL), and [`RouterTransport`] the same over in-process
//! routers, for tests and the one-process demo.
//!
//! How answers map: `200` with receipts is success; `400`, `413` and
//! `422` (bad signature, invalid, not a recipient, attachment mismatch,
//! too large) cannot change, so the delivery fails at once; everything
//! else (`403 unknown_sender` until the peer imports our entry, `5xx`,
//! timeouts, refused connections) is retried.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use countersign_core::envelope::SignedEnvelope;
use countersign_core::ids::Sha256Hex;
use countersign_node::deliver::{Transport, TransportError};
use serde_json::json;
use tower::ServiceExt;

use crate::api::inbox::InboxOut;

/// The inbox body for an envelope and its attachments.
fn inbox_body(
    envelope: &SignedEnvelope,
    attachments: &BTreeMap<Sha256Hex, Vec<u8>>,
) -> Result<String, TransportError> {
    let env = envelope
        .envelope()
        .to_value()
        .map_err(|e| TransportError::permanent(e.message))?;
    let atts: serde_json::Map<String, serde_json::Value> = attachments
        .iter()
        .map(|(sha, bytes)| {
            (
                sha.to_string(),
                json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
            )
        })
        .collect();
    Ok(
        json!({"envelope": env, "signature": envelope.signature(), "attachments": atts})
            .to_string(),
    )
}

/// Reads an inbox answer.
fn inbox_answer(status: StatusCode, body: &[u8]) -> Result<Vec<SignedEnvelope>, TransportError> {
    let text = String::from_utf8_lossy(body);
    if status != StatusCode::OK {
        let message = serde_json::from_slice::<crate::wire::ErrorOut>(body)
            .map(|e| format!("{} {}: {}", status.as_u16(), e.error.code, e.error.message))
            .unwrap_or_else(|_| {
                format!(
                    "{}: {}",
                    status.as_u16(),
                    text.chars().take(200).collect::<String>()
                )
            });
        let permanent = matches!(
            status,
            StatusCode::BAD_REQUEST
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::UNPROCESSABLE_ENTITY
        );
        return Err(TransportError { permanent, message });
    }
    let out: InboxOut = serde_json::from_slice(body)
        .map_err(|e| TransportError::retry(format!("the inbox answer is not readable: {e}")))?;
    out.receipts
        .into_iter()
        .map(|r| {
            SignedEnvelope::from_parts(r.envelope, r.signature)
                .map_err(|e| TransportError::retry(format!("malformed receipt: {}", e.message)))
        })
        .collect()
}

fn base(endpoint: &str) -> &str {
    endpoint.trim_end_matches('/')
}

/// Federation over HTTP(S): reqwest with rustls.
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    pub fn new() -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpTransport { client })
    }
}

#[async_trait]
impl Transport for HttpTransport {
    async fn deliver(
        &self,
        endpoint: &str,
        envelope: &SignedEnvelope,
        attachments: &BTreeMap<Sha256Hex, Vec<u8>>,
    ) -> Result<Vec<SignedEnvelope>, TransportError> {
        let body = inbox_body(envelope, attachments)?;
        let r = self
            .client
            .post(format!("{}/v1/inbox", base(endpoint)))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?;
        let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let bytes = r
            .bytes()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?;
        inbox_answer(status, &bytes)
    }

    async fn add_checkpoint(
        &self,
        endpoint: &str,
        body: &str,
    ) -> Result<(u16, String), TransportError> {
        let r = self
            .client
            .post(format!("{}/witness/add-checkpoint", base(endpoint)))
            .header("content-type", "text/plain; charset=utf-8")
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?;
        let status = r.status().as_u16();
        let text = r
            .text()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?;
        Ok((status, text))
    }

    async fn tile(&self, endpoint: &str, path: &str) -> Result<Option<Vec<u8>>, TransportError> {
        let r = self
            .client
            .get(format!("{}/log/{path}", base(endpoint)))
            .send()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?;
        if r.status().as_u16() == 404 {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(TransportError::retry(format!(
                "{endpoint}/log/{path}: {}",
                r.status()
            )));
        }
        Ok(Some(
            r.bytes()
                .await
                .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?
                .to_vec(),
        ))
    }
}

/// Federation between routers in one process, by endpoint.
#[derive(Clone, Default)]
pub struct RouterTransport {
    routers: std::sync::Arc<std::sync::RwLock<BTreeMap<String, Router>>>,
}

impl RouterTransport {
    /// Routes requests for `endpoint` to `router`.
    pub fn add(&self, endpoint: &str, router: Router) {
        self.routers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(base(endpoint).to_owned(), router);
    }

    /// Stops routing `endpoint` (the peer is "down").
    pub fn remove(&self, endpoint: &str) {
        self.routers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(base(endpoint));
    }

    async fn call(
        &self,
        endpoint: &str,
        request: Request<Body>,
    ) -> Result<(StatusCode, Vec<u8>), TransportError> {
        let router = self
            .routers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(base(endpoint))
            .cloned()
            .ok_or_else(|| TransportError::retry(format!("{endpoint}: connection refused")))?;
        let response = router
            .oneshot(request)
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {e}")))?;
        Ok((status, bytes.to_vec()))
    }
}

#[async_trait]
impl Transport for RouterTransport {
    async fn deliver(
        &self,
        endpoint: &str,
        envelope: &SignedEnvelope,
        attachments: &BTreeMap<Sha256Hex, Vec<u8>>,
    ) -> Result<Vec<SignedEnvelope>, TransportError> {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/inbox")
            .header("content-type", "application/json")
            .body(Body::from(inbox_body(envelope, attachments)?))
            .map_err(|e| TransportError::permanent(e.to_string()))?;
        let (status, body) = self.call(endpoint, request).await?;
        inbox_answer(status, &body)
    }

    async fn add_checkpoint(
        &self,
        endpoint: &str,
        body: &str,
    ) -> Result<(u16, String), TransportError> {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/witness/add-checkpoint")
            .body(Body::from(body.to_owned()))
            .map_err(|e| TransportError::permanent(e.to_string()))?;
        let (status, body) = self.call(endpoint, request).await?;
        Ok((status.as_u16(), String::from_utf8_lossy(&body).into_owned()))
    }

    async fn tile(&self, endpoint: &str, path: &str) -> Result<Option<Vec<u8>>, TransportError> {
        let request = Request::builder()
            .uri(format!("/log/{path}"))
            .body(Body::empty())
            .map_err(|e| TransportError::permanent(e.to_string()))?;
        let (status, body) = self.call(endpoint, request).await?;
        match status {
            StatusCode::OK => Ok(Some(body)),
            StatusCode::NOT_FOUND => Ok(None),
            s => Err(TransportError::retry(format!("{endpoint}/log/{path}: {s}"))),
        }
    }
}
