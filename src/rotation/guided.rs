//! The guided path's last step: a replacement made by hand (from the prefilled link) is checked
//! like a new token in the wizard, must cover every scope of the token it replaces and belong to
//! the same account, and only then is swapped into the store. The old token, read from the store
//! before the swap and kept in memory (zeroized on drop), is revoked last, and only if asked.

use super::journal::{Journal, RotationLock, Step};
use super::{Context, Failure, PathKind, Report, client_for, is_gone, now_rfc3339};
use crate::gitlab::access::scope_satisfied;
use crate::gitlab::links::TokenForm;
use crate::gitlab::version;
use crate::instance::Instance;
use crate::profile::Profile;
use crate::strings::{rotation as text, validation::api_problem, vault as vault_text};
use crate::token::Token;
use crate::validation::Requirements;
use crate::vault::{Keychain, Metadata, StoredToken};

/// The token name prefilled (or to type) for `entry`'s replacement: the old token's own name, so
/// the new one reads the same in GitLab's list; the wizard's default when none was recorded.
pub fn replacement_name(entry: &StoredToken) -> String {
    if entry.token_name.trim().is_empty() {
        format!("{} (gitlab-token)", entry.name)
    } else {
        entry.token_name.clone()
    }
}

/// Where `entry`'s replacement is made, for the command line and the wizard's `r` alike: a
/// service account's token on the service accounts page (the personal token page would make a
/// token for the person signed in: doc/user/profile/service_accounts.md), anyone else's on the
/// personal token page prefilled with the same name and `scopes`
/// (doc/user/profile/personal_access_tokens.md) of the GitLab version recorded with the entry
/// (both pages when none was). `None` for a service account on GitLab.com with no group
/// recorded.
pub fn replacement_link(entry: &StoredToken, scopes: &[String], old_id: u64) -> Option<TokenForm> {
    let instance = Instance::parse(&entry.url).ok()?;
    if let Some(page) = made_here_page(&instance, entry) {
        return Some(TokenForm::One(page));
    }
    if entry.bot {
        crate::gitlab::links::service_accounts(&instance, entry.target.as_deref().unwrap_or(""))
            .map(TokenForm::One)
    } else if entry.fine_grained {
        // A fine-grained token is replaced by one of its kind (rotation keeps the kind).
        Some(TokenForm::One(
            crate::gitlab::links::fine_grained_token_form(&instance),
        ))
    } else {
        let recorded = entry.gitlab_version.as_deref().and_then(version::parse);
        Some(crate::gitlab::links::personal_token_form(
            &instance,
            version::for_links(instance.is_gitlab_com(), recorded),
            &replacement_name(entry),
            &text::description(old_id),
            scopes,
        ))
    }
}

/// For a token `create` made: the page of the place its account lives in (an access token's
/// group or project, never a service accounts page; a group or project service account's own
/// Settings > Service accounts; the Admin area for an instance account).
fn made_here_page(instance: &Instance, entry: &StoredToken) -> Option<String> {
    use crate::gitlab::links::{self, Place};
    use crate::vault::records::Kind;
    let made = entry.provisioned.as_ref()?;
    let home = made.lives_in.as_deref().unwrap_or_default();
    Some(match made.kind {
        Kind::GroupToken => links::access_tokens(instance, home, Place::Group),
        Kind::ProjectToken => links::access_tokens(instance, home, Place::Project),
        Kind::GroupServiceAccount => links::group_service_accounts(instance, home),
        Kind::SubgroupServiceAccount => links::subgroup_service_accounts(instance, home),
        Kind::ProjectServiceAccount => links::project_service_accounts(instance, home),
        Kind::InstanceServiceAccount => links::service_accounts(instance, "")?,
        Kind::OwnToken => links::fine_grained_token_form(instance),
    })
}

/// What the person does on the service accounts page (nothing there can be prefilled).
pub fn replacement_steps(entry: &StoredToken, scopes: &[String]) -> Option<String> {
    use crate::vault::records::Kind;
    // An access token's bot is no service account: its page is the access tokens page.
    let kind = entry.provisioned.as_ref().map(|m| m.kind);
    if matches!(kind, Some(Kind::GroupToken | Kind::ProjectToken)) {
        return Some(text::access_token_replacement(
            &replacement_name(entry),
            scopes,
        ));
    }
    entry.bot.then(|| {
        text::service_account_replacement(&entry.username, &replacement_name(entry), scopes)
    })
}

/// What the stored token's profile needs (a custom or unknown profile: only the old scopes,
/// which are checked separately).
fn requirements(entry: &StoredToken) -> Requirements {
    let profile = Profile::by_id(&entry.profile).ok().filter(|p| !p.custom);
    Requirements::for_profile(profile.as_ref(), entry.target.clone())
}

/// Replaces `entry`'s token with `new` after validating it; with `revoke_old`, then revokes the
/// token it replaced. The caller holds the rotation lock.
pub async fn replace(
    ctx: &Context,
    entry: &StoredToken,
    new: Token,
    revoke_old: bool,
    lock: &RotationLock,
) -> Report {
    let mut report = Report::new(entry, PathKind::Guided);
    let Ok(instance) = Instance::parse(&entry.url) else {
        let e = crate::gitlab::ApiError::Setup(format!("{} is not a usable address", entry.url));
        return report.fail(Failure::Failed, api_problem(&e));
    };
    let keychain = match Keychain::open_for(entry, ctx.keychain_timeout).await {
        Ok(k) => k,
        Err(e) => return report.fail(Failure::Keychain, vault_text::problem(&e)),
    };
    // Read before the swap: afterwards the store holds only the new token.
    let old = if revoke_old {
        Some(
            keychain
                .get(&entry.account)
                .await
                .map_err(|e| e.to_string()),
        )
    } else {
        None
    };

    let v = crate::validation::validate_at(
        &instance,
        entry.ca_file.clone(),
        &new,
        &requirements(entry),
        ctx.timeout,
    )
    .await;
    let (Some(info), Some(user)) = (v.token.as_ref().filter(|_| v.ok()), v.user.as_ref()) else {
        let failure = if v.unreachable() {
            Failure::Unreachable
        } else {
            Failure::Failed
        };
        for p in v.problems.iter().filter(|p| !p.kind.is_warning()) {
            report = report.fail(failure, p.clone());
        }
        if report.problems.is_empty() {
            let e = crate::gitlab::ApiError::Setup("the token could not be checked".into());
            report = report.fail(failure, api_problem(&e));
        }
        return report.note(text::NOTHING_CHANGED);
    };
    let missing: Vec<String> = entry
        .scopes
        .iter()
        .filter(|s| !scope_satisfied(s, &info.scopes))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let p = text::scopes_not_covered(&missing, &entry.scopes);
        return report.fail(Failure::Failed, p);
    }
    if user.id != entry.user_id {
        let p = text::other_user(&user.username, &entry.username);
        return report.fail(Failure::Failed, p);
    }
    if info.id == entry.token_id {
        return report.fail(Failure::Failed, text::same_token(info.id));
    }

    let journal = Journal {
        account: entry.account.clone(),
        old_token_id: entry.token_id,
        step: Step::Replacing,
        started_at: now_rfc3339(),
        expires_at: None,
        new_token_id: Some(info.id),
    };
    if let Err(e) = journal.save(&lock.journal) {
        return report.fail(Failure::Failed, text::journal_failed(&e.to_string()));
    }
    if let Err(e) = keychain.store_verified(&entry.account, &new).await {
        let _ = Journal::remove(&lock.journal);
        return report
            .fail(Failure::Keychain, vault_text::problem(&e))
            .note(text::NOTHING_CHANGED);
    }
    // Every sink of the token now waits for this value.
    let marked = super::deliveries::mark_pending(ctx, &entry.account);
    let (path, account, facts, who, at) = (
        ctx.metadata_path.clone(),
        entry.account.clone(),
        info.clone(),
        user.clone(),
        now_rfc3339(),
    );
    let written = tokio::task::spawn_blocking(move || {
        Metadata::update(&path, |m| {
            if let Some(t) = m.tokens.iter_mut().find(|t| t.account == account) {
                t.token_id = facts.id;
                t.token_name = facts.name.clone();
                t.scopes = facts.scopes.clone();
                t.fine_grained = facts.granular;
                t.permissions = facts.granular_scopes.clone();
                t.expires_at = facts.expires_at.clone();
                t.verified_at = at;
                t.username = who.username.clone();
                t.user_id = who.id;
                t.bot = who.bot;
            }
        })
        .map(|_| ())
        .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    if let Err(detail) = written {
        // The journal stays: the next command records the stored token's facts.
        return report.fail(
            Failure::Failed,
            text::metadata_failed(&entry.account, &detail),
        );
    }
    let _ = Journal::remove(&lock.journal);
    report.ok = true;
    report.new_expires_at = info.expires_at.clone();
    let expires = info.expires_at.as_deref().unwrap_or("never");
    report = report.note(text::replaced(&entry.account, info.id, expires));

    let report = match old {
        None => {
            let until = entry.expires_at.as_deref().unwrap_or("it is revoked");
            report.note(text::old_kept(entry.token_id, until))
        }
        Some(old) => revoke(ctx, report, entry, &instance, old).await,
    };
    super::deliveries::finish(ctx, report, entry, &new, marked).await
}

/// Revokes the replaced token (its value was read before the swap).
async fn revoke(
    ctx: &Context,
    report: Report,
    entry: &StoredToken,
    instance: &Instance,
    old: Result<Token, String>,
) -> Report {
    let page = instance.url("/-/user_settings/personal_access_tokens");
    let old = match old {
        Ok(t) => t,
        Err(why) => {
            let p = text::revoke_failed(entry.token_id, &text::old_unreadable(&why), &page);
            return report.fail(Failure::Failed, p);
        }
    };
    let result = match client_for(entry, ctx.timeout) {
        Ok(client) => client.revoke_self(&old).await,
        Err(e) => Err(e),
    };
    drop(old);
    match result {
        Ok(()) => report.note(text::old_revoked(entry.token_id)),
        Err(e) if is_gone(&e) => report.note(text::old_already_gone(entry.token_id)),
        Err(e) => {
            let p = text::revoke_failed(entry.token_id, &api_problem(&e).message, &page);
            report.fail(Failure::Failed, p)
        }
    }
}
