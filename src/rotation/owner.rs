//! The owner path: a provisioned token that cannot rotate itself is rotated through its
//! account's rotate endpoint (the group or project service account's, the administrator's
//! `/personal_access_tokens/:id/rotate`, or the group or project access token's) with an Owner's
//! or an administrator's authorization, in the same store-first order as `automatic`, with the
//! same journal (so `recover` finishes a killed one the same way).

use super::automatic::{Attempt, Progress, Stage, guided, rotate_failed};
use super::journal::Journal;
use super::journal::RotationLock;
use super::steps::{Rotation, begin, complete};
use super::{Context, Failure, PathKind, Report, Reveal, is_gone};
use crate::gitlab::accounts::TokenHome;
use crate::gitlab::{ApiError, Client};
use crate::problem::ProblemKind;
use crate::strings::{provision as prov_text, rotation as text, validation::api_problem};
use crate::token::Token;
use crate::vault::records::token_home;
use crate::vault::{Keychain, StoredToken};

/// Rotates `entry` (whose metadata has a `provisioned` table) with `owner`'s authorization on
/// `client` (the entry's instance), asking for `expires_at` (`YYYY-MM-DD`). The caller holds the
/// rotation lock (and has run `recover_locked`), as for [`super::automatic::execute`].
#[allow(clippy::too_many_arguments)]
pub async fn rotate(
    ctx: &Context,
    entry: &StoredToken,
    client: &Client,
    owner: &Token,
    expires_at: &str,
    lock: &RotationLock,
    reveal: Reveal<'_>,
    progress: Progress<'_>,
) -> Report {
    progress(Stage::Checking);
    let report = Report::new(entry, PathKind::Owner);
    let home = entry
        .provisioned
        .as_ref()
        .and_then(|p| token_home(p.kind, p.lives_in_id, p.account_id));
    let Some(home) = home else {
        let p = crate::problem::Problem::new(
            super::kind::NEEDS_GUIDED,
            prov_text::not_provisioned(&entry.account),
            text::guided_fix(&entry.account, &entry.host, &entry.name),
        );
        return report.fail(Failure::Failed, p);
    };
    let keychain = match Keychain::open_for(entry, ctx.keychain_timeout).await {
        Ok(k) => k,
        Err(e) => return report.fail(Failure::Keychain, crate::strings::vault::problem(&e)),
    };
    let old = match keychain.get(&entry.account).await {
        Ok(t) => t,
        Err(e) => return report.fail(Failure::Keychain, crate::strings::vault::problem(&e)),
    };
    // The stored token's own record: its current id (it may have rotated itself since), and
    // whether it still works. A dead token is never rotated: GitLab would treat it as reuse.
    let info = match client.token_self(&old).await {
        Ok(info) if info.active && !info.revoked => info,
        Ok(info) => {
            let why = api_problem(&crate::gitlab::ApiError::TokenRevoked).message;
            let p = text::stored_dead(&entry.account, &why, &entry.host, &entry.name);
            return guided(report, entry, &info.scopes, info.id, p);
        }
        Err(e) if is_gone(&e) => {
            let why = api_problem(&e).message;
            let p = text::stored_dead(&entry.account, &why, &entry.host, &entry.name);
            return guided(report, entry, &entry.scopes, entry.token_id, p);
        }
        Err(e) => {
            let p = api_problem(&e);
            let failure = if p.kind.is_reachability() {
                Failure::Unreachable
            } else {
                Failure::Failed
            };
            return report.fail(
                failure,
                text::not_reached(&entry.account, &p.message, &p.fix),
            );
        }
    };
    let (report, writer, journal) =
        match begin(ctx, report, entry, &info, &keychain, expires_at, lock).await {
            Ok(begun) => begun,
            Err(report) => return report,
        };

    progress(Stage::Rotating);
    let attempt = Attempt {
        entry,
        info: &info,
        client,
        old: &old,
        expires_at,
        lock,
    };
    let rotated = match client.rotate_token(owner, home, info.id, expires_at).await {
        Ok(r) => r,
        Err(ApiError::InvalidToken(m)) if home.is_access_token() => {
            // resource_access_tokens.rb answers 401 to a caller who may not manage the tokens:
            // GitLab did not rotate. Only when the owner's own token still works is that the
            // reason; otherwise it is the owner's token (said as usual).
            if client.user(owner).await.is_ok() {
                let _ = Journal::remove(&lock.journal);
                let place = entry
                    .provisioned
                    .as_ref()
                    .and_then(|p| p.lives_in.clone())
                    .unwrap_or_default();
                let group = matches!(home, TokenHome::GroupToken { .. });
                let p = crate::problem::Problem::new(
                    ProblemKind::NotOwner,
                    prov_text::may_not_manage_tokens(group, &place),
                    text::guided_fix(&entry.account, &entry.host, &entry.name),
                );
                return report.fail(Failure::Failed, p);
            }
            return rotate_failed(ctx, report, &attempt, ApiError::InvalidToken(m)).await;
        }
        Err(e) => return rotate_failed(ctx, report, &attempt, e).await,
    };
    let rotation = Rotation {
        entry,
        info: &info,
        keychain: &keychain,
        client,
        lock,
    };
    complete(
        ctx, report, &rotation, writer, journal, rotated, reveal, progress,
    )
    .await
}
