//! What the node benchmarks share: a runtime like a server's and a node
//! on a fresh data directory with the real SQLite store.

use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_node::Node;
use countersign_node::datadir::{DataDir, NodeConfig};
use tokio::runtime::Runtime;

pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A node with the default batching (4096 entries or 10 ms) on a fresh
/// data directory.
pub fn node(rt: &Runtime, tmp: &tempfile::TempDir) -> Node {
    let root = tmp.path().join("node");
    std::fs::create_dir_all(&root).unwrap();
    let dir = DataDir::new(&root);
    dir.write_config(&NodeConfig::new(
        PartyId::parse("cert-bench").unwrap(),
        "127.0.0.1:0",
    ))
    .unwrap();
    rt.block_on(Node::open(dir)).unwrap()
}

/// Distinct ids without a random-number crate.
pub fn id(n: u64) -> EnvelopeId {
    EnvelopeId::digest(&n.to_be_bytes())
}
