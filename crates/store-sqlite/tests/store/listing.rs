//! `list_notifications`: keyset pagination, every filter, cursors, and a
//! property test against a model (the same filter applied in Rust).

use countersign_core::evidence::Sufficiency;
use countersign_core::notification::Severity;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_store::{
    Direction, NotificationFilter, NotificationRow, Page, PageRequest, Store, StoreErrorKind,
};
use countersign_store_sqlite::{MAX_PAGE, SqliteStore};
use proptest::prelude::*;
use std::collections::HashSet;

use crate::{N, expect_err, pid, ts};

/// Newest first by (created, id): the order every listing must follow.
fn sort_newest_first(rows: &mut [NotificationRow]) {
    rows.sort_by_key(|n| std::cmp::Reverse((n.created, n.id)));
}

pub async fn insert_all(store: &SqliteStore, specs: &[N]) -> Vec<NotificationRow> {
    let mut rows = Vec::new();
    for spec in specs {
        let new = spec.build();
        store.insert_envelope(&new).await.unwrap();
        rows.push(new.notification.unwrap());
    }
    sort_newest_first(&mut rows);
    rows
}

/// Every page of a listing, checking the page invariants on the way.
pub async fn walk(
    store: &SqliteStore,
    filter: &NotificationFilter,
    limit: u32,
) -> Vec<NotificationRow> {
    let expected_size = limit.clamp(1, MAX_PAGE) as usize;
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page: Page<NotificationRow> = store
            .list_notifications(filter, &PageRequest { limit, cursor })
            .await
            .unwrap();
        assert!(page.items.len() <= expected_size);
        all.extend(page.items.iter().cloned());
        match page.next_cursor {
            Some(next) => {
                assert_eq!(page.items.len(), expected_size, "short page before the end");
                cursor = Some(next);
            }
            None => return all,
        }
    }
}

/// 237 notifications, ten per second with some sub-second offsets, so
/// that many share a timestamp and the order falls back to the id.
pub fn tied_specs() -> Vec<N> {
    let base = ts("2026-03-01T00:00:00Z").datetime();
    (0..237)
        .map(|i| {
            let mut n = N::new(i);
            let offset = [0, 0, 0, 1, 1_000_000][(i % 5) as usize];
            let at = base
                + chrono::Duration::seconds((i / 10) as i64)
                + chrono::Duration::nanoseconds(offset);
            n.created =
                Timestamp::parse(&at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)).unwrap();
            n
        })
        .collect()
}

#[tokio::test]
async fn pages_walk_every_row_exactly_once() {
    let store = SqliteStore::open_in_memory().unwrap();
    let expected = insert_all(&store, &tied_specs()).await;
    for limit in [0, 1, 7, 10, 50, 236, 237, 238, 500, 10_000] {
        let all = walk(&store, &NotificationFilter::default(), limit).await;
        assert_eq!(all, expected, "page size {limit}");
    }
    // The default page.
    let first = store
        .list_notifications(&NotificationFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(first.items[..], expected[..50]);
}

#[tokio::test]
async fn no_next_cursor_when_the_rows_end_on_a_page_boundary() {
    let store = SqliteStore::open_in_memory().unwrap();
    insert_all(&store, &(0..20).map(N::new).collect::<Vec<_>>()).await;
    let page = |cursor| PageRequest { limit: 10, cursor };
    let filter = NotificationFilter::default();
    let first = store
        .list_notifications(&filter, &page(None))
        .await
        .unwrap();
    let second = store
        .list_notifications(&filter, &page(first.next_cursor.clone()))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 10);
    assert_eq!(second.next_cursor, None);
    let empty = SqliteStore::open_in_memory().unwrap();
    let nothing = empty
        .list_notifications(&filter, &page(None))
        .await
        .unwrap();
    assert_eq!(
        nothing,
        Page {
            items: vec![],
            next_cursor: None
        }
    );
}

#[tokio::test]
async fn a_cursor_survives_inserts_between_pages() {
    let store = SqliteStore::open_in_memory().unwrap();
    let expected = insert_all(&store, &tied_specs()[..30]).await;
    let filter = NotificationFilter::default();
    let first = store
        .list_notifications(
            &filter,
            &PageRequest {
                limit: 12,
                cursor: None,
            },
        )
        .await
        .unwrap();
    // A newer notification arrives: offsets would shift, a keyset does not.
    let mut newer = N::new(1000);
    newer.created = ts("2027-01-01T00:00:00Z");
    store.insert_envelope(&newer.build()).await.unwrap();
    let rest = store
        .list_notifications(
            &filter,
            &PageRequest {
                limit: 500,
                cursor: first.next_cursor,
            },
        )
        .await
        .unwrap();
    let mut seen: Vec<_> = first.items;
    seen.extend(rest.items);
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn malformed_cursors_are_bad_requests() {
    let store = SqliteStore::open_in_memory().unwrap();
    insert_all(&store, &(0..3).map(N::new).collect::<Vec<_>>()).await;
    let good = store
        .list_notifications(
            &NotificationFilter::default(),
            &PageRequest {
                limit: 1,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .next_cursor
        .unwrap();
    let id = "ab".repeat(32);
    let bad = [
        String::new(),
        "zz".into(),
        "abc".into(),
        good.to_uppercase(),
        format!("{good}00"),
        hex::encode(format!("1:2:{id}:4")),
        hex::encode(format!("1:{id}")),
        hex::encode(format!("x:0:{id}")),
        hex::encode(format!("1:-1:{id}")),
        hex::encode(format!("1:2000000000:{id}")),
        hex::encode(format!("01:0:{id}")),
        hex::encode(format!("+1:0:{id}")),
        hex::encode("1:0:not-an-id"),
        hex::encode(format!("1:0:{}", id.to_uppercase())),
        hex::encode([0xff, 0xfe]),
        "' OR 1=1 --".into(),
    ];
    for cursor in bad {
        let request = PageRequest {
            limit: 10,
            cursor: Some(cursor.clone()),
        };
        let result = store
            .list_notifications(&NotificationFilter::default(), &request)
            .await;
        expect_err(result, StoreErrorKind::BadRequest);
    }
    // A well-formed cursor naming no stored row is fine: it is a position.
    let request = PageRequest {
        limit: 10,
        cursor: Some(hex::encode(format!("1:0:{id}"))),
    };
    let result = store
        .list_notifications(&NotificationFilter::default(), &request)
        .await
        .unwrap();
    assert!(result.items.is_empty());
}

/// A small varied data set for the filter tests.
fn varied_specs() -> Vec<N> {
    let parties = ["cert-a", "cert-b", "cert-c", "isp-d"];
    let categories = [
        "intrusions/system-compromise",
        "intrusions/application-compromise",
        "availability/ddos",
        "malicious-code/c2-server",
        "intrusions",
    ];
    let titles = [
        "Phishing wave",
        "DDoS on ÉNERGIE grid",
        "C2 server",
        "phishing KIT",
        "50% off_",
    ];
    (0..60u64)
        .map(|i| {
            let u = i as usize;
            let mut n = N::new(i);
            n.from = parties[u % 4];
            n.to = match u % 3 {
                0 => vec![parties[(u + 1) % 4]],
                1 => vec![parties[(u + 1) % 4], parties[(u + 2) % 4]],
                _ => vec![parties[(u + 3) % 4]],
            };
            n.created = ts("2026-03-01T00:00:00Z").plus_hours((i / 2) as i64);
            n.tlp = Tlp::ALL[u % 5];
            n.title = format!("{} #{i}", titles[u % 5]);
            n.category = categories[(u / 2) % 5];
            n.severity = Severity::ALL[(u / 3) % 4];
            n.sufficiency = Sufficiency::ALL[(u / 5) % 4];
            n.direction = if u.is_multiple_of(2) {
                Direction::Sent
            } else {
                Direction::Received
            };
            n
        })
        .collect()
}

/// The filter as the trait documents it, applied in Rust.
fn matches(f: &NotificationFilter, n: &NotificationRow) -> bool {
    let class = n.category.split('/').next().unwrap_or_default();
    f.from.as_ref().is_none_or(|p| n.from == *p)
        && f.to.as_ref().is_none_or(|p| n.to.contains(p))
        && f.party
            .as_ref()
            .is_none_or(|p| n.from == *p || n.to.contains(p))
        && f.category.as_ref().is_none_or(|c| {
            if c.contains('/') {
                n.category == *c
            } else {
                class == c
            }
        })
        && f.severity.is_none_or(|s| n.severity == s)
        && f.sufficiency.is_none_or(|s| n.sufficiency == s)
        && f.max_tlp.is_none_or(|t| n.tlp <= t)
        && f.since.is_none_or(|t| n.created >= t)
        && f.until.is_none_or(|t| n.created < t)
        && f.text
            .as_ref()
            .is_none_or(|t| n.title.to_lowercase().contains(&t.to_lowercase()))
        && f.visible_to
            .as_ref()
            .is_none_or(|p| n.tlp <= Tlp::Green || n.from == *p || n.to.contains(p))
}

#[tokio::test]
async fn each_filter_on_its_own() {
    let store = SqliteStore::open_in_memory().unwrap();
    let all = insert_all(&store, &varied_specs()).await;
    let some = |f: fn(&mut NotificationFilter)| {
        let mut filter = NotificationFilter::default();
        f(&mut filter);
        filter
    };
    let filters = [
        some(|f| f.from = Some(pid("cert-b"))),
        some(|f| f.to = Some(pid("cert-c"))),
        some(|f| f.party = Some(pid("isp-d"))),
        some(|f| f.category = Some("intrusions".into())),
        some(|f| f.category = Some("intrusions/system-compromise".into())),
        some(|f| f.category = Some("intrusion".into())),
        some(|f| f.severity = Some(Severity::Critical)),
        some(|f| f.sufficiency = Some(Sufficiency::None)),
        some(|f| f.max_tlp = Some(Tlp::Clear)),
        some(|f| f.max_tlp = Some(Tlp::AmberStrict)),
        some(|f| f.since = Some(ts("2026-03-01T10:00:00Z"))),
        some(|f| f.until = Some(ts("2026-03-01T10:00:00Z"))),
        some(|f| f.text = Some("PHISHING".into())),
        some(|f| f.text = Some("énergie".into())),
        some(|f| f.text = Some("%".into())),
        some(|f| f.text = Some("_".into())),
        some(|f| f.visible_to = Some(pid("isp-d"))),
        some(|f| f.visible_to = Some(pid("cert-x"))),
    ];
    for filter in filters {
        let expected: Vec<_> = all
            .iter()
            .filter(|n| matches(&filter, n))
            .cloned()
            .collect();
        assert_eq!(walk(&store, &filter, 7).await, expected, "{filter:?}");
    }
    // Spot checks that the model itself says what the trait means.
    let amber_strict = some(|f| f.max_tlp = Some(Tlp::AmberStrict));
    let listed = walk(&store, &amber_strict, 500).await;
    assert_eq!(listed.len(), 48);
    assert!(listed.iter().all(|n| n.tlp != Tlp::Red));
    let text = walk(&store, &some(|f| f.text = Some("%".into())), 500).await;
    assert_eq!(text.len(), 12);
    let outsider = walk(&store, &some(|f| f.visible_to = Some(pid("cert-x"))), 500).await;
    assert_eq!(outsider.len(), 24);
    assert!(outsider.iter().all(|n| n.tlp <= Tlp::Green));
    let prefix_only = walk(
        &store,
        &some(|f| f.category = Some("intrusion".into())),
        500,
    )
    .await;
    assert!(prefix_only.is_empty());
}

fn filter_strategy() -> impl Strategy<Value = NotificationFilter> {
    let party = || {
        proptest::option::of(proptest::sample::select(vec![
            "cert-a", "cert-b", "cert-c", "isp-d", "cert-x",
        ]))
    };
    let category = proptest::option::of(proptest::sample::select(vec![
        "intrusions",
        "intrusions/system-compromise",
        "availability",
        "availability/ddos",
        "malicious-code",
    ]));
    let time =
        || proptest::option::of((0i64..40).prop_map(|h| ts("2026-03-01T00:00:00Z").plus_hours(h)));
    let text = proptest::option::of(proptest::sample::select(vec![
        "phishing", "DDOS", "#1", "é", "x",
    ]));
    (
        (party(), party(), party(), category),
        (
            proptest::option::of(proptest::sample::select(Severity::ALL.to_vec())),
            proptest::option::of(proptest::sample::select(Sufficiency::ALL.to_vec())),
            proptest::option::of(proptest::sample::select(Tlp::ALL.to_vec())),
        ),
        (time(), time(), text, party()),
    )
        .prop_map(
            |(
                (from, to, party, category),
                (severity, sufficiency, max_tlp),
                (since, until, text, visible_to),
            )| {
                NotificationFilter {
                    from: from.map(pid),
                    to: to.map(pid),
                    party: party.map(pid),
                    category: category.map(str::to_owned),
                    severity,
                    sufficiency,
                    max_tlp,
                    since,
                    until,
                    text: text.map(str::to_owned),
                    visible_to: visible_to.map(pid),
                }
            },
        )
}

/// Any combination of filters and any page size lists exactly what the
/// model selects, in order, each row once.
#[test]
fn filters_and_pages_agree_with_the_model() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = SqliteStore::open_in_memory().unwrap();
    let all = runtime.block_on(insert_all(&store, &varied_specs()));
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&(filter_strategy(), 1u32..25), |(filter, limit)| {
            let expected: Vec<_> = all
                .iter()
                .filter(|n| matches(&filter, n))
                .cloned()
                .collect();
            let listed = runtime.block_on(walk(&store, &filter, limit));
            let ids: HashSet<_> = listed.iter().map(|n| n.id).collect();
            prop_assert_eq!(ids.len(), listed.len());
            prop_assert_eq!(listed, expected);
            Ok(())
        })
        .unwrap();
}
