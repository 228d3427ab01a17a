//! Doing it: (repair a killed run) -> account -> memberships (all targets at once) -> token ->
//! live checks -> store. The journal is written before and after each irreversible call; the
//! vault's writer lock is held from before the token is minted until it is stored.

use super::finish::{self, check, kept};
use super::journal::{Journal, ProvisionLock, Step};
use super::recover::{repair, token_home};
use super::steps::{self, Account};
use super::{
    AccountOutcome, Discovery, Done, Failure, Kind, MembershipOutcome, Outcome, Problem, Progress,
    Provisioned, Request, Stage, TokenOutcome, join_all, plan,
};
use crate::gitlab::accounts::{NewToken, TokenHome};
use crate::gitlab::types::TokenInfo;
use crate::gitlab::{ApiError, Client};
use crate::problem::ProblemKind;
use crate::rotation::{Context, abort_point, now_rfc3339};
use crate::strings::{provision as text, validation::api_problem};
use crate::token::Token;
use crate::vault::{self, Keychain, Metadata, SaveError, StoredToken};

/// `self_rotate` exists from GitLab 17.9.
const SELF_ROTATE: (u32, u32) = (17, 9);

fn fail(kind: ProblemKind, message: String, done: &Done, problems: Vec<Problem>) -> Failure {
    stop(Problem { kind, message }, done, problems)
}

fn stop(p: Problem, done: &Done, mut problems: Vec<Problem>) -> Failure {
    problems.insert(0, p);
    Failure {
        problems,
        done: done.clone(),
    }
}

/// The scopes the token is made with: the profile's, and `self_rotate` where GitLab has it.
pub(super) fn scopes_for(request: &Request, d: &Discovery) -> Vec<String> {
    let mut scopes = request.profile.scope_names();
    let has = d.version.is_some_and(|v| v >= SELF_ROTATE);
    if request.self_rotate && has && !scopes.iter().any(|s| s == "self_rotate") {
        scopes.push("self_rotate".into());
    }
    scopes
}

pub(super) async fn execute(
    ctx: &Context,
    client: &Client,
    owner: &Token,
    request: &Request,
    d: &Discovery,
    kind: Kind,
    progress: Progress<'_>,
) -> Result<Outcome, Failure> {
    let mut done = Done::default();
    let mut problems = Vec::new();
    if let Err(r) = plan::verdict(kind, request, d) {
        return Err(fail(r.kind, r.reason, &done, problems));
    }
    let Some(first) = d.targets.first() else {
        let m = text::nothing_possible();
        return Err(fail(ProblemKind::TargetNotFound, m, &done, problems));
    };
    let account = vault::account(&request.name, &request.instance.key());
    let lock = match ProvisionLock::try_acquire(&ctx.metadata_path, &account) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            let m = text::busy(&account);
            return Err(fail(ProblemKind::ProvisionInProgress, m, &done, problems));
        }
        Err(e) => {
            let m = text::journal_failed(&e.to_string());
            return Err(fail(ProblemKind::MetadataWriteFailed, m, &done, problems));
        }
    };
    if lock.journal.exists() {
        progress(Stage::Recovering);
    }
    let prior = repair(&ctx.metadata_path, client, owner, &lock, &mut problems)
        .await
        .map_err(|p| stop(p, &done, problems.clone()))?;
    let stored = load_entry(ctx, &account).await;

    let (lives_in, lives_in_id) = finish::lives_in(kind, first);
    // Never replace silently a token this run did not make: refused before anything exists.
    if let Some(p) = finish::name_taken(request, stored.as_ref(), kind, lives_in_id) {
        return Err(stop(p, &done, problems));
    }
    let mut j = Journal {
        account: account.clone(),
        url: request.instance.base_url(),
        kind,
        step: Step::Account,
        started_at: now_rfc3339(),
        targets: request.targets.clone(),
        lives_in: lives_in.clone(),
        lives_in_id,
        account_id: None,
        account_username: None,
        account_created: false,
        memberships: Vec::new(),
        token_name: None,
        token_id: None,
    };
    if let Err(e) = j.save(&lock.journal) {
        let m = text::journal_failed(&e.to_string());
        return Err(fail(ProblemKind::MetadataWriteFailed, m, &done, problems));
    }
    let service_account = kind.is_service_account();
    let role = request.profile.role;

    // The account, then every membership at once (service accounts only: an access token's bot
    // gets its role with the token).
    // Your own token: your account, your memberships as they are.
    let mut acct: Option<Account> = super::own::account(kind, d);
    if let Some(a) = &acct {
        // Where a killed run's token is looked for (`recover::repair`).
        j.account_id = Some(a.id);
        j.account_username = Some(a.username.clone());
    }
    if service_account {
        progress(Stage::Account);
        let known = steps::known_account(kind, lives_in_id, stored.as_ref(), prior.as_ref());
        let a = match steps::account(client, owner, request, d, kind, known).await {
            Ok(a) => a,
            Err(p) => {
                // Nothing was created: no journal to keep.
                let _ = Journal::remove(&lock.journal);
                return Err(stop(p, &done, problems));
            }
        };
        j.account_id = Some(a.id);
        j.account_username = Some(a.username.clone());
        j.account_created = a.created || prior.as_ref().is_some_and(|p| p.account_created);
        j.step = Step::Memberships;
        let _ = j.save(&lock.journal);
        done.account = Some(AccountOutcome {
            id: a.id,
            username: a.username.clone(),
            kind,
            created: a.created,
        });
        abort_point("provision-account-created");

        for t in &d.targets {
            progress(Stage::Membership(t.path.clone()));
        }
        let adds = d
            .targets
            .iter()
            .map(|t| steps::membership(client, owner, t, a.id, role, request.raise_role))
            .collect();
        for result in join_all(adds).await {
            match result {
                Ok((m, p)) => {
                    problems.extend(p);
                    done.memberships.push(m);
                }
                Err(p) => {
                    j.memberships = done.memberships.clone();
                    let _ = j.save(&lock.journal);
                    return Err(stop(p, &done, problems));
                }
            }
        }
        j.memberships = done.memberships.clone();
        let _ = j.save(&lock.journal);
        abort_point("provision-membership-added");
        acct = Some(a);
    }

    // Nothing new when the stored token of this NAME@HOST is live and belongs to this account.
    if let Some(outcome) = kept(
        ctx,
        request,
        &stored,
        kind,
        acct.as_ref(),
        lives_in_id,
        &done,
        &problems,
    )
    .await
    {
        let _ = Journal::remove(&lock.journal);
        return Ok(outcome);
    }

    // The store must take the token before it is minted; one writer from here to the store.
    let writer = match vault::save::writer_lock(&ctx.metadata_path, ctx.keychain_timeout * 6).await
    {
        Ok(w) => w,
        Err(e) => return Err(fail(ProblemKind::RotationInProgress, e, &done, problems)),
    };
    if let Err(e) = preflight(ctx, request).await {
        let p = crate::strings::vault::problem(&e);
        let _ = Journal::remove(&lock.journal);
        let m = format!("{} {}", p.message, p.fix);
        return Err(fail(ProblemKind::KeychainUnavailable, m, &done, problems));
    }

    progress(Stage::Token);
    let scopes = scopes_for(request, d);
    let name = text::token_name(&request.profile.id);
    let description = text::token_description(&request.profile.id, &request.instance.key());
    let expires_at = crate::rotation::expiry_in(i64::from(request.expires_in_days));
    let home = token_home(kind, lives_in_id, acct.as_ref().map_or(0, |a| a.id));
    let Some(home) = home else {
        return Err(fail(
            ProblemKind::TargetNotFound,
            text::nothing_possible(),
            &done,
            problems,
        ));
    };
    j.step = Step::Token;
    j.token_name = Some(name.clone());
    if let Err(e) = j.save(&lock.journal) {
        let m = text::journal_failed(&e.to_string());
        return Err(fail(ProblemKind::MetadataWriteFailed, m, &done, problems));
    }
    let granular = super::own::scopes(kind, request, d);
    let new = NewToken {
        name: &name,
        description: &description,
        scopes: &scopes,
        expires_at: &expires_at,
        access_level: Some(role.access_level()),
        granular: granular.as_deref(),
    };
    let minted = match client.create_token(owner, home, &new).await {
        Ok(m) => m,
        Err(e) => {
            if definite(&e) {
                j.step = Step::Memberships;
                j.token_name = None;
                let _ = j.save(&lock.journal);
            }
            // An access-token route answers 401 (list, rotate) or 400 "does not have permission
            // to create" (create) to a caller who may not manage its tokens; discovery has just
            // checked the caller's own token, so it is the role, not the token.
            let refused = match &e {
                ApiError::InvalidToken(_) => true,
                ApiError::BadRequest(m) => m.contains("does not have permission to create"),
                _ => false,
            };
            if refused && home.is_access_token() {
                let group = matches!(home, TokenHome::GroupToken { .. });
                let m = text::may_not_manage_tokens(group, &first.path);
                return Err(fail(ProblemKind::NotOwner, m, &done, problems));
            }
            if let Some(m) = expiry_refused(&e) {
                let days = crate::rotation::automatic::max_days(m);
                let m = text::expiry_refused(&expires_at, m, days);
                return Err(fail(ProblemKind::HttpError, m, &done, problems));
            }
            let p = api_problem(&e);
            let m = text::token_failed(p.message.trim_end_matches('.'), &p.fix);
            return Err(fail(p.kind, m, &done, problems));
        }
    };
    j.step = Step::TokenCreated;
    j.token_id = Some(minted.info.id);
    let _ = j.save(&lock.journal);
    abort_point("provision-token-created");
    done.token = Some(token_outcome(&minted.info, true));
    if kind == Kind::OwnToken {
        done.memberships = super::own::memberships(request, d);
    } else if !service_account {
        done.memberships = vec![MembershipOutcome {
            target: first.path.clone(),
            access_level: role.access_level(),
            created: true,
            pending_approval: false,
        }];
    }

    progress(Stage::Checking);
    let checked = check(client, &minted.token, request, d, &done, kind, &minted.info).await;
    let checked = match (checked, &granular) {
        (Ok((mut info, user)), Some(asked)) => {
            match super::own::confirm(client, &minted.token, &minted.info, asked, d.caller.id).await
            {
                Ok(got) => {
                    info.granular_scopes = Some(got);
                    Ok((info, user))
                }
                Err(p) => Err(p),
            }
        }
        (other, _) => other,
    };
    let (info, user) = match checked {
        Ok(found) => found,
        Err(why) => {
            let revoked = client.revoke_token(owner, home, minted.info.id).await;
            if revoked.is_ok() {
                let _ = Journal::remove(&lock.journal);
            }
            let m = text::checks_failed(&why.message);
            return Err(fail(why.kind, m, &done, problems));
        }
    };
    let account_outcome = AccountOutcome {
        id: user.id,
        username: user.username.clone(),
        kind,
        created: acct.as_ref().is_none_or(|a| a.created),
    };
    done.account = Some(account_outcome.clone());

    progress(Stage::Storing);
    let mut entry = StoredToken::new(
        &request.instance,
        &request.name,
        &request.profile.id,
        &info,
        &user,
        &now_rfc3339(),
        request.ca_file.clone(),
        Some(first.path.clone()),
    );
    entry.gitlab_version = d.version.map(crate::gitlab::version::display);
    entry.provisioned = Some(Provisioned {
        kind,
        account_id: user.id,
        account_username: user.username.clone(),
        lives_in: lives_in.clone(),
        lives_in_id,
        token_id: info.id,
        targets: request.targets.clone(),
        created_at: now_rfc3339(),
    });
    let saved = vault::save_under_lock(
        request.store,
        ctx.keychain_timeout,
        &ctx.metadata_path,
        &minted.token,
        entry,
        &writer,
    )
    .await;
    drop(writer);
    if let Err(e) = saved {
        let why = match &e {
            SaveError::Keychain(v) => crate::strings::vault::problem(v).message,
            SaveError::Metadata(m) => m.clone(),
        };
        let (kind, message) = match client.revoke_token(owner, home, minted.info.id).await {
            Ok(()) => {
                let _ = Journal::remove(&lock.journal);
                (
                    ProblemKind::NewTokenNotSaved,
                    text::store_failed(&why, info.id),
                )
            }
            Err(_) => {
                let page =
                    super::recover::revoke_page(&request.instance, kind, lives_in.as_deref());
                let m = text::store_failed_not_revoked(&why, info.id, &page);
                (ProblemKind::OrphanTokenLeft, m)
            }
        };
        return Err(fail(kind, message, &done, problems));
    }
    abort_point("provision-stored");
    j.step = Step::Stored;
    let _ = j.save(&lock.journal);
    let _ = Journal::remove(&lock.journal);
    Ok(Outcome {
        account: account_outcome,
        memberships: done.memberships,
        token: token_outcome(&info, true),
        stored_as: account,
        problems,
    })
}

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

/// A refusal GitLab answered: no token was made.
fn definite(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::BadRequest(_)
            | ApiError::Forbidden(_)
            | ApiError::InsufficientScope(_)
            | ApiError::NotFound
            | ApiError::InvalidToken(_)
            | ApiError::TokenExpired
            | ApiError::TokenRevoked
            | ApiError::MalformedToken(_)
            | ApiError::Setup(_)
            | ApiError::Http { .. }
    )
}

/// GitLab's refusal of the expiry date (422 on user and service-account tokens, 400 on access
/// tokens): "Expiration date must be before YYYY-MM-DD".
fn expiry_refused(e: &ApiError) -> Option<&str> {
    let m = match e {
        ApiError::BadRequest(m) | ApiError::Http { message: m, .. } => m.as_str(),
        _ => return None,
    };
    m.contains("Expiration date must be before").then_some(m)
}

async fn load_entry(ctx: &Context, account: &str) -> Option<StoredToken> {
    let (path, account) = (ctx.metadata_path.clone(), account.to_owned());
    tokio::task::spawn_blocking(move || Metadata::load(&path).ok()?.find(&account).cloned())
        .await
        .ok()
        .flatten()
}

/// Proves the chosen store takes new values (a scratch entry), as a rotation does.
async fn preflight(ctx: &Context, request: &Request) -> Result<(), vault::VaultError> {
    let keychain = Keychain::open(request.store, ctx.keychain_timeout).await?;
    crate::rotation::automatic::preflight(&keychain, &request.instance.key()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::{Caller, Edition, Tier};

    fn request(self_rotate: bool) -> Request {
        Request {
            instance: crate::instance::Instance::parse("https://gitlab.example.com").unwrap(),
            ca_file: None,
            profile: crate::profile::Profile::by_id("repo-scanner").unwrap(),
            targets: vec!["acme".into()],
            kind: None,
            service_account: None,
            expires_in_days: 90,
            self_rotate,
            raise_role: false,
            name: "repo-scanner".into(),
            store: vault::StoreKind::platform_default(),
            replace_existing: false,
        }
    }

    fn discovery(version: Option<(u32, u32)>) -> Discovery {
        Discovery {
            caller: Caller {
                id: 1,
                username: "alice".into(),
                is_admin: false,
                admin_access: crate::provision::AdminAccess::None,
            },
            gitlab_com: false,
            version,
            edition: Edition::Ee,
            tier: Tier::Premium,
            trial: false,
            targets: Vec::new(),
        }
    }

    #[test]
    fn self_rotate_is_added_from_17_9_unless_left_out() {
        let with = |self_rotate, version| scopes_for(&request(self_rotate), &discovery(version));
        assert_eq!(
            with(true, Some((17, 9))),
            ["read_api", "read_repository", "self_rotate"]
        );
        assert_eq!(with(true, Some((17, 8))), ["read_api", "read_repository"]);
        assert_eq!(with(true, None), ["read_api", "read_repository"]);
        assert_eq!(with(false, Some((18, 6))), ["read_api", "read_repository"]);
    }
}
