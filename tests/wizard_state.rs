//! The wizard's state machine, driven directly with messages: every step, going back, and stale
//! results being dropped. No terminal, no network.

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::gitlab::access::Role;
use gitlab_token::instance::Instance;
use gitlab_token::profile::Profile;
use gitlab_token::vault::VaultError;
use gitlab_token::wizard::{Effect, HostChoice, Msg, Owner, SaveError, Saved, State, Step, update};

#[test]
fn walks_every_step_to_done() {
    let mut s = new_state();
    assert_eq!(s.step, Step::Profile);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Up);
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.step, Step::Host);
    assert_eq!(s.name, "repo-scanner");
    assert_eq!(s.profile.as_ref().unwrap().role, Role::Reporter);

    type_text(&mut s, "gitlab.example.com/");
    assert_eq!(
        s.host.choice,
        HostChoice::SelfHosted,
        "typing picks self-hosted"
    );
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::Probe {
        ticket, instance, ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(instance.base_url(), "https://gitlab.example.com");
    assert_eq!(s.step, Step::Reachability);
    assert!(s.busy());
    update(
        &mut s,
        Msg::ProbeDone(*ticket, healthy_report("https://gitlab.example.com")),
    );
    assert!(!s.busy());
    assert_eq!(s.reach.stages.len(), 6);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Owner);

    assert_eq!(s.owner, Owner::ServiceAccount);
    type_text(&mut s, "acme/platform");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Role);
    assert_eq!(
        s.link().unwrap(),
        "https://gitlab.example.com/groups/acme/platform/-/group_members"
    );
    assert!(
        matches!(key(&mut s, KeyCode::Char('o')).as_slice(), [Effect::OpenUrl(u)] if u.ends_with("/group_members"))
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Generate);
    assert_eq!(
        s.link().unwrap(),
        "https://gitlab.example.com/admin/application_settings/service_accounts"
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Paste);

    paste(&mut s, &format!("\n  {TOKEN}\r\n"));
    assert_eq!(s.secret.as_str(), TOKEN, "paste is trimmed");
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::Validate {
        ticket,
        token,
        needs,
        ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(token.expose(), TOKEN);
    assert_eq!(needs.scopes, ["read_api", "read_repository"]);
    assert_eq!(needs.target.as_deref(), Some("acme/platform"));
    let v = validation_for(needs, &["read_api", "read_repository"]);
    assert!(v.ok(), "{:?}", v.problems);
    update(
        &mut s,
        Msg::Validated(*ticket, Box::new(v), "2026-11-23T12:00:00Z".into()),
    );
    assert_eq!(s.step, Step::Validate);

    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::Save {
        ticket,
        token,
        entry,
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(token.expose(), TOKEN);
    assert_eq!(entry.account, "repo-scanner@gitlab.example.com");
    assert_eq!(entry.username, "scanner-bot");
    assert!(entry.bot);
    assert_eq!(entry.expires_at.as_deref(), Some("2027-02-21"));
    assert_eq!(entry.verified_at, "2026-11-23T12:00:00Z");
    assert_eq!(s.step, Step::Save);
    let saved = Saved {
        account: entry.account.clone(),
        store: "Secret Service".into(),
        metadata_path: "/tmp/x".into(),
    };
    update(&mut s, Msg::Saved(*ticket, Ok(saved)));
    assert_eq!(s.step, Step::Done);
    assert!(!s.has_unsaved_token());
    assert!(matches!(
        key(&mut s, KeyCode::Enter).as_slice(),
        [Effect::Quit]
    ));
    assert!(s.quit);
}

#[test]
fn esc_goes_back_one_step_at_a_time() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    let expected = [
        Step::Generate,
        Step::Role,
        Step::Owner,
        Step::Reachability,
        Step::Host,
        Step::Profile,
    ];
    for step in expected {
        key(&mut s, KeyCode::Esc);
        assert_eq!(s.step, step);
    }
}

#[test]
fn stale_probe_results_are_dropped() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "gitlab.example.com");
    let first = ticket_of(&key(&mut s, KeyCode::Enter));
    key(&mut s, KeyCode::Esc); // back to host while the probe runs
    let second = ticket_of(&key(&mut s, KeyCode::Enter));
    assert_ne!(first, second);
    update(
        &mut s,
        Msg::ProbeStage(first, stage(gitlab_token::probe::Stage::Dns, true, "old")),
    );
    update(
        &mut s,
        Msg::ProbeDone(first, failed_report("https://gitlab.example.com")),
    );
    assert!(
        s.reach.probe.result.is_none(),
        "the first probe's answer is stale"
    );
    assert!(s.reach.stages.is_empty());
    assert!(!s.dirty, "a stale result does not redraw");
    update(
        &mut s,
        Msg::ProbeDone(second, healthy_report("https://gitlab.example.com")),
    );
    assert!(s.reach.probe.result.as_ref().unwrap().ok);
}

#[test]
fn a_failed_probe_blocks_until_retried() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.step,
        Step::Reachability,
        "cannot continue past a failed check"
    );
    assert!(s.notice.is_some());
    let retry = ticket_of(&key(&mut s, KeyCode::Char('r')));
    assert!(retry > t);
    update(
        &mut s,
        Msg::ProbeDone(retry, healthy_report("https://gitlab.example.com")),
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Owner);
}

#[test]
fn host_input_is_checked_before_anything_runs() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "http://gitlab.example.com");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.step, Step::Host);
    assert!(s.host.error.as_deref().unwrap().contains("https://"));
    // GitLab.com needs no typing.
    key(&mut s, KeyCode::Up);
    assert_eq!(s.host.choice, HostChoice::GitLabCom);
    let effects = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Probe { instance, .. }] if instance.is_gitlab_com())
    );
}

#[test]
fn service_account_on_gitlab_com_needs_a_group() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    let t = ticket_of(&key(&mut s, KeyCode::Enter)); // GitLab.com
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.com")),
    );
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Owner);
    assert!(s.owner_error.is_some());
    type_text(&mut s, "acme/tools");
    assert_eq!(
        s.link().unwrap(),
        "https://gitlab.com/groups/acme/-/settings/service_accounts"
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Role);
}

#[test]
fn personal_token_link_is_prefilled_and_expiry_is_bounded() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Generate);
    // The version is not known before a token exists: the 18.9+ legacy form, and the page of
    // earlier versions beside it.
    let query = "?name=repo-scanner+%28gitlab-token%29\
         &description=Created+with+gitlab-token+for%3A+Read-only+repository+scanner&scopes=read_api,read_repository";
    let page = "https://gitlab.example.com/-/user_settings/personal_access_tokens";
    assert_eq!(s.link().unwrap(), format!("{page}/legacy/new{query}"));
    assert_eq!(s.link_before_18_9().unwrap(), format!("{page}{query}"));
    assert_eq!(s.expiry_days, 90);
    for _ in 0..20 {
        key(&mut s, KeyCode::Char('+'));
    }
    assert_eq!(s.expiry_days, 365, "never beyond GitLab's maximum");
    for _ in 0..20 {
        key(&mut s, KeyCode::Char('-'));
    }
    assert_eq!(s.expiry_days, 7);
}

#[test]
fn stale_validation_is_dropped_and_a_new_paste_revalidates() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, "glpat-first-token-0000000000");
    let first = ticket_of(&key(&mut s, KeyCode::Enter));
    key(&mut s, KeyCode::Esc); // back to paste while validating
    assert_eq!(s.step, Step::Paste);
    ctrl(&mut s, 'u');
    assert!(s.secret.is_empty());
    type_text(&mut s, TOKEN);
    let second = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(first, Box::new(unauthorized(&needs)), "t1".into()),
    );
    assert!(
        s.validation.result.is_none(),
        "the first token's verdict is stale"
    );
    update(
        &mut s,
        Msg::Validated(
            second,
            Box::new(validation_for(&needs, &["read_api", "read_repository"])),
            "t2".into(),
        ),
    );
    assert!(s.validation.result.as_ref().unwrap().ok());
    assert_eq!(s.validated_at.as_deref(), Some("t2"));
}

#[test]
fn a_failing_token_sends_the_user_back_to_paste() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let v = validation_for(&needs, &["read_api"]);
    assert_eq!(v.missing_scopes, ["read_repository"]);
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let retry = key(&mut s, KeyCode::Char('r'));
    assert!(
        matches!(retry.as_slice(), [Effect::Validate { .. }]),
        "r re-checks the same token"
    );
    let t = ticket_of(&retry);
    update(
        &mut s,
        Msg::Validated(t, Box::new(unauthorized(&needs)), "t".into()),
    );
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "no save for a failing token"
    );
    assert_eq!(s.step, Step::Paste);
    assert!(s.secret.is_empty(), "ready for another paste");
}

fn to_save(s: &mut State) -> gitlab_token::wizard::Ticket {
    to_paste(s, "gitlab.example.com", "");
    paste(s, TOKEN);
    let t = ticket_of(&key(s, KeyCode::Enter));
    let needs = s.needs();
    update(
        s,
        Msg::Validated(
            t,
            Box::new(validation_for(&needs, &["read_api", "read_repository"])),
            "t".into(),
        ),
    );
    ticket_of(&key(s, KeyCode::Enter))
}

#[test]
fn a_keychain_failure_keeps_the_token_and_retries() {
    let mut s = new_state();
    let t = to_save(&mut s);
    update(
        &mut s,
        Msg::Saved(
            t,
            Err(SaveError::Keychain(VaultError::NoProvider(
                "ServiceUnknown".into(),
            ))),
        ),
    );
    assert_eq!(s.step, Step::Save);
    assert_eq!(s.secret.as_str(), TOKEN, "the token is not lost");
    assert!(s.has_unsaved_token());
    let retry = key(&mut s, KeyCode::Char('r'));
    let Some(Effect::Save { token, .. }) = retry.first() else {
        panic!("{retry:?}")
    };
    assert_eq!(token.expose(), TOKEN);
}

#[test]
fn quitting_with_an_unsaved_token_asks_first() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    assert!(ctrl(&mut s, 'c').is_empty());
    assert!(s.confirm_quit);
    key(&mut s, KeyCode::Char('n'));
    assert!(!s.confirm_quit && !s.quit);
    ctrl(&mut s, 'c');
    assert!(matches!(
        key(&mut s, KeyCode::Char('y')).as_slice(),
        [Effect::Quit]
    ));
    assert!(s.quit);
}

#[test]
fn quitting_without_a_token_needs_no_confirmation() {
    let mut s = new_state();
    assert!(matches!(ctrl(&mut s, 'c').as_slice(), [Effect::Quit]));
}

#[test]
fn idle_ticks_do_not_redraw_but_busy_ones_animate() {
    let mut s = new_state();
    update(&mut s, Msg::Tick);
    assert!(!s.dirty);
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Enter);
    let before = s.spinner;
    update(&mut s, Msg::Tick);
    assert!(s.dirty);
    assert_eq!(s.spinner, before + 1);
}

#[test]
fn custom_profile_picks_scopes_and_role() {
    let mut s = new_state();
    for _ in 0..3 {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    assert!(s.pick.custom.is_some());
    key(&mut s, KeyCode::Enter);
    assert!(
        s.pick.custom.as_ref().unwrap().error.is_some(),
        "at least one scope"
    );
    key(&mut s, KeyCode::Down); // read_api
    key(&mut s, KeyCode::Char(' '));
    for _ in 0..30 {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Right); // Reporter → Developer
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Host);
    let p = s.profile.as_ref().unwrap();
    assert_eq!(p.scope_names(), ["read_api"]);
    assert_eq!(p.role, Role::Developer);
}

#[test]
fn preselected_profile_and_host_start_the_check_at_once() {
    let mut setup = setup();
    setup.profile = Some(Profile::by_id("mr-reviewer").unwrap());
    setup.host = Some(Instance::parse("https://gitlab.example.com:8443/gitlab").unwrap());
    let (s, effects) = State::new(setup);
    assert_eq!(s.step, Step::Reachability);
    assert_eq!(s.name, "mr-reviewer");
    assert!(
        matches!(effects.as_slice(), [Effect::Probe { instance, .. }] if instance.key() == "gitlab.example.com:8443/gitlab")
    );
}

#[test]
fn a_git_remote_prefills_host_and_group() {
    let mut setup = setup();
    setup.remote = Some((
        Instance::parse("gitlab.example.com").unwrap(),
        "acme/app".into(),
    ));
    let (s, _) = State::new(setup);
    assert_eq!(s.host.choice, HostChoice::SelfHosted);
    assert_eq!(s.host.input.value(), "https://gitlab.example.com");
    assert_eq!(s.target().as_deref(), Some("acme/app"));
}

#[test]
fn the_token_never_shows_in_debug_output() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "");
    paste(&mut s, TOKEN);
    let effects = key(&mut s, KeyCode::Enter);
    let debug = format!("{effects:?}");
    assert!(debug.contains("REDACTED"));
    assert!(!debug.contains(TOKEN));
}

#[test]
fn check_my_instance_ends_after_the_reachability_check() {
    let mut s = new_state();
    for _ in 0..10 {
        key(&mut s, KeyCode::Down);
    }
    assert_eq!(s.pick.cursor, s.pick.profiles.len(), "the last row");
    key(&mut s, KeyCode::Enter);
    assert!(s.check_only);
    assert_eq!(s.step, Step::Host);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "nothing to finish while it runs"
    );
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    assert!(
        matches!(key(&mut s, KeyCode::Enter).as_slice(), [Effect::Quit]),
        "a failed check ends too"
    );
    assert!(
        s.secret.is_empty() && s.save.ticket.is_none(),
        "nothing saved"
    );
}

/// The token form follows what is known of the version before a token exists: a token stored
/// for the same instance recorded it (17.x, 18.8: the old page; 18.9, 19.x: the legacy form);
/// a token of another instance says nothing; GitLab.com is always current.
#[test]
fn the_token_form_is_the_one_of_the_known_version() {
    let page = "https://gitlab.example.com/-/user_settings/personal_access_tokens";
    for (version, path) in [
        ("17.11.3-ee", "?"),
        ("18.8.0", "?"),
        ("18.9.1-ee", "/legacy/new?"),
        ("19.4.0", "/legacy/new?"),
    ] {
        let mut s = new_state();
        let mut same = stored("2026-11-30", &["read_api"]);
        same.gitlab_version = Some(version.into());
        let mut other = stored("2026-11-30", &["read_api"]);
        other.host = "gitlab.other.example".into();
        other.gitlab_version = Some("16.0.0".into());
        other.verified_at = "2099-01-01T00:00:00Z".into();
        s.set_stored(vec![same, other]);
        to_paste(&mut s, "gitlab.example.com", "");
        key(&mut s, KeyCode::Esc);
        assert_eq!(s.step, Step::Generate);
        // From 19.2 a fine-grained token comes first (`k` switches to the legacy form).
        if s.fine_grained() {
            assert!(version.starts_with("19."), "{version}");
            assert_eq!(s.link().unwrap(), format!("{page}/granular/new"));
            key(&mut s, KeyCode::Char('k'));
        }
        let link = s.link().unwrap();
        assert!(
            link.starts_with(&format!("{page}{path}name=")),
            "{version}: {link}"
        );
        assert_eq!(s.link_before_18_9(), None, "{version}");
    }
    let mut s = new_state();
    to_paste(&mut s, "gitlab.com", "");
    key(&mut s, KeyCode::Esc);
    assert!(s.fine_grained(), "GitLab.com: fine-grained first");
    key(&mut s, KeyCode::Char('k'));
    let link = s.link().unwrap();
    assert!(
        link.starts_with("https://gitlab.com/-/user_settings/personal_access_tokens/legacy/new?"),
        "{link}"
    );
    assert_eq!(s.link_before_18_9(), None);
}

/// Step 5's members page is a project's (`/<path>/-/project_members`) or a group's
/// (`/groups/<path>/-/group_members`): a one-segment path is always a group, a longer one is
/// taken as the profile says (the reviewer's webhook lives on a project) and `t` changes it.
#[test]
fn the_members_link_is_a_projects_or_a_groups() {
    let base = "https://gitlab.example.com";
    let to_role = |profile_downs: usize, path: &str| {
        let mut s = new_state();
        for _ in 0..profile_downs {
            key(&mut s, KeyCode::Down);
        }
        to_owner(&mut s, "gitlab.example.com");
        key(&mut s, KeyCode::Down); // my own account
        type_text(&mut s, path);
        key(&mut s, KeyCode::Enter);
        assert_eq!(s.step, Step::Role);
        s
    };
    // The repo scanner on a group path.
    let mut s = to_role(0, "acme");
    assert_eq!(
        s.link().unwrap(),
        format!("{base}/groups/acme/-/group_members")
    );
    assert_eq!(s.place_choice(), None);
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(
        s.link().unwrap(),
        format!("{base}/groups/acme/-/group_members")
    );
    // The repo scanner on a longer path: a (sub)group first; t makes it a project.
    let mut s = to_role(0, "acme/platform");
    assert_eq!(
        s.link().unwrap(),
        format!("{base}/groups/acme/platform/-/group_members")
    );
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(
        s.link().unwrap(),
        format!("{base}/acme/platform/-/project_members")
    );
    // The merge-request reviewer works on a project; the first of several paths is linked.
    let mut s = to_role(1, "acme/app, acme/other");
    assert_eq!(s.profile.as_ref().unwrap().id, "mr-reviewer");
    assert_eq!(
        s.link().unwrap(),
        format!("{base}/acme/app/-/project_members")
    );
    assert_eq!(s.place_choice().as_deref(), Some("acme/app"));
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(
        s.link().unwrap(),
        format!("{base}/groups/acme/app/-/group_members")
    );
}
