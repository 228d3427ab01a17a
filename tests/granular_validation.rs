//! Validation of fine-grained tokens against the fake GitLab at several versions: permissions
//! and boundaries judged against a profile and its target, as GitLab's source has them
//! (tests/support/fake_granular.rs).

mod support;

use gitlab_token::problem::ProblemKind;
use gitlab_token::profile::Profile;
use gitlab_token::strings;
use gitlab_token::validation::{self, Requirements, Status, Validation};
use serde_json::Value;
use support::client::{alice, gitlab_with};
use support::fake_gitlab::today;
use support::fake_granular::{scope, selected};
use support::{FakeGitLab, Pki, TokenRecord};

/// What gitlab-token itself needs on a `user` scope (src/gitlab/granular.rs FOR_THE_TOOL).
const TOOL: [&str; 3] = [
    "read_personal_access_token",
    "read_user",
    "rotate_personal_access_token",
];

fn needs(profile: &str, target: Option<&str>) -> Requirements {
    let p = Profile::by_id(profile).unwrap();
    Requirements::for_profile(Some(&p), target.map(str::to_owned))
}

/// The fake at `version` with alice a Reporter of `acme/web` (the project under group `acme`)
/// holding one fine-grained token of `scopes`.
async fn run(
    version: (u32, u32, u32),
    scopes: impl FnOnce(&FakeGitLab) -> Vec<Value>,
    needs: &Requirements,
) -> Validation {
    let pki = Pki::new();
    let (gitlab, client, _) = gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api"]));
    gitlab.set_knobs(|k| k.version = version);
    gitlab.add_group("acme");
    gitlab.add_project("acme/web");
    gitlab.group_member("acme", alice().id, 20);
    let record = TokenRecord::fine_grained(&alice(), scopes(&gitlab));
    let secret = support::new_secret("fine");
    gitlab.add_token(&secret, record);
    let token = gitlab_token::token::Token::new(secret);
    validation::validate(&client, &token, needs, today()).await
}

fn tracker_scopes(group: Option<u64>) -> Vec<Value> {
    let perms = ["read_project", "read_merge_request", "read_pipeline"];
    vec![
        scope("user", &TOOL),
        match group {
            Some(g) => selected(&perms, None, Some(g)),
            None => scope("all_memberships", &perms),
        },
    ]
}

/// A verdict line as shown: its status and text.
struct Shown {
    status: Status,
    text: String,
}

fn line(v: &Validation, needle: &str) -> Shown {
    let lines = strings::validation::lines(v);
    lines
        .iter()
        .find(|(_, text)| text.contains(needle))
        .map(|(status, text)| Shown {
            status: *status,
            text: text.clone(),
        })
        .unwrap_or_else(|| panic!("no line with {needle:?}: {lines:#?}"))
}

#[tokio::test]
async fn a_fine_grained_token_on_the_targets_group_covers_the_tracker_at_19_2() {
    let needs = needs("mr-tracker", Some("acme/web"));
    let v = run(
        (19, 2, 0),
        |g| tracker_scopes(Some(g.group_id("acme"))),
        &needs,
    )
    .await;
    assert!(v.ok(), "{:#?}", v.problems);
    assert!(v.missing_scopes.is_empty());
    assert_eq!(line(&v, "Fine-grained").status, Status::Ok);
    let mr = line(&v, "Permission read_merge_request (groups and projects)");
    assert_eq!(mr.status, Status::Ok);
    assert!(mr.text.contains("selected memberships"), "{}", mr.text);
    assert_eq!(line(&v, "Permission read_user (user)").status, Status::Ok);
}

#[tokio::test]
async fn a_missing_permission_is_named_with_its_gitlab_name_and_what_to_add() {
    let needs = needs("mr-tracker", Some("acme/web"));
    let v = run(
        (19, 4, 0),
        |_| {
            vec![
                scope("user", &TOOL),
                scope("all_memberships", &["read_project", "read_merge_request"]),
            ]
        },
        &needs,
    )
    .await;
    assert!(!v.ok());
    assert_eq!(line(&v, "Permission read_pipeline").status, Status::Fail);
    let problems = strings::validation::problems(&v);
    let p = problems
        .iter()
        .find(|p| p.kind == ProblemKind::MissingPermissions)
        .expect("missing permissions");
    assert!(
        p.message.contains("read_pipeline (groups and projects)"),
        "{}",
        p.message
    );
    assert!(!p.message.contains("read_merge_request"), "{}", p.message);
    assert!(p.fix.contains("new fine-grained token"), "{}", p.fix);
    assert_eq!(v.missing_permissions.len(), 1);
}

#[tokio::test]
async fn permissions_on_another_group_leave_the_target_out() {
    let needs = needs("mr-tracker", Some("acme/web"));
    let v = run(
        (19, 2, 0),
        |g| {
            g.add_group("other");
            tracker_scopes(Some(g.group_id("other")))
        },
        &needs,
    )
    .await;
    assert!(!v.ok());
    let mr = line(&v, "Permission read_merge_request");
    assert_eq!(mr.status, Status::Fail);
    assert!(mr.text.contains("not on acme/web"), "{}", mr.text);
    assert!(
        v.problems
            .iter()
            .any(|p| p.kind() == ProblemKind::MissingPermissions)
    );
}

/// Without `user` scope permissions the token cannot even read its own record: GitLab's 403
/// sentence is shown with what to add.
#[tokio::test]
async fn a_token_without_read_personal_access_token_is_told_what_to_add() {
    let needs = needs("mr-tracker", None);
    let v = run(
        (19, 2, 0),
        |_| {
            let mut s = tracker_scopes(None);
            s.remove(0);
            s
        },
        &needs,
    )
    .await;
    assert!(!v.ok());
    assert!(v.token.is_none());
    let p = &strings::validation::problems(&v)[0];
    assert_eq!(p.kind, ProblemKind::InsufficientScope);
    assert!(
        p.message.contains("Personal Access Token: Read"),
        "{}",
        p.message
    );
    assert!(p.fix.contains("Add the permission"), "{}", p.fix);
}

/// Before 19.2 no endpoint shows a token's permissions (the beta, 18.10 - 19.1): the token is
/// known to be fine-grained, its permissions are not judged, and nothing says they are missing.
#[tokio::test]
async fn the_beta_shows_no_permissions_and_none_are_called_missing() {
    let needs = needs("mr-tracker", Some("acme/web"));
    let v = run((18, 11, 0), |_| tracker_scopes(None), &needs).await;
    assert_eq!(line(&v, "Fine-grained").status, Status::Ok);
    assert_eq!(line(&v, "Permissions: not shown").status, Status::Unknown);
    assert!(v.missing_permissions.is_empty());
    assert!(v.ok(), "{:#?}", v.problems);
}

/// A legacy token at 19.x (`"granular": false`) is judged by its scopes exactly as before.
#[tokio::test]
async fn a_legacy_token_at_19_keeps_its_scope_checks() {
    let pki = Pki::new();
    let (gitlab, client, token) = gitlab_with(&pki, TokenRecord::new(&alice(), &["read_user"]));
    gitlab.set_knobs(|k| k.version = (19, 5, 0));
    let v = validation::validate(&client, &token, &needs("mr-tracker", None), today()).await;
    assert!(v.token.as_ref().is_some_and(|t| !t.granular));
    assert_eq!(v.missing_scopes, ["read_api"]);
    let lines = strings::validation::lines(&v);
    assert!(!lines.iter().any(|(_, text)| text.contains("Fine-grained")));
    assert!(
        v.problems
            .iter()
            .any(|p| p.kind() == ProblemKind::MissingScopes)
    );
}

/// Selected memberships without a target to compare: neither covered nor missing.
#[tokio::test]
async fn selected_memberships_without_a_target_are_not_confirmed() {
    let needs = needs("mr-tracker", None);
    let v = run(
        (19, 2, 0),
        |g| tracker_scopes(Some(g.group_id("acme"))),
        &needs,
    )
    .await;
    assert_eq!(line(&v, "Permission read_pipeline").status, Status::Unknown);
    assert!(v.missing_permissions.is_empty());
}
