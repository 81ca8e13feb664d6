//! TLP as access control, and roles.

use super::fixtures::*;
use countersign_core::access::Role;
use countersign_core::tlp::Tlp;
use countersign_node::NodeErrorKind;
use countersign_node::access::Viewer;
use countersign_store::{NotificationFilter, PageRequest};

async fn titles(node: &countersign_node::Node, viewer: &Viewer) -> Vec<String> {
    let page = node
        .list_notifications(
            viewer,
            NotificationFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();
    let mut t: Vec<String> = page.items.into_iter().map(|r| r.title).collect();
    t.sort();
    t
}

#[tokio::test]
async fn tlp_decides_who_sees_what() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let a = user("cert-a", Role::Analyst);
    let mut ids = Vec::new();
    for (tlp, title) in [
        (Tlp::Clear, "clear"),
        (Tlp::Green, "green"),
        (Tlp::Amber, "amber"),
        (Tlp::AmberStrict, "amber+strict"),
        (Tlp::Red, "red"),
    ] {
        let d = node
            .notify(&a, request("cert-a", "cert-b", tlp, title))
            .await
            .unwrap();
        ids.push((tlp, d.envelope.id()));
    }
    let everything = ["amber", "amber+strict", "clear", "green", "red"];
    assert_eq!(titles(&node, &a).await, everything, "the sender sees all");
    assert_eq!(
        titles(&node, &user("cert-b", Role::Viewer)).await,
        everything,
        "the recipient sees all"
    );
    assert_eq!(
        titles(&node, &user("cert-c", Role::Admin)).await,
        ["clear", "green"],
        "a third party sees CLEAR and GREEN only, whatever its role"
    );
    assert_eq!(titles(&node, &Viewer::Operator).await, everything);

    let c = user("cert-c", Role::Admin);
    for (tlp, id) in ids {
        let got = node.get_notification(&c, &id).await;
        match tlp {
            Tlp::Clear | Tlp::Green => assert!(got.is_ok(), "{tlp}"),
            _ => assert_eq!(
                got.unwrap_err().kind,
                NodeErrorKind::NotFound,
                "{tlp} leaked to a third party"
            ),
        }
    }
}

#[tokio::test]
async fn roles_and_acting_for_another_party() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let err = node
        .notify(
            &user("cert-a", Role::Viewer),
            request("cert-a", "cert-b", Tlp::Green, "x"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::Forbidden);
    let err = node
        .notify(
            &user("cert-a", Role::Admin),
            request("cert-b", "cert-c", Tlp::Green, "x"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.kind,
        NodeErrorKind::Forbidden,
        "an admin of A cannot sign for B"
    );
    assert!(titles(&node, &Viewer::Operator).await.is_empty());
}
