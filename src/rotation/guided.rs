//! The guided path's last step: a replacement made by hand (from the prefilled link) is checked
//! like a new token in the wizard, must cover every scope of the token it replaces and belong to
//! the same account, and only then is swapped into the store. The old token, read from the store
//! before the swap and kept in memory (zeroized on drop), is revoked last, and only if asked.

use super::journal::{Journal, RotationLock, Step};
use super::{
    Context, Failure, Note, PathKind, Replacement, Report, Steps, Trouble, client_for, is_gone,
    now_rfc3339,
};
use crate::gitlab::access::scope_satisfied;
use crate::gitlab::links::TokenForm;
use crate::gitlab::types::{TokenInfo, User};
use crate::gitlab::version;
use crate::instance::Instance;
use crate::profile::Profile;
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
/// (both pages when none was), with `description` (`strings::rotation::description`). `None`
/// for a service account on GitLab.com with no group recorded.
pub fn replacement_link(
    entry: &StoredToken,
    scopes: &[String],
    description: &str,
) -> Option<TokenForm> {
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
            description,
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
pub fn replacement_steps(entry: &StoredToken, scopes: &[String]) -> Option<Steps> {
    use crate::vault::records::Kind;
    // An access token's bot is no service account: its page is the access tokens page.
    let kind = entry.provisioned.as_ref().map(|m| m.kind);
    let (name, scopes) = (replacement_name(entry), scopes.to_vec());
    if matches!(kind, Some(Kind::GroupToken | Kind::ProjectToken)) {
        return Some(Steps::AccessToken { name, scopes });
    }
    entry.bot.then(|| Steps::ServiceAccount {
        username: entry.username.clone(),
        name,
        scopes,
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
///
/// The order of the steps, each a function below: the store opened and the old token read; the
/// replacement checked; the journal written; the new token stored (read back); its sinks marked
/// pending; the metadata updated; the journal removed; the old token revoked (or kept); the
/// sinks delivered.
pub async fn replace(
    ctx: &Context,
    entry: &StoredToken,
    new: Token,
    revoke_old: bool,
    lock: &RotationLock,
) -> Report {
    let report = Report::new(entry, PathKind::Guided);
    let (instance, keychain, old) = match open(ctx, entry, revoke_old).await {
        Ok(opened) => opened,
        Err((failure, trouble)) => return report.fail(failure, trouble),
    };
    let (report, info, user) = match check(ctx, report, entry, &instance, &new).await {
        Ok(checked) => checked,
        Err(report) => return report,
    };
    let journal = Journal {
        account: entry.account.clone(),
        old_token_id: entry.token_id,
        step: Step::Replacing,
        started_at: now_rfc3339(),
        expires_at: None,
        new_token_id: Some(info.id),
    };
    if let Err(e) = lock.save(&journal) {
        return report.fail(Failure::Failed, Trouble::JournalFailed(e.to_string()));
    }
    if let Err(e) = keychain.store_verified(&entry.account, &new).await {
        let _ = lock.remove(&entry.account);
        return report
            .fail(Failure::Keychain, Trouble::Store(e))
            .note(Note::NothingChanged);
    }
    // Every sink of the token now waits for this value.
    let marked = super::deliveries::mark_pending(ctx, &entry.account);
    if let Err(detail) = record(ctx, &entry.account, &info, &user).await {
        // The journal stays: the next command records the stored token's facts.
        let account = entry.account.clone();
        return report.fail(Failure::Failed, Trouble::MetadataFailed { account, detail });
    }
    let _ = lock.remove(&entry.account);
    let report = replaced(report, entry, &info);
    let report = match old {
        None => report.note(Note::OldKept {
            old_id: entry.token_id,
            until: entry.expires_at.clone(),
        }),
        Some(old) => revoke(ctx, report, entry, &instance, old).await,
    };
    super::deliveries::finish(ctx, report, entry, &new, marked).await
}

/// The token read before the swap, when it is to be revoked (afterwards the store holds only
/// the new one).
type OldToken = Option<Result<Token, crate::vault::VaultError>>;

/// The entry's instance and store, and (with `revoke_old`) the old token.
async fn open(
    ctx: &Context,
    entry: &StoredToken,
    revoke_old: bool,
) -> Result<(Instance, Keychain, OldToken), (Failure, Trouble)> {
    let Ok(instance) = Instance::parse(&entry.url) else {
        let url = entry.url.clone();
        return Err((Failure::Failed, Trouble::BadAddress { url }));
    };
    let keychain = match Keychain::open_for(entry, ctx.keychain_timeout).await {
        Ok(k) => k,
        Err(e) => return Err((Failure::Keychain, Trouble::Store(e))),
    };
    let old = match revoke_old {
        true => Some(keychain.get(&entry.account).await),
        false => None,
    };
    Ok((instance, keychain, old))
}

/// The replacement checked like a new token, then against the one it replaces: every old
/// scope covered, the same account, not the stored token itself. Nothing is changed yet.
async fn check(
    ctx: &Context,
    mut report: Report,
    entry: &StoredToken,
    instance: &Instance,
    new: &Token,
) -> Result<(Report, TokenInfo, User), Report> {
    let v = crate::validation::validate_at(
        instance,
        entry.ca_file.clone(),
        new,
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
        for p in v.problems.iter().filter(|p| !p.kind().is_warning()) {
            report = report.fail(failure, Trouble::Check(p.clone()));
        }
        if report.troubles.is_empty() {
            report = report.fail(failure, Trouble::NotChecked);
        }
        return Err(report.note(Note::NothingChanged));
    };
    let missing: Vec<String> = entry
        .scopes
        .iter()
        .filter(|s| !scope_satisfied(s, &info.scopes))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let old = entry.scopes.clone();
        return Err(report.fail(Failure::Failed, Trouble::ScopesNotCovered { missing, old }));
    }
    if user.id != entry.user_id {
        let (new, old) = (user.username.clone(), entry.username.clone());
        return Err(report.fail(Failure::Failed, Trouble::OtherUser { new, old }));
    }
    if info.id == entry.token_id {
        return Err(report.fail(Failure::Failed, Trouble::SameToken { id: info.id }));
    }
    Ok((report, info.clone(), user.clone()))
}

/// Records the replacement's facts (`info`, its account `who`) in the metadata entry.
async fn record(ctx: &Context, account: &str, info: &TokenInfo, who: &User) -> Result<(), String> {
    let (path, account, facts, who, at) = (
        ctx.metadata_path.clone(),
        account.to_owned(),
        info.clone(),
        who.clone(),
        now_rfc3339(),
    );
    tokio::task::spawn_blocking(move || {
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
    .unwrap_or_else(|e| Err(e.to_string()))
}

/// The replacement is stored and recorded: the report says so.
fn replaced(mut report: Report, entry: &StoredToken, info: &TokenInfo) -> Report {
    report.ok = true;
    report.new_expires_at = info.expires_at.clone();
    report.note(Note::Replaced {
        account: entry.account.clone(),
        new_id: info.id,
        expires_at: info.expires_at.clone(),
    })
}

/// Revokes the replaced token (its value was read before the swap).
async fn revoke(
    ctx: &Context,
    report: Report,
    entry: &StoredToken,
    instance: &Instance,
    old: Result<Token, crate::vault::VaultError>,
) -> Report {
    let (old_id, page) = (
        entry.token_id,
        instance.url("/-/user_settings/personal_access_tokens"),
    );
    let old = match old {
        Ok(t) => t,
        Err(why) => {
            let p = Trouble::OldUnreadable { old_id, page, why };
            return report.fail(Failure::Failed, p);
        }
    };
    let result = match client_for(entry, ctx.timeout) {
        Ok(client) => client.revoke_self(&old).await,
        Err(e) => Err(e),
    };
    drop(old);
    match result {
        Ok(()) => report.note(Note::OldRevoked { old_id }),
        Err(e) if is_gone(&e) => report.note(Note::OldAlreadyGone { old_id }),
        Err(why) => {
            let p = Trouble::RevokeFailed { old_id, page, why };
            report.fail(Failure::Failed, p)
        }
    }
}

/// Sends `report` to the guided path: the problem, and the prefilled link to create the
/// replacement (and what to do on a page that cannot be prefilled).
pub(crate) fn offer(
    mut report: Report,
    entry: &StoredToken,
    scopes: &[String],
    old_id: u64,
    trouble: Trouble,
) -> Report {
    report.path = PathKind::Guided;
    report.replacement = Some(Box::new(Replacement {
        entry: entry.clone(),
        scopes: scopes.to_vec(),
        old_id,
    }));
    if let Some(steps) = replacement_steps(entry, scopes) {
        report = report.note(Note::Steps(steps));
    }
    report.fail(Failure::Failed, trouble)
}
