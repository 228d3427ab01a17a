//! What the user sees in the wizard: the key help line offers only keys that work, it fits the
//! terminal, headings, expiry steps, links and the summary left after exit.

mod drive;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use drive::*;
use gitlab_token::ui::help::{self, Hint, Key};
use gitlab_token::wizard::{Effect, Msg, Saved, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 32)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    terminal.backend().to_string()
}

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
    }
}

/// Every offered key does something: it starts work, quits, or changes the screen other than
/// by a notice (a notice like "fix the problem first" means the key is blocked).
fn assert_offered_keys_work(what: &str, build: &dyn Fn() -> State) {
    let hints = help::hints(&build());
    assert!(!hints.is_empty(), "{what}: no keys offered");
    for Hint { key, label } in hints {
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

fn help_text(state: &State) -> String {
    help::rows(&help::hints(state), 200).join("  ")
}

fn failed_check() -> State {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    s
}

fn validated(scopes: &[&str]) -> State {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(t, Box::new(validation_for(&needs, scopes)), "t".into()),
    );
    s
}

fn saved() -> Saved {
    Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    }
}

fn done() -> State {
    let mut s = validated(&["read_api", "read_repository"]);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(&mut s, Msg::Saved(t, Ok(saved())));
    s
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
    // While the check runs, neither Enter nor r does anything.
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
