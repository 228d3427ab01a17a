//! `gitlab::Client` and `validation::validate` against the fake GitLab over real TLS.

mod support;

use std::time::Duration;

use gitlab_token::gitlab::access::Role;
use gitlab_token::gitlab::{ApiError, Client};
use gitlab_token::instance::Instance;
use gitlab_token::problem::ProblemKind;
use gitlab_token::profile::Profile;
use gitlab_token::tls::Trust;
use gitlab_token::token::Token;
use gitlab_token::validation::{self, Requirements, Validation};
use support::client::{alice, client, gitlab_with, trusting};
use support::fake_gitlab::{VERSION, today};
use support::{FakeGitLab, Mode, Pki, TokenRecord, days_from_today, new_secret, servers};

fn needs(profile: &str, target: Option<&str>) -> Requirements {
    let profile = Profile::by_id(profile).expect("built-in profile");
    Requirements {
        scopes: profile.scope_names(),
        permissions: profile.permission_needs(),
        role: profile.role,
        target: target.map(str::to_owned),
        service_account: false,
    }
}

async fn validate(client: &Client, token: &Token, needs: &Requirements) -> Validation {
    validation::validate(client, token, needs, today()).await
}

fn kinds(v: &Validation) -> Vec<ProblemKind> {
    v.problems.iter().map(|p| p.kind()).collect()
}

/// Every problem is of `kind` (the token endpoint and /user may both report it), and there is one.
fn assert_only(v: &Validation, kind: ProblemKind) {
    let kinds = kinds(v);
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| *k == kind),
        "expected only {kind:?}, got {kinds:?}"
    );
}

#[tokio::test]
async fn valid_token_reads_record_user_and_version() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(
        &pki,
        TokenRecord::new(&alice(), &["api", "read_user"]).named("reviewer"),
    );

    let info = client.token_self(&token).await.expect("token record");
    assert_eq!(info.name, "reviewer");
    assert_eq!(info.scopes, ["api", "read_user"]);
    assert_eq!(info.user_id, 7);
    assert!(info.active && !info.revoked);
    assert_eq!(
        info.expires_at.as_deref(),
        Some(days_from_today(90).as_str())
    );
    assert_eq!(info.days_left(today()), Some(90));

    let user = client.user(&token).await.expect("user");
    assert_eq!(
        (user.id, user.username.as_str(), user.bot),
        (7, "alice", false)
    );
    let metadata = client.metadata(&token).await.expect("metadata");
    assert_eq!(
        (metadata.version.as_str(), metadata.enterprise),
        (VERSION, Some(true))
    );

    let v = validate(&client, &token, &needs("mr-reviewer", None)).await;
    assert!(v.ok(), "{:?}", v.problems);
    assert!(
        v.problems.is_empty() && v.missing_scopes.is_empty(),
        "{:?}",
        v.problems
    );
    assert_eq!(v.days_left, Some(90));

    let log = gitlab.requests();
    assert!(
        log.iter()
            .all(|r| r.authorized && r.path.starts_with("/api/v4/")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|r| r.path == "/api/v4/personal_access_tokens/self")
    );
}

#[tokio::test]
async fn expired_revoked_and_unknown_tokens_are_told_apart() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let client = client(&gitlab.url(), &trusting(&pki));
    let expired = new_secret("expired");
    gitlab.add_token(
        &expired,
        TokenRecord::new(&alice(), &["api"]).expires_in(-3),
    );
    let revoked = new_secret("revoked");
    gitlab.add_token(&revoked, TokenRecord::new(&alice(), &["api"]).revoked());
    // Expiry is at midnight UTC starting on the date: a token "expiring today" no longer works.
    let ends_today = new_secret("today");
    gitlab.add_token(
        &ends_today,
        TokenRecord::new(&alice(), &["api"]).expires_in(0),
    );
    let unknown = Token::new(new_secret("unknown"));

    let cases = [
        (
            Token::new(expired),
            ApiError::TokenExpired,
            ProblemKind::TokenExpired,
        ),
        (
            Token::new(ends_today),
            ApiError::TokenExpired,
            ProblemKind::TokenExpired,
        ),
        (
            Token::new(revoked),
            ApiError::TokenRevoked,
            ProblemKind::TokenRevoked,
        ),
        (
            unknown,
            ApiError::InvalidToken("401 Unauthorized".into()),
            ProblemKind::InvalidToken,
        ),
    ];
    for (token, error, kind) in cases {
        assert_eq!(client.token_self(&token).await.unwrap_err(), error);
        assert_eq!(client.user(&token).await.unwrap_err(), error);
        let v = validate(&client, &token, &needs("mr-reviewer", None)).await;
        assert!(!v.ok() && !v.unreachable() && v.token.is_none() && v.user.is_none());
        assert_only(&v, kind);
    }
}

#[tokio::test]
async fn missing_scopes_are_listed() {
    let pki = Pki::new();
    let (_gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api"]));
    let v = validate(&client, &token, &needs("mr-reviewer", None)).await;
    assert!(!v.ok());
    assert_eq!(v.missing_scopes, ["api", "read_user"]);
    assert_eq!(kinds(&v), [ProblemKind::MissingScopes]);
    // read_api reads /user.
    assert_eq!(v.user.as_ref().map(|u| u.username.as_str()), Some("alice"));
}

#[tokio::test]
async fn a_scope_too_narrow_for_an_endpoint_is_insufficient_scope() {
    let pki = Pki::new();
    let (_gitlab, client, token) =
        gitlab_with(&pki, TokenRecord::new(&alice(), &["read_repository"]));
    assert_eq!(
        client.user(&token).await.unwrap_err(),
        ApiError::InsufficientScope("api read_api read_user".into())
    );
    assert_eq!(
        client.user(&token).await.unwrap_err().kind(),
        ProblemKind::InsufficientScope
    );
    // Any scope may read the token's own record.
    assert_eq!(
        client.token_self(&token).await.expect("record").scopes,
        ["read_repository"]
    );
    let v = validate(&client, &token, &needs("mr-reviewer", None)).await;
    assert_eq!(v.missing_scopes, ["api", "read_api", "read_user"]);
    assert!(v.user.is_none() && !v.ok());
}

#[tokio::test]
async fn rate_limit_server_error_and_sign_in_page() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));

    gitlab.set_mode(Mode::RateLimited);
    let err = client.token_self(&token).await.unwrap_err();
    assert_eq!(
        err,
        ApiError::RateLimited {
            retry_after_secs: Some(30)
        }
    );
    assert_eq!(err.kind(), ProblemKind::RateLimited);

    gitlab.set_mode(Mode::ServerError);
    assert_eq!(
        client.token_self(&token).await.unwrap_err(),
        ApiError::Server { status: 500 }
    );
    assert_only(
        &validate(&client, &token, &needs("mr-reviewer", None)).await,
        ProblemKind::ServerError,
    );

    gitlab.set_mode(Mode::LoginPage);
    let err = client.token_self(&token).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::NotJson { status: 200, content_type, looks_like_login: true } if content_type.starts_with("text/html")),
        "{err:?}"
    );
    assert_eq!(err.kind(), ProblemKind::LoginPage);
    let v = validate(&client, &token, &needs("mr-reviewer", None)).await;
    assert!(v.unreachable());
    assert_eq!(kinds(&v), [ProblemKind::LoginPage]);
}

#[tokio::test]
async fn per_token_modes_leave_other_tokens_alone() {
    let pki = Pki::new();
    let (gitlab, client, limited) = gitlab_with(
        &pki,
        TokenRecord::new(&alice(), &["api"]).with_mode(Mode::RateLimited),
    );
    let fine = new_secret("fine");
    gitlab.add_token(&fine, TokenRecord::new(&alice(), &["api"]));
    let v = validate(&client, &limited, &needs("mr-tracker", None)).await;
    assert_only(&v, ProblemKind::RateLimited);
    assert!(
        validate(&client, &Token::new(fine), &needs("mr-tracker", None))
            .await
            .ok()
    );
}

#[tokio::test]
async fn redirect_to_another_host_is_not_followed() {
    let pki = Pki::new();
    let elsewhere = FakeGitLab::start(&pki.valid());
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    elsewhere.add_token(token.expose(), TokenRecord::new(&alice(), &["api"]));
    gitlab.set_mode(Mode::RedirectTo(elsewhere.url_ip()));

    let err = client.token_self(&token).await.unwrap_err();
    let ApiError::Redirect {
        location,
        other_host,
    } = &err
    else {
        panic!("expected a redirect, got {err:?}")
    };
    assert!(*other_host);
    assert_eq!(
        *location,
        format!("{}/api/v4/personal_access_tokens/self", elsewhere.url_ip())
    );
    assert_eq!(err.kind(), ProblemKind::Redirect);

    let v = validate(&client, &token, &needs("mr-reviewer", None)).await;
    assert_eq!(kinds(&v), [ProblemKind::Redirect]);
    // The token reached only the host it was meant for.
    assert!(gitlab.requests().iter().all(|r| r.authorized));
    let leaked = elsewhere.requests();
    assert!(
        leaked.iter().all(|r| !r.authorized),
        "the other host got the token: {leaked:?}"
    );
    assert!(leaked.is_empty(), "the redirect was followed: {leaked:?}");
}

#[tokio::test]
async fn tls_failures_are_classified() {
    let pki = Pki::new();
    let token = Token::new(new_secret("tls"));
    let good = FakeGitLab::start(&pki.valid());
    let err = client(&good.url(), &Trust::with_ca_file(None))
        .token_self(&token)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Tls {
                kind: ProblemKind::TlsUnknownIssuer,
                ..
            }
        ),
        "{err:?}"
    );

    let expired = FakeGitLab::start(&pki.expired());
    let err = client(&expired.url(), &trusting(&pki))
        .token_self(&token)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Tls {
                kind: ProblemKind::TlsExpired,
                ..
            }
        ),
        "{err:?}"
    );

    let wrong = FakeGitLab::start(&pki.wrong_host());
    let err = client(&wrong.url(), &trusting(&pki))
        .token_self(&token)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Tls {
                kind: ProblemKind::TlsHostnameMismatch,
                ..
            }
        ),
        "{err:?}"
    );

    // No request got past any of the handshakes.
    for server in [&good, &expired, &wrong] {
        assert!(server.requests().is_empty());
    }
    // The same trust works once the CA is given, by name and by address.
    let secret = new_secret("ok");
    good.add_token(&secret, TokenRecord::new(&alice(), &["api"]));
    for url in [good.url(), good.url_ip()] {
        assert!(
            client(&url, &trusting(&pki))
                .token_self(&Token::new(secret.clone()))
                .await
                .is_ok(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn unreachable_hosts_are_classified() {
    let token = Token::new(new_secret("net"));
    let pki = Pki::new();
    let refused = format!("https://127.0.0.1:{}", servers::closed_port());
    let err = client(&refused, &trusting(&pki))
        .token_self(&token)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProblemKind::ConnectionRefused, "{err:?}");

    let err = client("https://nonexistent.invalid", &trusting(&pki))
        .token_self(&token)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProblemKind::DnsFailed, "{err:?}");

    let silent = servers::silent();
    let instance = Instance::parse(&silent.https_url()).unwrap();
    let client = Client::new(&instance, &trusting(&pki), Duration::from_secs(1)).unwrap();
    let err = client.token_self(&token).await.unwrap_err();
    assert_eq!(err, ApiError::Timeout(1));
}

#[tokio::test]
async fn relative_url_root_is_honoured() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start_under(&pki.valid(), "/gitlab");
    let secret = new_secret("root");
    gitlab.add_token(&secret, TokenRecord::new(&alice(), &["api", "read_user"]));
    let token = Token::new(secret);
    let v = validate(
        &client(&gitlab.url(), &trusting(&pki)),
        &token,
        &needs("mr-reviewer", None),
    )
    .await;
    assert!(v.ok(), "{:?}", v.problems);
    assert!(
        gitlab
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/gitlab/api/v4/"))
    );

    // Without the root, the host answers GitLab's HTML 404, not the API.
    let bare = format!("https://localhost:{}", gitlab.port());
    let err = client(&bare, &trusting(&pki))
        .token_self(&token)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProblemKind::NotGitlab, "{err:?}");
}

#[tokio::test]
async fn role_on_a_group_or_project() {
    let pki = Pki::new();
    let (gitlab, client, token) =
        gitlab_with(&pki, TokenRecord::new(&alice(), &["api", "read_user"]));
    gitlab.group_member("acme", 7, Role::Maintainer.access_level());
    gitlab.group_member("acme/platform", 7, Role::Reporter.access_level());
    gitlab.add_project("acme/platform/tools");
    gitlab.group_member("other", 7, Role::Reporter.access_level());
    gitlab.add_group("strangers");

    // A project inherits the highest role from its ancestor groups.
    let member = client
        .member(&token, "acme/platform/tools", 7)
        .await
        .expect("member");
    assert_eq!(member.access_level, 40);
    let paths: Vec<String> = gitlab.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v4/groups/acme%2Fplatform%2Ftools/members/all/7",
            "/api/v4/projects/acme%2Fplatform%2Ftools/members/all/7"
        ]
    );

    let v = validate(
        &client,
        &token,
        &needs("mr-reviewer", Some("/acme/platform/tools/")),
    )
    .await;
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.role, Some(Role::Maintainer));

    let v = validate(&client, &token, &needs("mr-reviewer", Some("other"))).await;
    assert_eq!(
        (v.role, kinds(&v)),
        (Some(Role::Reporter), vec![ProblemKind::RoleTooLow])
    );

    for target in ["strangers", "no/such/thing"] {
        let v = validate(&client, &token, &needs("mr-reviewer", Some(target))).await;
        assert_eq!(
            (v.role, kinds(&v)),
            (None, vec![ProblemKind::NotFound]),
            "{target}"
        );
    }
}

#[tokio::test]
async fn validation_requests_run_concurrently() {
    const DELAY: Duration = Duration::from_millis(300);
    let pki = Pki::new();
    let (gitlab, client, token) =
        gitlab_with(&pki, TokenRecord::new(&alice(), &["api", "read_user"]));
    gitlab.group_member("acme", 7, 40);
    gitlab.set_delay(DELAY);
    let v = validate(&client, &token, &needs("mr-reviewer", Some("acme"))).await;
    assert!(v.ok(), "{:?}", v.problems);

    let log = gitlab.requests();
    let find = |suffix: &str| {
        log.iter()
            .find(|r| r.path.ends_with(suffix))
            .unwrap_or_else(|| panic!("no request for {suffix}: {log:?}"))
    };
    let independent = [
        find("/personal_access_tokens/self"),
        find("/user"),
        find("/metadata"),
    ];
    // Each of the three began before any of the others had been answered.
    for a in &independent {
        for b in &independent {
            assert!(
                a.started < b.finished,
                "{} started after {} was answered",
                a.path,
                b.path
            );
        }
    }
    // The role check needs the user id, so it follows /user.
    let member = find("/groups/acme/members/all/7");
    assert!(member.started >= independent[1].finished);
}
