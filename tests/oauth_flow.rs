//! `gitlab::oauth` against the fake GitLab's OAuth provider over real TLS: the device flow
//! (pending, approved, slow_down, denied, expired, unknown app, old GitLab), refresh, token
//! info and revocation.

mod support;

use std::time::Duration;

use gitlab_token::gitlab::oauth::{self, DevicePoll, OAuthError};
use gitlab_token::gitlab::{ApiError, Client};
use gitlab_token::token::Token;
use support::client::{client, trusting};
use support::{FakeGitLab, Pki};

const APP: &str = "2f0c5a6b7e1d4c3b";

fn gitlab() -> (Pki, FakeGitLab, Client) {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    gitlab.oauth(|o| o.add_app(APP, &["api", "read_api", "read_user", "read_repository"]));
    let client = client(&gitlab.url(), &trusting(&pki));
    (pki, gitlab, client)
}

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Starts a device flow with fast polling (20 ms) and a 50 ms slow_down step.
async fn start(client: &Client) -> Result<oauth::DeviceCode, OAuthError> {
    oauth::start_device(client, APP, &scopes(&["read_api"]))
        .await
        .map(|c| c.with_test_timing(Duration::from_millis(20), Duration::from_millis(50)))
}

async fn wait(
    client: &Client,
    code: &oauth::DeviceCode,
) -> (Result<oauth::OAuthPair, OAuthError>, Vec<DevicePoll>) {
    let mut events = Vec::new();
    let result = oauth::wait_for_approval(client, APP, code, &mut |e| events.push(e)).await;
    (result, events)
}

#[tokio::test]
async fn pending_then_approved_gives_a_pair_that_works_on_the_api() {
    let (_pki, gitlab, client) = gitlab();
    gitlab.oauth(|o| o.approve_on_poll = 3);
    let code = start(&client).await.expect("device code");
    assert_eq!(code.user_code.len(), 8);
    assert_eq!(
        code.verification_uri,
        format!("{}/oauth/device", gitlab.url())
    );
    assert_eq!(
        code.verification_uri_complete.as_deref(),
        Some(format!("{}/oauth/device?user_code={}", gitlab.url(), code.user_code).as_str())
    );
    assert_eq!(code.expires_in, Duration::from_secs(300));
    assert!(!format!("{code:?}").contains("dc1"), "{code:?}");
    let (pair, events) = wait(&client, &code).await;
    let pair = pair.expect("approved");
    assert_eq!(gitlab.oauth(|o| o.polls), 3);
    // One event before the first wait, one per pending answer (two), none after approval.
    assert_eq!(
        events,
        vec![
            DevicePoll::Pending {
                next_in: Duration::from_millis(20)
            };
            3
        ]
    );
    assert_eq!(pair.scopes, scopes(&["read_api"]));
    assert_eq!(pair.access.len(), 64);
    let left = pair.time_left(time::OffsetDateTime::now_utc());
    assert!(left > time::Duration::minutes(119) && left <= time::Duration::minutes(120));
    // The access token authenticates the API as Bearer, with its scopes.
    let user = client.user(&pair.access).await.expect("GET /user");
    assert_eq!(user.username, "ada");
    let info = oauth::token_info(&client, &pair.access)
        .await
        .expect("info");
    assert_eq!(info.resource_owner_id, 7);
    assert_eq!(info.scope, scopes(&["read_api"]));
    assert_eq!(info.application.map(|a| a.uid).as_deref(), Some(APP));
    assert!(info.expires_in.is_some_and(|s| s > 7000));
}

#[tokio::test]
async fn slow_down_widens_the_interval_by_the_step() {
    let (_pki, gitlab, client) = gitlab();
    gitlab.oauth(|o| {
        o.approve_on_poll = 4;
        o.slow_down_on = vec![1, 2];
    });
    let code = start(&client).await.expect("device code");
    let (pair, events) = wait(&client, &code).await;
    pair.expect("approved after the slow downs");
    assert_eq!(
        events[1..3],
        [
            DevicePoll::SlowDown {
                interval: Duration::from_millis(70)
            },
            DevicePoll::SlowDown {
                interval: Duration::from_millis(120)
            },
        ]
    );
    // The polls after the second slow_down really were 120 ms apart.
    let times = gitlab.oauth(|o| o.poll_times.clone());
    assert_eq!(times.len(), 4);
    let gap = times[3] - times[2];
    assert!(gap >= Duration::from_millis(115), "{gap:?}");
}

#[tokio::test]
async fn denied_and_expired_codes_end_with_their_error() {
    let (_pki, gitlab, client) = gitlab();
    gitlab.oauth(|o| o.deny = true);
    let code = start(&client).await.expect("device code");
    assert_eq!(wait(&client, &code).await.0, Err(OAuthError::AccessDenied));

    // GitLab says expired_token.
    gitlab.oauth(|o| {
        o.deny = false;
        o.approve_on_poll = 1000;
        o.code_lifetime = Duration::from_millis(100);
    });
    let code = start(&client).await.expect("device code");
    let code = code.with_test_timing(Duration::from_millis(60), Duration::ZERO);
    assert_eq!(wait(&client, &code).await.0, Err(OAuthError::ExpiredToken));

    // The code's own deadline: the client stops polling even if GitLab keeps saying pending.
    gitlab.oauth(|o| o.code_lifetime = Duration::from_secs(300));
    let mut code = start(&client).await.expect("device code");
    code.expires_in = Duration::from_millis(150);
    let before = gitlab.oauth(|o| o.polls);
    let started = std::time::Instant::now();
    assert_eq!(wait(&client, &code).await.0, Err(OAuthError::ExpiredToken));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(gitlab.oauth(|o| o.polls) - before <= 8);
}

#[tokio::test]
async fn unknown_app_and_old_gitlab_are_told_apart() {
    let (_pki, gitlab, client) = gitlab();
    let err = oauth::start_device(&client, "no-such-app", &scopes(&["read_api"]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::InvalidClient(ref d) if d.contains("unknown client")),
        "{err:?}"
    );
    let err = oauth::start_device(&client, APP, &scopes(&["sudo"]))
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidScope(_)), "{err:?}");
    gitlab.oauth(|o| o.device_endpoint_missing = true);
    let err = oauth::start_device(&client, APP, &scopes(&["read_api"]))
        .await
        .unwrap_err();
    assert_eq!(err, OAuthError::NotSupported);
}

#[tokio::test]
async fn refresh_gives_a_new_pair_and_kills_the_old_one() {
    let (_pki, gitlab, client) = gitlab();
    let old = gitlab.oauth(|o| o.issue(APP, &scopes(&["read_api"]), Duration::from_secs(7200)));
    let pair = oauth::refresh(&client, APP, &Token::new(old.refresh.clone()))
        .await
        .expect("refreshed");
    assert_ne!(pair.access.expose(), old.access);
    assert_ne!(pair.refresh.expose(), old.refresh);
    assert_eq!(pair.scopes, scopes(&["read_api"]));
    client.user(&pair.access).await.expect("new access works");
    assert_eq!(
        client
            .user(&Token::new(old.access.clone()))
            .await
            .unwrap_err(),
        ApiError::TokenRevoked
    );
    // The old refresh token is spent: invalid_grant.
    let again = oauth::refresh(&client, APP, &Token::new(old.refresh))
        .await
        .unwrap_err();
    assert!(matches!(again, OAuthError::InvalidGrant(_)), "{again:?}");
    assert_eq!(gitlab.oauth(|o| o.refreshes), 1);
}

#[tokio::test]
async fn expired_access_token_reads_as_expired_and_revoke_kills_both() {
    let (_pki, gitlab, client) = gitlab();
    let short = gitlab.oauth(|o| o.issue(APP, &scopes(&["read_api"]), Duration::ZERO));
    let err = oauth::token_info(&client, &Token::new(short.access))
        .await
        .unwrap_err();
    assert_eq!(err, OAuthError::Api(ApiError::TokenExpired));

    let grant = gitlab.oauth(|o| o.issue(APP, &scopes(&["read_api"]), Duration::from_secs(7200)));
    oauth::revoke(&client, APP, &Token::new(grant.refresh.clone()))
        .await
        .expect("revoked");
    let err = oauth::token_info(&client, &Token::new(grant.access))
        .await
        .unwrap_err();
    assert_eq!(err, OAuthError::Api(ApiError::TokenRevoked));
    let err = oauth::refresh(&client, APP, &Token::new(grant.refresh))
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidGrant(_)), "{err:?}");
}

#[tokio::test]
async fn cancel_is_dropping_the_future() {
    let (_pki, gitlab, client) = gitlab();
    gitlab.oauth(|o| o.approve_on_poll = 1000);
    let code = start(&client).await.expect("device code");
    let waited = tokio::time::timeout(Duration::from_millis(120), wait(&client, &code)).await;
    assert!(waited.is_err(), "still pending");
    let polls = gitlab.oauth(|o| o.polls);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(gitlab.oauth(|o| o.polls), polls, "no poll after the drop");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_never_followed_with_the_refresh_token() {
    let (pki, gitlab, client) = gitlab();
    let elsewhere = FakeGitLab::start(&pki.valid());
    let grant = gitlab.oauth(|o| o.issue(APP, &scopes(&["read_api"]), Duration::from_secs(7200)));
    // 127.0.0.1 is another host name than localhost: another origin.
    gitlab.set_mode(support::Mode::RedirectTo(elsewhere.url_ip()));
    let err = oauth::refresh(&client, APP, &Token::new(grant.refresh.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            OAuthError::Api(ApiError::Redirect {
                other_host: true,
                ..
            })
        ),
        "{err:?}"
    );
    let err = oauth::token_info(&client, &Token::new(grant.access))
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::Api(ApiError::Redirect { .. })),
        "{err:?}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "nothing reached the other host"
    );
    assert!(!err.to_string().contains(&grant.refresh));
}

#[tokio::test]
async fn a_verification_page_on_another_site_is_never_shown_as_the_place_for_the_code() {
    let (_pki, gitlab, client) = gitlab();
    gitlab.oauth(|o| o.foreign_verification = Some("https://gitlab-login.example.net".into()));
    let code = start(&client).await.expect("device code");
    assert_eq!(
        code.verification_uri,
        format!("{}/oauth/device", gitlab.url())
    );
    assert_eq!(
        code.verification_uri_complete, None,
        "it carries the other site"
    );
    assert!(
        code.foreign_page
            .as_deref()
            .is_some_and(|p| p.starts_with("https://gitlab-login.example.net/")),
        "{code:?}"
    );
}

#[tokio::test]
async fn an_access_token_lifetime_beyond_gitlabs_two_hours_is_not_believed() {
    let (_pki, gitlab, client) = gitlab();
    // 10^12 seconds claimed; GitLab issues 7200 (config/initializers/doorkeeper.rb).
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(1_000_000_000_000));
    let old = gitlab.oauth(|o| o.issue(APP, &scopes(&["read_api"]), Duration::from_secs(60)));
    let pair = oauth::refresh(&client, APP, &Token::new(old.refresh))
        .await
        .expect("refreshed");
    let left = pair.time_left(time::OffsetDateTime::now_utc());
    assert!(left <= time::Duration::seconds(7200), "{left:?}");
    assert!(left > time::Duration::seconds(7100), "{left:?}");
}
