//! How a stored token gets its next value, decided from its stored facts alone (no network):
//! the typed answer `status`, the Done screens, the summaries and `rotate`'s failures word
//! (`strings::rotation::renewal_*`), so none of them offers a command that cannot work.

use serde::Serialize;

use crate::vault::StoredToken;
use crate::vault::records::Kind;

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
        } else if may_rotate_itself(
            entry.fine_grained,
            entry.permissions.as_deref(),
            &entry.scopes,
        ) {
            Renewal::ItSelf
        } else if let Some(made) = &entry.provisioned {
            Renewal::WithOwner(made.kind)
        } else {
            Renewal::ByHand
        }
    }

    /// How a token just validated (`info`, its permissions read) is renewed: by itself, or by
    /// hand.
    pub fn of_token(info: &crate::gitlab::types::TokenInfo) -> Renewal {
        if may_rotate_itself(info.granular, info.granular_scopes.as_deref(), &info.scopes) {
            Renewal::ItSelf
        } else {
            Renewal::ByHand
        }
    }

    /// How a token "Create it for me" just made (of `kind`, with `scopes`) is renewed: by
    /// itself with `self_rotate` (or `api`), else through its account with an Owner's say
    /// (`provision::Outcome::renewal`).
    pub fn of_made(kind: Kind, scopes: &[String]) -> Renewal {
        // Your own fine-grained token is made with rotate_personal_access_token (and GitLab's
        // record was checked to hold it: provision::own::confirm).
        if kind == Kind::OwnToken || rotates_itself(scopes) {
            Renewal::ItSelf
        } else {
            Renewal::WithOwner(kind)
        }
    }

    /// The daily schedule (`rotate --scheduled`, no person, no owner) renews it.
    pub fn unattended(self) -> bool {
        matches!(self, Renewal::ItSelf | Renewal::Refreshes)
    }
}

/// A legacy token rotates itself with `api` or `self_rotate`; a fine-grained one with
/// `rotate_personal_access_token` on its `user` scope (lib/api/personal_access_tokens/
/// self_rotation.rb). Where GitLab did not show its permissions (before 19.2) the rotation is
/// tried: a refusal leads to the guided path (`automatic::can_rotate_itself`).
pub fn may_rotate_itself(
    fine_grained: bool,
    permissions: Option<&[crate::gitlab::granular::Scope]>,
    scopes: &[String],
) -> bool {
    use crate::gitlab::granular::{Need, On, Verdict, judge};
    if !fine_grained {
        return rotates_itself(scopes);
    }
    let need = Need {
        permission: "rotate_personal_access_token".into(),
        on: On::User,
        optional: true,
    };
    permissions.is_none_or(|s| matches!(judge(&[need], s, None)[0], Verdict::Covered { .. }))
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
        // A fine-grained token: by its rotate permission on a `user` scope (tried when GitLab
        // showed no permissions).
        let mut fine = StoredToken {
            fine_grained: true,
            scopes: Vec::new(),
            ..e.clone()
        };
        assert_eq!(Renewal::of(&fine), Renewal::ItSelf);
        let scope = |access: &str, p: &str| -> crate::gitlab::granular::Scope {
            serde_json::from_value(serde_json::json!({"access": access, "permissions": [p]}))
                .unwrap()
        };
        fine.permissions = Some(vec![scope(
            "all_memberships",
            "rotate_personal_access_token",
        )]);
        assert_eq!(Renewal::of(&fine), Renewal::ByHand);
        fine.permissions = Some(vec![scope("user", "rotate_personal_access_token")]);
        assert_eq!(Renewal::of(&fine), Renewal::ItSelf);
        e.scopes.push("self_rotate".into());
        assert_eq!(Renewal::of(&e), Renewal::ItSelf);
        assert!(Renewal::of(&e).unattended());
        e.scopes = vec!["read_api".into()];
        e.provisioned = Some(crate::vault::records::Provisioned {
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
