//! Token rotation: replacing a stored token with a new one without ever being left with none.
//!
//! Two paths. AUTOMATIC (`automatic`), for tokens with the `api` or `self_rotate` scope:
//! check the token live, prove the store can be written, write the journal, call GitLab's
//! `self/rotate` (which revokes the old token at once), store the new token and read it back
//! before anything else, verify it live, update the metadata, remove the journal. GUIDED
//! (`guided`), for tokens that cannot rotate themselves: a prefilled link to create the
//! replacement, and `replace`, which validates a token made by hand and swaps it in (then,
//! if asked, revokes the old one).
//!
//! CRASH SAFETY (`recover`): a journal (`journal`) records which token is being rotated. The next
//! command that touches stored tokens asks GitLab about the stored token and finishes or repairs
//! the rotation; it never calls `rotate` again with the old token (GitLab would revoke the new one
//! too).
//!
//! SINKS (`deliveries`): once the new value is stored, every sink of the token is marked pending;
//! after the metadata step each gets the value; what failed stays pending for the next `rotate`.
//!
//! TEST HOOK: `GITLAB_TOKEN_TEST_ABORT_AT=after-api|after-keychain|after-verify|before-sinks` makes the process
//! `abort()` right after that step of an automatic rotation, so the tests can kill it at each
//! point. It only aborts; it never changes what the program does otherwise.

pub mod automatic;
pub mod batch;
pub mod deliveries;
pub mod guided;
pub mod journal;
pub mod owner;
pub mod recover;
pub mod renewal;
mod steps;
pub mod team;
pub mod trouble;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::gitlab::types::{TokenInfo, format_date};
use crate::gitlab::{ApiError, Client};
use crate::instance::Instance;
use crate::tls::Trust;
use crate::vault::{Metadata, StoredToken};
use deliveries::Delivery;

pub use automatic::{Plan, Ready, execute, plan};
pub use guided::replace;
pub use journal::{Journal, JournalError, RotationLock, Step};
pub use recover::{Recovered, Resolution, Unchecked, recover};
pub use trouble::{Names, Note, Steps, Trouble};

/// The longest lifetime GitLab allows by default (an admin may set less).
pub const MAX_EXPIRES_IN_DAYS: i64 = 365;
/// The lifetime asked for unless told otherwise.
pub const DEFAULT_EXPIRES_IN_DAYS: i64 = 90;

/// Where rotation reads and writes, and how long it waits.
#[derive(Debug, Clone)]
pub struct Context {
    pub metadata_path: PathBuf,
    /// Each network call.
    pub timeout: Duration,
    /// Each keychain call.
    pub keychain_timeout: Duration,
}

impl Context {
    /// What a sink's delivery needs of it.
    pub fn reach(&self) -> crate::sinks::Reach<'_> {
        crate::sinks::Reach {
            metadata_path: &self.metadata_path,
            timeout: self.timeout,
            keychain_timeout: self.keychain_timeout,
        }
    }
}

/// Which way a token is rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// The token rotates itself through GitLab's API.
    Automatic,
    /// A person creates the replacement from a prefilled link.
    Guided,
    /// No rotation: sinks still waiting for a value stored by an earlier run got it again.
    Delivery,
    /// A provisioned token rotated through its account's rotate endpoint with an Owner's or an
    /// administrator's authorization (`rotation::owner`).
    Owner,
}

/// What kind of failure, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// The rotation failed, or needs the guided path.
    Failed,
    /// GitLab could not be reached (or is unavailable).
    Unreachable,
    /// The credential store cannot be used.
    Keychain,
}

/// Problem kinds of rotation, beside the API kinds of `problem::ProblemKind` (reused as they are).
pub mod kind {
    use crate::problem::ProblemKind;

    /// The token cannot rotate itself: take the guided path.
    pub const NEEDS_GUIDED: ProblemKind = ProblemKind::NeedsGuidedRotation;
    /// GitLab refused the expiry date (beyond the instance's maximum lifetime).
    pub const EXPIRY_REJECTED: ProblemKind = ProblemKind::ExpiryRejected;
    /// GitLab refused to rotate (400) for another reason.
    pub const ROTATION_REFUSED: ProblemKind = ProblemKind::RotationRefused;
    /// GitLab revoked the old token, and the new token's value never reached the store.
    pub const NEW_TOKEN_LOST: ProblemKind = ProblemKind::NewTokenLost;
    /// GitLab rotated the token, but the store would not take the new value.
    pub const NEW_TOKEN_NOT_SAVED: ProblemKind = ProblemKind::NewTokenNotSaved;
    /// Whether GitLab rotated the token is not known yet (GitLab unreachable afterwards).
    pub const OUTCOME_UNKNOWN: ProblemKind = ProblemKind::RotationOutcomeUnknown;
    /// The stored token no longer works.
    pub const STORED_TOKEN_DEAD: ProblemKind = ProblemKind::StoredTokenUnusable;
    /// The replacement's scopes do not include all of the old token's scopes.
    pub const SCOPES_NOT_COVERED: ProblemKind = ProblemKind::ScopesNotCovered;
    /// The replacement belongs to another account.
    pub const OTHER_USER: ProblemKind = ProblemKind::DifferentUser;
    /// The replacement is the stored token itself.
    pub const SAME_TOKEN: ProblemKind = ProblemKind::SameToken;
    /// Revoking the old token failed.
    pub const REVOKE_FAILED: ProblemKind = ProblemKind::RevokeFailed;
    /// The metadata file (or the journal) could not be written.
    pub const METADATA: ProblemKind = ProblemKind::MetadataWriteFailed;
    /// Another process is rotating.
    pub const BUSY: ProblemKind = ProblemKind::RotationInProgress;
    /// The new token was stored but could not be verified just now (a warning).
    pub const NOT_VERIFIED: ProblemKind = ProblemKind::NewTokenNotVerified;
}

pub use crate::problem::Problem;

/// The outcome for one stored token (`rotate --json` prints these, as `strings::rotation::shown`
/// words them).
#[derive(Debug)]
pub struct Report {
    pub account: String,
    pub path: PathKind,
    /// The stored token was replaced by a working one.
    pub ok: bool,
    pub old_expires_at: Option<String>,
    pub new_expires_at: Option<String>,
    /// What went wrong, in order.
    pub troubles: Vec<Trouble>,
    /// The guided path: what the replacement is made for (its prefilled page is
    /// `strings::rotation::replacement_link`).
    pub replacement: Option<Box<Replacement>>,
    /// What each sink of the token did with the new value (`gitlab-token sink`).
    pub sinks: Vec<Delivery>,
    /// What happened, for people (text output).
    pub notes: Vec<Note>,
    pub failure: Option<Failure>,
}

/// The token a guided replacement is made for: the entry (as the replacement's kind needs it),
/// its scopes, and the id of the token it replaces.
#[derive(Debug, Clone)]
pub struct Replacement {
    pub entry: StoredToken,
    pub scopes: Vec<String>,
    pub old_id: u64,
}

/// The last resort for a rotated token the store would not take: shows it to a person if it
/// can (a terminal, someone there), and says whether it did. Never prints anywhere else.
pub type Reveal<'a> = &'a (dyn Fn(&crate::token::Token) -> bool + Sync);

impl Report {
    pub fn new(entry: &StoredToken, path: PathKind) -> Report {
        Report {
            account: entry.account.clone(),
            path,
            ok: false,
            old_expires_at: entry.expires_at.clone(),
            new_expires_at: None,
            troubles: Vec::new(),
            replacement: None,
            sinks: Vec::new(),
            notes: Vec::new(),
            failure: None,
        }
    }

    /// Pending sinks of `account` delivered again (a value stored by an earlier run).
    pub fn redelivery(
        account: String,
        outcomes: impl IntoIterator<Item = impl Into<Delivery>>,
    ) -> Report {
        let outcomes: Vec<Delivery> = outcomes.into_iter().map(Into::into).collect();
        let report = Report {
            account,
            path: PathKind::Delivery,
            ok: outcomes.iter().all(Delivery::ok),
            old_expires_at: None,
            new_expires_at: None,
            troubles: Vec::new(),
            replacement: None,
            sinks: Vec::new(),
            notes: Vec::new(),
            failure: None,
        };
        report.delivered(outcomes)
    }

    /// Records a failure (the most serious one wins).
    pub fn fail(mut self, failure: Failure, trouble: Trouble) -> Report {
        self.troubles.push(trouble);
        self.failure = self.failure.max(Some(failure));
        self
    }

    pub fn note(mut self, note: Note) -> Report {
        self.notes.push(note);
        self
    }

    /// Records what the sinks did: a note for each delivered one, a problem (and a failure, so
    /// the exit code says it) for each that did not get the new value.
    pub fn delivered(mut self, outcomes: Vec<Delivery>) -> Report {
        for d in &outcomes {
            let account = self.account.clone();
            match d {
                Delivery::Tried(outcome) if outcome.ok() => self.notes.push(Note::Delivered {
                    account,
                    outcome: outcome.clone(),
                }),
                _ => {
                    let delivery = d.clone();
                    self = self.fail(Failure::Failed, Trouble::Sink { account, delivery });
                }
            }
        }
        self.sinks.extend(outcomes);
        self
    }
}

/// Aborts the process when `GITLAB_TOKEN_TEST_ABORT_AT` names this step (the kill tests' hook).
pub(crate) fn abort_point(step: &str) {
    if std::env::var("GITLAB_TOKEN_TEST_ABORT_AT").as_deref() == Ok(step) {
        std::process::abort();
    }
}

/// A client for the stored token's instance, trusting its saved CA file.
pub(crate) fn client_for(entry: &StoredToken, timeout: Duration) -> Result<Client, ApiError> {
    let instance = Instance::parse(&entry.url).map_err(|e| ApiError::Setup(e.to_string()))?;
    Client::new(
        &instance,
        &Trust::with_ca_file(entry.ca_file.clone()),
        timeout,
    )
    .map_err(|e| ApiError::Setup(e.to_string()))
}

/// 401: the token is gone on the server (expired, revoked, or never known).
pub(crate) fn is_gone(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::InvalidToken(_) | ApiError::TokenExpired | ApiError::TokenRevoked
    )
}

pub(crate) fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Today (UTC) plus `days`, as GitLab's `expires_at`.
pub fn expiry_in(days: i64) -> String {
    format_date(OffsetDateTime::now_utc().date() + time::Duration::days(days))
}

/// Records a live, verified token's facts in the metadata entry for `account`.
pub(crate) async fn record_new_token(
    ctx: &Context,
    account: &str,
    info: &TokenInfo,
) -> Result<(), String> {
    let (path, account, info, at) = (
        ctx.metadata_path.clone(),
        account.to_owned(),
        info.clone(),
        now_rfc3339(),
    );
    blocking_update(path, move |m| {
        if let Some(t) = m.tokens.iter_mut().find(|t| t.account == account) {
            t.token_id = info.id;
            t.token_name = info.name.clone();
            t.scopes = info.scopes.clone();
            t.expires_at = info.expires_at.clone();
            t.verified_at = at;
            t.fine_grained = info.granular;
            if info.granular_scopes.is_some() || !info.granular {
                t.permissions = info.granular_scopes.clone();
            }
            // A provisioned token's new id, so an owner-path rotation finds it next time.
            if let Some(made) = t.provisioned.as_mut() {
                made.token_id = info.id;
            }
        }
    })
    .await
}

/// Marks the entry as no longer working: its expiry is set to yesterday, so `status` shows it
/// expired and the wizard offers to replace it.
pub(crate) async fn mark_unusable(ctx: &Context, account: &str) -> Result<(), String> {
    let (path, account) = (ctx.metadata_path.clone(), account.to_owned());
    let yesterday = expiry_in(-1);
    blocking_update(path, move |m| {
        if let Some(t) = m.tokens.iter_mut().find(|t| t.account == account) {
            t.expires_at = Some(yesterday);
        }
    })
    .await
}

async fn blocking_update(
    path: PathBuf,
    change: impl FnOnce(&mut Metadata) + Send + 'static,
) -> Result<(), String> {
    tokio::task::spawn_blocking(move || Metadata::update(&path, change).map(|_| ()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}
