//! The Done screen's hand-over (`wizard/handover.rs`): `c` copies the token once (an effect
//! carrying it, never shown), a countdown of 45 seconds, then the clipboard is cleared and the
//! copy is not offered again; a profile's `settings_url` opens with `o`. Screens at 80x24 and
//! 60x20 (rendered by the pure `ui::render` on ratatui's TestBackend).

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::profile::Profile;
use gitlab_token::wizard::handover::{CLEAR_AFTER, Handover};
use gitlab_token::wizard::{Effect, Msg, Saved, State, update};

fn done_with(setup: gitlab_token::wizard::Setup) -> State {
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
    s
}

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(format!("{name}_80x24"), render_screen(state, 80, 24));
    insta::assert_snapshot!(format!("{name}_60x20"), render_screen(state, 60, 20));
}

#[test]
fn the_token_is_copied_once_and_cleared_after_the_countdown() {
    let mut s = done_with(setup());
    assert!(s.can_copy_token());
    let screen = render_screen(&s, 80, 24);
    assert!(screen.contains("c copy the token"), "{screen}");
    snap("10_done_handover_offered", &s);

    let effects = key(&mut s, KeyCode::Char('c'));
    let copied: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::CopySecret(t) => Some(t.expose().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(copied, [TOKEN.to_owned()]);
    assert!(
        !format!("{effects:?}").contains(TOKEN),
        "no secret in Debug"
    );
    assert_eq!(s.done.handover, Handover::Counting { left: CLEAR_AFTER });
    let screen = render_screen(&s, 80, 24);
    assert!(
        !screen.contains(TOKEN) && !screen.contains("c copy the token"),
        "{screen}"
    );
    assert!(screen.contains("Cleared in 45 s"), "{screen}");
    snap("10_done_handover_counting", &s);
    // A second `c` copies nothing more.
    assert!(key(&mut s, KeyCode::Char('c')).is_empty());

    for _ in 1..CLEAR_AFTER {
        assert!(update(&mut s, Msg::Second).is_empty());
    }
    assert_eq!(s.done.handover, Handover::Counting { left: 1 });
    let effects = update(&mut s, Msg::Second);
    assert!(
        matches!(effects.as_slice(), [Effect::ClearClipboard]),
        "{effects:?}"
    );
    assert_eq!(s.done.handover, Handover::Cleared);
    assert!(!s.handover_counting());
    assert!(!s.can_copy_token());
    let screen = render_screen(&s, 80, 24);
    assert!(screen.contains("clipboard was cleared"), "{screen}");
    snap("10_done_handover_cleared", &s);
    // No more seconds are asked for: the wizard is idle again.
    assert!(update(&mut s, Msg::Second).is_empty());
}

#[test]
fn a_profiles_settings_page_opens_with_o_and_only_https_is_accepted() {
    let profile = Profile::parse(
        "chat-bot.toml",
        r#"id = "chat-bot"
name = "Chat bot"
summary = "Posts merge requests to the team chat."
role = "reporter"
settings_url = "https://chat.example.com/admin/integrations/gitlab"
[[scopes]]
scope = "read_api"
why = "reads merge requests"
"#,
    )
    .unwrap();
    let mut setup = setup();
    setup.profiles = vec![profile.clone()];
    let mut s = done_with(setup);
    assert_eq!(
        s.integration_link().as_deref(),
        profile.settings_url.as_deref()
    );
    let screen = render_screen(&s, 80, 24);
    assert!(screen.contains("o open its settings"), "{screen}");
    assert!(
        screen.contains("chat.example.com/admin/integrations/gitlab"),
        "{screen}"
    );
    let effects = key(&mut s, KeyCode::Char('o'));
    assert!(
        matches!(effects.as_slice(), [Effect::OpenUrl(u)] if u == "https://chat.example.com/admin/integrations/gitlab"),
        "{effects:?}"
    );
    snap("10_done_handover_settings", &s);

    // Without one, `o` opens nothing and is not offered.
    let mut plain = done_with(self::setup());
    assert_eq!(plain.integration_link(), None);
    assert!(!render_screen(&plain, 80, 24).contains("open its settings"));
    assert!(
        !key(&mut plain, KeyCode::Char('o'))
            .iter()
            .any(|e| matches!(e, Effect::OpenUrl(_)))
    );

    let bad = Profile::parse(
        "bad.toml",
        "id = \"x\"\nname = \"x\"\nsummary = \"x\"\nrole = \"reporter\"\nsettings_url = \"http://chat.example.com/\"\n",
    );
    let message = bad.unwrap_err().to_string();
    assert!(message.contains("settings_url"), "{message}");
}
