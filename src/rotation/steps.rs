//! The steps every rotation through GitLab's API shares (`automatic`, `owner`): before the
//! rotate call (writer lock, store proven writable, journal) and after it (store first, verify,
//! record, deliver).

use std::time::Duration;

use super::guided::offer;
use super::journal::{Journal, RotationLock, Step, WriterShare};
use super::{
    Context, Failure, Names, Note, Report, Reveal, Trouble, abort_point, is_gone, mark_unusable,
    now_rfc3339, record_new_token,
};
use crate::gitlab::Client;
use crate::gitlab::types::{Rotated, TokenInfo};
use crate::token::Token;
use crate::vault::{Keychain, StoredToken, VaultError};

/// Attempts to store the new token before giving up, and the pause before each retry.
const STORE_BACKOFF: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_millis(500),
    Duration::from_millis(1000),
];

/// Where an automatic rotation is, for a progress display (the wizard's spinner line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Proving the store takes new values, and writing the journal.
    Checking,
    /// `POST self/rotate` is in flight: from here GitLab may have revoked the old token.
    Rotating,
    /// Storing the new token and reading it back.
    Storing,
    /// Checking the new token live and recording its facts.
    Verifying,
}

/// Told each stage as it starts. Must return at once (it runs inside the rotation).
pub type Progress<'a> = &'a (dyn Fn(Stage) + Sync);

/// The steps before GitLab's rotate call, shared by every path that rotates through the API
/// (`automatic`, `owner`): the writer lock, the store proven writable, the journal written.
pub(crate) async fn begin<'l>(
    ctx: &Context,
    mut report: Report,
    entry: &StoredToken,
    info: &TokenInfo,
    keychain: &Keychain,
    expires_at: &str,
    lock: &'l RotationLock,
) -> Result<(Report, WriterShare<'l>, Journal), Report> {
    let account = &entry.account;
    report.old_expires_at = info.expires_at.clone().or(report.old_expires_at);
    // One writer of the store at a time (`vault::save` takes the same lock): an `add` or a
    // `forget` of this account must not interleave with storing the rotated value. Taken before
    // anything irreversible, so a busy store costs nothing but a retry. This process's other
    // rotations share it (`RotationLock::writer`), and take turns to write the keychain.
    let writer = match lock
        .writer(&ctx.metadata_path, ctx.keychain_timeout * 6)
        .await
    {
        Ok(share) => share,
        Err(_) => return Err(report.fail(Failure::Failed, Trouble::StoreBusy)),
    };
    let proven = {
        let _turn = lock.store_turn().await;
        preflight(keychain, &entry.host).await
    };
    if let Err(why) = proven {
        let trouble = Trouble::PreflightFailed {
            account: account.clone(),
            store: keychain.kind(),
            why,
        };
        return Err(report.fail(Failure::Keychain, trouble));
    }
    let journal = Journal {
        account: account.clone(),
        old_token_id: info.id,
        step: Step::Rotating,
        started_at: now_rfc3339(),
        expires_at: Some(expires_at.to_owned()),
        new_token_id: None,
    };
    if let Err(e) = lock.save(&journal) {
        return Err(report.fail(Failure::Failed, Trouble::JournalFailed(e.to_string())));
    }
    Ok((report, writer, journal))
}

/// What a rotation works on, for [`complete`].
pub(crate) struct Rotation<'a> {
    pub entry: &'a StoredToken,
    /// The old token's record.
    pub info: &'a TokenInfo,
    pub keychain: &'a Keychain,
    pub client: &'a Client,
    pub lock: &'a RotationLock,
}

/// The steps after GitLab rotated, shared by every API path: store the new value first (read
/// back, retried), mark the sinks, verify it live, record it, drop the journal, deliver.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn complete(
    ctx: &Context,
    mut report: Report,
    r: &Rotation<'_>,
    writer: WriterShare<'_>,
    mut journal: Journal,
    rotated: Rotated,
    reveal: Reveal<'_>,
    progress: Progress<'_>,
) -> Report {
    let Rotation {
        entry,
        info,
        keychain,
        client,
        lock,
    } = *r;
    let account = &entry.account;
    abort_point("after-api");

    progress(Stage::Storing);
    let stored = {
        let _turn = lock.store_turn().await;
        store_with_retries(keychain, ctx, account, &rotated.token).await
    };
    drop(writer);
    if let Err(why) = stored {
        // The old token is revoked on the server; the new one exists only in memory.
        let _ = mark_unusable(ctx, account).await;
        let _ = lock.remove(account);
        let revealed = reveal(&rotated.token);
        drop(rotated);
        let trouble = Trouble::NotSaved {
            account: account.clone(),
            store: keychain.kind(),
            attempts: STORE_BACKOFF.len() as u32 + 1,
            why,
            revealed,
        };
        return report.fail(Failure::Keychain, trouble);
    }
    // Every sink of the token now waits for this value (a kill from here on leaves them pending).
    let marked = {
        let _turn = lock.deliveries_turn().await;
        super::deliveries::mark_pending(ctx, account)
    };
    abort_point("after-keychain");
    journal.step = Step::Stored;
    journal.new_token_id = Some(rotated.info.id);
    let _ = lock.save(&journal);

    progress(Stage::Verifying);
    let live = match client.token_self(&rotated.token).await {
        Ok(live) if live.active => live,
        Ok(_) => {
            let names = Names::of(entry);
            let p = Trouble::StoredDead { names, why: None };
            return give_up(ctx, report, entry, info.id, lock, p).await;
        }
        Err(e) if is_gone(&e) => {
            let names = Names::of(entry);
            let p = Trouble::StoredDead {
                names,
                why: Some(e),
            };
            return give_up(ctx, report, entry, info.id, lock, p).await;
        }
        Err(e) => {
            report.troubles.push(Trouble::NotVerified(e));
            rotated.info.clone()
        }
    };
    let live = same_kind(client, &rotated.token, entry, live, &mut report).await;
    journal.step = Step::Verified;
    let _ = lock.save(&journal);
    abort_point("after-verify");

    if let Err(detail) = record_new_token(ctx, account, &live).await {
        // The journal stays: the next command finishes the metadata from the live token.
        let account = account.clone();
        return report.fail(Failure::Failed, Trouble::MetadataFailed { account, detail });
    }
    let _ = lock.remove(account);
    report.ok = true;
    report.new_expires_at = live.expires_at.clone();
    let report = report.note(Note::Rotated {
        account: account.clone(),
        old_id: info.id,
        new_id: live.id,
        expires_at: live.expires_at.clone(),
    });
    let _turn = lock.deliveries_turn().await;
    super::deliveries::finish(ctx, report, entry, &rotated.token, marked).await
}

/// Writes, reads back and deletes a scratch entry: the store takes new values.
pub(crate) async fn preflight(keychain: &Keychain, host: &str) -> Result<(), VaultError> {
    let scratch = crate::vault::account(crate::vault::names::PREFLIGHT_NAME, host);
    let probe = Token::new(format!(
        "preflight-{}-{}",
        std::process::id(),
        now_rfc3339()
    ));
    keychain.store_verified(&scratch, &probe).await?;
    keychain.delete(&scratch).await
}

/// Stores the new token (read back), retrying with a short backoff, reopening the store each time.
pub(crate) async fn store_with_retries(
    keychain: &Keychain,
    ctx: &Context,
    account: &str,
    token: &Token,
) -> Result<(), VaultError> {
    let mut result = keychain.store_verified(account, token).await;
    for pause in STORE_BACKOFF {
        if result.is_ok() {
            break;
        }
        tokio::time::sleep(pause).await;
        result = match Keychain::open(keychain.kind(), ctx.keychain_timeout).await {
            Ok(k) => k.store_verified(account, token).await,
            Err(e) => Err(e),
        };
    }
    result
}

/// GitLab's rotation keeps a fine-grained token's kind and permissions
/// (app/services/personal_access_tokens/rotate_service.rb copies `granular_scopes`); checked,
/// not assumed: the new token's permissions are read by id (`/self` does not show them) and
/// compared with the old ones. The new token is already stored: a difference is reported.
async fn same_kind(
    client: &Client,
    token: &Token,
    entry: &StoredToken,
    mut live: TokenInfo,
    report: &mut Report,
) -> TokenInfo {
    if !live.granular {
        if entry.fine_grained {
            let account = entry.account.clone();
            report.troubles.push(Trouble::KindChanged { account });
        }
        return live;
    }
    if live.granular_scopes.is_none()
        && let Ok(Some(scopes)) = client.token_permissions(token, live.id).await
    {
        live.granular_scopes = Some(scopes);
    }
    let sorted = |s: &[crate::gitlab::granular::Scope]| {
        let mut v: Vec<String> = s
            .iter()
            .map(|s| {
                let mut p = s.permissions.clone();
                p.sort();
                format!("{:?}{:?}{:?}{p:?}", s.access, s.project_id, s.group_id)
            })
            .collect();
        v.sort();
        v
    };
    if let (Some(old), Some(new)) = (&entry.permissions, &live.granular_scopes)
        && sorted(old) != sorted(new)
    {
        let account = entry.account.clone();
        report
            .troubles
            .push(Trouble::PermissionsChanged { account });
    }
    live
}

/// No working token is left (the new value was lost, or GitLab rejects the stored one): mark the
/// entry, drop the journal, and send the user to the guided path with `trouble`.
pub(crate) async fn give_up(
    ctx: &Context,
    report: Report,
    entry: &StoredToken,
    old_id: u64,
    lock: &RotationLock,
    trouble: Trouble,
) -> Report {
    let _ = mark_unusable(ctx, &entry.account).await;
    let _ = lock.remove(&entry.account);
    offer(report, entry, &entry.scopes, old_id, trouble)
}
