//! `countersign serve`.

use anyhow::Context;
use clap::Args;

use super::DataArg;

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Address to listen on (default: the one in the configuration).
    #[arg(long)]
    pub listen: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs
    /// --tls-key. Any address may be listened on then.
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub tls_key: Option<std::path::PathBuf>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Certificate problems are found before anything starts.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            countersign_web::tls::server_config(cert, key)
                .map_err(countersign_node::NodeError::invalid)?,
        ),
        _ => None,
    };
    let node = args.data.open().await?;
    super::connect(&node)?;
    let addr = args.listen.unwrap_or_else(|| node.config().listen.clone());
    let listener = bind(&addr, tls.is_some()).await?;
    // The outbox drains while the server runs (docs/federation.md).
    let _worker = node.start_delivery_worker();
    // Every new checkpoint goes to the peers' witnesses.
    let _witness = node.start_witness_submitter();
    // Communication checks with every peer (ping_interval_s; 0 = off).
    let _pinger = node.start_pinger();
    let local = listener.local_addr()?;
    match tls {
        Some(config) => {
            println!("countersign listening on https://{local}/");
            countersign_web::tls::serve_tls(node, listener, config).await?;
        }
        None => {
            println!("countersign listening on http://{local}/");
            countersign_web::serve(node, listener).await?;
        }
    }
    Ok(())
}

/// Binds, refusing plain HTTP on an address that is not loopback: secrets
/// (passwords, session cookies, tokens) must not cross a network in the
/// clear. With TLS (`tls`) any address is allowed.
pub async fn bind(addr: &str, tls: bool) -> anyhow::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    if !tls && !local.ip().is_loopback() {
        anyhow::bail!(
            "refusing to serve plain HTTP on {local}: give --tls-cert and --tls-key, or listen on a loopback address (127.0.0.1) behind a TLS proxy"
        );
    }
    Ok(listener)
}
