//! Migration 9 (`0009_ascending_notification_indexes.sql`): the four
//! indexes of the newest-first listing are declared ascending, so new rows
//! go in at their right end. A version 8 database (this schema with the
//! indexes as version 8 declared them) is opened by this code: the
//! indexes come out ascending, and the listing still walks every row
//! newest first, page by page, through an index and with no sort.

use countersign_store::NotificationFilter;
use countersign_store_sqlite::{SCHEMA_VERSION, SqliteStore};
use rusqlite::Connection;

use crate::listing::{insert_all, tied_specs, walk};

const LISTING_INDEXES: [&str; 4] = [
    "notifications_newest",
    "notifications_from",
    "notifications_category",
    "notifications_category_class",
];

/// The listing indexes as version 8 left them (declared by version 7).
const VERSION8_INDEXES: &str = "
DROP INDEX notifications_newest;
DROP INDEX notifications_from;
DROP INDEX notifications_category;
DROP INDEX notifications_category_class;
CREATE INDEX notifications_newest
    ON notifications (created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_from
    ON notifications (from_party, created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_category
    ON notifications (category, created_s DESC, created_ns DESC, id DESC);
CREATE INDEX notifications_category_class
    ON notifications (category_class, created_s DESC, created_ns DESC, id DESC);
PRAGMA user_version = 8;
";

/// (column, descending) of each key column of `index`.
fn key_columns(raw: &Connection, index: &str) -> Vec<(String, bool)> {
    raw.prepare(&format!("PRAGMA index_xinfo({index})"))
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get::<_, Option<String>>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, bool>(5)?,
            ))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .filter(|(_, _, key)| *key)
        .map(|(name, desc, _)| (name.unwrap_or_default(), desc))
        .collect()
}

#[tokio::test]
async fn version8_listing_indexes_migrate_to_ascending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v8.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let expected = insert_all(&store, &tied_specs()).await;
    drop(store);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(VERSION8_INDEXES).unwrap();
    assert!(
        key_columns(&raw, "notifications_newest")[0].1,
        "not the version 8 index"
    );
    drop(raw);

    let store = SqliteStore::open(&path).unwrap();
    let raw = Connection::open(&path).unwrap();
    assert_eq!(
        raw.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
            .unwrap(),
        SCHEMA_VERSION
    );
    for index in LISTING_INDEXES {
        let columns = key_columns(&raw, index);
        assert!(
            columns.iter().rev().take(3).map(|(c, _)| c.as_str()).eq([
                "id",
                "created_ns",
                "created_s"
            ]),
            "{index}: {columns:?}"
        );
        assert!(
            columns.iter().all(|(_, desc)| !desc),
            "{index}: {columns:?}"
        );
    }
    for limit in [1, 10, 237] {
        let all = walk(&store, &NotificationFilter::default(), limit).await;
        assert_eq!(all, expected, "page size {limit}");
    }
    let by_category = NotificationFilter {
        category: Some("intrusions/system-compromise".into()),
        ..NotificationFilter::default()
    };
    assert_eq!(walk(&store, &by_category, 10).await, expected);

    // Newest first is the index read backwards: no sort, as before.
    for (index, bound) in [
        ("notifications_newest", ""),
        ("notifications_from", "from_party = 'cert-a' AND"),
        ("notifications_category", "category = 'x' AND"),
        ("notifications_category_class", "category_class = 'x' AND"),
    ] {
        let plan: Vec<String> = raw
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT * FROM notifications INDEXED BY {index} \
                 WHERE {bound} (created_s, created_ns, id) < (1, 2, 'f') \
                 ORDER BY created_s DESC, created_ns DESC, id DESC LIMIT 51"
            ))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(
            plan.iter().all(|step| !step.contains("TEMP B-TREE")),
            "{index}: {plan:?}"
        );
    }
}
