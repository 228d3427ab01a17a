//! The words for GitLab's answers that `create` refused because they were not what it asked
//! (`provision::trust`).

use crate::provision::{AccountDoubt, Unasked};

/// What in the token's answer was not asked.
pub fn unasked(u: &Unasked) -> String {
    match u {
        Unasked::OtherUser {
            got,
            expected: Some(e),
        } => format!("GitLab answered with a token of user {got}, not of the account (user {e})"),
        Unasked::OtherUser {
            got,
            expected: None,
        } => format!("GitLab answered with a token of user {got} (you), not of a new bot"),
        Unasked::Scopes { asked, got } => format!(
            "GitLab made the token with the scopes {}, not the ones asked ({})",
            list(got),
            list(asked)
        ),
        Unasked::NotBot { username } => {
            format!("the token belongs to {username}, a person, not a service account or bot")
        }
    }
}

fn list(s: &[String]) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s.join(", ")
    }
}

/// The account's answer refused before any membership.
pub fn account_not_asked(id: u64, username: &str, why: &AccountDoubt) -> String {
    let what = match why {
        AccountDoubt::OtherUsername { asked } => {
            format!("it has another username than the one asked ({asked})")
        }
        AccountDoubt::Caller => "it is your own account".into(),
        AccountDoubt::NotBot => "GitLab shows a person there, not a service account".into(),
        AccountDoubt::OtherUser { got } => format!("GitLab shows user {got} under its id"),
        AccountDoubt::Unread(e) => format!("it could not be read back ({e})"),
    };
    format!(
        "GitLab's answer for the service account names {username} (user {id}), and {what}: it \
         was given no membership and nothing was stored. Check the account on GitLab, then run \
         again."
    )
}

/// A token of another user handed back: nothing stored, the token left alone.
pub fn token_not_ours(why: &str, page: &str) -> String {
    format!(
        "{why}; nothing was saved, and that token was not revoked (it is not this run's). Check \
         the account's tokens at {page} and revoke any it does not need, then run again."
    )
}
