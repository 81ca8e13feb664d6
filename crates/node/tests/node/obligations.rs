//! Reply obligations on one node hosting cert-a, cert-b and cert-c:
//! default deadlines, ratings (only the notifier rates; a non-reply is
//! refused; bad input changes nothing), timelines, due lists and
//! scorecards.

use super::fixtures::*;
use countersign_core::access::Role;
use countersign_core::ids::{EnvelopeId, Sha256Hex};
use countersign_core::lifecycle::Stage;
use countersign_core::reply::{Rating, Reply, ReplyKind, ReplyQuality};
use countersign_core::scorecard::{Direction, Period};
use countersign_core::sector::Sector;
use countersign_core::tlp::Tlp;
use countersign_node::NodeErrorKind;
use countersign_node::access::Viewer;
use countersign_node::notify::FillDeadlines;
use countersign_node::obligations::{DeadlineKind, ScorecardQuery, TimelineEventKind};
use countersign_node::{Node, now};

fn findings(text: &str) -> Reply {
    Reply {
        kind: ReplyKind::Findings,
        text: text.into(),
        reason: None,
        evidence: None,
    }
}

/// Everything the node holds, as its log's size: every stored envelope
/// has a leaf.
async fn log_size(node: &Node) -> u64 {
    let cp = node.log_sync().await.unwrap();
    cp.size
}

/// a notifies b (AMBER), b answers with findings; returns (notification, reply).
async fn answered(node: &Node) -> (EnvelopeId, EnvelopeId) {
    let a = user("cert-a", Role::Analyst);
    let n = node
        .notify(&a, request("cert-a", "cert-b", Tlp::Amber, "scan"))
        .await
        .unwrap()
        .envelope
        .id();
    let r = node
        .reply(
            &user("cert-b", Role::Analyst),
            &n,
            None,
            findings("The scanner was a misconfigured monitoring host of ours; it is fixed."),
        )
        .await
        .unwrap()
        .id();
    (n, r)
}

#[tokio::test]
async fn only_the_notifier_rates_and_bad_input_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let (n, r) = answered(&node).await;
    let before = log_size(&node).await;
    let reason = "names the host and the fix";
    let refused = [
        // The recipient who replied is not the notifier.
        (user("cert-b", Role::Analyst), r, NodeErrorKind::Forbidden),
        // The notifier's viewers may not sign.
        (user("cert-a", Role::Viewer), r, NodeErrorKind::Forbidden),
        // A third party does not see the AMBER notification or its reply.
        (user("cert-c", Role::Admin), r, NodeErrorKind::NotFound),
        // A notification is not a reply.
        (user("cert-a", Role::Analyst), n, NodeErrorKind::Invalid),
        // Nothing by that id.
        (
            user("cert-a", Role::Analyst),
            Sha256Hex::digest(b"none"),
            NodeErrorKind::NotFound,
        ),
    ];
    for (viewer, id, kind) in refused {
        let err = node
            .rate(&viewer, &id, ReplyQuality::Substantive, reason, false)
            .await
            .unwrap_err();
        assert_eq!(err.kind, kind, "{viewer:?} rating {id}: {err}");
    }
    let err = node
        .rate(
            &user("cert-a", Role::Analyst),
            &r,
            ReplyQuality::Formal,
            "   ",
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::Invalid, "{err}");
    assert_eq!(log_size(&node).await, before, "refusals wrote nothing");

    let rating = node
        .rate(
            &user("cert-a", Role::Analyst),
            &r,
            ReplyQuality::Substantive,
            reason,
            false,
        )
        .await
        .unwrap();
    let env = rating.envelope();
    assert_eq!(env.kind.as_str(), "rating");
    assert_eq!(env.from, pid("cert-a"));
    assert_eq!(env.to, vec![pid("cert-b")]);
    assert_eq!(env.refs, vec![r, n]);
    assert_eq!(env.tlp, Tlp::Amber);
    let body: Rating = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!(body.reply, r);
    assert_eq!(body.reason, reason);
    node.verify_envelope(&rating).await.unwrap();
    assert_eq!(log_size(&node).await, before + 1, "the rating is logged");
    // Queued for delivery like replies (here to a local recipient).
    node.deliver_due().await.unwrap();
    let status = node.recipient_status(&rating).await.unwrap();
    assert!(status[0].receipt.is_some(), "{status:?}");
}

/// An acknowledgement needs no rating (the rule): rating one is refused
/// whatever the quality, and writes nothing; otherwise an obligation
/// answered with an ack alone would count as answered substantively.
#[tokio::test]
async fn an_acknowledgement_is_not_rated() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let a = user("cert-a", Role::Analyst);
    let n = node
        .notify(&a, request("cert-a", "cert-b", Tlp::Amber, "scan"))
        .await
        .unwrap()
        .envelope
        .id();
    let ack = node
        .reply(
            &user("cert-b", Role::Analyst),
            &n,
            None,
            Reply {
                kind: ReplyKind::Acknowledgement,
                text: String::new(),
                reason: None,
                evidence: None,
            },
        )
        .await
        .unwrap()
        .id();
    let before = log_size(&node).await;
    for quality in [ReplyQuality::Substantive, ReplyQuality::Formal] {
        let err = node
            .rate(&a, &ack, quality, "seen", false)
            .await
            .unwrap_err();
        assert_eq!(err.kind, NodeErrorKind::Invalid, "{err}");
        assert!(err.message.contains("needs no rating"), "{err}");
    }
    assert_eq!(log_size(&node).await, before, "refusals wrote nothing");
    let t = node.timeline(&a, &n).await.unwrap();
    assert_eq!(t.recipients[0].lifecycle.quality(), None);
}

#[tokio::test]
async fn a_later_rating_supersedes_and_closing_is_final() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let (n, r) = answered(&node).await;
    let a = user("cert-a", Role::Analyst);
    let proposal = node.rating_proposal(&a, &r).await.unwrap();
    assert_eq!(proposal.quality, Some(ReplyQuality::Substantive));
    let first = node
        .rate(&a, &r, ReplyQuality::Formal, "first look", false)
        .await
        .unwrap();
    // Created times are milliseconds: keep the two ratings apart.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let t = node.timeline(&a, &n).await.unwrap();
    assert_eq!(t.recipients[0].lifecycle.stage, Stage::Answered);
    assert_eq!(
        t.recipients[0].lifecycle.quality(),
        Some(ReplyQuality::Formal)
    );
    let second = node
        .rate(&a, &r, ReplyQuality::Substantive, "on reflection", true)
        .await
        .unwrap();
    let t = node.timeline(&a, &n).await.unwrap();
    let l = &t.recipients[0].lifecycle;
    assert_eq!(l.stage, Stage::Closed);
    assert_eq!(l.quality(), Some(ReplyQuality::Substantive));
    let ratings: Vec<_> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            TimelineEventKind::Rating { supersedes, .. } => Some((e.envelope, *supersedes)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ratings,
        vec![(first.id(), None), (second.id(), Some(first.id()))],
        "both ratings stay; the newer supersedes the older"
    );
    // Every event is signed and logged.
    for e in &t.events {
        assert!(e.proof.signed, "{e:?}");
        assert!(e.proof.log_index.is_some(), "{e:?}");
    }
    let kinds: Vec<_> = t.events.iter().map(|e| &e.kind).collect();
    assert!(matches!(kinds[0], TimelineEventKind::Sent), "{kinds:?}");
    assert!(
        kinds.iter().any(
            |k| matches!(k, TimelineEventKind::Reply { kind } if *kind == ReplyKind::Findings)
        )
    );
    // A later formal rating changes the quality but does not reopen.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    node.rate(&a, &r, ReplyQuality::Formal, "third thoughts", false)
        .await
        .unwrap();
    let l = node.timeline(&a, &n).await.unwrap().recipients[0]
        .lifecycle
        .clone();
    assert_eq!(
        (l.stage, l.quality()),
        (Stage::Closed, Some(ReplyQuality::Formal))
    );
}

#[tokio::test]
async fn default_deadlines_follow_the_policy_to_the_millisecond() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let a = user("cert-a", Role::Analyst);
    let mut plain = request("cert-a", "cert-b", Tlp::Green, "plain");
    plain.fill_deadlines = FillDeadlines::BOTH;
    let d = node.notify(&a, plain).await.unwrap();
    let created = d.envelope.envelope().created;
    let n = &d.checked.notification;
    assert_eq!(n.ack_by, created.plus_hours(24));
    assert_eq!(n.reply_by, created.plus_hours(72));
    let mut protected = request("cert-a", "cert-b", Tlp::Green, "grid");
    protected.notification.sectors = vec![Sector::UsChemical, Sector::Nis2Energy];
    protected.fill_deadlines = FillDeadlines {
        ack_by: true,
        reply_by: false,
    };
    let named_reply = protected.notification.reply_by;
    let d = node.notify(&a, protected).await.unwrap();
    let created = d.envelope.envelope().created;
    assert_eq!(d.checked.notification.ack_by, created.plus_hours(4));
    assert_eq!(
        d.checked.notification.reply_by, named_reply,
        "a named deadline is kept"
    );
    let t = node.timeline(&a, &d.envelope.id()).await.unwrap();
    assert!(t.protected);
    assert_eq!(t.final_by, created.plus_hours(30 * 24));
}

#[tokio::test]
async fn due_lists_and_scorecards_per_counterpart_and_direction() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let a = user("cert-a", Role::Analyst);
    let (_n, r) = answered(&node).await;
    node.rate(&a, &r, ReplyQuality::Substantive, "real findings", false)
        .await
        .unwrap();
    // To cert-c: an acknowledgement deadline a second away, never met.
    // It concerns a protected sector; another, due in 20 minutes, none.
    let mut late = request("cert-a", "cert-c", Tlp::Green, "ignored");
    late.notification.sectors = vec![Sector::Nis2Energy];
    late.notification.ack_by = countersign_core::time::Timestamp::from_datetime(
        now().datetime() + chrono::Duration::milliseconds(1200),
    );
    let late = node.notify(&a, late).await.unwrap().envelope.id();
    let mut plain = request("cert-a", "cert-c", Tlp::Green, "plain");
    plain.notification.ack_by = countersign_core::time::Timestamp::from_datetime(
        now().datetime() + chrono::Duration::minutes(20),
    );
    let plain = node.notify(&a, plain).await.unwrap().envelope.id();
    node.deliver_due().await.unwrap();

    let soon = node.due_lists(&Viewer::Operator, 3600).await.unwrap();
    assert!(soon.overdue.is_empty(), "{soon:?}");
    assert_eq!(soon.soon_due.len(), 4, "cert-c's acks, from both sides");
    for d in &soon.soon_due {
        assert_eq!(d.protected, d.notification == late, "{d:?}");
        assert!(d.notification == late || d.notification == plain, "{d:?}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let due = node
        .due_lists(&user("cert-c", Role::Viewer), 3600)
        .await
        .unwrap();
    assert_eq!(due.overdue.len(), 1, "{due:?}");
    assert!(due.overdue[0].protected);
    assert_eq!(due.soon_due.len(), 1, "{due:?}");
    assert_eq!(
        (due.soon_due[0].notification, due.soon_due[0].protected),
        (plain, false)
    );
    let item = &due.overdue[0];
    assert_eq!(
        (item.notification, item.which, item.direction, item.stage),
        (
            late,
            DeadlineKind::Ack,
            Direction::Inbound,
            Stage::Delivered
        )
    );

    let at = now();
    let query = ScorecardQuery {
        period: Period::parse("1d", at.plus_hours(1)).unwrap(),
        counterpart: None,
        direction: None,
    };
    let cards = node.scorecards(&Viewer::Operator, &query).await.unwrap();
    let key: Vec<_> = cards
        .iter()
        .map(|c| {
            (
                c.party.as_str(),
                c.counterpart.as_str(),
                c.direction.as_str(),
            )
        })
        .collect();
    assert_eq!(
        key,
        [
            ("cert-a", "cert-b", "out"),
            ("cert-a", "cert-c", "out"),
            ("cert-b", "cert-a", "in"),
            ("cert-c", "cert-a", "in")
        ]
    );
    let ab = &cards[0];
    assert_eq!(
        (
            ab.sent,
            ab.delivered,
            ab.acknowledged,
            ab.answered,
            ab.substantive,
            ab.formal,
            ab.unanswered,
            ab.overdue
        ),
        (1, 1, 1, 1, 1, 0, 0, 0)
    );
    assert_eq!(ab.to_answer.count, 1);
    let ac = &cards[1];
    assert_eq!(
        (
            ac.sent,
            ac.delivered,
            ac.acknowledged,
            ac.unanswered,
            ac.overdue
        ),
        (2, 2, 0, 2, 1),
        "the late one overdue, the plain one not yet"
    );
    assert_eq!(cards[2].substantive, 1, "b sees how it answered a");
    // A user sees its own party's cards only; filters apply.
    let mine = node
        .scorecards(&user("cert-b", Role::Viewer), &query)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].direction, Direction::Inbound);
    let filtered = node
        .scorecards(
            &Viewer::Operator,
            &ScorecardQuery {
                counterpart: Some(pid("cert-c")),
                direction: Some(Direction::Outbound),
                ..query.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].counterpart, pid("cert-c"));
    // An empty period has no scorecards.
    let empty = ScorecardQuery {
        period: Period::parse("2020-01-01..2020-12-31", at).unwrap(),
        ..query
    };
    assert!(
        node.scorecards(&Viewer::Operator, &empty)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn deadlines_agreed_per_party_pair_come_from_the_configuration() {
    use countersign_core::deadline::{PairRhythm, Rhythm};
    use countersign_node::datadir::DataDir;
    let tmp = tempfile::tempdir().unwrap();
    drop(node(&tmp).await);
    let dir = DataDir::new(tmp.path().join("node"));
    let mut config = dir.read_config().unwrap();
    config.deadlines.pairs.push(PairRhythm {
        from: pid("cert-a"),
        to: pid("cert-b"),
        normal: Rhythm {
            ack_hours: 48,
            reply_hours: 96,
            final_days: 60,
        },
        protected: None,
    });
    dir.write_config(&config).unwrap();
    let node = Node::open(dir.clone()).await.unwrap();
    let a = user("cert-a", Role::Analyst);
    let mut r = request("cert-a", "cert-b", Tlp::Green, "agreed");
    r.fill_deadlines = FillDeadlines::BOTH;
    let d = node.notify(&a, r).await.unwrap();
    let created = d.envelope.envelope().created;
    assert_eq!(d.checked.notification.ack_by, created.plus_hours(48));
    assert_eq!(d.checked.notification.reply_by, created.plus_hours(96));
    let mut r = request("cert-a", "cert-c", Tlp::Green, "default");
    r.fill_deadlines = FillDeadlines::BOTH;
    let d = node.notify(&a, r).await.unwrap();
    let created = d.envelope.envelope().created;
    assert_eq!(d.checked.notification.ack_by, created.plus_hours(24));
    drop(node);
    // A configuration with an impossible rhythm is refused at open.
    config.deadlines.normal.reply_hours = 1;
    dir.write_config(&config).unwrap();
    let err = Node::open(dir).await.err().unwrap();
    assert_eq!(err.kind, NodeErrorKind::Invalid, "{err}");
    assert!(err.message.contains("deadlines.normal"), "{err}");
}
