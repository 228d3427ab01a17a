//! The browser sign-in as a state machine: the owner step's third way, the device screen's
//! keys and countdowns, stale answers dropped by ticket, and the `login` screen's quit rules.

mod drive;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use drive::*;
use gitlab_token::cli::login::screen::{LoginMsg, LoginScreen};
use gitlab_token::gitlab::oauth::OAuthPair;
use gitlab_token::instance::Instance;
use gitlab_token::token::Token;
use gitlab_token::wizard::signin::{
    DeviceShown, FailKind, Failure, Phase, SigninEffect, SigninMsg, SigningIn,
};
use gitlab_token::wizard::{Effect, Msg, Owner, Saved, State, Step, Ticket, update};

pub const ACCESS: &str = "TESTONLYaccess0123456789abcdef0123456789abcdef0123456789abcdef";
pub const REFRESH: &str = "TESTONLYrefresh123456789abcdef0123456789abcdef0123456789abcdef";

fn pair() -> OAuthPair {
    OAuthPair {
        access: Token::new(ACCESS.into()),
        refresh: Token::new(REFRESH.into()),
        expires_at: time::OffsetDateTime::now_utc() + time::Duration::hours(2),
        scopes: vec!["read_api".into()],
    }
}

fn code() -> DeviceShown {
    DeviceShown {
        user_code: "0A44L90H".into(),
        verification_uri: "https://gitlab.example.com/oauth/device".into(),
        complete: Some("https://gitlab.example.com/oauth/device?user_code=0A44L90H".into()),
        expires_in: 300,
        interval: 5,
    }
}

fn signin(state: &mut State, msg: SigninMsg) -> Vec<Effect> {
    update(state, Msg::Signin(msg))
}

/// The ticket of the one `Start` among `effects`.
fn started(effects: &[Effect]) -> (Ticket, String, Vec<String>) {
    let starts: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Signin(SigninEffect::Start {
                ticket,
                app_id,
                scopes,
                ..
            }) => Some((*ticket, app_id.clone(), scopes.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(starts.len(), 1, "expected one Start, got {effects:?}");
    starts[0].clone()
}

/// The owner step with "Sign in with the browser" chosen, then the role step passed.
fn to_signin(state: &mut State, app_id: Option<&str>) -> Vec<Effect> {
    state.oauth_app_id = app_id.map(str::to_owned);
    to_owner(state, "gitlab.example.com");
    key(state, KeyCode::Down);
    key(state, KeyCode::Down);
    assert_eq!(state.owner, Owner::Browser);
    key(state, KeyCode::Enter);
    assert_eq!(state.step, Step::Role);
    key(state, KeyCode::Enter)
}

#[test]
fn the_owner_step_cycles_through_three_ways() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    assert_eq!(s.owner, Owner::ServiceAccount);
    key(&mut s, KeyCode::Up);
    assert_eq!(s.owner, Owner::Browser);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.owner, Owner::ServiceAccount);
    key(&mut s, KeyCode::Down);
    assert_eq!(s.owner, Owner::Personal);
}

#[test]
fn with_an_app_id_the_device_screen_starts_at_once_with_the_profile_scopes() {
    let mut s = new_state();
    let effects = to_signin(&mut s, Some("app-123"));
    let (_, app_id, scopes) = started(&effects);
    assert_eq!(app_id, "app-123");
    assert_eq!(scopes, s.needs().scopes);
    assert!(s.on_signin_screen());
    assert_eq!(s.step, Step::Generate);
    assert!(s.busy(), "asking for a code shows the spinner");
}

#[test]
fn without_an_app_id_the_screen_explains_registration_and_takes_one() {
    let mut s = new_state();
    let effects = to_signin(&mut s, None);
    assert!(effects.is_empty(), "{effects:?}");
    let sign = s.signin.as_ref().unwrap();
    assert!(matches!(sign.phase, Phase::NeedsApp));
    assert_eq!(
        sign.url().as_deref(),
        Some("https://gitlab.example.com/-/user_settings/applications")
    );
    // 'q' is typed into the field here, not a quit.
    type_text(&mut s, " my-app-q ");
    assert!(!s.quit);
    let (_, app_id, _) = started(&key(&mut s, KeyCode::Enter));
    assert_eq!(app_id, "my-app-q");
}

#[test]
fn an_s_in_the_app_id_is_typed_even_when_another_store_is_offered() {
    let mut s = new_state();
    let effects = s.begin_store_probe(gitlab_token::vault::StoreKind::SecretService);
    let [Effect::ProbeStore { ticket, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let no_provider = gitlab_token::vault::VaultError::NoProvider("ServiceUnknown".into());
    update(&mut s, Msg::StoreProbed(*ticket, Err(no_provider)));
    to_signin(&mut s, None);
    type_text(&mut s, "s3");
    assert_eq!(s.store.choosing, None);
    assert_eq!(s.signin.as_ref().unwrap().app_input.value(), "s3");
}

#[test]
fn the_app_id_saved_for_the_host_is_used() {
    let mut s = new_state();
    let mut entry = stored("2027-01-01", &["read_api"]);
    entry.kind = gitlab_token::vault::CredentialKind::Oauth;
    entry.oauth = Some(gitlab_token::vault::OAuthFacts {
        app_id: "saved-app".into(),
        access_expires_at: "2026-11-23T12:00:00Z".into(),
        needs_sign_in: false,
        refresh_sent: None,
    });
    let mut elsewhere = entry.clone();
    elsewhere.host = "other.example.com".into();
    elsewhere.oauth.as_mut().unwrap().app_id = "other-app".into();
    s.set_stored(vec![elsewhere, entry]);
    let (_, app_id, _) = started(&to_signin(&mut s, None));
    assert_eq!(app_id, "saved-app");
}

#[test]
fn countdowns_tick_each_second_and_polls_reset_the_next_one() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("app")));
    signin(&mut s, SigninMsg::Code(t, Ok(code())));
    let sign = s.signin.as_ref().unwrap();
    assert!(sign.waiting());
    assert_eq!((sign.expires_left, sign.poll_left), (300, 5));
    assert!(
        !s.busy(),
        "waiting is not busy: only the one-second countdown runs"
    );
    for _ in 0..3 {
        signin(&mut s, SigninMsg::Second);
    }
    let sign = s.signin.as_ref().unwrap();
    assert_eq!((sign.expires_left, sign.poll_left), (297, 2));
    signin(&mut s, SigninMsg::Polled(t, 10));
    let sign = s.signin.as_ref().unwrap();
    assert_eq!((sign.poll_left, sign.polls), (10, 1));
}

#[test]
fn an_idle_screen_does_not_redraw_on_a_second() {
    let mut s = new_state();
    to_signin(&mut s, None);
    s.dirty = false;
    signin(&mut s, SigninMsg::Second);
    assert!(!s.dirty, "no countdown runs before a code is shown");
}

#[test]
fn approval_runs_the_live_checks_then_saves_the_pair() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("app-9")));
    signin(&mut s, SigninMsg::Code(t, Ok(code())));
    let effects = signin(&mut s, SigninMsg::Done(t, Ok(Box::new(pair()))));
    let (vt, token) = match effects.as_slice() {
        [Effect::ValidateOAuth { ticket, token, .. }] => (*ticket, token.expose().to_owned()),
        other => panic!("expected ValidateOAuth, got {other:?}"),
    };
    assert_eq!(token, ACCESS);
    assert_eq!(s.step, Step::Validate);
    assert!(
        s.has_unsaved_token(),
        "an approved pair is not dropped silently"
    );
    let v = validation_for(&s.needs(), &["read_api", "read_repository"]);
    update(
        &mut s,
        Msg::Validated(vt, Box::new(v), "2026-11-23T10:00:00Z".into()),
    );
    let effects = key(&mut s, KeyCode::Enter);
    let st = match effects.as_slice() {
        [
            Effect::SaveOAuth {
                ticket,
                pair,
                app_id,
                entry,
            },
        ] => {
            assert_eq!(pair.refresh.expose(), REFRESH);
            assert_eq!(app_id, "app-9");
            assert_eq!(entry.account, "repo-scanner@gitlab.example.com");
            *ticket
        }
        other => panic!("expected SaveOAuth, got {other:?}"),
    };
    let saved = Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service".into(),
        metadata_path: "/tmp/tokens.toml".into(),
    };
    update(&mut s, Msg::Saved(st, Ok(saved)));
    assert_eq!(s.step, Step::Done);
    assert!(!s.has_unsaved_token());
    // What stays on the terminal: it renews itself, no rotation to plan.
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(summary.contains("refreshes itself"), "{summary}");
    assert!(!summary.contains("rotate"), "{summary}");
}

#[test]
fn a_sign_in_that_could_not_be_saved_is_never_saved_again_r_signs_in_anew() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("app")));
    signin(&mut s, SigninMsg::Done(t, Ok(Box::new(pair()))));
    let vt = s.validation.ticket.unwrap();
    let v = validation_for(&s.needs(), &["read_api", "read_repository"]);
    update(
        &mut s,
        Msg::Validated(vt, Box::new(v), "2026-11-23T10:00:00Z".into()),
    );
    let st = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::SaveOAuth { ticket, .. }] => *ticket,
        other => panic!("{other:?}"),
    };
    let e = gitlab_token::vault::SaveError::Metadata("disk full".into());
    update(&mut s, Msg::Saved(st, Err(e)));
    assert_eq!(s.step, Step::Save);
    // The pair may have been revoked (save_sign_in revokes what it cannot keep): a new code.
    let (t2, ..) = started(&key(&mut s, KeyCode::Char('r')));
    assert!(t2 > st);
    assert!(s.on_signin_screen() && s.signin.as_ref().unwrap().pair().is_none());
}

#[test]
fn an_approved_pair_is_not_dropped_by_esc_while_it_is_checked() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("app")));
    signin(&mut s, SigninMsg::Code(t, Ok(code())));
    signin(&mut s, SigninMsg::Done(t, Ok(Box::new(pair()))));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Validate);
    assert!(s.signin.as_ref().unwrap().pair().is_some());
    // Nor once it passed the checks (found driving it by hand: Esc went to the paste step).
    let vt = s.validation.ticket.unwrap();
    let v = validation_for(&s.needs(), &["read_api", "read_repository"]);
    update(
        &mut s,
        Msg::Validated(vt, Box::new(v), "2026-11-23T10:00:00Z".into()),
    );
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert_eq!(s.step, Step::Validate);
    assert!(s.signin.as_ref().unwrap().pair().is_some());
    // Ctrl-C asks first.
    ctrl(&mut s, 'c');
    assert!(s.confirm_quit && !s.quit);
}

#[test]
fn esc_cancels_the_poll_and_late_answers_are_dropped() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("app")));
    signin(&mut s, SigninMsg::Code(t, Ok(code())));
    let effects = key(&mut s, KeyCode::Esc);
    assert!(
        matches!(effects.as_slice(), [Effect::Signin(SigninEffect::Cancel(c))] if *c == t),
        "{effects:?}"
    );
    assert_eq!(s.step, Step::Role);
    assert!(s.signin.is_none());
    let effects = signin(&mut s, SigninMsg::Done(t, Ok(Box::new(pair()))));
    assert!(effects.is_empty());
    assert!(!s.has_unsaved_token());
}

#[test]
fn a_retry_drops_the_old_tickets_answers() {
    let mut s = new_state();
    let (t1, ..) = started(&to_signin(&mut s, Some("app")));
    let denied = Failure {
        kind: FailKind::Denied,
        message: "The sign-in was denied in the browser.".into(),
    };
    signin(&mut s, SigninMsg::Code(t1, Err(denied)));
    let (t2, ..) = started(&key(&mut s, KeyCode::Char('r')));
    assert_ne!(t1, t2);
    signin(&mut s, SigninMsg::Code(t1, Ok(code())));
    assert!(
        !s.signin.as_ref().unwrap().waiting(),
        "a stale code was shown"
    );
    signin(&mut s, SigninMsg::Code(t2, Ok(code())));
    assert!(s.signin.as_ref().unwrap().waiting());
}

#[test]
fn an_old_gitlab_offers_the_token_path() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("app")));
    let old = Failure {
        kind: FailKind::NotSupported,
        message: "This GitLab has no device sign-in.".into(),
    };
    signin(&mut s, SigninMsg::Code(t, Err(old)));
    assert!(
        key(&mut s, KeyCode::Char('r')).is_empty(),
        "no retry offered"
    );
    key(&mut s, KeyCode::Char('t'));
    assert_eq!((s.step, s.owner), (Step::Generate, Owner::Personal));
    assert!(s.signin.is_none() && !s.on_signin_screen());
}

#[test]
fn an_unknown_app_id_can_be_corrected_in_place() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("typo")));
    let unknown = Failure {
        kind: FailKind::UnknownApp,
        message: "GitLab knows no OAuth application with this id.".into(),
    };
    signin(&mut s, SigninMsg::Code(t, Err(unknown)));
    assert!(s.signin.as_ref().unwrap().typing_app_id());
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "0");
    let (_, app_id, _) = started(&key(&mut s, KeyCode::Enter));
    assert_eq!(app_id, "typ0");
}

#[test]
fn open_and_copy_use_the_complete_url() {
    let mut s = new_state();
    let (t, ..) = started(&to_signin(&mut s, Some("app")));
    signin(&mut s, SigninMsg::Code(t, Ok(code())));
    let complete = code().complete.unwrap();
    assert!(
        matches!(key(&mut s, KeyCode::Char('o')).as_slice(), [Effect::OpenUrl(u)] if *u == complete)
    );
    assert!(
        matches!(key(&mut s, KeyCode::Char('c')).as_slice(), [Effect::Copy(u)] if *u == complete)
    );
}

fn login_screen() -> LoginScreen {
    let instance = Instance::parse("gitlab.example.com").unwrap();
    let sign = SigningIn::new(instance, None, vec!["read_api".into()], Some("app".into()));
    LoginScreen::new(sign, code())
}

fn login_key(screen: &mut LoginScreen, code: KeyCode, mods: KeyModifiers) -> Vec<SigninEffect> {
    screen.update(LoginMsg::Key(KeyEvent::new(code, mods)))
}

#[test]
fn login_shows_the_code_at_once_and_counts_down() {
    let mut screen = login_screen();
    assert!(screen.signin.waiting());
    assert_eq!(screen.signin.expires_left, 300);
    screen.update(LoginMsg::Signin(SigninMsg::Second));
    screen.update(LoginMsg::Signin(SigninMsg::Polled(Ticket(1), 5)));
    assert_eq!((screen.signin.expires_left, screen.signin.polls), (299, 1));
}

#[test]
fn login_ends_on_q_esc_or_ctrl_c_and_ignores_other_keys() {
    for (pressed, mods) in [
        (KeyCode::Char('q'), KeyModifiers::NONE),
        (KeyCode::Esc, KeyModifiers::NONE),
        (KeyCode::Char('c'), KeyModifiers::CONTROL),
    ] {
        let mut screen = login_screen();
        login_key(&mut screen, pressed, mods);
        assert!(screen.cancelled, "{pressed:?}");
    }
    let mut screen = login_screen();
    for c in ['x', 'r', 't', 'y'] {
        assert!(login_key(&mut screen, KeyCode::Char(c), KeyModifiers::NONE).is_empty());
    }
    assert!(
        !screen.cancelled && !screen.dirty,
        "an unused key redraws nothing"
    );
    let complete = code().complete.unwrap();
    assert!(matches!(
        login_key(&mut screen, KeyCode::Char('o'), KeyModifiers::NONE).as_slice(),
        [SigninEffect::Open(u)] if *u == complete
    ));
}
