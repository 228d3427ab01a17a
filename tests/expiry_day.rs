//! GitLab ends a token at 00:00 UTC on its `expires_at` date: on that day it is already expired.
//! The wizard, `status` and the validation say so, and `a` (which needs a working token) is not
//! offered for it. (doc/user/profile/personal_access_tokens.md, "When personal access tokens expire")
#![cfg(target_os = "linux")]

mod drive;
mod support;

use crossterm::event::KeyCode;
use drive::{key, setup, stored};
use gitlab_token::gitlab::types::is_expired;
use gitlab_token::ui::help::{self, Key};
use gitlab_token::wizard::{Effect, State};
use support::accounts::{add_ok, new_token};
use support::home::{Home, unique_name};
use support::stores::require_secret_service;
use support::{FakeGitLab, Pki};

#[test]
fn the_expiry_date_itself_is_expired() {
    assert!(is_expired(0));
    assert!(is_expired(-3));
    assert!(!is_expired(1));
}

#[test]
fn a_token_expiring_today_is_expired_on_the_first_screen_and_cannot_rotate_itself() {
    let mut setup = setup();
    // drive::setup's today is 2026-11-23: this api token's last day was yesterday.
    setup.expiring = vec![(stored("2026-11-23", &["api"]), 0)];
    let mut state = State::new(setup).0;
    assert!(state.auto_rotatable().is_none());
    assert!(
        !help::hints(&state).iter().any(|h| h.key == Key::Char('a')),
        "a is offered for an expired token"
    );
    let effects = key(&mut state, KeyCode::Char('a'));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::RotateAutomatically { .. })),
        "{effects:?}"
    );
    let line = gitlab_token::strings::wizard::expiring_line("repo-scanner@gitlab.example.com", 0);
    assert!(line.contains("EXPIRED"), "{line}");
}

#[test]
fn status_calls_a_token_whose_date_is_today_expired() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let name = unique_name("today");
    let secret = new_token(&home, &gitlab, "repo-scanner (gitlab-token)");
    add_ok(&home, &gitlab, &pki, &name, &secret, None);
    // The token's date comes from the metadata: make it today.
    let today = support::fake_gitlab::days_from_today(0);
    let toml = std::fs::read_to_string(home.tokens_toml()).unwrap();
    let stored_date = support::fake_gitlab::days_from_today(90);
    assert!(toml.contains(&stored_date), "{toml}");
    std::fs::write(home.tokens_toml(), toml.replace(&stored_date, &today)).unwrap();

    let out = home.run_env(&["status"], "", &[("COLUMNS", "200")]);
    assert!(
        out.stdout.contains(&format!("EXPIRED {today}")),
        "{}",
        out.stdout
    );
}
