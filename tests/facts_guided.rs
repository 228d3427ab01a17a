//! Guided rotation sends a service account's token to the service accounts page, not the
//! personal token page, and the wizard's `r` and `gitlab-token rotate` offer the same page and
//! the same token name.

mod drive;

use drive::*;
use gitlab_token::gitlab::links::TokenForm;
use gitlab_token::rotation::guided::replacement_name;
use gitlab_token::strings::rotation::{replacement_link, replacement_steps};
use gitlab_token::wizard::{Setup, State};

fn wizard_replacing(entry: gitlab_token::vault::StoredToken) -> State {
    let setup = Setup {
        replace: Some(entry),
        ..setup()
    };
    State::new(setup).0
}

#[test]
fn a_service_accounts_replacement_is_made_on_the_service_accounts_page() {
    let entry = stored("2026-11-30", &["read_api", "read_repository"]);
    assert!(entry.bot);
    let link = replacement_link(&entry, &entry.scopes, entry.token_id).unwrap();
    assert_eq!(
        link,
        TokenForm::One(
            "https://gitlab.example.com/admin/application_settings/service_accounts".into()
        )
    );
    let link = link.primary().to_owned();
    let steps = replacement_steps(&entry, &entry.scopes).unwrap();
    assert!(steps.contains("@scanner-bot"), "{steps}");
    assert!(
        steps.contains("\"repo-scanner (gitlab-token)\" with the scopes read_api, read_repository"),
        "{steps}"
    );

    let mut on_com = entry.clone();
    on_com.url = "https://gitlab.com".into();
    on_com.target = Some("acme/platform".into());
    assert_eq!(
        replacement_link(&on_com, &on_com.scopes, 41),
        Some(TokenForm::One(
            "https://gitlab.com/groups/acme/-/settings/service_accounts".into()
        ))
    );

    let s = wizard_replacing(entry.clone());
    assert_eq!(s.link().as_deref(), Some(link.as_str()));
    assert_eq!(s.token_name(), replacement_name(&entry));
}

#[test]
fn a_persons_replacement_is_prefilled_alike_in_the_cli_and_the_wizard() {
    let mut entry = stored("2026-11-30", &["read_api", "read_repository"]);
    entry.bot = false;
    entry.token_name = "scanner for CI".into();
    let s = wizard_replacing(entry.clone());
    let cli = replacement_link(&entry, &s.needs().scopes, entry.token_id).unwrap();
    // No version recorded: the 18.9+ legacy form first, the older page beside it, alike.
    let page = "https://gitlab.example.com/-/user_settings/personal_access_tokens";
    assert!(
        cli.primary()
            .starts_with(&format!("{page}/legacy/new?name=scanner+for+CI&")),
        "{cli:?}"
    );
    assert!(
        cli.before_18_9()
            .unwrap()
            .starts_with(&format!("{page}?name=scanner+for+CI&")),
        "{cli:?}"
    );
    assert_eq!(s.link().as_deref(), Some(cli.primary()));
    assert_eq!(s.link_before_18_9().as_deref(), cli.before_18_9());
    assert_eq!(s.token_name(), "scanner for CI");
    assert!(replacement_steps(&entry, &entry.scopes).is_none());
}

/// The replacement page follows the GitLab version recorded with the token (17.x, 18.8: the old
/// page; 18.9, 19.x: the legacy form), on the command line and in the wizard alike.
#[test]
fn the_replacement_page_is_the_one_of_the_recorded_version() {
    let page = "https://gitlab.example.com/-/user_settings/personal_access_tokens";
    for (version, path) in [
        ("17.11.3-ee", "?"),
        ("18.8.0", "?"),
        ("18.9.1-ee", "/legacy/new?"),
        ("19.4.0", "/legacy/new?"),
    ] {
        let mut entry = stored("2026-11-30", &["read_api", "read_repository"]);
        entry.bot = false;
        entry.gitlab_version = Some(version.into());
        let cli = replacement_link(&entry, &entry.scopes, entry.token_id).unwrap();
        let TokenForm::One(url) = &cli else {
            panic!("{version}: one page expected, got {cli:?}")
        };
        assert!(
            url.starts_with(&format!("{page}{path}name=")),
            "{version}: {url}"
        );
        let s = wizard_replacing(entry);
        assert_eq!(s.link().as_deref(), Some(url.as_str()), "{version}");
        assert_eq!(s.link_before_18_9(), None, "{version}");
    }
}
