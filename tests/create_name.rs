//! "Create it for me" never replaces silently a token stored under NAME@HOST that `create` did
//! not make for this account: the plan says so, Enter asks (replace it, or another name with
//! Ctrl-N as on the save step), and only "replace it" sets `Request.replace_existing`.

mod create_support;
mod drive;

use create_support::*;
use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::provision::{Kind, Provisioned, Request};
use gitlab_token::ui::help::{self, Key};
use gitlab_token::wizard::create::{CreateEffect, CreateMsg, Phase};
use gitlab_token::wizard::{Effect, State};

const ACCOUNT: &str = "repo-scanner@gitlab.example.com";

/// The plan (group service account best), with `stored` in the keychain.
fn plan_with(stored: Vec<gitlab_token::vault::StoredToken>) -> State {
    let mut s = new_state();
    s.set_stored(stored);
    to_plan_by_paste(&mut s);
    set_choice(&mut s, three_candidates());
    assert_eq!(s.account().as_deref(), Some(ACCOUNT));
    s
}

/// A person's own token under the same name (`add`ed, not made by `create`).
fn someone_elses() -> gitlab_token::vault::StoredToken {
    stored("2027-01-01", &["read_api"])
}

/// The token `create` made for a group service account living in `acme` (id 10).
fn made_here(kind: Kind, lives_in_id: Option<u64>) -> gitlab_token::vault::StoredToken {
    let mut t = stored("2027-01-01", &["read_api"]);
    t.provisioned = Some(Provisioned {
        kind,
        account_id: 7,
        account_username: "scanner-bot".into(),
        lives_in: Some("acme".into()),
        lives_in_id,
        token_id: 41,
        targets: vec!["acme".into()],
        created_at: "2026-11-01T10:00:00Z".into(),
    });
    t
}

fn execute_request(effects: &[Effect]) -> Request {
    match effects {
        [Effect::Create(CreateEffect::Execute { request, .. })] => (**request).clone(),
        other => panic!("expected an Execute, got {other:?}"),
    }
}

fn hint_keys(s: &State) -> Vec<Key> {
    help::hints(s).into_iter().map(|h| h.key).collect()
}

#[test]
fn a_fresh_name_is_created_without_a_question() {
    let mut s = plan_with(Vec::new());
    assert!(!s.create_needs_consent());
    let request = execute_request(&key(&mut s, KeyCode::Enter));
    assert!(!request.replace_existing);
    assert!(!s.existing.asking);
    let t = s.creating.as_ref().unwrap().execution.ticket.unwrap();
    create(&mut s, CreateMsg::Executed(t, Ok(Box::new(outcome()))));
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(!summary.contains("replaced"), "{summary}");
    assert!(
        !hint_keys(&s).contains(&Key::Ctrl('n')),
        "no other name offered when nothing clashes"
    );
}

#[test]
fn a_token_create_did_not_make_is_replaced_only_after_yes() {
    let mut s = plan_with(vec![someone_elses()]);
    let plan = render_screen(&s, 120, 32);
    assert!(
        plan.contains("already holds another token (scanner-bot's)"),
        "{plan}"
    );
    assert!(hint_keys(&s).contains(&Key::Ctrl('n')));

    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "nothing created yet"
    );
    assert!(s.existing.asking, "the question is open");
    assert_eq!(
        hint_keys(&s),
        [Key::Char('y'), Key::Char('n'), Key::Esc],
        "the question's keys only"
    );
    // Esc: back to the plan, nothing created; Enter asks again.
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(!s.existing.asking);
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Plan);
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(s.existing.asking);

    let request = execute_request(&key(&mut s, KeyCode::Char('y')));
    assert!(request.replace_existing, "the person agreed");
    assert_eq!(request.name, "repo-scanner");
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Executing);
    let t = s.creating.as_ref().unwrap().execution.ticket.unwrap();
    create(&mut s, CreateMsg::Executed(t, Ok(Box::new(outcome()))));
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(
        summary.contains("It replaced the token stored before"),
        "{summary}"
    );
}

#[test]
fn after_yes_a_retry_asks_nothing_and_still_replaces() {
    let mut s = plan_with(vec![someone_elses()]);
    key(&mut s, KeyCode::Enter);
    let t = match key(&mut s, KeyCode::Char('y')).as_slice() {
        [Effect::Create(CreateEffect::Execute { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    create(&mut s, CreateMsg::Executed(t, Err(Box::new(failure()))));
    let plan = render_screen(&s, 120, 32);
    assert!(!plan.contains("name_taken"), "{plan}");
    let request = execute_request(&key(&mut s, KeyCode::Char('r')));
    assert!(request.replace_existing, "the answer holds for the retry");
    assert!(!s.existing.asking);
}

#[test]
fn n_takes_another_name_and_the_plan_shows_it() {
    let mut s = plan_with(vec![someone_elses()]);
    key(&mut s, KeyCode::Enter);
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    assert!(!s.existing.asking);
    assert_eq!(
        s.existing.rename.as_ref().map(|i| i.value().to_owned()),
        Some("repo-scanner-2".into()),
        "a free name is suggested"
    );
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "back to the plan first"
    );
    assert!(s.existing.rename.is_none());
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Plan);
    let plan = render_screen(&s, 120, 32);
    assert!(plan.contains("repo-scanner-2@gitlab.example.com"), "{plan}");
    assert!(!s.create_needs_consent(), "the new name is free");
    let request = execute_request(&key(&mut s, KeyCode::Enter));
    assert_eq!(request.name, "repo-scanner-2");
    assert!(!request.replace_existing, "nothing is replaced");
}

#[test]
fn ctrl_n_on_the_plan_opens_another_name_and_esc_keeps_the_old_one() {
    let mut s = plan_with(vec![someone_elses()]);
    assert!(ctrl(&mut s, 'n').is_empty());
    assert!(s.existing.rename.is_some());
    assert!(hint_keys(&s).contains(&Key::Enter));
    key(&mut s, KeyCode::Esc);
    assert!(s.existing.rename.is_none());
    assert_eq!(s.name, "repo-scanner");
    assert_eq!(
        s.creating.as_ref().unwrap().phase,
        Phase::Plan,
        "Esc only closed the field"
    );

    let mut fresh = plan_with(Vec::new());
    ctrl(&mut fresh, 'n');
    assert!(
        fresh.existing.rename.is_none(),
        "no other name to take: nothing clashes"
    );
}

#[test]
fn the_token_made_here_for_this_account_is_no_question_another_kind_is() {
    // A re-run: the same kind of account in the same place.
    let mut s = plan_with(vec![made_here(Kind::GroupServiceAccount, Some(10))]);
    assert!(!s.create_needs_consent());
    let request = execute_request(&key(&mut s, KeyCode::Enter));
    assert!(
        !request.replace_existing,
        "the library reuses its own, no consent needed"
    );

    // Made by `create`, but for another kind (or place): the library would refuse: ask.
    let mut s = plan_with(vec![made_here(Kind::ProjectToken, Some(11))]);
    assert!(s.create_needs_consent());
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(s.existing.asking);

    // Another place (a group service account of another top-level group).
    let s = plan_with(vec![made_here(Kind::GroupServiceAccount, Some(99))]);
    assert!(s.create_needs_consent());

    // Picking another kind on the plan changes the answer: the group token is not ours.
    let mut s = plan_with(vec![made_here(Kind::GroupServiceAccount, Some(10))]);
    key(&mut s, KeyCode::Down);
    assert_eq!(s.creating.as_ref().unwrap().kind, Some(Kind::GroupToken));
    assert!(s.create_needs_consent());
}
