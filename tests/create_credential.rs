//! "Create it for me": what the person is told at the end about their own credential speaks of
//! the one that authorized the creation, not of one tried before it.

mod create_support;
mod drive;

use create_support::*;
use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::strings::create_wizard as text;
use gitlab_token::wizard::create::{CreateEffect, CreateMsg, Phase};
use gitlab_token::wizard::signin::{SigninEffect, SigninMsg};
use gitlab_token::wizard::{Effect, Msg, update};

#[test]
fn a_pasted_token_left_behind_then_a_browser_sign_in_ends_with_the_sign_in_revoked_only() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    to_plan_by_paste(&mut s);
    // Back from the plan: the pasted token is dropped.
    key(&mut s, KeyCode::Esc);
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::Authorize);
    assert!(c.authority.is_none());
    assert_eq!(text::credential_lines(c), [text::DROPPED]);

    // Then the browser sign-in (the first way).
    key(&mut s, KeyCode::Up);
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Signin(SigninEffect::Start { ticket, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let t = *ticket;
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    let effects = update(
        &mut s,
        Msg::Signin(SigninMsg::Done(t, Ok(Box::new(pair())))),
    );
    let (dt, owner) = discover_of(&effects);
    assert_eq!(owner, ACCESS);
    create(&mut s, CreateMsg::Discovered(dt, Ok(Box::new(discovery()))));
    set_choice(&mut s, three_candidates());
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Create(CreateEffect::Execute { ticket, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let effects = create(
        &mut s,
        CreateMsg::Executed(*ticket, Ok(Box::new(outcome()))),
    );
    let [Effect::Create(CreateEffect::Revoke { ticket, .. })] = effects.as_slice() else {
        panic!("the sign-in is revoked once the creation ends: {effects:?}")
    };
    create(&mut s, CreateMsg::Revoked(*ticket, Ok(())));
    let c = s.creating.as_ref().unwrap();
    assert_eq!(
        text::credential_lines(c),
        [text::REVOKED],
        "only the sign-in that authorized the creation is spoken of"
    );
}
