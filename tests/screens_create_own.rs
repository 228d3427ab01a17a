//! "Create it for me" offering your own fine-grained token (self-managed GitLab 19.2+): listed
//! last, and once picked the plan shows its permissions per boundary instead of scopes.
//! Snapshots at 80x24 and 60x20 (the pure renderer on ratatui's TestBackend).

mod create_support;
mod drive;

use create_support::*;
use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::wizard::State;
use gitlab_token::wizard::create::CreateMsg;

fn planned_at_19_2() -> State {
    let mut s = new_state();
    to_authorize(&mut s, "acme");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, OWNER);
    let (t, _) = discover_of(&key(&mut s, KeyCode::Enter));
    let mut d = discovery();
    d.version = Some((19, 2));
    d.targets.truncate(1);
    create(&mut s, CreateMsg::Discovered(t, Ok(Box::new(d))));
    s
}

#[test]
fn own_token_is_listed_last_and_shows_its_permissions_when_picked() {
    let mut s = planned_at_19_2();
    let shown = render_screen(&s, 80, 24);
    assert!(shown.contains("Token scopes"), "{shown}");
    assert!(!shown.contains("Permissions"), "{shown}");
    // Pick it: the last of the possible kinds (Up from the first wraps to it).
    key(&mut s, KeyCode::Up);
    let shown = render_screen(&s, 80, 24);
    assert!(shown.contains("Your own fine-grained token"), "{shown}");
    assert!(shown.contains("Permissions"), "{shown}");
    assert!(shown.contains("download_code"), "{shown}");
    assert!(!shown.contains("Token scopes"), "{shown}");
    assert!(!shown.contains(OWNER), "the owner's token is never shown");
    insta::assert_snapshot!("create_plan_own_token_80x24", draw(&mut s, 80, 24));
    insta::assert_snapshot!("create_plan_own_token_60x20", draw(&mut s, 60, 20));
    // Creating it: no account or membership stage is listed (none is made).
    let plan_account = draw(&mut s, 80, 24);
    key(&mut s, KeyCode::Enter);
    let creating = draw(&mut s, 80, 24);
    assert_ne!(plan_account, creating, "Enter starts it");
    assert!(!creating.to_lowercase().contains("member"), "{creating}");
    assert!(!creating.to_lowercase().contains("account"), "{creating}");
    insta::assert_snapshot!("create_executing_own_token_80x24", creating);
}

/// The plan scrolls where it is taller than the terminal: PgDn is offered, shows the rest (the
/// alternatives and the refusals), and PgUp goes back; a short plan offers neither.
#[test]
fn a_tall_plan_scrolls_with_pgdn() {
    let mut s = planned_at_19_2();
    key(&mut s, KeyCode::Up);
    let top = draw(&mut s, 60, 20);
    assert!(top.contains("PgDn"), "{top}");
    assert!(!top.contains("PgUp"), "{top}");
    assert!(!top.contains("Not possible"), "{top}");
    // To the end (each PgDn moves five rows; the key line knows from the last draw).
    for _ in 0..8 {
        key(&mut s, KeyCode::PageDown);
        draw(&mut s, 60, 20);
    }
    let end = draw(&mut s, 60, 20);
    assert!(!end.contains("PgDn"), "at the end: {end}");
    assert!(end.contains("Not possible"), "{end}");
    assert!(end.contains("PgUp"), "{end}");
    assert!(!end.contains("You picked"), "{end}");
    insta::assert_snapshot!("create_plan_own_token_scrolled_60x20", end);
    // Another kind is still picked with the arrows while scrolled, and shown from its top.
    key(&mut s, KeyCode::Down);
    let back = draw(&mut s, 60, 20);
    assert!(
        back.contains("You picked: Group service account") || back.contains("Will create"),
        "{back}"
    );
    assert!(!back.contains("PgUp"), "{back}");
    // On a screen that fits, no scroll keys.
    let roomy = draw(&mut s, 120, 60);
    assert!(
        !roomy.contains("PgDn") && !roomy.contains("PgUp"),
        "{roomy}"
    );
}
