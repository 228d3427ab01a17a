//! Wizard screens that carry GitLab facts: the paste screen warns about a token of another kind
//! before the check, the verdict gives that kind's fix, says when the role was not checked, and
//! warns about a person's token where a service account was chosen. Snapshots at 80x24 and 120x32.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::gitlab::ApiError;
use gitlab_token::validation;
use gitlab_token::wizard::{Msg, State, update};
use time::macros::date;

const DEPLOY: &str = "gldt-TESTONLYdeploytoken1234";

fn render(state: &State, width: u16, height: u16) -> String {
    render_screen(state, width, height)
}

/// Both sizes, snapshotted; the 120-column one (no wrapping) is returned for assertions.
fn snap(name: &str, state: &State) -> String {
    insta::assert_snapshot!(format!("{name}_80x24"), render(state, 80, 24));
    let wide = render(state, 120, 32);
    insta::assert_snapshot!(format!("{name}_120x32"), wide.clone());
    wide
}

#[test]
fn a_deploy_token_is_warned_about_before_and_after_the_check() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    paste(&mut s, DEPLOY);
    let shown = snap("facts_paste_deploy_token", &s);
    assert!(shown.contains("it cannot call the API"), "{shown}");
    assert!(shown.contains("The check will most likely fail"), "{shown}");

    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let e = ApiError::InvalidToken("401 Unauthorized".into());
    let v = validation::judge(
        &gitlab_token::token::Token::new(DEPLOY.into()),
        &needs,
        date!(2026 - 11 - 23),
        Err(e.clone()),
        Err(e.clone()),
        None,
        Err(e),
    );
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let shown = snap("facts_validate_deploy_token", &s);
    assert!(
        shown.contains("Fix: A deploy token only clones and pulls"),
        "{shown}"
    );
    assert!(!shown.contains("whole token"), "{shown}");
    assert!(!shown.contains("401: 401"), "{shown}");
}

#[test]
fn all_checks_passed_without_a_group_says_the_role_was_not_checked() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let v = validation_for(&needs, &["read_api", "read_repository"]);
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let shown = snap("facts_validate_no_group", &s);
    assert!(shown.contains("Role: not checked"), "{shown}");
    assert!(shown.contains("the role was not checked"), "{shown}");
}

#[test]
fn a_persons_token_for_a_service_account_warns() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com"); // the service account (first choice)
    type_text(&mut s, "acme");
    key(&mut s, KeyCode::Enter); // role
    key(&mut s, KeyCode::Enter); // generate
    key(&mut s, KeyCode::Enter); // paste
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    assert!(needs.service_account);
    let v = validation::judge(
        &gitlab_token::token::Token::new(TOKEN.into()),
        &needs,
        date!(2026 - 11 - 23),
        Ok(token_info(&["read_api", "read_repository"], "2027-02-21")),
        Ok(user(false)),
        Some(Ok(20)),
        Ok(metadata()),
    );
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let shown = snap("facts_validate_person_for_service_account", &s);
    assert!(
        shown.contains("is a person, not the service account you chose"),
        "{shown}"
    );
}

#[test]
fn a_projects_address_on_the_host_screen_is_read_as_the_host() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter); // first profile
    key(&mut s, KeyCode::Down); // self-hosted
    type_text(
        &mut s,
        "https://gitlab.example.com/acme/platform/-/merge_requests",
    );
    let shown = snap("facts_host_project_url", &s);
    assert!(
        shown.contains(
            "Read as a project or group address (acme/platform): using https://gitlab.example.com."
        ),
        "{shown}"
    );
    assert!(
        !shown.contains("relative URL root (GitLab installed under"),
        "{shown}"
    );
}
