//! Snapshots of every "Create it for me" screen at 80x24 and 120x32 (the pure renderer on
//! ratatui's TestBackend). No token of the owner's, pasted or signed in, may ever appear.

mod create_support;
mod drive;

use create_support::*;
use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::wizard::create::{CreateEffect, CreateMsg};
use gitlab_token::wizard::signin::{SigninEffect, SigninMsg};
use gitlab_token::wizard::{Effect, Msg, State, update};

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render_screen(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x32"), render_screen(state, 120, 32));
}

#[test]
fn owner_step_with_create_for_me() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Right);
    type_text(&mut s, "acme, acme/tools");
    snap("create_owner_step", &s);
}

#[test]
fn authorize_choices() {
    let mut s = new_state();
    let mut mine = stored("2027-01-01", &["api"]);
    mine.account = "olivia@gitlab.example.com".into();
    mine.kind = gitlab_token::vault::CredentialKind::Oauth;
    mine.oauth = Some(gitlab_token::vault::OAuthFacts {
        app_id: "app".into(),
        access_expires_at: "2026-11-23T12:00:00Z".into(),
        needs_sign_in: false,
        refresh_sent: None,
    });
    s.set_stored(vec![mine]);
    to_authorize(&mut s, "acme, acme/tools");
    snap("create_authorize", &s);
}

#[test]
fn paste_own_token_masked() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    snap("create_paste", &s);
}

#[test]
fn device_screen_for_the_owner() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    to_authorize(&mut s, "acme");
    let t = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Signin(SigninEffect::Start { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    snap("create_signin", &s);
}

#[test]
fn discovering() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    key(&mut s, KeyCode::Enter);
    snap("create_discovering", &s);
}

#[test]
fn plan_with_alternatives() {
    let mut s = new_state();
    to_plan_by_paste(&mut s);
    set_choice(&mut s, three_candidates());
    snap("create_plan", &s);
    key(&mut s, KeyCode::Down);
    snap("create_plan_other_kind", &s);
}

#[test]
fn plan_nothing_possible() {
    let mut s = new_state();
    to_plan_by_paste(&mut s);
    set_choice(&mut s, nothing_possible());
    snap("create_plan_nothing", &s);
}

#[test]
fn plan_discovery_failed() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (t, _) = discover_of(&key(&mut s, KeyCode::Enter));
    let why = "GitLab refused your token (401): it is unknown, expired or revoked. Paste a token of yours that works, with scope api.";
    create(&mut s, CreateMsg::Discovered(t, Err(why.into())));
    snap("create_plan_failed", &s);
}

#[test]
fn creating_in_progress_then_quit_waits() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    create(&mut s, CreateMsg::Stage(t, Stage::Account));
    create(
        &mut s,
        CreateMsg::Stage(t, Stage::Membership("acme".into())),
    );
    create(
        &mut s,
        CreateMsg::Stage(t, Stage::Membership("acme/tools".into())),
    );
    snap("create_progress", &s);
    create(&mut s, CreateMsg::Stage(t, Stage::Token));
    key(&mut s, KeyCode::Char('q'));
    snap("create_progress_quit_waits", &s);
}

use gitlab_token::provision::Stage;

#[test]
fn done_created() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    let mut o = outcome();
    o.problems.push(gitlab_token::provision::Note::Said {
        kind: gitlab_token::problem::ProblemKind::MembershipLower,
        message: "It already is a Developer of acme/tools, at least the Reporter it needs: kept."
            .into(),
    });
    create(&mut s, CreateMsg::Executed(t, Ok(Box::new(o))));
    snap("create_done", &s);
}

#[test]
fn done_after_a_browser_sign_in_revoked() {
    let mut s = new_state();
    s.oauth_app_id = Some("app-1".into());
    to_authorize(&mut s, "acme, acme/tools");
    sign_in_and_discover(&mut s);
    set_choice(&mut s, three_candidates());
    let et = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Create(CreateEffect::Execute { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    let rt = match create(&mut s, CreateMsg::Executed(et, Ok(Box::new(outcome())))).as_slice() {
        [Effect::Create(CreateEffect::Revoke { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    snap("create_done_revoking", &s);
    create(&mut s, CreateMsg::Revoked(rt, Ok(())));
    snap("create_done_revoked", &s);
}

#[test]
fn done_failed() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    create(&mut s, CreateMsg::Stage(t, Stage::Account));
    create(&mut s, CreateMsg::Executed(t, Err(Box::new(failure()))));
    snap("create_failed", &s);
}

/// The plan with the library's own choice (not a made-up one): a GitLab.com group Owner, and the
/// same Owner on a self-managed instance.
#[test]
fn plan_as_the_library_chooses() {
    for (name, gitlab_com) in [
        ("create_plan_real_gitlab_com", true),
        ("create_plan_real_self_managed", false),
    ] {
        let mut s = new_state();
        to_authorize(&mut s, "acme, acme/tools");
        key(&mut s, KeyCode::Down);
        key(&mut s, KeyCode::Enter);
        paste(&mut s, OWNER);
        let (t, _) = discover_of(&key(&mut s, KeyCode::Enter));
        let mut d = discovery();
        d.gitlab_com = gitlab_com;
        create(&mut s, CreateMsg::Discovered(t, Ok(Box::new(d))));
        snap(name, &s);
    }
}

#[test]
fn done_nothing_new_on_a_second_run() {
    let mut s = new_state();
    let t = to_executing(&mut s);
    let mut o = outcome();
    o.account.created = false;
    for m in &mut o.memberships {
        m.created = false;
    }
    o.token.created = false;
    create(&mut s, CreateMsg::Executed(t, Ok(Box::new(o))));
    let shown = render_screen(&s, 80, 24);
    assert!(shown.contains("nothing new was created"), "{shown}");
    snap("create_done_nothing_new", &s);
}

#[test]
fn owner_sign_in_without_an_app_id() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Enter);
    let shown = render_screen(&s, 80, 24);
    assert!(!shown.contains("remembered"), "nothing is kept:\n{shown}");
    snap("create_signin_needs_app", &s);
}

/// One group on self-managed: the library offers a group access token too; at 80x24 each
/// alternative takes one row so the plan fits.
#[test]
fn plan_for_one_group_fits_80x24() {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (t, _) = discover_of(&key(&mut s, KeyCode::Enter));
    let mut d = discovery();
    d.targets.truncate(1);
    create(&mut s, CreateMsg::Discovered(t, Ok(Box::new(d))));
    let shown = render_screen(&s, 80, 24);
    assert!(!shown.contains("more not shown"), "{shown}");
    snap("create_plan_one_group", &s);
}

#[test]
fn plan_asks_before_replacing_a_token_it_did_not_make() {
    let mut s = new_state();
    s.set_stored(vec![stored("2027-01-01", &["read_api"])]);
    to_plan_by_paste(&mut s);
    set_choice(&mut s, three_candidates());
    snap("create_plan_name_taken", &s);
    key(&mut s, KeyCode::Enter);
    assert!(s.existing.asking);
    snap("create_plan_replace_question", &s);
}

/// An earlier run made this account and token under the name: the plan says "Will reuse".
#[test]
fn plan_reusing_what_an_earlier_run_made() {
    let mut s = new_state();
    let mut mine = stored("2027-01-01", &["read_api"]);
    mine.provisioned = Some(gitlab_token::provision::Provisioned {
        kind: gitlab_token::provision::Kind::GroupServiceAccount,
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
    snap("create_plan_made_before", &s);
}
