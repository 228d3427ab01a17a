//! Drives the wizard state machine with messages, as the runtime would, for state and screen tests.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gitlab_token::gitlab::ApiError;
use gitlab_token::gitlab::types::{Metadata, TokenInfo, User};
use gitlab_token::instance::Instance;
use gitlab_token::probe::Stage;
use gitlab_token::probe::cert::CertInfo;
use gitlab_token::problem::{Problem, ProblemKind};
use gitlab_token::profile::Profile;
use gitlab_token::strings::probe::{ShownReport as Report, ShownStage as StageResult};
use gitlab_token::token::Token;
use gitlab_token::validation::{self, Requirements, Validation};
use gitlab_token::wizard::{Effect, Msg, Setup, State, Ticket, update};
use time::macros::date;

pub const TOKEN: &str = "glpat-TESTONLYabcdefghij1234";

pub fn setup() -> Setup {
    Setup {
        today: date!(2026 - 11 - 23),
        profiles: Profile::built_in(),
        profile: None,
        host: None,
        remote: None,
        ca_file: None,
        name: None,
        expiring: vec![],
        replace: None,
        notice: None,
        schedule: None,
        sinks: Vec::new(),
    }
}

pub fn new_state() -> State {
    let (state, effects) = State::new(setup());
    assert!(effects.is_empty());
    state
}

pub fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ctrl(state: &mut State, c: char) -> Vec<Effect> {
    update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

pub fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

pub fn paste(state: &mut State, text: &str) -> Vec<Effect> {
    update(state, Msg::Paste(Token::new(text.to_owned())))
}

pub fn stage(stage: Stage, ok: bool, detail: &str) -> StageResult {
    StageResult {
        stage,
        ok,
        ms: 12,
        detail: detail.to_owned(),
    }
}

pub fn healthy_report(url: &str) -> Report {
    Report {
        ok: true,
        url: url.to_owned(),
        stages: vec![
            stage(Stage::Url, true, url),
            stage(Stage::Proxy, true, "none (HTTPS_PROXY not set)"),
            stage(Stage::Dns, true, "1 address: 192.0.2.10"),
            stage(Stage::Tcp, true, "connected to 192.0.2.10:443"),
            stage(
                Stage::Tls,
                true,
                "TLS 1.3, TLS13_AES_256_GCM_SHA384, ALPN h2; certificate valid for this name, trusted by the system store",
            ),
            stage(
                Stage::Http,
                true,
                "/api/v4/version answered 401 with GitLab's JSON; sign-in page found",
            ),
        ],
        certificate: Some(CertInfo {
            subject: "CN=gitlab.example.com".into(),
            sans: vec!["gitlab.example.com".into()],
            issuer: "C=US, O=Let's Encrypt, CN=R11".into(),
            not_before: "2026-10-01T00:00:00Z".into(),
            not_after: "2026-12-30T00:00:00Z".into(),
            days_left: 37,
            self_signed: false,
            chain_len: 2,
        }),
        problems: vec![],
    }
}

pub fn failed_report(url: &str) -> Report {
    Report {
        ok: false,
        url: url.to_owned(),
        stages: vec![
            stage(Stage::Url, true, url),
            stage(Stage::Proxy, true, "none (HTTPS_PROXY not set)"),
            stage(Stage::Dns, true, "1 address: 192.0.2.10"),
            stage(Stage::Tcp, true, "connected to 192.0.2.10:443"),
            stage(
                Stage::Tls,
                false,
                "The certificate of gitlab.example.com is issued by CN=Acme Root, which this computer does not trust.",
            ),
        ],
        certificate: None,
        problems: vec![Problem::new(
            ProblemKind::TlsUnknownIssuer,
            "The certificate of gitlab.example.com is issued by CN=Acme Root, which this computer does not trust.",
            "If your company runs its own CA, save its certificate as a PEM file and pass --ca-file PATH.",
        )],
    }
}

pub fn token_info(scopes: &[&str], expires_at: &str) -> TokenInfo {
    TokenInfo {
        id: 42,
        name: "repo-scanner (gitlab-token)".into(),
        revoked: false,
        active: true,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        user_id: 7,
        created_at: Some("2026-11-23T10:00:00.000Z".into()),
        last_used_at: None,
        expires_at: Some(expires_at.into()),
        granular: false,
        granular_scopes: None,
    }
}

pub fn user(bot: bool) -> User {
    User {
        id: 7,
        username: "scanner-bot".into(),
        name: "Scanner".into(),
        bot,
        state: Some("active".into()),
    }
}

pub fn metadata() -> Metadata {
    Metadata {
        version: "18.6.1-ee".into(),
        revision: "abc".into(),
        enterprise: Some(true),
    }
}

/// A validation as the runtime would produce it, for the given granted scopes.
pub fn validation_for(needs: &Requirements, scopes: &[&str]) -> Validation {
    let token = Token::new(TOKEN.to_owned());
    let level = needs.target.as_ref().map(|_| Ok(20));
    validation::judge(
        &token,
        needs,
        date!(2026 - 11 - 23),
        Ok(token_info(scopes, "2027-02-21")),
        Ok(user(true)),
        level,
        Ok(metadata()),
    )
}

pub fn unauthorized(needs: &Requirements) -> Validation {
    let token = Token::new(TOKEN.to_owned());
    let e = ApiError::InvalidToken("401 Unauthorized".into());
    validation::judge(
        &token,
        needs,
        date!(2026 - 11 - 23),
        Err(e.clone()),
        Err(e.clone()),
        None,
        Err(e),
    )
}

/// The single ticket-bearing effect in `effects`.
pub fn ticket_of(effects: &[Effect]) -> Ticket {
    match effects {
        [Effect::Probe { ticket, .. }]
        | [Effect::Validate { ticket, .. }]
        | [Effect::Save { ticket, .. }] => *ticket,
        other => panic!("expected one ticketed effect, got {other:?}"),
    }
}

/// From a fresh wizard to the Reachability step on a self-hosted instance, probe answered healthy.
pub fn to_owner(state: &mut State, host: &str) {
    key(state, KeyCode::Enter); // first profile: repo scanner
    key(state, KeyCode::Down); // self-hosted
    type_text(state, host);
    let effects = key(state, KeyCode::Enter);
    let t = ticket_of(&effects);
    let url = Instance::parse(host).unwrap().base_url();
    update(state, Msg::ProbeDone(t, healthy_report(&url)));
    key(state, KeyCode::Enter);
}

/// On to the Paste step with a personal-account token for `group`.
pub fn to_paste(state: &mut State, host: &str, group: &str) {
    to_owner(state, host);
    key(state, KeyCode::Down); // my own account
    type_text(state, group);
    key(state, KeyCode::Enter); // role
    key(state, KeyCode::Enter); // generate
    key(state, KeyCode::Enter); // paste
}

pub const OLD_TOKEN: &str = "glpat-TESTONLYoldtoken00000";

/// A stored token as the metadata file holds it.
/// Enter on the paste screen, answered by a validation that passes (the repo-scanner scopes).
pub fn check_passes(state: &mut State) {
    let t = ticket_of(&key(state, KeyCode::Enter));
    let needs = state.needs();
    let passed = validation_for(&needs, &["read_api", "read_repository"]);
    update(state, Msg::Validated(t, Box::new(passed), "t".into()));
}

pub fn stored(expires_at: &str, scopes: &[&str]) -> gitlab_token::vault::StoredToken {
    gitlab_token::vault::StoredToken {
        account: "repo-scanner@gitlab.example.com".into(),
        host: "gitlab.example.com".into(),
        url: "https://gitlab.example.com".into(),
        name: "repo-scanner".into(),
        profile: "repo-scanner".into(),
        store: gitlab_token::vault::StoreKind::SecretService,
        username: "scanner-bot".into(),
        user_id: 7,
        bot: true,
        token_id: 41,
        token_name: "repo-scanner (gitlab-token)".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        expires_at: Some(expires_at.into()),
        verified_at: "2026-08-25T09:00:00Z".into(),
        ca_file: None,
        target: Some("acme".into()),
        kind: Default::default(),
        oauth: None,
        provisioned: None,
        gitlab_version: None,
        fine_grained: false,
        permissions: None,
    }
}

/// A wizard replacing `stored(...)`, its old value loaded.
pub fn replacing_state() -> State {
    let mut setup = setup();
    setup.replace = Some(stored(
        "2026-11-30",
        &["read_api", "read_repository", "read_user"],
    ));
    let (mut state, effects) = State::new(setup);
    let t = ticket_of_load(&effects);
    update(
        &mut state,
        Msg::OldLoaded(t, Ok(Token::new(OLD_TOKEN.to_owned()))),
    );
    state
}

pub fn ticket_of_load(effects: &[Effect]) -> Ticket {
    match effects {
        [Effect::LoadOld { ticket, .. }] | [Effect::RevokeOld { ticket, .. }] => *ticket,
        other => panic!("expected LoadOld or RevokeOld, got {other:?}"),
    }
}

/// `state` drawn on a `width`x`height` test terminal, as text; fails when any part of a test token
/// (they all hold `TESTONLY`) reached the screen.
/// [`render_screen`], then tells the wizard how far the screen could scroll, as the runtime does
/// after each draw (`Msg::Drawn`).
pub fn draw(state: &mut State, width: u16, height: u16) -> String {
    let mut shown = render_screen(state, width, height);
    update(state, Msg::Drawn(gitlab_token::ui::scroll_room()));
    if state.dirty {
        // The key line changed (PgDn offered or not): drawn once more, as the runtime does.
        shown = render_screen(state, width, height);
        update(state, Msg::Drawn(gitlab_token::ui::scroll_room()));
        assert!(!state.dirty, "drawing did not settle");
    }
    shown
}

pub fn render_screen(state: &State, width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    let shown = terminal.backend().to_string();
    assert!(
        !shown.contains("TESTONLY"),
        "a token leaked onto the screen:\n{shown}"
    );
    shown
}
