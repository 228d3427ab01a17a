//! What "Create it for me" says of a fine-grained token of the caller's own account
//! (`provision::Kind::OwnToken`): why it is possible, why not, and what GitLab's answer lacked.

use super::provision::GUIDED;
use crate::gitlab::access::Role;
use crate::gitlab::granular_request::Mismatch;

pub fn why_own_token(targets: &[String]) -> String {
    format!(
        "A fine-grained token of your own account, holding only the profile's permissions on {}: \
         no new account is needed. It acts as you, so it stops working if you leave or lose \
         access; a service account outlives you.",
        targets.join(", ")
    )
}

/// doc/api/user_tokens.md: "Create a personal access token" is offered on Self-Managed and
/// Dedicated only.
pub fn own_token_not_on_gitlab_com() -> String {
    format!(
        "GitLab.com does not create personal access tokens through its API: create the \
         fine-grained token on its page, {GUIDED}."
    )
}

pub fn own_token_version(have: Option<(u32, u32)>) -> String {
    let seen = match have {
        Some((major, minor)) => format!("this GitLab is {major}.{minor}"),
        None => "this GitLab's version is not visible".to_owned(),
    };
    format!(
        "Fine-grained tokens are made through GitLab's API from GitLab 19.2; {seen}. Choose \
         another kind, {GUIDED}."
    )
}

pub fn own_token_no_permissions(profile: &str) -> String {
    format!(
        "The profile {profile} names no fine-grained permissions, so a fine-grained token cannot \
         be made for it: choose another kind, {GUIDED}."
    )
}

pub fn own_token_role(path: &str, needed: Role, have: Option<Role>) -> String {
    let have = have.map_or_else(|| "not a member".to_owned(), |r| r.name().to_owned());
    format!(
        "Your own token can do no more than you: the integration needs {} on {path} and you are \
         {have} there. Ask for the role, or choose another kind.",
        needed.name()
    )
}

/// GitLab's record of the new token is not what was asked (then it is revoked).
pub fn own_token_mismatch(m: &Mismatch) -> String {
    match m {
        Mismatch::Missing { permission } => {
            format!("GitLab made the token without {permission} where it was asked for")
        }
        Mismatch::Extra { permission } => {
            format!("GitLab made the token with {permission} beyond what was asked")
        }
    }
}

/// GitLab's record of the new token shows no permissions, or does not say it is fine-grained.
pub const OWN_TOKEN_NOT_FINE_GRAINED: &str =
    "GitLab's answer does not show a fine-grained token with the permissions asked for";

pub fn own_token_other_user(got: u64, caller: u64) -> String {
    format!("GitLab made the token for user {got}, not for you (user {caller})")
}

pub const L_PERMISSIONS: &str = "Permissions";
pub const ROTATES_ITSELF: &str =
    "with rotate_personal_access_token it rotates itself before it expires";

/// The permissions a new fine-grained token is asked for, per boundary, on one line.
pub fn permissions_plan(scopes: &[crate::gitlab::granular_request::NewScope]) -> String {
    use crate::gitlab::granular::Access;
    scopes
        .iter()
        .map(|s| {
            let on = match s.access {
                Access::User => "your account".to_owned(),
                _ => {
                    let n = s.project_ids.len() + s.group_ids.len();
                    format!("the {n} target{}", if n == 1 { "" } else { "s" })
                }
            };
            format!("{} on {on}", s.permissions.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `create`'s line before it starts: the kind and what it is asked for.
pub fn permissions_line(scopes: &[crate::gitlab::granular_request::NewScope]) -> String {
    format!("fine-grained: {}", permissions_plan(scopes))
}

/// The plan's membership line: nothing is added, the token works within your roles.
pub fn roles_kept(targets: &[String]) -> String {
    format!("your own role on {} (nothing is added)", targets.join(", "))
}

/// What a made token holds: its scopes, or a fine-grained token's permissions.
pub fn holds(t: &crate::provision::TokenOutcome) -> String {
    if t.permissions.is_empty() {
        format!("scopes {}", t.scopes.join(", "))
    } else {
        format!("fine-grained: {}", t.permissions.join(", "))
    }
}
