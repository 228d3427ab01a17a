//! Guided rotation in the wizard's state machine: replacing a stored token, the old value kept
//! for revocation, and the revocation only after the new one is saved.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::wizard::{Effect, Msg, Owner, Saved, State, Step, update};

#[test]
fn replacing_a_stored_token_is_prefilled_and_needs_the_old_scopes() {
    let mut setup = setup();
    setup.replace = Some(stored(
        "2026-11-30",
        &["read_api", "read_repository", "read_user"],
    ));
    let (mut s, effects) = State::new(setup);
    assert_eq!(s.step, Step::Generate);
    assert!(
        matches!(effects.as_slice(), [Effect::LoadOld { account, .. }] if account == "repo-scanner@gitlab.example.com")
    );
    assert_eq!(s.name, "repo-scanner");
    assert_eq!(
        s.owner,
        Owner::ServiceAccount,
        "the old token's user was a bot"
    );
    assert_eq!(s.target().as_deref(), Some("acme"));
    assert_eq!(
        s.needs().scopes,
        ["read_api", "read_repository", "read_user"],
        "profile's plus the old token's"
    );
    let t = ticket_of_load(&effects);
    update(
        &mut s,
        Msg::OldLoaded(t, Ok(gitlab_token::token::Token::new(OLD_TOKEN.into()))),
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Paste);
    paste(&mut s, OLD_TOKEN);
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "the old token is refused as its own replacement"
    );
    assert!(s.notice.is_some());
}

#[test]
fn the_old_token_is_revoked_only_after_the_new_one_is_saved() {
    let mut s = replacing_state();
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let v = validation_for(&needs, &["read_api", "read_repository", "read_user"]);
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let save = key(&mut s, KeyCode::Enter);
    let Some(Effect::Save { ticket, entry, .. }) = save.first() else {
        panic!("{save:?}")
    };
    assert_eq!(
        entry.account, "repo-scanner@gitlab.example.com",
        "swapped under the same account"
    );
    let saved = Saved {
        account: entry.account.clone(),
        store: "Secret Service".into(),
        metadata_path: "/tmp/m".into(),
    };
    update(&mut s, Msg::Saved(*ticket, Ok(saved)));
    assert_eq!(s.step, Step::Done);
    let revoke = key(&mut s, KeyCode::Char('r'));
    let Some(Effect::RevokeOld { token, ticket, .. }) = revoke.first() else {
        panic!("{revoke:?}")
    };
    assert_eq!(
        token.expose(),
        OLD_TOKEN,
        "the old value, read before the swap"
    );
    assert!(
        key(&mut s, KeyCode::Char('r')).is_empty(),
        "no second revoke while one runs"
    );
    update(
        &mut s,
        Msg::OldRevoked(gitlab_token::wizard::Ticket(ticket.0 + 100), Ok(())),
    );
    assert!(
        s.replacing.as_ref().unwrap().revoke.result.is_none(),
        "a stale answer is dropped"
    );
    update(&mut s, Msg::OldRevoked(*ticket, Ok(())));
    assert!(matches!(
        s.replacing.as_ref().unwrap().revoke.result,
        Some(Ok(()))
    ));
}

#[test]
fn nothing_is_revoked_before_the_save() {
    let mut s = replacing_state();
    let effects = key(&mut s, KeyCode::Char('r'));
    assert_eq!(s.step, Step::Generate);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::RevokeOld { .. })),
        "{effects:?}"
    );
}

#[test]
fn r_on_the_first_screen_replaces_the_first_expiring_token() {
    let mut setup = setup();
    setup.expiring = vec![(stored("2026-11-25", &["read_api"]), 2)];
    let (mut s, _) = State::new(setup);
    let effects = key(&mut s, KeyCode::Char('r'));
    assert!(matches!(effects.as_slice(), [Effect::LoadOld { .. }]));
    assert_eq!(s.step, Step::Generate);
    assert!(s.replacing.is_some());
}

fn rotated_report(ok: bool) -> gitlab_token::rotation::Report {
    let mut r = gitlab_token::rotation::Report::new(
        &stored("2026-11-25", &["api"]),
        gitlab_token::rotation::PathKind::Automatic,
    );
    r.ok = ok;
    r.new_expires_at = ok.then(|| "2027-02-21".to_owned());
    r
}

#[test]
fn a_rotates_a_self_rotating_expiring_token_through_the_api() {
    let mut setup = setup();
    setup.expiring = vec![(stored("2026-11-25", &["api"]), 2)];
    let (mut s, _) = State::new(setup);
    assert!(key(&mut s, KeyCode::Char('a')).is_empty(), "`a` asks first");
    let effects = key(&mut s, KeyCode::Char('y'));
    let [
        Effect::RotateAutomatically {
            ticket,
            entry,
            expires_in_days,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(entry.account, "repo-scanner@gitlab.example.com");
    assert_eq!(*expires_in_days, 90);
    assert!(s.busy());
    assert!(
        key(&mut s, KeyCode::Char('a')).is_empty(),
        "one rotation at a time"
    );
    let stale = gitlab_token::wizard::Ticket(ticket.0 + 50);
    update(&mut s, Msg::Rotated(stale, Box::new(rotated_report(true))));
    assert!(
        s.rotation.task.result.is_none(),
        "a stale answer is dropped"
    );
    update(
        &mut s,
        Msg::Rotated(*ticket, Box::new(rotated_report(true))),
    );
    assert!(s.rotation.expiring.is_empty(), "no longer expiring");
    assert!(s.notice.as_deref().unwrap().contains("expires 2027-02-21"));
}

#[test]
fn a_does_nothing_for_a_token_that_cannot_rotate_itself() {
    let mut setup = setup();
    setup.expiring = vec![(stored("2026-11-25", &["read_api"]), 2)];
    let (mut s, _) = State::new(setup);
    assert!(key(&mut s, KeyCode::Char('a')).is_empty());
    assert!(!s.busy());
}
