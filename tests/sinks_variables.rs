//! The CI/CD variable calls (`gitlab::variables`) against the fake GitLab over real TLS: a missing
//! variable versus a missing project, flags kept on update, masked on create, the roles (Maintainer
//! on a project, Owner on a group), the `api` scope for writes, several variables sharing a key
//! (409 without `filter[environment_scope]`), and GitLab's refusal of a short masked value.

mod support;

use gitlab_token::gitlab::ApiError;
use gitlab_token::gitlab::variables::{Owner, VariableRef};
use gitlab_token::token::Token;
use support::client::{alice, gitlab_with};
use support::fake_variables::FakeVariable;
use support::{Pki, TokenRecord};

const NEW: &str = "glpat-newvalue0123456789abcd";

fn at<'a>(owner: Owner, path: &'a str, key: &'a str, scope: Option<&'a str>) -> VariableRef<'a> {
    VariableRef {
        owner,
        path,
        key,
        environment_scope: scope,
    }
}

#[tokio::test]
async fn a_missing_variable_is_none_and_a_missing_project_is_an_error() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    gitlab.project_member("team/app", alice().id, 40);
    let found = client
        .variable(&token, &at(Owner::Project, "team/app", "NOPE", None))
        .await;
    assert!(matches!(found, Ok(None)), "{found:?}");
    let err = client
        .variable(&token, &at(Owner::Project, "team/other", "NOPE", None))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ApiError::Http {
            status: 404,
            message: "404 Project Not Found".into()
        }
    );
    let err = client
        .variable(&token, &at(Owner::Group, "nogroup", "NOPE", None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Http { status: 404, ref message } if message == "404 Group Not Found"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_update_keeps_the_flags_and_a_new_variable_is_masked() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    gitlab.project_member("team/app", alice().id, 40);
    gitlab.set_variable(
        true,
        "team/app",
        FakeVariable::new("DEPLOY", "old-value-1234")
            .masked()
            .protected(),
    );
    let place = at(Owner::Project, "team/app", "DEPLOY", None);
    let was = client.variable(&token, &place).await.unwrap().unwrap();
    assert!(was.masked && was.protected);
    assert_eq!(was.value(), Some("old-value-1234"));
    let now = client
        .update_variable(&token, &place, &was, &Token::new(NEW.into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.value(), Some(NEW));
    let stored = &gitlab.variables(true, "team/app")[0];
    assert_eq!(stored.value, NEW);
    assert!(stored.masked && stored.protected && stored.environment_scope == "*");
    // The Debug form never shows the value.
    assert!(!format!("{now:?}").contains(NEW));

    let created = client
        .create_variable(
            &token,
            &at(Owner::Project, "team/app", "FRESH", Some("production")),
            &Token::new(NEW.into()),
        )
        .await
        .unwrap();
    assert!(created.masked && !created.protected);
    assert_eq!(created.environment_scope.as_deref(), Some("production"));
    let again = client
        .create_variable(
            &token,
            &at(Owner::Project, "team/app", "FRESH", Some("production")),
            &Token::new(NEW.into()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(again, ApiError::BadRequest(ref m) if m.contains("has already been taken")),
        "{again:?}"
    );
}

#[tokio::test]
async fn writing_needs_maintainer_on_a_project_owner_on_a_group_and_the_api_scope() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    gitlab.project_member("team/app", alice().id, 30);
    gitlab.group_member("ops", alice().id, 40);
    let err = client
        .variable(&token, &at(Owner::Project, "team/app", "X", None))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
    let message = gitlab_token::strings::sinks::variable_failed(
        &at(Owner::Project, "team/app", "X", None),
        "gitlab.example.com",
        &err,
    );
    assert!(message.contains("Maintainer"), "{message}");
    let err = client
        .create_variable(
            &token,
            &at(Owner::Group, "ops", "X", None),
            &Token::new(NEW.into()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(_)),
        "a group needs Owner: {err:?}"
    );
    let message = gitlab_token::strings::sinks::variable_failed(
        &at(Owner::Group, "ops", "X", None),
        "gitlab.example.com",
        &err,
    );
    assert!(message.contains("Owner"), "{message}");

    let reader = support::new_secret("reader");
    gitlab.add_token(&reader, TokenRecord::new(&alice(), &["read_api"]));
    let reader = Token::new(reader);
    gitlab.group_member("ops", alice().id, 50);
    let read = client
        .variable(&reader, &at(Owner::Group, "ops", "X", None))
        .await;
    assert!(matches!(read, Ok(None)), "read_api may read: {read:?}");
    let err = client
        .create_variable(
            &reader,
            &at(Owner::Group, "ops", "X", None),
            &Token::new(NEW.into()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::InsufficientScope(_)), "{err:?}");
}

#[tokio::test]
async fn several_variables_with_one_key_need_the_environment_scope() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    gitlab.project_member("team/app", alice().id, 40);
    for scope in ["production", "staging/*"] {
        gitlab.set_variable(
            true,
            "team/app",
            FakeVariable::new("DEPLOY", &format!("value-{scope}")).scoped(scope),
        );
    }
    let err = client
        .variable(&token, &at(Owner::Project, "team/app", "DEPLOY", None))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Http { status: 409, .. }), "{err:?}");
    let staging = client
        .variable(
            &token,
            &at(Owner::Project, "team/app", "DEPLOY", Some("staging/*")),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(staging.value(), Some("value-staging/*"));
    // A masked variable refuses a value GitLab cannot mask.
    let short = client
        .update_variable(
            &token,
            &at(Owner::Project, "team/app", "DEPLOY", Some("staging/*")),
            &FakeVariableFlags::masked(&staging),
            &Token::new("short".into()),
        )
        .await
        .unwrap_err();
    assert!(matches!(short, ApiError::BadRequest(_)), "{short:?}");
}

/// The variable as read, with `masked` forced on (to exercise GitLab's masking rule).
struct FakeVariableFlags;

impl FakeVariableFlags {
    fn masked(
        v: &gitlab_token::gitlab::variables::Variable,
    ) -> gitlab_token::gitlab::variables::Variable {
        let mut v = v.clone();
        v.masked = true;
        v
    }
}
