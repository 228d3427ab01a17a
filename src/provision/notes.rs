//! What provisioning has to say, as typed values: why a kind of account fits ([`Why`]) or not
//! ([`Refusal`]), and the problems met on the way ([`Note`]). No sentence is made here:
//! `strings::provision_notes` puts them in words; `kind()` gives the problem kind for exit
//! codes and `--json`.

use super::Kind;
use crate::gitlab::ApiError;
use crate::gitlab::access::Role;
use crate::gitlab::granular_request::Mismatch;
use crate::problem::ProblemKind;
use crate::vault::{SaveError, VaultError};

/// Why a kind is possible: what it is in this place, and what to know before choosing it (in
/// the order they are said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    pub fit: Fit,
    pub caveats: Vec<Caveat>,
}

impl Why {
    pub(super) fn new(fit: Fit, caveats: Vec<Caveat>) -> Why {
        Why { fit, caveats }
    }

    /// Words the top layer already wrote (a fixture of a screen); the library never makes one.
    pub fn said(words: impl Into<String>) -> Why {
        Why::new(Fit::Said(words.into()), Vec::new())
    }
}

/// What a possible kind is, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    GroupServiceAccount {
        top: String,
    },
    SubgroupServiceAccount {
        group: String,
    },
    InstanceServiceAccount,
    ProjectServiceAccount {
        project: String,
    },
    GroupToken {
        group: String,
    },
    ProjectToken {
        project: String,
    },
    OwnToken {
        targets: Vec<String>,
    },
    /// See [`Why::said`].
    Said(String),
}

/// What to know of a possible kind before choosing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caveat {
    /// The tier cannot be seen: GitLab's answer will tell.
    TierUnseen,
    /// A GitLab.com trial: older versions had no service accounts on trials.
    TrialServiceAccounts,
    /// Free on GitLab.com: at most 100 service accounts per top-level group.
    FreeCapGitlabCom,
    /// Free on self-managed: at most 100 service accounts on the instance.
    FreeCapSelfManaged,
    /// A self-managed group Owner: only where the administrator allows it.
    IfAdminAllows,
    /// The version is not visible (project and subgroup service accounts need 18.11).
    VersionUnseen,
    /// Possible as an administrator, and whether this token may act as one is not known.
    AdminModeUnsure,
}

/// Why a kind is not possible (each is said with what to do instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An administrator whose token lacks `admin_mode`: possible with it.
    NeedsAdminMode(Kind),
    /// The Community Edition has no service accounts.
    EditionCe,
    /// A GitLab.com trial has no group or project access tokens.
    TrialNoAccessTokens,
    TierFree {
        gitlab_com: bool,
    },
    VersionTooOld {
        kind: Kind,
        need: (u32, u32),
        have: (u32, u32),
    },
    NotOwnerTop {
        top: String,
        role: Option<Role>,
    },
    NotOwnerSubgroup {
        group: String,
        role: Option<Role>,
    },
    NotOwnerGroup {
        group: String,
        role: Option<Role>,
    },
    NotMaintainerProject {
        kind: Kind,
        project: String,
        role: Option<Role>,
    },
    /// A project access token cannot have a higher role than its creator.
    RoleAboveCaller {
        project: String,
        needed: Role,
        caller: Role,
    },
    NotAdminInstance,
    /// Self-managed before 17.6: only administrators create group service accounts.
    NotAdminOldSelfManaged {
        have: (u32, u32),
    },
    /// GitLab.com has no instance service accounts.
    NotOnGitlabCom,
    /// A project in a person's own namespace has no group to own an account.
    PersonalNamespace {
        project: String,
    },
    DifferentTopLevels {
        tops: Vec<String>,
    },
    OneTargetOnly {
        kind: Kind,
        count: usize,
    },
    WrongTargetKind {
        kind: Kind,
        target: String,
    },
    /// No target at all: no kind can be made.
    NothingPossible,
    OwnTokenNotOnGitlabCom,
    OwnTokenVersion {
        have: Option<(u32, u32)>,
    },
    OwnTokenNoPermissions {
        profile: String,
    },
    OwnTokenRole {
        path: String,
        needed: Role,
        have: Option<Role>,
    },
    /// Words the top layer already wrote (a fixture of a screen); the library never makes one.
    Said {
        kind: ProblemKind,
        reason: String,
    },
}

impl Refusal {
    pub fn kind(&self) -> ProblemKind {
        use ProblemKind as P;
        match self {
            Refusal::NeedsAdminMode(_) => P::InsufficientScope,
            Refusal::EditionCe => P::EditionUnavailable,
            Refusal::TrialNoAccessTokens | Refusal::TierFree { .. } => P::TierUnavailable,
            Refusal::VersionTooOld { .. } | Refusal::OwnTokenVersion { .. } => P::VersionTooOld,
            Refusal::NotOwnerTop { .. }
            | Refusal::NotOwnerSubgroup { .. }
            | Refusal::NotOwnerGroup { .. }
            | Refusal::NotMaintainerProject { .. }
            | Refusal::RoleAboveCaller { .. } => P::NotOwner,
            Refusal::NotAdminInstance | Refusal::NotAdminOldSelfManaged { .. } => P::NotAdmin,
            Refusal::NotOnGitlabCom | Refusal::OwnTokenNotOnGitlabCom => P::NotOnGitlabCom,
            Refusal::PersonalNamespace { .. } | Refusal::DifferentTopLevels { .. } => {
                P::TopLevelGroupRequired
            }
            Refusal::OneTargetOnly { .. } | Refusal::WrongTargetKind { .. } => P::OneTargetOnly,
            Refusal::NothingPossible => P::TargetNotFound,
            Refusal::OwnTokenNoPermissions { .. } => P::MissingPermissions,
            Refusal::OwnTokenRole { .. } => P::RoleTooLow,
            Refusal::Said { kind, .. } => *kind,
        }
    }
}

/// What discovery was finding out when GitLab failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Who the caller is.
    Caller,
    /// What a target (this path) is.
    Target(String),
    /// The caller's role on a target (this path).
    Role(String),
}

/// Why the new token did not pass the live checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// `validation::judge`'s first fatal problem (or its first one when GitLab did not answer).
    Judged(crate::validation::Finding),
    /// The account's access level on a target below the profile's.
    RoleTooLow { level: u32, target: String },
    /// The role on a target could not be read.
    RoleUnread { target: String, error: ApiError },
    /// GitLab could not be asked just now, and said nothing.
    NoAnswer,
    /// Your own token: GitLab made it for another user.
    OtherUser { got: u64, caller: u64 },
    /// Your own token: GitLab's record shows no fine-grained token.
    NotFineGrained,
    /// Your own token: its permissions are not what was asked.
    Mismatch(Mismatch),
    /// Your own token: its permissions could not be read.
    PermissionsUnread(ApiError),
    /// GitLab's answer is not the token asked for (another user's, other scopes, a person's).
    Unasked(super::Unasked),
}

impl Check {
    pub fn kind(&self) -> ProblemKind {
        match self {
            Check::Judged(p) => p.kind(),
            Check::RoleTooLow { .. } => ProblemKind::RoleTooLow,
            Check::RoleUnread { error, .. } | Check::PermissionsUnread(error) => error.kind(),
            Check::NoAnswer => ProblemKind::Unreachable,
            Check::OtherUser { .. } => ProblemKind::DifferentUser,
            Check::NotFineGrained | Check::Mismatch(_) => ProblemKind::UnexpectedAnswer,
            Check::Unasked(_) => ProblemKind::AnswerNotAsked,
        }
    }
}

/// A problem met on the way: the cause of a [`super::Failure`] (first), or something to look at
/// after an [`super::Outcome`] (a lower membership left alone, an orphan token revoked ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The kind is not possible (checked again before anything is made, or GitLab's "no
    /// permission" read as the role the kind needs).
    Refused(Refusal),
    /// Discovery could not finish.
    LookupFailed {
        what: Lookup,
        error: ApiError,
    },
    TargetNotFound {
        target: String,
    },
    /// The caller's own token lacks `api` (its scopes as seen).
    OwnerTokenNeedsApi {
        scopes: Vec<String>,
    },
    /// Another process is creating this NAME@HOST.
    Busy {
        account: String,
    },
    /// The provisioning journal cannot be written (the error as told).
    JournalFailed {
        detail: String,
    },
    /// The vault's writer lock could not be taken (as the vault says it).
    WriterBusy {
        detail: String,
    },
    /// The chosen store does not take new values.
    StoreUnavailable(VaultError),
    /// GitLab refused to let the caller manage a place's access tokens.
    MayNotManageTokens {
        group: bool,
        place: String,
    },
    /// GitLab refused the token's expiry date (its words; the instance's maximum when read).
    ExpiryRefused {
        date: String,
        gitlab: String,
        max_days: Option<i64>,
    },
    TokenFailed(ApiError),
    /// The new token did not pass the live checks; it was revoked.
    ChecksFailed(Check),
    /// The new token could not be saved; it was revoked.
    StoreFailed {
        why: SaveError,
        token_id: u64,
    },
    /// The new token could not be saved, nor revoked: `page` is where to revoke it.
    StoreFailedNotRevoked {
        why: SaveError,
        token_id: u64,
        page: String,
    },
    /// NAME@HOST holds a token this run did not make.
    NameTaken {
        account: String,
        username: String,
        name: String,
    },
    /// Looking for a killed run's token failed.
    OrphanSearchFailed {
        error: ApiError,
        page: String,
    },
    OrphanRevoked {
        token_id: u64,
        account: String,
    },
    OrphanNotRevoked {
        token_id: u64,
        error: ApiError,
        page: String,
    },
    /// A token a killed run left, named without an authorization to revoke it.
    OrphanLeft {
        token_id: u64,
        account: String,
        page: String,
    },
    /// The limit of service accounts is reached (GitLab's words).
    LimitReached {
        gitlab: String,
    },
    /// Self-managed: group Owners may not create service accounts (GitLab's words).
    OwnerCreationDisabled {
        gitlab: String,
    },
    /// The licence does not include service accounts (GitLab's words).
    NotLicensed {
        gitlab: String,
    },
    AccountFailed {
        kind: Kind,
        error: ApiError,
    },
    UsernameTaken {
        username: String,
    },
    /// GitLab's answer for the account is not the account asked (a person, the caller, another
    /// username): no membership was given, nothing stored.
    AccountNotAsked {
        id: u64,
        username: String,
        why: super::AccountDoubt,
    },
    /// GitLab answered with a token of another user than the account (`page`: the account's
    /// tokens): nothing stored, and that token left alone (not this run's to revoke).
    TokenNotOurs {
        why: Check,
        page: String,
    },
    MembershipFailed {
        target: String,
        error: ApiError,
    },
    /// GitLab queued the membership for an administrator's approval (its words).
    MembershipPending {
        target: String,
        gitlab: String,
    },
    /// An existing membership below the role needed, left as it is.
    MembershipLower {
        target: String,
        has: u32,
        needs: Role,
    },
    /// Words the top layer already wrote (the runtime's client could not be made, a fixture of
    /// a screen); the library never makes one.
    Said {
        kind: ProblemKind,
        message: String,
    },
}

impl Note {
    pub fn kind(&self) -> ProblemKind {
        use ProblemKind as P;
        match self {
            Note::Refused(r) => r.kind(),
            Note::LookupFailed { error, .. }
            | Note::TokenFailed(error)
            | Note::AccountFailed { error, .. }
            | Note::MembershipFailed { error, .. } => error.kind(),
            Note::TargetNotFound { .. } => P::TargetNotFound,
            Note::OwnerTokenNeedsApi { .. } => P::InsufficientScope,
            Note::Busy { .. } => P::ProvisionInProgress,
            Note::JournalFailed { .. } => P::MetadataWriteFailed,
            Note::WriterBusy { .. } => P::RotationInProgress,
            Note::StoreUnavailable(_) => P::KeychainUnavailable,
            Note::MayNotManageTokens { .. } => P::NotOwner,
            Note::ExpiryRefused { .. } | Note::UsernameTaken { .. } => P::HttpError,
            Note::ChecksFailed(c) | Note::TokenNotOurs { why: c, .. } => c.kind(),
            Note::AccountNotAsked { why, .. } => match why {
                super::AccountDoubt::Unread(e) => e.kind(),
                _ => P::AnswerNotAsked,
            },
            Note::StoreFailed { .. } => P::NewTokenNotSaved,
            Note::StoreFailedNotRevoked { .. }
            | Note::OrphanSearchFailed { .. }
            | Note::OrphanNotRevoked { .. }
            | Note::OrphanLeft { .. } => P::OrphanTokenLeft,
            Note::NameTaken { .. } => P::NameTaken,
            Note::OrphanRevoked { .. } => P::OrphanTokenRevoked,
            Note::LimitReached { .. } => P::ServiceAccountLimit,
            Note::OwnerCreationDisabled { .. } => P::OwnerCreationDisabled,
            Note::NotLicensed { .. } => P::TierUnavailable,
            Note::MembershipPending { .. } => P::MembershipPendingApproval,
            Note::MembershipLower { .. } => P::MembershipLower,
            Note::Said { kind, .. } => *kind,
        }
    }
}
