//! HTTPS for `countersign serve --tls-cert … --tls-key …`, with rustls
//! (the TLS library the outbound federation client already uses).
//!
//! [`server_config`] reads a PEM certificate chain and private key and
//! checks that they belong together; [`TlsListener`] completes each TLS
//! handshake on a task of its own, so a slow or failing client never holds
//! up another's connection; [`serve_tls`] serves the usual router over it
//! and marks the session cookie `Secure`, so a browser never sends it
//! over plain HTTP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, header};
use axum::response::Response;
use countersign_node::Node;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshaken connections waiting for the server to take them.
const ACCEPT_QUEUE: usize = 64;

/// The server side of TLS from a PEM certificate chain (leaf first) and a
/// PEM private key (PKCS#8, PKCS#1 or SEC1). The error names the file and
/// what is wrong with it.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let cert_pem = read(cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{} is not a PEM certificate chain: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no PEM certificate", cert.display()));
    }
    let key_der = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|e| format!("{} holds no PEM private key: {e}", key.display()))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| {
            format!(
                "cannot use the key {} with the certificate {}: {e}",
                key.display(),
                cert.display()
            )
        })?;
    Ok(Arc::new(config))
}

/// A listener that hands axum connections whose TLS handshake is done.
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accepts on `tcp` and handshakes with `config`. Connections whose
    /// handshake fails or times out are dropped (logged at debug level:
    /// port scanners and plain-HTTP clients would fill the log otherwise).
    pub fn new(mut tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (ready_tx, ready) = tokio::sync::mpsc::channel(ACCEPT_QUEUE);
        tokio::spawn(async move {
            loop {
                // axum's own accept, which waits out errors such as running
                // out of file descriptors instead of spinning.
                let (stream, peer) = axum::serve::Listener::accept(&mut tcp).await;
                if ready_tx.is_closed() {
                    return;
                }
                let (acceptor, ready_tx) = (acceptor.clone(), ready_tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = ready_tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Serves the REST API and web UI over TLS until Ctrl-C, as
/// [`crate::serve`] does over plain HTTP, with the session cookie marked
/// `Secure`.
pub async fn serve_tls(
    node: Node,
    listener: TcpListener,
    config: Arc<ServerConfig>,
) -> std::io::Result<()> {
    let listener = TlsListener::new(listener, config)?;
    tracing::info!(addr = %listener.local, "serving the REST API and web UI over TLS");
    let app = crate::router(node).layer(axum::middleware::map_response(secure_cookies));
    axum::serve(listener, app)
        .with_graceful_shutdown(crate::shutdown_signal())
        .await
}

/// Adds `Secure` to every cookie set over TLS.
async fn secure_cookies(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if cookies.is_empty() {
        return response;
    }
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        let secured = match cookie.to_str() {
            Ok(text)
                if !text
                    .split(';')
                    .any(|a| a.trim().eq_ignore_ascii_case("secure")) =>
            {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
            }
            _ => cookie,
        };
        headers.append(header::SET_COOKIE, secured);
    }
    response
}
