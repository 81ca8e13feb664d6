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
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    node.set_transport(std::sync::Arc::new(
        countersign_web::client::HttpTransport::new().map_err(anyhow::Error::msg)?,
    ));
    // The outbox drains while the server runs (docs/federation.md).
    let _worker = node.start_delivery_worker();
    // Every new checkpoint goes to the peers' witnesses.
    let _witness = node.start_witness_submitter();
    // Communication checks with every peer (ping_interval_s; 0 = off).
    let _pinger = node.start_pinger();
    let addr = args.listen.unwrap_or_else(|| node.config().listen.clone());
    let listener = bind(&addr).await?;
    println!(
        "countersign listening on http://{}/",
        listener.local_addr()?
    );
    countersign_web::serve(node, listener).await?;
    Ok(())
}

/// Binds, refusing non-loopback plain HTTP: TLS arrives with federation,
/// and until then secrets must not cross a network in the clear.
pub async fn bind(addr: &str) -> anyhow::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        anyhow::bail!(
            "refusing to serve plain HTTP on {local}: listen on a loopback address (127.0.0.1) and put a TLS proxy in front"
        );
    }
    Ok(listener)
}
