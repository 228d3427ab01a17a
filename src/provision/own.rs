//! The caller's own fine-grained token ([`Kind::OwnToken`]): no account step, no membership
//! step; the token is asked for with the profile's permissions on exactly the targets, and
//! GitLab's record of it must hold exactly those before it is kept.

use super::steps::Account;
use super::{Check, Discovery, Kind, MembershipOutcome, Request, TargetKind};
use crate::gitlab::Client;
use crate::gitlab::granular::Scope;
use crate::gitlab::granular_request::{self, NewScope};
use crate::gitlab::types::TokenInfo;
use crate::token::Token;

/// The account a token of `kind` belongs to when no account is made: the caller's own.
pub(super) fn account(kind: Kind, d: &Discovery) -> Option<Account> {
    (kind == Kind::OwnToken).then(|| Account {
        id: d.caller.id,
        username: d.caller.username.clone(),
        created: false,
    })
}

/// The `granular_scopes` a token of `kind` is made with (`None`: a legacy token).
pub(super) fn scopes(kind: Kind, request: &Request, d: &Discovery) -> Option<Vec<NewScope>> {
    if kind != Kind::OwnToken {
        return None;
    }
    let ids = |want: TargetKind| -> Vec<u64> {
        d.targets
            .iter()
            .filter(|t| t.kind == want)
            .map(|t| t.id)
            .collect()
    };
    Some(granular_request::scopes_for(
        &request.profile.permission_needs(),
        &ids(TargetKind::Project),
        &ids(TargetKind::Group),
    ))
}

/// The caller's memberships, as they are (nothing is added).
pub(super) fn memberships(request: &Request, d: &Discovery) -> Vec<MembershipOutcome> {
    d.targets
        .iter()
        .map(|t| MembershipOutcome {
            target: t.path.clone(),
            access_level: t.caller_role.unwrap_or(request.profile.role).access_level(),
            created: false,
            pending_approval: false,
        })
        .collect()
}

/// GitLab's record of the new token holds exactly what was `asked` (from the create answer
/// when it shows `granular_scopes`, 19.6+, else `GET /personal_access_tokens/:id`).
pub(super) async fn confirm(
    client: &Client,
    token: &Token,
    minted: &TokenInfo,
    asked: &[NewScope],
    caller_id: u64,
) -> Result<Vec<Scope>, Check> {
    if minted.user_id != caller_id {
        return Err(Check::OtherUser {
            got: minted.user_id,
            caller: caller_id,
        });
    }
    if !minted.granular {
        return Err(Check::NotFineGrained);
    }
    let got = match &minted.granular_scopes {
        Some(s) => s.clone(),
        None => match client.token_permissions(token, minted.id).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(Check::NotFineGrained),
            Err(e) => return Err(Check::PermissionsUnread(e)),
        },
    };
    granular_request::compare(asked, &got).map_err(Check::Mismatch)?;
    Ok(got)
}
