//! The outbox, receipts and refs on their integer keys (migration 7): the
//! trigger queues one delivery per recipient of a sent notification;
//! receipts and deliveries about an envelope that is not stored are
//! refused with nothing written; only replies' and ratings' refs are kept,
//! and asking for another kind by reference is an error, not an empty
//! answer.

use countersign_core::envelope::{Envelope, EnvelopeType, SignedEnvelope};
use countersign_core::ids::EnvelopeId;
use countersign_core::tlp::Tlp;
use countersign_store::{
    DeliveryFilter, DeliveryState, Direction, NewEnvelope, Store, StoreErrorKind,
};
use countersign_store_sqlite::SqliteStore;
use countersign_tlog::SignerKey;

use crate::{N, expect_err, pid, ts};

fn envelope(kind: EnvelopeType, from: &str, to: &str, refs: &[EnvelopeId]) -> SignedEnvelope {
    Envelope {
        v: 1,
        kind,
        from: pid(from),
        to: vec![pid(to)],
        created: ts("2026-03-01T11:00:00Z"),
        refs: refs.to_vec(),
        tlp: Tlp::Amber,
        body: serde_json::json!({ "kind": kind.as_str() }),
        attachments: vec![],
    }
    .sign(&SignerKey::generate(from).unwrap())
    .unwrap()
}

fn new(envelope: SignedEnvelope, direction: Direction) -> NewEnvelope {
    NewEnvelope {
        envelope,
        direction,
        stored: ts("2026-03-02T00:00:00Z"),
        notification: None,
    }
}

#[tokio::test]
async fn receipts_and_deliveries_need_the_envelope_stored() {
    let store = SqliteStore::open_in_memory().unwrap();
    let fed = store.federation().unwrap();
    let absent = N::new(1).build().envelope;
    let receipt = envelope(EnvelopeType::Receipt, "cert-b", "cert-a", &[absent.id()]);

    let message = expect_err(
        fed.insert_receipt(
            &absent.id(),
            &pid("cert-b"),
            &new(receipt.clone(), Direction::Sent),
        )
        .await,
        StoreErrorKind::NotFound,
    );
    assert!(message.contains(&absent.id().to_string()), "{message}");
    let message = expect_err(
        fed.delivery_done(
            &absent.id(),
            &pid("cert-b"),
            &new(receipt.clone(), Direction::Received),
            1,
        )
        .await,
        StoreErrorKind::NotFound,
    );
    assert!(message.contains(&absent.id().to_string()), "{message}");
    // Neither stored the receipt envelope.
    assert!(store.get_envelope(&receipt.id()).await.unwrap().is_none());
    assert!(fed.receipts(&absent.id()).await.unwrap().is_empty());
}

#[tokio::test]
async fn sent_notifications_queue_deliveries_and_receipts_complete_them() {
    let store = SqliteStore::open_in_memory().unwrap();
    let fed = store.federation().unwrap();
    let n1 = N {
        to: vec!["cert-b", "cert-c"],
        ..N::new(1)
    }
    .build();
    let n2 = N::new(2).build();
    let received = N {
        from: "cert-b",
        to: vec!["cert-a"],
        direction: Direction::Received,
        ..N::new(3)
    }
    .build();
    for n in [&n1, &n2, &received] {
        store.insert_envelope(n).await.unwrap();
    }
    // One row per recipient of what this node sent, due at once, in
    // storage order; nothing for the received one.
    let due: Vec<(EnvelopeId, String)> = fed
        .deliveries_due(0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.envelope, d.party.to_string()))
        .collect();
    let (i1, i2) = (n1.envelope.id(), n2.envelope.id());
    assert_eq!(
        due,
        vec![
            (i1, "cert-b".to_owned()),
            (i1, "cert-c".to_owned()),
            (i2, "cert-b".to_owned())
        ]
    );

    // A retry due later goes behind the others.
    fed.delivery_attempted(&i1, &pid("cert-b"), "timeout", 500, false, 10)
        .await
        .unwrap();
    let order: Vec<EnvelopeId> = fed
        .deliveries_due(1_000, 10)
        .await
        .unwrap()
        .iter()
        .map(|d| d.envelope)
        .collect();
    assert_eq!(order, vec![i1, i2, i1]);

    // The receipt completes the delivery; a second delivery_done with
    // the same receipt is accepted and keeps it (it counts an attempt).
    let receipt = envelope(EnvelopeType::Receipt, "cert-b", "cert-a", &[i1]);
    for _ in 0..2 {
        fed.delivery_done(
            &i1,
            &pid("cert-b"),
            &new(receipt.clone(), Direction::Received),
            20,
        )
        .await
        .unwrap();
    }
    let of_n1 = fed
        .list_deliveries(&DeliveryFilter {
            envelope: Some(i1),
            ..DeliveryFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(of_n1.len(), 2);
    let to_b = &of_n1[0];
    assert_eq!(
        (to_b.party.as_str(), to_b.state, to_b.attempts, to_b.receipt),
        ("cert-b", DeliveryState::Delivered, 3, Some(receipt.id()))
    );
    assert_eq!(of_n1[1].state, DeliveryState::Queued);
    assert_eq!(
        fed.receipts(&i1).await.unwrap(),
        vec![(pid("cert-b"), receipt.id())]
    );
}

#[tokio::test]
async fn replies_and_ratings_are_found_by_their_first_reference() {
    let store = SqliteStore::open_in_memory().unwrap();
    let fed = store.federation().unwrap();
    let n = N::new(1).build();
    store.insert_envelope(&n).await.unwrap();
    let nid = n.envelope.id();
    let reply = envelope(EnvelopeType::Reply, "cert-b", "cert-a", &[nid]);
    let rating = envelope(EnvelopeType::Rating, "cert-a", "cert-b", &[reply.id(), nid]);
    let receipt = envelope(EnvelopeType::Receipt, "cert-a", "cert-b", &[reply.id()]);
    store
        .insert_envelope(&new(reply.clone(), Direction::Received))
        .await
        .unwrap();
    store
        .insert_envelope(&new(rating.clone(), Direction::Sent))
        .await
        .unwrap();
    store
        .insert_envelope(&new(receipt, Direction::Sent))
        .await
        .unwrap();

    let replies = fed.referring(&nid, "reply").await.unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].envelope, reply);
    let ratings = fed.referring(&reply.id(), "rating").await.unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0].envelope, rating);
    // The rating refers to the notification second, not first.
    assert!(fed.referring(&nid, "rating").await.unwrap().is_empty());
    // Receipts' refs are not indexed: asking is an error, not "none".
    let message = expect_err(
        fed.referring(&reply.id(), "receipt").await,
        StoreErrorKind::BadRequest,
    );
    assert!(message.contains("receipt"), "{message}");
    expect_err(
        fed.referring(&nid, "no-such-type").await,
        StoreErrorKind::BadRequest,
    );
}
