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

/// The problem for permissions that are missing or held outside the target: the fix names
/// each one with its boundary (the wizard shows only the fix).
pub fn missing(uncovered: &[Need], target: Option<&str>) -> Problem {
    let place = target.map_or(String::new(), |t| {
        format!(", on {t} for groups and projects")
    });
    let list = needs_list(uncovered);
    Problem::new(
        ProblemKind::MissingPermissions,
        format!("The fine-grained token lacks {list}{place}."),
        format!(
            "Make a new fine-grained token that also has {list}{place} (the token step lists \
             every permission, w says why), then paste it."
        ),
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

/// The token step's intro for a fine-grained token.
pub const GENERATE_INTRO: &str = "Open GitLab's fine-grained token page. It prefills nothing: enter \
     the name, add each permission below under its boundary, set the expiry date, then Create \
     token and copy it.";

/// The token step's line saying which kind is made, and why.
pub fn kind_line(fine_grained: bool, offer: crate::gitlab::granular::Offer) -> String {
    use crate::gitlab::granular::{Offer, Why};
    if fine_grained {
        return "Kind:   fine-grained (least privilege: only the permissions below; k: legacy)"
            .into();
    }
    let why = match offer {
        Offer::First => "k: fine-grained, least privilege".to_owned(),
        Offer::OnRequest => "fine-grained needs GitLab 19.2+: k if yours is".to_owned(),
        Offer::No(Why::Version(v)) => format!(
            "GitLab {} predates fine-grained tokens, GA in 19.2",
            crate::gitlab::version::display(v)
        ),
        Offer::No(Why::NoPermissions) => "a custom profile names scopes".to_owned(),
        Offer::No(Why::ServiceAccount) => {
            "GitLab makes a service account's tokens with scopes".to_owned()
        }
    };
    format!("Kind:   legacy scopes ({why})")
}

/// The heading of one boundary's permissions on the token step.
pub fn boundary_heading(on: On, target: Option<&str>) -> String {
    match (on, target) {
        (On::User, _) => "User:   ".into(),
        (On::Memberships, Some(t)) => format!("Groups and projects, selected: {t}: "),
        (On::Memberships, None) => "Groups and projects, all memberships: ".into(),
    }
}

/// Why gitlab-token itself asks for one of `granular::FOR_THE_TOOL`.
pub fn tool_why(permission: &str) -> &'static str {
    match permission {
        "read_personal_access_token" => "lets gitlab-token check the token (its own record)",
        "read_user" => "lets gitlab-token name the token's account",
        "rotate_personal_access_token" => "lets gitlab-token rotate it before it expires",
        _ => "",
    }
}

/// `w`'s heading over the permissions with why.
pub const WHY_HEADING: &str = "Why each permission (w hides this):";
