//! Cross-witnessing (docs/federation.md, "Witnessing"): this node submits
//! its latest checkpoint, with a consistency proof from the size each
//! peer's witness last cosigned, to every peer whose directory entry names
//! an endpoint and a witness key (tlog-witness v1.0.0 `add-checkpoint`),
//! and keeps the cosignatures it verifies. A `409` with a size tells the
//! size the witness holds; the request is made again from it.

use std::collections::BTreeSet;
use std::time::Duration;

use countersign_store::Cosignature;
use countersign_tlog::cosignature::verify_cosignature;
use countersign_tlog::witness::{self, AddCheckpointRequest};
use countersign_tlog::{Checkpoint, VerifierKey};

use crate::Node;
use crate::error::{NodeError, Result};

/// What submitting to one witness came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessOutcome {
    /// The witness key's name.
    pub witness: String,
    pub endpoint: String,
    /// The size cosigned, or why not.
    pub result: std::result::Result<u64, String>,
}

impl Node {
    /// Submits the latest checkpoint to every peer witness once.
    pub async fn submit_to_witnesses(&self) -> Result<Vec<WitnessOutcome>> {
        let Some(transport) = self.transport() else {
            return Ok(vec![]);
        };
        let note = self.log_checkpoint().await?;
        let (cp, _) = Checkpoint::open(&note, &[self.log_vkey()])
            .map_err(|e| NodeError::internal(format!("own checkpoint: {e}")))?;
        let text = cp.to_text();
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for p in self.store().list_parties().await? {
            if p.local {
                continue;
            }
            let (Some(endpoint), Some(key)) =
                (p.party.endpoint.clone(), p.party.witness_verifier()?)
            else {
                continue;
            };
            if !seen.insert(key.to_string()) {
                continue;
            }
            let result = self
                .submit_one(&*transport, &endpoint, &key, &note, &text, cp.size)
                .await;
            if let Err(e) = &result {
                tracing::info!(witness = %key.name(), %endpoint, "witness submission: {e}");
            }
            out.push(WitnessOutcome {
                witness: key.name().to_owned(),
                endpoint,
                result,
            });
        }
        Ok(out)
    }

    async fn submit_one(
        &self,
        transport: &dyn crate::deliver::Transport,
        endpoint: &str,
        key: &VerifierKey,
        note: &str,
        text: &str,
        size: u64,
    ) -> std::result::Result<u64, String> {
        let fed = self.federation_store().map_err(|e| e.message)?;
        let held = fed
            .cosignatures(Some(key.name()))
            .await
            .map_err(|e| e.message)?;
        if held
            .first()
            .is_some_and(|c| c.size == size && c.checkpoint == note)
        {
            return Ok(size);
        }
        let mut old = held.first().map_or(0, |c| c.size).min(size);
        for _ in 0..3 {
            let proof = self
                .log_consistency(old, size)
                .await
                .map_err(|e| e.message)?;
            let body = AddCheckpointRequest {
                old_size: old,
                proof,
                checkpoint: note.to_owned(),
            }
            .to_body();
            let (status, answer) = transport
                .add_checkpoint(endpoint, &body)
                .await
                .map_err(|e| e.message)?;
            match status {
                200 => {
                    let sigs = witness::parse_cosignature_body(&answer)
                        .map_err(|e| format!("unreadable cosignatures: {e}"))?;
                    let mut stored = false;
                    for sig in sigs {
                        if sig.name != key.name() || sig.key_id != key.key_id() {
                            continue;
                        }
                        let time = verify_cosignature(key, text, &sig)
                            .map_err(|e| format!("cosignature does not verify: {e}"))?;
                        fed.put_cosignature(&Cosignature {
                            witness: key.name().to_owned(),
                            size,
                            checkpoint: note.to_owned(),
                            line: sig.to_line(),
                            time,
                        })
                        .await
                        .map_err(|e| e.message)?;
                        stored = true;
                    }
                    return if stored {
                        Ok(size)
                    } else {
                        Err("the witness answered without its cosignature".into())
                    };
                }
                409 => match witness::parse_size_body(&answer) {
                    Ok(latest) if latest <= size && latest != old => old = latest,
                    Ok(latest) => {
                        return Err(format!(
                            "the witness holds size {latest}, which this log (size {size}) cannot prove consistent"
                        ));
                    }
                    Err(_) => return Err(format!("409: {}", answer.trim())),
                },
                s => return Err(format!("{s}: {}", answer.trim())),
            }
        }
        Err("the witness's size kept changing".into())
    }

    /// Cosignatures of this node's checkpoints, newest first.
    pub async fn cosignatures(&self) -> Result<Vec<Cosignature>> {
        Ok(self.federation_store()?.cosignatures(None).await?)
    }

    /// Submits every new checkpoint to the peer witnesses until the node is
    /// dropped (and once at start).
    pub fn start_witness_submitter(&self) -> tokio::task::JoinHandle<()> {
        let weak = std::sync::Arc::downgrade(&self.inner);
        let mut watch = self.log_watch();
        tokio::spawn(async move {
            loop {
                {
                    let Some(inner) = weak.upgrade() else { return };
                    let node = Node { inner };
                    if let Err(e) = node.submit_to_witnesses().await {
                        tracing::warn!("witness submission: {e}");
                    }
                }
                // Coalesce bursts of checkpoints; retry failures now and then.
                let _ = tokio::time::timeout(Duration::from_secs(30), watch.changed()).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    }
}
