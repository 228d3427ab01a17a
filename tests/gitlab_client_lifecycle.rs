//! The token's life cycle through the client against the fake GitLab: rotation (new value, old one
//! revoked, expiry honoured and limited), self-revocation, and the header forms GitLab accepts.

mod support;

use gitlab_token::gitlab::ApiError;
use gitlab_token::token::Token;
use support::client::{alice, gitlab_with, trusting};
use support::fake_gitlab::MAX_LIFETIME_DAYS;
use support::{Pki, TokenRecord, days_from_today, new_secret};

#[tokio::test]
async fn rotation_replaces_the_token() {
    let pki = Pki::new();
    let (gitlab, client, old) =
        gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]).named("scanner"));
    let expires = days_from_today(30);
    let rotated = client.rotate_self(&old, &expires).await.expect("rotated");
    assert_eq!(rotated.info.expires_at.as_deref(), Some(expires.as_str()));
    assert_eq!(
        (rotated.info.name.as_str(), rotated.info.scopes.as_slice()),
        ("scanner", ["api".to_owned()].as_slice())
    );
    assert_ne!(rotated.token, old);
    assert!(
        gitlab
            .requests()
            .iter()
            .any(|r| r.method == "POST"
                && r.path.ends_with(&format!("/rotate?expires_at={expires}")))
    );

    let info = client
        .token_self(&rotated.token)
        .await
        .expect("the new token works");
    assert_eq!(info.id, rotated.info.id);
    assert_eq!(
        client.token_self(&old).await.unwrap_err(),
        ApiError::TokenRevoked
    );

    // Reusing the rotated token revokes its successor too (GitLab's reuse detection).
    assert_eq!(
        client.rotate_self(&old, &expires).await.unwrap_err(),
        ApiError::TokenRevoked
    );
    assert_eq!(
        client.token_self(&rotated.token).await.unwrap_err(),
        ApiError::TokenRevoked
    );
}

#[tokio::test]
async fn rotation_limits() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    let too_late = days_from_today(MAX_LIFETIME_DAYS + 1);
    let err = client.rotate_self(&token, &too_late).await.unwrap_err();
    let limit = days_from_today(MAX_LIFETIME_DAYS);
    assert_eq!(
        err,
        ApiError::BadRequest(format!(
            "400 Bad request - Expiration date must be before {limit}"
        ))
    );
    // A refused rotation leaves the token working.
    assert!(client.token_self(&token).await.is_ok());
    assert!(client.rotate_self(&token, &limit).await.is_ok());

    let reader = new_secret("reader");
    gitlab.add_token(&reader, TokenRecord::new(&alice(), &["read_api"]));
    let err = client
        .rotate_self(&Token::new(reader), &days_from_today(30))
        .await
        .unwrap_err();
    assert_eq!(err, ApiError::InsufficientScope("api self_rotate".into()));

    let self_rotating = new_secret("selfrot");
    gitlab.add_token(
        &self_rotating,
        TokenRecord::new(&alice(), &["read_api", "self_rotate"]),
    );
    assert!(
        client
            .rotate_self(&Token::new(self_rotating), &days_from_today(30))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn revoking_itself_ends_the_token() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api"]));
    client.revoke_self(&token).await.expect("revoked");
    assert_eq!(
        client.token_self(&token).await.unwrap_err(),
        ApiError::TokenRevoked
    );
    assert!(gitlab.token(token.expose()).is_some_and(|r| r.revoked));
    assert_eq!(
        client.revoke_self(&token).await.unwrap_err(),
        ApiError::TokenRevoked
    );
}

#[tokio::test]
async fn fake_accepts_private_token_header_and_refuses_no_token() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api"]));
    let anonymous = client
        .get_unauthenticated("/version")
        .await
        .expect("answer");
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(anonymous.headers()["content-type"], "application/json");
    assert_eq!(
        anonymous.text().await.unwrap(),
        r#"{"message":"401 Unauthorized"}"#
    );

    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(trusting(&pki).client_config(&[b"http/1.1"]).unwrap())
        .build()
        .unwrap();
    let answer = http
        .get(format!("{}/api/v4/user", gitlab.url()))
        .header("PRIVATE-TOKEN", token.expose())
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status().as_u16(), 200);
    let log = gitlab.requests();
    assert_eq!(
        log.iter().map(|r| r.authorized).collect::<Vec<_>>(),
        [false, true]
    );
}
