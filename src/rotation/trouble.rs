//! What a rotation has to say, as typed values: what went wrong ([`Trouble`]) and what happened
//! ([`Note`]). `strings::rotation` words them (`trouble`, `note`); no sentence is made here.

use super::deliveries::Delivery;
use crate::gitlab::ApiError;
use crate::sinks::Outcome;
use crate::vault::kv::KvError;
use crate::vault::records::Kind;
use crate::vault::{StoreKind, StoredToken, VaultError};

/// The names a stored token goes by, for the commands a fix names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// `NAME@HOST`.
    pub account: String,
    pub host: String,
    pub name: String,
    /// The team's Vault holds it (its replacement is stored with `add --store vault`).
    pub team: bool,
}

impl Names {
    pub fn of(entry: &StoredToken) -> Names {
        Names {
            account: entry.account.clone(),
            host: entry.host.clone(),
            name: entry.name.clone(),
            team: !entry.store.is_local(),
        }
    }
}

/// What went wrong in a rotation (each becomes one problem with its fix).
#[derive(Debug, Clone)]
pub enum Trouble {
    /// The credential store failed.
    Store(VaultError),
    /// GitLab's answer (or its absence), as it is.
    Api(ApiError),
    /// The stored entry's address cannot be used.
    BadAddress { url: String },
    /// Validating the replacement gave neither its facts nor a problem.
    NotChecked,
    /// What validating the replacement found.
    Check(crate::validation::Finding),
    /// The token may not rotate itself: take the guided path (a token `create` made, of `made`,
    /// rotates through its account).
    NeedsGuided {
        names: Names,
        scopes: Vec<String>,
        fine_grained: bool,
        made: Option<Kind>,
    },
    /// The owner path, for a token `create` did not make.
    NotProvisioned(Names),
    /// The stored token no longer works: GitLab's answer, or `None` when it calls it inactive.
    StoredDead { names: Names, why: Option<ApiError> },
    /// The instance accepts only fine-grained tokens (GitLab's `message`).
    LegacyDisabled { names: Names, message: String },
    /// GitLab does not let the token rotate itself.
    RefusedByGitlab { names: Names, why: ApiError },
    /// GitLab refused the expiry `date` (its `message`; the most days it allows, when said).
    ExpiryRejected {
        account: String,
        date: String,
        message: String,
        max_days: Option<i64>,
    },
    /// GitLab refused to rotate (400, its `message`).
    RotationRefused { names: Names, message: String },
    /// GitLab was not reached (or did not rotate): nothing changed.
    NotReached { account: String, why: ApiError },
    /// The owner may no longer manage the access tokens of `place`.
    MayNotManageTokens {
        names: Names,
        group: bool,
        place: String,
    },
    /// GitLab rotated, and the new value never arrived.
    Lost {
        names: Names,
        old_id: u64,
        why: ApiError,
    },
    /// Whether GitLab rotated cannot be asked now.
    OutcomeUnknown { account: String, why: ApiError },
    /// Another process writes to the store.
    StoreBusy,
    /// Another process is rotating.
    Busy,
    /// The rotation lock could not be taken (its error).
    Lock(String),
    /// The store cannot be written: nothing was rotated.
    PreflightFailed {
        account: String,
        store: StoreKind,
        why: VaultError,
    },
    /// The journal could not be written (its error).
    JournalFailed(String),
    /// GitLab rotated, and the store would not take the new value (`revealed`: it was shown).
    NotSaved {
        account: String,
        store: StoreKind,
        attempts: u32,
        why: VaultError,
        revealed: bool,
    },
    /// The new token is stored but GitLab could not confirm it just now.
    NotVerified(ApiError),
    /// A fine-grained token's successor came back a legacy one.
    KindChanged { account: String },
    /// The successor holds other permissions than the old token.
    PermissionsChanged { account: String },
    /// The metadata file could not be updated (its error).
    MetadataFailed { account: String, detail: String },
    /// The replacement lacks scopes of the old token.
    ScopesNotCovered {
        missing: Vec<String>,
        old: Vec<String>,
    },
    /// The replacement belongs to another account (usernames).
    OtherUser { new: String, old: String },
    /// The replacement is the stored token itself.
    SameToken { id: u64 },
    /// The old token could not be read, so it cannot be revoked (`page`: where to do it).
    OldUnreadable {
        old_id: u64,
        page: String,
        why: VaultError,
    },
    /// Revoking the old token failed.
    RevokeFailed {
        old_id: u64,
        page: String,
        why: ApiError,
    },
    /// Which sinks still wait could not be recorded (its error).
    PendingNotRecorded { account: String, detail: String },
    /// A sink did not get the new value of `account`.
    Sink { account: String, delivery: Delivery },
    /// The team's Vault failed (or its rotation lease is held by another machine).
    TeamStore(KvError),
    /// GitLab rotated a team token (the old token, id `old_id`, no longer works) and the new
    /// value never reached Vault; `midway`: found in the journal a stopped run left.
    TeamLost {
        names: Names,
        old_id: u64,
        midway: bool,
    },
    /// GitLab rotated a team token and Vault would not take the new value (`revealed`: it was
    /// shown on the terminal).
    TeamNotSaved {
        account: String,
        why: KvError,
        revealed: bool,
    },
    /// GitLab's rotation answer is not the token that was asked to rotate (it was not stored).
    AnswerNotAsked { account: String, what: Unasked },
}

/// How a rotation answer differs from the token that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unasked {
    /// Another account's token (user ids).
    User { asked: u64, got: u64 },
    /// Other scopes than the old token's.
    Scopes {
        asked: Vec<String>,
        got: Vec<String>,
    },
    /// A fine-grained token for a legacy one, or the other way round.
    Kind { fine_grained: bool },
    /// Not an active token.
    Inactive,
}

/// What happened, for people (the text output).
#[derive(Debug, Clone)]
pub enum Note {
    /// A browser sign-in refreshes itself: nothing to rotate.
    SignInRefreshes {
        account: String,
    },
    /// What to do on a page nothing can be prefilled on.
    Steps(Steps),
    /// Rotated through the API (`expires_at`: `None` never).
    Rotated {
        account: String,
        old_id: u64,
        new_id: u64,
        expires_at: Option<String>,
    },
    /// A replacement made by hand is stored.
    Replaced {
        account: String,
        new_id: u64,
        expires_at: Option<String>,
    },
    /// The stored token was kept.
    NothingChanged,
    /// The old token was not revoked (it works until `until`, or until revoked).
    OldKept {
        old_id: u64,
        until: Option<String>,
    },
    OldRevoked {
        old_id: u64,
    },
    OldAlreadyGone {
        old_id: u64,
    },
    /// A sink got the new value of `account`.
    Delivered {
        account: String,
        outcome: Outcome,
    },
    /// Another machine rotated the team token meanwhile: its new value (id `token_id`) was
    /// read from Vault and works; nothing was rotated here.
    RotatedElsewhere {
        account: String,
        token_id: u64,
        expires_at: Option<String>,
    },
    /// A run that held the lease (`holder`) stopped before calling GitLab (the old token still
    /// works): this run rotates it.
    TeamResumed {
        account: String,
        holder: String,
    },
}

/// What a person does to make a replacement where the page cannot be prefilled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Steps {
    /// An access token's page (`name`: the token's name).
    AccessToken { name: String, scopes: Vec<String> },
    /// A service account's page.
    ServiceAccount {
        username: String,
        name: String,
        scopes: Vec<String>,
    },
}
