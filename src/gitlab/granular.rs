//! Fine-grained ("granular") personal access tokens: GitLab's permissions the tool knows, the
//! token's `granular_scopes` as GitLab answers them, and whether they cover what is needed.
//!
//! Sources (mirror `gitlabhq/gitlabhq`): permission definitions
//! `config/authz/permission_groups/assignable_permissions/<category>/<resource>/<action>.yml`
//! (@55eb439: `name`, `boundaries`); the answer `lib/api/entities/personal_access_token.rb` and
//! `personal_access_token_granular_scope.rb` (@41946e6: `granular`, and `granular_scopes` of
//! `access`, `permissions`, `project_id` or `group_id`, only where the endpoint passes
//! `with_granular_scopes`: the list, `GET /personal_access_tokens/:id` and rotate by id, not
//! `/self`, `lib/api/personal_access_tokens.rb` @e2e5ea3); what covers what
//! `app/models/authz/granular_scope.rb` (a `:user` or `:instance` route needs a scope of that
//! access; a `:project` or `:group` route a scope of `all_memberships`, or of
//! `selected_memberships` / `personal_projects` on the namespace or one of its ancestors).

use serde::{Deserialize, Serialize};

use super::version::Version;

/// Fine-grained tokens are generally available from 19.2 (beta from 18.10 behind the
/// `granular_personal_access_tokens` flag): `doc/auth/tokens/fine_grained_access_tokens.md`.
pub const GENERALLY_AVAILABLE: Version = (19, 2);

/// Whether GitLab at `version` makes fine-grained tokens for everyone (unknown: not assumed).
pub fn available(version: Option<Version>) -> bool {
    version.is_some_and(|v| v >= GENERALLY_AVAILABLE)
}

/// Whether a new token may be fine-grained, and which kind comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// GitLab 19.2+ (GitLab.com included): fine-grained first, legacy on request.
    First,
    /// The version is unknown: legacy first, fine-grained on request (if it is 19.2+).
    OnRequest,
    /// Legacy only.
    No(Why),
}

/// Why a fine-grained token is not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// GitLab before 19.2 (the beta of 18.10 - 19.1 is behind a flag).
    Version(Version),
    /// The profile names scopes only (a custom one).
    NoPermissions,
    /// A service account's token: GitLab's API takes scopes only for it
    /// (lib/api/group_service_accounts.rb, project_service_accounts.rb: `requires :scopes`).
    ServiceAccount,
}

/// What to offer for a token of the person's own account (`own`) or a service account's.
pub fn offer(version: Option<Version>, has_permissions: bool, own: bool) -> Offer {
    match (version, has_permissions, own) {
        (_, _, false) => Offer::No(Why::ServiceAccount),
        (_, false, _) => Offer::No(Why::NoPermissions),
        (Some(v), _, _) if v < GENERALLY_AVAILABLE => Offer::No(Why::Version(v)),
        (Some(_), _, _) => Offer::First,
        (None, _, _) => Offer::OnRequest,
    }
}

/// What a route checks a permission on (`route_setting :authorization, boundary_type:`), and so
/// which kind of scope in the token must hold it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum On {
    /// A project or group route: a memberships scope covering it.
    #[default]
    Memberships,
    /// A `:user` route (`GET /user`, `GET /projects`, the token's own record): a `user` scope.
    User,
}

/// One permission GitLab defines, as its definition file names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub name: &'static str,
    /// The definition's `boundaries` that a memberships scope can use (`project`, `group`).
    pub memberships: bool,
    /// `user` is among its boundaries.
    pub user: bool,
    /// Its definition file, under `config/authz/permission_groups/assignable_permissions/`.
    pub source: &'static str,
}

/// The permissions the shipped profiles and the tool itself use (all defined at 19.2).
pub const KNOWN: &[Permission] = &[
    perm("read_project", true, true, "projects/project/read.yml"),
    perm("read_group", true, true, "groups/group/read.yml"),
    perm(
        "read_repository",
        true,
        false,
        "repository/repository/read.yml",
    ),
    perm("download_code", true, false, "repository/code/download.yml"),
    perm(
        "read_merge_request",
        true,
        true,
        "repository/merge_request/read.yml",
    ),
    perm(
        "create_merge_request",
        true,
        false,
        "repository/merge_request/create.yml",
    ),
    perm(
        "approve_merge_request",
        true,
        false,
        "repository/merge_request/approve.yml",
    ),
    perm("read_pipeline", true, true, "ci_cd/pipeline/read.yml"),
    perm("read_webhook", true, false, "integrations/webhook/read.yml"),
    perm(
        "create_webhook",
        true,
        false,
        "integrations/webhook/create.yml",
    ),
    perm(
        "read_work_item",
        true,
        true,
        "project_planning/work_item/read.yml",
    ),
    perm(
        "create_work_item",
        true,
        false,
        "project_planning/work_item/create.yml",
    ),
    perm("read_user", false, true, "system_access/user/read.yml"),
    perm(
        "read_personal_access_token",
        false,
        true,
        "system_access/personal_access_token/read.yml",
    ),
    perm(
        "rotate_personal_access_token",
        false,
        true,
        "system_access/personal_access_token/rotate.yml",
    ),
];

const fn perm(
    name: &'static str,
    memberships: bool,
    user: bool,
    source: &'static str,
) -> Permission {
    Permission {
        name,
        memberships,
        user,
        source,
    }
}

/// The definition of `name`, if the tool knows it.
pub fn permission(name: &str) -> Option<&'static Permission> {
    KNOWN.iter().find(|p| p.name == name)
}

/// What gitlab-token itself needs of a fine-grained token, on a `user` scope: its own record
/// (`GET /personal_access_tokens/self`, lib/api/personal_access_tokens/self_information.rb),
/// its account (`GET /user`, lib/api/users.rb) and its renewal (`POST .../self/rotate`,
/// lib/api/personal_access_tokens/self_rotation.rb).
pub const FOR_THE_TOOL: [&str; 3] = [
    "read_personal_access_token",
    "read_user",
    "rotate_personal_access_token",
];

/// Of [`FOR_THE_TOOL`], those a token may lack (`read_personal_access_token` it may not: without
/// it GitLab refuses the token its own record, and nothing can be checked).
pub const OPTIONAL_FOR_THE_TOOL: [&str; 2] = ["read_user", "rotate_personal_access_token"];

/// The boundary of one scope (`Authz::GranularScope::Access::LEVELS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    User,
    Instance,
    AllMemberships,
    PersonalProjects,
    SelectedMemberships,
    /// A boundary newer than this tool: covers nothing it checks.
    #[serde(other)]
    Other,
}

/// One entry of a token's `granular_scopes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub access: Access,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub project_id: Option<u64>,
    #[serde(default)]
    pub group_id: Option<u64>,
}

/// The ids of what a membership permission is checked on: the target (a project or a group)
/// and the groups above it, as GitLab answered them; `personal` when it lies in the token
/// user's own namespace; `complete` when every group up to the top was learnt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub project: Option<u64>,
    pub groups: Vec<u64>,
    pub personal: bool,
    pub complete: bool,
    /// A permission GitLab refused this very token on the target (403
    /// `insufficient_granular_scope`): no scope holding it reaches the target.
    pub refused: Option<String>,
}

/// A needed permission, where it is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub permission: String,
    pub on: On,
    /// Worth having, not needed: without it the tool does less (rotates by hand, cannot name
    /// the account), as a legacy token without `api` or `read_user` does.
    pub optional: bool,
}

/// How one needed permission stands in the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Covered {
        need: Need,
        by: Access,
    },
    /// In no scope of the right kind.
    Missing {
        need: Need,
    },
    /// Held, but only on boundaries that leave the target out.
    Outside {
        need: Need,
    },
    /// Held on selected memberships, but the target's ids were not learnt to compare.
    Unconfirmed {
        need: Need,
    },
}

impl Verdict {
    pub fn need(&self) -> &Need {
        match self {
            Verdict::Covered { need, .. }
            | Verdict::Missing { need }
            | Verdict::Outside { need }
            | Verdict::Unconfirmed { need } => need,
        }
    }
}

/// Judges each need against the token's scopes; `place` is the target's ids (`None`: no target
/// named, or its ids unknown).
pub fn judge(needs: &[Need], scopes: &[Scope], place: Option<&Place>) -> Vec<Verdict> {
    needs
        .iter()
        .map(|need| judge_one(need, scopes, place))
        .collect()
}

fn judge_one(need: &Need, scopes: &[Scope], place: Option<&Place>) -> Verdict {
    let holding: Vec<&Scope> = scopes
        .iter()
        .filter(|s| s.permissions.contains(&need.permission))
        .collect();
    let need = need.clone();
    match need.on {
        On::User => match holding.iter().find(|s| s.access == Access::User) {
            Some(_) => Verdict::Covered {
                need,
                by: Access::User,
            },
            None => Verdict::Missing { need },
        },
        On::Memberships => {
            let memberships: Vec<&&Scope> = holding
                .iter()
                .filter(|s| {
                    matches!(
                        s.access,
                        Access::AllMemberships
                            | Access::SelectedMemberships
                            | Access::PersonalProjects
                    )
                })
                .collect();
            if memberships.is_empty() {
                return Verdict::Missing { need };
            }
            if memberships
                .iter()
                .any(|s| s.access == Access::AllMemberships)
            {
                return Verdict::Covered {
                    need,
                    by: Access::AllMemberships,
                };
            }
            let Some(place) = place else {
                return Verdict::Unconfirmed { need };
            };
            for s in &memberships {
                let covers = match s.access {
                    Access::PersonalProjects => place.personal,
                    _ => {
                        (s.project_id.is_some() && s.project_id == place.project)
                            || s.group_id.is_some_and(|g| place.groups.contains(&g))
                    }
                };
                if covers {
                    return Verdict::Covered {
                        need,
                        by: s.access.clone(),
                    };
                }
            }
            let refused = |s: &Scope| {
                place
                    .refused
                    .as_ref()
                    .is_some_and(|r| s.permissions.contains(r))
            };
            if place.complete || memberships.iter().all(|s| refused(s)) {
                Verdict::Outside { need }
            } else {
                Verdict::Unconfirmed { need }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(p: &str, on: On) -> Need {
        Need {
            permission: p.into(),
            on,
            optional: false,
        }
    }

    fn scope(access: Access, perms: &[&str], project: Option<u64>, group: Option<u64>) -> Scope {
        Scope {
            access,
            permissions: perms.iter().map(|p| (*p).to_owned()).collect(),
            project_id: project,
            group_id: group,
        }
    }

    /// app/models/authz/granular_scope.rb: a `:user` route needs a `user` scope (all
    /// memberships is excluded from `for_standalone`); a project route a memberships scope on
    /// the project or an ancestor group, or all memberships.
    #[test]
    fn boundaries_cover_as_gitlab_checks_them() {
        let place = Place {
            project: Some(7),
            groups: vec![3, 1],
            personal: false,
            complete: true,
            refused: None,
        };
        let needs = [
            need("read_user", On::User),
            need("read_merge_request", On::Memberships),
        ];
        let all = [scope(
            Access::AllMemberships,
            &["read_user", "read_merge_request"],
            None,
            None,
        )];
        let v = judge(&needs, &all, Some(&place));
        assert!(matches!(v[0], Verdict::Missing { .. }), "{v:?}");
        assert!(matches!(
            v[1],
            Verdict::Covered {
                by: Access::AllMemberships,
                ..
            }
        ));

        let on_group = [scope(
            Access::SelectedMemberships,
            &["read_merge_request"],
            None,
            Some(1),
        )];
        assert!(matches!(
            judge(&needs[1..], &on_group, Some(&place))[0],
            Verdict::Covered { .. }
        ));
        let elsewhere = [scope(
            Access::SelectedMemberships,
            &["read_merge_request"],
            Some(8),
            Some(9),
        )];
        assert!(matches!(
            judge(&needs[1..], &elsewhere, Some(&place))[0],
            Verdict::Outside { .. }
        ));
        let partial = Place {
            complete: false,
            ..place.clone()
        };
        assert!(matches!(
            judge(&needs[1..], &elsewhere, Some(&partial))[0],
            Verdict::Unconfirmed { .. }
        ));
        assert!(matches!(
            judge(&needs[1..], &elsewhere, None)[0],
            Verdict::Unconfirmed { .. }
        ));
        // GitLab refused this token read_project on the target: a scope holding it misses it.
        let refused = Place {
            refused: Some("read_project".into()),
            ..Place::default()
        };
        let with_project = [scope(
            Access::SelectedMemberships,
            &["read_project", "read_merge_request"],
            None,
            Some(9),
        )];
        assert!(matches!(
            judge(&needs[1..], &with_project, Some(&refused))[0],
            Verdict::Outside { .. }
        ));
        assert!(matches!(
            judge(&needs[1..], &elsewhere, Some(&refused))[0],
            Verdict::Unconfirmed { .. }
        ));
        let personal = [scope(
            Access::PersonalProjects,
            &["read_merge_request"],
            None,
            None,
        )];
        assert!(matches!(
            judge(&needs[1..], &personal, Some(&place))[0],
            Verdict::Outside { .. }
        ));
        let user = [scope(Access::User, &["read_user"], None, None)];
        assert!(matches!(
            judge(&needs[..1], &user, None)[0],
            Verdict::Covered {
                by: Access::User,
                ..
            }
        ));
    }

    #[test]
    fn gitlab_answers_parse_and_unknown_boundaries_cover_nothing() {
        let s: Vec<Scope> = serde_json::from_str(
            r#"[{"access":"selected_memberships","permissions":["read_project"],"project_id":5},
                {"access":"galaxy","permissions":["read_user"]}]"#,
        )
        .unwrap();
        assert_eq!(s[0].project_id, Some(5));
        assert_eq!(s[1].access, Access::Other);
        assert!(matches!(
            judge(&[need("read_user", On::User)], &s, None)[0],
            Verdict::Missing { .. }
        ));
        assert!(available(Some((19, 2))) && !available(Some((19, 1))) && !available(None));
    }
}
