//! Sinks: the places that receive a stored token's new value after every successful rotation
//! (a GitLab CI/CD variable, a command reading it on standard input). Configured per token in the
//! metadata (`[[sink]]`, never a secret); delivered by `rotation` once the new value is stored.

pub mod command;
pub mod variable;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::gitlab::variables::Owner;
use crate::token::Token;
use crate::vault::StoredToken;

/// A command sink's timeout unless told otherwise, and the most allowed.
pub const DEFAULT_COMMAND_TIMEOUT_SECS: u64 = 60;
pub const MAX_COMMAND_TIMEOUT_SECS: u64 = 3600;

/// One place that receives the new value of the token stored as `account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sink {
    /// `NAME@HOST` of the stored token.
    pub account: String,
    /// A small number, unique for the account (`sink remove NAME@HOST ID`).
    pub id: u32,
    #[serde(flatten)]
    pub kind: SinkKind,
}

/// What the sink is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SinkKind {
    /// A project's or group's CI/CD variable on the token's own instance, written with the
    /// rotated token itself (it needs the `api` scope and the Maintainer role there).
    GitlabVariable {
        owner: Owner,
        /// The project's or group's full path (or numeric id).
        path: String,
        key: String,
        /// Picks one of several variables with the same key; also the scope of a new one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        environment_scope: Option<String>,
        /// `NAME@HOST` of a browser sign-in (OAuth, same instance, `api` scope) whose access
        /// token writes the variable instead of the rotated token; never a secret.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authorized_by: Option<String>,
    },
    /// A program run with these arguments (no shell), the new token on its standard input.
    Command {
        argv: Vec<String>,
        #[serde(default = "default_timeout")]
        timeout_secs: u64,
    },
}

fn default_timeout() -> u64 {
    DEFAULT_COMMAND_TIMEOUT_SECS
}

impl Sink {
    /// `gitlab-variable` or `command`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            SinkKind::GitlabVariable { .. } => "gitlab-variable",
            SinkKind::Command { .. } => "command",
        }
    }

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
pub async fn deliver(
    entry: &StoredToken,
    sink: &Sink,
    token: &Token,
    ctx: &crate::rotation::Context,
) -> Outcome {
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
    fn sinks_round_trip_through_toml() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct File {
            sink: Vec<Sink>,
        }
        let file = File {
            sink: vec![
                Sink {
                    account: "ci@gitlab.example.com".into(),
                    id: 1,
                    kind: SinkKind::GitlabVariable {
                        owner: Owner::Project,
                        path: "group/app".into(),
                        key: "DEPLOY_TOKEN".into(),
                        environment_scope: Some("production".into()),
                        authorized_by: Some("owner@gitlab.example.com".into()),
                    },
                },
                Sink {
                    account: "ci@gitlab.example.com".into(),
                    id: 2,
                    kind: SinkKind::Command {
                        argv: vec!["/usr/bin/tee".into(), "/tmp/x".into()],
                        timeout_secs: 30,
                    },
                },
            ],
        };
        let text = toml::to_string_pretty(&file).unwrap();
        assert!(text.contains("kind = \"gitlab-variable\""), "{text}");
        assert!(text.contains("owner = \"project\""), "{text}");
        let back: File = toml::from_str(&text).unwrap();
        assert_eq!(back, file);
        let old: File = toml::from_str(
            "[[sink]]\naccount = \"a@h\"\nid = 3\nkind = \"command\"\nargv = [\"x\"]\n",
        )
        .unwrap();
        assert_eq!(
            old.sink[0].kind,
            SinkKind::Command {
                argv: vec!["x".into()],
                timeout_secs: DEFAULT_COMMAND_TIMEOUT_SECS
            }
        );
    }

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
