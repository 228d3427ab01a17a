//! The API client (shared by the CLI and the wizard) against answers that lie: a revocation that
//! did not happen, error messages carrying escape sequences, a redirect with credentials in it,
//! and a malformed token that must never leave the machine.

mod support;

use gitlab_token::gitlab::ApiError;
use gitlab_token::problem::ProblemKind;
use gitlab_token::token::Token;
use support::client::{alice, gitlab_with};
use support::{Mode, Pki, TokenRecord};

#[tokio::test]
async fn revoke_self_is_only_ok_when_gitlab_confirms_it() {
    let pki = Pki::new();
    for (mode, why) in [
        (Mode::catch_all(), "204 No Content"),
        (Mode::json(202, "{}"), "204 No Content"),
        (Mode::SwallowDeletes, "still works"),
    ] {
        let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
        gitlab.set_mode(mode.clone());
        let err = client.revoke_self(&token).await.expect_err("not confirmed");
        assert!(
            matches!(&err, ApiError::RevokeUnconfirmed(m) if m.contains(why)),
            "{mode:?}: {err:?}"
        );
        assert_eq!(err.kind(), ProblemKind::RevokeUnconfirmed);
        gitlab.set_mode(Mode::Normal);
        client
            .token_self(&token)
            .await
            .expect("the token still works");
    }
    // GitLab itself: 204, then 401 for the token.
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api"]));
    client
        .revoke_self(&token)
        .await
        .expect("revoked and confirmed");
    let confirm = gitlab.requests();
    assert_eq!(
        confirm
            .iter()
            .map(|r| r.method.as_str())
            .collect::<Vec<_>>(),
        ["DELETE", "GET"],
        "one DELETE, then one GET to confirm"
    );
}

#[tokio::test]
async fn server_messages_lose_their_escape_sequences() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    let evil = format!(
        r#"{{"message":"403 Forbidden \u001b]0;owned\u0007\r\u001b[2KAll good{}"}}"#,
        "!".repeat(5000)
    );
    gitlab.set_mode(Mode::json(403, &evil));
    match client.user(&token).await {
        Err(ApiError::Forbidden(m)) => {
            assert!(!m.chars().any(char::is_control), "{m:?}");
            assert!(m.starts_with("403 Forbidden  All good"), "{m:?}");
            assert!(m.chars().count() <= 513, "capped: {}", m.len());
        }
        other => panic!("{other:?}"),
    }
    gitlab.set_mode(Mode::RedirectTo(
        "https://user:s3cret@elsewhere.example".into(),
    ));
    match client.user(&token).await {
        Err(ApiError::Redirect {
            location,
            other_host,
        }) => {
            assert!(other_host);
            assert!(!location.contains("s3cret"), "{location}");
            assert!(
                location.starts_with("https://***@elsewhere.example/"),
                "{location}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_token_is_never_sent() {
    let pki = Pki::new();
    let (gitlab, client, _) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    for raw in [
        "glpat-abc def",
        "glpat-abc\tdef",
        "glpat-é",
        "glpat-\u{7f}x",
    ] {
        let err = client
            .token_self(&Token::new(raw.into()))
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), ProblemKind::TokenMalformed, "{raw:?}: {err:?}");
    }
    assert!(gitlab.requests().is_empty(), "nothing reached the server");
}
