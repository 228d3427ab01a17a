//! "Create it for me"'s typed outcomes in words: why a kind fits ([`why`]) or not
//! ([`refusal`]), and each problem met on the way ([`note`]), with the sentences of
//! `strings::provision`, `provision_refusals` and `provision_own`.

use super::provision as text;
use super::provision_own as own;
use super::provision_refusals as refusals;
use super::validation::api_problem;
use crate::problem::ProblemKind;
use crate::provision::{Caveat, Check, Fit, Lookup, Note, Refusal, Why};
use crate::vault::SaveError;

/// Why a kind is possible, its caveats after it.
pub fn why(w: &Why) -> String {
    let mut s = match &w.fit {
        Fit::GroupServiceAccount { top } => text::why_group_service_account(top, None),
        Fit::SubgroupServiceAccount { group } => text::why_subgroup_service_account(group, None),
        Fit::InstanceServiceAccount => text::why_instance_service_account(),
        Fit::ProjectServiceAccount { project } => text::why_project_service_account(project, None),
        Fit::GroupToken { group } => text::why_group_token(group),
        Fit::ProjectToken { project } => text::why_project_token(project),
        Fit::OwnToken { targets } => own::why_own_token(targets),
        Fit::Said(words) => words.clone(),
    };
    for c in &w.caveats {
        s.push(' ');
        s.push_str(caveat(*c));
    }
    s
}

pub fn caveat(c: Caveat) -> &'static str {
    match c {
        Caveat::TierUnseen => text::TIER_UNSEEN,
        Caveat::TrialServiceAccounts => text::TRIAL_SERVICE_ACCOUNTS,
        Caveat::FreeCapGitlabCom => text::FREE_CAP_GITLAB_COM,
        Caveat::FreeCapSelfManaged => text::FREE_CAP_SELF_MANAGED,
        Caveat::IfAdminAllows => text::IF_ADMIN_ALLOWS,
        Caveat::VersionUnseen => text::VERSION_UNSEEN,
        Caveat::AdminModeUnsure => text::ADMIN_MODE_UNSURE,
    }
}

/// Why a kind is not possible, and what to do instead.
pub fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::NeedsAdminMode(kind) => refusals::needs_admin_mode(*kind),
        Refusal::EditionCe => text::edition_ce(),
        Refusal::TrialNoAccessTokens => text::trial_no_access_tokens(),
        Refusal::TierFree { gitlab_com } => text::tier_free(*gitlab_com),
        Refusal::VersionTooOld { kind, need, have } => text::version_too_old(*kind, *need, *have),
        Refusal::NotOwnerTop { top, role } => text::not_owner_top(top, *role),
        Refusal::NotOwnerSubgroup { group, role } => text::not_owner_subgroup(group, *role),
        Refusal::NotOwnerGroup { group, role } => text::not_owner_group(group, *role),
        Refusal::NotMaintainerProject {
            kind,
            project,
            role,
        } => text::not_maintainer_project(*kind, project, *role),
        Refusal::RoleAboveCaller {
            project,
            needed,
            caller,
        } => text::role_above_caller(project, *needed, *caller),
        Refusal::NotAdminInstance => text::not_admin_instance(),
        Refusal::NotAdminOldSelfManaged { have } => text::not_admin_old_self_managed(*have),
        Refusal::NotOnGitlabCom => text::not_on_gitlab_com(),
        Refusal::PersonalNamespace { project } => text::personal_namespace(project),
        Refusal::DifferentTopLevels { tops } => text::different_top_levels(tops),
        Refusal::OneTargetOnly { kind, count } => text::one_target_only(*kind, *count),
        Refusal::WrongTargetKind { kind, target } => text::wrong_target_kind(*kind, target),
        Refusal::NothingPossible => text::nothing_possible(),
        Refusal::OwnTokenNotOnGitlabCom => own::own_token_not_on_gitlab_com(),
        Refusal::OwnTokenVersion { have } => own::own_token_version(*have),
        Refusal::OwnTokenNoPermissions { profile } => own::own_token_no_permissions(profile),
        Refusal::OwnTokenRole { path, needed, have } => own::own_token_role(path, *needed, *have),
        Refusal::Said { reason, .. } => reason.clone(),
    }
}

/// A problem met on the way, as its message.
pub fn note(n: &Note) -> String {
    // GitLab's answer as a cause ("...: why. fix").
    let why_fix = |e| {
        let p = api_problem(e);
        (p.message.trim_end_matches('.').to_owned(), p.fix)
    };
    match n {
        Note::Refused(r) => refusal(r),
        Note::LookupFailed { what, error } => {
            let (why, fix) = why_fix(error);
            text::discovery_failed(&lookup(what), &why, &fix)
        }
        Note::TargetNotFound { target } => text::target_not_found(target),
        Note::OwnerTokenNeedsApi { scopes } => refusals::owner_token_needs_api(scopes),
        Note::Busy { account } => text::busy(account),
        Note::JournalFailed { detail } => text::journal_failed(detail),
        Note::WriterBusy { detail } => detail.clone(),
        Note::StoreUnavailable(e) => {
            let p = super::vault::problem(e);
            format!("{} {}", p.message, p.fix)
        }
        Note::MayNotManageTokens { group, place } => refusals::may_not_manage_tokens(*group, place),
        Note::ExpiryRefused {
            date,
            gitlab,
            max_days,
        } => refusals::expiry_refused(date, gitlab, *max_days),
        Note::TokenFailed(e) => {
            let (why, fix) = why_fix(e);
            text::token_failed(&why, &fix)
        }
        Note::ChecksFailed(c) => text::checks_failed(&check(c)),
        Note::StoreFailed { why, token_id } => text::store_failed(&save_error(why), *token_id),
        Note::StoreFailedNotRevoked {
            why,
            token_id,
            page,
        } => text::store_failed_not_revoked(&save_error(why), *token_id, page),
        Note::NameTaken {
            account,
            username,
            name,
        } => refusals::name_taken(account, username, name),
        Note::OrphanSearchFailed { error, page } => {
            text::orphan_search_failed(&api_problem(error).message, page)
        }
        Note::OrphanRevoked { token_id, account } => text::orphan_revoked(*token_id, account),
        Note::OrphanNotRevoked {
            token_id,
            error,
            page,
        } => text::orphan_not_revoked(*token_id, &api_problem(error).message, page),
        Note::OrphanLeft {
            token_id,
            account,
            page,
        } => text::orphan_left(*token_id, account, page),
        Note::LimitReached { gitlab } => text::limit_reached(gitlab),
        Note::OwnerCreationDisabled { gitlab } => text::owner_creation_disabled(gitlab),
        Note::NotLicensed { gitlab } => refusals::not_licensed(gitlab),
        Note::AccountFailed { kind, error } => {
            let (why, fix) = why_fix(error);
            text::account_failed(*kind, &why, &fix)
        }
        Note::UsernameTaken { username } => text::username_taken(username),
        Note::AccountNotAsked { id, username, why } => {
            super::provision_trust::account_not_asked(*id, username, why)
        }
        Note::TokenNotOurs { why, page } => {
            super::provision_trust::token_not_ours(&check(why), page)
        }
        Note::MembershipFailed { target, error } => {
            let (why, fix) = why_fix(error);
            text::membership_failed(target, &why, &fix)
        }
        Note::MembershipPending { target, gitlab } => text::membership_pending(target, gitlab),
        Note::MembershipLower { target, has, needs } => {
            text::membership_lower(target, *has, *needs)
        }
        Note::Said { message, .. } => message.clone(),
    }
}

/// A note's kind and message, as `--json` and the screens list them.
pub fn kind_and_message(n: &Note) -> (ProblemKind, String) {
    (n.kind(), note(n))
}

/// What discovery was finding out.
fn lookup(what: &Lookup) -> String {
    match what {
        Lookup::Caller => "who you are".into(),
        Lookup::Target(path) => format!("what {path} is"),
        Lookup::Role(path) => format!("your role on {path}"),
    }
}

/// Why the new token failed its live checks (said inside `checks_failed`).
fn check(c: &Check) -> String {
    match c {
        Check::Judged(p) => crate::strings::validation::finding(p).message,
        Check::RoleTooLow { level, target } => format!("access level {level} on {target}"),
        Check::RoleUnread { target, error } => format!("{target}: {error}"),
        Check::NoAnswer => "no answer".into(),
        Check::OtherUser { got, caller } => own::own_token_other_user(*got, *caller),
        Check::NotFineGrained => own::OWN_TOKEN_NOT_FINE_GRAINED.into(),
        Check::Mismatch(m) => own::own_token_mismatch(m),
        Check::PermissionsUnread(e) => e.to_string(),
        Check::Unasked(u) => super::provision_trust::unasked(u),
    }
}

fn save_error(e: &SaveError) -> String {
    match e {
        SaveError::Keychain(v) => super::vault::problem(v).message,
        SaveError::Metadata(m) => m.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gitlab::ApiError;
    use crate::gitlab::access::Role;
    use crate::provision::Kind;

    /// Every refusal is a sentence that says what to do (the plan's matrix checks which).
    #[test]
    fn refusals_and_reasons_are_sentences() {
        let all = [
            Refusal::NeedsAdminMode(Kind::GroupServiceAccount),
            Refusal::EditionCe,
            Refusal::TrialNoAccessTokens,
            Refusal::TierFree { gitlab_com: true },
            Refusal::NotAdminInstance,
            Refusal::NotOnGitlabCom,
            Refusal::NothingPossible,
            Refusal::OwnTokenNotOnGitlabCom,
            Refusal::OwnTokenVersion { have: None },
        ];
        for r in all {
            assert!(refusal(&r).len() > 20, "{r:?}");
        }
        let why = Why {
            fit: Fit::InstanceServiceAccount,
            caveats: vec![Caveat::AdminModeUnsure],
        };
        assert!(super::why(&why).ends_with(text::ADMIN_MODE_UNSURE));
        let trial = Why {
            fit: Fit::GroupServiceAccount { top: "acme".into() },
            caveats: vec![Caveat::TrialServiceAccounts],
        };
        assert!(super::why(&trial).contains(text::TRIAL_SERVICE_ACCOUNTS));
    }

    #[test]
    fn the_plans_refusals_say_why() {
        let admin = refusal(&Refusal::NeedsAdminMode(Kind::GroupToken));
        assert!(admin.contains("needs the admin_mode scope (Admin Mode is on)"));
        assert!(refusal(&Refusal::TrialNoAccessTokens).contains("trial"));
        let above = Refusal::RoleAboveCaller {
            project: "acme/app".into(),
            needed: Role::Owner,
            caller: Role::Maintainer,
        };
        assert!(refusal(&above).contains("higher role"));
    }

    #[test]
    fn an_owner_token_without_api_is_told_about_that_token() {
        let scopes = vec!["read_api".to_owned(), "read_user".to_owned()];
        let m = note(&Note::OwnerTokenNeedsApi { scopes });
        assert!(m.contains("Your own token"), "{m}");
        assert!(m.contains("read_api, read_user"), "{m}");
    }

    /// GitLab's answer when the admin setting is off or the caller is below Owner.
    const REFUSED: &str = "400 Bad request - User does not have permission to create a service account in this namespace.";

    #[test]
    fn a_refused_account_says_which_role_or_setting() {
        let gitlab = REFUSED.to_owned();
        let m = note(&Note::OwnerCreationDisabled { gitlab });
        assert!(m.contains("Account and limit"), "{m}");
        let top = Refusal::NotOwnerTop {
            top: "Acme".into(),
            role: Some(Role::Maintainer),
        };
        let m = note(&Note::Refused(top));
        assert!(m.contains("Owner role on the top-level group Acme"), "{m}");
        assert!(m.contains("Maintainer"), "{m}");
        let project = Refusal::NotMaintainerProject {
            kind: Kind::ProjectServiceAccount,
            project: "Acme/Tools App".into(),
            role: Some(Role::Developer),
        };
        let m = note(&Note::Refused(project));
        assert!(
            m.contains("Maintainer or Owner role on Acme/Tools App"),
            "{m}"
        );
        let failed = Note::AccountFailed {
            kind: Kind::GroupServiceAccount,
            error: ApiError::BadRequest(REFUSED.into()),
        };
        let m = note(&failed);
        assert!(m.contains("does not have permission"), "{m}");
    }
}
