//! The lifecycle of one obligation: a notification to one recipient, as
//! derived from what was logged and the time now.
//!
//! A notification to several recipients is several obligations, because
//! each recipient acknowledges and answers for itself. The stages, in
//! order: `queued` (signed and stored, no receipt yet) → `delivered` (the
//! recipient's receipt) → `acknowledged` (a reply of any kind: whoever
//! replies has received it) → `answered` (a reply of an answering kind,
//! [`ReplyKind::answers`]: findings, action-taken, declined) → `closed`
//! (the notifier's rating of one of the replies with `close` set).
//!
//! The stage is a pure function of the set of events visible at `now`
//! (events timed after `now` are not yet visible): the order in which
//! events arrive does not matter, and adding an event never moves the
//! stage back (so closing cannot be undone by a later rating). A reply
//! implies delivery even when its receipt is missing (the reply may
//! overtake the receipt); a close implies acknowledgement (it rates a
//! reply). Deadlines give four flags: `overdue_ack` and `overdue_reply`
//! (the deadline has passed and nothing meets it yet) and `ack_late` and
//! `answer_late` (it was met, but after the deadline). The property
//! tests in this module check these rules for arbitrary event sets.
//!
//! Deadlines run from delivery: when the receipt's time is later than
//! the notification's `created` (a peer offline, retries), both deadlines
//! move by that delay, because nobody can acknowledge what has not
//! arrived; before delivery nothing is overdue (the stage says `queued`,
//! or the delivery failed), and a closed obligation is not overdue (the
//! notifier ended it). So a scorecard's "overdue" is the counterpart's
//! doing, not the network's.

use std::collections::BTreeMap;

use crate::ids::EnvelopeId;
use crate::reply::{ReplyKind, ReplyQuality};
use crate::time::Timestamp;
use crate::vocab::vocabulary;

vocabulary! {
    /// Where an obligation stands, in order.
    pub enum Stage ("stage") {
        Queued => "queued",
        Delivered => "delivered",
        Acknowledged => "acknowledged",
        Answered => "answered",
        Closed => "closed",
    }
}

/// What is owed: when it was sent and its two deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Obligation {
    pub created: Timestamp,
    pub ack_by: Timestamp,
    pub reply_by: Timestamp,
}

impl Obligation {
    /// The deadlines as they bind the recipient: moved by the delivery
    /// delay when the receipt came after `created`.
    pub fn deadlines_after(&self, delivered_at: Option<Timestamp>) -> (Timestamp, Timestamp) {
        let delay_ms = delivered_at.map_or(0, |d| {
            (d.datetime() - self.created.datetime())
                .num_milliseconds()
                .max(0)
        });
        let shift = |t: Timestamp| {
            chrono::Duration::try_milliseconds(delay_ms)
                .and_then(|d| t.datetime().checked_add_signed(d))
                .map_or(t, Timestamp::from_datetime)
        };
        (shift(self.ack_by), shift(self.reply_by))
    }
}

/// Something logged about one obligation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The recipient's receipt, at its signed `received_at`.
    Delivered { at: Timestamp },
    /// Delivery was given up (the outbox row failed).
    DeliveryFailed { at: Timestamp },
    /// A reply from the recipient, at its `created`.
    Reply {
        id: EnvelopeId,
        kind: ReplyKind,
        at: Timestamp,
    },
    /// The notifier's rating of a reply, at its `created`.
    Rating {
        id: EnvelopeId,
        reply: EnvelopeId,
        quality: ReplyQuality,
        close: bool,
        at: Timestamp,
    },
}

impl Event {
    pub fn at(&self) -> Timestamp {
        match self {
            Event::Delivered { at }
            | Event::DeliveryFailed { at }
            | Event::Reply { at, .. }
            | Event::Rating { at, .. } => *at,
        }
    }
}

/// The derived state of one obligation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub stage: Stage,
    /// The earliest receipt's time (not inferred from replies: this is
    /// what the time-to-deliver figures use).
    pub delivered_at: Option<Timestamp>,
    /// The first reply of any kind.
    pub acknowledged_at: Option<Timestamp>,
    /// The first reply of an answering kind.
    pub answered_at: Option<Timestamp>,
    /// The earliest rating with `close` set.
    pub closed_at: Option<Timestamp>,
    /// The deadlines as they bind the recipient: `ack_by` and `reply_by`
    /// moved by the delivery delay (see the module documentation).
    pub ack_due: Timestamp,
    pub reply_due: Timestamp,
    /// `now` is past `ack_due`, the obligation is delivered and open, and
    /// nothing acknowledges yet.
    pub overdue_ack: bool,
    /// `now` is past `reply_by` and nothing answers yet.
    pub overdue_reply: bool,
    /// Acknowledged after `ack_by`.
    pub ack_late: bool,
    /// Answered after `reply_by`.
    pub answer_late: bool,
    /// Delivery was given up and nothing came back from the recipient.
    pub delivery_failed: bool,
    /// Replies visible at `now`.
    pub replies: u32,
    /// Per reply, the quality of its newest rating (ties broken by the
    /// larger rating id, so every node derives the same).
    pub ratings: BTreeMap<EnvelopeId, ReplyQuality>,
}

impl Lifecycle {
    /// The obligation's quality: substantive if any reply's current rating
    /// is substantive, else formal if any is formal, else unrated.
    pub fn quality(&self) -> Option<ReplyQuality> {
        let q = |want| self.ratings.values().any(|v| *v == want).then_some(want);
        q(ReplyQuality::Substantive).or_else(|| q(ReplyQuality::Formal))
    }

    /// Missed a deadline, whether met late or not at all (yet).
    pub fn missed_deadline(&self) -> bool {
        self.overdue_ack || self.overdue_reply || self.ack_late || self.answer_late
    }
}

/// Derives the lifecycle from the events visible at `now`: see the module
/// documentation. The events may come in any order.
pub fn derive(obligation: &Obligation, events: &[Event], now: Timestamp) -> Lifecycle {
    let visible = || events.iter().filter(|e| e.at() <= now);
    let min = |it: &mut dyn Iterator<Item = Timestamp>| it.min();
    let delivered_at = min(&mut visible().filter_map(|e| match e {
        Event::Delivered { at } => Some(*at),
        _ => None,
    }));
    let replies: BTreeMap<EnvelopeId, (ReplyKind, Timestamp)> = visible()
        .filter_map(|e| match e {
            Event::Reply { id, kind, at } => Some((*id, (*kind, *at))),
            _ => None,
        })
        .collect();
    let acknowledged_at = replies.values().map(|(_, at)| *at).min();
    let answered_at = replies
        .values()
        .filter(|(k, _)| k.answers())
        .map(|(_, at)| *at)
        .min();
    // Ratings count only for replies visible at `now`; the newest rating
    // of each reply counts (time, then id, so arrival order is irrelevant).
    let mut newest: BTreeMap<EnvelopeId, (Timestamp, EnvelopeId, ReplyQuality)> = BTreeMap::new();
    let mut closed_at: Option<Timestamp> = None;
    for e in visible() {
        if let Event::Rating {
            id,
            reply,
            quality,
            close,
            at,
        } = e
        {
            if !replies.contains_key(reply) {
                continue;
            }
            let entry = newest.entry(*reply).or_insert((*at, *id, *quality));
            if (*at, *id) > (entry.0, entry.1) {
                *entry = (*at, *id, *quality);
            }
            if *close {
                closed_at = Some(closed_at.map_or(*at, |c| c.min(*at)));
            }
        }
    }
    let failed = visible().any(|e| matches!(e, Event::DeliveryFailed { .. }));
    let stage = if closed_at.is_some() {
        Stage::Closed
    } else if answered_at.is_some() {
        Stage::Answered
    } else if acknowledged_at.is_some() {
        Stage::Acknowledged
    } else if delivered_at.is_some() {
        Stage::Delivered
    } else {
        Stage::Queued
    };
    // A reply proves delivery no later than itself (it may overtake the
    // receipt), so the delay is to whichever came first.
    let arrived = match (delivered_at, acknowledged_at) {
        (Some(d), Some(a)) => Some(d.min(a)),
        (d, a) => d.or(a),
    };
    let (ack_by, reply_by) = obligation.deadlines_after(arrived);
    // Owed only once delivered (a receipt, or a reply, which proves it)
    // and until closed.
    let owing = arrived.is_some() && closed_at.is_none();
    Lifecycle {
        stage,
        delivered_at,
        acknowledged_at,
        answered_at,
        closed_at,
        ack_due: ack_by,
        reply_due: reply_by,
        overdue_ack: owing && acknowledged_at.is_none() && now > ack_by,
        overdue_reply: owing && answered_at.is_none() && now > reply_by,
        ack_late: acknowledged_at.is_some_and(|t| t > ack_by),
        answer_late: answered_at.is_some_and(|t| t > reply_by),
        delivery_failed: failed && delivered_at.is_none() && acknowledged_at.is_none(),
        replies: u32::try_from(replies.len()).unwrap_or(u32::MAX),
        ratings: newest.into_iter().map(|(r, (_, _, q))| (r, q)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Sha256Hex;
    use proptest::prelude::*;

    fn t(h: i64) -> Timestamp {
        Timestamp::parse("2026-01-05T00:00:00Z")
            .unwrap_or_else(|e| panic!("{e}"))
            .plus_hours(h)
    }

    fn id(n: u8) -> EnvelopeId {
        Sha256Hex::digest(&[n])
    }

    fn obligation() -> Obligation {
        Obligation {
            created: t(0),
            ack_by: t(24),
            reply_by: t(72),
        }
    }

    #[test]
    fn the_stages_in_order_with_hand_checked_flags() {
        let o = obligation();
        let mut events = vec![];
        let l = derive(&o, &events, t(1));
        assert_eq!(l.stage, Stage::Queued);
        assert!(!l.overdue_ack && !l.overdue_reply);
        // Undelivered, nothing is owed yet, however late.
        let l = derive(&o, &events, t(200));
        assert!(!l.overdue_ack && !l.overdue_reply);
        events.push(Event::Delivered { at: t(2) });
        assert_eq!(derive(&o, &events, t(3)).stage, Stage::Delivered);
        // Delivered two hours after sending: the deadlines move by two
        // hours (ack 26 h, reply 74 h). Exactly at the deadline is not
        // overdue; one hour later it is.
        assert!(!derive(&o, &events, t(26)).overdue_ack);
        assert!(derive(&o, &events, t(27)).overdue_ack);
        events.push(Event::Reply {
            id: id(1),
            kind: ReplyKind::Interim,
            at: t(30),
        });
        let l = derive(&o, &events, t(31));
        assert_eq!(l.stage, Stage::Acknowledged);
        assert!(!l.overdue_ack && l.ack_late);
        assert_eq!(l.acknowledged_at, Some(t(30)));
        events.push(Event::Reply {
            id: id(2),
            kind: ReplyKind::Findings,
            at: t(80),
        });
        let l = derive(&o, &events, t(79));
        assert_eq!(
            l.stage,
            Stage::Acknowledged,
            "the findings are not visible yet"
        );
        assert!(l.overdue_reply);
        let l = derive(&o, &events, t(81));
        assert_eq!(l.stage, Stage::Answered);
        assert!(l.answer_late && !l.overdue_reply);
        assert!(l.missed_deadline());
        events.push(Event::Rating {
            id: id(3),
            reply: id(2),
            quality: ReplyQuality::Formal,
            close: false,
            at: t(90),
        });
        events.push(Event::Rating {
            id: id(4),
            reply: id(2),
            quality: ReplyQuality::Substantive,
            close: true,
            at: t(91),
        });
        let l = derive(&o, &events, t(100));
        assert_eq!(l.stage, Stage::Closed);
        assert_eq!(l.closed_at, Some(t(91)));
        assert_eq!(l.quality(), Some(ReplyQuality::Substantive));
        assert_eq!(l.replies, 2);
        // A later formal rating supersedes the substantive one but does
        // not reopen the matter.
        events.push(Event::Rating {
            id: id(5),
            reply: id(2),
            quality: ReplyQuality::Formal,
            close: false,
            at: t(95),
        });
        let l = derive(&o, &events, t(100));
        assert_eq!(l.stage, Stage::Closed);
        assert_eq!(l.quality(), Some(ReplyQuality::Formal));
    }

    #[test]
    fn a_reply_overtaking_its_receipt_and_a_failed_delivery() {
        let o = obligation();
        let reply = Event::Reply {
            id: id(1),
            kind: ReplyKind::Acknowledgement,
            at: t(1),
        };
        let l = derive(&o, std::slice::from_ref(&reply), t(2));
        assert_eq!(l.stage, Stage::Acknowledged);
        assert_eq!(l.delivered_at, None);
        let failed = [Event::DeliveryFailed { at: t(5) }];
        assert!(derive(&o, &failed, t(6)).delivery_failed);
        let both = [failed[0].clone(), reply];
        assert!(!derive(&o, &both, t(6)).delivery_failed);
        // A rating of a reply that is not visible counts for nothing.
        let stray = [Event::Rating {
            id: id(9),
            reply: id(8),
            quality: ReplyQuality::Substantive,
            close: true,
            at: t(3),
        }];
        let l = derive(&o, &stray, t(4));
        assert_eq!(l.stage, Stage::Queued);
        assert!(l.ratings.is_empty());
    }

    /// Closed after an interim reply, never answered: past `reply_by` it
    /// is not overdue (the notifier ended it), and a receipt after a
    /// peer's day offline moves the deadlines by that day.
    #[test]
    fn closing_ends_an_obligation_and_late_delivery_moves_its_deadlines() {
        let o = obligation();
        let events = [
            Event::Delivered { at: t(1) },
            Event::Reply {
                id: id(1),
                kind: ReplyKind::Interim,
                at: t(10),
            },
            Event::Rating {
                id: id(2),
                reply: id(1),
                quality: ReplyQuality::Formal,
                close: true,
                at: t(20),
            },
        ];
        let open = derive(&o, &events[..2], t(100));
        assert!(open.overdue_reply, "interim only, past reply_by");
        let closed = derive(&o, &events, t(100));
        assert_eq!(closed.stage, Stage::Closed);
        assert!(!closed.overdue_reply && !closed.overdue_ack);

        let late = [Event::Delivered { at: t(24) }];
        let l = derive(&o, &late, t(47));
        assert_eq!((l.ack_due, l.reply_due), (t(48), t(96)));
        assert!(!l.overdue_ack, "24 h from delivery, not from sending");
        assert!(derive(&o, &late, t(49)).overdue_ack);
        let ack = [
            late[0].clone(),
            Event::Reply {
                id: id(3),
                kind: ReplyKind::Acknowledgement,
                at: t(40),
            },
        ];
        assert!(!derive(&o, &ack, t(41)).ack_late);
    }

    fn arb_event() -> impl Strategy<Value = Event> {
        let at = (0i64..200).prop_map(t);
        let reply_id = (0u8..4).prop_map(id);
        prop_oneof![
            at.clone().prop_map(|at| Event::Delivered { at }),
            at.clone().prop_map(|at| Event::DeliveryFailed { at }),
            (
                reply_id.clone(),
                proptest::sample::select(ReplyKind::ALL),
                at.clone()
            )
                .prop_map(|(id, kind, at)| Event::Reply { id, kind, at }),
            (
                (10u8..40).prop_map(id),
                reply_id,
                proptest::sample::select(ReplyQuality::ALL),
                any::<bool>(),
                at
            )
                .prop_map(|(id, reply, quality, close, at)| Event::Rating {
                    id,
                    reply,
                    quality,
                    close,
                    at
                }),
        ]
    }

    fn arb_case() -> impl Strategy<Value = (Obligation, Vec<Event>, i64)> {
        (
            (1i64..100, 0i64..100),
            proptest::collection::vec(arb_event(), 0..12),
            0i64..220,
        )
            .prop_map(|((ack, extra), events, now)| {
                (
                    Obligation {
                        created: t(0),
                        ack_by: t(ack),
                        reply_by: t(ack + extra),
                    },
                    events,
                    now,
                )
            })
    }

    /// A reply id is unique: the generator may repeat an id with another
    /// kind, which real envelopes (content-addressed) cannot do.
    fn dedup_replies(events: &mut Vec<Event>) {
        let mut seen = std::collections::BTreeSet::new();
        events.retain(|e| match e {
            Event::Reply { id, .. } | Event::Rating { id, .. } => seen.insert(*id),
            _ => true,
        });
    }

    proptest! {
        #[test]
        fn no_event_set_gives_an_impossible_state((o, mut events, now) in arb_case()) {
            dedup_replies(&mut events);
            let now = t(now);
            let l = derive(&o, &events, now);
            // Answered implies acknowledged, no later than the answer.
            if let Some(a) = l.answered_at {
                prop_assert!(l.acknowledged_at.is_some_and(|k| k <= a));
            }
            // Stage agrees with the times.
            prop_assert_eq!(l.stage >= Stage::Acknowledged, l.acknowledged_at.is_some());
            prop_assert_eq!(l.stage == Stage::Closed, l.closed_at.is_some());
            prop_assert_eq!(
                l.stage == Stage::Answered,
                l.answered_at.is_some() && l.closed_at.is_none()
            );
            if l.stage == Stage::Closed {
                prop_assert!(l.acknowledged_at.is_some(), "closing rates a reply");
                prop_assert!(l.closed_at.is_some_and(|c| c <= now));
            }
            // Overdue only after the deadline, never with the deadline met.
            if l.overdue_ack { prop_assert!(now > o.ack_by && l.acknowledged_at.is_none()); }
            if l.overdue_reply { prop_assert!(now > o.reply_by && l.answered_at.is_none()); }
            prop_assert!(!(l.overdue_ack && l.ack_late));
            prop_assert!(!(l.overdue_reply && l.answer_late));
            // Nothing from the future.
            for at in [l.delivered_at, l.acknowledged_at, l.answered_at, l.closed_at].into_iter().flatten() {
                prop_assert!(at <= now);
            }
            prop_assert!(l.ratings.len() as u32 <= l.replies);
            // Nothing is owed before it arrived, nor once closed.
            if l.overdue_ack || l.overdue_reply {
                prop_assert!(l.delivered_at.is_some() || l.acknowledged_at.is_some());
                prop_assert!(l.closed_at.is_none());
            }
        }

        #[test]
        fn arrival_order_does_not_matter(
            (o, mut events, now) in arb_case(),
            seed in any::<u64>(),
        ) {
            dedup_replies(&mut events);
            let now = t(now);
            let want = derive(&o, &events, now);
            let mut shuffled = events.clone();
            // A deterministic shuffle from the seed (Fisher-Yates over an LCG).
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let j = usize::try_from((s >> 33) % (i as u64 + 1)).unwrap_or(0);
                shuffled.swap(i, j);
            }
            prop_assert_eq!(derive(&o, &shuffled, now), want);
        }

        #[test]
        fn the_stage_never_moves_back((o, mut events, _now) in arb_case()) {
            dedup_replies(&mut events);
            events.sort_by_key(Event::at);
            // Adding events in time order, and letting time pass.
            let mut last = Stage::Queued;
            let mut overdue_seen = (false, false);
            for i in 0..=events.len() {
                let now = events.get(i).map_or(t(250), Event::at);
                let l = derive(&o, &events[..i], now);
                prop_assert!(l.stage >= last, "{:?} after {:?}", l.stage, last);
                last = l.stage;
                // Once a deadline is missed it stays missed.
                if overdue_seen.0 { prop_assert!(l.overdue_ack || l.ack_late); }
                // (Closing ends an unanswered obligation: no longer overdue.)
                if overdue_seen.1 {
                    prop_assert!(l.overdue_reply || l.answer_late || l.stage == Stage::Closed);
                }
                overdue_seen = (l.overdue_ack || l.ack_late, l.overdue_reply || l.answer_late);
            }
        }
    }
}
