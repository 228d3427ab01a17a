//! The command line's arguments, one struct per command (the commands themselves are in `cli`),
//! and the value parsers that keep every number in a sane range.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};

use super::rotate;

#[derive(Debug, ClapArgs)]
pub struct LoginArgs {
    /// The GitLab instance, e.g. gitlab.example.com.
    #[arg(long, value_name = "URL")]
    pub host: String,
    /// The "Application ID" of a public (not confidential) OAuth application on the instance.
    #[arg(long, value_name = "ID")]
    pub oauth_app_id: Option<String>,
    /// Scopes to ask for, comma-separated (default: the profile's, or read_api).
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// A built-in profile: its scopes and its name are the defaults.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The NAME of the account NAME@HOST (default: the profile's id, or "oauth").
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Also trust the CA certificates in this PEM file.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// Where to store it on this machine: secret-service, keyutils, macos-keychain, windows or
    /// file (a team Vault takes tokens from `add --store vault`).
    #[arg(long, value_name = "STORE", value_parser = parse_local_store)]
    pub store: Option<crate::vault::StoreKind>,
    /// Print the result as one JSON object on standard output (the code still goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for each answer from GitLab.
    #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = seconds)]
    pub timeout: u64,
}

#[derive(Debug, ClapArgs)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub action: ScheduleAction,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleAction {
    /// Install (or update) the daily rotation job. Running it twice changes nothing.
    ///
    /// Exit codes: 0 installed, 1 no scheduler to install it in (the crontab line to add
    /// yourself is printed) or the scheduler refused, 2 usage error.
    Enable {
        /// The time of day to run, local time, HH:MM (a random delay of up to 30 minutes follows).
        #[arg(long, value_name = "HH:MM", default_value = "10:00", value_parser = crate::schedule::parse_at)]
        at: (u8, u8),
        /// Rotate tokens that expire within DAYS days.
        #[arg(long, value_name = "DAYS", default_value_t = crate::schedule::DEFAULT_WITHIN_DAYS,
              value_parser = clap::value_parser!(i64).range(1..=MAX_WITHIN_DAYS))]
        within: i64,
    },
    /// Remove the job and exactly the files `enable` wrote.
    Disable,
    /// Whether the job is installed, its last run and result, and tokens that need you.
    Status,
}

#[derive(Debug, ClapArgs)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, ClapArgs)]
pub struct ManArgs {
    /// The directory to write the pages into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

#[derive(Debug, ClapArgs)]
pub struct RotateArgs {
    /// The host (as stored, e.g. gitlab.example.com or example.com:8443/gitlab).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The NAME of the account NAME@HOST.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Rotate every stored token (matching --host/--name) that expires within DAYS days.
    #[arg(long, value_name = "DAYS", conflicts_with = "replace",
          value_parser = clap::value_parser!(i64).range(0..=MAX_WITHIN_DAYS))]
    pub within: Option<i64>,
    /// The new token's lifetime in days, 1 to 365 (GitLab's maximum; an admin may allow fewer).
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = rotate::parse_expires_in)]
    pub expires_in: i64,
    /// Rotate without asking (required without a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON array, one object per token: account, path, ok, old_expires_at,
    /// new_expires_at, problems [{kind, message, fix}], sinks [{id, kind, target, ok, message}]
    /// (and link on the guided path; path "delivery" for sinks retried from an earlier run).
    #[arg(long)]
    pub json: bool,
    /// Guided path: read the replacement (made from the prefilled link) on standard input,
    /// check it like `add` does, and swap it in.
    #[arg(long)]
    pub replace: bool,
    /// With --replace: revoke the old token on GitLab once the new one is stored.
    #[arg(long, requires = "replace")]
    pub revoke_old: bool,
    /// Seconds each network call may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = seconds)]
    pub timeout: u64,
    /// Only the tokens in this store: vault (the team's, rotated under its Vault lease),
    /// secret-service, keyutils, macos-keychain, windows or file (default: all of them).
    #[arg(long, value_name = "STORE", value_parser = parse_store)]
    pub store: Option<crate::vault::StoreKind>,
    /// Started by the schedule: notify the desktop when a token needs a person.
    #[arg(long, hide = true, requires = "within")]
    pub scheduled: bool,
    /// Owner path: rotate a token made by `create` that cannot rotate itself, with a group
    /// Owner's or an administrator's authorization (this run only).
    #[command(flatten)]
    pub owner: crate::session::owner_auth::OwnerArgs,
}

#[derive(Debug, ClapArgs)]
pub struct CreateArgs {
    /// GitLab address.
    #[arg(long, value_name = "URL")]
    pub host: String,
    /// Integration profile: repo-scanner, mr-reviewer, mr-tracker or custom.
    #[arg(long, value_name = "NAME")]
    pub profile: String,
    /// A group or project the account is made a member of (repeat for several).
    #[arg(long = "target", value_name = "PATH", required = true)]
    pub targets: Vec<String>,
    /// Only this kind of account: group-service-account, subgroup-service-account (18.11),
    /// instance-service-account, project-service-account (18.11), group-token, project-token or
    /// own-token (a fine-grained token of your own account, 19.2+ self-managed) (default: the
    /// best possible).
    #[arg(long, value_name = "KIND", value_parser = super::create::parse_kind)]
    pub kind: Option<crate::provision::Kind>,
    /// Reuse (or create with) this service account username.
    #[arg(long, value_name = "USERNAME")]
    pub service_account: Option<String>,
    /// The token's lifetime in days, 1 to 365 (default: 90).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=365))]
    pub expires_in: Option<u32>,
    #[command(flatten)]
    pub owner: crate::session::owner_auth::OwnerArgs,
    /// The NAME in the keychain account NAME@HOST (default: the profile's id).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Extra CA certificate(s), PEM.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// secret-service (default on Linux), keyutils, macos-keychain, windows or file.
    #[arg(long, value_name = "STORE", value_parser = parse_local_store)]
    pub store: Option<crate::vault::StoreKind>,
    /// Leave the self_rotate scope out (by default the token can rotate itself, GitLab 17.9+).
    #[arg(long)]
    pub no_self_rotate: bool,
    /// Raise an existing lower membership to the profile's role (otherwise it is reported).
    #[arg(long)]
    pub raise_role: bool,
    /// Print one JSON object: ok, account, memberships, token, stored_as, problems.
    #[arg(long)]
    pub json: bool,
    /// Seconds each network call may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = seconds)]
    pub timeout: u64,
}

#[derive(Debug, ClapArgs)]
pub struct AddArgs {
    /// GitLab address.
    #[arg(long, value_name = "URL")]
    pub host: String,
    /// Integration profile: repo-scanner, mr-reviewer, mr-tracker or custom.
    #[arg(long, value_name = "NAME", conflicts_with = "profile_file")]
    pub profile: Option<String>,
    /// Your own profile, a TOML file.
    #[arg(long, value_name = "PATH")]
    pub profile_file: Option<PathBuf>,
    /// The NAME in the keychain account NAME@HOST (default: the profile's id).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Also check the account's role on this group or project path.
    #[arg(long, value_name = "PATH")]
    pub target: Option<String>,
    /// Extra CA certificate(s), PEM.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// secret-service (default on Linux), keyutils, macos-keychain, windows, file, or vault.
    #[arg(long, value_name = "STORE", value_parser = parse_store)]
    pub store: Option<crate::vault::StoreKind>,
    /// Seconds each network call may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = seconds)]
    pub timeout: u64,
}

#[derive(Debug, ClapArgs)]
pub struct StatusArgs {
    /// Re-validate every stored token live, concurrently, and update "last verified".
    #[arg(long)]
    pub verify: bool,
    /// Print JSON instead of a table (the same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// table, json, or prometheus (node-exporter textfile collector lines).
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// Exit 1 when a token needs attention: expired, expiring within --within DAYS, failing
    /// verification (with --verify) or its last rotation; 0 otherwise. Prints one line per token
    /// that needs attention.
    #[arg(long, conflicts_with_all = ["json", "format"])]
    pub check: bool,
    /// With --check: how many days ahead counts as expiring.
    #[arg(long, value_name = "DAYS", requires = "check", default_value_t = crate::schedule::DEFAULT_WITHIN_DAYS,
          value_parser = clap::value_parser!(i64).range(0..=MAX_WITHIN_DAYS))]
    pub within: i64,
    /// Seconds each network call may take with --verify.
    #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = seconds)]
    pub timeout: u64,
}

/// How `status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
    Prometheus,
}

#[derive(Debug, ClapArgs)]
pub struct GetArgs {
    /// The host (as stored, e.g. gitlab.example.com or example.com:8443/gitlab).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The NAME of the account NAME@HOST.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct ForgetArgs {
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Revoke the token on GitLab first (DELETE /personal_access_tokens/self); keep it if that fails.
    #[arg(long)]
    pub revoke: bool,
}

#[derive(Debug, ClapArgs)]
pub struct GitCredentialArgs {
    /// get, store or erase (git passes it).
    #[arg(value_name = "ACTION")]
    pub action: String,
    /// Answer with this stored token's NAME (set by setup-git).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct SetupGitArgs {
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Point git at this token even when it uses another token or helper for the host now
    /// (without a terminal to ask on, nothing is changed without --yes).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, ClapArgs)]
pub struct CheckArgs {
    /// The instance, e.g. https://gitlab.example.com or https://example.com/gitlab.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Extra CA certificate(s), PEM, to trust.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// The whole check's time limit, in seconds (0.5 to 600; fractions allowed).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = fractional_seconds)]
    pub timeout: f64,
    /// Read a token from standard input to also report the version and edition.
    #[arg(long)]
    pub token_stdin: bool,
}

/// Choices the wizard starts with.
#[derive(Debug, Default, ClapArgs)]
pub struct Preselect {
    /// GitLab address, e.g. gitlab.example.com or https://example.com/gitlab (default: GitLab.com).
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,
    /// Integration profile: repo-scanner, mr-reviewer, mr-tracker or custom.
    #[arg(long, value_name = "NAME", conflicts_with = "profile_file")]
    pub profile: Option<String>,
    /// Your own profile, a TOML file like those in assets/profiles.
    #[arg(long, value_name = "PATH")]
    pub profile_file: Option<PathBuf>,
    /// Extra CA certificate(s), PEM, to trust for a self-hosted instance.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// The NAME in the keychain account NAME@HOST (default: the profile's id).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Seconds each network check may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = seconds)]
    pub timeout: u64,
    /// Replace this stored token (NAME@HOST) with a new one made by hand (guided rotation).
    #[arg(long, value_name = "NAME@HOST")]
    pub replace: Option<String>,
    /// Where to store the token: the platform keychain (default), `keyutils` (Linux kernel
    /// keyring: gone at logout or reboot) or `file` (a 0600 file: only if you ask for it).
    #[arg(long, value_name = "STORE", value_parser = parse_local_store)]
    pub store: Option<crate::vault::StoreKind>,
    /// The OAuth application id for "Sign in with the browser" (else GITLAB_TOKEN_OAUTH_APP_ID,
    /// or the one saved for the host).
    #[arg(long, value_name = "ID")]
    pub oauth_app_id: Option<String>,
}

/// The longest any network timeout may be set to (ten minutes).
pub const MAX_TIMEOUT_SECS: u64 = 600;
/// `rotate --within`: ten years covers any token GitLab issues.
pub(super) const MAX_WITHIN_DAYS: i64 = 3650;

/// A whole number of seconds, 1 to [`MAX_TIMEOUT_SECS`].
pub(super) fn seconds(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_TIMEOUT_SECS).contains(&n) => Ok(n),
        _ => Err(format!(
            "use a whole number of seconds from 1 to {MAX_TIMEOUT_SECS}"
        )),
    }
}

/// Seconds with fractions, 0.5 to [`MAX_TIMEOUT_SECS`] (no `inf`, `NaN` or `1e20`).
pub(super) fn fractional_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && (0.5..=MAX_TIMEOUT_SECS as f64).contains(&n) => Ok(n),
        _ => Err(format!(
            "use a number of seconds from 0.5 to {MAX_TIMEOUT_SECS}, like 5 or 2.5"
        )),
    }
}

/// A store on this machine: `login`, `create` and the wizard do not write to a team Vault yet
/// (issue 20: they would need its lease and journal), so `vault` is refused with what works.
pub(super) fn parse_local_store(s: &str) -> Result<crate::vault::StoreKind, String> {
    match parse_store(s)? {
        crate::vault::StoreKind::Vault => Err(
            "this command stores on this machine only (secret-service, keyutils, \
             macos-keychain, windows or file); to put a token in the team's Vault, \
             run `gitlab-token add --store vault --host URL` with the token on standard input"
                .to_owned(),
        ),
        local => Ok(local),
    }
}

pub(super) fn parse_store(s: &str) -> Result<crate::vault::StoreKind, String> {
    use crate::vault::StoreKind::*;
    [
        SecretService,
        Keyutils,
        MacosKeychain,
        WindowsCredentialManager,
        File,
        Vault,
    ]
    .into_iter()
    .find(|k| k.short_name() == s)
    .ok_or_else(|| {
        "use secret-service, keyutils, macos-keychain, windows, file or vault".to_owned()
    })
}

#[derive(Debug, ClapArgs)]
pub struct VerifyArgs {
    /// GitLab address (default: the host of the one stored token that matches).
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,
    /// The NAME in the keychain account NAME@HOST (default: the profile's id).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Check the scopes and role this profile needs.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Also check the account's role on this group or project path.
    #[arg(long, value_name = "PATH")]
    pub target: Option<String>,
    /// Extra CA certificate(s), PEM.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Seconds each network call may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = seconds)]
    pub timeout: u64,
}
