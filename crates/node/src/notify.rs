//! Notifications: filing one (signing and storing its envelope with its
//! evidence and attachments), listing and reading them under TLP, and
//! verifying envelopes against the directory.
//!
//! Delivery to other nodes comes with federation; here a notification is
//! signed and stored on the sender's node.

use countersign_core::access::Role;
use countersign_core::envelope::{
    AttachmentRef, ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope,
};
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::notification::{CheckedNotification, Notification};
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_store::{
    Direction, NewEnvelope, NotificationFilter, NotificationRow, Page, PageRequest,
};
use countersign_tlog::VerifierKey;

use crate::access::Viewer;
use crate::error::{NodeError, NodeErrorKind, Result};
use crate::{Node, now};

/// An attachment given with a notification: new bytes, or a blob already
/// uploaded (by SHA-256).
#[derive(Debug, Clone)]
pub enum AttachmentInput {
    Bytes {
        name: String,
        media_type: String,
        bytes: Vec<u8>,
    },
    Stored {
        name: String,
        media_type: String,
        sha256: Sha256Hex,
    },
}

/// What a notification is made of, before signing.
#[derive(Debug, Clone)]
pub struct NotifyRequest {
    pub from: PartyId,
    pub to: Vec<PartyId>,
    pub tlp: Tlp,
    pub refs: Vec<EnvelopeId>,
    pub notification: Notification,
    pub attachments: Vec<AttachmentInput>,
    /// Which deadlines the notifier did not name: [`Node::notify`] fills
    /// them from the node's deadline policy and the exact send time,
    /// whatever the notification holds for them.
    pub fill_deadlines: FillDeadlines,
}

/// Deadlines to fill in from the node's policy
/// ([`Node::default_deadlines`]) at the moment of sending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FillDeadlines {
    pub ack_by: bool,
    pub reply_by: bool,
}

impl FillDeadlines {
    /// Both deadlines from the policy.
    pub const BOTH: FillDeadlines = FillDeadlines {
        ack_by: true,
        reply_by: true,
    };
}

/// A notification as shown: its index row, the signed envelope and the
/// checked body.
#[derive(Debug, Clone)]
pub struct NotificationDetail {
    pub row: NotificationRow,
    pub envelope: SignedEnvelope,
    pub checked: CheckedNotification,
    /// The envelope's leaf index in this node's log, once integrated
    /// (always, for a detail [`Node::notify`] returns).
    pub log_index: Option<u64>,
    /// Per recipient, in the order of `to`: where its delivery stands and
    /// its receipt (filled by [`Node::get_notification`]; empty from
    /// [`Node::notify`], whose deliveries have not been attempted yet).
    pub recipients: Vec<RecipientStatus>,
    /// Replies sent and received, oldest first (filled by
    /// [`Node::get_notification`]).
    pub replies: Vec<crate::reply::ReplyView>,
}

/// One recipient of a notification: delivery state and receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipientStatus {
    pub party: PartyId,
    /// `None` when this node neither sent it to that party nor received
    /// it for that party.
    pub state: Option<countersign_store::DeliveryState>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub receipt: Option<EnvelopeId>,
}

impl Node {
    /// Signs and stores a notification, and returns once its envelope is
    /// also in the log (with its leaf index) and covered by a published
    /// checkpoint. All checks run before anything is written; attachments
    /// written by this call are removed if storing the envelope fails, so
    /// a failed call leaves nothing behind. If the log fails after the
    /// envelope was stored, the call fails but the envelope stays queued
    /// for its leaf, which the next batch (or the next open) integrates.
    pub async fn notify(
        &self,
        viewer: &Viewer,
        request: NotifyRequest,
    ) -> Result<NotificationDetail> {
        viewer.require(Role::Analyst)?;
        if !viewer.may_act_for(&request.from) {
            return Err(NodeError::forbidden(format!(
                "you cannot send for {}",
                request.from
            )));
        }
        let key = self.signer(&request.from)?;
        for to in &request.to {
            self.require_known_party(to).await?;
        }
        let created = now();
        let mut request = request;
        let fill = request.fill_deadlines;
        if fill.ack_by || fill.reply_by {
            let n = &mut request.notification;
            let d = self.default_deadlines(&request.from, &request.to, &n.sectors, created);
            if fill.ack_by {
                n.ack_by = d.ack_by;
            }
            if fill.reply_by {
                // A named acknowledgement deadline later than the default
                // reply deadline pushes the reply deadline along.
                n.reply_by = d.reply_by.max(n.ack_by);
            }
        }
        // Check the body before touching the blob store.
        let checked = request
            .notification
            .clone()
            .check(created, request.attachments.len())?;
        let mut refs = Vec::new();
        let mut written = Vec::new();
        let result = self
            .write_attachments(&request.attachments, &mut refs, &mut written)
            .await;
        let stored = match result {
            Ok(()) => {
                self.store_notification(request, checked, refs, created, &key)
                    .await
            }
            Err(e) => Err(e),
        };
        let mut detail = match stored {
            Ok(detail) => detail,
            Err(e) => {
                for sha in written {
                    let _ = self.blobs().remove(&sha).await;
                }
                return Err(e);
            }
        };
        detail.log_index = Some(self.log_wait(&detail.envelope.id()).await?);
        self.wake_delivery();
        Ok(detail)
    }

    /// Fails unless `party` is in the directory. Directory entries are
    /// never removed, so a party found once is remembered and not looked
    /// up again (one store read saved per notification filed).
    async fn require_known_party(&self, party: &PartyId) -> Result<()> {
        let known = |node: &Node| {
            node.inner
                .known_parties
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(party)
        };
        if known(self) {
            return Ok(());
        }
        if self.store().get_party(party).await?.is_none() {
            return Err(NodeError::not_found(format!(
                "recipient {party} is not in the directory; add or import it first"
            )));
        }
        self.inner
            .known_parties
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(party.clone());
        Ok(())
    }

    async fn write_attachments(
        &self,
        inputs: &[AttachmentInput],
        refs: &mut Vec<AttachmentRef>,
        written: &mut Vec<Sha256Hex>,
    ) -> Result<()> {
        for input in inputs {
            let (name, media_type, sha256, size) = match input {
                AttachmentInput::Bytes {
                    name,
                    media_type,
                    bytes,
                } => {
                    let sha = Sha256Hex::digest(bytes);
                    // Recorded before the write: a put that fails after
                    // persisting ("failed but persisted") must be undone too.
                    if !self.blobs().has(&sha).await? {
                        written.push(sha);
                    }
                    self.put_blob(bytes).await?;
                    (name, media_type, sha, bytes.len() as u64)
                }
                AttachmentInput::Stored {
                    name,
                    media_type,
                    sha256,
                } => {
                    let bytes = self.blobs().get(sha256).await?.ok_or_else(|| {
                        NodeError::not_found(format!("attachment {sha256} has not been uploaded"))
                    })?;
                    (name, media_type, *sha256, bytes.len() as u64)
                }
            };
            refs.push(AttachmentRef {
                sha256,
                size,
                media_type: media_type.clone(),
                name: name.clone(),
            });
        }
        Ok(())
    }

    async fn store_notification(
        &self,
        request: NotifyRequest,
        checked: CheckedNotification,
        attachments: Vec<AttachmentRef>,
        created: Timestamp,
        key: &countersign_tlog::SignerKey,
    ) -> Result<NotificationDetail> {
        let envelope = Envelope {
            v: ENVELOPE_VERSION,
            kind: EnvelopeType::Notification,
            from: request.from,
            to: request.to,
            created,
            refs: request.refs,
            tlp: request.tlp,
            body: checked.notification.to_body()?,
            attachments,
        };
        let signed = envelope.sign(key)?;
        let row = notification_row(&signed, &checked, Direction::Sent);
        self.store()
            .insert_envelope(&NewEnvelope {
                envelope: signed.clone(),
                direction: Direction::Sent,
                stored: created,
                notification: Some(row.clone()),
            })
            .await?;
        tracing::info!(id = %signed.id(), from = %row.from, "notification signed and stored");
        Ok(NotificationDetail {
            row,
            envelope: signed,
            checked,
            log_index: None,
            recipients: vec![],
            replies: vec![],
        })
    }

    /// Stores bytes as an attachment blob.
    pub async fn put_blob(&self, bytes: &[u8]) -> Result<Sha256Hex> {
        let max = self.blobs().max_size();
        if bytes.len() as u64 > max {
            return Err(NodeError::new(
                NodeErrorKind::TooLarge,
                format!(
                    "attachment is {} bytes; the limit is {max} bytes",
                    bytes.len()
                ),
            ));
        }
        Ok(self.blobs().put(bytes).await?)
    }

    /// Notifications the viewer may see, newest first.
    pub async fn list_notifications(
        &self,
        viewer: &Viewer,
        mut filter: NotificationFilter,
        page: PageRequest,
    ) -> Result<Page<NotificationRow>> {
        viewer.require(Role::Viewer)?;
        filter.visible_to = viewer.party().cloned();
        Ok(self.store().list_notifications(&filter, &page).await?)
    }

    /// One notification, if the viewer may see it. An invisible one is
    /// reported as not found, so its existence does not leak.
    pub async fn get_notification(
        &self,
        viewer: &Viewer,
        id: &EnvelopeId,
    ) -> Result<NotificationDetail> {
        viewer.require(Role::Viewer)?;
        let not_found = || NodeError::not_found(format!("no notification {id}"));
        let row = self
            .store()
            .get_notification(id)
            .await?
            .ok_or_else(not_found)?;
        if !viewer.may_see(row.tlp, &row.from, &row.to) {
            return Err(not_found());
        }
        let stored = self.store().get_envelope(id).await?.ok_or_else(not_found)?;
        let checked = Notification::from_envelope(stored.envelope.envelope())?;
        let log_index = self.store().log_index(id).await?;
        // Each recipient's delivery and receipt is its exchange with the
        // notifier: under AMBER and RED not shown to another recipient.
        let recipients = self
            .recipient_status(&stored.envelope)
            .await?
            .into_iter()
            .filter(|r| viewer.may_see(row.tlp, &row.from, std::slice::from_ref(&r.party)))
            .collect();
        let replies = self.replies_to(viewer, id).await?;
        Ok(NotificationDetail {
            row,
            envelope: stored.envelope,
            checked,
            log_index,
            recipients,
            replies,
        })
    }

    /// Delivery state and receipt per recipient of an envelope.
    pub async fn recipient_status(
        &self,
        envelope: &SignedEnvelope,
    ) -> Result<Vec<RecipientStatus>> {
        let Some(fed) = self.store().federation() else {
            return Ok(vec![]);
        };
        let id = envelope.id();
        let deliveries = fed
            .list_deliveries(&countersign_store::DeliveryFilter {
                envelope: Some(id),
                ..Default::default()
            })
            .await?;
        let receipts = fed.receipts(&id).await?;
        Ok(envelope
            .envelope()
            .to
            .iter()
            .map(|party| {
                let d = deliveries.iter().find(|d| d.party == *party);
                let receipt = receipts.iter().find(|(p, _)| p == party).map(|(_, r)| *r);
                RecipientStatus {
                    party: party.clone(),
                    state: d
                        .map(|d| d.state)
                        .or(receipt.map(|_| countersign_store::DeliveryState::Delivered)),
                    attempts: d.map_or(0, |d| d.attempts),
                    last_error: d.and_then(|d| d.last_error.clone()),
                    receipt,
                }
            })
            .collect())
    }

    /// An attachment of a notification the viewer may see.
    pub async fn get_attachment(
        &self,
        viewer: &Viewer,
        notification: &EnvelopeId,
        sha256: &Sha256Hex,
    ) -> Result<(AttachmentRef, Vec<u8>)> {
        let detail = self.get_notification(viewer, notification).await?;
        let reference = detail
            .envelope
            .envelope()
            .attachments
            .iter()
            .find(|a| a.sha256 == *sha256)
            .cloned()
            .ok_or_else(|| {
                NodeError::not_found(format!("no attachment {sha256} on {notification}"))
            })?;
        let bytes = self.blobs().get(sha256).await?.ok_or_else(|| {
            NodeError::not_found(format!(
                "attachment {sha256} is missing from the blob store"
            ))
        })?;
        Ok((reference, bytes))
    }

    /// Verifies an envelope against the directory: the sender must be
    /// known and one of its keys valid at `created` must have signed.
    pub async fn verify_envelope(&self, envelope: &SignedEnvelope) -> Result<VerifierKey> {
        let from = &envelope.envelope().from;
        let sender = self.store().get_party(from).await?.ok_or_else(|| {
            NodeError::not_found(format!("sender {from} is not in the directory"))
        })?;
        Ok(envelope.verify(&sender.party)?)
    }
}

/// The index row of a checked notification envelope.
pub fn notification_row(
    signed: &SignedEnvelope,
    checked: &CheckedNotification,
    direction: Direction,
) -> NotificationRow {
    let env = signed.envelope();
    let n = &checked.notification;
    NotificationRow {
        id: signed.id(),
        from: env.from.clone(),
        to: env.to.clone(),
        created: env.created,
        title: n.title.clone(),
        category: n.category.to_string(),
        severity: n.severity,
        tlp: env.tlp,
        sufficiency: checked.sufficiency,
        ack_by: n.ack_by,
        reply_by: n.reply_by,
        attachments: env.attachments.len() as u32,
        direction,
    }
}
