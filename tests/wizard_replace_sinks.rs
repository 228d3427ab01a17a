//! A token replaced by hand in the wizard (guided rotation) keeps its sinks, and they get the new
//! value once it is saved, as after `gitlab-token rotate --replace`. State machine only (delivery
//! itself is `rotation::deliveries::deliver_now`, tested through `sink deliver`).

mod drive;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::strings::sinks::ShownOutcome as Outcome;
use gitlab_token::wizard::{Effect, Msg, Saved, State, update};

/// Replaces the stored repo-scanner token (with `sinks` configured) up to the save's answer;
/// returns the effects of that answer.
fn replaced_with(sinks: Vec<(String, String)>) -> (State, Vec<Effect>) {
    let mut s = replacing_state();
    s.done.sinks = sinks;
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let v = validation_for(&needs, &["read_api", "read_repository", "read_user"]);
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let save = key(&mut s, KeyCode::Enter);
    let Some(Effect::Save { ticket, entry, .. }) = save.first() else {
        panic!("{save:?}")
    };
    let saved = Saved {
        account: entry.account.clone(),
        store: "Secret Service".into(),
        metadata_path: "/tmp/m".into(),
    };
    let ticket = *ticket;
    let effects = update(&mut s, Msg::Saved(ticket, Ok(saved)));
    (s, effects)
}

#[test]
fn a_replaced_token_with_sinks_delivers_to_them_once_saved() {
    let account = "repo-scanner@gitlab.example.com".to_owned();
    let (mut s, effects) = replaced_with(vec![(
        account.clone(),
        "CI/CD variable DEPLOY_TOKEN of project team/app".into(),
    )]);
    assert!(
        matches!(effects.as_slice(), [Effect::DeliverSinks { account: a }] if *a == account),
        "{effects:?}"
    );
    let outcome = Outcome {
        id: 1,
        kind: "gitlab-variable",
        target: "CI/CD variable DEPLOY_TOKEN of project team/app".into(),
        ok: false,
        message: "403 Forbidden".into(),
    };
    update(&mut s, Msg::SinksDelivered(Ok(vec![outcome])));
    let notice = s.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("Not delivered to: CI/CD variable DEPLOY_TOKEN")
            && notice.contains("pending"),
        "{notice}"
    );
}

#[test]
fn without_sinks_nothing_is_delivered() {
    let (_, effects) = replaced_with(vec![(
        "other@gitlab.example.com".into(),
        "command /bin/true".into(),
    )]);
    assert!(effects.is_empty(), "{effects:?}");
}

/// Issue 21.14: what the Done screen showed about the replaced token (revoked) and its sinks (one
/// not delivered) is in the summary left on the terminal too.
#[test]
fn the_exit_summary_says_the_revocation_and_the_undelivered_sink() {
    let account = "repo-scanner@gitlab.example.com".to_owned();
    let (mut s, _) = replaced_with(vec![(account, "command /bin/false".into())]);
    let failed = Outcome {
        id: 2,
        kind: "command",
        target: "command /bin/false".into(),
        ok: false,
        message: "`/bin/false` failed (exit status 1)".into(),
    };
    update(&mut s, Msg::SinksDelivered(Ok(vec![failed])));
    let revoke = key(&mut s, KeyCode::Char('r'));
    let t = ticket_of_load(&revoke);
    update(&mut s, Msg::OldRevoked(t, Ok(())));
    // Any key clears the Done screen's notice: the summary still says it.
    key(&mut s, KeyCode::Char('x'));
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(
        summary.contains("The replaced token was revoked on GitLab."),
        "{summary}"
    );
    assert!(
        summary.contains("Not delivered to: command /bin/false") && summary.contains("pending"),
        "{summary}"
    );
}
