//! Snapshots of the browser sign-in screens (wizard and `login`) at 80x24 and 120x32, rendered
//! by the pure renderers on ratatui's TestBackend. No token may ever appear.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::cli::login::screen::{self as login_screen, LoginMsg, LoginScreen};
use gitlab_token::gitlab::oauth::OAuthPair;
use gitlab_token::instance::Instance;
use gitlab_token::token::Token;
use gitlab_token::wizard::signin::{
    DeviceShown, FailKind, Failure, SigninEffect, SigninMsg, SigningIn,
};
use gitlab_token::wizard::{Effect, Msg, State, Ticket, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ACCESS: &str = "TESTONLYaccess0123456789abcdef0123456789abcdef0123456789abcdef";
const REFRESH: &str = "TESTONLYrefresh123456789abcdef0123456789abcdef0123456789abcdef";

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
        expires_in: 900,
        interval: 5,
    }
}

fn checked(shown: String) -> String {
    assert!(
        !shown.contains("TESTONLY"),
        "a token leaked onto the screen"
    );
    shown
}

fn render(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    checked(terminal.backend().to_string())
}

fn render_login(screen: &LoginScreen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| login_screen::render(screen, f)).unwrap();
    checked(terminal.backend().to_string())
}

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x32"), render(state, 120, 32));
}

fn snap_login(name: &str, screen: &LoginScreen) {
    insta::assert_snapshot!(format!("{name}_80x24"), render_login(screen, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x32"), render_login(screen, 120, 32));
}

fn start_ticket(effects: &[Effect]) -> Ticket {
    match effects {
        [Effect::Signin(SigninEffect::Start { ticket, .. })] => *ticket,
        other => panic!("expected a Start, got {other:?}"),
    }
}

fn to_signin(app_id: Option<&str>) -> (State, Vec<Effect>) {
    let mut s = new_state();
    s.oauth_app_id = app_id.map(str::to_owned);
    to_owner(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Up);
    key(&mut s, KeyCode::Enter);
    let effects = key(&mut s, KeyCode::Enter);
    (s, effects)
}

#[test]
fn owner_offers_the_browser() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Up);
    snap("signin_01_owner_browser", &s);
}

#[test]
fn register_an_application() {
    let (mut s, _) = to_signin(None);
    snap("signin_02_needs_app", &s);
    type_text(&mut s, "b8d5c3a1e2f7");
    snap("signin_02_needs_app_typed", &s);
}

/// A hurried person pastes (types) a token into the Application ID field: it is cleared the
/// moment its GitLab prefix is complete, never shown whole, and Enter then starts nothing.
#[test]
fn a_token_typed_as_the_application_id_is_cleared_and_not_sent() {
    let (mut s, _) = to_signin(None);
    type_text(&mut s, "glpat-TESTONLYsecret0000000");
    let shown = render(&s, 80, 24);
    assert!(!shown.contains("glpat-"), "{shown}");
    assert!(shown.contains("not an Application ID"), "{shown}");
    assert!(key(&mut s, KeyCode::Enter).is_empty(), "nothing is started");
    snap("signin_02_token_in_app_field", &s);
    // Until Backspace nothing more is taken (the rest of a token typed key by key).
    type_text(&mut s, "b8d5");
    assert!(!render(&s, 80, 24).contains("b8d5"));
    // A real id after Backspace clears the warning and starts the sign-in.
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "b8d5c3a1e2f7");
    assert!(!render(&s, 80, 24).contains("not an Application ID"));
    start_ticket(&key(&mut s, KeyCode::Enter));
}

#[test]
fn device_screen() {
    let (mut s, effects) = to_signin(Some("app"));
    snap("signin_03_starting", &s);
    let t = start_ticket(&effects);
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    snap("signin_04_waiting", &s);
    for _ in 0..3 {
        update(&mut s, Msg::Signin(SigninMsg::Second));
    }
    update(&mut s, Msg::Signin(SigninMsg::Polled(t, 10)));
    snap("signin_04_waiting_polled", &s);
    insta::assert_snapshot!("signin_04_waiting_small_70x22", render(&s, 70, 22));
}

#[test]
fn device_screen_without_complete_url() {
    let (mut s, effects) = to_signin(Some("app"));
    let t = start_ticket(&effects);
    let mut c = code();
    c.complete = None;
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(c))));
    snap("signin_04_waiting_no_complete", &s);
}

#[test]
fn failures() {
    for (name, kind, message) in [
        (
            "denied",
            FailKind::Denied,
            "The sign-in was denied in the browser. Run it again and select Authorize.",
        ),
        (
            "old_gitlab",
            FailKind::NotSupported,
            "This GitLab does not offer the device sign-in (GitLab 17.2 or later, with the grant switched on). Use an access token instead.",
        ),
        (
            "unknown_app",
            FailKind::UnknownApp,
            "GitLab knows no OAuth application with the id typo.",
        ),
    ] {
        let (mut s, effects) = to_signin(Some("typo"));
        let t = start_ticket(&effects);
        let failure = Failure {
            kind,
            message: message.into(),
        };
        update(&mut s, Msg::Signin(SigninMsg::Code(t, Err(failure))));
        snap(&format!("signin_05_failed_{name}"), &s);
    }
}

#[test]
fn approved_then_checked() {
    let (mut s, effects) = to_signin(Some("app"));
    let t = start_ticket(&effects);
    update(&mut s, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    let effects = update(
        &mut s,
        Msg::Signin(SigninMsg::Done(t, Ok(Box::new(pair())))),
    );
    snap("signin_06_checking", &s);
    let vt = match effects.as_slice() {
        [Effect::ValidateOAuth { ticket, .. }] => *ticket,
        other => panic!("{other:?}"),
    };
    let v = validation_for(&s.needs(), &["read_api", "read_repository"]);
    update(
        &mut s,
        Msg::Validated(vt, Box::new(v), "2026-11-23T10:00:00Z".into()),
    );
    snap("signin_07_checked", &s);
    let st = match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::SaveOAuth { ticket, .. }] => *ticket,
        other => panic!("{other:?}"),
    };
    let saved = gitlab_token::wizard::Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    };
    update(&mut s, Msg::Saved(st, Ok(saved)));
    snap("signin_08_done", &s);
}

#[test]
fn login_screens() {
    let instance = Instance::parse("gitlab.example.com").unwrap();
    let sign = SigningIn::new(instance, None, vec!["read_api".into()], Some("app".into()));
    let mut screen = LoginScreen::new(sign, code());
    snap_login("login_01_waiting", &screen);
    for _ in 0..4 {
        screen.update(LoginMsg::Signin(SigninMsg::Second));
    }
    screen.update(LoginMsg::Signin(SigninMsg::Polled(Ticket(1), 5)));
    screen.update(LoginMsg::BrowserOpened(Err("no graphical session".into())));
    snap_login("login_02_polled_no_browser", &screen);
    // Too small for the QR code: it says so, and the rest is packed tighter to fit.
    let small = render_login(&screen, 60, 20);
    assert!(small.contains("QR code hidden"), "{small}");
    insta::assert_snapshot!("login_03_small_60x20", small);
}
