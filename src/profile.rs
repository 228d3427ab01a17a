//! Integration profiles: what a token is for, the scopes and minimum role it needs, and why.

use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use crate::gitlab::access::{Role, scope_info};

/// A scope a profile needs, with why the integration needs it and what is lost without it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScopeNeed {
    pub scope: String,
    pub why: String,
    #[serde(default)]
    pub without: String,
}

/// A fine-grained permission a profile needs (`gitlab::granular::KNOWN`), where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PermissionNeed {
    pub permission: String,
    /// `memberships` (a project or group route, the default) or `user` (`GET /user`,
    /// `GET /projects`: routes of the token's own account).
    #[serde(default = "memberships")]
    pub on: crate::gitlab::granular::On,
    pub why: String,
}

fn memberships() -> crate::gitlab::granular::On {
    crate::gitlab::granular::On::Memberships
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub role: Role,
    /// Why the integration needs that role (the least role that does its job).
    #[serde(default)]
    pub role_why: String,
    #[serde(default)]
    pub scopes: Vec<ScopeNeed>,
    /// The same needs as GitLab's fine-grained permissions (none: a fine-grained token is not
    /// offered for it).
    #[serde(default)]
    pub permissions: Vec<PermissionNeed>,
    /// What the integration usually works on (a project for a project webhook): the wizard's
    /// first guess for a path that may be either, which the person can change.
    #[serde(default)]
    pub target: crate::gitlab::links::Place,
    /// The integration's own settings page where the token is entered (its "Connect GitLab"
    /// form), opened with `o` on the Done screen.
    #[serde(default)]
    pub settings_url: Option<String>,
    /// The user picks scopes and role in the wizard.
    #[serde(default)]
    pub custom: bool,
}

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("cannot read the profile file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the profile file {path} is not a valid profile: {message}")]
    Parse { path: String, message: String },
    #[error("unknown profile `{0}`; known profiles: {1}")]
    Unknown(String, String),
}

const BUILT_IN: &[(&str, &str)] = &[
    (
        "repo-scanner.toml",
        include_str!("../assets/profiles/repo-scanner.toml"),
    ),
    (
        "mr-reviewer.toml",
        include_str!("../assets/profiles/mr-reviewer.toml"),
    ),
    (
        "mr-tracker.toml",
        include_str!("../assets/profiles/mr-tracker.toml"),
    ),
    (
        "custom.toml",
        include_str!("../assets/profiles/custom.toml"),
    ),
];

impl Profile {
    /// The profiles shipped in the binary, in display order.
    pub fn built_in() -> Vec<Profile> {
        BUILT_IN
            .iter()
            .map(|(name, text)| Self::parse(name, text).expect("built-in profiles are valid"))
            .collect()
    }

    pub fn by_id(id: &str) -> Result<Profile, ProfileError> {
        let all = Self::built_in();
        let known = all
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        all.iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| ProfileError::Unknown(id.to_owned(), known))
    }

    pub fn from_file(path: &Path) -> Result<Profile, ProfileError> {
        let shown = path.display().to_string();
        let text = crate::files::read_regular_text(path, crate::files::MAX_FILE_BYTES).map_err(
            |source| ProfileError::Read {
                path: shown.clone(),
                source,
            },
        )?;
        Self::parse(&shown, &text)
    }

    pub fn parse(origin: &str, text: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| ProfileError::Parse {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        if let Some(bad) = profile
            .scopes
            .iter()
            .find(|s| scope_info(&s.scope).is_none())
        {
            return Err(ProfileError::Parse {
                path: origin.to_owned(),
                message: format!("`{}` is not a GitLab token scope", bad.scope),
            });
        }
        for need in &profile.permissions {
            use crate::gitlab::granular::{On, permission};
            let fits = permission(&need.permission).map(|p| match need.on {
                On::User => p.user,
                On::Memberships => p.memberships,
            });
            let message = match fits {
                None => format!(
                    "`{}` is not a GitLab permission this tool knows",
                    need.permission
                ),
                Some(false) => format!(
                    "GitLab's permission `{}` has no {:?} boundary",
                    need.permission, need.on
                ),
                Some(true) => continue,
            };
            return Err(ProfileError::Parse {
                path: origin.to_owned(),
                message,
            });
        }
        // Opened in a browser: an https page only (http on loopback for a local integration).
        if let Some(url) = &profile.settings_url {
            let ok = url::Url::parse(url).is_ok_and(|u| {
                u.scheme() == "https"
                    || (u.scheme() == "http"
                        && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")))
            });
            if !ok {
                return Err(ProfileError::Parse {
                    path: origin.to_owned(),
                    message: format!("settings_url `{url}` is not an https:// address"),
                });
            }
        }
        Ok(profile)
    }

    /// What a fine-grained token for this profile needs: its permissions, and the tool's own
    /// ([`crate::gitlab::granular::FOR_THE_TOOL`]); empty when the profile names none.
    pub fn permission_needs(&self) -> Vec<crate::gitlab::granular::Need> {
        use crate::gitlab::granular::{FOR_THE_TOOL, Need, On};
        if self.permissions.is_empty() {
            return Vec::new();
        }
        let mut needs: Vec<Need> = self
            .permissions
            .iter()
            .map(|p| Need {
                permission: p.permission.clone(),
                on: p.on,
                optional: false,
            })
            .collect();
        for name in FOR_THE_TOOL {
            let held = needs
                .iter()
                .any(|n| n.permission == name && n.on == On::User);
            if !held {
                needs.push(Need {
                    permission: name.to_owned(),
                    on: On::User,
                    optional: crate::gitlab::granular::OPTIONAL_FOR_THE_TOOL.contains(&name),
                });
            }
        }
        needs
    }

    pub fn scope_names(&self) -> Vec<String> {
        self.scopes.iter().map(|s| s.scope.clone()).collect()
    }

    /// A custom profile with the scopes and role the user picked.
    pub fn customised(&self, scopes: &[&str], role: Role) -> Profile {
        let scopes = scopes
            .iter()
            .map(|name| ScopeNeed {
                scope: (*name).to_owned(),
                why: scope_info(name).map_or("", |i| i.grants).to_owned(),
                without: String::new(),
            })
            .collect();
        Profile {
            scopes,
            role,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_the_promised_profiles() {
        let all = Profile::built_in();
        let scanner = &all[0];
        assert_eq!(scanner.role, Role::Reporter);
        assert_eq!(scanner.scope_names(), ["read_api", "read_repository"]);
        let reviewer = Profile::by_id("mr-reviewer").unwrap();
        assert_eq!(reviewer.role, Role::Maintainer);
        assert_eq!(reviewer.scope_names(), ["api", "read_api", "read_user"]);
        assert_eq!(
            Profile::by_id("mr-tracker").unwrap().scope_names(),
            ["read_api"]
        );
        assert!(Profile::by_id("custom").unwrap().custom);
        assert!(matches!(
            Profile::by_id("nope"),
            Err(ProfileError::Unknown(..))
        ));
    }

    /// Every shipped profile (but the custom one) states its needs as fine-grained permissions
    /// too, each one GitLab defines, with why; a profile naming an unknown permission or a
    /// boundary GitLab's definition lacks is refused.
    #[test]
    fn profiles_name_gitlab_permissions_with_why() {
        for p in Profile::built_in().iter().filter(|p| !p.custom) {
            assert!(!p.permissions.is_empty(), "{}", p.id);
            assert!(p.permissions.iter().all(|n| !n.why.is_empty()), "{}", p.id);
            let needs = p.permission_needs();
            for tool in crate::gitlab::granular::FOR_THE_TOOL {
                assert!(needs.iter().any(|n| n.permission == tool), "{}", p.id);
            }
        }
        let scanner = Profile::by_id("repo-scanner").unwrap();
        assert!(
            scanner
                .permissions
                .iter()
                .any(|n| n.permission == "download_code")
        );
        let base = "id='x'\nname='x'\nsummary='x'\nrole='reporter'\n";
        let unknown = format!("{base}[[permissions]]\npermission='read_everything'\nwhy='w'\n");
        assert!(Profile::parse("t", &unknown).is_err());
        let boundary =
            format!("{base}[[permissions]]\npermission='download_code'\non='user'\nwhy='w'\n");
        let err = Profile::parse("t", &boundary).unwrap_err().to_string();
        assert!(err.contains("download_code"), "{err}");
        assert!(
            Profile::by_id("custom")
                .unwrap()
                .permission_needs()
                .is_empty()
        );
    }

    /// doc/user/permissions.md: pulling private code needs Reporter, approving Developer, and
    /// configuring webhooks Maintainer. A profile asks for more than Reporter only for a reason
    /// it states, and never for "approve and merge".
    #[test]
    fn roles_are_the_least_that_do_the_job_and_say_why() {
        for p in Profile::built_in().iter().filter(|p| !p.custom) {
            assert!(
                !p.role_why.is_empty(),
                "{} gives no reason for its role",
                p.id
            );
            assert!(!p.role_why.contains("approve and merge"), "{}", p.id);
            let webhooks = p.role_why.contains("webhook");
            assert_eq!(
                p.role > Role::Reporter,
                webhooks,
                "{}: {}",
                p.id,
                p.role_why
            );
        }
        let reviewer = Profile::by_id("mr-reviewer").unwrap();
        assert!(reviewer.role_why.contains("merge-request events"));
    }

    #[test]
    fn rejects_unknown_scopes() {
        let err = Profile::parse(
            "x",
            "id='x'\nname='x'\nsummary='x'\nrole='reporter'\n[[scopes]]\nscope='write_everything'\nwhy='x'\n",
        );
        assert!(matches!(err, Err(ProfileError::Parse { .. })));
    }
}
