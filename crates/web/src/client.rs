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

use crate::api::inbox::{InboxBatchOut, InboxOut};

/// One result per envelope of a batch.
type BatchAnswer = Vec<Result<Vec<SignedEnvelope>, TransportError>>;

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

/// The `/v1/inbox/batch` body for envelopes without attachments. Each
/// delivery is exactly an envelope's file form (`{"envelope": ...,
/// "signature": ...}`), written straight from the typed envelope.
fn batch_body(envelopes: &[SignedEnvelope]) -> Result<String, TransportError> {
    let mut body = String::from(r#"{"deliveries":["#);
    for (i, e) in envelopes.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(
            &e.to_json_string()
                .map_err(|e| TransportError::permanent(e.message))?,
        );
    }
    body.push_str("]}");
    Ok(body)
}

/// Reads a batch answer: per envelope its receipts or its refusal, which
/// is permanent or not as for a single delivery. `None` if the peer has
/// no batch endpoint (404, 405): then the envelopes go one by one.
fn batch_answer(
    status: StatusCode,
    body: &[u8],
    count: usize,
) -> Result<Option<BatchAnswer>, TransportError> {
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) {
        return Ok(None);
    }
    if status != StatusCode::OK {
        // The batch as a whole was refused: a retry may go through (a
        // smaller batch, the peer back), so nothing is permanent here.
        let e = read_inbox(status, body)
            .err()
            .unwrap_or_else(|| TransportError::retry(format!("inbox batch: {status}")));
        return Err(TransportError::retry(e.message));
    }
    let out: InboxBatchOut = serde_json::from_slice(body).map_err(|e| {
        TransportError::retry(format!("the inbox batch answer is not readable: {e}"))
    })?;
    if out.results.len() != count {
        return Err(TransportError::retry(format!(
            "the inbox answered {} results for a batch of {count}",
            out.results.len()
        )));
    }
    Ok(Some(
        out.results
            .into_iter()
            .map(|item| {
                let status = StatusCode::from_u16(item.status).unwrap_or(StatusCode::BAD_GATEWAY);
                if status != StatusCode::OK {
                    let message = match &item.error {
                        Some(e) => format!("{} {}: {}", status.as_u16(), e.code, e.message),
                        None => format!("{}", status.as_u16()),
                    };
                    return Err(TransportError {
                        permanent: is_permanent(status),
                        message,
                    });
                }
                item.receipts
                    .into_iter()
                    .map(|r| {
                        SignedEnvelope::from_parts(r.envelope, r.signature).map_err(|e| {
                            TransportError::retry(format!("malformed receipt: {}", e.message))
                        })
                    })
                    .collect()
            })
            .collect(),
    ))
}

/// Answers that cannot change on a retry: the delivery fails at once.
fn is_permanent(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNPROCESSABLE_ENTITY
    )
}

/// Reads an inbox answer: its receipts.
fn inbox_answer(status: StatusCode, body: &[u8]) -> Result<Vec<SignedEnvelope>, TransportError> {
    read_inbox(status, body)?
        .receipts
        .into_iter()
        .map(|r| {
            SignedEnvelope::from_parts(r.envelope, r.signature)
                .map_err(|e| TransportError::retry(format!("malformed receipt: {}", e.message)))
        })
        .collect()
}

/// Reads the answer to a ping: its pong (checked by the node).
fn pong_answer(status: StatusCode, body: &[u8]) -> Result<SignedEnvelope, TransportError> {
    let pong = read_inbox(status, body)?
        .pong
        .ok_or_else(|| TransportError::retry("the inbox answered the ping without a pong"))?;
    SignedEnvelope::from_parts(pong.envelope, pong.signature)
        .map_err(|e| TransportError::retry(format!("malformed pong: {}", e.message)))
}

/// Reads an inbox answer: an error for any status but 200.
fn read_inbox(status: StatusCode, body: &[u8]) -> Result<InboxOut, TransportError> {
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
        return Err(TransportError {
            permanent: is_permanent(status),
            message,
        });
    }
    serde_json::from_slice(body)
        .map_err(|e| TransportError::retry(format!("the inbox answer is not readable: {e}")))
}

/// An error with its causes ("error sending request: … Connection
/// refused"), since reqwest's own message leaves the cause out.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
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
    /// A client that trusts the web PKI roots.
    pub fn new() -> Result<Self, String> {
        Self::trusting(&[])
    }

    /// A client that trusts the web PKI roots and every certificate in the
    /// PEM files `ca_files` (a node's `peer_ca`). A file that cannot be
    /// read, or holds no certificate, is refused by name.
    pub fn trusting(ca_files: &[std::path::PathBuf]) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder().use_rustls_tls();
        for path in ca_files {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read peer CA file {}: {e}", path.display()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("peer CA file {} is not valid PEM: {e}", path.display()))?;
            if certificates.is_empty() {
                return Err(format!(
                    "peer CA file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    path.display()
                ));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpTransport { client })
    }

    /// POSTs JSON to `path` (`/v1/inbox` or `/v1/inbox/batch`) of the
    /// peer; a failure to connect or read is retryable.
    async fn post_inbox(
        &self,
        endpoint: &str,
        path: &str,
        body: String,
    ) -> Result<(StatusCode, axum::body::Bytes), TransportError> {
        let r = self
            .client
            .post(format!("{}{path}", base(endpoint)))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?;
        let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let bytes = r
            .bytes()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?;
        Ok((status, bytes))
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
        let (status, bytes) = self
            .post_inbox(endpoint, "/v1/inbox", inbox_body(envelope, attachments)?)
            .await?;
        inbox_answer(status, &bytes)
    }

    async fn ping(
        &self,
        endpoint: &str,
        ping: &SignedEnvelope,
    ) -> Result<SignedEnvelope, TransportError> {
        let (status, bytes) = self
            .post_inbox(endpoint, "/v1/inbox", inbox_body(ping, &BTreeMap::new())?)
            .await?;
        pong_answer(status, &bytes)
    }

    async fn deliver_batch(
        &self,
        endpoint: &str,
        envelopes: &[SignedEnvelope],
    ) -> Result<BatchAnswer, TransportError> {
        let (status, bytes) = self
            .post_inbox(endpoint, "/v1/inbox/batch", batch_body(envelopes)?)
            .await?;
        match batch_answer(status, &bytes, envelopes.len())? {
            Some(answers) => Ok(answers),
            None => {
                let mut out = Vec::with_capacity(envelopes.len());
                for e in envelopes {
                    out.push(self.deliver(endpoint, e, &BTreeMap::new()).await);
                }
                Ok(out)
            }
        }
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
            .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?;
        let status = r.status().as_u16();
        let text = r
            .text()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?;
        Ok((status, text))
    }

    async fn tile(&self, endpoint: &str, path: &str) -> Result<Option<Vec<u8>>, TransportError> {
        let r = self
            .client
            .get(format!("{}/log/{path}", base(endpoint)))
            .send()
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?;
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
                .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?
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
            .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| TransportError::retry(format!("{endpoint}: {}", chain(&e))))?;
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

    async fn ping(
        &self,
        endpoint: &str,
        ping: &SignedEnvelope,
    ) -> Result<SignedEnvelope, TransportError> {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/inbox")
            .header("content-type", "application/json")
            .body(Body::from(inbox_body(ping, &BTreeMap::new())?))
            .map_err(|e| TransportError::permanent(e.to_string()))?;
        let (status, body) = self.call(endpoint, request).await?;
        pong_answer(status, &body)
    }

    async fn deliver_batch(
        &self,
        endpoint: &str,
        envelopes: &[SignedEnvelope],
    ) -> Result<BatchAnswer, TransportError> {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/inbox/batch")
            .header("content-type", "application/json")
            .body(Body::from(batch_body(envelopes)?))
            .map_err(|e| TransportError::permanent(e.to_string()))?;
        let (status, body) = self.call(endpoint, request).await?;
        match batch_answer(status, &body, envelopes.len())? {
            Some(answers) => Ok(answers),
            None => {
                let mut out = Vec::with_capacity(envelopes.len());
                for e in envelopes {
                    out.push(self.deliver(endpoint, e, &BTreeMap::new()).await);
                }
                Ok(out)
            }
        }
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
