//! The role on a `--target` in the first round trip: with the user's id remembered the membership
//! is asked beside `/user` and kept only when `/user` confirms the id; a wrong id falls back to
//! asking again, and either way the verdict is the one the one-after-the-other lookup gives.

mod support;

use std::time::Duration;

use gitlab_token::profile::Profile;
use gitlab_token::validation::{self, Requirements, Validation};
use support::client::{alice, gitlab_with};
use support::{FakeGitLab, Logged, Pki, TokenRecord};

fn needs(target: &str) -> Requirements {
    let p = Profile::by_id("mr-tracker").expect("profile");
    Requirements::for_profile(Some(&p), Some(target.into()))
}

/// Both verdicts (no id, then `known`) on `target`, and the requests of the second.
async fn both(
    gitlab: &FakeGitLab,
    client: &gitlab_token::gitlab::Client,
    token: &gitlab_token::token::Token,
    target: &str,
    known: u64,
) -> (Validation, Validation, Vec<Logged>) {
    let today = support::fake_gitlab::today();
    let plain = validation::validate(client, token, &needs(target), today).await;
    let before = gitlab.requests().len();
    let hinted =
        validation::validate_known(client, token, &needs(target), today, Some(known)).await;
    let log = gitlab.requests().into_iter().skip(before).collect();
    (plain, hinted, log)
}

fn finished(log: &[Logged], path: &str) -> std::time::Instant {
    log.iter()
        .find(|r| r.path.ends_with(path))
        .expect(path)
        .finished
}

#[tokio::test]
async fn a_confirmed_id_asks_the_role_beside_the_user_with_the_same_verdict() {
    let pki = Pki::new();
    let (gitlab, client, token) =
        gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api", "read_user"]));
    gitlab.add_group("acme");
    gitlab.add_project("acme/web");
    gitlab.group_member("acme", alice().id, 30);
    gitlab.set_delay(Duration::from_millis(100));
    for target in ["acme/web", "acme", "acme/elsewhere"] {
        let (plain, hinted, log) = both(&gitlab, &client, &token, target, alice().id).await;
        assert_eq!(plain, hinted, "{target}");
        let member = format!("/members/all/{}", alice().id);
        let asked = log
            .iter()
            .find(|r| r.path.contains(&member))
            .expect("role asked");
        // Started before /user answered: the same round trip.
        assert!(asked.started < finished(&log, "/api/v4/user"), "{target}");
    }
    let (plain, _, _) = both(&gitlab, &client, &token, "acme/web", alice().id).await;
    assert!(plain.role_checked() && plain.ok(), "{:#?}", plain.problems);
}

#[tokio::test]
async fn a_wrong_id_is_not_trusted_and_the_role_is_asked_again() {
    let pki = Pki::new();
    let (gitlab, client, token) =
        gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api", "read_user"]));
    gitlab.add_group("acme");
    gitlab.add_project("acme/web");
    gitlab.group_member("acme", alice().id, 20);
    // Another user (the id a stale record might hold) is Owner there: never taken as alice's role.
    let other = alice().id + 1000;
    gitlab.group_member("acme", other, 50);
    let (plain, hinted, log) = both(&gitlab, &client, &token, "acme/web", other).await;
    assert_eq!(plain, hinted);
    assert_eq!(
        hinted.role,
        Some(gitlab_token::gitlab::access::Role::Reporter)
    );
    let member = format!("/members/all/{}", alice().id);
    assert!(
        log.iter().any(|r| r.path.contains(&member)),
        "asked again with /user's id"
    );
}
