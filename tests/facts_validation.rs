//! GitLab facts in the live verdict: scope coverage by `api`, kind-specific fixes, dead tokens
//! that cannot rotate, a human token where a service account was chosen, an unchecked role.

use gitlab_token::gitlab::ApiError;
use gitlab_token::gitlab::access::Role;
use gitlab_token::gitlab::types::{Metadata, TokenInfo, User};
use gitlab_token::instance::Instance;
use gitlab_token::problem::ProblemKind;
use gitlab_token::profile::Profile;
use gitlab_token::strings;
use gitlab_token::token::Token;
use gitlab_token::validation::{self, Requirements, Status, Validation};
use time::macros::date;

const PAT: &str = "glpat-abcdefghijklmnopqrst";

fn info(scopes: &[&str]) -> TokenInfo {
    TokenInfo {
        id: 42,
        name: "mr-reviewer (gitlab-token)".into(),
        revoked: false,
        active: true,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        user_id: 7,
        created_at: None,
        last_used_at: None,
        expires_at: Some("2027-02-21".into()),
        granular: false,
        granular_scopes: None,
    }
}

fn user(bot: bool) -> User {
    User {
        id: 7,
        username: if bot { "review-bot" } else { "alice" }.into(),
        name: String::new(),
        bot,
        state: None,
    }
}

fn metadata() -> Metadata {
    Metadata {
        version: "18.6.1-ee".into(),
        revision: "abc".into(),
        enterprise: Some(true),
    }
}

fn needs(profile: &str, target: Option<&str>) -> Requirements {
    let p = Profile::by_id(profile).unwrap();
    Requirements::for_profile(Some(&p), target.map(str::to_owned))
}

fn judge_ok(needs: &Requirements, scopes: &[&str], bot: bool) -> Validation {
    let level = needs.target.as_ref().map(|_| Ok(40));
    validation::judge(
        &Token::new(PAT.into()),
        needs,
        date!(2026 - 11 - 23),
        Ok(info(scopes)),
        Ok(user(bot)),
        level,
        Ok(metadata()),
    )
}

fn judge_err(token: &str, needs: &Requirements, e: ApiError) -> Validation {
    validation::judge(
        &Token::new(token.into()),
        needs,
        date!(2026 - 11 - 23),
        Err(e.clone()),
        Err(e.clone()),
        None,
        Err(e),
    )
}

fn texts(v: &Validation) -> Vec<String> {
    strings::validation::lines(v)
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

/// The verdict line whose text `matches`, as shown: its status and text.
fn line_where(v: &Validation, matches: impl Fn(&str) -> bool) -> Option<(Status, String)> {
    strings::validation::lines(v)
        .into_iter()
        .find(|(_, text)| matches(text))
}

#[test]
fn an_api_token_meets_a_read_user_need_and_says_covered() {
    let v = judge_ok(&needs("mr-reviewer", Some("acme")), &["api"], true);
    assert!(v.ok(), "{:?}", v.problems);
    assert!(v.missing_scopes.is_empty());
    let lines = texts(&v);
    let has = |text: &str| lines.iter().any(|l| l == text);
    assert!(has("Scope api: present"), "{lines:?}");
    assert!(has("Scope read_user: covered by api"), "{lines:?}");
    assert!(has("Scope read_api: covered by api"), "{lines:?}");
    let scanner = judge_ok(&needs("repo-scanner", Some("acme")), &["api"], true);
    assert!(
        texts(&scanner)
            .iter()
            .any(|l| l == "Scope read_repository: covered by api")
    );
    // read_api does not cover read_user.
    let narrow = judge_ok(&needs("mr-reviewer", Some("acme")), &["read_api"], true);
    assert_eq!(narrow.missing_scopes, ["api", "read_user"]);
}

#[test]
fn a_deploy_token_refused_with_401_gets_the_kind_specific_fix_and_401_once() {
    let n = needs("repo-scanner", None);
    let e = ApiError::InvalidToken("401 Unauthorized".into());
    let v = judge_err("gldt-abcdefghijklmnopqrst", &n, e.clone());
    let problems = strings::validation::problems(&v);
    let refused = problems
        .iter()
        .find(|p| p.kind == ProblemKind::InvalidToken)
        .unwrap();
    assert!(refused.fix.contains("deploy token"), "{}", refused.fix);
    assert!(
        refused.fix.contains("cannot call the API"),
        "{}",
        refused.fix
    );
    assert!(!refused.fix.contains("whole token"), "{}", refused.fix);
    for line in texts(&v) {
        assert!(!line.contains("401: 401"), "{line}");
    }
    // A personal token keeps the generic "pasted the whole token" fix.
    let pat = judge_err(PAT, &n, e);
    assert!(
        strings::validation::problems(&pat)[0]
            .fix
            .contains("whole token")
    );
    assert!(texts(&pat)[0].contains("(401 Unauthorized)"));
}

#[test]
fn an_expired_or_revoked_token_is_not_sent_to_rotate() {
    let n = needs("repo-scanner", None);
    for e in [ApiError::TokenExpired, ApiError::TokenRevoked] {
        let mut v = judge_err(PAT, &n, e);
        let instance = Instance::parse("https://gitlab.example.com").unwrap();
        validation::link_dead_token_fix(&mut v, &instance, &n);
        let p = &strings::validation::problems(&v)[0];
        assert!(!p.fix.contains("rotate:"), "{}", p.fix);
        assert!(!p.fix.contains("gitlab-token rotate"), "{}", p.fix);
        assert!(
            p.fix.contains(
                "https://gitlab.example.com/-/user_settings/personal_access_tokens?name=gitlab-token"
            ),
            "{}",
            p.fix
        );
        assert!(
            p.fix.contains("scopes=read_api,read_repository"),
            "{}",
            p.fix
        );
    }
}

#[test]
fn a_human_token_where_a_service_account_was_chosen_warns() {
    let mut n = needs("repo-scanner", Some("acme"));
    n.service_account = true;
    let v = judge_ok(&n, &["read_api", "read_repository"], false);
    assert!(v.ok(), "a warning, not a failure");
    let warn = line_where(&v, |l| l.contains("is a person")).unwrap();
    assert_eq!(warn.0, Status::Warn);
    assert!(
        v.problems
            .iter()
            .any(|p| p.kind() == ProblemKind::NotServiceAccount)
    );
    // A bot token: no warning; a personal owner: no warning either.
    let bot = judge_ok(&n, &["read_api", "read_repository"], true);
    assert!(!texts(&bot).iter().any(|l| l.contains("is a person")));
    n.service_account = false;
    let me = judge_ok(&n, &["read_api", "read_repository"], false);
    assert!(!texts(&me).iter().any(|l| l.contains("is a person")));
}

#[test]
fn without_a_group_the_verdict_says_the_role_was_not_checked() {
    let v = judge_ok(&needs("mr-reviewer", None), &["api"], true);
    assert!(v.ok());
    assert!(!v.role_checked());
    let (status, text) = line_where(&v, |l| l.starts_with("Role:")).unwrap();
    assert_eq!(status, Status::Unknown);
    assert!(text.contains("not checked"), "{text}");
    assert!(text.contains(Role::Maintainer.name()), "{text}");
    let with_group = judge_ok(&needs("mr-reviewer", Some("acme")), &["api"], true);
    assert!(with_group.role_checked());
    assert!(!texts(&with_group).iter().any(|l| l.contains("not checked")));
}

#[test]
fn a_role_too_low_names_maintainers_too() {
    let n = needs("repo-scanner", Some("acme"));
    let v = validation::judge(
        &Token::new(PAT.into()),
        &n,
        date!(2026 - 11 - 23),
        Ok(info(&["read_api", "read_repository"])),
        Ok(user(true)),
        Some(Ok(10)),
        Ok(metadata()),
    );
    let problems = strings::validation::problems(&v);
    let p = problems
        .iter()
        .find(|p| p.kind == ProblemKind::RoleTooLow)
        .unwrap();
    assert!(
        p.fix.starts_with("A Maintainer or Owner of acme"),
        "{}",
        p.fix
    );
}
