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

fn done() -> State {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(
            t,
            Box::new(validation_for(&needs, &["read_api", "read_repository"])),
            "t".into(),
        ),
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

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x32"), render(state, 120, 32));
}

#[test]
fn the_done_screen_says_whether_a_daily_rotation_renews_the_token() {
    let mut s = done();
    let without = render(&s, 80, 24);
    s.schedule = Some(done_line(None));
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
    s.schedule = Some(done_line(Some(&record)));
    let installed = render(&s, 80, 24);
    assert!(
        installed.contains("The daily rotation (10:00) renews it when 14 days or fewer are left."),
        "{installed}"
    );
    snap("schedule_done_installed", &s);
}
