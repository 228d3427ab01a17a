//! Response bodies of the GitLab endpoints this program calls (only the fields it uses). Every
//! string is cleaned as it is read (no control characters or escape sequences, lengths capped),
//! and a date that does not parse is an error, not a missing date.

use serde::{Deserialize, Deserializer, Serialize};
use time::Date;
use time::macros::format_description;

/// `GET /personal_access_tokens/self`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: u64,
    #[serde(deserialize_with = "name")]
    pub name: String,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub active: bool,
    #[serde(default, deserialize_with = "list")]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub user_id: u64,
    #[serde(default, deserialize_with = "short_opt")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "short_opt")]
    pub last_used_at: Option<String>,
    /// `YYYY-MM-DD`, or null on tokens created before expiry became mandatory. Anything else
    /// fails the whole answer: an unreadable date is never taken for "never expires".
    #[serde(default, deserialize_with = "date_opt")]
    pub expires_at: Option<String>,
    /// A fine-grained token (GitLab 18.10+; absent before: legacy).
    #[serde(default)]
    pub granular: bool,
    /// Its permissions and boundaries, where the endpoint shows them (not `/self`; see
    /// `gitlab::granular`); `None` when not shown.
    #[serde(default)]
    pub granular_scopes: Option<Vec<super::granular::Scope>>,
}

impl TokenInfo {
    pub fn expiry_date(&self) -> Option<Date> {
        self.expires_at.as_deref().and_then(parse_date)
    }

    /// Days from `today` until the expiry date (0 or less: expired, see [`is_expired`]); `None`
    /// when it never expires.
    pub fn days_left(&self, today: Date) -> Option<i64> {
        self.expiry_date().map(|d| (d - today).whole_days())
    }
}

/// Whether a token with `days_left` days until its `expires_at` date no longer works. GitLab ends
/// a token at 00:00 UTC *on* that date (doc/user/profile/personal_access_tokens.md, "When personal
/// access tokens expire": a token with the expiration date of 2024-01-01 expires at 00:00:00 UTC on
/// 2024-01-01), so on the date itself it has already expired.
pub fn is_expired(days_left: i64) -> bool {
    days_left <= 0
}

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.get(..10)?, format_description!("[year]-[month]-[day]")).ok()
}

pub fn format_date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// `GET /user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    #[serde(deserialize_with = "name")]
    pub username: String,
    #[serde(default, deserialize_with = "name")]
    pub name: String,
    /// True for bots: service accounts and group/project access token users.
    #[serde(default)]
    pub bot: bool,
    #[serde(default, deserialize_with = "short_opt")]
    pub state: Option<String>,
}

/// `GET /metadata` (or `/version` on older GitLab, which lacks `enterprise`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(deserialize_with = "short")]
    pub version: String,
    #[serde(default, deserialize_with = "short")]
    pub revision: String,
    #[serde(default)]
    pub enterprise: Option<bool>,
}

/// `GET /groups/:id/members/all/:user_id` and the project variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: u64,
    #[serde(deserialize_with = "name")]
    pub username: String,
    pub access_level: u32,
}

/// `POST /personal_access_tokens/self/rotate`: the new token's record and its secret.
#[derive(Deserialize)]
pub struct Rotated {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: crate::token::Token,
}

impl std::fmt::Debug for Rotated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rotated")
            .field("info", &self.info)
            .field("token", &self.token)
            .finish()
    }
}

use crate::sanitize::{NAME_MAX, SHORT_MAX, clean};

/// At most this many scopes are read (GitLab has about twenty).
const SCOPES_MAX: usize = 64;

fn name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|s| clean(&s, NAME_MAX))
}

fn short<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|s| clean(&s, SHORT_MAX))
}

fn short_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d).map(|o| o.map(|s| clean(&s, SHORT_MAX)))
}

fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let all = Vec::<String>::deserialize(d)?;
    if all.len() > SCOPES_MAX {
        return Err(serde::de::Error::custom(format!(
            "{} scopes, more than any GitLab token has",
            all.len()
        )));
    }
    Ok(all.iter().map(|s| clean(s, SHORT_MAX)).collect())
}

/// `YYYY-MM-DD`, optionally followed by a time (`T...`).
fn is_date(s: &str) -> bool {
    s.len() <= SHORT_MAX
        && parse_date(s).is_some()
        && s.get(10..)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('T'))
}

fn date_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if is_date(&s) => Ok(Some(s)),
        Some(s) => Err(serde::de::Error::custom(format!(
            "expires_at is not a date: \"{}\"",
            clean(&s, 32)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_cleaned_and_dates_checked() {
        let user: User = serde_json::from_str(
            r#"{"id":1,"username":"ev\u001b[2Kil","name":"\u001b]0;title\u0007Eve\nrole: admin"}"#,
        )
        .unwrap();
        assert_eq!(user.username, "evil");
        assert_eq!(user.name, "Eve role: admin");
        let long = format!(
            r#"{{"id":1,"name":"{}","expires_at":null}}"#,
            "n".repeat(5000)
        );
        let info: TokenInfo = serde_json::from_str(&long).unwrap();
        assert_eq!(info.name.chars().count(), NAME_MAX + 1);
        let bad =
            serde_json::from_str::<TokenInfo>(r#"{"id":1,"name":"t","expires_at":"garbage-date"}"#)
                .unwrap_err();
        assert!(
            bad.to_string().contains("expires_at is not a date"),
            "{bad}"
        );
        let ok: TokenInfo =
            serde_json::from_str(r#"{"id":1,"name":"t","expires_at":"2027-01-31"}"#).unwrap();
        assert_eq!(ok.expires_at.as_deref(), Some("2027-01-31"));
    }
}
