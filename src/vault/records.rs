//! What the metadata file stores beside a token's facts: how "Create it for me" made it
//! (`[token.provisioned]`, with the kind of account) and where its new value goes after a
//! rotation (`[[sink]]`). Plain records, no secret; `provision`, `rotation` and `sinks` use them.

use serde::{Deserialize, Serialize};

use crate::gitlab::accounts::TokenHome;
use crate::gitlab::variables::Owner;

/// The kinds of account "Create it for me" can make (`--kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A service account owned by a top-level group (`POST /groups/:id/service_accounts`).
    GroupServiceAccount,
    /// A service account owned by a subgroup (`POST /groups/:id/service_accounts` with the
    /// subgroup's id; 18.11, created by the subgroup's Owner): it joins only that subgroup's
    /// groups and projects (doc/user/profile/service_accounts.md).
    SubgroupServiceAccount,
    /// A service account of the whole instance (`POST /service_accounts`, administrators).
    InstanceServiceAccount,
    /// A service account owned by a project (`POST /projects/:id/service_accounts`, 18.11+).
    ProjectServiceAccount,
    /// A group access token (`POST /groups/:id/access_tokens`): its own bot user, one group.
    GroupToken,
    /// A project access token (`POST /projects/:id/access_tokens`): its own bot user, one project.
    ProjectToken,
    /// A fine-grained token of the caller's own account (`POST /user/personal_access_tokens`
    /// with `granular_scopes`, GitLab 19.2+, self-managed and Dedicated): no new account, the
    /// profile's permissions on exactly the targets. It acts as the caller.
    OwnToken,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::GroupServiceAccount,
        Kind::SubgroupServiceAccount,
        Kind::InstanceServiceAccount,
        Kind::ProjectServiceAccount,
        Kind::GroupToken,
        Kind::ProjectToken,
        Kind::OwnToken,
    ];

    /// A new account is made (or reused) and joined to the targets: the service accounts.
    pub fn is_service_account(self) -> bool {
        !matches!(self, Kind::GroupToken | Kind::ProjectToken | Kind::OwnToken)
    }
}

/// How a stored token was made by "Create it for me" (the `[token.provisioned]` table of
/// tokens.toml): enough to rotate it with an Owner's or admin's authorization. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Provisioned {
    pub kind: Kind,
    /// The service account's or bot user's id and username.
    pub account_id: u64,
    pub account_username: String,
    /// Where the account (or access token) lives: the top-level group's or project's full path
    /// and id; `None` for an instance service account.
    pub lives_in: Option<String>,
    pub lives_in_id: Option<u64>,
    /// GitLab's id of the token.
    pub token_id: u64,
    /// The groups and projects it was made a member of.
    pub targets: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// Where the token of `kind` is created, revoked and rotated.
pub fn token_home(kind: Kind, lives_in_id: Option<u64>, account_id: u64) -> Option<TokenHome> {
    Some(match kind {
        Kind::GroupServiceAccount | Kind::SubgroupServiceAccount => {
            TokenHome::GroupServiceAccount {
                group_id: lives_in_id?,
                user_id: account_id,
            }
        }
        Kind::ProjectServiceAccount => TokenHome::ProjectServiceAccount {
            project_id: lives_in_id?,
            user_id: account_id,
        },
        Kind::InstanceServiceAccount => TokenHome::User {
            user_id: account_id,
        },
        Kind::GroupToken => TokenHome::GroupToken {
            group_id: lives_in_id?,
        },
        Kind::ProjectToken => TokenHome::ProjectToken {
            project_id: lives_in_id?,
        },
        Kind::OwnToken => TokenHome::Own {
            user_id: account_id,
        },
    })
}

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
}
