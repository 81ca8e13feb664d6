//! Passwords, sessions and API tokens.

use super::fixtures::*;
use countersign_core::access::Role;
use countersign_node::NodeErrorKind;
use countersign_node::access::Viewer;

#[tokio::test]
async fn login_sessions_and_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    let err = node
        .login("analyst@cert-a", "wrong password!")
        .await
        .unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::Unauthenticated);
    let err = node
        .login("nobody@cert-a", "correct horse battery")
        .await
        .unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::Unauthenticated);

    let (secret, user) = node
        .login("analyst@cert-a", "correct horse battery")
        .await
        .unwrap();
    assert_eq!(user.role, Role::Analyst);
    let viewer = node.authenticate(&secret).await.unwrap();
    assert!(matches!(
        viewer,
        Viewer::User {
            role: Role::Analyst,
            ..
        }
    ));
    node.logout(&secret).await.unwrap();
    assert_eq!(
        node.authenticate(&secret).await.unwrap_err().kind,
        NodeErrorKind::Unauthenticated
    );

    let token = node.create_api_token("viewer@cert-b", "ci").await.unwrap();
    assert!(token.starts_with("cs_"));
    assert!(matches!(
        node.authenticate(&token).await.unwrap(),
        Viewer::User {
            role: Role::Viewer,
            ..
        }
    ));
    assert!(node.authenticate("cs_0000").await.is_err());
    // Neither secret is stored: the database file does not contain them.
    let db = std::fs::read(tmp.path().join("node/countersign.db")).unwrap();
    let wal = std::fs::read(tmp.path().join("node/countersign.db-wal")).unwrap_or_default();
    for haystack in [&db, &wal] {
        assert!(
            !haystack.windows(token.len()).any(|w| w == token.as_bytes()),
            "token stored in clear"
        );
        assert!(
            !haystack.windows(20).any(|w| w == b"correct horse batter"),
            "password stored in clear"
        );
    }
}

#[tokio::test]
async fn weak_or_misplaced_users_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let node = node(&tmp).await;
    assert!(
        node.create_user("x@cert-a", &pid("cert-a"), Role::Admin, "short")
            .await
            .is_err()
    );
    assert!(
        node.create_user(
            "bad name",
            &pid("cert-a"),
            Role::Admin,
            "long enough password"
        )
        .await
        .is_err()
    );
    assert!(
        node.create_user(
            "y@nowhere",
            &pid("nowhere"),
            Role::Admin,
            "long enough password"
        )
        .await
        .is_err()
    );
    let err = node
        .create_user(
            "analyst@cert-a",
            &pid("cert-a"),
            Role::Admin,
            "long enough password",
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, NodeErrorKind::Duplicate);
}
