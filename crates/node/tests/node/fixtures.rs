//! Test nodes and notifications.

use countersign_core::access::Role;
use countersign_core::ids::PartyId;
use countersign_core::notification::{Notification, Severity};
use countersign_core::party::PartyKind;
use countersign_core::taxonomy::Category;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::datadir::DataDir;
use countersign_node::notify::NotifyRequest;
use countersign_node::{InitOptions, Node, now};

pub fn pid(s: &str) -> PartyId {
    PartyId::parse(s).unwrap()
}

/// A node hosting cert-a, cert-b and cert-c, with an analyst and a viewer
/// user per party (password "correct horse battery").
pub async fn node(tmp: &tempfile::TempDir) -> Node {
    let (node, _) = Node::init(
        DataDir::new(tmp.path().join("node")),
        InitOptions {
            party: pid("cert-a"),
            name: "A".into(),
            kind: PartyKind::NationalCert,
            country: None,
            listen: "127.0.0.1:0".into(),
            endpoint: None,
        },
    )
    .await
    .unwrap();
    for p in ["cert-b", "cert-c"] {
        node.add_local_party(&pid(p), p, PartyKind::NationalCert, None, None)
            .await
            .unwrap();
    }
    for p in ["cert-a", "cert-b", "cert-c"] {
        node.create_user(
            &format!("analyst@{p}"),
            &pid(p),
            Role::Analyst,
            "correct horse battery",
        )
        .await
        .unwrap();
        node.create_user(
            &format!("viewer@{p}"),
            &pid(p),
            Role::Viewer,
            "correct horse battery",
        )
        .await
        .unwrap();
    }
    node
}

pub fn user(party: &str, role: Role) -> Viewer {
    Viewer::User {
        username: format!("{role}@{party}"),
        party: pid(party),
        role,
    }
}

pub fn request(from: &str, to: &str, tlp: Tlp, title: &str) -> NotifyRequest {
    let start = now();
    NotifyRequest {
        from: pid(from),
        to: vec![pid(to)],
        tlp,
        refs: vec![],
        notification: Notification {
            title: title.into(),
            summary: String::new(),
            category: Category::parse("information-gathering/scanner").unwrap(),
            sectors: vec![],
            observed: None,
            origin: Default::default(),
            targets: Default::default(),
            requested_actions: vec![],
            severity: Severity::Low,
            ack_by: start.plus_hours(24),
            reply_by: start.plus_hours(72),
            evidence: None,
        },
        attachments: vec![],
    }
}
