//! "Create it for me" offers what `create` offers on the command line (issue 21.10): the
//! service account's username, the expiry, leaving out `self_rotate`, raising a lower role. The
//! options reach the request `provision` executes; a username GitLab would refuse, a token typed
//! into the field and Esc are handled. Snapshots at 80x24 and 60x20.

mod create_support;
mod drive;

use create_support::*;
use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::provision::Request;
use gitlab_token::wizard::create::{CreateEffect, Phase};
use gitlab_token::wizard::{Effect, State};

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render_screen(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_60x20"), render_screen(state, 60, 20));
}

/// The plan for a group service account (the best of `three_candidates`).
fn plan() -> State {
    let mut s = new_state();
    to_plan_by_paste(&mut s);
    set_choice(&mut s, three_candidates());
    s
}

fn executed(s: &mut State) -> Request {
    match key(s, KeyCode::Enter).as_slice() {
        [Effect::Create(CreateEffect::Execute { request, .. })] => (**request).clone(),
        other => panic!("expected an Execute, got {other:?}"),
    }
}

fn phase(s: &State) -> Phase {
    s.creating.as_ref().unwrap().phase
}

#[test]
fn the_defaults_are_creates_without_flags() {
    let mut s = plan();
    let r = executed(&mut s);
    assert_eq!(r.service_account, None);
    assert!(r.self_rotate);
    assert!(!r.raise_role);
    assert_eq!(r.expires_in_days, gitlab_token::wizard::DEFAULT_EXPIRY_DAYS);
}

#[test]
fn options_reach_the_request_and_the_plan_says_them() {
    let mut s = plan();
    assert!(render_screen(&s, 80, 24).contains("o options"));
    key(&mut s, KeyCode::Char('o'));
    assert_eq!(phase(&s), Phase::Options);
    snap("create_options", &s);
    // `q` is a letter in the username field: no quit question.
    type_text(&mut s, "ci-scanner-q");
    assert!(!s.quit && !s.confirm_quit);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Left);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char(' '));
    snap("create_options_changed", &s);
    key(&mut s, KeyCode::Enter);
    assert_eq!(phase(&s), Phase::Plan);
    let text = render_screen(&s, 80, 24);
    assert!(text.contains("ci-scanner-q"), "{text}");
    assert!(text.contains("no self_rotate"), "{text}");
    assert!(text.contains("lower membership is raised"), "{text}");
    snap("create_plan_with_options", &s);
    let r = executed(&mut s);
    assert_eq!(r.service_account.as_deref(), Some("ci-scanner-q"));
    assert!(!r.self_rotate);
    assert!(r.raise_role);
    assert!(r.expires_in_days < gitlab_token::wizard::DEFAULT_EXPIRY_DAYS);
    assert!(!r.scopes_contain_self_rotate());
}

#[test]
fn esc_discards_and_a_refused_username_stays_with_why() {
    let mut s = plan();
    key(&mut s, KeyCode::Char('o'));
    type_text(&mut s, "ci bot");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        phase(&s),
        Phase::Options,
        "a username GitLab refuses is not applied"
    );
    let text = render_screen(&s, 80, 24);
    assert!(text.contains("no spaces"), "{text}");
    snap("create_options_refused", &s);
    ctrl(&mut s, 'u');
    type_text(&mut s, "kept-not");
    key(&mut s, KeyCode::Esc);
    assert_eq!(phase(&s), Phase::Plan);
    assert_eq!(executed(&mut s).service_account, None, "Esc discards");
}

#[test]
fn a_token_typed_into_the_username_is_cleared_unseen() {
    let mut s = plan();
    key(&mut s, KeyCode::Char('o'));
    type_text(&mut s, "glpat-abcdefghijklmnopqrstuvwx");
    let text = render_screen(&s, 80, 24);
    assert!(!text.contains("glpat"), "{text}");
    assert!(!text.contains("abcdefgh"), "{text}");
    assert!(text.contains("cleared unseen"), "{text}");
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "bot");
    key(&mut s, KeyCode::Enter);
    assert_eq!(executed(&mut s).service_account.as_deref(), Some("bot"));
}

#[test]
fn a_group_token_has_no_username_and_no_membership_to_raise() {
    let mut s = plan();
    key(&mut s, KeyCode::Down); // the group access token
    key(&mut s, KeyCode::Char('o'));
    let text = render_screen(&s, 80, 24);
    assert!(!text.contains("Username"), "{text}");
    assert!(!text.contains("Lower role"), "{text}");
    assert!(text.contains("Expires in"), "{text}");
    // `q` quits where no field takes text.
    key(&mut s, KeyCode::Char('q'));
    assert!(s.quit || s.confirm_quit);
}

trait Scopes {
    fn scopes_contain_self_rotate(&self) -> bool;
}

impl Scopes for Request {
    fn scopes_contain_self_rotate(&self) -> bool {
        gitlab_token::provision::token_scopes(self, &discovery())
            .iter()
            .any(|s| s == "self_rotate")
    }
}
