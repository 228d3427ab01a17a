//! Response bodies of the GitLab endpoints this program calls (only the fields it uses).

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

/// `GET /personal_access_tokens/self`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub user_id: u64,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub last_used_at: Option<String>,
    /// `YYYY-MM-DD`, or null on tokens created before expiry became mandatory.
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl TokenInfo {
    pub fn expiry_date(&self) -> Option<Date> {
        self.expires_at.as_deref().and_then(parse_date)
    }

    /// Days from `today` until expiry (negative when expired); `None` when it never expires.
    pub fn days_left(&self, today: Date) -> Option<i64> {
        self.expiry_date().map(|d| (d - today).whole_days())
    }
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
    pub username: String,
    #[serde(default)]
    pub name: String,
    /// True for bots: service accounts and group/project access token users.
    #[serde(default)]
    pub bot: bool,
    #[serde(default)]
    pub state: Option<String>,
}

/// `GET /metadata` (or `/version` on older GitLab, which lacks `enterprise`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub version: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub enterprise: Option<bool>,
}

/// `GET /groups/:id/members/all/:user_id` and the project variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: u64,
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
