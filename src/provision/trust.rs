//! GitLab's answers checked against what `create` asked: the account (a bot, with the username
//! asked, never the caller) before it gets a membership, the token (the account's, with exactly
//! the scopes asked) before it is stored. Pure, but for the one read of the account.

use super::Kind;
use super::steps::Account;
use crate::gitlab::types::{TokenInfo, User};
use crate::gitlab::{ApiError, Client};
use crate::token::Token;

/// What in the token's answer was not asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unasked {
    /// The token belongs to user `got`, not to the account it was made for (`expected`; `None`
    /// for an access token's new bot, which is anyone but the caller). Not revoked: it is not
    /// this run's.
    OtherUser { got: u64, expected: Option<u64> },
    /// Its scopes are not the ones asked (sorted).
    Scopes {
        asked: Vec<String>,
        got: Vec<String>,
    },
    /// Its user is a person, where a service account or an access token's bot was made.
    NotBot { username: String },
}

/// What in the account's answer was not asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountDoubt {
    /// Another username than the one asked for the new account.
    OtherUsername { asked: String },
    /// The caller's own account.
    Caller,
    /// A person (`bot: false` in `GET /users/:id`), not a service account.
    NotBot,
    /// `GET /users/:id` names another user than the answer did.
    OtherUser { got: u64 },
    /// `GET /users/:id` did not answer.
    Unread(ApiError),
}

fn sorted(s: &[String]) -> Vec<String> {
    let mut s = s.to_vec();
    s.sort();
    s.dedup();
    s
}

/// Whose the token `user_id` names is: `expected` (a service account's id, the caller's for your
/// own token), or anyone but the caller (`None`: an access token's new bot).
/// PersonalAccessToken entity: `id`, `scopes`, `user_id` (lib/api/entities/personal_access_token.rb).
pub(super) fn whose(user_id: u64, expected: Option<u64>, caller: u64) -> Option<Unasked> {
    let ours = match expected {
        Some(e) => user_id == e,
        None => user_id != caller,
    };
    (!ours).then_some(Unasked::OtherUser {
        got: user_id,
        expected,
    })
}

/// The token's answers (`minted`: the create's, `info`: its own `/personal_access_tokens/self`,
/// `user`: its `/user`) against the request: all three the same user, the one [`whose`] wants;
/// a bot unless it is your own token (User entity: `bot` from `bot?`, lib/api/entities/user.rb);
/// exactly the legacy scopes `asked` (a fine-grained token's permissions are `own::confirm`'s).
pub(super) fn token_answer(
    kind: Kind,
    minted: &TokenInfo,
    info: &TokenInfo,
    user: &User,
    expected: Option<u64>,
    caller: u64,
    asked: &[String],
) -> Option<Unasked> {
    for got in [minted.user_id, info.user_id, user.id] {
        if let Some(u) = whose(got, expected, caller) {
            return Some(u);
        }
    }
    if info.user_id != minted.user_id || user.id != minted.user_id || info.id != minted.id {
        return Some(Unasked::OtherUser {
            got: info.user_id,
            expected,
        });
    }
    if kind != Kind::OwnToken && !user.bot {
        let username = user.username.clone();
        return Some(Unasked::NotBot { username });
    }
    let asked = sorted(asked);
    for got in [&minted.scopes, &info.scopes] {
        let got = sorted(got);
        if !info.granular && got != asked {
            let asked = asked.clone();
            return Some(Unasked::Scopes { asked, got });
        }
    }
    None
}

/// The account's answer against what was asked (`asked`: the username, for a new account),
/// then read again from `GET /users/:id` (lib/api/users.rb presents Entities::User, which
/// exposes `bot`; a service account is a bot) before any membership is given.
pub(super) async fn account(
    client: &Client,
    owner: &Token,
    a: &Account,
    asked: &str,
    caller: u64,
) -> Result<(), AccountDoubt> {
    if a.id == caller {
        return Err(AccountDoubt::Caller);
    }
    if a.created && !a.username.eq_ignore_ascii_case(asked) {
        let asked = asked.to_owned();
        return Err(AccountDoubt::OtherUsername { asked });
    }
    // Unread, nothing is taken on trust: no membership is given to an account not seen.
    let user = client
        .user_by_id(owner, a.id)
        .await
        .map_err(AccountDoubt::Unread)?;
    if user.id != a.id {
        return Err(AccountDoubt::OtherUser { got: user.id });
    }
    if !user.bot {
        return Err(AccountDoubt::NotBot);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: u64, user_id: u64, scopes: &[&str]) -> TokenInfo {
        TokenInfo {
            id,
            name: "t".into(),
            revoked: false,
            active: true,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            user_id,
            created_at: None,
            last_used_at: None,
            expires_at: None,
            granular: false,
            granular_scopes: None,
        }
    }

    fn user(id: u64, bot: bool) -> User {
        User {
            id,
            username: format!("u{id}"),
            name: String::new(),
            bot,
            state: None,
        }
    }

    #[test]
    fn only_the_accounts_token_with_the_scopes_asked_passes() {
        let asked = vec!["read_api".to_owned(), "read_repository".to_owned()];
        let sa = Kind::GroupServiceAccount;
        let t = info(9, 50, &["read_repository", "read_api"]);
        assert_eq!(
            token_answer(sa, &t, &t, &user(50, true), Some(50), 7, &asked),
            None
        );
        // The Owner's own token handed back.
        let owners = info(3, 7, &["api"]);
        let got = token_answer(sa, &owners, &owners, &user(7, false), Some(50), 7, &asked);
        let expected = Some(50);
        assert_eq!(got, Some(Unasked::OtherUser { got: 7, expected }));
        // An access token's bot is anyone but the caller.
        let gt = Kind::GroupToken;
        let got = token_answer(gt, &owners, &owners, &user(7, false), None, 7, &asked);
        assert_eq!(
            got,
            Some(Unasked::OtherUser {
                got: 7,
                expected: None
            })
        );
        // The account's, but wider.
        let wide = info(9, 50, &["api", "read_api", "read_repository"]);
        let got = token_answer(sa, &wide, &wide, &user(50, true), Some(50), 7, &asked);
        assert!(matches!(got, Some(Unasked::Scopes { .. })), "{got:?}");
        // A person behind the account.
        let got = token_answer(sa, &t, &t, &user(50, false), Some(50), 7, &asked);
        assert!(matches!(got, Some(Unasked::NotBot { .. })), "{got:?}");
        // The create's answer and the token's own record disagree.
        let other = info(9, 51, &["read_api", "read_repository"]);
        let got = token_answer(sa, &t, &other, &user(50, true), Some(50), 7, &asked);
        assert!(matches!(got, Some(Unasked::OtherUser { .. })), "{got:?}");
    }
}
