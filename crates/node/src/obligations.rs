//! Reply obligations (issue 5): default deadlines, rating replies, the
//! lifecycle and timeline of a notification, the overdue and soon-due
//! lists, and scorecards per counterpart and direction.
//!
//! The rules are pure and live in `countersign-core` (`deadline`,
//! `lifecycle`, `scorecard`, `reply::propose_rating`); this module
//! gathers their facts from the store (notifications, receipts with their
//! signed `received_at`, failed deliveries, replies, ratings) and applies
//! them as of now. A rating is a signed `rating` envelope from the
//! notifier to the replier, `refs` = `[reply, notification]`, under the
//! notification's TLP, stored as sent and delivered like a reply.
//!
//! Whose clock: every time in a lifecycle is one this node can stand
//! behind. An envelope received from the counterpart (a reply, a rating)
//! counts from when this node stored it — the `received_at` of the receipt
//! it signed — not from the `created` its sender wrote, so a late answer
//! cannot be back-dated into a punctual one. A receipt's signed
//! `received_at` is kept within [the notification's `created`, when this
//! node stored the receipt]. Envelopes this node sent count from their
//! `created`, which it wrote itself. See [`arrival`].

use std::collections::{BTreeMap, BTreeSet};

use countersign_core::access::Role;
use countersign_core::deadline::Deadlines;
use countersign_core::envelope::{ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::lifecycle::{self, Event, Lifecycle, Obligation, Stage};
use countersign_core::receipt::Receipt;
use countersign_core::reply::{Rating, RatingProposal, Reply, ReplyKind, ReplyQuality};
use countersign_core::scorecard::{self, Direction, Facts, Period, Scorecard};
use countersign_core::sector::Sector;
use countersign_core::time::Timestamp;
use countersign_store::{
    DeliveryFilter, DeliveryState, NewEnvelope, NotificationFilter, NotificationRow, PageRequest,
    StoredEnvelope,
};

use crate::access::Viewer;
use crate::error::{NodeError, Result};
use crate::{Node, now};

/// Which deadline an item of the due lists is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    Ack,
    Reply,
}

impl DeadlineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::Ack => "ack",
            DeadlineKind::Reply => "reply",
        }
    }
}

/// One obligation with a deadline passed or near.
#[derive(Debug, Clone, PartialEq)]
pub struct DueItem {
    pub notification: EnvelopeId,
    pub title: String,
    pub from: PartyId,
    pub recipient: PartyId,
    /// Outbound: the counterpart owes us; inbound: we owe it.
    pub direction: Direction,
    pub which: DeadlineKind,
    pub due: Timestamp,
    pub protected: bool,
    pub stage: Stage,
}

/// The overdue and soon-due lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueLists {
    /// Deadline passed, not met; most recently due first.
    pub overdue: Vec<DueItem>,
    /// Deadline within the horizon, not met yet; soonest first.
    pub soon_due: Vec<DueItem>,
}

/// Which scorecards to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardQuery {
    pub period: Period,
    pub counterpart: Option<PartyId>,
    pub direction: Option<Direction>,
}

/// How far an event of the timeline is proven.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProofState {
    /// The signature verifies against the directory now.
    pub signed: bool,
    /// For envelopes that are delivered (notification, reply, rating): a
    /// verified receipt is held for every recipient (sent), or this node
    /// countersigned it (received). `None` for receipts themselves.
    pub receipt_verified: Option<bool>,
    /// The envelope's leaf in this node's log.
    pub log_index: Option<u64>,
    /// Peers' witnesses that cosigned a checkpoint covering that leaf.
    pub witnessed: u32,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineEventKind {
    Sent,
    Delivered {
        to: PartyId,
    },
    Reply {
        kind: ReplyKind,
    },
    Rating {
        quality: ReplyQuality,
        close: bool,
        reply: EnvelopeId,
        /// The earlier rating of the same reply this one replaces.
        supersedes: Option<EnvelopeId>,
    },
}

/// One event of a notification's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    pub at: Timestamp,
    pub kind: TimelineEventKind,
    pub envelope: EnvelopeId,
    pub from: PartyId,
    pub proof: ProofState,
}

/// One recipient's lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipientLifecycle {
    pub party: PartyId,
    pub lifecycle: Lifecycle,
}

/// A notification's lifecycle per recipient and every event, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub notification: EnvelopeId,
    pub from: PartyId,
    pub created: Timestamp,
    pub ack_by: Timestamp,
    pub reply_by: Timestamp,
    /// The final report's date under the node's policy (not signed).
    pub final_by: Timestamp,
    pub protected: bool,
    pub recipients: Vec<RecipientLifecycle>,
    pub events: Vec<TimelineEvent>,
}

/// A notification's envelopes as gathered for its lifecycles.
struct Gathered {
    row: NotificationRow,
    /// (recipient, receipt envelope, received_at); the envelope only when
    /// gathered for one notification (its timeline shows it), not in bulk.
    receipts: Vec<(PartyId, Option<SignedEnvelope>, Timestamp)>,
    failed: Vec<(PartyId, Timestamp)>,
    replies: Vec<(StoredEnvelope, Reply)>,
    ratings: Vec<(StoredEnvelope, Rating)>,
}

impl Gathered {
    fn new(row: NotificationRow) -> Self {
        Gathered {
            row,
            receipts: vec![],
            failed: vec![],
            replies: vec![],
            ratings: vec![],
        }
    }

    fn events_for(&self, recipient: &PartyId) -> Vec<Event> {
        let mut events = Vec::new();
        for (p, _, at) in &self.receipts {
            if p == recipient {
                events.push(Event::Delivered { at: *at });
            }
        }
        for (p, at) in &self.failed {
            if p == recipient {
                events.push(Event::DeliveryFailed { at: *at });
            }
        }
        let mut theirs = BTreeSet::new();
        for (stored, reply) in &self.replies {
            let env = stored.envelope.envelope();
            if env.from == *recipient {
                theirs.insert(stored.envelope.id());
                events.push(Event::Reply {
                    id: stored.envelope.id(),
                    kind: reply.kind,
                    at: arrival(stored),
                });
            }
        }
        for (stored, rating) in &self.ratings {
            let env = stored.envelope.envelope();
            if env.from == self.row.from && theirs.contains(&rating.reply) {
                events.push(Event::Rating {
                    id: stored.envelope.id(),
                    reply: rating.reply,
                    quality: rating.quality,
                    close: rating.close,
                    at: arrival(stored),
                });
            }
        }
        events
    }

    fn obligation(&self) -> Obligation {
        Obligation {
            created: self.row.created,
            ack_by: self.row.ack_by,
            reply_by: self.row.reply_by,
        }
    }
}

/// When an envelope counts in a lifecycle: its `created` if this node sent
/// it (its own clock), else when this node stored it (what its log and the
/// receipt it signed prove), whichever is later.
fn arrival(stored: &StoredEnvelope) -> Timestamp {
    let created = stored.envelope.envelope().created;
    match stored.direction {
        countersign_store::Direction::Received => created.max(stored.stored),
        _ => created,
    }
}

/// A receipt's signed `received_at`, kept between the notification's
/// `created` and when this node stored the receipt: a recipient cannot
/// claim to have received something before it was sent, or later than it
/// answered.
fn receipt_time(
    notification_created: Timestamp,
    stored: Timestamp,
    claimed: Timestamp,
) -> Timestamp {
    let latest = stored.max(notification_created);
    claimed.clamp(notification_created, latest)
}

fn parse_body<T: serde::de::DeserializeOwned>(env: &SignedEnvelope, what: &str) -> Result<T> {
    serde::Deserialize::deserialize(&env.envelope().body)
        .map_err(|e| NodeError::internal(format!("stored {what} {} does not parse: {e}", env.id())))
}

impl Node {
    /// The deadlines a notification from `from` to `to` touching
    /// `sectors`, sent at `created`, gets by default: the node's policy
    /// (configuration `deadlines`). The one place defaults come from.
    pub fn default_deadlines(
        &self,
        from: &PartyId,
        to: &[PartyId],
        sectors: &[Sector],
        created: Timestamp,
    ) -> Deadlines {
        self.config()
            .deadlines
            .deadlines(from, to, sectors, created)
    }

    /// The notifier rates a reply to its notification: signs a `rating`
    /// envelope to the replier (see the module documentation), stores and
    /// logs it, and queues its delivery. Only the notifier rates; a
    /// rating of something that is not a reply, or of an acknowledgement,
    /// is refused; every check runs before anything is written.
    pub async fn rate(
        &self,
        viewer: &Viewer,
        reply: &EnvelopeId,
        quality: ReplyQuality,
        reason: &str,
        close: bool,
    ) -> Result<SignedEnvelope> {
        viewer.require(Role::Analyst)?;
        let (reply_env, notification) = self.visible_reply(viewer, reply).await?;
        let notifier = notification.envelope.envelope().from.clone();
        if !self.hosted_parties().contains(&notifier) || !viewer.may_act_for(&notifier) {
            return Err(NodeError::forbidden(format!(
                "only the notifier {notifier} rates replies to its notification"
            )));
        }
        // The rule: an acknowledgement needs no rating; rated, an
        // ack-only obligation would count as answered substantively.
        let body: Reply = parse_body(&reply_env, "reply")?;
        if body.kind == ReplyKind::Acknowledgement {
            return Err(NodeError::invalid(format!(
                "{reply} is an acknowledgement; an acknowledgement needs no rating"
            )));
        }
        let rating = Rating {
            reply: *reply,
            quality,
            reason: reason.trim().to_owned(),
            close,
        };
        rating.check()?;
        let key = self.signer(&notifier)?;
        let created = now();
        let signed = Envelope {
            v: ENVELOPE_VERSION,
            kind: EnvelopeType::Rating,
            from: notifier,
            to: vec![reply_env.envelope().from.clone()],
            created,
            refs: vec![*reply, notification.envelope.id()],
            tlp: notification.envelope.envelope().tlp,
            body: serde_json::to_value(&rating)
                .map_err(|e| NodeError::internal(format!("cannot serialise a rating: {e}")))?,
            attachments: vec![],
        }
        .sign(&key)?;
        self.store_envelope(&NewEnvelope {
            envelope: signed.clone(),
            direction: countersign_store::Direction::Sent,
            stored: created,
            notification: None,
        })
        .await?;
        tracing::info!(id = %signed.id(), %reply, %quality, close, "rating signed and stored");
        self.wake_delivery();
        Ok(signed)
    }

    /// What the documented rule proposes for a reply
    /// (`countersign_core::reply::propose_rating`).
    pub async fn rating_proposal(
        &self,
        viewer: &Viewer,
        reply: &EnvelopeId,
    ) -> Result<RatingProposal> {
        viewer.require(Role::Viewer)?;
        let (reply_env, _) = self.visible_reply(viewer, reply).await?;
        let body: Reply = parse_body(&reply_env, "reply")?;
        Ok(countersign_core::reply::propose_rating(&body))
    }

    /// A reply and its notification, if the viewer may see the
    /// notification; not found otherwise, so existence does not leak.
    async fn visible_reply(
        &self,
        viewer: &Viewer,
        reply: &EnvelopeId,
    ) -> Result<(SignedEnvelope, crate::notify::NotificationDetail)> {
        let not_found = || NodeError::not_found(format!("no reply {reply}"));
        let stored = self
            .store()
            .get_envelope(reply)
            .await?
            .ok_or_else(not_found)?;
        let env = stored.envelope.envelope();
        // A reply is its own exchange between one recipient and the
        // notifier: seeing the notification is not enough (under AMBER
        // and RED another recipient is nobody else), and only someone who
        // may see the envelope learns its type.
        if !viewer.may_see(env.tlp, &env.from, &env.to) {
            return Err(not_found());
        }
        if env.kind != EnvelopeType::Reply {
            return Err(NodeError::invalid(format!(
                "{reply} is a {}, not a reply; only replies are rated",
                env.kind
            )));
        }
        let notification = env.refs.first().copied().ok_or_else(not_found)?;
        let detail = self
            .get_notification(viewer, &notification)
            .await
            .map_err(|e| {
                // Not found as the reply, so the notification's id does not leak.
                if e.kind == crate::NodeErrorKind::NotFound {
                    not_found()
                } else {
                    e
                }
            })?;
        Ok((stored.envelope, detail))
    }

    /// The timeline of one notification: per recipient its lifecycle,
    /// and every event with its proof state. Visible as the notification,
    /// but each receipt, reply and rating is its own envelope between one
    /// recipient and the notifier: it is shown only to whom may see that
    /// envelope, and a recipient's lifecycle only to the notifier, that
    /// recipient (and the operator), or to all under CLEAR and GREEN. So
    /// under AMBER and RED a recipient does not see another's exchange.
    pub async fn timeline(&self, viewer: &Viewer, notification: &EnvelopeId) -> Result<Timeline> {
        let detail = self.get_notification(viewer, notification).await?;
        let g = self.gather(detail.row.clone()).await?;
        let at = now();
        let env = detail.envelope.envelope();
        let sees = |e: &SignedEnvelope| {
            let e = e.envelope();
            viewer.may_see(e.tlp, &e.from, &e.to)
        };
        let recipients = env
            .to
            .iter()
            // The rule of `may_see` for an exchange of the notifier with p.
            .filter(|p| viewer.may_see(env.tlp, &env.from, std::slice::from_ref(*p)))
            .map(|p| RecipientLifecycle {
                party: p.clone(),
                lifecycle: lifecycle::derive(&g.obligation(), &g.events_for(p), at),
            })
            .collect();
        let witnessed = self.witness_sizes().await?;
        let mut events = Vec::new();
        events.push(TimelineEvent {
            at: env.created,
            kind: TimelineEventKind::Sent,
            envelope: *notification,
            from: env.from.clone(),
            proof: self.proof_state(&detail.envelope, true, &witnessed).await?,
        });
        let receipts = g
            .receipts
            .iter()
            .filter_map(|(p, r, at)| Some((p, r.as_ref()?, at)))
            .filter(|(_, r, _)| sees(r));
        for (party, receipt, received_at) in receipts {
            events.push(TimelineEvent {
                at: *received_at,
                kind: TimelineEventKind::Delivered { to: party.clone() },
                envelope: receipt.id(),
                from: party.clone(),
                proof: self.proof_state(receipt, false, &witnessed).await?,
            });
        }
        for (stored, reply) in g.replies.iter().filter(|(s, _)| sees(&s.envelope)) {
            events.push(TimelineEvent {
                at: arrival(stored),
                kind: TimelineEventKind::Reply { kind: reply.kind },
                envelope: stored.envelope.id(),
                from: stored.envelope.envelope().from.clone(),
                proof: self.proof_state(&stored.envelope, true, &witnessed).await?,
            });
        }
        let mut last_rating: BTreeMap<EnvelopeId, EnvelopeId> = BTreeMap::new();
        // Only the notifier rates (a rating from anyone else is no
        // rating of this notification's replies, whatever it refers to).
        let mut ratings: Vec<_> = g
            .ratings
            .iter()
            .filter(|(s, _)| s.envelope.envelope().from == env.from && sees(&s.envelope))
            .collect();
        ratings.sort_by_key(|(s, _)| (arrival(s), s.envelope.id()));
        for (stored, rating) in ratings {
            let id = stored.envelope.id();
            events.push(TimelineEvent {
                at: arrival(stored),
                kind: TimelineEventKind::Rating {
                    quality: rating.quality,
                    close: rating.close,
                    reply: rating.reply,
                    supersedes: last_rating.insert(rating.reply, id),
                },
                envelope: id,
                from: stored.envelope.envelope().from.clone(),
                proof: self.proof_state(&stored.envelope, true, &witnessed).await?,
            });
        }
        events.sort_by_key(|e| e.at);
        let n = &detail.checked.notification;
        let deadlines = self.default_deadlines(&env.from, &env.to, &n.sectors, env.created);
        Ok(Timeline {
            notification: *notification,
            from: env.from.clone(),
            created: env.created,
            ack_by: n.ack_by,
            reply_by: n.reply_by,
            final_by: deadlines.final_by,
            protected: deadlines.protected,
            recipients,
            events,
        })
    }

    /// Per witness key, the largest size of this log it cosigned.
    async fn witness_sizes(&self) -> Result<Vec<u64>> {
        let Some(fed) = self.store().federation() else {
            return Ok(vec![]);
        };
        let mut best: BTreeMap<String, u64> = BTreeMap::new();
        for c in fed.cosignatures(None).await? {
            let e = best.entry(c.witness).or_default();
            *e = (*e).max(c.size);
        }
        Ok(best.into_values().collect())
    }

    async fn proof_state(
        &self,
        envelope: &SignedEnvelope,
        delivered_kind: bool,
        witness_sizes: &[u64],
    ) -> Result<ProofState> {
        let id = envelope.id();
        let signed = self.verify_envelope(envelope).await.is_ok();
        let log_index = self.store().log_index(&id).await?;
        let witnessed = log_index.map_or(0, |i| {
            u32::try_from(witness_sizes.iter().filter(|s| **s > i).count()).unwrap_or(u32::MAX)
        });
        let receipt_verified = if delivered_kind {
            let held = match self.store().federation() {
                Some(fed) => fed.receipts(&id).await?,
                None => vec![],
            };
            let env = envelope.envelope();
            let hosted = self.hosted_parties();
            let sent = hosted.contains(&env.from);
            Some(if sent {
                env.to.iter().all(|p| held.iter().any(|(q, _)| q == p))
            } else {
                env.to
                    .iter()
                    .filter(|p| hosted.contains(p))
                    .all(|p| held.iter().any(|(q, _)| q == p))
            })
        } else {
            None
        };
        Ok(ProofState {
            signed,
            receipt_verified,
            log_index,
            witnessed,
        })
    }

    /// Overdue and soon-due obligations of the viewer's party (the
    /// operator: of every hosted party), both directions, as of now. Soon
    /// means a deadline within `soon_s` seconds. The deadlines are the
    /// lifecycle's (moved by the delivery delay); nothing is due before
    /// delivery or once closed, as in `countersign_core::lifecycle`.
    pub async fn due_lists(&self, viewer: &Viewer, soon_s: i64) -> Result<DueLists> {
        viewer.require(Role::Viewer)?;
        let at = now();
        let horizon = Timestamp::from_datetime(at.datetime() + chrono::Duration::seconds(soon_s));
        // What is listed first; then the sectors (in the bodies) of the
        // listed notifications in one read, not one per item.
        let mut listed: Vec<(bool, DueItem)> = Vec::new();
        for (row, facts) in self.obligation_facts(viewer, None).await? {
            let l = lifecycle::derive(&facts.obligation, &facts.events, at);
            if matches!(l.stage, Stage::Queued | Stage::Closed) {
                continue;
            }
            let due_soon = |t: Timestamp| t <= horizon;
            let (overdue, which, due) = if l.overdue_reply {
                (true, DeadlineKind::Reply, l.reply_due)
            } else if l.overdue_ack {
                (true, DeadlineKind::Ack, l.ack_due)
            } else if l.acknowledged_at.is_none() && due_soon(l.ack_due) {
                (false, DeadlineKind::Ack, l.ack_due)
            } else if l.answered_at.is_none() && due_soon(l.reply_due) {
                (false, DeadlineKind::Reply, l.reply_due)
            } else {
                continue;
            };
            let recipient = match facts.direction {
                Direction::Outbound => facts.counterpart,
                Direction::Inbound => facts.party,
            };
            listed.push((
                overdue,
                DueItem {
                    notification: row.id,
                    title: row.title,
                    from: row.from,
                    recipient,
                    direction: facts.direction,
                    which,
                    due,
                    protected: false,
                    stage: l.stage,
                },
            ));
        }
        let ids: BTreeSet<EnvelopeId> = listed.iter().map(|(_, d)| d.notification).collect();
        let protected = self.protected_notifications(&ids).await?;
        let mut out = DueLists::default();
        for (overdue, mut item) in listed {
            item.protected = protected.contains(&item.notification);
            if overdue {
                out.overdue.push(item);
            } else {
                out.soon_due.push(item);
            }
        }
        out.overdue.sort_by_key(|d| std::cmp::Reverse(d.due));
        out.soon_due.sort_by_key(|d| d.due);
        Ok(out)
    }

    /// Scorecards of the viewer's party (the operator: every hosted
    /// party) over a period: see `countersign_core::scorecard`.
    pub async fn scorecards(
        &self,
        viewer: &Viewer,
        query: &ScorecardQuery,
    ) -> Result<Vec<Scorecard>> {
        viewer.require(Role::Viewer)?;
        let facts: Vec<Facts> = self
            .obligation_facts(viewer, Some(&query.period))
            .await?
            .into_iter()
            .map(|(_, f)| f)
            .filter(|f| {
                query
                    .counterpart
                    .as_ref()
                    .is_none_or(|c| *c == f.counterpart)
            })
            .filter(|f| query.direction.is_none_or(|d| d == f.direction))
            .collect();
        Ok(scorecard::scorecards(&facts, &query.period, now()))
    }

    /// Every obligation of the viewer's parties, with its facts, of the
    /// notifications created in `period` (all if `None`).
    async fn obligation_facts(
        &self,
        viewer: &Viewer,
        period: Option<&Period>,
    ) -> Result<Vec<(NotificationRow, Facts)>> {
        let hosted = self.hosted_parties();
        let ours: Vec<PartyId> = match viewer.party() {
            Some(p) => hosted.into_iter().filter(|h| h == p).collect(),
            None => hosted,
        };
        // Each notification once, even when both ends are hosted here.
        let mut rows: BTreeMap<EnvelopeId, NotificationRow> = BTreeMap::new();
        for party in &ours {
            let mut page = PageRequest {
                limit: 500,
                cursor: None,
            };
            loop {
                let filter = NotificationFilter {
                    party: Some(party.clone()),
                    since: period.map(|p| p.start),
                    until: period.map(|p| p.end),
                    ..Default::default()
                };
                let listed = self.store().list_notifications(&filter, &page).await?;
                rows.extend(listed.items.into_iter().map(|r| (r.id, r)));
                match listed.next_cursor {
                    Some(c) => page.cursor = Some(c),
                    None => break,
                }
            }
        }
        let mut out = Vec::new();
        for g in self.gather_many(rows, period).await? {
            let obligation = g.obligation();
            for party in &ours {
                if g.row.from == *party {
                    for to in &g.row.to {
                        out.push((
                            g.row.clone(),
                            Facts {
                                notification: g.row.id,
                                party: party.clone(),
                                counterpart: to.clone(),
                                direction: Direction::Outbound,
                                obligation,
                                events: g.events_for(to),
                            },
                        ));
                    }
                }
                if g.row.to.contains(party) {
                    out.push((
                        g.row.clone(),
                        Facts {
                            notification: g.row.id,
                            party: party.clone(),
                            counterpart: g.row.from.clone(),
                            direction: Direction::Inbound,
                            obligation,
                            events: g.events_for(party),
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    /// [`Node::gather`] for many notifications: with the backend's bulk
    /// reads (`Store::obligations`) four queries in all, else per
    /// notification.
    async fn gather_many(
        &self,
        rows: BTreeMap<EnvelopeId, NotificationRow>,
        period: Option<&Period>,
    ) -> Result<Vec<Gathered>> {
        let Some(bulk) = self.store().obligations() else {
            let mut out = Vec::with_capacity(rows.len());
            for row in rows.into_values() {
                out.push(self.gather(row).await?);
            }
            return Ok(out);
        };
        let found = bulk
            .obligation_envelopes(period.map(|p| p.start), period.map(|p| p.end))
            .await?;
        let mut by_id: BTreeMap<EnvelopeId, Gathered> = rows
            .into_iter()
            .map(|(id, row)| (id, Gathered::new(row)))
            .collect();
        for r in found.receipts {
            if let Some(g) = by_id.get_mut(&r.notification) {
                let claimed = r.received_at.ok_or_else(|| {
                    NodeError::internal(format!(
                        "stored receipt {} does not parse: no received_at",
                        r.receipt
                    ))
                })?;
                let at = receipt_time(g.row.created, r.stored, claimed);
                g.receipts.push((r.party, None, at));
            }
        }
        for (n, party, updated_us) in found.failed {
            if let Some(g) = by_id.get_mut(&n) {
                let at = chrono::DateTime::from_timestamp_micros(updated_us)
                    .map_or(g.row.created, Timestamp::from_datetime);
                g.failed.push((party, at));
            }
        }
        let mut answered: BTreeMap<EnvelopeId, EnvelopeId> = BTreeMap::new();
        for stored in found.replies {
            let Some(n) = stored.envelope.envelope().refs.first().copied() else {
                continue;
            };
            if let Some(g) = by_id.get_mut(&n) {
                let reply: Reply = parse_body(&stored.envelope, "reply")?;
                answered.insert(stored.envelope.id(), n);
                g.replies.push((stored, reply));
            }
        }
        for stored in found.ratings {
            let Some(r) = stored.envelope.envelope().refs.first().copied() else {
                continue;
            };
            let rating: Rating = parse_body(&stored.envelope, "rating")?;
            if rating.reply != r {
                continue;
            }
            if let Some(g) = answered.get(&r).and_then(|n| by_id.get_mut(n)) {
                g.ratings.push((stored, rating));
            }
        }
        Ok(by_id.into_values().collect())
    }

    /// Which of these notifications concern a protected sector (the
    /// policy's, today): their bodies read in one call where the backend
    /// can, else one by one.
    async fn protected_notifications(
        &self,
        ids: &BTreeSet<EnvelopeId>,
    ) -> Result<BTreeSet<EnvelopeId>> {
        #[derive(serde::Deserialize)]
        struct Sectors {
            #[serde(default)]
            sectors: Vec<Sector>,
        }
        let ids: Vec<EnvelopeId> = ids.iter().copied().collect();
        let deadlines = &self.config().deadlines;
        let mut protected = BTreeSet::new();
        // A thousand envelopes held at a time, however long the lists.
        for chunk in ids.chunks(1024) {
            let stored = match self.store().federation() {
                Some(fed) => fed.envelopes(chunk).await?,
                None => {
                    let mut found = Vec::with_capacity(chunk.len());
                    for id in chunk {
                        found.extend(self.store().get_envelope(id).await?);
                    }
                    found
                }
            };
            for s in stored {
                let sectors = parse_body::<Sectors>(&s.envelope, "notification")?.sectors;
                if deadlines.is_protected(&sectors) {
                    protected.insert(s.envelope.id());
                }
            }
        }
        Ok(protected)
    }

    /// A notification's receipts, failed deliveries, replies and ratings.
    async fn gather(&self, row: NotificationRow) -> Result<Gathered> {
        let mut g = Gathered::new(row);
        let Some(fed) = self.store().federation() else {
            return Ok(g);
        };
        let id = g.row.id;
        for (party, receipt_id) in fed.receipts(&id).await? {
            let Some(stored) = self.store().get_envelope(&receipt_id).await? else {
                continue;
            };
            let body: Receipt = parse_body(&stored.envelope, "receipt")?;
            let at = receipt_time(g.row.created, stored.stored, body.received_at);
            g.receipts.push((party, Some(stored.envelope), at));
        }
        for d in fed
            .list_deliveries(&DeliveryFilter {
                envelope: Some(id),
                state: Some(DeliveryState::Failed),
                limit: 0,
            })
            .await?
        {
            let at = chrono::DateTime::from_timestamp_micros(d.updated_us)
                .map_or(g.row.created, Timestamp::from_datetime);
            g.failed.push((d.party, at));
        }
        for stored in fed.referring(&id, "reply").await? {
            let reply: Reply = parse_body(&stored.envelope, "reply")?;
            for rated in fed.referring(&stored.envelope.id(), "rating").await? {
                let rating: Rating = parse_body(&rated.envelope, "rating")?;
                if rating.reply == stored.envelope.id() {
                    g.ratings.push((rated, rating));
                }
            }
            g.replies.push((stored, reply));
        }
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use countersign_core::notification::Severity;
    use countersign_core::party::PartyKind;
    use countersign_core::taxonomy::Category;
    use countersign_core::tlp::Tlp;

    use crate::InitOptions;
    use crate::datadir::DataDir;
    use crate::notify::{FillDeadlines, NotifyRequest};

    fn pid(s: &str) -> PartyId {
        PartyId::parse(s).unwrap()
    }

    /// The bulk reads and the per-notification reads gather the same.
    #[tokio::test]
    async fn bulk_and_per_notification_reads_agree() {
        let tmp = tempfile::tempdir().unwrap();
        let (node, _) = Node::init(
            DataDir::new(tmp.path().join("n")),
            InitOptions {
                party: pid("cert-a"),
                name: "A".into(),
                kind: PartyKind::NationalCert,
                country: None,
                listen: "127.0.0.1:0".into(),
                endpoint: None,
            },
        )
        .await
        .unwrap();
        node.add_local_party(&pid("cert-b"), "B", PartyKind::NationalCert, None, None)
            .await
            .unwrap();
        let op = Viewer::Operator;
        for (i, kinds) in [
            vec![],
            vec![ReplyKind::Acknowledgement],
            vec![ReplyKind::Interim, ReplyKind::Findings],
        ]
        .into_iter()
        .enumerate()
        {
            let n = node
                .notify(
                    &op,
                    NotifyRequest {
                        from: pid("cert-a"),
                        to: vec![pid("cert-b")],
                        tlp: Tlp::Green,
                        refs: vec![],
                        notification: countersign_core::notification::Notification {
                            title: format!("n{i}"),
                            summary: String::new(),
                            category: Category::parse("information-gathering/scanner").unwrap(),
                            sectors: vec![],
                            observed: None,
                            origin: Default::default(),
                            targets: Default::default(),
                            requested_actions: vec![],
                            severity: Severity::Low,
                            ack_by: now(),
                            reply_by: now(),
                            evidence: None,
                        },
                        attachments: vec![],
                        fill_deadlines: FillDeadlines::BOTH,
                    },
                )
                .await
                .unwrap()
                .envelope
                .id();
            for kind in kinds {
                let r = node
                    .reply(
                        &op,
                        &n,
                        None,
                        Reply {
                            kind,
                            text: "words".into(),
                            reason: None,
                            evidence: None,
                        },
                    )
                    .await
                    .unwrap()
                    .id();
                if kind != ReplyKind::Acknowledgement {
                    node.rate(&op, &r, ReplyQuality::Formal, "words only", false)
                        .await
                        .unwrap();
                }
            }
        }
        node.deliver_due().await.unwrap();
        let rows: BTreeMap<EnvelopeId, NotificationRow> = node
            .list_notifications(&op, NotificationFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        assert_eq!(rows.len(), 3);
        let bulk = node.gather_many(rows.clone(), None).await.unwrap();
        let b = pid("cert-b");
        let mut events = 0;
        for g in bulk {
            let single = node.gather(g.row.clone()).await.unwrap();
            let sort = |mut e: Vec<Event>| {
                e.sort_by_key(|e| format!("{e:?}"));
                e
            };
            assert_eq!(
                sort(g.events_for(&b)),
                sort(single.events_for(&b)),
                "{}",
                g.row.title
            );
            events += g.events_for(&b).len();
        }
        // 3 receipts, 3 replies, 2 ratings.
        assert_eq!(events, 8);
    }
}
