//! Rotation's typed outcomes in words: each [`Trouble`] a problem with its fix, each [`Note`] a
//! line, a [`Report`] as `rotate --json` prints it, an interrupted rotation's recovery.

use serde::Serialize;

use super::*;
use crate::gitlab::links::TokenForm;
use crate::problem::ProblemKind;
use crate::rotation::deliveries::{Delivery, Undelivered};
use crate::rotation::recover::Unchecked;
use crate::rotation::renewal::Renewal;
use crate::rotation::{Note, PathKind, Recovered, Report, Resolution, Steps, Trouble};
use crate::strings::sinks::ShownOutcome;
use crate::strings::validation::api_problem;
use crate::strings::{oauth, provision, sinks, vault, vault_kv};
use crate::vault::StoredToken;

/// One trouble as a problem with its fix (a team token's replacement is stored with `add
/// --store vault`, not swapped in on this machine).
pub fn trouble(t: &Trouble) -> Problem {
    let mut p = words(t);
    if let Some(n) = names(t).filter(|n| n.team)
        && p.fix == guided_fix(&n.account, &n.host, &n.name)
    {
        p.fix = team::team_guided_fix(&n.host, &n.name);
    }
    p
}

/// The names of the token a trouble is about, where it names them.
fn names(t: &Trouble) -> Option<&crate::rotation::Names> {
    match t {
        Trouble::NeedsGuided { names, .. }
        | Trouble::StoredDead { names, .. }
        | Trouble::LegacyDisabled { names, .. }
        | Trouble::RefusedByGitlab { names, .. }
        | Trouble::RotationRefused { names, .. }
        | Trouble::MayNotManageTokens { names, .. }
        | Trouble::Lost { names, .. }
        | Trouble::NotProvisioned(names) => Some(names),
        _ => None,
    }
}

fn words(t: &Trouble) -> Problem {
    match t {
        Trouble::Store(e) => vault::problem(e),
        Trouble::Api(e) => api_problem(e),
        Trouble::BadAddress { url } => {
            api_problem(&ApiError::Setup(format!("{url} is not a usable address")))
        }
        Trouble::NotChecked => {
            api_problem(&ApiError::Setup("the token could not be checked".into()))
        }
        Trouble::Check(p) => crate::strings::validation::finding(p),
        Trouble::NeedsGuided {
            names: n,
            scopes,
            fine_grained,
            made,
        } => {
            let mut p = if *fine_grained {
                fine_grained_needs_guided(&n.account, &n.host, &n.name)
            } else {
                needs_guided(&n.account, scopes, &n.host, &n.name)
            };
            // A token `create` made is rotated through its account, with an Owner's say.
            if let Some(kind) = made {
                let renewal = Renewal::WithOwner(*kind);
                p.fix =
                    crate::strings::renewal::renewal_line(renewal, &n.account, &n.host, &n.name);
            }
            p
        }
        Trouble::NotProvisioned(n) => Problem::new(
            kind::NEEDS_GUIDED,
            provision::not_provisioned(&n.account),
            guided_fix(&n.account, &n.host, &n.name),
        ),
        Trouble::StoredDead { names: n, why } => {
            let why = match why {
                None => "inactive".to_owned(),
                Some(e) => api_problem(e).message,
            };
            stored_dead(&n.account, &why, &n.host, &n.name)
        }
        Trouble::LegacyDisabled { names: n, message } => {
            legacy_disabled(&n.account, message, &n.host, &n.name)
        }
        Trouble::RefusedByGitlab { names: n, why } => {
            refused_by_gitlab(&n.account, &api_problem(why).message, &n.host, &n.name)
        }
        Trouble::ExpiryRejected {
            account,
            date,
            message,
            max_days,
        } => expiry_rejected(account, date, message, *max_days),
        Trouble::RotationRefused { names: n, message } => {
            rotation_refused(&n.account, message, &n.host, &n.name)
        }
        Trouble::NotReached { account, why } => {
            let p = api_problem(why);
            not_reached(account, &p.message, &p.fix)
        }
        Trouble::MayNotManageTokens {
            names: n,
            group,
            place,
        } => Problem::new(
            ProblemKind::NotOwner,
            provision::may_not_manage_tokens(*group, place),
            guided_fix(&n.account, &n.host, &n.name),
        ),
        Trouble::Lost {
            names: n,
            old_id,
            why,
        } => lost(&n.account, *old_id, &reason(why), &n.host, &n.name),
        Trouble::OutcomeUnknown { account, why } => {
            outcome_unknown(account, &api_problem(why).message)
        }
        later => after_the_call(later),
    }
}

/// The troubles of the store, the journal, the new token and the replacement (what
/// [`trouble`] leaves).
fn after_the_call(t: &Trouble) -> Problem {
    match t {
        Trouble::StoreBusy => store_busy(),
        Trouble::Busy => busy(),
        Trouble::Lock(detail) => Problem::new(
            ProblemKind::MetadataWriteFailed,
            detail.clone(),
            vault::METADATA_FIX,
        ),
        Trouble::PreflightFailed {
            account,
            store,
            why,
        } => preflight_failed(
            account,
            store.name(),
            &why.to_string(),
            &vault::problem(why).fix,
        ),
        Trouble::JournalFailed(detail) => journal_failed(detail),
        Trouble::NotSaved {
            account,
            store,
            attempts,
            why,
            revealed,
        } => not_saved(
            account,
            store.name(),
            *attempts,
            &why.to_string(),
            *revealed,
        ),
        Trouble::NotVerified(e) => not_verified(&api_problem(e).message),
        Trouble::KindChanged { account } => kind_changed(account),
        Trouble::PermissionsChanged { account } => permissions_changed(account),
        Trouble::MetadataFailed { account, detail } => metadata_failed(account, detail),
        Trouble::ScopesNotCovered { missing, old } => scopes_not_covered(missing, old),
        Trouble::OtherUser { new, old } => other_user(new, old),
        Trouble::SameToken { id } => same_token(*id),
        Trouble::OldUnreadable { old_id, page, why } => {
            revoke_failed(*old_id, &old_unreadable(&why.to_string()), page)
        }
        Trouble::RevokeFailed { old_id, page, why } => {
            revoke_failed(*old_id, &api_problem(why).message, page)
        }
        Trouble::PendingNotRecorded { account, detail } => {
            sinks::pending_not_recorded(account, detail)
        }
        Trouble::Sink { account, delivery } => sinks::sink_problem(account, &outcome(delivery)),
        team => team_trouble(team),
    }
}

/// The troubles of a team token's rotation.
fn team_trouble(t: &Trouble) -> Problem {
    match t {
        Trouble::TeamStore(e) => team::team_store(e),
        Trouble::TeamLost {
            names: n,
            old_id,
            midway,
        } => team::team_lost(&n.account, *old_id, *midway, &n.host, &n.name),
        Trouble::TeamNotSaved {
            account,
            why,
            revealed,
        } => team::team_not_saved(account, &vault_kv::problem(why).message, *revealed),
        Trouble::AnswerNotAsked { account, what } => team::answer_not_asked(account, what),
        earlier => unreachable!("trouble() words {earlier:?}"),
    }
}

/// One note as a line of the text output.
pub fn note(n: &Note) -> String {
    match n {
        Note::SignInRefreshes { account } => oauth::not_rotatable(account),
        Note::Steps(s) => steps(s),
        Note::Rotated {
            account,
            old_id,
            new_id,
            expires_at,
        } => rotated(
            account,
            *old_id,
            *new_id,
            expires_at.as_deref().unwrap_or("never"),
        ),
        Note::Replaced {
            account,
            new_id,
            expires_at,
        } => replaced(account, *new_id, expires_at.as_deref().unwrap_or("never")),
        Note::NothingChanged => NOTHING_CHANGED.to_owned(),
        Note::OldKept { old_id, until } => {
            old_kept(*old_id, until.as_deref().unwrap_or("it is revoked"))
        }
        Note::OldRevoked { old_id } => old_revoked(*old_id),
        Note::OldAlreadyGone { old_id } => old_already_gone(*old_id),
        Note::Delivered { account, outcome } => sinks::delivered(account, &sinks::shown(outcome)),
        Note::RotatedElsewhere {
            account,
            token_id,
            expires_at,
        } => team::rotated_elsewhere(account, *token_id, expires_at.as_deref().unwrap_or("never")),
        Note::TeamResumed { account, holder } => team::team_resumed(account, holder),
    }
}

fn steps(s: &Steps) -> String {
    match s {
        Steps::AccessToken { name, scopes } => access_token_replacement(name, scopes),
        Steps::ServiceAccount {
            username,
            name,
            scopes,
        } => service_account_replacement(username, name, scopes),
    }
}

/// The report's problems, in order.
pub fn problems(r: &Report) -> Vec<Problem> {
    r.troubles.iter().map(trouble).collect()
}

/// The report's lines for people, in order.
pub fn notes(r: &Report) -> Vec<String> {
    r.notes.iter().map(note).collect()
}

/// Where `entry`'s replacement is made (`rotation::guided::replacement_link`), its description
/// naming the token `old_id` it replaces.
pub fn replacement_link(entry: &StoredToken, scopes: &[String], old_id: u64) -> Option<TokenForm> {
    crate::rotation::guided::replacement_link(entry, scopes, &description(old_id))
}

/// What the person does where the replacement's page cannot be prefilled.
pub fn replacement_steps(entry: &StoredToken, scopes: &[String]) -> Option<String> {
    crate::rotation::guided::replacement_steps(entry, scopes).map(|s| steps(&s))
}

/// A sink's outcome as `--json` shows it (one never tried says why).
fn outcome(d: &Delivery) -> ShownOutcome {
    match d {
        Delivery::Tried(o) => sinks::shown(o),
        Delivery::Unread {
            id,
            kind,
            target,
            why,
        } => ShownOutcome {
            id: *id,
            kind,
            target: target.clone(),
            ok: false,
            message: sinks::token_not_read(&vault::problem(why).message),
        },
    }
}

/// What each sink of the report's token did, as `--json` shows it.
pub fn outcomes(r: &Report) -> Vec<ShownOutcome> {
    r.sinks.iter().map(outcome).collect()
}

/// A report as `rotate --json` prints it.
#[derive(Debug, Serialize)]
pub struct Shown<'a> {
    pub account: &'a str,
    pub path: PathKind,
    pub ok: bool,
    pub old_expires_at: &'a Option<String>,
    pub new_expires_at: &'a Option<String>,
    pub problems: Vec<Problem>,
    /// The prefilled page to create the replacement (guided path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The same page on GitLab before 18.9, where the instance's version is not known (`link`
    /// is then the 18.9+ form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_before_18_9: Option<String>,
    /// What each sink of the token did with the new value.
    pub sinks: Vec<ShownOutcome>,
}

/// `r` in words: its problems, its link, its sinks' outcomes.
pub fn shown(r: &Report) -> Shown<'_> {
    let form = r
        .replacement
        .as_ref()
        .and_then(|x| replacement_link(&x.entry, &x.scopes, x.old_id));
    Shown {
        account: &r.account,
        path: r.path,
        ok: r.ok,
        old_expires_at: &r.old_expires_at,
        new_expires_at: &r.new_expires_at,
        problems: problems(r),
        link: form.as_ref().map(|f| f.primary().to_owned()),
        link_before_18_9: form
            .as_ref()
            .and_then(|f| f.before_18_9().map(str::to_owned)),
        sinks: outcomes(r),
    }
}

/// What happened to an interrupted rotation, in one paragraph.
pub fn recovered(r: &Recovered) -> String {
    let account = &r.account;
    match &r.resolution {
        Resolution::NeverRotated { id } => recovered_never(account, *id),
        Resolution::Finished { id, expires_at } => {
            recovered_finished(account, *id, expires_at.as_deref().unwrap_or("never"))
        }
        Resolution::Lost { old_id } => recovered_lost(account, *old_id),
        Resolution::Dead => stored_dead(account, "401", &r.host, &r.name).message,
        Resolution::Unresolved { why } => recovered_unresolved(account, &unchecked(why)),
        Resolution::Busy => recovered_busy(account),
        Resolution::Forgotten => recovered_forgotten(account),
        Resolution::Broken { error, path } => recovered_broken(error, path),
    }
}

/// What to do after an interrupted rotation, when something is left to do.
pub fn recovered_fix(r: &Recovered) -> Option<String> {
    r.token_lost()
        .then(|| guided_fix(&r.account, &r.host, &r.name))
}

fn unchecked(why: &Unchecked) -> String {
    match why {
        Unchecked::Metadata(detail) => detail.clone(),
        Unchecked::Store(e) => vault::problem(e).message,
        Unchecked::Api(e) => api_problem(e).message,
        Unchecked::NotRecorded(detail) => format!("{RECOVERY_METADATA_FAILED}: {detail}"),
    }
}

/// Why `sink deliver` delivered nothing.
pub fn undelivered(e: &Undelivered) -> String {
    match e {
        Undelivered::Busy => busy().message,
        Undelivered::Failed(detail) => detail.clone(),
        Undelivered::NotStored(account) => sinks::not_stored(account),
        Undelivered::Store(e) => vault::problem(e).message,
    }
}
