//! Replies (issue 4, "Replies"): a recipient of a notification answers it
//! with a signed `reply` envelope to the notifier, `refs[0]` the
//! notification, under the notification's TLP. It is stored as sent and
//! queued for delivery like a notification (the store's outbox trigger),
//! and travels the same way, with receipts. Replies received and sent are
//! listed on the notification.

use countersign_core::access::Role;
use countersign_core::envelope::{ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::reply::Reply;
use countersign_store::{Direction, NewEnvelope};
use serde::Deserialize;

use crate::access::Viewer;
use crate::error::{NodeError, Result};
use crate::{Node, now};

/// A reply as shown on its notification.
#[derive(Debug, Clone)]
pub struct ReplyView {
    pub envelope: SignedEnvelope,
    pub direction: Direction,
    pub reply: Reply,
}

impl Node {
    /// Signs and stores a reply from `from` (default: the viewer's party,
    /// else the first hosted recipient) to the notifier, and returns it
    /// once logged; delivery is queued.
    pub async fn reply(
        &self,
        viewer: &Viewer,
        notification: &EnvelopeId,
        from: Option<PartyId>,
        reply: Reply,
    ) -> Result<SignedEnvelope> {
        viewer.require(Role::Analyst)?;
        let detail = self.get_notification(viewer, notification).await?;
        let env = detail.envelope.envelope();
        let hosted = self.hosted_parties();
        let from = match from.or_else(|| viewer.party().cloned()) {
            Some(p) => p,
            None => env
                .to
                .iter()
                .find(|p| hosted.contains(p))
                .cloned()
                .ok_or_else(|| {
                    NodeError::invalid("no recipient of this notification is hosted here")
                })?,
        };
        if !viewer.may_act_for(&from) {
            return Err(NodeError::forbidden(format!("you cannot reply for {from}")));
        }
        if !env.to.contains(&from) {
            return Err(NodeError::invalid(format!(
                "{from} is not a recipient of {notification}; only recipients reply"
            )));
        }
        reply.check()?;
        let key = self.signer(&from)?;
        let created = now();
        let signed = Envelope {
            v: ENVELOPE_VERSION,
            kind: EnvelopeType::Reply,
            from,
            to: vec![env.from.clone()],
            created,
            refs: vec![*notification],
            tlp: env.tlp,
            body: reply.to_body()?,
            attachments: vec![],
        }
        .sign(&key)?;
        self.store_envelope(&NewEnvelope {
            envelope: signed.clone(),
            direction: Direction::Sent,
            stored: created,
            notification: None,
        })
        .await?;
        tracing::info!(id = %signed.id(), notification = %notification, "reply signed and stored");
        self.wake_delivery();
        Ok(signed)
    }

    /// The replies to a notification that the viewer may see, oldest
    /// first. Callers check the notification's visibility; each reply is
    /// checked on its own, since it is an exchange between one recipient
    /// and the notifier: under AMBER and RED another recipient of the
    /// notification is not party to it.
    pub(crate) async fn replies_to(
        &self,
        viewer: &Viewer,
        notification: &EnvelopeId,
    ) -> Result<Vec<ReplyView>> {
        let Some(fed) = self.store().federation() else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for stored in fed.referring(notification, "reply").await? {
            let env = stored.envelope.envelope();
            if !viewer.may_see(env.tlp, &env.from, &env.to) {
                continue;
            }
            let reply: Reply =
                Reply::deserialize(&stored.envelope.envelope().body).map_err(|e| {
                    NodeError::internal(format!(
                        "stored reply {} does not parse: {e}",
                        stored.envelope.id()
                    ))
                })?;
            out.push(ReplyView {
                envelope: stored.envelope,
                direction: stored.direction,
                reply,
            });
        }
        Ok(out)
    }
}
