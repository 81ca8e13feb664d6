//! Scorecards against hand-computed fixtures: an empty period, replies
//! after the deadline, several replies to one notification, a rating
//! overridden by a later one, undelivered and unanswered notifications,
//! and the nearest-rank percentiles worked out by hand below.

use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::lifecycle::{Event, Obligation};
use countersign_core::reply::{ReplyKind, ReplyQuality};
use countersign_core::scorecard::{Direction, Facts, Percentiles, Period, WeekCount, scorecards};
use countersign_core::time::Timestamp;

fn ts(t: &str) -> Timestamp {
    Timestamp::parse(t).unwrap()
}

fn id(name: &str) -> EnvelopeId {
    Sha256Hex::digest(name.as_bytes())
}

fn h(t: Timestamp, hours: i64) -> Timestamp {
    t.plus_hours(hours)
}

fn facts(
    name: &str,
    counterpart: &str,
    direction: Direction,
    created: &str,
    events: Vec<Event>,
) -> Facts {
    let created = ts(created);
    Facts {
        notification: id(name),
        party: PartyId::parse("cert-a").unwrap(),
        counterpart: PartyId::parse(counterpart).unwrap(),
        direction,
        obligation: Obligation {
            created,
            ack_by: h(created, 24),
            reply_by: h(created, 72),
        },
        events,
    }
}

fn reply(name: &str, kind: ReplyKind, at: Timestamp) -> Event {
    Event::Reply {
        id: id(name),
        kind,
        at,
    }
}

fn rating(name: &str, reply: &str, quality: ReplyQuality, at: Timestamp) -> Event {
    Event::Rating {
        id: id(name),
        reply: id(reply),
        quality,
        close: false,
        at,
    }
}

/// Two weeks from Monday 2026-01-05; judged on 2026-01-20.
fn fixture() -> Vec<Facts> {
    use ReplyKind::*;
    use ReplyQuality::*;
    let n1 = ts("2026-01-05T00:00:00Z");
    let n2 = ts("2026-01-06T00:00:00Z");
    let n6 = ts("2026-01-07T00:00:00Z");
    vec![
        // N1: delivered after 1 h, acknowledged after 2 h, findings after
        // 30 h rated substantive. In time.
        facts(
            "n1",
            "cert-b",
            Direction::Outbound,
            "2026-01-05T00:00:00Z",
            vec![
                Event::Delivered { at: h(n1, 1) },
                reply("n1-ack", Acknowledgement, h(n1, 2)),
                reply("n1-findings", Findings, h(n1, 30)),
                rating("n1-r", "n1-findings", Substantive, h(n1, 31)),
            ],
        ),
        // N2: delivered after 2 h; an interim note after 30 h (late for
        // the 24 h acknowledgement), findings after 80 h (late for the
        // 72 h reply); the interim rated formal; the findings rated
        // substantive, then overridden as formal.
        facts(
            "n2",
            "cert-b",
            Direction::Outbound,
            "2026-01-06T00:00:00Z",
            vec![
                reply("n2-findings", Findings, h(n2, 80)),
                rating("n2-r2", "n2-findings", Formal, h(n2, 90)),
                Event::Delivered { at: h(n2, 2) },
                reply("n2-interim", Interim, h(n2, 30)),
                rating("n2-r0", "n2-interim", Formal, h(n2, 31)),
                rating("n2-r1", "n2-findings", Substantive, h(n2, 81)),
            ],
        ),
        // N3: delivered after 3 h, then silence.
        facts(
            "n3",
            "cert-b",
            Direction::Outbound,
            "2026-01-12T00:00:00Z",
            vec![Event::Delivered {
                at: ts("2026-01-12T03:00:00Z"),
            }],
        ),
        // N4: never delivered.
        facts(
            "n4",
            "cert-b",
            Direction::Outbound,
            "2026-01-13T00:00:00Z",
            vec![],
        ),
        // N5 and N0: outside the period.
        facts(
            "n5",
            "cert-b",
            Direction::Outbound,
            "2026-01-19T00:00:00Z",
            vec![Event::Delivered {
                at: ts("2026-01-19T00:10:00Z"),
            }],
        ),
        facts(
            "n0",
            "cert-b",
            Direction::Outbound,
            "2026-01-04T23:59:59Z",
            vec![],
        ),
        // N6: cert-c notified us; we declined with a reason after 10 h,
        // which they rated formal.
        facts(
            "n6",
            "cert-c",
            Direction::Inbound,
            "2026-01-07T00:00:00Z",
            vec![
                Event::Delivered {
                    at: ts("2026-01-07T00:30:00Z"),
                },
                reply("n6-declined", Declined, h(n6, 10)),
                rating("n6-r", "n6-declined", Formal, h(n6, 12)),
            ],
        ),
    ]
}

fn period() -> Period {
    Period {
        start: ts("2026-01-05T00:00:00Z"),
        end: ts("2026-01-19T00:00:00Z"),
    }
}

fn pct(count: u32, median: i64, p90: i64) -> Percentiles {
    Percentiles {
        count,
        median_s: Some(median),
        p90_s: Some(p90),
    }
}

#[test]
fn the_fixture_by_hand() {
    let cards = scorecards(&fixture(), &period(), ts("2026-01-20T00:00:00Z"));
    assert_eq!(cards.len(), 2);
    let b = &cards[0];
    assert_eq!(
        (b.counterpart.as_str(), b.direction),
        ("cert-b", Direction::Outbound)
    );
    // N1-N4: 4 sent; N1-N3 delivered; N1, N2 acknowledged and answered;
    // N1 substantive; N2 formal (interim formal, findings overridden to
    // formal); N2 late twice (its deadlines move by its 2 h delivery to
    // 26 h and 74 h: the interim at 30 h and the findings at 80 h are
    // still late), N3 past both deadlines; N4 was never delivered, so
    // nothing is owed on it yet: 2 overdue.
    assert_eq!(
        (b.sent, b.delivered, b.acknowledged, b.answered),
        (4, 3, 2, 2)
    );
    assert_eq!((b.substantive, b.formal, b.unrated), (1, 1, 0));
    assert_eq!((b.unanswered, b.overdue, b.replies), (2, 2, 4));
    // Deliver: 1 h, 2 h, 3 h → median rank ⌈1.5⌉ = 2 (2 h), p90 rank ⌈2.7⌉ = 3 (3 h).
    assert_eq!(b.to_deliver, pct(3, 7_200, 10_800));
    // Acknowledge: 2 h, 30 h → median rank 1 (2 h), p90 rank ⌈1.8⌉ = 2 (30 h).
    assert_eq!(b.to_acknowledge, pct(2, 7_200, 108_000));
    // Answer: 30 h, 80 h.
    assert_eq!(b.to_answer, pct(2, 108_000, 288_000));
    assert_eq!(
        b.weekly,
        vec![
            WeekCount {
                week_start: ts("2026-01-05T00:00:00Z"),
                sent: 2,
                answered: 2
            },
            WeekCount {
                week_start: ts("2026-01-12T00:00:00Z"),
                sent: 2,
                answered: 0
            },
        ]
    );
    let c = &cards[1];
    assert_eq!(
        (c.counterpart.as_str(), c.direction),
        ("cert-c", Direction::Inbound)
    );
    assert_eq!(
        (
            c.sent,
            c.delivered,
            c.acknowledged,
            c.answered,
            c.substantive,
            c.formal,
            c.unanswered,
            c.overdue
        ),
        (1, 1, 1, 1, 0, 1, 0, 0)
    );
    assert_eq!(c.to_deliver, pct(1, 1_800, 1_800));
    assert_eq!(c.to_answer, pct(1, 36_000, 36_000));
}

#[test]
fn judged_earlier_the_future_is_not_counted() {
    // On 2026-01-09 12:00: N2's findings (Jan 9 08:00) are in but their
    // ratings (Jan 9 09:00 and 18:00) only partly: the substantive one
    // counts, the override has not happened yet. N3 and N4 do not exist yet.
    let cards = scorecards(&fixture(), &period(), ts("2026-01-09T12:00:00Z"));
    let b = &cards[0];
    assert_eq!((b.sent, b.answered, b.substantive, b.formal), (2, 2, 2, 0));
    // N2 was acknowledged 6 h late and answered 8 h late.
    assert_eq!(b.overdue, 1);
}

#[test]
fn an_empty_period_has_no_scorecards() {
    let empty = Period {
        start: ts("2025-01-01T00:00:00Z"),
        end: ts("2025-12-31T00:00:00Z"),
    };
    assert!(scorecards(&fixture(), &empty, ts("2026-01-20T00:00:00Z")).is_empty());
    assert!(scorecards(&[], &period(), ts("2026-01-20T00:00:00Z")).is_empty());
}

#[test]
fn an_acknowledgement_alone_is_unrated_and_unanswered() {
    let t = "2026-01-05T10:00:00Z";
    let f = facts(
        "a",
        "cert-b",
        Direction::Outbound,
        t,
        vec![
            reply("a-ack", ReplyKind::Acknowledgement, h(ts(t), 1)),
            reply("a-rfi", ReplyKind::RequestForInformation, h(ts(t), 5)),
        ],
    );
    let cards = scorecards(&[f], &period(), ts("2026-01-20T00:00:00Z"));
    let b = &cards[0];
    assert_eq!(
        (
            b.sent,
            b.delivered,
            b.acknowledged,
            b.answered,
            b.unrated,
            b.unanswered,
            b.overdue,
            b.replies
        ),
        (1, 1, 1, 0, 1, 1, 1, 2),
        "a reply implies delivery; requests for information do not answer"
    );
    assert_eq!(b.to_deliver.count, 0, "no receipt, no delivery time");
    assert_eq!(b.to_answer, Percentiles::default());
}
