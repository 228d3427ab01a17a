//! The data of provisioning: what was asked, what was found, what is possible, what was done.
//! No secret is ever held here (the owner's credential and the new token travel as `Token`s).

use std::path::PathBuf;

use serde::Serialize;
use thiserror::Error;

use super::{Note, Refusal, Why};
use crate::gitlab::access::Role;
use crate::instance::Instance;
use crate::profile::Profile;
use crate::vault::StoreKind;

pub use crate::vault::records::{Kind, Provisioned};

/// What the person asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub instance: Instance,
    pub ca_file: Option<PathBuf>,
    pub profile: Profile,
    /// Group or project paths (`acme`, `acme/tools/scanner`), at least one.
    pub targets: Vec<String>,
    /// `--kind`: only this kind (refused with the reason when not possible).
    pub kind: Option<Kind>,
    /// `--service-account USERNAME`: reuse (or create with) this username.
    pub service_account: Option<String>,
    pub expires_in_days: u32,
    /// Add `self_rotate` to the token where GitLab supports it (17.9+); `--no-self-rotate` clears it.
    pub self_rotate: bool,
    /// Raise a lower existing membership to the profile's role (otherwise it is reported).
    pub raise_role: bool,
    /// The keychain name (`NAME@HOST`).
    pub name: String,
    pub store: StoreKind,
    /// The person agreed to replace a token already stored under NAME@HOST that this run did
    /// not make (another user's, or not made by `create`). Without it such a name is refused
    /// before anything is created (problem `name_taken`).
    pub replace_existing: bool,
}

/// The caller, from `GET /user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    pub id: u64,
    pub username: String,
    /// Planned as an administrator: GitLab says so AND this token may act as one
    /// ([`AdminAccess::Active`] or [`AdminAccess::Unconfirmed`]; see [`Caller::admin_access`]).
    pub is_admin: bool,
    /// What this token may do as an administrator (GitLab's Admin Mode).
    pub admin_access: AdminAccess,
}

/// `GET /user`'s `is_admin` is the account's flag; with Admin Mode on, GitLab serves admin API
/// calls only to a token with the `admin_mode` scope (MR 107925 "Implement Admin Mode for API").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminAccess {
    /// Not an administrator.
    #[default]
    None,
    /// An administrator whose token acts as one (an admin-only call answered, or the token
    /// has the `admin_mode` scope).
    Active,
    /// An administrator, but an admin-only call was refused (403) and the token lacks the
    /// `admin_mode` scope: Admin Mode is on.
    NeedsAdminModeScope,
    /// An administrator; whether this token may act as one is not known (no admin-only call
    /// answered, the scopes not seen): planned as an administrator, with a caveat.
    Unconfirmed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edition {
    /// Community Edition: no service accounts.
    Ce,
    /// Enterprise Edition (the tier is a licence matter, see [`Tier`]).
    Ee,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Free,
    Premium,
    Ultimate,
    /// Not visible to this caller (only admins read the licence; GitLab.com shows a group's plan).
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Group,
    Project,
}

/// One target as GitLab knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetFacts {
    /// As given (`acme/tools`).
    pub path: String,
    pub kind: TargetKind,
    pub id: u64,
    /// The top-level group it lives in (its full path and id). A project in a person's own
    /// namespace has no group: `top_level` is that namespace's path and `top_level_id` is 0.
    pub top_level: String,
    pub top_level_id: u64,
    /// The caller's effective role there (`None`: not a member).
    pub caller_role: Option<Role>,
    /// The caller's role on the top-level group (`None`: not a member, or no group).
    pub top_level_role: Option<Role>,
}

/// Everything [`super::discover`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    pub caller: Caller,
    pub gitlab_com: bool,
    /// `major.minor` (`None`: not told).
    pub version: Option<(u32, u32)>,
    pub edition: Edition,
    pub tier: Tier,
    /// The plan is a trial (`ultimate_trial`, `premium_trial`): on GitLab.com group and project
    /// access tokens are not available with one.
    pub trial: bool,
    pub targets: Vec<TargetFacts>,
}

/// One kind of account, possible or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: Kind,
    /// `Ok(why this one)` or the reason it is not possible.
    pub verdict: Result<Why, Refusal>,
}

/// The best kind (when any is possible) and every candidate, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub best: Option<Kind>,
    pub options: Vec<Candidate>,
}

/// Where provisioning is, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Finishing or repairing an earlier run from its journal.
    Recovering,
    /// Creating the account, or finding the one to reuse.
    Account,
    /// Adding the account to a target (all targets at once).
    Membership(String),
    /// Minting the token: from here a token exists on GitLab.
    Token,
    /// The onboarding checks on the new token (role on each target included).
    Checking,
    /// Storing it and reading it back.
    Storing,
}

/// Told each stage as it starts. Must return at once.
pub type Progress<'a> = &'a (dyn Fn(Stage) + Sync);

/// The account used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountOutcome {
    pub id: u64,
    pub username: String,
    pub kind: Kind,
    /// False when an existing one was reused.
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MembershipOutcome {
    pub target: String,
    pub access_level: u32,
    /// False when an existing membership was kept.
    pub created: bool,
    /// GitLab queued it for an administrator's approval.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending_approval: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenOutcome {
    pub id: u64,
    /// False when the stored, live token of an earlier run was kept (nothing new was minted).
    pub created: bool,
    pub scopes: Vec<String>,
    /// A fine-grained token's permissions (each name once; empty for a legacy token).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    pub expires_at: Option<String>,
}

/// What was done: the `--json` object's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub account: AccountOutcome,
    pub memberships: Vec<MembershipOutcome>,
    pub token: TokenOutcome,
    /// The keychain account (`NAME@HOST`).
    pub stored_as: String,
    pub problems: Vec<Note>,
}

impl Outcome {
    /// How the token just made is renewed (its kind and scopes, handed down to `rotation`).
    pub fn renewal(&self) -> crate::rotation::renewal::Renewal {
        crate::rotation::renewal::Renewal::of_made(self.account.kind, &self.token.scopes)
    }
}

/// What was done before a failure (so the screen and `--json` can say it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Done {
    pub account: Option<AccountOutcome>,
    pub memberships: Vec<MembershipOutcome>,
    pub token: Option<TokenOutcome>,
}

/// Provisioning stopped: why (first problem is the cause) and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub problems: Vec<Note>,
    pub done: Done,
}

/// Discovery failed before anything was created.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProvisionError {
    /// Discovery could not finish (the caller's credential refused, GitLab unreachable, a target
    /// not found ...): the note says why.
    #[error("discovery stopped: {}", .0.kind().as_str())]
    Stopped(Box<Note>),
}

impl ProvisionError {
    /// What stopped discovery, for `--json` and the screen.
    pub fn note(&self) -> &Note {
        match self {
            ProvisionError::Stopped(n) => n,
        }
    }
}

/// A token that was created on GitLab but never stored (its run was killed, maybe while asking
/// for it): revoked by the next run that has an authorization, or named here so a person can
/// revoke it on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Orphan {
    /// The keychain account the run was making (`NAME@HOST`).
    pub account: String,
    /// `None`: the run was stopped while its request was in flight (journalled before it was
    /// sent): GitLab may have made the token, or not.
    pub token_id: Option<u64>,
    pub token_name: String,
    /// The GitLab account it is (or would be) a token of, when the run knew it.
    pub gitlab_account: Option<String>,
    /// The page where it can be revoked by hand.
    pub page: String,
}
