//! Demo history: six months of synthetic, back-dated traffic among the
//! demo authorities, so the scorecards and the dashboard say something on
//! first start.
//!
//! Three reply behaviours, as recipients of CERT-Aurelia's notifications:
//! Meridian's abuse desk is prompt and substantive (acknowledges within
//! hours, findings or actions with content within a day or two), the
//! Caldera energy CSIRT is formal (late acknowledgements, interim notes
//! and refusals without evidence), and Borealis is silent (a handful of
//! formal replies out of dozens). Borealis also notifies Aurelia, which
//! answers; Borealis rates those answers.
//!
//! Everything is signed properly with the parties' keys at its back-dated
//! `created` (the demo keys are made valid from before the history), and
//! travels as it would have: the envelope stored on both nodes, a receipt
//! signed by the recipient with a tlog-proof from its log and its signed
//! `received_at`, the sender's delivery marked delivered with that
//! receipt. Only the clock is synthetic: the envelopes are written now,
//! in bulk (concurrent writes share the store's group commits), not
//! through the inbox, so the demo starts in a few seconds.

use std::collections::BTreeMap;

use serde_json::json;

use countersign_core::envelope::{ENVELOPE_VERSION, Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::PartyId;
use countersign_core::notification::{Notification, ObservedWindow, RequestedAction, Severity};
use countersign_core::receipt::Receipt;
use countersign_core::reply::{Rating, Reply, ReplyKind, ReplyQuality};
use countersign_core::sector::Sector;
use countersign_core::taxonomy::Category;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::notify::notification_row;
use countersign_node::{Node, now};
use countersign_store::{Direction, NewEnvelope};

/// How many weeks of history the demo makes.
pub const WEEKS: i64 = 26;

/// A tiny deterministic generator (an LCG), so every demo tells the
/// same story relative to its start.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Uniform in `lo..hi` (minutes, hours, indexes).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from((hi - lo).max(1)).unwrap_or(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn minutes_after(t: Timestamp, minutes: i64) -> Timestamp {
    Timestamp::from_datetime(t.datetime() + chrono::Duration::minutes(minutes))
}

/// How a recipient answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    PromptSubstantive,
    Formal,
    Silent,
    /// Aurelia answering Borealis: prompt, with findings.
    Cooperative,
}

/// One stream of notifications: from, to, per week, behaviour.
const STREAMS: [(&str, &str, i64, Behaviour); 4] = [
    (
        "cert-aurelia",
        "meridian-abuse",
        2,
        Behaviour::PromptSubstantive,
    ),
    ("cert-aurelia", "caldera-energy-csirt", 1, Behaviour::Formal),
    ("cert-aurelia", "ncsc-borealis", 3, Behaviour::Silent),
    ("ncsc-borealis", "cert-aurelia", 1, Behaviour::Cooperative),
];

const TOPICS: [(&str, &str, Option<Sector>); 6] = [
    (
        "Scanning of remote-access gateways from {ip}",
        "information-gathering/scanner",
        None,
    ),
    (
        "Password spraying against grid operators from {ip}",
        "intrusion-attempts/brute-force",
        Some(Sector::Nis2Energy),
    ),
    (
        "Command-and-control server at {ip}",
        "malicious-code/c2-server",
        None,
    ),
    (
        "Phishing lures against hospital staff sent via {ip}",
        "fraud/phishing",
        Some(Sector::Nis2Health),
    ),
    (
        "DDoS on a water utility portal from {ip}",
        "availability/ddos",
        Some(Sector::Nis2DrinkingWater),
    ),
    (
        "Exploitation attempts against rail signalling VPNs from {ip}",
        "intrusions/system-compromise",
        Some(Sector::Nis2Transport),
    ),
];

/// An envelope to write on one node.
struct Write {
    node: usize,
    new: NewEnvelope,
}

/// A delivered envelope awaiting its receipt: (envelope, recipient).
struct ToReceipt {
    envelope: SignedEnvelope,
    recipient: PartyId,
    received_at: Timestamp,
}

/// The generator's state: the nodes and which hosts which party.
pub struct History<'a> {
    nodes: &'a [Node],
    host: BTreeMap<PartyId, usize>,
    rng: Rng,
    now: Timestamp,
}

impl<'a> History<'a> {
    pub fn new(nodes: &'a [Node], host: BTreeMap<PartyId, usize>) -> Self {
        History {
            nodes,
            host,
            rng: Rng(0x5eed_c0de),
            now: now(),
        }
    }

    fn host(&self, party: &PartyId) -> anyhow::Result<usize> {
        self.host
            .get(party)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("no demo node hosts {party}"))
    }

    fn sign(&self, envelope: Envelope) -> anyhow::Result<SignedEnvelope> {
        let key = self.nodes[self.host(&envelope.from)?].signer(&envelope.from)?;
        Ok(envelope.sign(&key)?)
    }

    /// The writes that store `signed` as sent on the sender's node and as
    /// received on each recipient's (other) node.
    fn spread(
        &self,
        signed: &SignedEnvelope,
        row: Option<&countersign_core::notification::CheckedNotification>,
    ) -> anyhow::Result<Vec<Write>> {
        let env = signed.envelope();
        let from = self.host(&env.from)?;
        let mut out = vec![Write {
            node: from,
            new: NewEnvelope {
                envelope: signed.clone(),
                direction: Direction::Sent,
                stored: env.created,
                notification: row.map(|c| notification_row(signed, c, Direction::Sent)),
            },
        }];
        for to in &env.to {
            let at = self.host(to)?;
            if at != from && !out.iter().any(|w| w.node == at) {
                out.push(Write {
                    node: at,
                    new: NewEnvelope {
                        envelope: signed.clone(),
                        direction: Direction::Received,
                        stored: env.created,
                        notification: row.map(|c| notification_row(signed, c, Direction::Received)),
                    },
                });
            }
        }
        Ok(out)
    }

    /// Writes concurrently (the store batches them into group commits),
    /// then integrates every node's log.
    async fn write_all(&self, writes: Vec<Write>) -> anyhow::Result<()> {
        let mut tasks = tokio::task::JoinSet::new();
        for w in writes {
            let node = self.nodes[w.node].clone();
            tasks.spawn(async move { node.store().insert_envelope(&w.new).await });
        }
        while let Some(done) = tasks.join_next().await {
            done?.map_err(countersign_node::NodeError::from)?;
        }
        for n in self.nodes {
            n.log_sync().await?;
        }
        Ok(())
    }

    /// Receipts for delivered envelopes: signed by the recipient with a
    /// proof from its log, stored on its node, and marking the sender's
    /// delivery delivered.
    async fn receipts(&self, items: Vec<ToReceipt>) -> anyhow::Result<()> {
        let mut tasks = tokio::task::JoinSet::new();
        for item in items {
            let env = item.envelope.envelope();
            let at = self.host(&item.recipient)?;
            let from_node = self.host(&env.from)?;
            let receiver = self.nodes[at].clone();
            let sender = self.nodes[from_node].clone();
            let id = item.envelope.id();
            let proof = receiver.log_prove(&id).await?;
            let body = Receipt {
                received: id,
                received_at: item.received_at,
                proof: proof.to_text(),
            };
            let receipt = self.sign(Envelope {
                v: ENVELOPE_VERSION,
                kind: EnvelopeType::Receipt,
                from: item.recipient.clone(),
                to: vec![env.from.clone()],
                created: item.received_at,
                refs: vec![id],
                tlp: env.tlp,
                body: serde_json::to_value(&body)?,
                attachments: vec![],
            })?;
            let party = item.recipient.clone();
            tasks.spawn(async move {
                let fed = receiver
                    .store()
                    .federation()
                    .ok_or_else(|| anyhow::anyhow!("no federation tables"))?;
                fed.insert_receipt(
                    &id,
                    &party,
                    &NewEnvelope {
                        envelope: receipt.clone(),
                        direction: Direction::Sent,
                        stored: item.received_at,
                        notification: None,
                    },
                )
                .await
                .map_err(countersign_node::NodeError::from)?;
                let fed = sender
                    .store()
                    .federation()
                    .ok_or_else(|| anyhow::anyhow!("no federation tables"))?;
                let now_us = item.received_at.datetime().timestamp_micros();
                fed.delivery_done(
                    &id,
                    &party,
                    &NewEnvelope {
                        envelope: receipt,
                        direction: Direction::Received,
                        stored: item.received_at,
                        notification: None,
                    },
                    now_us,
                )
                .await
                .map_err(countersign_node::NodeError::from)?;
                anyhow::Ok(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        for n in self.nodes {
            n.log_sync().await?;
        }
        Ok(())
    }

    fn notification(
        &mut self,
        from: &PartyId,
        to: &PartyId,
        created: Timestamp,
        n: usize,
    ) -> anyhow::Result<(
        SignedEnvelope,
        countersign_core::notification::CheckedNotification,
    )> {
        let (title, category, sector) = TOPICS[self.rng.range(0, TOPICS.len() as i64) as usize];
        let ip = format!("198.51.100.{}", 1 + (n * 37) % 250);
        let sectors: Vec<Sector> = sector.into_iter().collect();
        let deadlines = self.nodes[self.host(from)?].default_deadlines(
            from,
            std::slice::from_ref(to),
            &sectors,
            created,
        );
        let stamp = |t: Timestamp| {
            t.datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        let seen = minutes_after(created, -self.rng.range(60, 60 * 20));
        // Half carry a STIX indicator; the rest are claims in words.
        let evidence = self.rng.chance(55).then(|| {
            let t = stamp(seen);
            json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": [{
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{}", uuid::Uuid::new_v4()),
                "created": t, "modified": t, "name": format!("Source {ip}"),
                "indicator_types": ["malicious-activity"],
                "pattern": format!("[ipv4-addr:value = '{ip}']"), "pattern_type": "stix",
                "valid_from": t
            }]})
        });
        let body = Notification {
            title: title.replace("{ip}", &ip),
            summary: format!(
                "Synthetic demo incident {n}: activity from {ip} observed by our sensors. \
                 Please investigate and tell us what you found."
            ),
            category: Category::parse(category)?,
            sectors,
            observed: Some(ObservedWindow {
                start: minutes_after(seen, -180),
                end: seen,
            }),
            origin: super::scope(&[&ip])?,
            targets: Default::default(),
            requested_actions: vec![RequestedAction::Investigate, RequestedAction::StopActivity],
            severity: [Severity::Low, Severity::Medium, Severity::High]
                [self.rng.range(0, 3) as usize],
            ack_by: deadlines.ack_by,
            reply_by: deadlines.reply_by,
            evidence,
        };
        let checked = body.clone().check(created, 0)?;
        let tlp = if self.rng.chance(30) {
            Tlp::Green
        } else {
            Tlp::Amber
        };
        let signed = self.sign(Envelope {
            v: ENVELOPE_VERSION,
            kind: EnvelopeType::Notification,
            from: from.clone(),
            to: vec![to.clone()],
            created,
            refs: vec![],
            tlp,
            body: checked.notification.to_body()?,
            attachments: vec![],
        })?;
        Ok((signed, checked))
    }

    /// The replies a behaviour gives: (minutes after sending, reply).
    fn replies(&mut self, behaviour: Behaviour, ack_hours: i64) -> Vec<(i64, Reply)> {
        let reply = |kind, text: &str, reason: Option<&str>| Reply {
            kind,
            text: text.to_owned(),
            reason: reason.map(str::to_owned),
            evidence: None,
        };
        let r = &mut self.rng;
        match behaviour {
            Behaviour::PromptSubstantive | Behaviour::Cooperative => {
                let ack = r.range(20, 60 * ack_hours.clamp(1, 3));
                let mut out = vec![(
                    ack,
                    reply(ReplyKind::Acknowledgement, "Received; on it.", None),
                )];
                if r.chance(92) {
                    let (kind, text) = if r.chance(50) {
                        (
                            ReplyKind::Findings,
                            "The address belongs to a customer VPS that was compromised through an exposed \
                             management panel; we have the logs and share the indicators below.",
                        )
                    } else {
                        (
                            ReplyKind::ActionTaken,
                            "We suspended the customer's server, preserved its disk image and blocked the \
                             command-and-control domain at our resolvers.",
                        )
                    };
                    out.push((ack + r.range(2 * 60, 20 * 60), reply(kind, text, None)));
                }
                out
            }
            Behaviour::Formal => {
                let ack = r.range(3 * 60, 30 * 60);
                let mut out = vec![(
                    ack,
                    reply(
                        ReplyKind::Acknowledgement,
                        "Your letter is registered.",
                        None,
                    ),
                )];
                if r.chance(70) {
                    let later = ack + r.range(24 * 60, 6 * 24 * 60);
                    out.push(if r.chance(60) {
                        (
                            later,
                            reply(ReplyKind::Interim, "We are looking into it.", None),
                        )
                    } else {
                        (
                            later,
                            reply(ReplyKind::Declined, "", Some("Outside our remit.")),
                        )
                    });
                }
                out
            }
            Behaviour::Silent => {
                // Seven formal replies in about seventy-five notifications.
                if r.chance(9) {
                    let later = r.range(3 * 24 * 60, 20 * 24 * 60);
                    vec![(
                        later,
                        if r.chance(50) {
                            reply(
                                ReplyKind::Declined,
                                "",
                                Some("No evidence of the alleged activity."),
                            )
                        } else {
                            reply(ReplyKind::Interim, "Noted.", None)
                        },
                    )]
                } else {
                    vec![]
                }
            }
        }
    }

    /// Makes and stores the whole history. Returns how many notifications.
    pub async fn generate(mut self) -> anyhow::Result<usize> {
        let start = self.now.plus_hours(-24 * 7 * WEEKS);
        let mut writes = Vec::new();
        let mut delivered = Vec::new();
        // (notification, behaviour, protected ack hours, notifier, recipient)
        let mut sent = Vec::new();
        let mut n = 0;
        for (from, to, per_week, behaviour) in STREAMS {
            let (from, to) = (PartyId::parse(from)?, PartyId::parse(to)?);
            for week in 0..WEEKS {
                for _ in 0..per_week {
                    n += 1;
                    let created = minutes_after(
                        start.plus_hours(24 * 7 * week),
                        self.rng.range(60, 7 * 24 * 60 - 60),
                    );
                    // Nothing in the last day: the recent ones come from `seed`.
                    if created > self.now.plus_hours(-24) {
                        continue;
                    }
                    let (signed, checked) = self.notification(&from, &to, created, n)?;
                    writes.extend(self.spread(&signed, Some(&checked))?);
                    delivered.push(ToReceipt {
                        envelope: signed.clone(),
                        recipient: to.clone(),
                        received_at: minutes_after(created, self.rng.range(0, 3)),
                    });
                    let ack_hours =
                        (checked.notification.ack_by.datetime() - created.datetime()).num_hours();
                    sent.push((signed, behaviour, ack_hours, from.clone(), to.clone()));
                }
            }
        }
        let count = sent.len();
        self.write_all(writes).await?;
        self.receipts(delivered).await?;

        // Replies, back to the notifier.
        let mut writes = Vec::new();
        let mut delivered = Vec::new();
        let mut replied = Vec::new();
        for (notification, behaviour, ack_hours, notifier, recipient) in &sent {
            let created = notification.envelope().created;
            for (after, reply) in self.replies(*behaviour, *ack_hours) {
                let at = minutes_after(created, after);
                if at >= self.now {
                    continue;
                }
                let signed = self.sign(Envelope {
                    v: ENVELOPE_VERSION,
                    kind: EnvelopeType::Reply,
                    from: recipient.clone(),
                    to: vec![notifier.clone()],
                    created: at,
                    refs: vec![notification.id()],
                    tlp: notification.envelope().tlp,
                    body: reply.to_body()?,
                    attachments: vec![],
                })?;
                writes.extend(self.spread(&signed, None)?);
                delivered.push(ToReceipt {
                    envelope: signed.clone(),
                    recipient: notifier.clone(),
                    received_at: minutes_after(at, 1),
                });
                replied.push((signed, reply, notification.id(), *behaviour));
            }
        }
        self.write_all(writes).await?;
        self.receipts(delivered).await?;

        // Ratings by the notifier: the rule's proposal, mostly confirmed;
        // Borealis rates Aurelia's answers formal whatever they say.
        let mut writes = Vec::new();
        let mut delivered = Vec::new();
        for (reply_env, reply, notification, behaviour) in &replied {
            let proposal = countersign_core::reply::propose_rating(reply);
            let Some(mut quality) = proposal.quality else {
                continue;
            };
            let mut reason = proposal.reason;
            if *behaviour == Behaviour::Cooperative {
                if !self.rng.chance(60) {
                    continue;
                }
                quality = ReplyQuality::Formal;
                reason = "does not address our questions".into();
            }
            let at = minutes_after(reply_env.envelope().created, self.rng.range(30, 24 * 60));
            if at >= self.now {
                continue;
            }
            let rating = Rating {
                reply: reply_env.id(),
                quality,
                reason,
                close: quality == ReplyQuality::Substantive && self.rng.chance(50),
            };
            let env = reply_env.envelope();
            let signed = self.sign(Envelope {
                v: ENVELOPE_VERSION,
                kind: EnvelopeType::Rating,
                from: env.to[0].clone(),
                to: vec![env.from.clone()],
                created: at,
                refs: vec![reply_env.id(), *notification],
                tlp: env.tlp,
                body: serde_json::to_value(&rating)?,
                attachments: vec![],
            })?;
            writes.extend(self.spread(&signed, None)?);
            delivered.push(ToReceipt {
                envelope: signed,
                recipient: env.from.clone(),
                received_at: minutes_after(at, 1),
            });
        }
        self.write_all(writes).await?;
        self.receipts(delivered).await?;
        Ok(count)
    }
}
