//! Doing it: (repair a killed run) -> account -> memberships (all targets at once) -> token ->
//! live checks -> store. The journal is written before and after each irreversible call; the
//! vault's writer lock is held from before the token is minted until it is stored.

use super::finish::{self, check, kept, token_outcome};
use super::journal::{Journal, ProvisionLock, Step};
use super::recover::{repair, token_home};
use super::steps::{self, Account};
use super::{
    AccountOutcome, Discovery, Done, Failure, Kind, MembershipOutcome, Note, Outcome, Progress,
    Provisioned, Refusal, Request, Stage, TargetFacts, join_all, plan,
};
use crate::gitlab::accounts::{NewToken, TokenHome};
use crate::gitlab::types::{Rotated, TokenInfo, User};
use crate::gitlab::{ApiError, Client};
use crate::rotation::{Context, abort_point, now_rfc3339};
use crate::token::Token;
use crate::vault::{self, Keychain, Metadata, StoredToken};

/// `self_rotate` exists from GitLab 17.9.
const SELF_ROTATE: (u32, u32) = (17, 9);

/// Stopped by `note`, with the problems met so far after it and what was done.
fn failure(note: Note, done: &Done, problems: &[Note]) -> Failure {
    let mut all = vec![note];
    all.extend_from_slice(problems);
    Failure {
        problems: all,
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

/// The run, step by step, in the journal's order (`journal::Step`).
pub(super) async fn execute(
    ctx: &Context,
    client: &Client,
    owner: &Token,
    request: &Request,
    d: &Discovery,
    kind: Kind,
    progress: Progress<'_>,
) -> Result<Outcome, Failure> {
    let mut run = begin(ctx, client, owner, request, d, kind, progress).await?;
    // The account, then every membership at once (service accounts only: an access token's
    // bot gets its role with the token; your own token: your account and roles as they are).
    if kind.is_service_account() {
        run.account().await?;
        run.memberships().await?;
    }
    // Nothing new when the stored token of this NAME@HOST is live and belongs to this account.
    if let Some(outcome) = run.kept().await {
        return Ok(outcome);
    }
    let writer = run.writer().await?;
    let (minted, home) = run.mint().await?;
    let (info, user) = run.check(&minted, home).await?;
    run.store(&minted, home, &info, &user, writer).await?;
    Ok(run.outcome(&info, &user))
}

/// One run between its steps: what was asked, the lock and journal it holds, and what it has
/// done so far.
struct Run<'a> {
    ctx: &'a Context,
    client: &'a Client,
    owner: &'a Token,
    request: &'a Request,
    d: &'a Discovery,
    kind: Kind,
    progress: Progress<'a>,
    /// The first target: where an access token lives.
    first: &'a TargetFacts,
    lock: ProvisionLock,
    j: Journal,
    /// The entry stored under NAME@HOST before this run.
    stored: Option<StoredToken>,
    /// A killed earlier run's journal, repaired.
    prior: Option<Journal>,
    acct: Option<Account>,
    done: Done,
    problems: Vec<Note>,
}

/// Before anything is created: the kind still possible, the run's lock, a killed earlier run
/// finished or repaired, the name free for this run, and its journal started.
async fn begin<'a>(
    ctx: &'a Context,
    client: &'a Client,
    owner: &'a Token,
    request: &'a Request,
    d: &'a Discovery,
    kind: Kind,
    progress: Progress<'a>,
) -> Result<Run<'a>, Failure> {
    let done = Done::default();
    let mut problems = Vec::new();
    if let Err(r) = plan::verdict(kind, request, d) {
        return Err(failure(Note::Refused(r), &done, &problems));
    }
    let Some(first) = d.targets.first() else {
        let none = Note::Refused(Refusal::NothingPossible);
        return Err(failure(none, &done, &problems));
    };
    let account = vault::account(&request.name, &request.instance.key());
    let journal_failed = |e: &dyn std::fmt::Display| Note::JournalFailed {
        detail: e.to_string(),
    };
    let lock = match ProvisionLock::try_acquire(&ctx.metadata_path, &account) {
        Ok(Some(lock)) => lock,
        Ok(None) => return Err(failure(Note::Busy { account }, &done, &problems)),
        Err(e) => return Err(failure(journal_failed(&e), &done, &problems)),
    };
    if lock.journal.exists() {
        progress(Stage::Recovering);
    }
    let prior = repair(&ctx.metadata_path, client, owner, &lock, &mut problems)
        .await
        .map_err(|p| failure(p, &done, &problems))?;
    let stored = load_entry(ctx, &account).await;

    let (lives_in, lives_in_id) = finish::lives_in(kind, first);
    // Never replace silently a token this run did not make: refused before anything exists.
    if let Some(p) = finish::name_taken(request, stored.as_ref(), kind, lives_in_id) {
        return Err(failure(p, &done, &problems));
    }
    let mut j = Journal {
        account,
        url: request.instance.base_url(),
        kind,
        step: Step::Account,
        started_at: now_rfc3339(),
        targets: request.targets.clone(),
        lives_in,
        lives_in_id,
        account_id: None,
        account_username: None,
        account_created: false,
        memberships: Vec::new(),
        token_name: None,
        token_id: None,
    };
    if let Err(e) = j.save(&lock.journal) {
        return Err(failure(journal_failed(&e), &done, &problems));
    }
    // Your own token: your account, your memberships as they are.
    let acct: Option<Account> = super::own::account(kind, d);
    if let Some(a) = &acct {
        // Where a killed run's token is looked for (`recover::repair`).
        j.account_id = Some(a.id);
        j.account_username = Some(a.username.clone());
    }
    Ok(Run {
        ctx,
        client,
        owner,
        request,
        d,
        kind,
        progress,
        first,
        lock,
        j,
        stored,
        prior,
        acct,
        done,
        problems,
    })
}

impl Run<'_> {
    /// Stopped by `note` (what was done so far is kept in the failure).
    fn fail(&self, note: Note) -> Failure {
        failure(note, &self.done, &self.problems)
    }

    fn save_journal(&self) {
        let _ = self.j.save(&self.lock.journal);
    }

    fn drop_journal(&self) {
        let _ = Journal::remove(&self.lock.journal);
    }

    /// Step `Account`: the service account found again or created.
    async fn account(&mut self) -> Result<(), Failure> {
        let kind = self.kind;
        (self.progress)(Stage::Account);
        let (stored, prior) = (self.stored.as_ref(), self.prior.as_ref());
        let known = steps::known_account(kind, self.j.lives_in_id, stored, prior);
        let (client, owner, request, d) = (self.client, self.owner, self.request, self.d);
        let a = match steps::account(client, owner, request, d, kind, known).await {
            Ok(a) => a,
            Err(p) => {
                // Nothing was created: no journal to keep.
                self.drop_journal();
                return Err(self.fail(p));
            }
        };
        let reused = self.prior.as_ref().is_some_and(|p| p.account_created);
        self.j.account_id = Some(a.id);
        self.j.account_username = Some(a.username.clone());
        self.j.account_created = a.created || reused;
        self.j.step = Step::Memberships;
        self.save_journal();
        self.done.account = Some(AccountOutcome {
            id: a.id,
            username: a.username.clone(),
            kind,
            created: a.created,
        });
        abort_point("provision-account-created");
        self.acct = Some(a);
        Ok(())
    }

    /// Step `Memberships`: the account added to every target at once.
    async fn memberships(&mut self) -> Result<(), Failure> {
        let Some(id) = self.acct.as_ref().map(|a| a.id) else {
            return Ok(());
        };
        let d = self.d;
        for t in &d.targets {
            (self.progress)(Stage::Membership(t.path.clone()));
        }
        let (role, raise) = (self.request.profile.role, self.request.raise_role);
        let (client, owner) = (self.client, self.owner);
        let adds = d
            .targets
            .iter()
            .map(|t| steps::membership(client, owner, t, id, role, raise))
            .collect();
        for result in join_all(adds).await {
            match result {
                Ok((m, p)) => {
                    self.problems.extend(p);
                    self.done.memberships.push(m);
                }
                Err(p) => {
                    self.j.memberships = self.done.memberships.clone();
                    self.save_journal();
                    return Err(self.fail(p));
                }
            }
        }
        self.j.memberships = self.done.memberships.clone();
        self.save_journal();
        abort_point("provision-membership-added");
        Ok(())
    }

    /// The stored token of this NAME@HOST, kept when it is live and this account's.
    async fn kept(&self) -> Option<Outcome> {
        let outcome = kept(
            self.ctx,
            self.request,
            &self.stored,
            self.kind,
            self.acct.as_ref(),
            self.j.lives_in_id,
            &self.done,
            &self.problems,
        )
        .await?;
        self.drop_journal();
        Some(outcome)
    }

    /// The store must take the token before it is minted; one writer from here to the store.
    async fn writer(&self) -> Result<std::fs::File, Failure> {
        let ctx = self.ctx;
        let wait = ctx.keychain_timeout * 6;
        let writer = match vault::save::writer_lock(&ctx.metadata_path, wait).await {
            Ok(w) => w,
            Err(detail) => return Err(self.fail(Note::WriterBusy { detail })),
        };
        if let Err(e) = preflight(ctx, self.request).await {
            self.drop_journal();
            return Err(self.fail(Note::StoreUnavailable(e)));
        }
        Ok(writer)
    }

    /// Steps `Token` then `TokenCreated`: the token minted (from here it exists on GitLab).
    async fn mint(&mut self) -> Result<(Rotated, TokenHome), Failure> {
        let (request, kind) = (self.request, self.kind);
        (self.progress)(Stage::Token);
        let scopes = scopes_for(request, self.d);
        let profile = &request.profile.id;
        let name = steps::token_name(profile);
        let description = steps::token_description(profile, &request.instance.key());
        let expires_at = crate::rotation::expiry_in(i64::from(request.expires_in_days));
        let account_id = self.acct.as_ref().map_or(0, |a| a.id);
        let Some(home) = token_home(kind, self.j.lives_in_id, account_id) else {
            return Err(self.fail(Note::Refused(Refusal::NothingPossible)));
        };
        self.j.step = Step::Token;
        self.j.token_name = Some(name.clone());
        if let Err(e) = self.j.save(&self.lock.journal) {
            let detail = e.to_string();
            return Err(self.fail(Note::JournalFailed { detail }));
        }
        let granular = super::own::scopes(kind, request, self.d);
        let new = NewToken {
            name: &name,
            description: &description,
            scopes: &scopes,
            expires_at: &expires_at,
            access_level: Some(request.profile.role.access_level()),
            granular: granular.as_deref(),
        };
        let minted = match self.client.create_token(self.owner, home, &new).await {
            Ok(m) => m,
            Err(e) => {
                if definite(&e) {
                    self.j.step = Step::Memberships;
                    self.j.token_name = None;
                    self.save_journal();
                }
                return Err(self.fail(self.not_minted(e, home, expires_at)));
            }
        };
        self.j.step = Step::TokenCreated;
        self.j.token_id = Some(minted.info.id);
        self.save_journal();
        abort_point("provision-token-created");
        self.done.token = Some(token_outcome(&minted.info, true));
        if kind == Kind::OwnToken {
            self.done.memberships = super::own::memberships(request, self.d);
        } else if !kind.is_service_account() {
            self.done.memberships = vec![MembershipOutcome {
                target: self.first.path.clone(),
                access_level: request.profile.role.access_level(),
                created: true,
                pending_approval: false,
            }];
        }
        Ok((minted, home))
    }

    /// Why GitLab made no token.
    fn not_minted(&self, e: ApiError, home: TokenHome, expires_at: String) -> Note {
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
            let place = self.first.path.clone();
            return Note::MayNotManageTokens { group, place };
        }
        if let Some(m) = expiry_refused(&e) {
            return Note::ExpiryRefused {
                date: expires_at,
                gitlab: m.to_owned(),
                max_days: crate::rotation::automatic::max_days(m),
            };
        }
        Note::TokenFailed(e)
    }

    /// The live checks on the new token (and your own token's permissions); a token that fails
    /// them is revoked.
    async fn check(
        &mut self,
        minted: &Rotated,
        home: TokenHome,
    ) -> Result<(TokenInfo, User), Failure> {
        let (client, request, d, kind) = (self.client, self.request, self.d, self.kind);
        (self.progress)(Stage::Checking);
        let (token, made) = (&minted.token, &minted.info);
        let checked = check(client, token, request, d, &self.done, kind, made).await;
        let granular = super::own::scopes(kind, request, d);
        let checked = match (checked, &granular) {
            (Ok((mut info, user)), Some(asked)) => {
                match super::own::confirm(client, token, made, asked, d.caller.id).await {
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
                let revoked = client.revoke_token(self.owner, home, made.id).await;
                if revoked.is_ok() {
                    self.drop_journal();
                }
                return Err(self.fail(Note::ChecksFailed(why)));
            }
        };
        self.done.account = Some(self.account_outcome(&user));
        Ok((info, user))
    }

    fn account_outcome(&self, user: &User) -> AccountOutcome {
        AccountOutcome {
            id: user.id,
            username: user.username.clone(),
            kind: self.kind,
            created: self.acct.as_ref().is_none_or(|a| a.created),
        }
    }

    /// Step `Stored`: saved and read back, under the writer lock; a token that cannot be
    /// saved is revoked.
    async fn store(
        &mut self,
        minted: &Rotated,
        home: TokenHome,
        info: &TokenInfo,
        user: &User,
        writer: std::fs::File,
    ) -> Result<(), Failure> {
        let (request, kind) = (self.request, self.kind);
        (self.progress)(Stage::Storing);
        let mut entry = StoredToken::new(
            &request.instance,
            &request.name,
            &request.profile.id,
            info,
            user,
            &now_rfc3339(),
            request.ca_file.clone(),
            Some(self.first.path.clone()),
        );
        entry.gitlab_version = self.d.version.map(crate::gitlab::version::display);
        entry.provisioned = Some(Provisioned {
            kind,
            account_id: user.id,
            account_username: user.username.clone(),
            lives_in: self.j.lives_in.clone(),
            lives_in_id: self.j.lives_in_id,
            token_id: info.id,
            targets: request.targets.clone(),
            created_at: now_rfc3339(),
        });
        let ctx = self.ctx;
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
        if let Err(why) = saved {
            let token_id = info.id;
            let revoked = self.client.revoke_token(self.owner, home, minted.info.id);
            let note = match revoked.await {
                Ok(()) => {
                    self.drop_journal();
                    Note::StoreFailed { why, token_id }
                }
                Err(_) => {
                    let lives_in = self.j.lives_in.as_deref();
                    let page = super::recover::revoke_page(&request.instance, kind, lives_in);
                    Note::StoreFailedNotRevoked {
                        why,
                        token_id,
                        page,
                    }
                }
            };
            return Err(self.fail(note));
        }
        abort_point("provision-stored");
        self.j.step = Step::Stored;
        self.save_journal();
        self.drop_journal();
        Ok(())
    }

    /// What was done, once stored.
    fn outcome(self, info: &TokenInfo, user: &User) -> Outcome {
        Outcome {
            account: self.account_outcome(user),
            memberships: self.done.memberships,
            token: token_outcome(info, true),
            stored_as: self.j.account,
            problems: self.problems,
        }
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
