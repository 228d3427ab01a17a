//! GitLab's roles (access levels) and personal access token scopes, as its docs define them.

use serde::{Deserialize, Serialize};

/// A member role. The number is GitLab's `access_level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Guest,
    Planner,
    Reporter,
    Developer,
    Maintainer,
    Owner,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Guest,
        Role::Planner,
        Role::Reporter,
        Role::Developer,
        Role::Maintainer,
        Role::Owner,
    ];

    pub fn access_level(self) -> u32 {
        match self {
            Role::Guest => 10,
            Role::Planner => 15,
            Role::Reporter => 20,
            Role::Developer => 30,
            Role::Maintainer => 40,
            Role::Owner => 50,
        }
    }

    /// The highest role whose level is at most `level` (GitLab also has Minimal Access, 5).
    pub fn from_access_level(level: u32) -> Option<Role> {
        Role::ALL
            .into_iter()
            .rev()
            .find(|r| r.access_level() <= level)
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Guest => "Guest",
            Role::Planner => "Planner",
            Role::Reporter => "Reporter",
            Role::Developer => "Developer",
            Role::Maintainer => "Maintainer",
            Role::Owner => "Owner",
        }
    }

    /// What the role allows, in the words a newcomer needs. Checked against the project
    /// permissions table in GitLab's doc/user/permissions.md: leaving comments is open to Guests,
    /// pulling private code needs Reporter, approving and merging merge requests needs Developer,
    /// and configuring webhooks, editing project settings and adding or managing members need
    /// Maintainer.
    pub fn allows(self) -> &'static str {
        match self {
            Role::Guest => "see issues and comment; on public or internal projects, the code",
            Role::Planner => {
                "plan work: issues, epics and boards, but not the code of private projects"
            }
            Role::Reporter => {
                "read the code of private projects, issues, merge requests and pipelines, and comment (the least role that reads repositories)"
            }
            Role::Developer => "push to unprotected branches, and approve and merge merge requests",
            Role::Maintainer => {
                "configure webhooks, edit project settings and CI variables, manage members, and push to protected branches"
            }
            Role::Owner => {
                "everything, including deleting the group or project and transferring it"
            }
        }
    }
}

/// A scope GitLab offers on personal and service-account tokens, and what it grants.
pub struct ScopeInfo {
    pub name: &'static str,
    pub grants: &'static str,
}

/// GitLab's personal access token scopes (doc/user/profile/personal_access_tokens.md).
pub const SCOPES: &[ScopeInfo] = &[
    ScopeInfo {
        name: "api",
        grants: "complete read and write access to the API, including all groups and projects, the registries and Git over HTTP",
    },
    ScopeInfo {
        name: "read_api",
        grants: "read access to the API, including all groups and projects, the container registry and the package registry",
    },
    ScopeInfo {
        name: "read_user",
        grants: "read-only access to the user's profile through /user: username, public email and full name",
    },
    ScopeInfo {
        name: "read_repository",
        grants: "read-only access (pull) to repositories on private projects over Git-over-HTTP or the repository files API",
    },
    ScopeInfo {
        name: "write_repository",
        grants: "read and write access (pull, push) to repositories on private projects over Git-over-HTTP (not the API)",
    },
    ScopeInfo {
        name: "read_registry",
        grants: "read-only (pull) access to container registry images of private projects",
    },
    ScopeInfo {
        name: "write_registry",
        grants: "read and write (push) access to container registry images of private projects",
    },
    ScopeInfo {
        name: "read_virtual_registry",
        grants: "read-only (pull) access to container images through the dependency proxy",
    },
    ScopeInfo {
        name: "write_virtual_registry",
        grants: "read, write and delete access to container images through the dependency proxy",
    },
    ScopeInfo {
        name: "create_runner",
        grants: "permission to create runners",
    },
    ScopeInfo {
        name: "manage_runner",
        grants: "permission to manage runners",
    },
    ScopeInfo {
        name: "ai_features",
        grants: "permission to use GitLab Duo API endpoints",
    },
    ScopeInfo {
        name: "k8s_proxy",
        grants: "permission to call the Kubernetes API through the agent for Kubernetes",
    },
    ScopeInfo {
        name: "self_rotate",
        grants: "permission to rotate this token with the personal access token API, nothing else",
    },
    ScopeInfo {
        name: "read_service_ping",
        grants: "access to Service Ping payloads (administrators only)",
    },
    ScopeInfo {
        name: "sudo",
        grants: "API actions as any user (administrators only)",
    },
    ScopeInfo {
        name: "admin_mode",
        grants: "API actions as an administrator when Admin Mode is enabled (administrators only)",
    },
];

pub fn scope_info(name: &str) -> Option<&'static ScopeInfo> {
    SCOPES.iter().find(|s| s.name == name)
}

/// How a token meets a need for one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// The token holds the scope itself.
    Present,
    /// A wider scope the token holds grants it (the name of that scope).
    CoveredBy(&'static str),
}

/// Which wider scopes grant `required`, per the scope table in GitLab's
/// doc/user/profile/personal_access_tokens.md: `api` is "complete read/write access to the API"
/// (so every read-only API scope, `read_user`'s `/user` included) and, on a personal token, Git
/// over HTTP; `write_repository` is read-write Git over HTTP; `write_registry` is read-write
/// (push and pull) registry access.
fn wider_scopes(required: &str) -> &'static [&'static str] {
    match required {
        "read_api" | "read_user" => &["api"],
        "read_repository" => &["write_repository", "api"],
        "write_repository" => &["api"],
        "read_registry" => &["write_registry"],
        _ => &[],
    }
}

/// Whether (and how) a token holding `granted` meets a need for `required`.
pub fn coverage(required: &str, granted: &[String]) -> Option<Coverage> {
    let has = |s: &str| granted.iter().any(|g| g == s);
    if has(required) {
        return Some(Coverage::Present);
    }
    wider_scopes(required)
        .iter()
        .find(|w| has(w))
        .map(|w| Coverage::CoveredBy(w))
}

/// Whether a token holding `granted` satisfies a need for `required` (see [`coverage`]).
pub fn scope_satisfied(required: &str, granted: &[String]) -> bool {
    coverage(required, granted).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_access_level(role.access_level()), Some(role));
        }
        assert_eq!(Role::Reporter.access_level(), 20);
        assert_eq!(Role::Maintainer.access_level(), 40);
        assert_eq!(Role::from_access_level(5), None);
    }

    #[test]
    fn wider_scopes_cover_narrower() {
        let granted = vec!["api".to_owned()];
        assert!(scope_satisfied("read_api", &granted));
        assert!(scope_satisfied("read_repository", &granted));
        assert!(scope_satisfied("read_user", &granted));
        assert_eq!(
            coverage("read_user", &granted),
            Some(Coverage::CoveredBy("api"))
        );
        assert_eq!(coverage("api", &granted), Some(Coverage::Present));
        assert!(!scope_satisfied("read_user", &["read_api".to_owned()]));
        assert!(!scope_satisfied("write_registry", &granted));
        assert!(scope_satisfied(
            "read_repository",
            &["write_repository".to_owned()]
        ));
        assert!(!scope_satisfied("api", &["read_api".to_owned()]));
    }

    #[test]
    fn role_texts_give_the_documented_reason() {
        // doc/user/permissions.md: Developer approves and merges; webhooks need Maintainer.
        assert!(!Role::Maintainer.allows().contains("approve"));
        assert!(Role::Maintainer.allows().contains("webhooks"));
        assert!(Role::Developer.allows().contains("approve"));
        assert!(Role::Reporter.allows().contains("comment"));
    }
}
