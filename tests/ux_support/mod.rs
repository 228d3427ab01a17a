//! Shared helpers of the ux tests: screens rendered on a TestBackend, and wizard states reached
//! through the state machine (on top of tests/drive).
#![allow(dead_code)]

use crate::drive::*;
use crossterm::event::KeyCode;
use gitlab_token::ui::help;
use gitlab_token::wizard::{Msg, Saved, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 32)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    terminal.backend().to_string()
}

pub fn help_text(state: &State) -> String {
    help::rows(&help::hints(state), 200).join("  ")
}

pub fn failed_check() -> State {
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

pub fn validated(scopes: &[&str]) -> State {
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

pub fn saved() -> Saved {
    Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    }
}

pub fn done() -> State {
    let mut s = validated(&["read_api", "read_repository"]);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(&mut s, Msg::Saved(t, Ok(saved())));
    s
}

pub fn screen_at(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    terminal.backend().to_string()
}

/// The generate screen for a personal token, whose prefilled link is long.
pub fn generate_personal() -> State {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc);
    s
}
