//! What is said of fine-grained tokens: their permissions in validation and status, the choice
//! of kind on the token step, and the fix for what is missing.

use crate::gitlab::granular::{Access, Need, On, Verdict};
use crate::problem::{Problem, ProblemKind};
use crate::validation::granular::Unread;

/// The validation line saying what kind of token it is.
pub const FINE_GRAINED_LINE: &str = "Fine-grained token: judged by its permissions, not scopes";
/// A fine-grained token judged against a profile that names scopes only (custom).
pub const NOT_JUDGED: &str =
    "Permissions not checked: this profile names legacy scopes only (check them on GitLab's page)";

/// Where a permission is needed, in GitLab's words on the token page.
pub fn on(on: On) -> &'static str {
    match on {
        On::Memberships => "groups and projects",
        On::User => "user",
    }
}

fn access(a: &Access) -> &'static str {
    match a {
        Access::User => "user",
        Access::Instance => "instance",
        Access::AllMemberships => "all memberships",
        Access::PersonalProjects => "personal projects",
        Access::SelectedMemberships => "selected memberships",
        Access::Other => "another boundary",
    }
}

/// One permission's validation line.
pub fn verdict_line(v: &Verdict, target: Option<&str>) -> String {
    let need = v.need();
    let head = format!("Permission {} ({})", need.permission, on(need.on));
    match v {
        Verdict::Covered { by, .. } => format!("{head}: present, {}", access(by)),
        Verdict::Missing { .. } if need.permission == "rotate_personal_access_token" => {
            format!("{head}: missing, so gitlab-token cannot rotate it (you will, by hand)")
        }
        Verdict::Missing { .. } if need.optional => {
            format!("{head}: missing (gitlab-token cannot name its account)")
        }
        Verdict::Missing { .. } => format!("{head}: MISSING"),
        Verdict::Outside { .. } => format!(
            "{head}: held, but not on {}",
            target.unwrap_or("the target")
        ),
        Verdict::Unconfirmed { .. } => format!(
            "{head}: held on selected memberships; not confirmed for {}",
            target.unwrap_or("a target (none named)")
        ),
    }
}

/// The line when GitLab did not show the token's permissions.
pub fn scopes_unread(why: &Unread) -> String {
    match why {
        Unread::Api(e) => format!("Permissions: GitLab did not show them ({e})"),
        Unread::NotShown => "Permissions: not shown by this GitLab (it shows a token's \
                             permissions from 19.2); check them on the token's page"
            .into(),
    }
}

/// `read_merge_request (groups and projects), read_user (user)`.
pub fn needs_list(needs: &[Need]) -> String {
    needs
        .iter()
        .map(|n| format!("{} ({})", n.permission, on(n.on)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The problem for permissions that are missing or held outside the target.
pub fn missing(uncovered: &[Need], target: Option<&str>) -> Problem {
    let place = target.map_or(String::new(), |t| {
        format!(", on {t} for groups and projects")
    });
    Problem::new(
        ProblemKind::MissingPermissions,
        format!(
            "The fine-grained token lacks {}{place}.",
            needs_list(uncovered)
        ),
        "Make a new fine-grained token with these permissions (each under the boundary in \
         brackets: \"user\", or the group or project it works on), then paste it; the step \
         before lists every permission with why.",
    )
}

/// `status`'s scopes cell for a fine-grained token: its permissions (each once), or that GitLab
/// did not show them.
pub fn status_cell(permissions: Option<&[crate::gitlab::granular::Scope]>) -> String {
    let Some(scopes) = permissions else {
        return "fine-grained (permissions not shown before GitLab 19.2)".into();
    };
    let mut names: Vec<&str> = scopes
        .iter()
        .flat_map(|s| s.permissions.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    format!("fine-grained: {}", names.join(", "))
}
