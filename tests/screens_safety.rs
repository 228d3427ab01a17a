//! Snapshots (80x24 and 120x32) of the screens about irreversible work: the question before `a`
//! rotates, the rotation's progress, "finishing before quitting", and choosing an expiring token.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::rotation::automatic::Stage;
use gitlab_token::vault::StoredToken;
use gitlab_token::wizard::{Effect, Msg, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    let shown = terminal.backend().to_string();
    assert!(!shown.contains(TOKEN), "the token leaked onto the screen");
    assert!(!shown.contains("TESTONLY"), "part of the token leaked");
    shown
}

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x32"), render(state, 120, 32));
}

fn expiring(name: &str, scopes: &[&str], days: i64) -> (StoredToken, i64) {
    let mut entry = stored("2026-11-25", scopes);
    entry.name = name.into();
    entry.account = format!("{name}@gitlab.example.com");
    (entry, days)
}

fn two_expiring() -> State {
    let mut setup = setup();
    setup.expiring = vec![
        expiring("scanner", &["read_api"], 1),
        expiring("reviewer", &["api"], 3),
    ];
    State::new(setup).0
}

#[test]
fn rotation_question_progress_and_finishing() {
    let mut s = two_expiring();
    snap("safety_01_two_expiring", &s);
    key(&mut s, KeyCode::Tab);
    snap("safety_02_second_chosen", &s);
    key(&mut s, KeyCode::Char('a'));
    // The date in the question is today + 90 days: hide it for a stable snapshot.
    let today = gitlab_token::rotation::expiry_in(i64::from(s.expiry_days));
    let question = |w, h| render(&s, w, h).replace(&today, "YYYY-MM-DD");
    insta::assert_snapshot!("safety_03_rotate_question_80x24", question(80, 24));
    insta::assert_snapshot!("safety_03_rotate_question_120x32", question(120, 32));
    let effects = key(&mut s, KeyCode::Char('y'));
    let [Effect::RotateAutomatically { ticket, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    update(&mut s, Msg::RotationStage(*ticket, Stage::Rotating));
    snap("safety_04_rotating_stage", &s);
    key(&mut s, KeyCode::Char('q'));
    snap("safety_05_quit_waits_for_rotation", &s);
}

#[test]
fn quit_during_a_save_waits() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    check_passes(&mut s);
    key(&mut s, KeyCode::Enter);
    ctrl(&mut s, 'c');
    snap("safety_06_quit_waits_for_save", &s);
}

#[test]
fn a_stored_token_of_the_same_name() {
    let mut s = new_state();
    let mut other = stored("2026-12-05", &["read_api"]);
    other.username = "someone-else".into();
    s.set_stored(vec![other]);
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    snap("safety_07_paste_name_taken", &s);
    check_passes(&mut s);
    key(&mut s, KeyCode::Enter);
    snap("safety_08_replace_question", &s);
    key(&mut s, KeyCode::Char('n'));
    snap("safety_09_another_name", &s);
}

#[test]
fn no_usable_keychain() {
    let mut s = new_state();
    let effects = s.begin_store_probe(gitlab_token::vault::StoreKind::SecretService);
    let [Effect::ProbeStore { ticket, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let e = gitlab_token::vault::VaultError::NoProvider(
        "org.freedesktop.DBus.Error.ServiceUnknown".into(),
    );
    update(&mut s, Msg::StoreProbed(*ticket, Err(e)));
    snap("safety_10_no_keychain_first_screen", &s);
    key(&mut s, KeyCode::Char('s'));
    snap("safety_11_choose_store", &s);
}
