//! What a new fine-grained token is asked for with (`granular_scopes` of a create call), and
//! whether GitLab's answer holds exactly that.
//!
//! Source (mirror `gitlabhq/gitlabhq`): `lib/api/helpers/personal_access_tokens_helpers.rb`
//! (`granular_scope_params`: each entry `access`, `permissions`, `project_ids`, `group_ids`;
//! `selected_memberships_attrs` makes one scope per group or project named, on its boundary,
//! and answers 404 when the caller is not a member of one; `personal_projects` is the caller's
//! own namespace; `create_granular_token` refuses a fine-grained calling token more than it
//! holds, `Authz::Tokens::PrivilegeEscalationCheck`).

use serde::Serialize;

use super::granular::{Access, Need, On, Scope};

/// One `granular_scopes` entry of a create call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewScope {
    pub access: Access,
    pub permissions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub project_ids: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_ids: Vec<u64>,
}

/// The narrowest scopes for `needs` on these targets: the `user` permissions in one `user`
/// scope, the membership permissions in one `selected_memberships` scope naming exactly the
/// target projects and groups (never all memberships). Optional needs are asked for too: they
/// are the tool's own (reading the account, rotating itself).
pub fn scopes_for(needs: &[Need], projects: &[u64], groups: &[u64]) -> Vec<NewScope> {
    let names = |on: On| -> Vec<String> {
        let mut v: Vec<String> = needs
            .iter()
            .filter(|n| n.on == on)
            .map(|n| n.permission.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut scopes = Vec::new();
    let user = names(On::User);
    if !user.is_empty() {
        scopes.push(NewScope {
            access: Access::User,
            permissions: user,
            project_ids: Vec::new(),
            group_ids: Vec::new(),
        });
    }
    let memberships = names(On::Memberships);
    let has_targets = !projects.is_empty() || !groups.is_empty();
    if !memberships.is_empty() && has_targets {
        scopes.push(NewScope {
            access: Access::SelectedMemberships,
            permissions: memberships,
            project_ids: projects.to_vec(),
            group_ids: groups.to_vec(),
        });
    }
    scopes
}

/// How GitLab's record of a new token differs from what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// An asked permission is not held where it was asked for.
    Missing { permission: String },
    /// The token holds more than was asked: a boundary or a permission nobody asked for.
    Extra { permission: String },
}

/// Whether `got` (GitLab's `granular_scopes`, one entry per group or project) is exactly
/// `asked`: every asked permission on every asked boundary, nothing more.
pub fn compare(asked: &[NewScope], got: &[Scope]) -> Result<(), Mismatch> {
    // What was asked, flattened as GitLab stores it: (access, project, group, permission).
    let mut want: Vec<(Access, Option<u64>, Option<u64>, &str)> = Vec::new();
    for s in asked {
        for p in &s.permissions {
            if s.access == Access::SelectedMemberships {
                want.extend(
                    s.project_ids
                        .iter()
                        .map(|id| (s.access.clone(), Some(*id), None, p.as_str())),
                );
                want.extend(
                    s.group_ids
                        .iter()
                        .map(|id| (s.access.clone(), None, Some(*id), p.as_str())),
                );
            } else {
                want.push((s.access.clone(), None, None, p.as_str()));
            }
        }
    }
    let held = |a: &Access, project: Option<u64>, group: Option<u64>, p: &str| {
        got.iter().any(|s| {
            &s.access == a
                && s.permissions.iter().any(|x| x == p)
                && (*a != Access::SelectedMemberships
                    || (s.project_id == project && s.group_id == group))
        })
    };
    if let Some((_, _, _, p)) = want.iter().find(|(a, pr, g, p)| !held(a, *pr, *g, p)) {
        return Err(Mismatch::Missing {
            permission: (*p).to_owned(),
        });
    }
    for s in got {
        for p in &s.permissions {
            let asked_for = want.iter().any(|(a, pr, g, w)| {
                a == &s.access
                    && w == p
                    && (*a != Access::SelectedMemberships
                        || (*pr == s.project_id && *g == s.group_id))
            });
            if !asked_for {
                return Err(Mismatch::Extra {
                    permission: p.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(p: &str, on: On, optional: bool) -> Need {
        Need {
            permission: p.into(),
            on,
            optional,
        }
    }

    fn got(access: Access, perms: &[&str], project: Option<u64>, group: Option<u64>) -> Scope {
        Scope {
            access,
            permissions: perms.iter().map(|p| (*p).to_owned()).collect(),
            project_id: project,
            group_id: group,
        }
    }

    #[test]
    fn user_and_membership_permissions_go_to_their_own_boundaries() {
        let needs = [
            need("download_code", On::Memberships, false),
            need("read_personal_access_token", On::User, false),
            need("rotate_personal_access_token", On::User, true),
        ];
        let s = scopes_for(&needs, &[7], &[3]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].access, Access::User);
        assert_eq!(
            s[0].permissions,
            ["read_personal_access_token", "rotate_personal_access_token"]
        );
        assert_eq!(s[1].access, Access::SelectedMemberships);
        assert_eq!(
            (s[1].project_ids.as_slice(), s[1].group_ids.as_slice()),
            (&[7][..], &[3][..])
        );
        let body = serde_json::to_value(&s).unwrap();
        assert_eq!(
            body[0],
            serde_json::json!({"access": "user", "permissions": ["read_personal_access_token", "rotate_personal_access_token"]})
        );
        assert_eq!(body[1]["access"], "selected_memberships");
        // No target: no memberships scope (never all memberships).
        assert_eq!(scopes_for(&needs, &[], &[]).len(), 1);
    }

    #[test]
    fn the_answer_must_hold_exactly_what_was_asked() {
        let asked = scopes_for(
            &[
                need("download_code", On::Memberships, false),
                need("read_user", On::User, true),
            ],
            &[7],
            &[3],
        );
        let exact = [
            got(Access::User, &["read_user"], None, None),
            got(
                Access::SelectedMemberships,
                &["download_code"],
                Some(7),
                None,
            ),
            got(
                Access::SelectedMemberships,
                &["download_code"],
                None,
                Some(3),
            ),
        ];
        assert_eq!(compare(&asked, &exact), Ok(()));
        // One target left out.
        assert_eq!(
            compare(&asked, &exact[..2]),
            Err(Mismatch::Missing {
                permission: "download_code".into()
            })
        );
        // All memberships instead of the two targets: more than asked.
        let wide = [
            exact[0].clone(),
            exact[1].clone(),
            exact[2].clone(),
            got(Access::AllMemberships, &["download_code"], None, None),
        ];
        assert!(matches!(
            compare(&asked, &wide),
            Err(Mismatch::Extra { .. })
        ));
        let extra = [
            got(Access::User, &["read_user", "create_work_item"], None, None),
            exact[1].clone(),
            exact[2].clone(),
        ];
        assert_eq!(
            compare(&asked, &extra),
            Err(Mismatch::Extra {
                permission: "create_work_item".into()
            })
        );
    }
}
