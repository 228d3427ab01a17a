//! How a stored token gets its next value, decided from its stored facts alone (no network):
//! the typed answer `status`, the Done screens, the summaries and `rotate`'s failures word
//! (`strings::rotation::renewal_*`), so none of them offers a command that cannot work.

use serde::Serialize;

use crate::provision::Kind;
use crate::vault::StoredToken;

/// How a token is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "kind")]
pub enum Renewal {
    /// It has `api` or `self_rotate`: `rotate` (and the daily schedule) rotates it by itself.
    ItSelf,
    /// A browser sign-in: it refreshes itself when used.
    Refreshes,
    /// Made by `create` without a scope to rotate itself: its account's rotate endpoint, with an
    /// Owner's (or an administrator's) authorization each time (`rotate --owner-token-stdin`,
    /// `--owner NAME`, `--oauth-app-id ID`).
    WithOwner(Kind),
    /// Only a replacement made by hand (`setup --replace`, or `rotate --replace`).
    ByHand,
}

/// GitLab rotates a token by itself when it has one of these (doc/api/personal_access_tokens.md:
/// `POST /personal_access_tokens/self/rotate` needs `api` or, from 17.9, `self_rotate`).
pub fn rotates_itself(scopes: &[String]) -> bool {
    scopes.iter().any(|s| s == "api" || s == "self_rotate")
}

impl Renewal {
    /// `entry`'s way to its next value, from its stored scopes and how it was made.
    pub fn of(entry: &StoredToken) -> Renewal {
        if entry.is_oauth() {
            Renewal::Refreshes
        } else if rotates_itself(&entry.scopes) {
            Renewal::ItSelf
        } else if let Some(made) = &entry.provisioned {
            Renewal::WithOwner(made.kind)
        } else {
            Renewal::ByHand
        }
    }

    /// How a token "Create it for me" just made is renewed: by itself with `self_rotate` (or
    /// `api`), else through its account with an Owner's say.
    pub fn of_made(o: &crate::provision::Outcome) -> Renewal {
        if rotates_itself(&o.token.scopes) {
            Renewal::ItSelf
        } else {
            Renewal::WithOwner(o.account.kind)
        }
    }

    /// The daily schedule (`rotate --scheduled`, no person, no owner) renews it.
    pub fn unattended(self) -> bool {
        matches!(self, Renewal::ItSelf | Renewal::Refreshes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_follows_scopes_and_origin() {
        let mut e: StoredToken = toml::from_str(
            r#"account = "a@h"
host = "h"
url = "https://h"
name = "a"
profile = "custom"
store = "file"
username = "bot"
user_id = 1
token_id = 2
token_name = "t"
scopes = ["read_api"]
verified_at = ""
"#,
        )
        .unwrap();
        assert_eq!(Renewal::of(&e), Renewal::ByHand);
        e.scopes.push("self_rotate".into());
        assert_eq!(Renewal::of(&e), Renewal::ItSelf);
        assert!(Renewal::of(&e).unattended());
        e.scopes = vec!["read_api".into()];
        e.provisioned = Some(crate::provision::Provisioned {
            kind: Kind::ProjectToken,
            account_id: 1,
            account_username: "bot".into(),
            lives_in: Some("g/p".into()),
            lives_in_id: Some(3),
            token_id: 2,
            targets: vec![],
            created_at: String::new(),
        });
        assert_eq!(Renewal::of(&e), Renewal::WithOwner(Kind::ProjectToken));
        assert!(!Renewal::of(&e).unattended());
    }
}
