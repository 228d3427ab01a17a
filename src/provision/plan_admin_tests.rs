//! Admin Mode in the choice: `is_admin` from `GET /user` is the account's flag; the token may
//! still be unable to act as an administrator (no `admin_mode` scope while Admin Mode is on).
//! And GitLab.com trials (no group or project access tokens).

use super::*;
use crate::instance::Instance;
use crate::problem::ProblemKind;
use crate::profile::Profile;
use crate::provision::Caller;
use crate::vault::StoreKind;

fn request(targets: &[&str]) -> Request {
    Request {
        instance: Instance::parse("https://gitlab.example.com").unwrap(),
        ca_file: None,
        profile: Profile::by_id("repo-scanner").unwrap(),
        targets: targets.iter().map(|s| s.to_string()).collect(),
        kind: None,
        service_account: None,
        expires_in_days: 90,
        self_rotate: true,
        raise_role: false,
        name: "repo-scanner".into(),
        store: StoreKind::platform_default(),
        replace_existing: false,
    }
}

/// A self-managed Premium 18.6 EE; the caller is an administrator with no role on `acme`.
fn discovery(access: AdminAccess) -> Discovery {
    Discovery {
        caller: Caller {
            id: 1,
            username: "root".into(),
            is_admin: matches!(access, AdminAccess::Active | AdminAccess::Unconfirmed),
            admin_access: access,
        },
        gitlab_com: false,
        version: Some((18, 6)),
        edition: Edition::Ee,
        tier: Tier::Premium,
        trial: false,
        targets: vec![TargetFacts {
            path: "acme".into(),
            kind: TargetKind::Group,
            id: 10,
            top_level: "acme".into(),
            top_level_id: 10,
            caller_role: None,
            top_level_role: None,
        }],
    }
}

fn verdict_of(c: &Choice, kind: Kind) -> Result<Why, Refusal> {
    c.options
        .iter()
        .find(|o| o.kind == kind)
        .unwrap()
        .verdict
        .clone()
}

#[test]
fn an_admin_whose_token_lacks_admin_mode_is_told_to_add_the_scope() {
    let r = request(&["acme"]);
    let c = choose(&r, &discovery(AdminAccess::NeedsAdminModeScope));
    assert_eq!(c.best, None, "{c:#?}");
    for kind in [
        Kind::GroupServiceAccount,
        Kind::InstanceServiceAccount,
        Kind::GroupToken,
    ] {
        let refusal = verdict_of(&c, kind).unwrap_err();
        assert_eq!(refusal.kind(), ProblemKind::InsufficientScope, "{kind:?}");
        // "... needs the admin_mode scope (Admin Mode is on)": `strings::provision_notes`.
        assert_eq!(refusal, Refusal::NeedsAdminMode(kind));
    }
    // A refusal that has nothing to do with being an administrator keeps its own reason.
    let refusal = verdict_of(&c, Kind::ProjectToken).unwrap_err();
    assert_eq!(refusal.kind(), ProblemKind::OneTargetOnly);
}

#[test]
fn an_admin_whose_token_may_or_may_not_act_as_one_gets_a_caveat() {
    let r = request(&["acme"]);
    let unsure = choose(&r, &discovery(AdminAccess::Unconfirmed));
    let active = choose(&r, &discovery(AdminAccess::Active));
    assert_eq!(unsure.best, Some(Kind::GroupServiceAccount));
    assert_eq!(active.best, unsure.best);
    let why = verdict_of(&unsure, Kind::GroupServiceAccount).unwrap();
    assert_eq!(
        why.caveats.last(),
        Some(&Caveat::AdminModeUnsure),
        "{why:?}"
    );
    let why = verdict_of(&active, Kind::GroupServiceAccount).unwrap();
    assert!(!why.caveats.contains(&Caveat::AdminModeUnsure), "{why:?}");
}

#[test]
fn an_owner_needs_no_admin_mode() {
    // An administrator refused admin powers who is also the group's Owner: the Owner's way.
    let mut d = discovery(AdminAccess::NeedsAdminModeScope);
    d.targets[0].caller_role = Some(Role::Owner);
    d.targets[0].top_level_role = Some(Role::Owner);
    let c = choose(&request(&["acme"]), &d);
    assert_eq!(c.best, Some(Kind::GroupServiceAccount));
    assert!(verdict_of(&c, Kind::GroupToken).is_ok());
    let refusal = verdict_of(&c, Kind::InstanceServiceAccount).unwrap_err();
    assert_eq!(refusal.kind(), ProblemKind::InsufficientScope);
}

#[test]
fn a_gitlab_com_trial_has_no_access_tokens() {
    let mut d = discovery(AdminAccess::None);
    d.gitlab_com = true;
    d.trial = true;
    d.tier = Tier::Ultimate;
    d.targets[0].caller_role = Some(Role::Owner);
    d.targets[0].top_level_role = Some(Role::Owner);
    let c = choose(&request(&["acme"]), &d);
    let refusal = verdict_of(&c, Kind::GroupToken).unwrap_err();
    assert_eq!(refusal.kind(), ProblemKind::TierUnavailable);
    assert_eq!(refusal, Refusal::TrialNoAccessTokens);
    // A service account stays possible, with a caveat.
    assert_eq!(c.best, Some(Kind::GroupServiceAccount));
    let why = verdict_of(&c, Kind::GroupServiceAccount).unwrap();
    assert!(
        why.caveats.contains(&Caveat::TrialServiceAccounts),
        "{why:?}"
    );
    // Not a trial: the group token is possible.
    d.trial = false;
    let c = choose(&request(&["acme"]), &d);
    assert!(verdict_of(&c, Kind::GroupToken).is_ok());
    // A self-managed trial licence: access tokens stay (the docs say GitLab.com).
    d.gitlab_com = false;
    d.trial = true;
    let c = choose(&request(&["acme"]), &d);
    assert!(verdict_of(&c, Kind::GroupToken).is_ok());
}
