//! The automatic path: a token with the `api` or `self_rotate` scope rotates itself.
//!
//! Order of operations, chosen so that no step can leave the user without a way back:
//! 1. check the stored token live (still active? may it rotate itself?);
//! 2. prove the store can be written (a scratch entry written, read back, deleted), so a cron job
//!    never rotates into a store that would refuse the new token;
//! 3. write the journal (no token in it);
//! 4. `POST self/rotate` with `expires_at` (GitLab revokes the old token at once);
//! 5. store the new token and read it back: the very next step, on the store proven writable,
//!    with retries; until it succeeds the new token exists only in this process's memory;
//! 6. verify the new token live, 7. update the metadata, 8. remove the journal.
//!
//! A failure after step 4 never retries the rotation with the old token (GitLab would revoke the
//! new one too): whether GitLab rotated is asked with `GET self`, which is harmless.

use super::guided::offer;
use super::journal::RotationLock;
pub(crate) use super::steps::preflight;
pub use super::steps::{Progress, Stage};
use super::steps::{Rotation, begin, complete, give_up};
use super::{
    Context, Failure, Names, Note, PathKind, Report, Reveal, Trouble, client_for, is_gone,
};
use crate::gitlab::types::{TokenInfo, parse_date};
use crate::gitlab::{ApiError, Client};
use crate::token::Token;
use crate::vault::{Keychain, StoredToken, VaultError};

/// A token checked live and able to rotate itself.
pub struct Ready {
    pub entry: StoredToken,
    pub info: TokenInfo,
    keychain: Keychain,
    client: Client,
    old: Token,
}

/// What `plan` found.
pub enum Plan {
    Automatic(Box<Ready>),
    /// The token cannot rotate itself, or cannot be rotated at all: the report says why and how.
    Done(Report),
}

/// Reads the stored token and asks GitLab about it: may it rotate itself?
pub async fn plan(ctx: &Context, entry: &StoredToken) -> Plan {
    let mut report = Report::new(entry, PathKind::Automatic);
    if entry.is_oauth() {
        // A browser sign-in refreshes itself; its stored pair is no personal access token.
        report.ok = true;
        let account = entry.account.clone();
        report.notes.push(Note::SignInRefreshes { account });
        return Plan::Done(report);
    }
    let keychain = match Keychain::open_for(entry, ctx.keychain_timeout).await {
        Ok(k) => k,
        Err(e) => return Plan::Done(keychain_failed(report, &e)),
    };
    let old = match keychain.get(&entry.account).await {
        Ok(t) => t,
        Err(e) => return Plan::Done(keychain_failed(report, &e)),
    };
    let client = match client_for(entry, ctx.timeout) {
        Ok(c) => c,
        Err(e) => return Plan::Done(api_failed(report, &e)),
    };
    match client.token_self(&old).await {
        Ok(info) if info.active && !info.revoked => {
            if can_rotate_itself(&client, &old, &info).await {
                Plan::Automatic(Box::new(Ready {
                    entry: entry.clone(),
                    info,
                    keychain,
                    client,
                    old,
                }))
            } else {
                // A token `create` made is rotated through its account, with an Owner's say.
                let p = Trouble::NeedsGuided {
                    names: Names::of(entry),
                    scopes: info.scopes.clone(),
                    fine_grained: info.granular,
                    made: entry.provisioned.as_ref().map(|made| made.kind),
                };
                Plan::Done(offer(report, entry, &info.scopes, info.id, p))
            }
        }
        Ok(info) => {
            let names = Names::of(entry);
            let p = Trouble::StoredDead {
                names,
                why: Some(ApiError::TokenRevoked),
            };
            Plan::Done(offer(report, entry, &info.scopes, info.id, p))
        }
        Err(e) if is_gone(&e) => {
            let names = Names::of(entry);
            let p = Trouble::StoredDead {
                names,
                why: Some(e),
            };
            Plan::Done(offer(report, entry, &entry.scopes, entry.token_id, p))
        }
        Err(e) => Plan::Done(api_failed(report, &e)),
    }
}

/// [`super::renewal::may_rotate_itself`], with a fine-grained token's permissions read by id
/// when `/self` did not show them.
pub(crate) async fn can_rotate_itself(client: &Client, old: &Token, info: &TokenInfo) -> bool {
    let mut scopes = info.granular_scopes.clone();
    if info.granular && scopes.is_none() {
        scopes = client.token_permissions(old, info.id).await.ok().flatten();
    }
    super::renewal::may_rotate_itself(info.granular, scopes.as_deref(), &info.scopes)
}

fn keychain_failed(report: Report, e: &VaultError) -> Report {
    report.fail(Failure::Keychain, Trouble::Store(e.clone()))
}

fn api_failed(report: Report, e: &ApiError) -> Report {
    let failure = if e.kind().is_reachability() || matches!(e, ApiError::Setup(_)) {
        Failure::Unreachable
    } else {
        Failure::Failed
    };
    report.fail(failure, Trouble::Api(e.clone()))
}

/// Rotates a token `plan` found ready, asking for `expires_at` (`YYYY-MM-DD`). The caller holds
/// the rotation lock.
///
/// `reveal` is the last resort when the store will not take the new token after GitLab rotated:
/// it may show the token to a person (only on a terminal) and says whether it did.
pub async fn execute(
    ctx: &Context,
    ready: Ready,
    expires_at: &str,
    lock: &RotationLock,
    reveal: Reveal<'_>,
) -> Report {
    execute_with_progress(ctx, ready, expires_at, lock, reveal, &|_| {}).await
}

/// [`execute`], telling `progress` each [`Stage`] as it starts.
pub async fn execute_with_progress(
    ctx: &Context,
    ready: Ready,
    expires_at: &str,
    lock: &RotationLock,
    reveal: Reveal<'_>,
    progress: Progress<'_>,
) -> Report {
    progress(Stage::Checking);
    let Ready {
        entry,
        info,
        keychain,
        client,
        old,
    } = ready;
    let report = Report::new(&entry, PathKind::Automatic);
    let (report, writer, journal) =
        match begin(ctx, report, &entry, &info, &keychain, expires_at, lock).await {
            Ok(begun) => begun,
            Err(report) => return report,
        };

    progress(Stage::Rotating);
    let rotated = match client.rotate_self(&old, expires_at).await {
        Ok(r) => r,
        Err(e) => {
            let attempt = Attempt {
                entry: &entry,
                info: &info,
                client: &client,
                old: &old,
                expires_at,
                lock,
            };
            return rotate_failed(ctx, report, &attempt, e).await;
        }
    };
    let rotation = Rotation {
        entry: &entry,
        info: &info,
        keychain: &keychain,
        client: &client,
        lock,
    };
    complete(
        ctx, report, &rotation, writer, journal, rotated, reveal, progress,
    )
    .await
}

/// GitLab's refusal to rotate a legacy token where fine-grained ones are enforced:
/// "Rotation of legacy personal access tokens is disabled. Use a fine-grained token instead."
/// (rotate_service.rb @41946e6).
fn legacy_rotation_disabled(message: &str) -> bool {
    message.contains("Rotation of legacy personal access tokens is disabled")
}

/// One rotation call and what it was made with.
#[derive(Clone, Copy)]
pub(crate) struct Attempt<'a> {
    pub entry: &'a StoredToken,
    pub info: &'a TokenInfo,
    pub client: &'a Client,
    pub old: &'a Token,
    pub expires_at: &'a str,
    pub lock: &'a RotationLock,
}

/// The rotation call failed. A definite refusal changed nothing; anything else may have reached
/// GitLab, so it is asked (with `GET self`, never `rotate`) whether the old token still works.
pub(crate) async fn rotate_failed(
    ctx: &Context,
    report: Report,
    a: &Attempt<'_>,
    e: ApiError,
) -> Report {
    let Attempt {
        entry,
        info,
        expires_at,
        lock,
        ..
    } = *a;
    match refused(report, entry, info, expires_at, &e) {
        Call::Refused(refused) => {
            let _ = lock.remove(&entry.account);
            refused
        }
        Call::MayHaveReached(report) => ask_gitlab(ctx, report, a, &e).await,
    }
}

/// What a failed rotate call means.
pub(crate) enum Call {
    /// A definite refusal: GitLab did not rotate, the old token still works (its report).
    Refused(Report),
    /// The call may have reached GitLab (the report as it was).
    MayHaveReached(Report),
}

/// A failed rotate call sorted: a definite refusal with its report, or one that may have reached
/// GitLab. Shared by the team store's rotation (`rotation::team`).
pub(crate) fn refused(
    report: Report,
    entry: &StoredToken,
    info: &TokenInfo,
    expires_at: &str,
    e: &ApiError,
) -> Call {
    let (account, names) = (&entry.account, || Names::of(entry));
    Call::Refused(match e {
        // An instance enforcing fine-grained tokens (19.2, self-managed) refuses to rotate a
        // legacy one (app/services/personal_access_tokens/rotate_service.rb): its replacement
        // is a fine-grained token, made on that form.
        ApiError::BadRequest(m) | ApiError::Forbidden(m) if legacy_rotation_disabled(m) => {
            let p = Trouble::LegacyDisabled {
                names: names(),
                message: m.clone(),
            };
            let fine = StoredToken {
                fine_grained: true,
                ..entry.clone()
            };
            offer(report, &fine, &info.scopes, info.id, p)
        }
        ApiError::BadRequest(m) if m.contains("Expiration date must be before") => report.fail(
            Failure::Failed,
            Trouble::ExpiryRejected {
                account: account.clone(),
                date: expires_at.to_owned(),
                message: m.clone(),
                max_days: max_days(m),
            },
        ),
        ApiError::BadRequest(m) => report.fail(
            Failure::Failed,
            Trouble::RotationRefused {
                names: names(),
                message: m.clone(),
            },
        ),
        ApiError::InsufficientScope(_)
        | ApiError::MissingPermission(_)
        | ApiError::Forbidden(_)
        | ApiError::NotFound
        | ApiError::Http { status: 405, .. } => {
            let p = Trouble::RefusedByGitlab {
                names: names(),
                why: e.clone(),
            };
            offer(report, entry, &info.scopes, info.id, p)
        }
        ApiError::RateLimited { .. } | ApiError::Setup(_) => report.fail(
            Failure::Unreachable,
            Trouble::NotReached {
                account: account.clone(),
                why: e.clone(),
            },
        ),
        _ => return Call::MayHaveReached(report),
    })
}

/// The call may have reached GitLab: ask, with the old token, whether it still works.
async fn ask_gitlab(ctx: &Context, report: Report, a: &Attempt<'_>, e: &ApiError) -> Report {
    let Attempt {
        entry,
        info,
        client,
        old,
        lock,
        ..
    } = *a;
    let account = entry.account.clone();
    let lost = || Trouble::Lost {
        names: Names::of(entry),
        old_id: info.id,
        why: e.clone(),
    };
    match client.token_self(old).await {
        Ok(now) if now.id == info.id && now.active => {
            let _ = lock.remove(&entry.account);
            let failure = if e.kind().is_reachability() {
                Failure::Unreachable
            } else {
                Failure::Failed
            };
            let why = e.clone();
            report.fail(failure, Trouble::NotReached { account, why })
        }
        Ok(_) => give_up(ctx, report, entry, info.id, lock, lost()).await,
        Err(check) if is_gone(&check) => give_up(ctx, report, entry, info.id, lock, lost()).await,
        Err(why) => report.fail(
            Failure::Unreachable,
            Trouble::OutcomeUnknown { account, why },
        ),
    }
}

/// From "Expiration date must be before 2027-08-25": the most days `--expires-in` may ask for.
pub(crate) fn max_days(message: &str) -> Option<i64> {
    let date = message.rsplit(' ').next().and_then(parse_date)?;
    let today = time::OffsetDateTime::now_utc().date();
    Some((date - today).whole_days() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_read_from_gitlabs_message() {
        let in_31 = super::super::expiry_in(31);
        let m = format!("400 Bad request - Expiration date must be before {in_31}");
        assert_eq!(max_days(&m), Some(30));
        assert_eq!(max_days("400 Bad request - Token already revoked"), None);
    }
}
