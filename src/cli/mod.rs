//! The command line: `setup` (the wizard, the default) and `verify`.

mod add;
mod args;
mod check;
mod completions;
mod create;
mod get;
pub(crate) mod git_credential;
pub mod login;
mod rotate;
mod schedule;
mod setup;
mod sink;
mod status;
mod verify;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use args::*;

use crate::instance::Instance;
use crate::profile::{Profile, ProfileError};

/// Exit codes, as documented in the README (`crate::exit`, shared with the manual).
pub use crate::exit;

#[derive(Debug, Parser)]
#[command(
    name = "gitlab-token",
    version,
    about = "Get a working, verified GitLab access token into your OS keychain, and keep it working.",
    long_about = "Get a working, verified GitLab access token into your OS keychain, and keep it working.\n\n\
        With no command, starts the setup wizard: pick what the token is for, where GitLab lives, check the \
        instance is reachable over valid TLS, create the token with the right scopes and role, paste it, \
        validate it live and save it in the OS keychain (service \"gitlab-token\", account NAME@HOST).\n\n\
        The token is never read from the command line: paste it in the wizard, or pipe it to `verify`."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub setup: Preselect,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the setup wizard (the default when no command is given).
    Setup(Preselect),
    /// Validate a token live: read from standard input, or the stored one when stdin is a terminal.
    ///
    /// Exit codes: 0 all checks pass, 1 the token fails a check, 2 usage error,
    /// 3 host unreachable or TLS failure, 4 keychain unavailable (or no stored token).
    Verify(VerifyArgs),
    /// Check that a GitLab instance is reachable over valid TLS, and explain what to fix.
    ///
    /// Stages: URL, proxy, DNS, TCP, TLS (certificate chain, expiry, host name), HTTP (is it
    /// GitLab). Exit codes: 0 reachable with valid TLS and GitLab detected, 1 problems found,
    /// 2 usage error.
    Check(CheckArgs),
    /// Store a token piped on standard input after validating it live (the scriptable setup).
    ///
    /// Exit codes: 0 stored, 1 the token fails a check (nothing stored), 2 usage error,
    /// 3 host unreachable or TLS failure, 4 keychain unavailable.
    Add(AddArgs),
    /// Create a service account (or group/project access token), its memberships and its token
    /// with your one-run authorization as a group Owner or administrator; check and store it.
    ///
    /// Explains the chosen kind of account and why the others are not possible. Re-running
    /// creates nothing twice; an interrupted run is finished or repaired by the next.
    /// Exit codes: 0 created (or already there) and stored, 1 not possible or a check failed,
    /// 2 usage error, 3 host unreachable or TLS failure, 4 keychain unavailable.
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// List stored tokens: host, name, user, scopes, expiry, last verified, store (no keychain needed).
    Status(StatusArgs),
    /// Print a stored token on standard output, for scripts: GITLAB_TOKEN=$(gitlab-token get).
    Get(GetArgs),
    /// Remove a stored token from its store and the metadata (optionally revoking it on GitLab first).
    Forget(ForgetArgs),
    /// git's credential helper protocol (get, store, erase), answering for stored hosts only.
    GitCredential(GitCredentialArgs),
    /// Configure git to use gitlab-token for one stored host's HTTPS credentials.
    ///
    /// When git uses another token or credential helper for the host, it says which and asks
    /// first (or needs --yes). Exit codes: 0 configured, 1 answered no or git failed, 2 usage
    /// error (also: it would re-point git and there is no terminal to ask on, without --yes).
    SetupGit(SetupGitArgs),
    /// Rotate stored tokens: GitLab issues a new value, which is stored (and read back) first.
    ///
    /// Tokens with the api or self_rotate scope rotate themselves (the old value stops
    /// working at once). Others get a prefilled link to create the replacement, which is
    /// then piped to `rotate --replace`. An interrupted rotation is finished or repaired
    /// by the next command that touches stored tokens.
    ///
    /// Exit codes (with several tokens, the highest applies):
    ///   0  all rotated, or nothing due with --within
    ///   1  a rotation failed, the token needs the guided path, or a sink
    ///      (`gitlab-token sink`) did not receive the new value
    ///   2  usage error (e.g. no terminal to confirm on and no --yes)
    ///   3  GitLab unreachable or unavailable
    ///   4  keychain unavailable
    #[command(verbatim_doc_comment)]
    Rotate(RotateArgs),
    /// Install, remove or show the daily job that rotates tokens before they expire.
    ///
    /// Linux: a systemd user timer; macOS: a launchd agent; Windows: a Task Scheduler task.
    /// The job runs `gitlab-token rotate --within DAYS --yes` and notifies you (desktop
    /// notification, `status`, the wizard's first screen) when a token needs you.
    Schedule(ScheduleArgs),
    /// Places that receive a token's new value after every rotation: a CI/CD variable, a command.
    ///
    /// Stored in the metadata file (no secrets). A sink that fails never undoes the rotation:
    /// it is reported (exit code 1, `sinks` in `rotate --json`) and delivered again by the next
    /// `rotate` until it succeeds or is removed.
    #[command(subcommand)]
    Sink(sink::SinkCommand),
    /// Sign in with the browser (GitLab's OAuth device flow) and store the result; it then
    /// refreshes itself whenever `get`, git or `verify` use it.
    ///
    /// Needs the id of a public OAuth application registered on the instance: --oauth-app-id,
    /// GITLAB_TOKEN_OAUTH_APP_ID, or the one a previous login on that host used.
    /// Exit codes: 0 signed in, stored and verified; 1 denied, expired, or a check failed;
    /// 2 usage error (no application id, unknown application); 3 host unreachable;
    /// 4 keychain unavailable; 130 stopped by Ctrl-C (nothing stored).
    #[command(verbatim_doc_comment)]
    Login(LoginArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    ///
    /// bash: gitlab-token completions bash > ~/.local/share/bash-completion/completions/gitlab-token
    ///
    /// zsh: gitlab-token completions zsh > ~/.zfunc/_gitlab-token (with fpath+=~/.zfunc before
    /// compinit in ~/.zshrc)
    ///
    /// fish: gitlab-token completions fish > ~/.config/fish/completions/gitlab-token.fish
    Completions(CompletionsArgs),
    /// Write the man pages (gitlab-token.1 and one per command) into a directory.
    ///
    /// For example: gitlab-token man --out-dir ~/.local/share/man/man1
    Man(ManArgs),
}

/// Runs the parsed command; returns the process exit code.
pub async fn run(args: Args) -> u8 {
    rotate::recover_before(args.command.as_ref()).await;
    match args.command {
        Some(Command::Verify(v)) => verify::run(v).await,
        Some(Command::Setup(p)) => setup::run(p).await,
        Some(Command::Check(c)) => check::run(c).await,
        Some(Command::Add(a)) => add::run(a).await,
        Some(Command::Create(a)) => create::run(a).await,
        Some(Command::Status(a)) => status::run(a).await,
        Some(Command::Get(a)) => get::get(a).await,
        Some(Command::Forget(a)) => get::forget(a).await,
        Some(Command::GitCredential(a)) => git_credential::run(a).await,
        Some(Command::SetupGit(a)) => git_credential::setup_git(a).await,
        Some(Command::Rotate(a)) => rotate::run(a).await,
        Some(Command::Schedule(a)) => schedule::run(a).await,
        Some(Command::Sink(a)) => sink::run(a).await,
        Some(Command::Login(a)) => login::run(a).await,
        Some(Command::Completions(a)) => completions::completions(a.shell),
        Some(Command::Man(a)) => completions::man(a),
        None => setup::run(args.setup).await,
    }
}

/// Why `--ca-file` cannot be used (unreadable, no PEM certificate), found before any network
/// call: a usage error (exit 2), not an unreachable host.
/// What is wrong with `--name` or `--ca-file` (a usage error), said the same by every command.
fn name_or_ca_problem(name: &str, ca_file: Option<&PathBuf>) -> Option<String> {
    if let Err(e) = crate::vault::names::check_name(name) {
        return Some(format!(
            "--name {name:?}: {e}; {}",
            crate::strings::vault::NAME_RULES
        ));
    }
    ca_file_problem(ca_file)
}

fn ca_file_problem(ca_file: Option<&PathBuf>) -> Option<String> {
    ca_file?;
    crate::tls::Trust::with_ca_file(ca_file.cloned())
        .verifier()
        .err()
        .map(|e| format!("--ca-file: {e}"))
}

fn parse_host(host: &str) -> Result<Instance, String> {
    let (instance, dropped) = Instance::parse_noted(host)
        .map_err(|e| format!("--host {host}: {}", crate::strings::wizard::host_error(&e)))?;
    if let Some(dropped) = dropped {
        eprintln!(
            "gitlab-token: note: {}",
            crate::strings::instance::page_url_note(&instance, &dropped)
        );
    }
    Ok(instance)
}

fn load_profile(id: Option<&str>, file: Option<&PathBuf>) -> Result<Option<Profile>, ProfileError> {
    match (id, file) {
        (_, Some(path)) => Profile::from_file(path).map(Some),
        (Some(id), None) => Profile::by_id(id).map(Some),
        (None, None) => Ok(None),
    }
}
