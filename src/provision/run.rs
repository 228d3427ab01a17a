//! A run of "Create it for me" between its steps, and the steps before the token: the start
//! (lock, repair, journal), the account and its memberships, the stored token kept, the store
//! made ready. Each step journals what it did; a failure keeps what was done.

use super::finish::{self, kept};
use super::journal::{Journal, ProvisionLock, Step};
use super::recover::repair;
use super::steps::{self, Account};
use super::{
    AccountOutcome, Discovery, Done, Failure, Kind, Note, Outcome, Progress, Refusal, Request,
    Stage, TargetFacts, join_all, plan,
};
use crate::gitlab::Client;
use crate::rotation::{Context, abort_point, now_rfc3339};
use crate::token::Token;
use crate::vault::{self, Keychain, Metadata, StoredToken};

/// Stopped by `note`, with the problems met so far after it and what was done.
pub(super) fn failure(note: Note, done: &Done, problems: &[Note]) -> Failure {
    let mut all = vec![note];
    all.extend_from_slice(problems);
    Failure {
        problems: all,
        done: done.clone(),
    }
}

/// One run between its steps: what was asked, the lock and journal it holds, and what it has
/// done so far.
pub(super) struct Run<'a> {
    pub(super) ctx: &'a Context,
    pub(super) client: &'a Client,
    pub(super) owner: &'a Token,
    pub(super) request: &'a Request,
    pub(super) d: &'a Discovery,
    pub(super) kind: Kind,
    pub(super) progress: Progress<'a>,
    /// The first target: where an access token lives.
    pub(super) first: &'a TargetFacts,
    pub(super) lock: ProvisionLock,
    pub(super) j: Journal,
    /// The entry stored under NAME@HOST before this run.
    pub(super) stored: Option<StoredToken>,
    /// A killed earlier run's journal, repaired.
    pub(super) prior: Option<Journal>,
    pub(super) acct: Option<Account>,
    pub(super) done: Done,
    pub(super) problems: Vec<Note>,
}

/// Before anything is created: the kind still possible, the run's lock, a killed earlier run
/// finished or repaired, the name free for this run, and its journal started.
pub(super) async fn begin<'a>(
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
    pub(super) fn fail(&self, note: Note) -> Failure {
        failure(note, &self.done, &self.problems)
    }

    pub(super) fn save_journal(&self) {
        let _ = self.j.save(&self.lock.journal);
    }

    pub(super) fn drop_journal(&self) {
        let _ = Journal::remove(&self.lock.journal);
    }

    /// Step `Account`: the service account found again or created.
    pub(super) async fn account(&mut self) -> Result<(), Failure> {
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
        // The answer checked before it is journalled or given a membership; an account that is
        // not the one asked is not this run's to delete.
        let asked = request
            .service_account
            .clone()
            .unwrap_or_else(|| steps::default_username(kind, d, &request.profile.id));
        if let Err(why) = super::trust::account(client, owner, &a, &asked, d.caller.id).await {
            self.drop_journal();
            let (id, username) = (a.id, a.username);
            return Err(self.fail(Note::AccountNotAsked { id, username, why }));
        }
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
    pub(super) async fn memberships(&mut self) -> Result<(), Failure> {
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
    pub(super) async fn kept(&self) -> Option<Outcome> {
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
    pub(super) async fn writer(&self) -> Result<std::fs::File, Failure> {
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
