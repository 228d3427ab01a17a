//! Sinks: the places that receive a stored token's new value after every successful rotation
//! (a GitLab CI/CD variable, a command reading it on standard input). Configured per token in the
//! metadata (`[[sink]]`, never a secret); delivered by `rotation` once the new value is stored.

pub mod command;
pub mod outcome;
pub mod variable;

use std::path::Path;
use std::time::Duration;

use crate::token::Token;
use crate::vault::StoredToken;
pub use outcome::{Done, Failure, Outcome, Variable};

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
            SinkKind::Command { argv, .. } => command::show_argv(argv),
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
    Outcome {
        id: sink.id,
        kind: sink.kind_name(),
        target: sink.target(),
        result,
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
    fn keys_follow_gitlabs_rule() {
        assert!(valid_key("DEPLOY_TOKEN_2"));
        assert!(!valid_key(""));
        assert!(!valid_key("DEPLOY-TOKEN"));
        assert!(!valid_key(&"A".repeat(256)));
    }
}
