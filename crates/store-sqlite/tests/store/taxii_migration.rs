//! Migration 6 (`0006_taxii_compact_index.sql`): a database written with
//! the version 5 schema, TAXII objects in it, is opened by this code. Every
//! row keeps its seq, date_added and JSON, gets the `id_hash` computed here
//! by hand (Python `hashlib.sha256`), the text UNIQUE index is gone, the
//! AUTOINCREMENT counter is carried over, and the store still finds ids
//! exactly and keeps re-adds idempotent on the migrated rows, and a hash
//! collision changes no answer.

use countersign_core::tlp::Tlp;
use countersign_store::{NewTaxiiObject, Store, TaxiiAdded, TaxiiQuery, VersionMatch};
use countersign_store_sqlite::{SCHEMA_VERSION, SqliteStore};
use rusqlite::Connection;

use crate::pid;

const COLL: &str = "87b472bb-08d2-469f-8904-9e3e02cbd589";
const OTHER: &str = "1b9b5a5c-1f3e-4f43-9a1c-0d6c3e1e4f0a";

fn sid(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

/// A version 5 database: migrations 1 to 5 as they shipped, then TAXII
/// rows written the way version 5 code wrote them.
fn version5(path: &std::path::Path) {
    let raw = Connection::open(path).unwrap();
    crate::shipped_schema(&raw, 5);
    let mut insert = raw
        .prepare(
            "INSERT INTO taxii_objects (collection, date_added_us, stix_id, type, spec_version, \
             version, version_ns, owner, tlp, tlp_rank, envelope_id, source, json) \
             VALUES (?1, ?2, ?3, 'indicator', '2.1', ?4, ?5, 'cert-a', 'green', 1, NULL, \
             'party:cert-a', ?6)",
        )
        .unwrap();
    // seq 1..=5: id 1 in two versions, id 2, id 1 again in another
    // collection, and a row deleted below.
    for (coll, added, n, ns) in [
        (COLL, 100, 1, 1_000),
        (COLL, 101, 1, 2_000),
        (COLL, 102, 2, 1_000),
        (OTHER, 103, 1, 1_000),
        (COLL, 104, 3, 1_000),
    ] {
        let id = sid(n);
        insert
            .execute(rusqlite::params![
                coll,
                added,
                id,
                format!("v{ns}"),
                ns,
                format!("{{\"id\":\"{id}\",\"v\":{ns}}}")
            ])
            .unwrap();
    }
    // The newest row deleted: its seq (5) must never be handed out again.
    raw.execute("DELETE FROM taxii_objects WHERE seq = 5", [])
        .unwrap();
    raw.execute("UPDATE taxii_clock SET last_us = 104 WHERE id = 1", [])
        .unwrap();
}

fn obj(collection: &str, n: u32, ns: i64) -> NewTaxiiObject {
    let id = sid(n);
    NewTaxiiObject {
        collection: collection.to_owned(),
        stix_id: id.clone(),
        stix_type: "indicator".to_owned(),
        spec_version: "2.1".to_owned(),
        version: Some((format!("v{ns}"), ns)),
        owner: pid("cert-a"),
        tlp: Tlp::Green,
        envelope: None,
        json: format!("{{\"id\":\"{id}\",\"v\":{ns}}}"),
    }
}

fn query(collection: &str) -> TaxiiQuery {
    TaxiiQuery {
        collection: collection.to_owned(),
        visible_to: None,
        added_after_us: None,
        after_us: None,
        ids: vec![],
        types: vec![],
        versions: vec![VersionMatch::All],
        spec_versions: vec![],
        limit: 1000,
        with_json: true,
    }
}

#[tokio::test]
async fn version5_taxii_rows_migrate_to_the_compact_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v5.sqlite");
    version5(&path);

    let store = SqliteStore::open(&path).unwrap();
    let raw = Connection::open(&path).unwrap();
    let version: u32 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);

    // Hashes by hand: sha256(collection + b"\0" + stix_id)[:8], big-endian
    // signed (Python hashlib; the negative one checks the sign).
    let rows: Vec<(i64, String, String, i64, i64)> = raw
        .prepare("SELECT seq, collection, stix_id, id_hash, date_added_us FROM taxii_objects ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let expected = [
        (1, COLL, sid(1), 7_665_808_225_584_809_196, 100),
        (2, COLL, sid(1), 7_665_808_225_584_809_196, 101),
        (3, COLL, sid(2), -1_666_614_735_697_329_192, 102),
        (4, OTHER, sid(1), 4_318_500_080_460_418_631, 103),
    ];
    assert_eq!(rows.len(), expected.len());
    for (row, want) in rows.iter().zip(&expected) {
        assert_eq!(
            (row.0, row.1.as_str(), row.2.as_str(), row.3, row.4),
            (want.0, want.1, want.2.as_str(), want.3, want.4)
        );
    }

    // The text UNIQUE index is gone; the two indexes are these.
    let mut indexes: Vec<String> = raw
        .prepare("SELECT name FROM pragma_index_list('taxii_objects')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    indexes.sort();
    assert_eq!(indexes, ["taxii_objects_added", "taxii_objects_id"]);
    let counter: i64 = raw
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'taxii_objects'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(counter, 5);

    let t = store.taxii().unwrap();
    // match[id] stays exact per collection; first and last by version.
    let mut q = query(COLL);
    q.ids = vec![sid(1)];
    let page = t.taxii_query(&q).await.unwrap();
    let seqs: Vec<i64> = page.items.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(
        page.items[1].json.as_deref(),
        Some(format!("{{\"id\":\"{}\",\"v\":2000}}", sid(1)).as_str())
    );
    q.versions = vec![VersionMatch::Last];
    let last: Vec<i64> = t
        .taxii_query(&q)
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| o.version_ns)
        .collect();
    assert_eq!(last, [2_000]);
    q.versions = vec![VersionMatch::First];
    let first = t.taxii_query(&q).await.unwrap();
    assert_eq!(first.items.len(), 1);
    assert_eq!(first.items[0].version_ns, 1_000);
    let mut q = query(OTHER);
    q.ids = vec![sid(1), sid(2)];
    let other: Vec<i64> = t
        .taxii_query(&q)
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| o.seq)
        .collect();
    assert_eq!(other, [4]);

    // Re-adding migrated versions finds them; a new version is added after
    // the clock and with a seq the deleted row never had.
    let out = t
        .taxii_add(
            &[
                obj(COLL, 1, 2_000),
                obj(OTHER, 1, 1_000),
                obj(COLL, 1, 3_000),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        out[..2],
        [
            TaxiiAdded::Existing {
                date_added_us: 101,
                version_ns: 2_000
            },
            TaxiiAdded::Existing {
                date_added_us: 103,
                version_ns: 1_000
            },
        ]
    );
    let TaxiiAdded::Added { date_added_us, .. } = out[2] else {
        panic!("{:?}", out[2])
    };
    assert!(date_added_us > 104);
    let all = t.taxii_query(&query(COLL)).await.unwrap();
    let seqs: Vec<i64> = all.items.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 6]);

    // A hash collision, forged (a real one takes about 2^32 ids): a row of
    // id 9 with id 1's hash, and a version id 1 does not have. It must
    // neither answer for id 1 nor make an add of id 1 look stored already.
    raw.execute(
        "INSERT INTO taxii_objects (collection, id_hash, date_added_us, stix_id, type, \
         spec_version, version, version_ns, owner, tlp, tlp_rank, envelope_id, source, json) \
         SELECT collection, id_hash, date_added_us + 1000000, ?1, type, spec_version, 'v9000', \
         9000, owner, tlp, tlp_rank, envelope_id, source, '{}' FROM taxii_objects WHERE seq = 2",
        [sid(9)],
    )
    .unwrap();
    let mut q = query(COLL);
    q.ids = vec![sid(1)];
    q.versions = vec![VersionMatch::Last];
    let last = t.taxii_query(&q).await.unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!((last.items[0].seq, last.items[0].version_ns), (6, 3_000));
    let out = t.taxii_add(&[obj(COLL, 1, 9_000)], None).await.unwrap();
    assert!(matches!(out[0], TaxiiAdded::Added { .. }), "{:?}", out[0]);
}
