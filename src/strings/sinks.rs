//! What sinks (the places that receive a rotated token) and `gitlab-token sink` say; a
//! delivery's typed outcome in words ([`ShownOutcome`], what `--json` prints as `sinks`).

use serde::Serialize;

use crate::gitlab::ApiError;
use crate::gitlab::variables::VariableRef;
use crate::problem::{Problem, ProblemKind};
use crate::rotation::deliveries::LastError;
pub use crate::sinks::command::show_argv;
use crate::sinks::{Done, Failure, Outcome};

/// What one delivery did, in words (`rotate --json` and `sink deliver --json` print these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownOutcome {
    pub id: u32,
    pub kind: &'static str,
    pub target: String,
    pub ok: bool,
    pub message: String,
}

/// A delivery's outcome in words.
pub fn shown(o: &Outcome) -> ShownOutcome {
    ShownOutcome {
        id: o.id,
        kind: o.kind,
        target: o.target.clone(),
        ok: o.ok(),
        message: match &o.result {
            Ok(done) => delivered_what(done),
            Err(failure) => failed_why(failure),
        },
    }
}

/// What a delivery that worked did.
pub fn delivered_what(d: &Done) -> String {
    match d {
        Done::VariableUpdated {
            at,
            masked,
            protected,
            scope,
        } => variable_updated(&at.at(), *masked, *protected, scope.as_deref()),
        Done::VariableCreated { at, masked, scope } => {
            variable_created(&at.at(), *masked, scope.as_deref())
        }
        Done::CommandRan { argv } => command_ok(argv),
    }
}

/// Why a delivery failed, and what to do.
pub fn failed_why(f: &Failure) -> String {
    match f {
        Failure::VariableSetup { detail } => variable_setup(detail),
        Failure::VariableFailed { at, host, error } => variable_failed(&at.at(), host, error),
        Failure::SignInRefused {
            at,
            host,
            account,
            error,
        } => sign_in_refused(&at.at(), account, &variable_failed(&at.at(), host, error)),
        Failure::VariableNotKept { at } => variable_not_kept(&at.at()),
        Failure::SignInFailed { account, detail } => sign_in_failed(account, detail),
        Failure::SignInGone { account } => sign_in_gone(account),
        Failure::CommandEmpty => COMMAND_EMPTY.to_owned(),
        Failure::CommandNotStarted { argv, detail } => command_not_started(argv, detail),
        Failure::CommandFailed { argv, code, said } => command_failed(argv, *code, said),
        Failure::CommandTimedOut { argv, secs } => command_timed_out(argv, *secs),
    }
}

/// Why the last delivery of a pending sink failed, as recorded in `deliveries.toml`.
pub fn last_error(e: &LastError) -> String {
    match e {
        LastError::Failed(f) => failed_why(f),
        // Written as a sentence by a version before typed outcomes.
        LastError::Text(text) => text.clone(),
        LastError::Unknown => LAST_ERROR_UNKNOWN.to_owned(),
    }
}

pub const LAST_ERROR_UNKNOWN: &str =
    "the last delivery failed; why was recorded by another version of gitlab-token";

fn variable_name(at: &VariableRef<'_>) -> String {
    let scope = at
        .environment_scope
        .map(|s| format!(" (environment scope {s})"))
        .unwrap_or_default();
    format!(
        "CI/CD variable {} of {} {}{scope}",
        at.key,
        at.owner.as_str(),
        at.path
    )
}

pub fn variable_setup(detail: &str) -> String {
    format!("cannot set up the connection to GitLab: {detail}")
}

/// Why writing the variable failed, and what to do.
pub fn variable_failed(at: &VariableRef<'_>, host: &str, e: &ApiError) -> String {
    let what = variable_name(at);
    let role = match at.owner {
        crate::gitlab::variables::Owner::Project => "Maintainer",
        crate::gitlab::variables::Owner::Group => "Owner",
    };
    match e {
        ApiError::Forbidden(_) => format!(
            "GitLab refused to write the {what} (403): the token's account needs the {role} role on \
             {} {} to manage its CI/CD variables; ask an owner to grant it, or remove this sink",
            at.owner.as_str(),
            at.path
        ),
        ApiError::InsufficientScope(_) | ApiError::MissingPermission(_) => format!(
            "GitLab refused to write the {what} (403 insufficient_scope): CI/CD variables need a \
             token with the api scope; this token cannot deliver to it, remove this sink"
        ),
        ApiError::Http { status: 404, .. } | ApiError::NotFound => format!(
            "GitLab has no {} {} on {host} that this token's account can see (404); check the path \
             (`gitlab-token sink list`) and the account's membership",
            at.owner.as_str(),
            at.path
        ),
        ApiError::Http { status: 409, .. } => format!(
            "several variables named {} exist on {} {} (409); remove this sink and add it again \
             with --environment-scope",
            at.key,
            at.owner.as_str(),
            at.path
        ),
        ApiError::BadRequest(m) => format!(
            "GitLab refused the new value for the {what} (400: {m}); a masked variable needs a \
             value of 8 or more characters without spaces"
        ),
        other => {
            let p = crate::strings::validation::api_problem(other);
            format!("could not write the {what}: {} ({})", p.message, p.fix)
        }
    }
}

pub fn variable_not_kept(at: &VariableRef<'_>) -> String {
    format!(
        "GitLab answered the update of the {} with another value; check the variable on GitLab",
        variable_name(at)
    )
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

pub fn variable_updated(
    at: &VariableRef<'_>,
    masked: bool,
    protected: bool,
    scope: Option<&str>,
) -> String {
    format!(
        "updated the {} (masked: {}, protected: {}, environment scope: {}, kept as they were)",
        variable_name(at),
        yes_no(masked),
        yes_no(protected),
        scope.unwrap_or("*")
    )
}

pub fn variable_created(at: &VariableRef<'_>, masked: bool, scope: Option<&str>) -> String {
    format!(
        "created the {} (it did not exist; masked: {}, protected: no, environment scope: {})",
        variable_name(at),
        yes_no(masked),
        scope.unwrap_or("*")
    )
}

pub const COMMAND_EMPTY: &str =
    "the command sink has no command to run; remove it and add it again";

pub fn command_not_started(argv: &[String], detail: &str) -> String {
    format!(
        "could not run `{}`: {detail}; use the program's full path (a scheduled run has a short PATH)",
        show_argv(argv)
    )
}

pub fn command_ok(argv: &[String]) -> String {
    format!("ran `{}` (exit code 0)", show_argv(argv))
}

pub fn command_failed(argv: &[String], code: Option<i32>, said: &str) -> String {
    let code = code.map_or_else(
        || "killed by a signal".to_owned(),
        |c| format!("exit code {c}"),
    );
    let said = if said.is_empty() {
        String::new()
    } else {
        format!("; it said: {said}")
    };
    format!("`{}` failed ({code}){said}", show_argv(argv))
}

pub fn command_timed_out(argv: &[String], secs: u64) -> String {
    let secs = secs.max(1);
    let unit = if secs == 1 { "second" } else { "seconds" };
    format!(
        "`{}` did not finish within {secs} {unit} and was stopped; make it faster or add the sink \
         again with a longer --timeout",
        show_argv(argv)
    )
}

/// A sink that did not receive the token's current value: loud, with what happens next. Said
/// after a rotation and by `sink deliver`, which rotates nothing: so "the current token", never
/// "the new token" (issue 21.14; after a rotation the current one is the new one).
pub fn sink_problem(account: &str, outcome: &ShownOutcome) -> Problem {
    Problem::new(
        ProblemKind::SinkFailed,
        format!(
            "the current token of {account} did not reach sink {} ({} {}): {}",
            outcome.id, outcome.kind, outcome.target, outcome.message
        ),
        format!(
            "It stays pending: `gitlab-token sink deliver {account}` tries again now, and the next \
             `gitlab-token rotate` (the schedule's too) until it succeeds. Fix the cause, or stop it \
             with `gitlab-token sink remove {account} {}`.",
            outcome.id
        ),
    )
}

/// One delivered sink, for the text output.
pub fn delivered(account: &str, outcome: &ShownOutcome) -> String {
    format!(
        "Delivered the token of {account} to sink {}: {}.",
        outcome.id, outcome.message
    )
}

pub fn sink_added(account: &str, id: u32, kind: &str, target: &str) -> String {
    format!(
        "Added sink {id} to {account}: {kind} {target}. It receives the new value after every \
         rotation of {account}; `gitlab-token sink deliver {account}` sends it the current one now."
    )
}

pub fn sink_removed(account: &str, id: u32) -> String {
    format!("Removed sink {id} from {account}.")
}

pub fn no_such_sink(account: &str, id: u32) -> String {
    format!("{account} has no sink {id}; `gitlab-token sink list {account}` shows its sinks.")
}

pub fn not_stored(account: &str) -> String {
    format!(
        "no stored token is named {account}; `gitlab-token status` lists them (NAME@HOST as shown there)."
    )
}

pub fn bad_key(key: &str) -> String {
    format!("{key:?} is not a CI/CD variable key: GitLab allows 1 to 255 of A-Z, a-z, 0-9 and _.")
}

pub const NO_SINKS: &str = "No sinks: rotated tokens reach only the keychain. Add one with `gitlab-token sink add NAME@HOST gitlab-variable --project PATH --key KEY` or `... command -- PROGRAM ARGS`.";

pub const NEEDS_OWNER: &str = "give --project PATH or --group PATH";

pub const NEEDS_KEY: &str = "give --key KEY (the variable's name)";

pub const NEEDS_ARGV: &str =
    "give the command after --, e.g. `-- /usr/local/bin/deploy-secret --name ci`";

/// The token cannot write variables: said at `sink add`, not only at the first rotation.
pub fn needs_api_scope(account: &str, scopes: &[String]) -> String {
    format!(
        "{account} has the scopes {}: writing a CI/CD variable needs api, which the rotated token \
         itself must have, or a browser sign-in of a Maintainer/Owner with api given as \
         --authorized-by NAME@HOST (`gitlab-token login`)",
        scopes.join(", ")
    )
}

pub fn sign_in_failed(account: &str, detail: &str) -> String {
    format!(
        "the sign-in {account} that writes this variable gave no working access token ({detail}); \
         run `gitlab-token login` for it, and the next `gitlab-token rotate` delivers the value"
    )
}

/// GitLab refused the sign-in `account` that writes the variable `at`; `why` is the usual text.
pub fn sign_in_refused(at: &VariableRef<'_>, account: &str, why: &str) -> String {
    let (role, owner) = match at.owner {
        crate::gitlab::variables::Owner::Project => ("Maintainer", "project"),
        crate::gitlab::variables::Owner::Group => ("Owner", "group"),
    };
    format!(
        "written as the sign-in {account}, which GitLab refused: {why}. The person signed in as \
         {account} needs the {role} role on {owner} {} and a sign-in with the api scope; sign in \
         again with `gitlab-token login`, or remove this sink and add it with another \
         --authorized-by",
        at.path
    )
}

pub fn sign_in_gone(account: &str) -> String {
    format!(
        "no browser sign-in {account} is stored to write this variable; sign in with \
         `gitlab-token login`, or remove this sink and add it again without --authorized-by"
    )
}

pub fn not_a_sign_in(account: &str) -> String {
    format!(
        "{account} is not a browser sign-in: --authorized-by takes the NAME@HOST of a \
         `gitlab-token login` (OAuth) on the same GitLab; a pasted token is never stored for this"
    )
}

pub fn sign_in_elsewhere(account: &str, host: &str) -> String {
    format!("the sign-in {account} is not on {host}: it must be on the token's own GitLab")
}

pub fn sign_in_without_api(account: &str, scopes: &[String]) -> String {
    format!(
        "the sign-in {account} has the scopes {}: writing a CI/CD variable needs api; \
         sign in again with an application that grants api",
        scopes.join(", ")
    )
}

pub fn relative_program(program: &str) -> String {
    format!(
        "note: {program:?} is not a full path; a scheduled run may have a shorter PATH than this shell"
    )
}

/// `status` and `sink list`: one sink on one line.
pub fn sink_line(id: u32, kind: &str, target: &str, pending: Option<&str>) -> String {
    match pending {
        Some(why) => format!("sink {id}: {kind} {target}: PENDING, not delivered yet ({why})"),
        None => format!("sink {id}: {kind} {target}"),
    }
}

/// A retried delivery could not read the token from its store.
pub fn token_not_read(why: &str) -> String {
    format!("the stored token could not be read to deliver it ({why}); it stays pending")
}

/// The list of sinks waiting for the new value could not be written.
pub fn pending_not_recorded(account: &str, detail: &str) -> Problem {
    Problem::new(
        ProblemKind::SinkFailed,
        format!(
            "the token of {account} was rotated and stored, but which sinks still need the new \
             value could not be recorded ({detail}); a sink that fails now is not retried"
        ),
        "Fix the config directory's permissions; check the sinks (`gitlab-token sink list`) \
         after this run.",
    )
}

pub fn already_there(account: &str, id: u32) -> String {
    format!("{account} already has this sink (sink {id}); nothing changed.")
}

pub const NOT_EXECUTABLE: &str = "no executable file at that path";

pub const NOT_ON_PATH: &str = "not found on PATH";

/// Pending, and no delivery tried yet (a kill came first).
pub const NOT_TRIED: &str = "not tried yet; the next `gitlab-token rotate` delivers it";

/// `sink list` and `status`: the heading above a token's sinks.
pub fn list_heading(account: &str, stored: bool) -> String {
    if stored {
        format!("Sinks of {account}:")
    } else {
        format!("Sinks of {account} (no token is stored under this name; they wait for one):")
    }
}

/// The wizard's notice after a rotation whose sinks did not all get the new value.
pub fn not_delivered(outcomes: &[ShownOutcome]) -> Option<String> {
    let failed: Vec<&ShownOutcome> = outcomes.iter().filter(|o| !o.ok).collect();
    let first = failed.first()?;
    let count = match failed.len() {
        1 => "1 sink".to_owned(),
        n => format!("{n} sinks"),
    };
    Some(format!(
        "But {count} did not get it ({} {}: {}); it stays pending and the next \
         `gitlab-token rotate` delivers it again.",
        first.kind, first.target, first.message
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::token::Token;

    /// A command sink's delivery, in words.
    async fn deliver(argv: &[String], token: &Token, timeout: Duration) -> Result<String, String> {
        crate::sinks::command::deliver(argv, token, timeout)
            .await
            .map(|d| delivered_what(&d))
            .map_err(|f| failed_why(&f))
    }

    #[test]
    fn the_wizard_notice_names_a_sink_that_failed() {
        let outcome = |id, ok| ShownOutcome {
            id,
            kind: "command",
            target: "/usr/local/bin/push".into(),
            ok,
            message: "exit code 3".into(),
        };
        assert_eq!(not_delivered(&[outcome(1, true)]), None);
        let text = not_delivered(&[outcome(1, true), outcome(2, false)]).unwrap();
        assert!(text.contains("1 sink did not get it"), "{text}");
        assert!(text.contains("exit code 3"), "{text}");
    }

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_token_arrives_on_stdin_and_the_exit_code_decides() {
        let token = Token::new("glpat-sinktest0123456789abcdef".into());
        let ok = deliver(
            &argv(&[
                "sh",
                "-c",
                "read t; test \"$t\" = glpat-sinktest0123456789abcdef",
            ]),
            &token,
            Duration::from_secs(10),
        )
        .await;
        assert!(ok.is_ok(), "{ok:?}");
        let failed = deliver(
            &argv(&["sh", "-c", "read t; echo \"no: $t\" >&2; exit 3"]),
            &token,
            Duration::from_secs(10),
        )
        .await
        .unwrap_err();
        assert!(failed.contains('3'), "{failed}");
        assert!(!failed.contains(token.expose()), "{failed}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_command_past_its_timeout_is_killed() {
        let token = Token::new("glpat-sinktest0123456789abcdef".into());
        let started = std::time::Instant::now();
        let err = deliver(
            &argv(&["sh", "-c", "sleep 30 & sleep 30"]),
            &token,
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{err}");
        assert!(err.contains("1 second") || err.contains("second"), "{err}");
    }
}
