//! Sinks: the places that receive a stored token's new value after every successful rotation
//! (a GitLab CI/CD variable, a command reading it on standard input). Configured per token in the
//! metadata (`[[sink]]`, never a secret); delivered by `rotation` once the new value is stored.

pub mod command;
pub mod variable;

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::token::Token;
use crate::vault::StoredToken;

pub use crate::vault::records::{
    DEFAULT_COMMAND_TIMEOUT_SECS, MAX_COMMAND_TIMEOUT_SECS, Sink, SinkKind,
};

impl Sink {
    /// Where it delivers, in one line (no secret: the configuration holds none).
    pub fn target(&self) -> String {
        match &self.kind {
            SinkKind::GitlabVariable {
                owner,
                path,
                key,
                environment_scope,
                authorized_by,
            } => {
                let scope = environment_scope
                    .as_deref()
                    .map(|s| format!(" (environment scope {s})"))
                    .unwrap_or_default();
                let by = authorized_by
                    .as_deref()
                    .map(|a| format!(" as {a}"))
                    .unwrap_or_default();
                format!("{} {path} variable {key}{scope}{by}", owner.as_str())
            }
            SinkKind::Command { argv, .. } => crate::strings::sinks::show_argv(argv),
        }
    }
}

/// Where a delivery looks up a browser sign-in, and how long each step waits (a rotation's
/// `rotation::Context` hands this down).
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    /// The metadata file, where a sign-in named by `authorized_by` is looked up.
    pub metadata_path: &'a Path,
    /// Each GitLab call.
    pub timeout: Duration,
    /// A sign-in's keychain read.
    pub keychain_timeout: Duration,
}

/// What one delivery did (`rotate --json` prints these as `sinks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub id: u32,
    pub kind: &'static str,
    pub target: String,
    pub ok: bool,
    pub message: String,
}

/// Delivers `token` (the value just stored for `entry`) to `sink`. Every step has a timeout:
/// `ctx.timeout` for each GitLab call (`ctx.keychain_timeout` for a sign-in's keychain read),
/// the sink's own for a command. `ctx.metadata_path` is where a sign-in is looked up.
pub async fn deliver(entry: &StoredToken, sink: &Sink, token: &Token, ctx: &Reach<'_>) -> Outcome {
    let result = match &sink.kind {
        SinkKind::GitlabVariable {
            owner,
            path,
            key,
            environment_scope,
            authorized_by,
        } => {
            let at = crate::gitlab::variables::VariableRef {
                owner: *owner,
                path,
                key,
                environment_scope: environment_scope.as_deref(),
            };
            variable::deliver(entry, &at, token, authorized_by.as_deref(), ctx).await
        }
        SinkKind::Command { argv, timeout_secs } => {
            command::deliver(argv, token, Duration::from_secs(*timeout_secs)).await
        }
    };
    let (ok, message) = match result {
        Ok(message) => (true, message),
        Err(message) => (false, message),
    };
    Outcome {
        id: sink.id,
        kind: sink.kind_name(),
        target: sink.target(),
        ok,
        message,
    }
}

/// The next free id among `sinks` of `account`.
pub fn next_id(sinks: &[Sink], account: &str) -> u32 {
    sinks
        .iter()
        .filter(|s| s.account == account)
        .map(|s| s.id)
        .max()
        .unwrap_or(0)
        + 1
}

/// A variable key as GitLab accepts it: 1 to 255 of `A-Z`, `a-z`, `0-9` and `_`.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wizard_notice_names_a_sink_that_failed() {
        let outcome = |id, ok| Outcome {
            id,
            kind: "command",
            target: "/usr/local/bin/push".into(),
            ok,
            message: "exit code 3".into(),
        };
        assert_eq!(
            crate::strings::sinks::not_delivered(&[outcome(1, true)]),
            None
        );
        let text =
            crate::strings::sinks::not_delivered(&[outcome(1, true), outcome(2, false)]).unwrap();
        assert!(text.contains("1 sink did not get it"), "{text}");
        assert!(text.contains("exit code 3"), "{text}");
    }

    #[test]
    fn keys_follow_gitlabs_rule() {
        assert!(valid_key("DEPLOY_TOKEN_2"));
        assert!(!valid_key(""));
        assert!(!valid_key("DEPLOY-TOKEN"));
        assert!(!valid_key(&"A".repeat(256)));
    }
}
