//! The TAXII store: `date_added` unique and strictly increasing, idempotent
//! re-adds, every filter, TLP visibility, the evidence queue filled by the
//! trigger, and status resources.

use countersign_core::tlp::Tlp;
use countersign_store::{
    NewTaxiiObject, Store, StoreErrorKind, TaxiiAdded, TaxiiQuery, TaxiiStatusRecord, VersionMatch,
};
use countersign_store_sqlite::SqliteStore;

use crate::{N, pid};

const COLL: &str = "87b472bb-08d2-469f-8904-9e3e02cbd589";

fn obj(n: u32, version_ns: Option<i64>, owner: &str, tlp: Tlp) -> NewTaxiiObject {
    let id = format!("indicator--00000000-0000-4000-8000-{n:012}");
    NewTaxiiObject {
        collection: COLL.to_owned(),
        stix_id: id.clone(),
        stix_type: "indicator".to_owned(),
        spec_version: "2.1".to_owned(),
        version: version_ns.map(|ns| (format!("v{ns}"), ns)),
        owner: pid(owner),
        tlp,
        envelope: None,
        json: format!("{{\"id\":\"{id}\",\"v\":{}}}", version_ns.unwrap_or(0)),
    }
}

fn query() -> TaxiiQuery {
    TaxiiQuery {
        collection: COLL.to_owned(),
        visible_to: None,
        added_after_us: None,
        after_us: None,
        ids: vec![],
        types: vec![],
        versions: vec![],
        spec_versions: vec![],
        limit: 1000,
        with_json: true,
    }
}

fn store() -> SqliteStore {
    SqliteStore::open_in_memory().unwrap()
}

#[tokio::test]
async fn date_added_is_unique_and_increasing_and_adds_are_idempotent() {
    let s = store();
    let t = s.taxii().unwrap();
    let batch: Vec<_> = (0..500)
        .map(|n| obj(n, Some(1_000), "cert-a", Tlp::Green))
        .collect();
    let first = t.taxii_add(&batch, None).await.unwrap();
    let second = t.taxii_add(&batch[..10], None).await.unwrap();
    let mut last = 0;
    for a in &first {
        let TaxiiAdded::Added { date_added_us, .. } = a else {
            panic!("{a:?}")
        };
        assert!(*date_added_us > last);
        last = *date_added_us;
    }
    assert!(second.iter().zip(&first).all(|(s, f)| match (s, f) {
        (
            TaxiiAdded::Existing {
                date_added_us: a, ..
            },
            TaxiiAdded::Added {
                date_added_us: b, ..
            },
        ) => a == b,
        _ => false,
    }));
    // Deleting the newest does not let a later add reuse its date_added.
    let page = t.taxii_query(&query()).await.unwrap();
    assert_eq!(page.items.len(), 500);
    t.taxii_delete(&[page.items[499].seq]).await.unwrap();
    let again = t
        .taxii_add(&[obj(999, Some(1), "cert-a", Tlp::Green)], None)
        .await
        .unwrap();
    let TaxiiAdded::Added { date_added_us, .. } = again[0] else {
        panic!()
    };
    assert!(date_added_us > last);
    // Unversioned objects: the same JSON again is the same version.
    let sco = obj(7000, None, "cert-a", Tlp::Green);
    let a = t.taxii_add(std::slice::from_ref(&sco), None).await.unwrap();
    let b = t.taxii_add(&[sco], None).await.unwrap();
    assert!(matches!(a[0], TaxiiAdded::Added { .. }));
    assert!(matches!(b[0], TaxiiAdded::Existing { .. }));
}

#[tokio::test]
async fn filters_versions_and_paging() {
    let s = store();
    let t = s.taxii().unwrap();
    let mut all = Vec::new();
    for n in 0..5 {
        for v in [10, 20, 30] {
            all.push(obj(n, Some(v), "cert-a", Tlp::Green));
        }
    }
    t.taxii_add(&all, None).await.unwrap();
    let count = |q: TaxiiQuery| async move { t.taxii_query(&q).await.unwrap().items.len() };
    assert_eq!(count(query()).await, 15);
    for (versions, want) in [
        (vec![VersionMatch::Last], 5),
        (vec![VersionMatch::First], 5),
        (vec![VersionMatch::First, VersionMatch::Last], 10),
        (vec![VersionMatch::At(20)], 5),
        (vec![VersionMatch::All, VersionMatch::At(20)], 15),
    ] {
        assert_eq!(
            count(TaxiiQuery {
                versions: versions.clone(),
                ..query()
            })
            .await,
            want,
            "{versions:?}"
        );
    }
    let id = "indicator--00000000-0000-4000-8000-000000000003".to_owned();
    assert_eq!(
        count(TaxiiQuery {
            ids: vec![id],
            ..query()
        })
        .await,
        3
    );
    assert_eq!(
        count(TaxiiQuery {
            types: vec!["malware".into()],
            ..query()
        })
        .await,
        0
    );
    assert_eq!(
        count(TaxiiQuery {
            spec_versions: vec!["2.0".into()],
            ..query()
        })
        .await,
        0
    );
    // Paging by date_added: pages of 4 cover everything once, in order.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = t
            .taxii_query(&TaxiiQuery {
                limit: 4,
                after_us: after,
                with_json: false,
                ..query()
            })
            .await
            .unwrap();
        assert!(page.items.iter().all(|o| o.json.is_none()));
        seen.extend(page.items.iter().map(|o| o.date_added_us));
        if !page.more {
            break;
        }
        after = page.items.last().map(|o| o.date_added_us);
    }
    assert_eq!(seen.len(), 15);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    let mid = seen[6];
    assert_eq!(
        count(TaxiiQuery {
            added_after_us: Some(mid),
            ..query()
        })
        .await,
        8
    );
}

#[tokio::test]
async fn visibility_follows_the_tlp_rule() {
    let s = store();
    // A notification A → B whose evidence is AMBER.
    let n = N::new(1).build();
    let envelope = n.envelope.id();
    s.insert_envelope(&n).await.unwrap();
    let t = s.taxii().unwrap();
    // The trigger queued it.
    assert_eq!(t.taxii_evidence_pending(10).await.unwrap(), vec![envelope]);
    let mut ev = obj(1, Some(1), "cert-a", Tlp::Amber);
    ev.envelope = Some(envelope);
    t.taxii_add_evidence(&envelope, &[ev]).await.unwrap();
    assert!(t.taxii_evidence_pending(10).await.unwrap().is_empty());
    // Filing it twice (another process did) adds nothing.
    t.taxii_add_evidence(&envelope, &[obj(9, Some(1), "cert-a", Tlp::Amber)])
        .await
        .unwrap();
    t.taxii_add(
        &[
            obj(2, Some(1), "cert-c", Tlp::Red),
            obj(3, Some(1), "cert-c", Tlp::Green),
            obj(4, Some(1), "cert-c", Tlp::Clear),
        ],
        None,
    )
    .await
    .unwrap();
    let ids = |party: Option<&str>| {
        let q = TaxiiQuery {
            visible_to: party.map(pid),
            ..query()
        };
        async move {
            let mut v: Vec<String> = t
                .taxii_query(&q)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|o| o.stix_id[o.stix_id.len() - 1..].to_owned())
                .collect();
            v.sort();
            v
        }
    };
    assert_eq!(ids(None).await, ["1", "2", "3", "4"]);
    assert_eq!(ids(Some("cert-a")).await, ["1", "3", "4"]);
    assert_eq!(ids(Some("cert-b")).await, ["1", "3", "4"]);
    assert_eq!(ids(Some("cert-c")).await, ["2", "3", "4"]);
    assert_eq!(ids(Some("cert-d")).await, ["3", "4"]);
    // `last` is the last version the party may see.
    let mut newer = obj(1, Some(5), "cert-c", Tlp::Green);
    newer.collection = COLL.to_owned();
    t.taxii_add(&[newer], None).await.unwrap();
    let q = TaxiiQuery {
        visible_to: Some(pid("cert-d")),
        versions: vec![VersionMatch::Last],
        ids: vec!["indicator--00000000-0000-4000-8000-000000000001".into()],
        ..query()
    };
    assert_eq!(t.taxii_query(&q).await.unwrap().items[0].version_ns, 5);
}

#[tokio::test]
async fn status_resources() {
    let s = store();
    let t = s.taxii().unwrap();
    let record = TaxiiStatusRecord {
        id: "s1".into(),
        owner: pid("cert-a"),
        json: "{}".into(),
    };
    t.taxii_put_status(&record).await.unwrap();
    assert_eq!(
        t.taxii_get_status("s1").await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(t.taxii_get_status("s2").await.unwrap(), None);
    let e = t.taxii_put_status(&record).await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Duplicate);
    // A status written with its objects, in the same transaction.
    let make: countersign_store::StatusFn = Box::new(|added| {
        Ok(TaxiiStatusRecord {
            id: "s3".into(),
            owner: pid("cert-a"),
            json: format!("{}", added.len()),
        })
    });
    t.taxii_add(&[obj(1, Some(1), "cert-a", Tlp::Green)], Some(make))
        .await
        .unwrap();
    assert_eq!(t.taxii_get_status("s3").await.unwrap().unwrap().json, "1");
}
