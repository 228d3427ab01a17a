//! The choice matrix: every kind x caller (admin, Owner, Maintainer, none) x GitLab.com or
//! self-managed x CE/EE x tier x version, checked against GitLab's documented rules.

use super::*;
use crate::instance::Instance;
use crate::problem::ProblemKind;
use crate::profile::Profile;
use crate::provision::Caller;
use crate::vault::StoreKind;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Admin,
    Owner,
    Maintainer,
    Nobody,
}

fn request(profile: &str, targets: &[&str], kind: Option<Kind>) -> Request {
    Request {
        instance: Instance::parse("https://gitlab.example.com").unwrap(),
        ca_file: None,
        profile: Profile::by_id(profile).unwrap(),
        targets: targets.iter().map(|s| s.to_string()).collect(),
        kind,
        service_account: None,
        expires_in_days: 90,
        self_rotate: true,
        raise_role: false,
        name: profile.into(),
        store: StoreKind::platform_default(),
        replace_existing: false,
    }
}

fn target(path: &str, kind: TargetKind, role: Option<Role>) -> TargetFacts {
    let top = path.split('/').next().unwrap().to_owned();
    TargetFacts {
        path: path.into(),
        kind,
        id: 10 + path.len() as u64,
        top_level_id: if top == "alice" {
            0
        } else {
            100 + top.len() as u64
        },
        top_level: top,
        caller_role: role,
        top_level_role: role,
    }
}

fn discovery(
    who: Who,
    gitlab_com: bool,
    edition: Edition,
    tier: Tier,
    version: Option<(u32, u32)>,
    targets: Vec<TargetFacts>,
) -> Discovery {
    Discovery {
        caller: Caller {
            id: 1,
            username: "root".into(),
            is_admin: who == Who::Admin,
            admin_access: match who {
                Who::Admin => AdminAccess::Active,
                _ => AdminAccess::None,
            },
        },
        gitlab_com,
        version,
        edition,
        tier,
        trial: false,
        targets,
    }
}

fn role_of(who: Who) -> Option<Role> {
    match who {
        Who::Owner => Some(Role::Owner),
        Who::Maintainer => Some(Role::Maintainer),
        Who::Admin | Who::Nobody => None,
    }
}

fn listed(choice: &Choice, kind: Kind) -> bool {
    choice.options.iter().any(|c| c.kind == kind)
}

fn verdict_of(choice: &Choice, kind: Kind) -> &Result<Why, Refusal> {
    &choice
        .options
        .iter()
        .find(|c| c.kind == kind)
        .unwrap()
        .verdict
}

fn refused_with(choice: &Choice, kind: Kind) -> Option<ProblemKind> {
    verdict_of(choice, kind).as_ref().err().map(|r| r.kind())
}

const WHO: [Who; 4] = [Who::Admin, Who::Owner, Who::Maintainer, Who::Nobody];
const TIERS: [Tier; 4] = [Tier::Free, Tier::Premium, Tier::Ultimate, Tier::Unknown];
const VERSIONS: [Option<(u32, u32)>; 6] = [
    Some((16, 0)),
    Some((17, 2)),
    Some((17, 9)),
    Some((18, 6)),
    Some((18, 11)),
    None,
];

/// Walks the whole matrix for a group target and a project target, checking GitLab's rules.
#[test]
fn the_matrix_follows_gitlabs_rules() {
    let mut checked = 0;
    for who in WHO {
        for gitlab_com in [true, false] {
            for edition in [Edition::Ce, Edition::Ee, Edition::Unknown] {
                if gitlab_com && edition == Edition::Ce {
                    continue; // GitLab.com is EE
                }
                for tier in TIERS {
                    for version in VERSIONS {
                        for (path, tk) in [
                            ("acme", TargetKind::Group),
                            ("acme/tools", TargetKind::Group),
                            ("acme/tools/app", TargetKind::Project),
                        ] {
                            let d = discovery(
                                who,
                                gitlab_com,
                                edition,
                                tier,
                                version,
                                vec![target(path, tk, role_of(who))],
                            );
                            let r = request("repo-scanner", &[path], None);
                            let c = choose(&r, &d);
                            check_rules(&c, &d, who);
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

fn check_rules(c: &Choice, d: &Discovery, who: Who) {
    let ctx = format!("{who:?} {d:?}");
    // A subgroup's own account is listed for a subgroup only.
    let subgroup = d.targets[0].kind == TargetKind::Group && d.targets[0].path.contains('/');
    // Your own fine-grained token is listed only where GitLab makes it (self-managed 19.2+).
    let own = crate::gitlab::granular::available(d.version) && !d.gitlab_com;
    let count = Kind::ALL.len() - usize::from(!subgroup) - usize::from(!own);
    assert_eq!(c.options.len(), count, "{ctx}");
    if subgroup {
        assert_eq!(c.options[0].kind, Kind::SubgroupServiceAccount, "{ctx}");
    }
    // The best is the first possible one.
    assert_eq!(
        c.best,
        c.options.iter().find(|o| o.verdict.is_ok()).map(|o| o.kind),
        "{ctx}"
    );
    for o in &c.options {
        match &o.verdict {
            // Each in words: `strings::provision_notes`'s tests.
            Ok(why) => assert!(!matches!(why.fit, Fit::Said(_)), "{ctx}"),
            Err(r) => assert!(!matches!(r, Refusal::Said { .. }), "{ctx}: {r:?}"),
        }
    }
    check_service_accounts(c, d, who, &ctx);
    check_access_tokens(c, d, who, &ctx);
}

/// GitLab's rules for the service accounts.
fn check_service_accounts(c: &Choice, d: &Discovery, who: Who, ctx: &str) {
    let sa = [
        Kind::GroupServiceAccount,
        Kind::SubgroupServiceAccount,
        Kind::InstanceServiceAccount,
        Kind::ProjectServiceAccount,
    ];
    // Subgroup service accounts: 18.11 and later, the subgroup's Owner (or a self-managed admin).
    if listed(c, Kind::SubgroupServiceAccount)
        && verdict_of(c, Kind::SubgroupServiceAccount).is_ok()
    {
        assert!(d.version.is_none_or(|v| v >= (18, 11)), "{ctx}");
        assert!(
            who == Who::Owner || (who == Who::Admin && !d.gitlab_com),
            "{ctx}"
        );
    }
    // GitLab.com has no instance service accounts.
    if d.gitlab_com {
        assert_eq!(
            refused_with(c, Kind::InstanceServiceAccount),
            Some(ProblemKind::NotOnGitlabCom),
            "{ctx}"
        );
    }
    // Community Edition: no service accounts at all.
    if !d.gitlab_com && d.edition == Edition::Ce {
        for k in sa.iter().filter(|k| listed(c, **k)) {
            assert!(verdict_of(c, *k).is_err(), "{ctx} {k:?}");
        }
    }
    // Free before 18.11: no service accounts.
    if d.tier == Tier::Free && d.version.is_none_or(|v| v < (18, 11)) {
        for k in sa.iter().filter(|k| listed(c, **k)) {
            assert!(verdict_of(c, *k).is_err(), "{ctx} {k:?}");
        }
    }
    // Project service accounts: 18.11 and later only.
    if d.version.is_some_and(|v| v < (18, 11)) {
        assert!(verdict_of(c, Kind::ProjectServiceAccount).is_err(), "{ctx}");
    }
    // Instance service accounts: administrators only.
    if who != Who::Admin {
        assert!(
            verdict_of(c, Kind::InstanceServiceAccount).is_err(),
            "{ctx}"
        );
    }
    // Group service accounts: the top-level Owner on GitLab.com; admin or Owner (17.6+) elsewhere.
    if verdict_of(c, Kind::GroupServiceAccount).is_ok() {
        if d.gitlab_com {
            assert_eq!(who, Who::Owner, "{ctx}");
        } else {
            assert!(
                who == Who::Admin || (who == Who::Owner && d.version.is_none_or(|v| v >= (17, 6))),
                "{ctx}"
            );
        }
    }
}

/// GitLab's rules for the access tokens, and nobody gets anything without a role.
fn check_access_tokens(c: &Choice, d: &Discovery, who: Who, ctx: &str) {
    // Access tokens: Premium on GitLab.com.
    if d.gitlab_com && d.tier == Tier::Free {
        assert_eq!(
            refused_with(c, Kind::GroupToken).filter(|_| d.targets[0].kind == TargetKind::Group),
            (d.targets[0].kind == TargetKind::Group).then_some(ProblemKind::TierUnavailable),
            "{ctx}"
        );
    }
    // A group token needs the group's Owner (or a self-managed admin).
    if verdict_of(c, Kind::GroupToken).is_ok() {
        assert!(
            who == Who::Owner || (who == Who::Admin && !d.gitlab_com),
            "{ctx}"
        );
    }
    // Nobody with no role gets anything: back to the guided path.
    if who == Who::Nobody {
        assert_eq!(c.best, None, "{ctx}");
    }
}

#[test]
fn typical_cases_choose_what_an_owner_would_expect() {
    let group = || vec![target("acme", TargetKind::Group, Some(Role::Owner))];
    let r = request("repo-scanner", &["acme"], None);
    // GitLab.com, top-level Owner, Premium: a group service account.
    let d = discovery(
        Who::Owner,
        true,
        Edition::Ee,
        Tier::Premium,
        Some((18, 6)),
        group(),
    );
    assert_eq!(choose(&r, &d).best, Some(Kind::GroupServiceAccount));
    // Self-managed CE, Owner: no service accounts, a group access token.
    let d = discovery(
        Who::Owner,
        false,
        Edition::Ce,
        Tier::Unknown,
        Some((18, 6)),
        group(),
    );
    let c = choose(&r, &d);
    assert_eq!(c.best, Some(Kind::GroupToken));
    assert_eq!(
        refused_with(&c, Kind::GroupServiceAccount),
        Some(ProblemKind::EditionUnavailable)
    );
    // Self-managed EE 17.2, Owner but not admin: only admins made group service accounts then.
    let d = discovery(
        Who::Owner,
        false,
        Edition::Ee,
        Tier::Premium,
        Some((17, 2)),
        group(),
    );
    let c = choose(&r, &d);
    assert_eq!(
        refused_with(&c, Kind::GroupServiceAccount),
        Some(ProblemKind::NotAdmin)
    );
    assert_eq!(c.best, Some(Kind::GroupToken));
    // GitLab.com Free before 18.11: nothing; from 18.11 a group service account (not a token).
    let d = discovery(
        Who::Owner,
        true,
        Edition::Ee,
        Tier::Free,
        Some((18, 6)),
        group(),
    );
    assert_eq!(choose(&r, &d).best, None);
    let d = discovery(
        Who::Owner,
        true,
        Edition::Ee,
        Tier::Free,
        Some((18, 11)),
        group(),
    );
    let c = choose(&r, &d);
    assert_eq!(c.best, Some(Kind::GroupServiceAccount));
    assert_eq!(
        refused_with(&c, Kind::GroupToken),
        Some(ProblemKind::TierUnavailable)
    );
    // A Maintainer of a subgroup on GitLab.com: no group service account (needs the top Owner).
    let mut t = target("acme/tools", TargetKind::Group, Some(Role::Maintainer));
    t.top_level_role = Some(Role::Maintainer);
    let d = discovery(
        Who::Maintainer,
        true,
        Edition::Ee,
        Tier::Premium,
        Some((18, 6)),
        vec![t],
    );
    let c = choose(&request("repo-scanner", &["acme/tools"], None), &d);
    assert_eq!(
        refused_with(&c, Kind::GroupServiceAccount),
        Some(ProblemKind::NotOwner)
    );
    assert_eq!(c.best, None);
}

#[test]
fn one_project_prefers_its_own_service_account_and_tokens_are_bound_to_one_target() {
    let project = target("acme/app", TargetKind::Project, Some(Role::Maintainer));
    let d = discovery(
        Who::Maintainer,
        false,
        Edition::Ee,
        Tier::Premium,
        Some((18, 11)),
        vec![project.clone()],
    );
    let c = choose(&request("repo-scanner", &["acme/app"], None), &d);
    assert_eq!(c.options[0].kind, Kind::ProjectServiceAccount);
    assert_eq!(c.best, Some(Kind::ProjectServiceAccount));
    // Two targets: access tokens and project service accounts cannot serve both.
    let two = vec![
        project,
        target("acme", TargetKind::Group, Some(Role::Owner)),
    ];
    let d = discovery(
        Who::Owner,
        false,
        Edition::Ee,
        Tier::Premium,
        Some((18, 11)),
        two,
    );
    let c = choose(&request("repo-scanner", &["acme/app", "acme"], None), &d);
    for k in [
        Kind::GroupToken,
        Kind::ProjectToken,
        Kind::ProjectServiceAccount,
    ] {
        assert_eq!(
            refused_with(&c, k),
            Some(ProblemKind::OneTargetOnly),
            "{k:?}"
        );
    }
}

#[test]
fn targets_in_two_top_level_groups_or_a_personal_namespace_have_no_group_service_account() {
    let d = discovery(
        Who::Admin,
        false,
        Edition::Ee,
        Tier::Premium,
        Some((18, 6)),
        vec![
            target("acme", TargetKind::Group, None),
            target("globex", TargetKind::Group, None),
        ],
    );
    let c = choose(&request("repo-scanner", &["acme", "globex"], None), &d);
    assert_eq!(
        refused_with(&c, Kind::GroupServiceAccount),
        Some(ProblemKind::TopLevelGroupRequired)
    );
    // The admin gets an instance service account instead.
    assert_eq!(c.best, Some(Kind::InstanceServiceAccount));
    let d = discovery(
        Who::Owner,
        true,
        Edition::Ee,
        Tier::Premium,
        Some((18, 6)),
        vec![target("alice/app", TargetKind::Project, Some(Role::Owner))],
    );
    let c = choose(&request("repo-scanner", &["alice/app"], None), &d);
    assert_eq!(
        refused_with(&c, Kind::GroupServiceAccount),
        Some(ProblemKind::TopLevelGroupRequired)
    );
}

#[test]
fn a_project_token_never_gets_a_role_above_its_creator() {
    // mr-reviewer needs Maintainer; a Developer cannot create a project token at all, and the
    // rule "no higher than the creator" is checked for Maintainers making Owner-role profiles.
    let d = discovery(
        Who::Maintainer,
        false,
        Edition::Ee,
        Tier::Premium,
        Some((18, 6)),
        vec![target(
            "acme/app",
            TargetKind::Project,
            Some(Role::Developer),
        )],
    );
    let c = choose(&request("mr-reviewer", &["acme/app"], None), &d);
    assert_eq!(
        refused_with(&c, Kind::ProjectToken),
        Some(ProblemKind::NotOwner)
    );
    let mut r = request("mr-reviewer", &["acme/app"], None);
    r.profile.role = Role::Owner;
    let d = discovery(
        Who::Maintainer,
        false,
        Edition::Ee,
        Tier::Premium,
        Some((18, 6)),
        vec![target(
            "acme/app",
            TargetKind::Project,
            Some(Role::Maintainer),
        )],
    );
    let c = choose(&r, &d);
    let reason = verdict_of(&c, Kind::ProjectToken).clone().unwrap_err();
    // "... cannot have a higher role than its creator": `strings::provision_notes`'s tests.
    assert!(
        matches!(reason, Refusal::RoleAboveCaller { .. }),
        "{reason:?}"
    );
}

#[test]
fn an_asked_kind_that_is_refused_leaves_no_best() {
    let d = discovery(
        Who::Owner,
        true,
        Edition::Ee,
        Tier::Premium,
        Some((18, 6)),
        vec![target("acme", TargetKind::Group, Some(Role::Owner))],
    );
    let asked = request(
        "repo-scanner",
        &["acme"],
        Some(Kind::InstanceServiceAccount),
    );
    let c = choose(&asked, &d);
    assert_eq!(c.best, None);
    let asked = request("repo-scanner", &["acme"], Some(Kind::GroupToken));
    assert_eq!(choose(&asked, &d).best, Some(Kind::GroupToken));
}

/// Your own fine-grained token: self-managed 19.2+, a profile with permissions, and the
/// profile's role on every target; listed (without `--kind`) only where GitLab makes it.
#[test]
fn own_token_follows_the_version_the_host_and_the_role() {
    let own = Some(Kind::OwnToken);
    let t = |role| vec![target("acme/app", TargetKind::Project, role)];
    let d = |com, version, role| {
        discovery(
            Who::Owner,
            com,
            Edition::Ee,
            Tier::Premium,
            version,
            t(role),
        )
    };
    let r = request("repo-scanner", &["acme/app"], own);
    let owner = Some(Role::Owner);
    assert!(verdict_of(&choose(&r, &d(false, Some((19, 2)), owner)), Kind::OwnToken).is_ok());
    assert_eq!(choose(&r, &d(false, Some((19, 2)), owner)).best, own);
    let refused =
        |com, version, role| refused_with(&choose(&r, &d(com, version, role)), Kind::OwnToken);
    assert_eq!(
        refused(true, Some((19, 6)), owner),
        Some(ProblemKind::NotOnGitlabCom)
    );
    assert_eq!(
        refused(false, Some((19, 1)), owner),
        Some(ProblemKind::VersionTooOld)
    );
    assert_eq!(
        refused(false, None, owner),
        Some(ProblemKind::VersionTooOld)
    );
    assert_eq!(
        refused(false, Some((19, 2)), None),
        Some(ProblemKind::RoleTooLow)
    );
    // repo-scanner needs Reporter: a Guest is refused, a Reporter is enough.
    assert_eq!(
        refused(false, Some((19, 2)), Some(Role::Guest)),
        Some(ProblemKind::RoleTooLow)
    );
    assert_eq!(refused(false, Some((19, 2)), Some(Role::Reporter)), None);
    let custom = request("custom", &["acme/app"], own);
    let c = choose(&custom, &d(false, Some((19, 2)), owner));
    assert_eq!(
        refused_with(&c, Kind::OwnToken),
        Some(ProblemKind::MissingPermissions)
    );
    // Without --kind: last where it exists, absent elsewhere.
    let any = request("repo-scanner", &["acme/app"], None);
    let at = |com, v| choose(&any, &d(com, v, owner));
    assert_eq!(at(false, Some((19, 2))).options.last().map(|c| c.kind), own);
    assert!(!listed(&at(false, Some((19, 1))), Kind::OwnToken));
    assert!(!listed(&at(true, Some((19, 6))), Kind::OwnToken));
}
