//! "Create it for me" as a state machine: the owner step's sub-choice, each way to authorize,
//! the plan, the creation's stages, quit keys and signals during it, stale answers dropped by
//! ticket, Esc at each step, and the one-time browser sign-in revoked at the end, never saved.

mod create_support;
mod drive;

use create_support::*;
use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::provision::{self, Kind, Stage};
use gitlab_token::wizard::create::{CreateEffect, CreateMsg, Method, Phase, parse_targets};
use gitlab_token::wizard::signin::{Purpose, SigninEffect, SigninMsg};
use gitlab_token::wizard::{Effect, Msg, Owner, Step, Ticket, update};

#[test]
fn left_right_picks_create_for_me_under_a_service_account_only() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    assert!(!s.create_for_me, "guiding stays the default");
    key(&mut s, KeyCode::Right);
    assert!(s.create_for_me);
    key(&mut s, KeyCode::Left);
    assert!(!s.create_for_me);
    key(&mut s, KeyCode::Down);
    assert_eq!(s.owner, Owner::Personal);
    key(&mut s, KeyCode::Right);
    assert!(
        !s.create_for_me,
        "←→ moves the cursor in the field for the other ways"
    );
}

#[test]
fn create_for_me_needs_targets_and_reads_several() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Enter);
    assert!(s.creating.is_none());
    assert!(s.owner_error.is_some(), "says a target is needed");
    type_text(&mut s, "acme, acme/tools/scanner");
    key(&mut s, KeyCode::Enter);
    let c = s.creating.as_ref().expect("the authorize screen");
    assert_eq!(c.phase, Phase::Authorize);
    assert_eq!(c.targets, ["acme", "acme/tools/scanner"]);
    assert_eq!(c.methods, [Method::Browser, Method::Paste]);
    assert_eq!(
        parse_targets(" /acme/ acme,acme/x,, "),
        ["acme", "acme/x"],
        "slashes trimmed, duplicates dropped"
    );
}

#[test]
fn a_saved_browser_sign_in_with_api_on_this_host_is_offered_and_read() {
    let mut s = new_state();
    let mut mine = stored("2027-01-01", &["api"]);
    mine.account = "me@gitlab.example.com".into();
    mine.kind = gitlab_token::vault::CredentialKind::Oauth;
    mine.oauth = Some(gitlab_token::vault::OAuthFacts {
        app_id: "app".into(),
        access_expires_at: "2026-11-23T12:00:00Z".into(),
        needs_sign_in: false,
        refresh_sent: None,
    });
    let mut narrow = mine.clone();
    narrow.account = "narrow@gitlab.example.com".into();
    narrow.scopes = vec!["read_api".into()];
    let mut pat = stored("2027-01-01", &["api"]);
    // Under another name: the plan's name stays free (else creating asks first).
    pat.account = "other@gitlab.example.com".into();
    s.set_stored(vec![mine, narrow, pat]);
    to_authorize(&mut s, "acme");
    let c = s.creating.as_ref().unwrap();
    assert_eq!(
        c.methods,
        [
            Method::Browser,
            Method::Paste,
            Method::Stored("me@gitlab.example.com".into())
        ],
        "only an OAuth sign-in with api is offered (not a stored PAT, not read_api)"
    );
    key(&mut s, KeyCode::Up);
    let effects = key(&mut s, KeyCode::Enter);
    let t = match effects.as_slice() {
        [Effect::Create(CreateEffect::LoadOwner { ticket, account })] => {
            assert_eq!(account, "me@gitlab.example.com");
            *ticket
        }
        other => panic!("{other:?}"),
    };
    assert!(s.busy(), "a spinner while reading");
    // It could not be read: back to the choice, saying why.
    create(
        &mut s,
        CreateMsg::OwnerLoaded(t, Err("needs sign-in".into())),
    );
    let c = s.creating.as_ref().unwrap();
    assert_eq!(
        (c.phase, c.error.as_deref()),
        (Phase::Authorize, Some("needs sign-in"))
    );
    let t = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Create(CreateEffect::LoadOwner { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    let effects = create(&mut s, CreateMsg::OwnerLoaded(t, Ok(owner_token())));
    let (dt, owner) = discover_of(&effects);
    assert_eq!(owner, OWNER);
    // Used, then left as it is: nothing to revoke, and the summary says it stays saved.
    create(&mut s, CreateMsg::Discovered(dt, Ok(Box::new(discovery()))));
    set_choice(&mut s, three_candidates());
    let et = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Create(CreateEffect::Execute { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    let effects = create(&mut s, CreateMsg::Executed(et, Ok(Box::new(outcome()))));
    assert!(
        effects.is_empty(),
        "a saved sign-in is not revoked: {effects:?}"
    );
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(
        summary.contains("saved sign-in me@gitlab.example.com was used as it is"),
        "{summary}"
    );
}

#[test]
fn a_pasted_token_is_masked_used_for_discovery_and_its_answer_becomes_the_plan() {
    let mut s = new_state();
    let t = to_plan_by_paste(&mut s);
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::Plan);
    assert!(c.paste.is_empty(), "the field is cleared once used");
    let request = c.request.clone().unwrap();
    assert_eq!(request.targets, ["acme", "acme/tools"]);
    assert_eq!(request.name, s.name);
    assert!(request.self_rotate);
    assert_eq!(request.expires_in_days, s.expiry_days);
    assert_eq!(
        c.choice.as_ref(),
        Some(&provision::choose(&request, &discovery())),
        "the plan is the library's choice"
    );
    assert!(t.0 > 0);
}

#[test]
fn stale_discovery_answers_are_dropped() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (first, _) = discover_of(&key(&mut s, KeyCode::Enter));
    // Esc stops looking; authorizing again asks anew.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Authorize);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (second, _) = discover_of(&key(&mut s, KeyCode::Enter));
    s.dirty = false;
    create(
        &mut s,
        CreateMsg::Discovered(first, Ok(Box::new(discovery()))),
    );
    assert!(!s.dirty, "a stale answer changes nothing");
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Discovering);
    create(
        &mut s,
        CreateMsg::Discovered(second, Ok(Box::new(discovery()))),
    );
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Plan);
}

#[test]
fn another_possible_kind_can_be_picked_and_enter_creates_it() {
    let mut s = new_state();
    to_plan_by_paste(&mut s);
    set_choice(&mut s, three_candidates());
    assert_eq!(
        s.creating.as_ref().unwrap().kind,
        Some(Kind::GroupServiceAccount)
    );
    key(&mut s, KeyCode::Down);
    assert_eq!(
        s.creating.as_ref().unwrap().kind,
        Some(Kind::GroupToken),
        "the refused instance account is skipped"
    );
    key(&mut s, KeyCode::Down);
    assert_eq!(
        s.creating.as_ref().unwrap().kind,
        Some(Kind::GroupServiceAccount)
    );
    key(&mut s, KeyCode::Up);
    assert_eq!(s.creating.as_ref().unwrap().kind, Some(Kind::GroupToken));
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Create(CreateEffect::Execute { kind, owner, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*kind, Kind::GroupToken);
    assert_eq!(owner.expose(), OWNER);
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Executing);
    assert!(s.in_flight(), "creating is irreversible work");
}

#[test]
fn stages_show_progress_stale_ones_are_dropped_and_the_outcome_is_done() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    s.dirty = false;
    create(&mut s, CreateMsg::Stage(Ticket(t.0 + 100), Stage::Account));
    assert!(!s.dirty);
    create(&mut s, CreateMsg::Stage(t, Stage::Account));
    create(
        &mut s,
        CreateMsg::Stage(t, Stage::Membership("acme".into())),
    );
    create(&mut s, CreateMsg::Stage(t, Stage::Token));
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.stage, Some(Stage::Token));
    assert_eq!(c.passed, [Stage::Account, Stage::Membership("acme".into())]);
    create(
        &mut s,
        CreateMsg::Executed(Ticket(t.0 + 100), Ok(Box::new(outcome()))),
    );
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Executing);
    let effects = create(&mut s, CreateMsg::Executed(t, Ok(Box::new(outcome()))));
    assert!(
        effects.is_empty(),
        "a pasted token is only dropped: {effects:?}"
    );
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::Finished);
    assert!(
        c.authority.is_none(),
        "the owner's token is dropped at the end"
    );
    assert_eq!(s.created().map(|o| o.token.id), Some(77));
    assert!(!s.in_flight());
    let effects = key(&mut s, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Quit]), "{effects:?}");
}

#[test]
fn quit_keys_ctrl_c_and_signals_wait_for_the_creation_to_be_stored() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert!(!s.quit && s.guard.quit_after);
    assert!(
        s.notice
            .as_deref()
            .unwrap()
            .contains("Finishing the creation")
    );
    assert!(ctrl(&mut s, 'c').is_empty());
    assert!(ctrl(&mut s, 'c').is_empty(), "a second Ctrl-C waits too");
    assert!(update(&mut s, Msg::Signal).is_empty(), "a signal waits too");
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(!s.quit);
    create(&mut s, CreateMsg::Stage(t, Stage::Storing));
    assert!(!s.quit);
    let effects = create(&mut s, CreateMsg::Executed(t, Ok(Box::new(outcome()))));
    assert!(matches!(effects.as_slice(), [Effect::Quit]), "{effects:?}");
    assert!(s.quit && s.created().is_some());
}

#[test]
fn a_failure_keeps_the_authorization_for_a_retry_and_esc_goes_back_to_the_plan() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    create(&mut s, CreateMsg::Executed(t, Err(Box::new(failure()))));
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::Finished);
    assert!(c.authority.is_some());
    let effects = key(&mut s, KeyCode::Char('r'));
    let [Effect::Create(CreateEffect::Execute { ticket, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    create(
        &mut s,
        CreateMsg::Executed(*ticket, Err(Box::new(failure()))),
    );
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Plan);
}

#[test]
fn a_failed_discovery_says_why_and_r_asks_again() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (t, _) = discover_of(&key(&mut s, KeyCode::Enter));
    create(
        &mut s,
        CreateMsg::Discovered(t, Err("401: your token".into())),
    );
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::Plan);
    assert!(c.kind.is_none());
    assert!(key(&mut s, KeyCode::Enter).is_empty(), "nothing to create");
    let (again, _) = discover_of(&key(&mut s, KeyCode::Char('r')));
    assert!(again > t);
}

#[test]
fn nothing_possible_offers_the_guided_path() {
    let mut s = new_state();
    to_plan_by_paste(&mut s);
    set_choice(&mut s, nothing_possible());
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    key(&mut s, KeyCode::Char('g'));
    assert!(s.creating.is_none());
    assert_eq!(
        s.step,
        Step::Owner,
        "the guided path starts at creating the account (its owner-step guide), not at granting \
         a role to an account that does not exist yet"
    );
    assert_eq!(s.owner, Owner::ServiceAccount);
    assert!(!s.create_for_me);
}

#[test]
fn esc_goes_back_one_step_everywhere() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    // Pasting -> authorize, the field cleared.
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "glpat-x");
    key(&mut s, KeyCode::Esc);
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::Authorize);
    assert!(c.paste.is_empty());
    // Plan -> authorize, the credential dropped.
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (t, _) = discover_of(&key(&mut s, KeyCode::Enter));
    create(&mut s, CreateMsg::Discovered(t, Ok(Box::new(discovery()))));
    key(&mut s, KeyCode::Esc);
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::Authorize);
    assert!(c.authority.is_none() && c.choice.is_none());
    // Authorize -> the owner step, "Create it for me" still picked.
    key(&mut s, KeyCode::Esc);
    assert!(s.creating.is_none());
    assert_eq!(s.step, Step::Owner);
    assert!(s.create_for_me);
    // The owner step -> reachability.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Reachability);
}

#[test]
fn the_browser_sign_in_asks_for_api_is_never_saved_and_is_revoked_at_the_end() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    to_authorize(&mut s, "acme");
    let effects = key(&mut s, KeyCode::Enter);
    let (t, scopes) = match effects.as_slice() {
        [
            Effect::Signin(SigninEffect::Start {
                ticket,
                scopes,
                app_id,
                ..
            }),
        ] => {
            assert_eq!(app_id, "app-1");
            (*ticket, scopes.clone())
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(scopes, ["api"]);
    let c = s.creating.as_ref().unwrap();
    assert_eq!(c.phase, Phase::SigningIn);
    assert_eq!(
        c.signin.as_ref().unwrap().purpose,
        Purpose::OwnerAuthorization
    );
    assert!(s.signin.is_none(), "not the wizard's own sign-in");
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    let effects = update(
        &mut s,
        Msg::Signin(SigninMsg::Done(t, Ok(Box::new(pair())))),
    );
    let (dt, owner) = discover_of(&effects);
    assert_eq!(owner, ACCESS);
    assert!(
        !s.has_unsaved_token(),
        "nothing here is saved, so quitting asks nothing"
    );
    create(&mut s, CreateMsg::Discovered(dt, Ok(Box::new(discovery()))));
    set_choice(&mut s, three_candidates());
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Create(CreateEffect::Execute { ticket, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let et = *ticket;
    // Quitting now: it waits for the creation, then for the revocation.
    key(&mut s, KeyCode::Char('q'));
    let effects = create(&mut s, CreateMsg::Executed(et, Ok(Box::new(outcome()))));
    let rt = match effects.as_slice() {
        [
            Effect::Create(CreateEffect::Revoke {
                ticket,
                tokens,
                app_id,
                ..
            }),
        ] => {
            let shown: Vec<&str> = tokens.iter().map(|t| t.expose()).collect();
            assert_eq!(shown, [ACCESS, REFRESH], "both tokens of the sign-in");
            assert_eq!(app_id, "app-1");
            *ticket
        }
        other => panic!("revoked at the end: {other:?}"),
    };
    assert!(!s.quit && s.in_flight(), "the revocation is waited for");
    let effects = create(&mut s, CreateMsg::Revoked(rt, Ok(())));
    assert!(matches!(effects.as_slice(), [Effect::Quit]), "{effects:?}");
}

#[test]
fn leaving_with_a_sign_in_in_hand_revokes_it_quit_and_signal_too() {
    for how in ["esc", "q", "signal"] {
        let mut s = new_state();
        s.oauth_app_id = Some("app-1".into());
        to_authorize(&mut s, "acme");
        sign_in_and_discover(&mut s);
        let effects = match how {
            "esc" => key(&mut s, KeyCode::Esc),
            "q" => key(&mut s, KeyCode::Char('q')),
            _ => update(&mut s, Msg::Signal),
        };
        let rt = match effects.as_slice() {
            [Effect::Create(CreateEffect::Revoke { ticket, .. })] => *ticket,
            other => panic!("{how}: {other:?}"),
        };
        let effects = create(&mut s, CreateMsg::Revoked(rt, Ok(())));
        if how == "esc" {
            assert_eq!(
                s.creating.as_ref().unwrap().phase,
                Phase::Authorize,
                "{how}"
            );
            assert!(effects.is_empty());
        } else {
            assert!(
                matches!(effects.as_slice(), [Effect::Quit]),
                "{how}: {effects:?}"
            );
        }
    }
}

#[test]
fn esc_on_the_device_screen_stops_polling_and_goes_back() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    to_authorize(&mut s, "acme");
    let t = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Signin(SigninEffect::Start { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    let effects = key(&mut s, KeyCode::Esc);
    assert!(
        matches!(effects.as_slice(), [Effect::Signin(SigninEffect::Cancel(c))] if *c == t),
        "{effects:?}"
    );
    assert_eq!(s.creating.as_ref().unwrap().phase, Phase::Authorize);
    // A late approval for the cancelled sign-in is dropped, not used.
    let effects = update(
        &mut s,
        Msg::Signin(SigninMsg::Done(t, Ok(Box::new(pair())))),
    );
    assert!(effects.is_empty());
    assert!(s.creating.as_ref().unwrap().authority.is_none());
}

#[test]
fn q_on_the_plan_with_a_pasted_token_quits_at_once() {
    let mut s = new_state();
    to_plan_by_paste(&mut s);
    let effects = key(&mut s, KeyCode::Char('q'));
    assert!(matches!(effects.as_slice(), [Effect::Quit]), "{effects:?}");
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(summary.contains("before anything was created"), "{summary}");
}

#[test]
fn staying_after_the_quit_question_keeps_the_sign_in_and_quitting_revokes_it() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    // A token pasted on the guided path first (unsaved), then back to "Create it for me".
    to_paste(&mut s, "gitlab.example.com", "acme");
    paste(&mut s, TOKEN);
    for _ in 0..3 {
        key(&mut s, KeyCode::Esc);
    }
    assert_eq!(s.step, Step::Owner);
    key(&mut s, KeyCode::Up);
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Enter);
    sign_in_and_discover(&mut s);
    // q asks first (the pasted token would be lost); "stay" keeps the sign-in in hand.
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert!(s.confirm_quit);
    key(&mut s, KeyCode::Char('n'));
    assert!(s.creating.as_ref().unwrap().authority.is_some());
    // Quitting for real revokes it first, then quits.
    key(&mut s, KeyCode::Char('q'));
    let rt = match key(&mut s, KeyCode::Char('y')).as_slice() {
        [Effect::Create(CreateEffect::Revoke { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    assert!(!s.quit);
    let effects = create(&mut s, CreateMsg::Revoked(rt, Ok(())));
    assert!(
        matches!(effects.as_slice(), [Effect::Quit]) && !s.confirm_quit,
        "not asked twice: {effects:?}"
    );
}

/// Under "Create it for me" the owner step shows its steps, not a page: no link, so Ctrl-O is
/// neither offered nor does anything; the guide's page comes back with ←→.
#[test]
fn no_link_to_open_on_the_owner_step_while_create_for_me_is_picked() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme");
    assert!(
        s.link().is_some(),
        "the guide shows the service-accounts page"
    );
    key(&mut s, KeyCode::Right);
    assert!(s.create_for_me);
    assert_eq!(s.link(), None);
    let shown = gitlab_token::ui::help::hints(&s);
    assert!(
        shown.iter().all(|h| h.label != "open link"),
        "{:?}",
        shown.iter().map(|h| h.label).collect::<Vec<_>>()
    );
    let ctrl_o = crossterm::event::KeyEvent::new(
        KeyCode::Char('o'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    let effects = update(&mut s, Msg::Key(ctrl_o));
    assert!(effects.is_empty(), "{effects:?}");
}

/// The name holds the token an earlier `create` made for this kind of account in this place:
/// the plan says the account is reused and Enter checks and reuses it (it is not "new").
#[test]
fn a_plan_whose_account_and_token_were_made_before_says_reused() {
    let mut s = new_state();
    let mut mine = stored("2027-01-01", &["read_api"]);
    mine.provisioned = Some(gitlab_token::provision::Provisioned {
        kind: Kind::GroupServiceAccount,
        account_id: 91,
        account_username: "service_account_group_10_abc".into(),
        lives_in: Some("acme".into()),
        lives_in_id: Some(10),
        token_id: 41,
        targets: vec!["acme".into(), "acme/tools".into()],
        created_at: "2026-08-25T09:00:00Z".into(),
    });
    s.set_stored(vec![mine]);
    to_plan_by_paste(&mut s);
    set_choice(&mut s, three_candidates());
    assert!(s.create_reuses().is_some());
    let shown = render_screen(&s, 80, 24);
    assert!(shown.contains("Will reuse"), "{shown}");
    assert!(
        shown.contains("service_account_group_10_abc (made by"),
        "{shown}"
    );
    assert!(!shown.contains("new, for this profile"), "{shown}");
    assert!(!shown.contains("create it"), "{shown}");
    assert!(shown.contains("check and reuse it"), "{shown}");
    // Another kind picked (a group token): that one would be new.
    key(&mut s, KeyCode::Down);
    assert!(s.create_reuses().is_none());
}
