//! The wizard's done screen says whether the daily rotation will renew the token (installed or
//! not), at 80x24 and 120x32, rendered by the pure `ui::render` on ratatui's TestBackend.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::schedule::Record;
use gitlab_token::strings::schedule::done_line;
use gitlab_token::wizard::{Msg, Saved, State, update};

fn render(state: &State, width: u16, height: u16) -> String {
    render_screen(state, width, height)
}

/// The Done screen of a pasted token with `scopes`.
fn done_with(scopes: &[&str]) -> State {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(t, Box::new(validation_for(&needs, scopes)), "t".into()),
    );
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let saved = Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    };
    update(&mut s, Msg::Saved(t, Ok(saved)));
    s
}

/// A token that rotates itself (`self_rotate`): the daily rotation renews it.
fn done() -> State {
    done_with(&["read_api", "read_repository", "self_rotate"])
}

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x32"), render(state, 120, 32));
}

#[test]
fn the_done_screen_says_whether_a_daily_rotation_renews_the_token() {
    let mut s = done();
    let without = render(&s, 80, 24);
    s.done.schedule = Some(done_line(None));
    let none = render(&s, 80, 24);
    assert!(!without.contains("gitlab-token schedule enable"));
    assert!(
        none.contains("Not renewed automatically: `gitlab-token schedule enable`"),
        "{none}"
    );
    snap("schedule_done_none", &s);
    let record = Record {
        backend: "systemd".into(),
        at: "10:00".into(),
        within: 14,
        command: vec![],
        files: vec![],
    };
    s.done.schedule = Some(done_line(Some(&record)));
    let installed = render(&s, 80, 24);
    assert!(
        installed.contains("The daily rotation (10:00) renews it when 14 days or fewer are left."),
        "{installed}"
    );
    snap("schedule_done_installed", &s);
}

/// A token that cannot rotate itself is never said to be renewed by the daily rotation, even
/// where one is installed: the screen names the command that replaces it instead.
#[test]
fn the_done_screen_never_promises_a_renewal_the_schedule_cannot_make() {
    let mut s = done_with(&["read_api", "read_repository"]);
    s.done.schedule = Some(done_line(Some(&Record {
        backend: "systemd".into(),
        at: "10:00".into(),
        within: 14,
        command: vec![],
        files: vec![],
    })));
    let screen = render(&s, 80, 24);
    assert!(!screen.contains("renews it"), "{screen}");
    assert!(
        screen.contains("The daily rotation cannot renew it"),
        "{screen}"
    );
    assert!(
        screen.contains("gitlab-token setup") && screen.contains("--replace"),
        "{screen}"
    );
    snap("schedule_done_cannot_renew", &s);
}
