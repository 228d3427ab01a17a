//! The token step's kind: fine-grained first on GitLab 19.2+ (GitLab.com), legacy first when
//! the version is unknown (`k` switches), legacy only before 19.2, for a custom profile and for
//! a service account, each saying why; `w` lists why each permission is needed. Snapshots at
//! 80x24 and 60x20; the key line offers `k` and `w` only where they work.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::wizard::{Effect, State};

/// Drawn as the runtime draws (the key line knows whether PgDn shows more).
fn snap(name: &str, state: &mut State) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_60x20"), draw(state, 60, 20));
}

/// The repo scanner's token step for the person's own account on `host`, group `acme`.
fn generate(host: &str) -> State {
    let mut s = new_state();
    to_paste(&mut s, host, "acme");
    key(&mut s, KeyCode::Esc);
    s
}

fn opened(effects: &[Effect]) -> String {
    match effects {
        [Effect::OpenUrl(url)] => url.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn gitlab_com_offers_fine_grained_first_with_its_page_and_permissions() {
    let mut s = generate("gitlab.com");
    assert!(s.fine_grained());
    let screen = render_screen(&s, 80, 24);
    assert!(screen.contains("fine-grained (least privilege"), "{screen}");
    assert!(screen.contains("download_code"), "{screen}");
    assert!(screen.contains("k legacy"), "{screen}");
    assert!(screen.contains("w why"), "{screen}");
    assert!(!screen.contains("GitLab < 18.9"), "one page only: {screen}");
    snap("06_fine_grained", &mut s);
    assert_eq!(
        opened(&key(&mut s, KeyCode::Char('o'))),
        "https://gitlab.com/-/user_settings/personal_access_tokens/granular/new"
    );
    key(&mut s, KeyCode::Char('w'));
    let why = render_screen(&s, 80, 24);
    assert!(why.contains("clones over HTTPS"), "{why}");
    assert!(why.contains("lets gitlab-token rotate it"), "{why}");
    snap("06_fine_grained_why", &mut s);
    key(&mut s, KeyCode::Char('k'));
    assert!(!s.fine_grained());
    let legacy = render_screen(&s, 80, 24);
    assert!(legacy.contains("legacy/new?name="), "{legacy}");
    assert!(legacy.contains("k fine-grained"), "{legacy}");
    assert!(
        !legacy.contains("w why"),
        "w does nothing for legacy: {legacy}"
    );
    assert!(key(&mut s, KeyCode::Char('w')).is_empty());
    snap("06_fine_grained_switched_to_legacy", &mut s);
}

/// At 60x20 the token step is taller than the terminal: PgDn (offered only then) shows the
/// rest, PgUp (offered once scrolled) goes back; a screen that fits offers neither.
#[test]
fn a_tall_token_step_scrolls_with_pgdn_and_pgup() {
    let mut s = generate("gitlab.com");
    let top = draw(&mut s, 60, 20);
    assert!(top.contains("PgDn more"), "{top}");
    assert!(!top.contains("PgUp"), "{top}");
    assert!(!top.contains("Expiry:"), "{top}");
    key(&mut s, KeyCode::PageDown);
    key(&mut s, KeyCode::PageDown);
    key(&mut s, KeyCode::PageDown);
    let end = draw(&mut s, 60, 20);
    assert!(end.contains("Expiry:"), "{end}");
    assert!(end.contains("PgUp scroll up"), "{end}");
    assert!(!end.contains("PgDn"), "the end is shown: {end}");
    insta::assert_snapshot!("06_fine_grained_scrolled_60x20", end);
    for _ in 0..4 {
        key(&mut s, KeyCode::PageUp);
    }
    assert_eq!(draw(&mut s, 60, 20), top);
    let mut fits = generate("gitlab.com");
    let all = draw(&mut fits, 120, 40);
    assert!(!all.contains("PgDn") && !all.contains("PgUp"), "{all}");
    assert!(key(&mut fits, KeyCode::PageDown).is_empty());
    assert_eq!(draw(&mut fits, 120, 40), all);
}

#[test]
fn the_longest_profile_lists_why_at_80x24() {
    let mut s = new_state();
    key(&mut s, KeyCode::Down); // the merge-request reviewer
    to_paste(&mut s, "gitlab.com", "acme/web");
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('w'));
    let screen = render_screen(&s, 80, 24);
    assert!(screen.contains("approve_merge_request"), "{screen}");
    snap("06_fine_grained_reviewer_why", &mut s);
}

#[test]
fn an_unknown_version_puts_legacy_first_and_k_switches() {
    let mut s = generate("gitlab.example.com");
    assert!(!s.fine_grained());
    let screen = render_screen(&s, 80, 24);
    assert!(
        screen.contains("fine-grained needs GitLab 19.2+: k if yours is"),
        "{screen}"
    );
    key(&mut s, KeyCode::Char('k'));
    assert!(s.fine_grained());
    assert_eq!(
        opened(&key(&mut s, KeyCode::Char('o'))),
        "https://gitlab.example.com/-/user_settings/personal_access_tokens/granular/new"
    );
    assert!(
        key(&mut s, KeyCode::Char('b')).is_empty(),
        "no pre-18.9 page for it"
    );
}

#[test]
fn before_19_2_legacy_only_and_k_does_nothing() {
    let mut s = new_state();
    let mut old = stored("2027-01-30", &["read_api"]);
    old.gitlab_version = Some("19.1.3-ee".into());
    s.set_stored(vec![old]);
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc);
    assert!(!s.fine_grained());
    let screen = render_screen(&s, 80, 24);
    assert!(
        screen.contains("GitLab 19.1 predates fine-grained tokens"),
        "{screen}"
    );
    assert!(!screen.contains("k fine-grained"), "{screen}");
    assert!(key(&mut s, KeyCode::Char('k')).is_empty());
    assert!(!s.fine_grained());
    snap("06_legacy_before_19_2", &mut s);
}

#[test]
fn a_service_account_token_is_legacy_and_says_why() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.com");
    type_text(&mut s, "acme");
    key(&mut s, KeyCode::Enter); // role
    key(&mut s, KeyCode::Enter); // generate
    assert!(!s.fine_grained());
    let screen = render_screen(&s, 80, 24);
    assert!(
        screen.contains("service account's tokens with scopes"),
        "{screen}"
    );
    assert!(!screen.contains("k fine-grained"), "{screen}");
}
