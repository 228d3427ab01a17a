//! Issue 21.14, the wizard's polish: each test drives the state machine (as the runtime would)
//! and fails on the behaviour the issue found; the screens that changed are snapshots at 80x24
//! (and 60x20 where they are long).

mod drive;
mod ux_support;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::wizard::signin::{DeviceShown, Phase, SigninEffect, SigninMsg};
use gitlab_token::wizard::{Effect, Msg, Owner, State, Step, update};
use ux_support::validated;

fn snap(name: &str, state: &mut State, sizes: &[(u16, u16)]) {
    for (w, h) in sizes {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(state, *w, *h));
    }
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The screen's text as one line: rows and box sides dropped, so a sentence wrapped over rows
/// can be found whole.
fn flat(shown: &str) -> String {
    shown
        .lines()
        .map(|l| l.trim_matches('"').replace('│', " "))
        .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_first_screen_has_one_cursor_with_two_expiring_tokens() {
    let mut setup = setup();
    let mut a = stored("2026-11-25", &["read_api"]);
    a.account = "scanner@gitlab.example.com".into();
    let mut b = stored("2026-11-26", &["api"]);
    b.account = "reviewer@gitlab.example.com".into();
    setup.expiring = vec![(a, 2), (b, 3)];
    let mut s = State::new(setup).0;
    let shown = draw(&mut s, 80, 24);
    assert_eq!(count(&shown, "▸"), 1, "two cursors:\n{shown}");
    assert!(shown.contains("→ ! scanner@gitlab.example.com"), "{shown}");
    key(&mut s, KeyCode::Tab);
    let shown = draw(&mut s, 80, 24);
    assert_eq!(count(&shown, "▸"), 1, "{shown}");
    assert!(shown.contains("→ ! reviewer@gitlab.example.com"), "{shown}");
    snap("polish_01_two_expiring_one_cursor", &mut s, &[(80, 24)]);
}

#[test]
fn question_mark_shows_the_keys_and_what_the_step_is_for() {
    let mut s = new_state();
    assert!(help_line(&mut s).contains("? help"));
    let effects = key(&mut s, KeyCode::Char('?'));
    assert!(effects.is_empty());
    assert!(s.help_open);
    let shown = draw(&mut s, 80, 24);
    assert!(shown.contains("Help (any key closes it)"), "{shown}");
    assert!(
        flat(&shown).contains("integration decides the scopes"),
        "{shown}"
    );
    assert!(shown.contains("Enter"), "{shown}");
    snap("polish_02_help_profile", &mut s, &[(80, 24), (60, 20)]);
    // Any key closes it and does nothing else: Enter does not pick the profile.
    key(&mut s, KeyCode::Enter);
    assert!(!s.help_open);
    assert_eq!(s.step, Step::Profile);
    // On the reachability step too, with that step's purpose and keys.
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    key(&mut s, KeyCode::Char('?'));
    let shown = draw(&mut s, 80, 24);
    assert!(flat(&shown).contains("Before any token is made"), "{shown}");
    assert!(shown.contains("re-check"), "{shown}");
    snap("polish_03_help_reachability", &mut s, &[(80, 24)]);
}

fn help_line(s: &mut State) -> String {
    draw(s, 80, 24)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn ctrl_u_clears_the_name_field() {
    let mut s = validated(&["read_api", "read_repository"]);
    ctrl(&mut s, 'n');
    let before = s.existing.rename.as_ref().map(|i| i.value().to_owned());
    assert_eq!(before.as_deref(), Some("repo-scanner-2"));
    ctrl(&mut s, 'u');
    let after = s.existing.rename.as_ref().map(|i| i.value().to_owned());
    assert_eq!(after.as_deref(), Some(""), "Ctrl-U left the name");
    type_text(&mut s, "scanner-ci");
    let after = s.existing.rename.as_ref().map(|i| i.value().to_owned());
    assert_eq!(after.as_deref(), Some("scanner-ci"));
}

#[test]
fn enter_during_the_reachability_check_goes_on_when_it_passes() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    assert_eq!(s.step, Step::Reachability);
    // A hurried Enter while the check runs.
    key(&mut s, KeyCode::Enter);
    let shown = draw(&mut s, 80, 24);
    assert!(
        flat(&shown).contains("going on as soon as the check passes"),
        "{shown}"
    );
    snap("polish_04_enter_pending", &mut s, &[(80, 24)]);
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.example.com")),
    );
    assert_eq!(
        s.step,
        Step::Owner,
        "the Enter pressed during the check was lost"
    );
}

#[test]
fn enter_during_a_check_that_fails_says_what_to_fix_and_stays() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    assert_eq!(s.step, Step::Reachability);
    assert!(s.notice.is_some());
    // A re-check forgets it: only an Enter pressed during that check counts.
    let t = ticket_of(&key(&mut s, KeyCode::Char('r')));
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.example.com")),
    );
    assert_eq!(s.step, Step::Reachability);
}

#[test]
fn the_ca_file_saved_for_the_host_is_used_again() {
    let mut s = new_state();
    let mut entry = stored("2027-01-30", &["read_api"]);
    entry.ca_file = Some("/etc/ssl/company-ca.pem".into());
    let mut other = stored("2027-01-30", &["read_api"]);
    other.host = "gitlab.other.example".into();
    other.ca_file = Some("/etc/ssl/other-ca.pem".into());
    s.set_stored(vec![other, entry]);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Probe { ca_file, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        ca_file.as_deref(),
        Some(std::path::Path::new("/etc/ssl/company-ca.pem")),
        "the stored host's CA file was not reused"
    );
    let shown = draw(&mut s, 80, 24);
    assert!(
        flat(&shown).contains("saved with repo-scanner@gitlab.example.com"),
        "{shown}"
    );
    snap("polish_05_ca_reused", &mut s, &[(80, 24)]);
    // Another address: that host's CA, not the first one's.
    key(&mut s, KeyCode::Esc);
    for _ in 0.."gitlab.example.com".len() {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "gitlab.unknown.example");
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Probe { ca_file, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(ca_file, &None, "a CA reused for one host went to another");
}

#[test]
fn a_ca_file_given_on_the_command_line_wins() {
    let mut setup = setup();
    setup.ca_file = Some("/tmp/given.pem".into());
    let mut s = State::new(setup).0;
    let mut entry = stored("2027-01-30", &["read_api"]);
    entry.ca_file = Some("/etc/ssl/company-ca.pem".into());
    s.set_stored(vec![entry]);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Probe { ca_file, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        ca_file.as_deref(),
        Some(std::path::Path::new("/tmp/given.pem"))
    );
}

#[test]
fn a_malformed_paste_is_refused_on_the_paste_step_with_one_message() {
    for (what, pasted, typed) in [
        ("typed with a space", None, Some("hello world")),
        ("pasted with a space", Some("hello world"), None),
        (
            "pasted with a line break",
            Some("glpat-TESTONLYabcdefghij\n1234"),
            None,
        ),
    ] {
        let mut s = new_state();
        to_paste(&mut s, "gitlab.example.com", "acme");
        if let Some(p) = pasted {
            paste(&mut s, p);
        }
        if let Some(t) = typed {
            type_text(&mut s, t);
        }
        let effects = key(&mut s, KeyCode::Enter);
        assert!(effects.is_empty(), "{what}: sent to GitLab: {effects:?}");
        assert_eq!(s.step, Step::Paste, "{what}");
        let shown = draw(&mut s, 80, 24);
        assert_eq!(
            count(&shown, "This is not a GitLab token"),
            1,
            "{what}:\n{shown}"
        );
        assert!(
            flat(&shown).contains("line break inside"),
            "{what}:\n{shown}"
        );
        if what == "pasted with a line break" {
            snap("polish_06_not_a_token", &mut s, &[(80, 24)]);
        }
    }
}

fn code() -> DeviceShown {
    DeviceShown {
        user_code: "0A44L90H".into(),
        verification_uri: "https://gitlab.example.com/oauth/device".into(),
        complete: None,
        expires_in: 300,
        interval: 5,
    }
}

/// The device screen of the owner step's browser sign-in, no application id known.
fn to_signin_without_app_id(s: &mut State) {
    to_owner(s, "gitlab.example.com");
    key(s, KeyCode::Down);
    key(s, KeyCode::Down);
    assert_eq!(s.owner, Owner::Browser);
    key(s, KeyCode::Enter);
    let effects = key(s, KeyCode::Enter);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(
        s.signin.as_ref().map(|x| &x.phase),
        Some(Phase::NeedsApp)
    ));
}

fn start_ticket(effects: &[Effect]) -> Option<(gitlab_token::wizard::Ticket, String)> {
    effects.iter().find_map(|e| match e {
        Effect::Signin(SigninEffect::Start { ticket, app_id, .. }) => {
            Some((*ticket, app_id.clone()))
        }
        _ => None,
    })
}

#[test]
fn the_application_id_typed_is_kept_on_esc() {
    let mut s = new_state();
    to_signin_without_app_id(&mut s);
    type_text(&mut s, "abc123");
    let (t, id) = start_ticket(&key(&mut s, KeyCode::Enter)).expect("a start");
    assert_eq!(id, "abc123");
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Role);
    // Back to the sign-in: it starts with the id GitLab took, nothing to type again.
    let effects = key(&mut s, KeyCode::Enter);
    let (_, id) = start_ticket(&effects).expect("the id typed before was lost");
    assert_eq!(id, "abc123");
}

#[test]
fn an_application_id_typed_but_not_sent_fills_the_field_again() {
    let mut s = new_state();
    to_signin_without_app_id(&mut s);
    type_text(&mut s, "abc1");
    key(&mut s, KeyCode::Esc);
    let effects = key(&mut s, KeyCode::Enter);
    assert!(start_ticket(&effects).is_none(), "{effects:?}");
    let field = s.signin.as_ref().map(|x| x.app_input.value().to_owned());
    assert_eq!(field.as_deref(), Some("abc1"));
}

#[test]
fn the_quit_question_says_gitlab_shows_a_token_only_once() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    paste(&mut s, TOKEN);
    ctrl(&mut s, 'c');
    assert!(s.confirm_quit);
    let shown = draw(&mut s, 80, 24);
    assert!(
        flat(&shown).contains("GitLab shows a token only once"),
        "{shown}"
    );
    assert!(flat(&shown).contains("Quit anyway? (y / n)"), "{shown}");
    snap("polish_08_quit_question", &mut s, &[(80, 24)]);
}

#[test]
fn custom_scope_descriptions_are_never_cut_without_being_shown_whole() {
    let mut s = new_state();
    for _ in 0..3 {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    assert!(s.pick.custom.is_some());
    let shown = draw(&mut s, 80, 24);
    // The chosen row (api) is cut with "…", and its whole description is under the list.
    let api = gitlab_token::gitlab::access::SCOPES[0].grants;
    assert!(
        flat(&shown).contains(api),
        "the api scope's description is cut:\n{shown}"
    );
    assert!(shown.contains('…'), "{shown}");
    snap("polish_07_custom_scopes", &mut s, &[(80, 24), (60, 20)]);
    for _ in 0..gitlab_token::gitlab::access::SCOPES.len() {
        key(&mut s, KeyCode::Down);
    }
    let shown = draw(&mut s, 80, 24);
    assert!(shown.contains("least role"), "{shown}");
}
