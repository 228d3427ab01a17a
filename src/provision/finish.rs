//! The end of a run: the live checks on the new token, and the stored token an earlier run
//! made, kept when it still works (then nothing new is created).

use super::steps::Account;
use super::{
    AccountOutcome, Check, Discovery, Done, Kind, MembershipOutcome, Note, Outcome, Request,
    TargetFacts, TargetKind, TokenOutcome, join_all,
};
use crate::gitlab::ApiError;
use crate::gitlab::Client;
use crate::gitlab::accounts::Source;
use crate::gitlab::types::TokenInfo;
use crate::rotation::Context;
use crate::token::Token;
use crate::validation::{Requirements, judge};
use crate::vault::{Keychain, StoredToken};

/// The stored token of this NAME@HOST when it is live and was made for this account in the same
/// place: then nothing new is created.
#[allow(clippy::too_many_arguments)]
pub(super) async fn kept(
    ctx: &Context,
    request: &Request,
    stored: &Option<StoredToken>,
    kind: Kind,
    acct: Option<&Account>,
    lives_in_id: Option<u64>,
    done: &Done,
    problems: &[Note],
) -> Option<Outcome> {
    let entry = stored.as_ref()?;
    let made = entry.provisioned.as_ref()?;
    if made.kind != kind || made.lives_in_id != lives_in_id {
        return None;
    }
    if acct.is_some_and(|a| a.id != made.account_id) {
        return None;
    }
    let keychain = Keychain::open_for(entry, ctx.keychain_timeout).await.ok()?;
    let token = keychain.get(&entry.account).await.ok()?;
    let client = crate::rotation::client_for(entry, ctx.timeout).ok()?;
    let info = client.token_self(&token).await.ok()?;
    if !info.active || info.revoked || info.user_id != made.account_id {
        return None;
    }
    let memberships = if acct.is_some() {
        done.memberships.clone()
    } else {
        made.targets
            .iter()
            .map(|t| MembershipOutcome {
                target: t.clone(),
                access_level: request.profile.role.access_level(),
                created: false,
                pending_approval: false,
            })
            .collect()
    };
    Some(Outcome {
        account: AccountOutcome {
            id: made.account_id,
            username: made.account_username.clone(),
            kind,
            created: false,
        },
        memberships,
        token: token_outcome(&info, false),
        stored_as: entry.account.clone(),
        problems: problems.to_vec(),
    })
}

/// The onboarding checks on the new token (`validation::judge`, as `validate` judges them), with
/// the role on each target whose membership is in place (a pending or lower one is already
/// reported). Every answer is asked at once: the account's id is the new token's `user_id`, and
/// each target's kind is known, so no lookup waits for another. `Err` holds the first failure,
/// with its own problem kind (a role too low, a scope missing, GitLab not answering ...).
pub(super) async fn check(
    client: &Client,
    token: &Token,
    request: &Request,
    d: &Discovery,
    done: &Done,
    kind: Kind,
    minted: &TokenInfo,
) -> Result<(TokenInfo, crate::gitlab::types::User), Check> {
    let user_id = minted.user_id;
    let needed = request.profile.role.access_level();
    let in_place = |path: &str| {
        done.memberships
            .iter()
            .find(|m| m.target == path)
            .is_none_or(|m| !m.pending_approval && m.access_level >= needed)
    };
    // Your own token: your roles were read with your authorization; what it may do on each
    // target is its permissions, compared with what was asked (`own::confirm`).
    let checked: Vec<&TargetFacts> = d
        .targets
        .iter()
        .filter(|t| kind != Kind::OwnToken && in_place(&t.path))
        .collect();
    let mut needs = Requirements::for_profile(
        Some(&request.profile),
        checked.first().map(|t| t.path.clone()),
    );
    needs.service_account = kind.is_service_account();
    let today = time::OffsetDateTime::now_utc().date();
    let roles = checked
        .iter()
        .map(|t| async move {
            let source = match t.kind {
                TargetKind::Group => Source::Group(t.id),
                TargetKind::Project => Source::Project(t.id),
            };
            let level = client
                .effective_member(token, source, user_id)
                .await
                .and_then(|m| m.map(|m| m.access_level).ok_or(ApiError::NotFound));
            (t.path.as_str(), level)
        })
        .collect();
    let (info, user, metadata, roles) = tokio::join!(
        client.token_self(token),
        client.user(token),
        client.metadata(token),
        join_all(roles)
    );
    let first = roles.first().map(|(_, level)| level.clone());
    let v = judge(token, &needs, today, info, user, first, metadata);
    let fatal = v
        .problems
        .iter()
        .find(|p| !p.kind().is_warning() && !p.kind().is_reachability());
    if let Some(p) = fatal {
        return Err(Check::Judged(p.clone()));
    }
    for (path, level) in roles.iter().skip(1) {
        let target = (*path).to_owned();
        match level {
            Ok(l) if *l >= needed => {}
            Ok(l) => return Err(Check::RoleTooLow { level: *l, target }),
            Err(e) if !e.kind().is_reachability() => {
                let error = e.clone();
                return Err(Check::RoleUnread { target, error });
            }
            Err(_) => {}
        }
    }
    match (v.token, v.user) {
        (Some(info), Some(user)) => Ok((info, user)),
        // GitLab could not be asked just now.
        _ => Err(v
            .problems
            .first()
            .map_or(Check::NoAnswer, |p| Check::Judged(p.clone()))),
    }
}

/// What a token holds, as the outcome says it (`created`: minted by this run).
pub(super) fn token_outcome(info: &TokenInfo, created: bool) -> TokenOutcome {
    TokenOutcome {
        id: info.id,
        created,
        scopes: info.scopes.clone(),
        permissions: {
            let mut p: Vec<String> = info
                .granular_scopes
                .iter()
                .flatten()
                .flat_map(|s| s.permissions.iter().cloned())
                .collect();
            p.sort();
            p.dedup();
            p
        },
        expires_at: info.expires_at.clone(),
    }
}

/// Where an account of `kind` lives for a run whose first target is `first`: its path and id
/// (the top-level group for a group service account; nothing for an instance one).
pub(super) fn lives_in(kind: Kind, first: &TargetFacts) -> (Option<String>, Option<u64>) {
    match kind {
        Kind::GroupServiceAccount => (Some(first.top_level.clone()), Some(first.top_level_id)),
        Kind::SubgroupServiceAccount => (Some(first.path.clone()), Some(first.id)),
        Kind::InstanceServiceAccount => (None, None),
        _ => (Some(first.path.clone()), Some(first.id)),
    }
}

/// The stored entry under NAME@HOST that this run would replace although it is not the token of
/// this kind of account in this place (not made by `create`, or made for another kind or place):
/// refused before anything is created, unless the person agreed to replace it.
pub(super) fn name_taken(
    request: &Request,
    stored: Option<&StoredToken>,
    kind: Kind,
    lives_in_id: Option<u64>,
) -> Option<Note> {
    let entry = stored?;
    let ours = entry
        .provisioned
        .as_ref()
        .is_some_and(|made| made.kind == kind && made.lives_in_id == lives_in_id);
    if ours || request.replace_existing {
        return None;
    }
    Some(Note::NameTaken {
        account: entry.account.clone(),
        username: entry.username.clone(),
        name: entry.name.clone(),
    })
}
