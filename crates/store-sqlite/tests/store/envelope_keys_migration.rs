//! Migration 7 (`0007_integer_envelope_keys.sql`): a database written with
//! the version 6 schema (envelopes keyed by their text id) is opened by
//! this code. It holds sent and received notifications, a reply and a
//! rating, receipts both ways, deliveries delivered, failed and queued,
//! refs, a TAXII evidence row and queue, integrated and queued log
//! entries (the queue in another order than the rows were written). Every
//! row must come through with its values; storage order must follow the
//! log; foreign keys must name the renamed tables and still cascade; new
//! writes must go on from there. A version 6 database with a receipt for
//! an envelope it does not hold is refused, and left as it was.

use countersign_core::envelope::{Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::EnvelopeId;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_store::{
    Delivery, DeliveryFilter, DeliveryState, Direction, LogBatch, LogStore, NotificationFilter,
    PageRequest, Store, StoreErrorKind, TaxiiQuery, VersionMatch,
};
use countersign_store_sqlite::{SCHEMA_VERSION, SqliteStore};
use countersign_tlog::SignerKey;
use countersign_tlog::merkle::{CompactRange, leaf_hash};
use rusqlite::{Connection, params};

use crate::{N, expect_err, pid, ts};

const COLL: &str = "87b472bb-08d2-469f-8904-9e3e02cbd589";

fn signed(
    kind: EnvelopeType,
    from: &str,
    to: &[&str],
    created: &str,
    refs: &[EnvelopeId],
) -> SignedEnvelope {
    Envelope {
        v: 1,
        kind,
        from: pid(from),
        to: to.iter().map(|t| pid(t)).collect(),
        created: ts(created),
        refs: refs.to_vec(),
        tlp: Tlp::Amber,
        body: serde_json::json!({ "kind": kind.as_str(), "created": created }),
        attachments: vec![],
    }
    .sign(&SignerKey::generate(from).unwrap())
    .unwrap()
}

/// What the version 6 database holds, by name.
pub struct V6 {
    /// Sent by cert-a to cert-b and cert-c: delivered to cert-b, failed for cert-c.
    n1: SignedEnvelope,
    /// Sent to cert-b: still queued after one failed attempt.
    n2: SignedEnvelope,
    /// Received from cert-b.
    n3: SignedEnvelope,
    /// cert-b's receipt for n1.
    r1: SignedEnvelope,
    /// cert-b's reply to n1, and our receipt for it.
    p1: SignedEnvelope,
    rp: SignedEnvelope,
    /// Our rating of p1, queued.
    g1: SignedEnvelope,
    /// Our receipt for n3.
    r3: SignedEnvelope,
}

impl V6 {
    pub fn new() -> Self {
        let n1 = N {
            to: vec!["cert-b", "cert-c"],
            created: ts("2026-03-01T10:00:00Z"),
            ..N::new(1)
        }
        .build()
        .envelope;
        let n2 = N {
            created: ts("2026-03-02T10:00:00Z"),
            ..N::new(2)
        }
        .build()
        .envelope;
        let n3 = N {
            from: "cert-b",
            to: vec!["cert-a"],
            created: ts("2026-03-03T10:00:00Z"),
            direction: Direction::Received,
            ..N::new(3)
        }
        .build()
        .envelope;
        let r1 = signed(
            EnvelopeType::Receipt,
            "cert-b",
            &["cert-a"],
            "2026-03-01T10:00:01Z",
            &[n1.id()],
        );
        let p1 = signed(
            EnvelopeType::Reply,
            "cert-b",
            &["cert-a"],
            "2026-03-01T12:00:00Z",
            &[n1.id()],
        );
        let rp = signed(
            EnvelopeType::Receipt,
            "cert-a",
            &["cert-b"],
            "2026-03-01T12:00:01Z",
            &[p1.id()],
        );
        let g1 = signed(
            EnvelopeType::Rating,
            "cert-a",
            &["cert-b"],
            "2026-03-01T13:00:00Z",
            &[p1.id(), n1.id()],
        );
        let r3 = signed(
            EnvelopeType::Receipt,
            "cert-a",
            &["cert-b"],
            "2026-03-03T10:00:01Z",
            &[n3.id()],
        );
        V6 {
            n1,
            n2,
            n3,
            r1,
            p1,
            rp,
            g1,
            r3,
        }
    }

    /// Every envelope with its direction, in the order the rows are written.
    pub fn rows(&self) -> Vec<(&SignedEnvelope, Direction)> {
        use Direction::{Received, Sent};
        vec![
            (&self.n2, Sent),
            (&self.n1, Sent),
            (&self.r1, Received),
            (&self.p1, Received),
            (&self.rp, Sent),
            (&self.g1, Sent),
            (&self.n3, Received),
            (&self.r3, Sent),
        ]
    }

    /// Log order: n1, r1, p1 integrated (indexes 0, 1, 2); then queued in
    /// this order, which is not the order the rows were written.
    fn integrated(&self) -> Vec<EnvelopeId> {
        vec![self.n1.id(), self.r1.id(), self.p1.id()]
    }

    fn queued(&self) -> Vec<EnvelopeId> {
        vec![
            self.g1.id(),
            self.n3.id(),
            self.rp.id(),
            self.r3.id(),
            self.n2.id(),
        ]
    }
}

fn stored_at() -> Timestamp {
    ts("2026-03-04T00:00:00Z")
}

/// Writes the version 6 schema (migrations 1 to 6 as they shipped) and the
/// rows of `v6` the way version 6 code wrote them: envelope, recipients,
/// notification row and log queue per envelope, with the version 6
/// triggers filling refs, deliveries and the TAXII queue.
pub fn version6(path: &std::path::Path, v6: &V6) -> Connection {
    let raw = Connection::open(path).unwrap();
    raw.pragma_update(None, "foreign_keys", "ON").unwrap();
    crate::shipped_schema(&raw, 6);
    for (e, direction) in v6.rows() {
        let env = e.envelope();
        let created = env.created.datetime();
        raw.execute(
            "INSERT INTO envelopes (id, type, from_party, created, created_s, created_ns, tlp, \
             direction, stored, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                e.id().to_string(),
                env.kind.as_str(),
                env.from.as_str(),
                env.created.to_string(),
                created.timestamp(),
                i64::from(created.timestamp_subsec_nanos()),
                env.tlp.as_str(),
                direction.as_str(),
                stored_at().to_string(),
                e.to_json_value().unwrap().to_string(),
            ],
        )
        .unwrap();
        for (position, party) in env.to.iter().enumerate() {
            raw.execute(
                "INSERT INTO envelope_recipients (envelope_id, position, party) \
                 VALUES (?1, ?2, ?3)",
                params![e.id().to_string(), position as i64, party.as_str()],
            )
            .unwrap();
        }
        if env.kind == EnvelopeType::Notification {
            raw.execute(
                "INSERT INTO notifications (id, from_party, created, created_s, created_ns, \
                 title, title_folded, category, category_class, severity, tlp, tlp_rank, \
                 sufficiency, ack_by, reply_by, attachments, direction) VALUES (?1, ?2, ?3, \
                 ?4, ?5, ?6, lower(?6), 'intrusions/system-compromise', 'intrusions', 'high', \
                 'amber', 2, 'indicators', ?7, ?8, 0, ?9)",
                params![
                    e.id().to_string(),
                    env.from.as_str(),
                    env.created.to_string(),
                    created.timestamp(),
                    i64::from(created.timestamp_subsec_nanos()),
                    format!("Title of {}", e.id()),
                    env.created.plus_hours(24).to_string(),
                    env.created.plus_hours(72).to_string(),
                    direction.as_str(),
                ],
            )
            .unwrap();
        }
    }
    // The log: three integrated, the rest queued in another order.
    for (i, id) in v6.integrated().iter().enumerate() {
        raw.execute(
            "UPDATE envelopes SET log_index = ?2 WHERE id = ?1",
            params![id.to_string(), i as i64],
        )
        .unwrap();
    }
    for id in v6.queued() {
        raw.execute(
            "INSERT INTO log_pending (envelope_id) VALUES (?1)",
            [id.to_string()],
        )
        .unwrap();
    }
    let mut range = CompactRange::new();
    for id in v6.integrated() {
        range
            .push(leaf_hash(format!("countersign/leaf/v1\n{id}\n").as_bytes()))
            .unwrap();
    }
    raw.execute(
        "UPDATE log_state SET size = 3, root = ?1, range = ?2 WHERE id = 1",
        params![&range.root()[..], range.hashes().concat()],
    )
    .unwrap();
    // Receipts: ours for p1 and n3 (receiving side), cert-b's for n1.
    for (of, party, receipt) in [
        (&v6.n1, "cert-b", &v6.r1),
        (&v6.p1, "cert-a", &v6.rp),
        (&v6.n3, "cert-a", &v6.r3),
    ] {
        raw.execute(
            "INSERT INTO receipts (envelope_id, party, receipt_id) VALUES (?1, ?2, ?3)",
            params![of.id().to_string(), party, receipt.id().to_string()],
        )
        .unwrap();
    }
    // Deliveries (queued by the trigger): n1 delivered to cert-b and
    // failed for cert-c, n2 retried once, g1 untouched.
    for (e, party, sql) in [
        (
            &v6.n1,
            "cert-b",
            "UPDATE deliveries SET state = 'delivered', attempts = 1, receipt_id = ?3, \
             updated_us = 1000 WHERE envelope_id = ?1 AND party = ?2",
        ),
        (
            &v6.n1,
            "cert-c",
            "UPDATE deliveries SET state = 'failed', attempts = 3, last_error = 'refused', \
             next_attempt_us = 9000, updated_us = 2000 WHERE envelope_id = ?1 AND party = ?2 \
             AND ?3 IS NOT NULL",
        ),
        (
            &v6.n2,
            "cert-b",
            "UPDATE deliveries SET attempts = 1, last_error = 'timeout', \
             next_attempt_us = 5000, updated_us = 3000 WHERE envelope_id = ?1 AND party = ?2 \
             AND ?3 IS NOT NULL",
        ),
    ] {
        let changed = raw
            .execute(
                sql,
                params![e.id().to_string(), party, v6.r1.id().to_string()],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    // n1's evidence was filed (a TAXII row, its queue entry gone).
    raw.execute(
        "DELETE FROM taxii_evidence_pending WHERE envelope_id = ?1",
        [v6.n1.id().to_string()],
    )
    .unwrap();
    raw.execute(
        "INSERT INTO taxii_objects (collection, id_hash, date_added_us, stix_id, type, \
         spec_version, version, version_ns, owner, tlp, tlp_rank, envelope_id, source, json) \
         VALUES (?1, 0, 100, 'indicator--00000000-0000-4000-8000-000000000001', 'indicator', \
         '2.1', 'v1', 1, 'cert-a', 'amber', 2, ?2, ?3, '{}')",
        params![
            COLL,
            v6.n1.id().to_string(),
            format!("envelope:{}", v6.n1.id())
        ],
    )
    .unwrap();
    raw
}

pub fn count(raw: &Connection, sql: &str) -> i64 {
    raw.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A delivery of `e` to `party` as the trigger queues it: never attempted.
fn queued(e: &SignedEnvelope, party: &str) -> Delivery {
    Delivery {
        envelope: e.id(),
        party: pid(party),
        state: DeliveryState::Queued,
        attempts: 0,
        next_attempt_us: 0,
        created_s: e.envelope().created.unix_seconds(),
        last_error: None,
        receipt: None,
        updated_us: 0,
    }
}

#[tokio::test]
async fn version6_rows_migrate_to_integer_envelope_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v6.sqlite");
    let v6 = V6::new();
    let raw = version6(&path, &v6);
    // What version 6 had, to compare with.
    assert_eq!(count(&raw, "SELECT count(*) FROM deliveries"), 4);
    assert_eq!(count(&raw, "SELECT count(*) FROM envelope_refs"), 6);
    drop(raw);

    let store = SqliteStore::open(&path).unwrap();
    let raw = Connection::open(&path).unwrap();
    raw.pragma_update(None, "foreign_keys", "ON").unwrap();
    let version: u32 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(
        raw.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .unwrap(),
        "ok"
    );
    assert_eq!(
        count(&raw, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    // The renames reached every foreign key and trigger: nothing names a
    // `*_new` table or a text envelope key any more.
    assert_eq!(
        count(
            &raw,
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%\\_new' ESCAPE '\\' \
             OR sql LIKE '%envelopes\\_new%' ESCAPE '\\' \
             OR (sql LIKE '%envelope\\_id%' ESCAPE '\\' AND name <> 'taxii_objects')"
        ),
        0
    );

    // Storage order is log order: integrated by index, then queue order.
    let order: Vec<String> = raw
        .prepare("SELECT id FROM envelopes ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let expected: Vec<String> = v6
        .integrated()
        .into_iter()
        .chain(v6.queued())
        .map(|id| id.to_string())
        .collect();
    assert_eq!(order, expected);
    assert_eq!(
        count(&raw, "SELECT min(seq) * 100 + max(seq) FROM envelopes"),
        108
    );

    // Every envelope as stored, with its log index.
    for (e, direction) in v6.rows() {
        let got = store.get_envelope(&e.id()).await.unwrap().unwrap();
        assert_eq!(&got.envelope, e);
        assert_eq!(got.direction, direction);
        assert_eq!(got.stored, stored_at());
        let index = v6.integrated().iter().position(|i| *i == e.id());
        assert_eq!(
            store.log_index(&e.id()).await.unwrap(),
            index.map(|i| i as u64)
        );
    }
    assert_eq!(store.log_pending(100).await.unwrap(), v6.queued());
    assert_eq!(store.log_state().await.unwrap().size, 3);
    // Leaves are rows of their own now, one per integrated envelope.
    assert_eq!(count(&raw, "SELECT count(*) FROM envelope_leaves"), 3);

    // Notifications with their recipients in order, newest first.
    let n1 = store.get_notification(&v6.n1.id()).await.unwrap().unwrap();
    assert_eq!(n1.to, vec![pid("cert-b"), pid("cert-c")]);
    assert_eq!(n1.title, format!("Title of {}", v6.n1.id()));
    let page = store
        .list_notifications(&NotificationFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<EnvelopeId> = page.items.iter().map(|n| n.id).collect();
    assert_eq!(ids, vec![v6.n3.id(), v6.n2.id(), v6.n1.id()]);
    assert_eq!(page.items[0].direction, Direction::Received);
    let to_c = NotificationFilter {
        to: Some(pid("cert-c")),
        ..NotificationFilter::default()
    };
    let page = store
        .list_notifications(&to_c, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, v6.n1.id());

    // Receipts both ways.
    let fed = store.federation().unwrap();
    assert_eq!(
        fed.receipts(&v6.n1.id()).await.unwrap(),
        vec![(pid("cert-b"), v6.r1.id())]
    );
    assert_eq!(
        fed.receipts(&v6.p1.id()).await.unwrap(),
        vec![(pid("cert-a"), v6.rp.id())]
    );
    assert_eq!(
        fed.receipts(&v6.n3.id()).await.unwrap(),
        vec![(pid("cert-a"), v6.r3.id())]
    );
    assert!(fed.receipts(&v6.n2.id()).await.unwrap().is_empty());

    // Every delivery in its state (listed newest created first, then by
    // id and party).
    let mut expected = vec![
        Delivery {
            attempts: 1,
            next_attempt_us: 5000,
            last_error: Some("timeout".into()),
            updated_us: 3000,
            ..queued(&v6.n2, "cert-b")
        },
        queued(&v6.g1, "cert-b"),
        Delivery {
            state: DeliveryState::Delivered,
            attempts: 1,
            receipt: Some(v6.r1.id()),
            updated_us: 1000,
            ..queued(&v6.n1, "cert-b")
        },
        Delivery {
            state: DeliveryState::Failed,
            attempts: 3,
            next_attempt_us: 9000,
            last_error: Some("refused".into()),
            updated_us: 2000,
            ..queued(&v6.n1, "cert-c")
        },
    ];
    expected.sort_by(|a, b| {
        (b.created_s, a.envelope.to_string(), a.party.as_str()).cmp(&(
            a.created_s,
            b.envelope.to_string(),
            b.party.as_str(),
        ))
    });
    let all = fed
        .list_deliveries(&DeliveryFilter::default())
        .await
        .unwrap();
    assert_eq!(all, expected);
    let of_n1 = fed
        .list_deliveries(&DeliveryFilter {
            envelope: Some(v6.n1.id()),
            ..DeliveryFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(of_n1.len(), 2);
    // Due at 10 ms: g1 (due at once) before n2 (due at 5 ms); at 1 ms only g1.
    let due: Vec<EnvelopeId> = fed
        .deliveries_due(10_000, 10)
        .await
        .unwrap()
        .iter()
        .map(|d| d.envelope)
        .collect();
    assert_eq!(due, vec![v6.g1.id(), v6.n2.id()]);
    assert_eq!(fed.deliveries_due(1_000, 10).await.unwrap().len(), 1);

    // Refs: the reply of n1, the rating of p1; receipts' refs are not kept.
    let replies = fed.referring(&v6.n1.id(), "reply").await.unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].envelope, v6.p1);
    let ratings = fed.referring(&v6.p1.id(), "rating").await.unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0].envelope, v6.g1);
    assert!(
        fed.referring(&v6.n1.id(), "rating")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(count(&raw, "SELECT count(*) FROM envelope_refs"), 3);
    expect_err(
        fed.referring(&v6.n1.id(), "receipt").await,
        StoreErrorKind::BadRequest,
    );

    // The obligation reads see the same facts.
    let ob = store
        .obligations()
        .unwrap()
        .obligation_envelopes(None, None)
        .await
        .unwrap();
    let mut receipts: Vec<(EnvelopeId, String, EnvelopeId)> = ob
        .receipts
        .iter()
        .map(|r| (r.notification, r.party.to_string(), r.receipt))
        .collect();
    receipts.sort();
    let mut want = vec![
        (v6.n1.id(), "cert-b".to_owned(), v6.r1.id()),
        (v6.n3.id(), "cert-a".to_owned(), v6.r3.id()),
    ];
    want.sort();
    assert_eq!(receipts, want);
    assert_eq!(ob.failed, vec![(v6.n1.id(), pid("cert-c"), 2000)]);
    assert_eq!(ob.replies.len(), 1);
    assert_eq!(ob.replies[0].envelope, v6.p1);
    assert_eq!(ob.ratings.len(), 1);
    assert_eq!(ob.ratings[0].envelope, v6.g1);

    // TAXII: n1's evidence is filed, n2's and n3's still queued (in
    // storage order); the amber row is visible to n1's recipients only.
    let taxii = store.taxii().unwrap();
    assert_eq!(
        taxii.taxii_evidence_pending(10).await.unwrap(),
        vec![v6.n3.id(), v6.n2.id()]
    );
    let query = |party: &str| TaxiiQuery {
        collection: COLL.to_owned(),
        visible_to: Some(pid(party)),
        added_after_us: None,
        after_us: None,
        ids: vec![],
        types: vec![],
        versions: vec![VersionMatch::All],
        spec_versions: vec![],
        limit: 10,
        with_json: false,
    };
    assert_eq!(
        taxii
            .taxii_query(&query("cert-c"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        taxii
            .taxii_query(&query("cert-d"))
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // New writes go on after the migrated rows: a new notification is
    // stored last, queued for the log after the old queue and for delivery.
    let n4 = N::new(4).build();
    store.insert_envelope(&n4).await.unwrap();
    assert_eq!(
        count(
            &raw,
            &format!(
                "SELECT seq FROM envelopes WHERE id = '{}'",
                n4.envelope.id()
            )
        ),
        9
    );
    let mut queue = v6.queued();
    queue.push(n4.envelope.id());
    assert_eq!(store.log_pending(100).await.unwrap(), queue);
    assert_eq!(fed.deliveries_due(0, 10).await.unwrap().len(), 2);

    // The old queue integrates in order.
    let mut range = CompactRange::new();
    for id in v6.integrated() {
        range
            .push(leaf_hash(format!("countersign/leaf/v1\n{id}\n").as_bytes()))
            .unwrap();
    }
    let old_root = range.root();
    for id in v6.queued() {
        range
            .push(leaf_hash(format!("countersign/leaf/v1\n{id}\n").as_bytes()))
            .unwrap();
    }
    store
        .log_commit(&LogBatch {
            old_size: 3,
            old_root,
            new: countersign_store::LogState {
                size: range.size(),
                root: range.root(),
                range: range.hashes().to_vec(),
            },
            tiles: vec![],
            envelopes: v6.queued().into_iter().zip(3..).collect(),
        })
        .await
        .unwrap();
    assert_eq!(
        store.log_pending(100).await.unwrap(),
        vec![n4.envelope.id()]
    );
    assert_eq!(store.log_index(&v6.n2.id()).await.unwrap(), Some(7));

    // ON DELETE CASCADE still holds: deleting n2 removes its recipients,
    // notification row, deliveries and TAXII queue entry.
    raw.execute(
        "DELETE FROM envelopes WHERE id = ?1",
        [v6.n2.id().to_string()],
    )
    .unwrap();
    for table in [
        "envelope_recipients",
        "notifications",
        "deliveries",
        "taxii_evidence_pending",
    ] {
        let column = if table == "notifications" {
            "seq"
        } else {
            "envelope_seq"
        };
        assert_eq!(
            count(
                &raw,
                &format!("SELECT count(*) FROM {table} WHERE {column} = 8")
            ),
            0,
            "{table}"
        );
    }
}

#[tokio::test]
async fn a_receipt_for_an_envelope_not_held_stops_the_migration_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v6.sqlite");
    let v6 = V6::new();
    let raw = version6(&path, &v6);
    let missing = "ab".repeat(32);
    raw.execute(
        "INSERT INTO receipts (envelope_id, party, receipt_id) VALUES (?1, 'cert-b', ?2)",
        params![missing, v6.r1.id().to_string()],
    )
    .unwrap();
    let schema = |raw: &Connection| -> Vec<String> {
        raw.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let before = schema(&raw);
    drop(raw);

    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Backend);
    assert!(
        err.message
            .contains("1 receipts of envelopes that are not stored")
            && err.message.contains(&missing),
        "{}",
        err.message
    );
    let raw = Connection::open(&path).unwrap();
    let version: u32 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6);
    assert_eq!(schema(&raw), before);
    assert_eq!(count(&raw, "SELECT count(*) FROM receipts"), 4);
}
