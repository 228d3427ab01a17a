//! A snapshot of every screen at 80x24 and at 120x32, rendered by the pure `ui::render` on
//! ratatui's TestBackend. The token must never appear, only its mask.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::vault::VaultError;
use gitlab_token::wizard::{Msg, SaveError, Saved, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(state: &State, width: u16, height: u16) -> String {
    render_screen(state, width, height)
}

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x32"), render(state, 120, 32));
}

#[test]
fn profile() {
    let mut s = new_state();
    snap("01_profile", &s);
    key(&mut s, KeyCode::Down);
    snap("01_profile_reviewer", &s);
    for _ in 0..2 {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char(' '));
    snap("01_profile_custom", &s);
}

#[test]
fn profile_with_expiring_tokens() {
    let mut setup = setup();
    let mut expired = stored("2026-11-21", &["api"]);
    expired.account = "mr-reviewer@gitlab.com".into();
    setup.expiring = vec![(stored("2026-11-28", &["read_api"]), 5), (expired, -2)];
    let (s, _) = State::new(setup);
    snap("01_profile_expiring", &s);
}

#[test]
fn host() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    snap("02_host", &s);
    type_text(&mut s, "https://example.com/gitlab");
    snap("02_host_relative_root", &s);
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "http://gitlab.example.com");
    key(&mut s, KeyCode::Enter);
    snap("02_host_error", &s);
}

#[test]
fn reachability() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeStage(
            t,
            stage(
                gitlab_token::probe::Stage::Url,
                true,
                "https://gitlab.example.com",
            ),
        ),
    );
    snap("03_reachability_running", &s);
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.example.com")),
    );
    snap("03_reachability_ok", &s);
    let t = ticket_of(&key(&mut s, KeyCode::Char('r')));
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    snap("03_reachability_failed", &s);
}

#[test]
fn owner() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme");
    snap("04_owner_service_account_self_managed", &s);
    key(&mut s, KeyCode::Down);
    snap("04_owner_personal", &s);
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.com")),
    );
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    snap("04_owner_service_account_gitlab_com_needs_group", &s);
}

#[test]
fn role_and_generate() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme/platform");
    key(&mut s, KeyCode::Enter);
    snap("05_role", &s);
    key(&mut s, KeyCode::Char('t'));
    snap("05_role_project", &s);
    key(&mut s, KeyCode::Char('t'));
    key(&mut s, KeyCode::Enter);
    snap("06_generate_service_account", &s);
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('+'));
    snap("06_generate_personal", &s);
}

#[test]
fn paste_screen() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    snap("07_paste_empty", &s);
    paste(&mut s, TOKEN);
    snap("07_paste_masked", &s);
    ctrl(&mut s, 'u');
    paste(&mut s, "gldt-TESTONLYdeploytoken1234");
    snap("07_paste_deploy_token", &s);
}

#[test]
fn validate() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    snap("08_validate_running", &s);
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(
            t,
            Box::new(validation_for(&needs, &["read_api", "read_repository"])),
            "t".into(),
        ),
    );
    snap("08_validate_ok", &s);
    let t = ticket_of(&key(&mut s, KeyCode::Char('r')));
    update(
        &mut s,
        Msg::Validated(
            t,
            Box::new(validation_for(&needs, &["read_api"])),
            "t".into(),
        ),
    );
    snap("08_validate_missing_scope", &s);
    let t = ticket_of(&key(&mut s, KeyCode::Char('r')));
    update(
        &mut s,
        Msg::Validated(t, Box::new(unauthorized(&needs)), "t".into()),
    );
    snap("08_validate_unauthorized", &s);
}

#[test]
fn save_and_done() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    check_passes(&mut s);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    snap("09_save_running", &s);
    let err = VaultError::NoProvider("org.freedesktop.DBus.Error.ServiceUnknown".into());
    update(&mut s, Msg::Saved(t, Err(SaveError::Keychain(err))));
    snap("09_save_no_secret_service", &s);
    let t = ticket_of(&key(&mut s, KeyCode::Char('r')));
    let saved = Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    };
    update(&mut s, Msg::Saved(t, Ok(saved)));
    snap("10_done", &s);
}

/// A token with sinks: the Done screen says where each rotation delivers the new value.
#[test]
fn done_with_sinks() {
    let mut setup = setup();
    setup.sinks = vec![
        (
            "repo-scanner@gitlab.example.com".into(),
            "CI/CD variable DEPLOY_TOKEN of project team/app".into(),
        ),
        (
            "other@gitlab.example.com".into(),
            "command /bin/true".into(),
        ),
    ];
    let mut s = State::new(setup).0;
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    check_passes(&mut s);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let saved = Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    };
    update(&mut s, Msg::Saved(t, Ok(saved)));
    let screen = render(&s, 120, 32);
    assert!(
        screen.contains("Each rotation delivers the new value to: CI/CD variable DEPLOY_TOKEN"),
        "{screen}"
    );
    assert!(
        !screen.contains("/bin/true"),
        "another account's sink: {screen}"
    );
    snap("10_done_with_sinks", &s);
}

#[test]
fn quit_confirmation() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    ctrl(&mut s, 'c');
    snap("11_quit_confirm", &s);
}

#[test]
fn replacing() {
    let mut s = replacing_state();
    snap("12_replace_generate", &s);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let v = validation_for(&needs, &["read_api", "read_repository", "read_user"]);
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let saved = Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    };
    update(&mut s, Msg::Saved(t, Ok(saved)));
    snap("12_replace_done_offer_revoke", &s);
    let t = ticket_of_load(&key(&mut s, KeyCode::Char('r')));
    update(&mut s, Msg::OldRevoked(t, Ok(())));
    snap("12_replace_done_revoked", &s);
    assert!(!render_80(&s).contains("TESTONLYold"));
}

fn render_80(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn a_repaired_rotation_is_told_on_the_first_screen() {
    let mut setup = setup();
    setup.notice = Some(
        "The rotation of repo-scanner@gitlab.example.com was interrupted after GitLab rotated it; \
         the new token was saved and is now verified (expires 2027-02-21)."
            .into(),
    );
    let (s, _) = State::new(setup);
    snap("01_profile_recovered_rotation", &s);
}

#[test]
fn an_expiring_token_that_can_rotate_itself() {
    let mut setup = setup();
    setup.expiring = vec![(stored("2026-11-28", &["api"]), 5)];
    let (mut s, _) = State::new(setup);
    snap("01_profile_rotatable", &s);
    key(&mut s, KeyCode::Char('a'));
    key(&mut s, KeyCode::Char('y'));
    snap("01_profile_rotating", &s);
}

#[test]
fn check_my_instance() {
    let mut s = new_state();
    for _ in 0..10 {
        key(&mut s, KeyCode::Down);
    }
    snap("01_profile_check_my_instance", &s);
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.example.com")),
    );
    snap("03_reachability_check_only", &s);
}

fn failed_check_state() -> State {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    s
}

#[test]
fn ca_file_prompt() {
    let mut s = failed_check_state();
    key(&mut s, KeyCode::Char('f'));
    snap("03_reachability_ca_prompt", &s);
    key(&mut s, KeyCode::Enter);
    snap("03_reachability_ca_prompt_empty", &s);
    type_text(&mut s, "/etc/ssl/acme-root.pem");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.example.com")),
    );
    snap("03_reachability_with_ca_file", &s);
}

#[test]
fn copied_link_and_git_on_done() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('c'));
    snap("06_generate_copied", &s);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    check_passes(&mut s);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let saved = Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    };
    update(&mut s, Msg::Saved(t, Ok(saved)));
    let git = match key(&mut s, KeyCode::Char('g')).as_slice() {
        [gitlab_token::wizard::Effect::SetupGit { ticket, .. }] => *ticket,
        other => panic!("{other:?}"),
    };
    snap("10_done_git_running", &s);
    update(
        &mut s,
        Msg::GitSetUp(
            git,
            Err("git config failed (exit status: 255): error: could not lock config file".into()),
        ),
    );
    snap("10_done_git_failed", &s);
    let git = match key(&mut s, KeyCode::Char('g')).as_slice() {
        [gitlab_token::wizard::Effect::SetupGit { ticket, .. }] => *ticket,
        other => panic!("{other:?}"),
    };
    // git used another token for the host: said, left as it is, `g` again re-points it.
    let elsewhere = "gitlab-token's stored token old-scanner".to_owned();
    update(
        &mut s,
        Msg::GitSetUp(
            git,
            Ok(gitlab_token::wizard::GitOutcome::Elsewhere(elsewhere)),
        ),
    );
    snap("10_done_git_elsewhere", &s);
    let git = match key(&mut s, KeyCode::Char('g')).as_slice() {
        [
            gitlab_token::wizard::Effect::SetupGit {
                ticket,
                repoint: true,
                ..
            },
        ] => *ticket,
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Msg::GitSetUp(git, Ok(gitlab_token::wizard::GitOutcome::Done)),
    );
    snap("10_done_git_set_up", &s);
    insta::assert_snapshot!("10_done_60x20", render(&s, 60, 20));
}

#[test]
fn small_terminal() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc);
    insta::assert_snapshot!("06_generate_60x20", render(&s, 60, 20));
    insta::assert_snapshot!("06_generate_60x12_clipped", render(&s, 60, 12));
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme");
    insta::assert_snapshot!("04_owner_60x20", render(&s, 60, 20));
    let mut s = new_state();
    insta::assert_snapshot!("01_profile_60x20", render(&s, 60, 20));
    for _ in 0..3 {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    insta::assert_snapshot!("01_profile_custom_60x20", render(&s, 60, 20));
    let s = failed_check_state();
    insta::assert_snapshot!("03_reachability_failed_60x16", render(&s, 60, 16));
}
