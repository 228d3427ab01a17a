//! The owner path: a provisioned token that cannot rotate itself is rotated through its
//! account's rotate endpoint (the group or project service account's, the administrator's
//! `/personal_access_tokens/:id/rotate`, or the group or project access token's) with an Owner's
//! or an administrator's authorization, in the same store-first order as `automatic`, with the
//! same journal (so `recover` finishes a killed one the same way).

use super::automatic::{Attempt, rotate_failed};
use super::guided::offer;
use super::journal::RotationLock;
use super::steps::{Progress, Rotation, Stage, begin, complete};
use super::{Context, Failure, Names, PathKind, Report, Reveal, Trouble, is_gone};
use crate::gitlab::accounts::TokenHome;
use crate::gitlab::types::{Rotated, TokenInfo};
use crate::gitlab::{ApiError, Client};
use crate::token::Token;
use crate::vault::records::token_home;
use crate::vault::{Keychain, StoredToken, VaultError};

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
        return report.fail(Failure::Failed, Trouble::NotProvisioned(Names::of(entry)));
    };
    let (keychain, old) = match read_old(ctx, entry).await {
        Ok(read) => read,
        Err(e) => return report.fail(Failure::Keychain, Trouble::Store(e)),
    };
    let (report, info) = match live_record(report, entry, client, &old).await {
        Ok(live) => live,
        Err(report) => return report,
    };
    // The writer lock, the store proven writable, the journal written.
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
    let (report, rotated) = match call_rotate(ctx, report, &attempt, owner, home).await {
        Ok(called) => called,
        Err(report) => return report,
    };
    // Stored first (read back), verified, recorded, the journal removed, the sinks delivered.
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

/// The entry's store, and the token stored in it.
async fn read_old(ctx: &Context, entry: &StoredToken) -> Result<(Keychain, Token), VaultError> {
    let keychain = Keychain::open_for(entry, ctx.keychain_timeout).await?;
    let old = keychain.get(&entry.account).await?;
    Ok((keychain, old))
}

/// The stored token's own record: its current id (it may have rotated itself since), and
/// whether it still works. A dead token is never rotated: GitLab would treat it as reuse.
async fn live_record(
    report: Report,
    entry: &StoredToken,
    client: &Client,
    old: &Token,
) -> Result<(Report, TokenInfo), Report> {
    match client.token_self(old).await {
        Ok(info) if info.active && !info.revoked => Ok((report, info)),
        Ok(info) => {
            let names = Names::of(entry);
            let why = Some(ApiError::TokenRevoked);
            let p = Trouble::StoredDead { names, why };
            Err(offer(report, entry, &info.scopes, info.id, p))
        }
        Err(e) if is_gone(&e) => {
            let names = Names::of(entry);
            let p = Trouble::StoredDead {
                names,
                why: Some(e),
            };
            Err(offer(report, entry, &entry.scopes, entry.token_id, p))
        }
        Err(why) => {
            let failure = if why.kind().is_reachability() {
                Failure::Unreachable
            } else {
                Failure::Failed
            };
            let account = entry.account.clone();
            Err(report.fail(failure, Trouble::NotReached { account, why }))
        }
    }
}

/// GitLab's rotate call on the token's `home`, with the owner's authorization; a failure is
/// sorted out as on the automatic path (`rotate_failed`), after one the owner path has of its own.
async fn call_rotate(
    ctx: &Context,
    report: Report,
    attempt: &Attempt<'_>,
    owner: &Token,
    home: TokenHome,
) -> Result<(Report, Rotated), Report> {
    let Attempt {
        entry,
        info,
        client,
        expires_at,
        lock,
        ..
    } = *attempt;
    match client.rotate_token(owner, home, info.id, expires_at).await {
        Ok(r) => Ok((report, r)),
        Err(ApiError::InvalidToken(m)) if home.is_access_token() => {
            // resource_access_tokens.rb answers 401 to a caller who may not manage the tokens:
            // GitLab did not rotate. Only when the owner's own token still works is that the
            // reason; otherwise it is the owner's token (said as usual).
            if client.user(owner).await.is_ok() {
                let _ = lock.remove(&entry.account);
                let place = entry
                    .provisioned
                    .as_ref()
                    .and_then(|p| p.lives_in.clone())
                    .unwrap_or_default();
                let group = matches!(home, TokenHome::GroupToken { .. });
                let names = Names::of(entry);
                let p = Trouble::MayNotManageTokens {
                    names,
                    group,
                    place,
                };
                return Err(report.fail(Failure::Failed, p));
            }
            Err(rotate_failed(ctx, report, attempt, ApiError::InvalidToken(m)).await)
        }
        Err(e) => Err(rotate_failed(ctx, report, attempt, e).await),
    }
}
