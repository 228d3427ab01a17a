//! What the user sees in the wizard: the key help line offers only keys that work and fits the
//! terminal; headings, expiry steps, custom picks and other polish.

mod drive;
mod ux_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use drive::*;
use gitlab_token::ui::help::{self, Hint, Key};
use gitlab_token::wizard::{Effect, Msg, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ux_support::*;

/// The key events a hint stands for (any one of them must work).
fn events(key: Key) -> Vec<KeyEvent> {
    let plain = |c| KeyEvent::new(c, KeyModifiers::NONE);
    match key {
        Key::Enter => vec![plain(KeyCode::Enter)],
        Key::Esc => vec![plain(KeyCode::Esc)],
        Key::Char(c) => vec![plain(KeyCode::Char(c))],
        Key::Ctrl(c) => vec![KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)],
        Key::UpDown => vec![plain(KeyCode::Up), plain(KeyCode::Down)],
        Key::LeftRight => vec![plain(KeyCode::Left), plain(KeyCode::Right)],
        Key::Space => vec![plain(KeyCode::Char(' '))],
        Key::PlusMinus => vec![plain(KeyCode::Char('+')), plain(KeyCode::Char('-'))],
        Key::Type => vec![plain(KeyCode::Char('x'))],
        Key::Named("Tab") => vec![plain(KeyCode::Tab)],
        Key::Named("n/Esc") => vec![plain(KeyCode::Char('n')), plain(KeyCode::Esc)],
        Key::Named(other) => panic!("no key events known for {other:?}: add them here"),
        // A note names no key: nothing to press.
        Key::Note => Vec::new(),
    }
}

/// Every offered key does something: it starts work, quits, or changes the screen other than
/// by a notice (a notice like "fix the problem first" means the key is blocked).
fn assert_offered_keys_work(what: &str, build: &dyn Fn() -> State) {
    let hints = help::hints(&build());
    assert!(!hints.is_empty(), "{what}: no keys offered");
    for Hint { key, label } in hints {
        if key == Key::Note {
            continue;
        }
        let works = events(key).into_iter().any(|event| {
            let mut s = build();
            let before = screen(&s);
            let effects = update(&mut s, Msg::Key(event));
            s.notice = None;
            !effects.is_empty() || s.quit || s.confirm_quit || screen(&s) != before
        });
        assert!(
            works,
            "{what}: the help line offers {key:?} ({label}) but it does nothing"
        );
    }
}

type Builder = Box<dyn Fn() -> State>;

#[test]
fn every_key_on_the_help_line_does_something() {
    let states: Vec<(&str, Builder)> = vec![
        ("profile", Box::new(new_state)),
        (
            "custom scopes",
            Box::new(|| {
                let mut s = new_state();
                for _ in 0..3 {
                    key(&mut s, KeyCode::Down);
                }
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "expiring tokens",
            Box::new(|| {
                let mut setup = setup();
                setup.expiring = vec![(stored("2026-11-28", &["api"]), 5)];
                State::new(setup).0
            }),
        ),
        (
            "two expiring tokens",
            Box::new(|| {
                let mut setup = setup();
                setup.expiring = vec![
                    (stored("2026-11-28", &["api"]), 5),
                    (stored("2026-11-29", &["read_api"]), 6),
                ];
                State::new(setup).0
            }),
        ),
        (
            "asked before rotating",
            Box::new(|| {
                let mut setup = setup();
                setup.expiring = vec![(stored("2026-11-28", &["api"]), 5)];
                let mut s = State::new(setup).0;
                key(&mut s, KeyCode::Char('a'));
                s
            }),
        ),
        (
            "host",
            Box::new(|| {
                let mut s = new_state();
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "reachability running",
            Box::new(|| {
                let mut s = new_state();
                key(&mut s, KeyCode::Enter);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        ("reachability failed", Box::new(failed_check)),
        (
            "owner",
            Box::new(|| {
                let mut s = new_state();
                to_owner(&mut s, "gitlab.example.com");
                s
            }),
        ),
        (
            "role without a group",
            Box::new(|| {
                let mut s = new_state();
                to_owner(&mut s, "gitlab.example.com");
                key(&mut s, KeyCode::Down);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "paste, empty",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                s
            }),
        ),
        (
            "paste, filled",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                paste(&mut s, TOKEN);
                s
            }),
        ),
        (
            "validate running",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                paste(&mut s, TOKEN);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "validate ok",
            Box::new(|| validated(&["read_api", "read_repository"])),
        ),
        ("validate failed", Box::new(|| validated(&["read_api"]))),
        (
            "save running",
            Box::new(|| {
                let mut s = validated(&["read_api", "read_repository"]);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        ("done", Box::new(done)),
        (
            "quit dialog",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                paste(&mut s, TOKEN);
                ctrl(&mut s, 'c');
                s
            }),
        ),
    ];
    for (what, build) in &states {
        assert_offered_keys_work(what, build.as_ref());
    }
}

#[test]
fn blocked_keys_are_not_offered() {
    // Enter after a failed check only says "fix it first".
    let s = failed_check();
    assert!(!help_text(&s).contains("Enter"), "{}", help_text(&s));
    // Nothing to open without a link (own account, no group).
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    assert!(s.link().is_none());
    assert!(!help_text(&s).contains("open link"), "{}", help_text(&s));
    // While the check runs, r does nothing and Enter is only kept for when it passes: neither
    // is offered.
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    assert_eq!(help_text(&s), "Esc back  q quit");
    // A passing validation saves; there is no "paste again" then.
    let s = validated(&["read_api", "read_repository"]);
    assert!(!help_text(&s).contains("paste"), "{}", help_text(&s));
    // Nothing to check before something was pasted.
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    assert!(!help_text(&s).contains("Enter"), "{}", help_text(&s));
}

#[test]
fn revoke_is_offered_only_until_the_old_token_is_revoked() {
    let mut s = replacing_state();
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let v = validation_for(&needs, &["read_api", "read_repository", "read_user"]);
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(&mut s, Msg::Saved(t, Ok(saved())));
    assert!(help_text(&s).contains("r revoke"));
    let effects = key(&mut s, KeyCode::Char('r'));
    assert!(matches!(effects.as_slice(), [Effect::RevokeOld { .. }]));
    assert!(
        !help_text(&s).contains("r revoke"),
        "offered while revoking"
    );
    update(&mut s, Msg::OldRevoked(ticket_of_load(&effects), Ok(())));
    assert!(
        !help_text(&s).contains("r revoke"),
        "offered after revoking"
    );
}

#[test]
fn the_help_line_wraps_rather_than_being_cut() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme");
    let full = help_text(&s);
    for width in [40usize, 60, 80] {
        let rows = help::rows(&help::hints(&s), width);
        assert!(rows.len() <= 2, "{width}: {rows:?}");
        for r in &rows {
            assert!(r.chars().count() < width, "{width}: row too wide: {r}");
        }
        if width >= 60 {
            assert_eq!(rows.join("  "), full, "{width}: entries lost");
        }
    }
    // On screen at 60 columns, the last key of the line is still there.
    let mut terminal = Terminal::new(TestBackend::new(60, 20)).unwrap();
    terminal.draw(|f| gitlab_token::ui::render(&s, f)).unwrap();
    let shown = terminal.backend().to_string();
    assert!(shown.contains("Ctrl-C quit"), "{shown}");
}

#[test]
fn expiry_steps_return_to_ninety() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc); // back to Generate
    assert_eq!(s.expiry_days, 90);
    for _ in 0..20 {
        key(&mut s, KeyCode::Char('+'));
    }
    assert_eq!(s.expiry_days, 365);
    let mut seen = vec![];
    for _ in 0..20 {
        key(&mut s, KeyCode::Char('-'));
        seen.push(s.expiry_days);
    }
    assert!(seen.contains(&90), "{seen:?}");
    assert_eq!(s.expiry_days, 7);
    key(&mut s, KeyCode::Char('+'));
    key(&mut s, KeyCode::Char('+'));
    key(&mut s, KeyCode::Char('+'));
    assert_eq!(s.expiry_days, 90);
}

#[test]
fn custom_scope_picks_survive_esc_back() {
    let mut s = new_state();
    let custom = s.pick.profiles.iter().position(|p| p.custom).unwrap();
    for _ in 0..custom {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char(' ')); // the second scope
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char(' ')); // the fourth
    let picked = s.pick.custom.as_ref().unwrap().selected.clone();
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, gitlab_token::wizard::Step::Host);
    key(&mut s, KeyCode::Esc);
    let back = s
        .pick
        .custom
        .as_ref()
        .expect("the custom picks are open again");
    assert_eq!(back.selected, picked);
}

#[test]
fn check_my_instance_headings_show_the_check() {
    let mut s = new_state();
    for _ in 0..s.pick.profiles.len() {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    let shown = screen(&s);
    assert!(shown.contains("Check my instance"), "{shown}");
    assert!(!shown.contains("step 2/10"), "{shown}");
    key(&mut s, KeyCode::Enter);
    assert!(!screen(&s).contains("step 3/10"));
}

#[test]
fn the_gitlab_com_row_shows_its_address_and_nobody_invites_themselves() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    assert!(screen(&s).contains("GitLab.com (https://gitlab.com)"));
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme");
    key(&mut s, KeyCode::Down); // my own account
    key(&mut s, KeyCode::Enter);
    let shown = screen(&s);
    assert!(!shown.contains("Invite members: your"), "{shown}");
    assert!(shown.contains("ask an Owner of the group"), "{shown}");
}

#[test]
fn an_error_sits_right_under_its_field() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "http://gitlab.example.com");
    key(&mut s, KeyCode::Enter);
    let shown = screen(&s);
    let rows: Vec<&str> = shown.lines().collect();
    let field = rows.iter().position(|r| r.contains("Address:")).unwrap();
    assert!(rows[field + 1].contains("Plain http://"), "{shown}");
}

#[test]
fn an_expired_certificate_says_how_long_ago() {
    use gitlab_token::probe::cert::CertInfo;
    use gitlab_token::problem::ProblemKind;
    let cert = CertInfo {
        subject: "CN=gitlab.example.com".into(),
        sans: vec!["gitlab.example.com".into()],
        issuer: "CN=R11".into(),
        not_before: "2026-08-01T00:00:00Z".into(),
        not_after: "2026-11-20T00:00:00Z".into(),
        days_left: -3,
        self_signed: false,
        chain_len: 2,
    };
    let p = gitlab_token::strings::probe::tls_failed(
        ProblemKind::TlsExpired,
        "gitlab.example.com",
        "certificate expired",
        Some(&cert),
        &gitlab_token::tls::Trust::with_ca_file(None),
    );
    assert!(p.message.contains("3 days ago"), "{}", p.message);
}

#[test]
fn pasting_the_old_token_is_said_right_under_the_token() {
    let mut s = replacing_state();
    key(&mut s, KeyCode::Enter); // paste step
    paste(&mut s, OLD_TOKEN);
    key(&mut s, KeyCode::Enter);
    let shown = screen(&s);
    let rows: Vec<&str> = shown.lines().collect();
    let field = rows.iter().position(|r| r.contains("Token: ")).unwrap();
    assert!(
        rows[field + 1].contains("That is the token being replaced"),
        "{shown}"
    );
    assert_eq!(shown.matches("That is the token being replaced").count(), 1);
}
