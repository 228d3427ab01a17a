//! "Create it for me", what surrounds it: every key its help lines offer does something, a
//! keychain found unusable can be swapped, the owner's device screen counts down, git can be set
//! up from the Done screen, and the summary says what became of each credential used.

mod create_support;
mod drive;

use create_support::*;
use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::wizard::create::{CreateEffect, CreateMsg};
use gitlab_token::wizard::signin::{SigninEffect, SigninMsg};
use gitlab_token::wizard::{Effect, Msg, update};

/// The key events a hint stands for (any one of them must work).
fn events(k: gitlab_token::ui::help::Key) -> Vec<crossterm::event::KeyEvent> {
    use crossterm::event::{KeyEvent, KeyModifiers};
    use gitlab_token::ui::help::Key;
    let plain = |c| KeyEvent::new(c, KeyModifiers::NONE);
    match k {
        Key::Enter => vec![plain(KeyCode::Enter)],
        Key::Esc => vec![plain(KeyCode::Esc)],
        Key::Char(c) => vec![plain(KeyCode::Char(c))],
        Key::Ctrl(c) => vec![KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)],
        Key::UpDown => vec![plain(KeyCode::Up), plain(KeyCode::Down)],
        Key::LeftRight => vec![plain(KeyCode::Left), plain(KeyCode::Right)],
        Key::Type => vec![plain(KeyCode::Char('x'))],
        Key::Space => vec![plain(KeyCode::Char(' '))],
        Key::Note => Vec::new(),
        other => panic!("no key events known for {other:?}"),
    }
}

#[test]
fn every_key_on_the_create_help_lines_does_something() {
    use gitlab_token::ui::help::{self, Hint, Key};
    type Build = Box<dyn Fn() -> gitlab_token::wizard::State>;
    let browser = || {
        let mut s = new_state();
        s.oauth_app_id = Some("app-1".into());
        to_authorize(&mut s, "acme");
        let t = match key(&mut s, KeyCode::Enter).as_slice() {
            [Effect::Signin(SigninEffect::Start { ticket, .. })] => *ticket,
            other => panic!("{other:?}"),
        };
        update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
        s
    };
    let states: Vec<(&str, Build)> = vec![
        (
            "owner, create for me",
            Box::new(|| {
                let mut s = new_state();
                to_owner(&mut s, "gitlab.example.com");
                key(&mut s, KeyCode::Right);
                s
            }),
        ),
        (
            "authorize",
            Box::new(|| {
                let mut s = new_state();
                to_authorize(&mut s, "acme");
                s
            }),
        ),
        (
            "pasting, filled",
            Box::new(|| {
                let mut s = new_state();
                to_authorize(&mut s, "acme");
                key(&mut s, KeyCode::Down);
                key(&mut s, KeyCode::Enter);
                paste(&mut s, OWNER);
                s
            }),
        ),
        ("device screen", Box::new(browser)),
        (
            "discovering",
            Box::new(|| {
                let mut s = new_state();
                to_authorize(&mut s, "acme");
                key(&mut s, KeyCode::Down);
                key(&mut s, KeyCode::Enter);
                paste(&mut s, OWNER);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "plan",
            Box::new(|| {
                let mut s = new_state();
                to_plan_by_paste(&mut s);
                set_choice(&mut s, three_candidates());
                s
            }),
        ),
        (
            "options, username row",
            Box::new(|| {
                let mut s = new_state();
                to_plan_by_paste(&mut s);
                set_choice(&mut s, three_candidates());
                key(&mut s, KeyCode::Char('o'));
                type_text(&mut s, "bot");
                s
            }),
        ),
        (
            "options, expiry row",
            Box::new(|| {
                let mut s = new_state();
                to_plan_by_paste(&mut s);
                set_choice(&mut s, three_candidates());
                key(&mut s, KeyCode::Char('o'));
                key(&mut s, KeyCode::Down);
                s
            }),
        ),
        (
            "options, switch row",
            Box::new(|| {
                let mut s = new_state();
                to_plan_by_paste(&mut s);
                set_choice(&mut s, three_candidates());
                key(&mut s, KeyCode::Char('o'));
                key(&mut s, KeyCode::Up);
                s
            }),
        ),
        (
            "plan, nothing possible",
            Box::new(|| {
                let mut s = new_state();
                to_plan_by_paste(&mut s);
                set_choice(&mut s, nothing_possible());
                s
            }),
        ),
        (
            "executing",
            Box::new(|| {
                let mut s = new_state();
                to_executing(&mut s);
                s
            }),
        ),
        (
            "failed",
            Box::new(|| {
                let mut s = new_state();
                let t = to_executing(&mut s);
                create(&mut s, CreateMsg::Executed(t, Err(Box::new(failure()))));
                s
            }),
        ),
        (
            "done",
            Box::new(|| {
                let mut s = new_state();
                let t = to_executing(&mut s);
                create(&mut s, CreateMsg::Executed(t, Ok(Box::new(outcome()))));
                s
            }),
        ),
    ];
    for (what, build) in &states {
        let hints = help::hints(&build());
        assert!(!hints.is_empty(), "{what}: no keys offered");
        for Hint { key: k, label } in hints {
            if k == Key::Note {
                continue;
            }
            let works = events(k).into_iter().any(|event| {
                let mut s = build();
                let before = render_screen(&s, 80, 24);
                let effects = update(&mut s, Msg::Key(event));
                s.notice = None;
                !effects.is_empty() || s.quit || render_screen(&s, 80, 24) != before
            });
            assert!(
                works,
                "{what}: the help line offers {k:?} ({label}) but it does nothing"
            );
        }
    }
}

#[test]
fn an_unusable_keychain_can_be_swapped_on_the_plan_and_the_creation_uses_the_pick() {
    use gitlab_token::vault::{StoreKind, VaultError};
    let mut s = new_state();
    let effects = s.begin_store_probe(StoreKind::SecretService);
    let [Effect::ProbeStore { ticket, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    update(
        &mut s,
        Msg::StoreProbed(
            *ticket,
            Err(VaultError::NoProvider("ServiceUnknown".into())),
        ),
    );
    to_plan_by_paste(&mut s);
    set_choice(&mut s, three_candidates());
    assert!(s.may_choose_store());
    key(&mut s, KeyCode::Char('s'));
    assert_eq!(s.store.choosing, Some(0));
    key(&mut s, KeyCode::Down);
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(s.store.kind, StoreKind::File);
    if let [Effect::ProbeStore { ticket, .. }] = effects.as_slice() {
        update(&mut s, Msg::StoreProbed(*ticket, Ok(())));
    }
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Create(CreateEffect::Execute { request, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        request.store,
        StoreKind::File,
        "stored where the person chose"
    );
}

#[test]
fn the_owner_device_screen_counts_down_each_second_and_is_idle_otherwise() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    to_authorize(&mut s, "acme");
    assert!(!s.signin_waiting());
    let t = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Signin(SigninEffect::Start { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    assert!(s.busy(), "asking for a code: the spinner runs");
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    assert!(!s.busy(), "the code shown: no spinner");
    assert!(
        s.signin_waiting(),
        "the runtime sends one message a second now"
    );
    update(&mut s, Msg::Signin(SigninMsg::Second));
    let left = s
        .creating
        .as_ref()
        .unwrap()
        .signin
        .as_ref()
        .unwrap()
        .expires_left;
    assert_eq!(left, 299);
}

#[test]
fn g_on_the_done_screen_sets_up_git_for_the_created_token() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    assert!(!s.can_setup_git(), "nothing stored yet");
    create(&mut s, CreateMsg::Executed(t, Ok(Box::new(outcome()))));
    assert!(s.can_setup_git());
    let effects = key(&mut s, KeyCode::Char('g'));
    let [Effect::SetupGit { host, name, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (host.as_str(), name.as_str()),
        ("gitlab.example.com", s.name.as_str())
    );
}

#[test]
fn the_summary_says_what_became_of_each_credential_used() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    to_authorize(&mut s, "acme");
    sign_in_and_discover(&mut s);
    // Back, then a pasted token of one's own instead.
    let rt = match key(&mut s, KeyCode::Esc).as_slice() {
        [Effect::Create(CreateEffect::Revoke { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    create(&mut s, CreateMsg::Revoked(rt, Ok(())));
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (dt, _) = discover_of(&key(&mut s, KeyCode::Enter));
    create(&mut s, CreateMsg::Discovered(dt, Ok(Box::new(discovery()))));
    set_choice(&mut s, three_candidates());
    let et = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Create(CreateEffect::Execute { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    create(&mut s, CreateMsg::Executed(et, Ok(Box::new(outcome()))));
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(summary.contains("browser sign-in was revoked"), "{summary}");
    assert!(summary.contains("only held in memory"), "{summary}");
    assert!(!summary.contains("TESTONLY"), "{summary}");
}

#[test]
fn a_second_run_that_made_nothing_says_so_after_exit() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    let mut o = outcome();
    o.account.created = false;
    for m in &mut o.memberships {
        m.created = false;
    }
    o.token.created = false;
    create(&mut s, CreateMsg::Executed(t, Ok(Box::new(o))));
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(
        summary.contains("nothing new was created; kept"),
        "{summary}"
    );
}
