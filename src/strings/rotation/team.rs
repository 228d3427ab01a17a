//! What the rotation of a team token (held by the team's Vault, under its lease) says, and what
//! to do: the lease held by another machine, a new value lost or not stored, an answer that is
//! not the token asked about, a rotation another machine did.

use crate::problem::{Problem, ProblemKind};
use crate::rotation::kind;
use crate::rotation::trouble::Unasked;
use crate::vault::kv::KvError;

/// How to replace a team token by hand: made on GitLab, stored for every machine with `add`.
pub fn team_guided_fix(host: &str, name: &str) -> String {
    format!(
        "Create a replacement on GitLab from the link below (or the token's page), then store it for \
         the whole team: `gitlab-token add --host {host} --name {name} --store vault` with the new \
         token on standard input; every machine then reads it from Vault."
    )
}

/// The team store failed; a lease another machine still holds is "busy", as the local lock.
pub fn team_store(e: &KvError) -> Problem {
    let mut p = crate::strings::vault_kv::problem(e);
    if matches!(e, KvError::LeaseHeld { .. }) {
        p.kind = kind::BUSY;
        p.message = format!("{} Nothing was rotated here.", p.message);
    }
    p
}

pub fn team_lost(account: &str, old_id: u64, midway: bool, host: &str, name: &str) -> Problem {
    let what = if midway {
        format!(
            "A rotation of {account} that stopped midway (another run, on this or another machine) \
             reached GitLab"
        )
    } else {
        format!("GitLab rotated {account}")
    };
    Problem::new(
        kind::NEW_TOKEN_LOST,
        format!(
            "{what}: the old token (id {old_id}) is revoked by GitLab, and the new token's value \
             never reached Vault, so it is lost and {account} no longer works. It is marked as \
             expired in Vault. Rotating again is not possible (it would need the old token)."
        ),
        team_guided_fix(host, name),
    )
}

pub fn team_not_saved(account: &str, why: &str, revealed: bool) -> Problem {
    let shown = if revealed {
        "The new token was shown above: store it now with `gitlab-token add --store vault` \
         (same --host and --name)."
    } else {
        "The new token could not be shown (no terminal), so it is lost: create a replacement by \
         hand."
    };
    Problem::new(
        kind::NEW_TOKEN_NOT_SAVED,
        format!(
            "GitLab rotated {account} (the old token is revoked), but Vault would not take the new \
             value ({why}). {shown}"
        ),
        "Fix what Vault said above, then store the token with `gitlab-token add --store vault`; \
         the next `gitlab-token rotate` on any machine finds the rotation unfinished and says \
         what is left.",
    )
}

pub fn answer_not_asked(account: &str, what: &Unasked) -> Problem {
    let how = match what {
        Unasked::User { asked, got } => {
            format!("it belongs to user {got}, the old token to user {asked}")
        }
        Unasked::Scopes { asked, got } => format!(
            "its scopes are {}, the old token's {}",
            got.join(", "),
            asked.join(", ")
        ),
        Unasked::Kind { fine_grained: true } => {
            "it is a fine-grained token, the old one a legacy token".to_owned()
        }
        Unasked::Kind {
            fine_grained: false,
        } => "it is a legacy token, the old one fine-grained".to_owned(),
        Unasked::Inactive => "it is not active".to_owned(),
    };
    Problem::new(
        ProblemKind::AnswerNotAsked,
        format!(
            "GitLab's answer to rotating {account} is not the token that was rotated ({how}); it \
             was not stored."
        ),
        "Check that the address is your GitLab and not a proxy; see the lines below for the old \
         token.",
    )
}

pub fn rotated_elsewhere(account: &str, token_id: u64, expires: &str) -> String {
    format!(
        "{account} was rotated meanwhile by another run: its new token (id {token_id}, expires \
         {expires}) is in Vault and works. Nothing was rotated here."
    )
}

pub fn team_resumed(account: &str, holder: &str) -> String {
    format!(
        "A rotation of {account} by {holder} stopped before it reached GitLab (the old token still \
         works); rotating it now."
    )
}

/// `--replace` and the owner path are for tokens on this machine.
pub const TEAM_ONLY_AUTOMATIC: &str = "a team token (held by the team's Vault) is rotated by \
     `gitlab-token rotate` itself, under the Vault lease; --replace and the owner path work on \
     this machine's tokens only: store a replacement made by hand with `gitlab-token add --store \
     vault` (same --host and --name)";
