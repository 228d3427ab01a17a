//! The wizard never abandons irreversible work to a quit key or a signal, asks before `a`
//! rotates, lets every expiring token be chosen, and quits on a second Ctrl-C. State machine only.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::rotation::automatic::Stage;
use gitlab_token::rotation::{PathKind, Report};
use gitlab_token::vault::StoredToken;
use gitlab_token::wizard::{Effect, Msg, SaveError, Saved, State, Step, Ticket, update};

fn expiring(name: &str, scopes: &[&str], days: i64) -> (StoredToken, i64) {
    let mut entry = stored("2026-11-25", scopes);
    entry.name = name.into();
    entry.account = format!("{name}@gitlab.example.com");
    (entry, days)
}

fn with_expiring(list: Vec<(StoredToken, i64)>) -> State {
    let mut setup = setup();
    setup.expiring = list;
    State::new(setup).0
}

fn report(account: &str, ok: bool) -> Report {
    let mut entry = stored("2026-11-25", &["api"]);
    entry.account = account.into();
    let mut r = Report::new(&entry, PathKind::Automatic);
    r.ok = ok;
    r.new_expires_at = ok.then(|| "2027-02-21".to_owned());
    r
}

fn rotation_ticket(effects: &[Effect]) -> Ticket {
    match effects {
        [Effect::RotateAutomatically { ticket, .. }] => *ticket,
        other => panic!("expected one rotation, got {other:?}"),
    }
}

fn quits(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Quit))
}

/// A wizard whose automatic rotation of `reviewer` is in flight.
fn rotating() -> (State, Ticket) {
    let mut s = with_expiring(vec![expiring("reviewer", &["api"], 2)]);
    key(&mut s, KeyCode::Char('a'));
    let t = rotation_ticket(&key(&mut s, KeyCode::Char('y')));
    assert!(s.in_flight());
    (s, t)
}

#[test]
fn a_asks_first_with_the_rotate_commands_warning_and_only_y_rotates() {
    let mut s = with_expiring(vec![expiring("reviewer", &["api"], 2)]);
    assert!(
        key(&mut s, KeyCode::Char('a')).is_empty(),
        "one key never rotates"
    );
    assert_eq!(s.guard.confirm_rotate, Some(0));
    assert!(!s.in_flight());
    for no in [
        KeyCode::Char('n'),
        KeyCode::Esc,
        KeyCode::Enter,
        KeyCode::Char('q'),
    ] {
        key(&mut s, KeyCode::Char('a'));
        assert!(key(&mut s, no).is_empty(), "{no:?} does not rotate");
        assert_eq!(s.guard.confirm_rotate, None);
        assert!(!s.quit, "{no:?} answers the question, it does not quit");
    }
    key(&mut s, KeyCode::Char('a'));
    let effects = key(&mut s, KeyCode::Char('y'));
    let [Effect::RotateAutomatically { entry, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(entry.account, "reviewer@gitlab.example.com");
}

#[test]
fn q_esc_and_ctrl_c_during_a_rotation_wait_for_it_then_quit() {
    for quit_key in ["q", "esc", "ctrl-c"] {
        let (mut s, t) = rotating();
        let effects = match quit_key {
            "q" => key(&mut s, KeyCode::Char('q')),
            "esc" => key(&mut s, KeyCode::Esc),
            _ => ctrl(&mut s, 'c'),
        };
        assert!(!quits(&effects), "{quit_key} does not abandon the rotation");
        assert!(!s.quit);
        assert!(s.guard.quit_after);
        assert!(
            s.notice
                .as_deref()
                .unwrap()
                .contains("Finishing the rotation"),
            "{:?}",
            s.notice
        );
        // Pressing again changes nothing: still finishing.
        assert!(!quits(&ctrl(&mut s, 'c')));
        assert!(!quits(&key(&mut s, KeyCode::Char('q'))));
        assert!(!s.quit);
        update(&mut s, Msg::RotationStage(t, Stage::Storing));
        assert!(!s.quit);
        let effects = update(
            &mut s,
            Msg::Rotated(t, Box::new(report("reviewer@gitlab.example.com", true))),
        );
        assert!(quits(&effects), "{quit_key}: quits once the rotation ended");
        assert!(s.quit);
        assert!(!s.guard.signalled);
    }
}

#[test]
fn a_signal_during_a_rotation_waits_for_it_and_a_second_signal_too() {
    let (mut s, t) = rotating();
    assert!(!quits(&update(&mut s, Msg::Signal)));
    assert!(
        !quits(&update(&mut s, Msg::Signal)),
        "a second signal still waits"
    );
    assert!(!s.quit);
    assert!(s.guard.signalled);
    // A stale answer does not end the wait.
    update(
        &mut s,
        Msg::Rotated(Ticket(t.0 + 9), Box::new(report("x", true))),
    );
    assert!(!s.quit);
    let effects = update(
        &mut s,
        Msg::Rotated(t, Box::new(report("reviewer@gitlab.example.com", false))),
    );
    assert!(quits(&effects), "a failed rotation is finished too");
}

#[test]
fn a_signal_with_nothing_in_flight_quits_at_once() {
    let mut s = new_state();
    assert!(quits(&update(&mut s, Msg::Signal)));
    assert!(s.quit && s.guard.signalled);
}

#[test]
fn the_rotation_shows_its_stages() {
    let (mut s, t) = rotating();
    for stage in [
        Stage::Checking,
        Stage::Rotating,
        Stage::Storing,
        Stage::Verifying,
    ] {
        update(&mut s, Msg::RotationStage(t, stage));
        assert_eq!(s.rotation_stage(), Some(stage));
    }
    update(&mut s, Msg::RotationStage(Ticket(t.0 + 1), Stage::Checking));
    assert_eq!(
        s.rotation_stage(),
        Some(Stage::Verifying),
        "stale stage dropped"
    );
    update(
        &mut s,
        Msg::Rotated(t, Box::new(report("reviewer@gitlab.example.com", true))),
    );
    assert_eq!(s.rotation_stage(), None);
}

/// On to the Save step with the save in flight.
fn saving() -> (State, Ticket) {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    check_passes(&mut s);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    assert_eq!(s.step, Step::Save);
    assert!(s.in_flight());
    (s, t)
}

fn saved() -> Saved {
    Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service".into(),
        metadata_path: "/tmp/tokens.toml".into(),
    }
}

#[test]
fn q_during_a_save_waits_for_it() {
    let (mut s, t) = saving();
    assert!(!quits(&key(&mut s, KeyCode::Char('q'))));
    assert!(
        !s.confirm_quit,
        "no question while saving: it finishes first"
    );
    assert!(!s.quit);
    let effects = update(&mut s, Msg::Saved(t, Ok(saved())));
    assert!(quits(&effects));
}

#[test]
fn q_during_a_save_that_fails_asks_before_throwing_the_token_away() {
    let (mut s, t) = saving();
    ctrl(&mut s, 'c');
    let err = gitlab_token::vault::VaultError::NoProvider("no secrets provider".into());
    let effects = update(&mut s, Msg::Saved(t, Err(SaveError::Keychain(err))));
    assert!(
        !quits(&effects),
        "the pasted token is not thrown away silently"
    );
    assert!(s.confirm_quit, "the quit dialog says it is not saved");
    assert!(s.has_unsaved_token());
}

#[test]
fn a_second_ctrl_c_on_the_quit_dialog_quits() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    assert!(!quits(&ctrl(&mut s, 'c')));
    assert!(s.confirm_quit);
    assert!(quits(&ctrl(&mut s, 'c')), "Ctrl-C twice quits");
}

#[test]
fn any_other_key_on_the_quit_dialog_stays() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    ctrl(&mut s, 'c');
    assert!(!quits(&key(&mut s, KeyCode::Char('n'))));
    assert!(!s.confirm_quit && !s.quit);
}

#[test]
fn q_during_a_revocation_waits_for_it() {
    let mut s = replacing_state();
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(
            t,
            Box::new(validation_for(
                &needs,
                &["read_api", "read_repository", "read_user"],
            )),
            "t".into(),
        ),
    );
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(&mut s, Msg::Saved(t, Ok(saved())));
    assert_eq!(s.step, Step::Done);
    let t = ticket_of_load(&key(&mut s, KeyCode::Char('r')));
    assert!(s.in_flight());
    assert!(!quits(&key(&mut s, KeyCode::Enter)), "Enter waits too");
    assert!(!s.quit);
    let effects = update(&mut s, Msg::OldRevoked(t, Ok(())));
    assert!(quits(&effects));
}

#[test]
fn every_expiring_token_can_be_chosen_for_a_and_r() {
    let mut s = with_expiring(vec![
        expiring("scanner", &["read_api"], 1),
        expiring("reviewer", &["api"], 3),
        expiring("bot", &["self_rotate"], 5),
    ]);
    assert!(
        s.auto_rotatable().is_none(),
        "the first cannot rotate itself"
    );
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.guard.expiring_cursor, 1);
    key(&mut s, KeyCode::Char('a'));
    let effects = key(&mut s, KeyCode::Char('y'));
    let [Effect::RotateAutomatically { entry, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(entry.account, "reviewer@gitlab.example.com");
    let t = rotation_ticket(&effects);
    update(
        &mut s,
        Msg::Rotated(t, Box::new(report("reviewer@gitlab.example.com", true))),
    );
    assert_eq!(s.rotation.expiring.len(), 2);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.chosen_expiring().unwrap().name, "scanner", "wraps around");
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.chosen_expiring().unwrap().name, "bot");
    let effects = key(&mut s, KeyCode::Char('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::LoadOld { account, .. }] if account == "bot@gitlab.example.com")
    );
}

/// At Validate with a passed check for `repo-scanner@gitlab.example.com`, which is stored already.
fn validated_with_clash() -> State {
    let mut s = new_state();
    let mut other = stored("2026-12-05", &["read_api"]);
    other.username = "someone-else".into();
    s.set_stored(vec![other]);
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    assert!(s.clash().is_some(), "NAME@HOST is taken");
    check_passes(&mut s);
    s
}

#[test]
fn saving_over_a_stored_token_of_the_same_name_asks_first() {
    let mut s = validated_with_clash();
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "no silent overwrite"
    );
    assert!(s.existing.asking);
    assert_eq!(s.step, Step::Validate);
    key(&mut s, KeyCode::Esc);
    assert!(!s.existing.asking, "Esc keeps both");
    key(&mut s, KeyCode::Enter);
    let effects = key(&mut s, KeyCode::Char('y'));
    let [Effect::Save { entry, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(entry.account, "repo-scanner@gitlab.example.com");
}

#[test]
fn another_name_can_be_typed_instead() {
    let mut s = validated_with_clash();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(
        s.existing.rename.as_ref().unwrap().value(),
        "repo-scanner-2",
        "a free name is suggested"
    );
    ctrl(&mut s, 'u');
    for _ in 0..20 {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "bad name");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(
        s.existing.rename.is_some(),
        "a name with a space is refused"
    );
    for _ in 0..20 {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "scanner-ci");
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Save { entry, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(entry.account, "scanner-ci@gitlab.example.com");
    assert_eq!(s.name, "scanner-ci");
}

#[test]
fn replacing_a_token_on_purpose_does_not_ask() {
    let mut s = replacing_state();
    s.set_stored(vec![stored("2026-11-30", &["read_api"])]);
    assert!(
        s.clash().is_none(),
        "guided rotation replaces it on purpose"
    );
}

fn no_provider() -> gitlab_token::vault::VaultError {
    gitlab_token::vault::VaultError::NoProvider("org.freedesktop.DBus.Error.ServiceUnknown".into())
}

#[test]
fn an_unusable_keychain_is_found_at_the_start_and_another_store_can_be_chosen() {
    use gitlab_token::vault::StoreKind;
    let mut s = new_state();
    let effects = s.begin_store_probe(StoreKind::SecretService);
    let [Effect::ProbeStore { ticket, store }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*store, StoreKind::SecretService);
    update(&mut s, Msg::StoreProbed(*ticket, Err(no_provider())));
    assert!(s.store_problem().is_some());
    assert!(s.may_choose_store(), "offered on the first screen");
    key(&mut s, KeyCode::Char('s'));
    assert_eq!(s.store.choosing, Some(0));
    key(&mut s, KeyCode::Down);
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::ProbeStore { store, ticket }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*store, StoreKind::File, "keyutils, then the 0600 file");
    update(&mut s, Msg::StoreProbed(*ticket, Ok(())));
    assert!(s.store_problem().is_none());
    // The token is then saved to the chosen store, recorded per token.
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    check_passes(&mut s);
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Save { entry, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(entry.store, StoreKind::File);
}

#[test]
fn a_refused_save_can_go_to_another_store_and_keeps_the_token() {
    use gitlab_token::vault::StoreKind;
    let (mut s, t) = saving();
    update(
        &mut s,
        Msg::Saved(t, Err(SaveError::Keychain(no_provider()))),
    );
    assert!(s.may_choose_store());
    assert!(s.has_unsaved_token());
    key(&mut s, KeyCode::Char('s'));
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Save { entry, token, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(entry.store, StoreKind::Keyutils);
    assert_eq!(token.expose(), TOKEN, "the pasted token, not lost");
    // q with it unsaved still asks.
}
