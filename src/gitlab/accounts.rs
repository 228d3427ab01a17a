//! The calls "Create it for me" makes with an Owner's or administrator's credential: groups and
//! projects, service accounts, their tokens, memberships, group and project access tokens, and
//! what the caller and the instance allow. Each call names the GitLab doc it follows.

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::answer::{content_type, decode_error, error_from};
use super::client::{ApiError, Client, read_capped};
use super::types::{Member, Rotated, TokenInfo};
use crate::sanitize::{NAME_MAX, SHORT_MAX, clean};
use crate::token::Token;

/// Lists are read this many entries a page, and at most [`MAX_PAGES`] pages.
const PER_PAGE: usize = 100;
const MAX_PAGES: usize = 20;

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.trim_matches('/').as_bytes()).collect()
}

fn cleaned<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|s| clean(&s, NAME_MAX))
}

fn cleaned_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d).map(|o| o.map(|s| clean(&s, SHORT_MAX)))
}

/// `GET /user` as the provisioning caller sees it (doc/api/users.md: `is_admin` is in the answer
/// only when the caller is an administrator; absent means not one).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CallerUser {
    pub id: u64,
    #[serde(deserialize_with = "cleaned")]
    pub username: String,
    #[serde(default)]
    pub is_admin: bool,
}

/// `GET /groups/:id` (doc/api/groups.md): only the fields used.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GroupInfo {
    pub id: u64,
    #[serde(deserialize_with = "cleaned")]
    pub full_path: String,
    #[serde(default)]
    pub parent_id: Option<u64>,
}

/// The `namespace` of a project (doc/api/projects.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectNamespace {
    pub id: u64,
    #[serde(deserialize_with = "cleaned")]
    pub full_path: String,
    /// `group` or `user`.
    #[serde(deserialize_with = "cleaned")]
    pub kind: String,
    #[serde(default)]
    pub parent_id: Option<u64>,
}

/// `GET /projects/:id` (doc/api/projects.md): only the fields used.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectInfo {
    pub id: u64,
    #[serde(deserialize_with = "cleaned")]
    pub path_with_namespace: String,
    pub namespace: ProjectNamespace,
}

/// A service account (doc/api/service_accounts.md): `{"id","username","name","email"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceAccount {
    pub id: u64,
    #[serde(deserialize_with = "cleaned")]
    pub username: String,
    #[serde(default, deserialize_with = "cleaned")]
    pub name: String,
}

/// Where a service account lives: the path prefix of its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountHome {
    /// `/service_accounts` (administrators; self-managed and Dedicated).
    Instance,
    /// `/groups/:id/service_accounts` (a top-level group).
    Group(u64),
    /// `/projects/:id/service_accounts` (GA 18.11; introduced in 18.9 behind the flag
    /// `allow_projects_to_create_service_accounts`, off by default; lib/api/
    /// project_service_accounts.rb, doc/api/service_accounts.md).
    Project(u64),
}

impl AccountHome {
    fn collection(self) -> String {
        match self {
            AccountHome::Instance => "/service_accounts".into(),
            AccountHome::Group(id) => format!("/groups/{id}/service_accounts"),
            AccountHome::Project(id) => format!("/projects/{id}/service_accounts"),
        }
    }
}

/// Whose token it is: which endpoints create, list, revoke and rotate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenHome {
    /// A group service account's token: `/groups/:id/service_accounts/:user_id/personal_access_tokens`
    /// (doc/api/service_accounts.md; list and revoke 17.11+, rotate `expires_at` 17.9+).
    GroupServiceAccount { group_id: u64, user_id: u64 },
    /// A project service account's token: `/projects/:id/service_accounts/:user_id/personal_access_tokens`
    /// (lib/api/project_service_accounts.rb: the same shape as the group's).
    ProjectServiceAccount { project_id: u64, user_id: u64 },
    /// Any user's token through the administrator's endpoints: create
    /// `POST /users/:user_id/personal_access_tokens` (doc/api/user_tokens.md), list
    /// `GET /personal_access_tokens?user_id=`, revoke `DELETE /personal_access_tokens/:id`, rotate
    /// `POST /personal_access_tokens/:id/rotate` (doc/api/personal_access_tokens.md).
    User { user_id: u64 },
    /// The caller's own fine-grained token: create `POST /user/personal_access_tokens` with
    /// `granular_scopes` (lib/api/helpers/personal_access_tokens_helpers.rb
    /// `create_granular_token`, target user the caller); list, revoke and rotate as any own
    /// personal access token (`/personal_access_tokens/:id`, doc/api/personal_access_tokens.md).
    Own { user_id: u64 },
    /// A group access token: `/groups/:id/access_tokens` (doc/api/group_access_tokens.md).
    GroupToken { group_id: u64 },
    /// A project access token: `/projects/:id/access_tokens` (doc/api/project_access_tokens.md).
    ProjectToken { project_id: u64 },
}

impl TokenHome {
    /// The collection the token is created in (and listed from, but for [`TokenHome::User`]).
    fn collection(self) -> String {
        match self {
            TokenHome::GroupServiceAccount { group_id, user_id } => {
                format!("/groups/{group_id}/service_accounts/{user_id}/personal_access_tokens")
            }
            TokenHome::ProjectServiceAccount {
                project_id,
                user_id,
            } => {
                format!("/projects/{project_id}/service_accounts/{user_id}/personal_access_tokens")
            }
            TokenHome::User { user_id } => format!("/users/{user_id}/personal_access_tokens"),
            TokenHome::Own { .. } => "/user/personal_access_tokens".to_owned(),
            TokenHome::GroupToken { group_id } => format!("/groups/{group_id}/access_tokens"),
            TokenHome::ProjectToken { project_id } => {
                format!("/projects/{project_id}/access_tokens")
            }
        }
    }

    fn list(self) -> String {
        match self {
            TokenHome::User { user_id } | TokenHome::Own { user_id } => {
                format!("/personal_access_tokens?user_id={user_id}")
            }
            other => other.collection(),
        }
    }

    fn one(self, token_id: u64) -> String {
        match self {
            TokenHome::User { .. } | TokenHome::Own { .. } => {
                format!("/personal_access_tokens/{token_id}")
            }
            other => format!("{}/{token_id}", other.collection()),
        }
    }

    /// Group and project access tokens carry an `access_level` (their bot's role).
    pub fn is_access_token(self) -> bool {
        matches!(
            self,
            TokenHome::GroupToken { .. } | TokenHome::ProjectToken { .. }
        )
    }
}

/// What a new token is asked for with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub scopes: &'a [String],
    /// `YYYY-MM-DD`.
    pub expires_at: &'a str,
    /// Group and project access tokens only: the bot's role (GitLab's default is 40).
    pub access_level: Option<u32>,
    /// A fine-grained token: sent as `granular_scopes` instead of `scopes` (never both).
    pub granular: Option<&'a [super::granular_request::NewScope]>,
}

/// A group or a project, for membership calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Group(u64),
    Project(u64),
}

impl Source {
    fn members(self) -> String {
        match self {
            Source::Group(id) => format!("/groups/{id}/members"),
            Source::Project(id) => format!("/projects/{id}/members"),
        }
    }
}

/// The answer to adding a member (doc/api/members.md, "Add a member to a group or project").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// 201 with the member.
    Member(Member),
    /// 409 "Member already exists": read it with [`Client::direct_member`].
    AlreadyMember,
    /// Administrator approval for role promotions is on: `{"message":{"<username>":"Request queued
    /// for administrator approval."}}` (or `queued_users`), no member yet. GitLab queues only
    /// human (billable) users on self-managed, never a service account: kept for safety.
    Queued(String),
}

/// `GET /namespaces/:id` `plan` (doc/api/namespaces.md: owners see it on GitLab.com) and
/// `GET /license` `plan` (doc/api/license.md: administrators).
#[derive(Debug, Clone, Deserialize)]
struct Plan {
    #[serde(default, deserialize_with = "cleaned_opt")]
    plan: Option<String>,
}

impl Client {
    /// `GET /user`, with `is_admin` (doc/api/users.md).
    pub async fn caller(&self, owner: &Token) -> Result<CallerUser, ApiError> {
        self.call_json(Method::GET, "/user", owner, None).await
    }

    /// `GET /groups/:id` by id or full path (doc/api/groups.md); 404 `Group Not Found` is
    /// [`ApiError::NotFound`].
    pub async fn group(&self, owner: &Token, path: &str) -> Result<GroupInfo, ApiError> {
        let rel = format!("/groups/{}?with_projects=false", encode(path));
        self.call_json(Method::GET, &rel, owner, None).await
    }

    /// The caller's group at `path` from `GET /groups?search=` (doc/api/groups.md): a `:user`
    /// route (lib/api/groups.rb `read_group, boundary_type: :user`), so a fine-grained token
    /// that may not read the group itself may still find its id.
    pub async fn find_group(
        &self,
        owner: &Token,
        path: &str,
    ) -> Result<Option<GroupInfo>, ApiError> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let rel = format!("/groups?search={}&per_page=100", encode(name));
        let groups: Vec<GroupInfo> = self.call_json(Method::GET, &rel, owner, None).await?;
        Ok(groups.into_iter().find(|g| g.full_path == path))
    }

    /// `GET /projects/:id` by id or full path (doc/api/projects.md).
    pub async fn project(&self, owner: &Token, path: &str) -> Result<ProjectInfo, ApiError> {
        let rel = format!("/projects/{}", encode(path));
        self.call_json(Method::GET, &rel, owner, None).await
    }

    /// A top-level group's plan on GitLab.com (`GET /namespaces/:id`, seen by its Owners).
    pub async fn namespace_plan(&self, owner: &Token, id: u64) -> Result<Option<String>, ApiError> {
        let plan: Plan = self
            .call_json(Method::GET, &format!("/namespaces/{id}"), owner, None)
            .await?;
        Ok(plan.plan)
    }

    /// The licence's plan on self-managed (`GET /license`, administrators only; 403 otherwise).
    /// An EE without a licence answers 200 `null` (ee/lib/api/license.rb presents
    /// `License.current`, nil then): that is the Free tier, said as `"free"`.
    pub async fn license_plan(&self, owner: &Token) -> Result<Option<String>, ApiError> {
        let plan: Option<Plan> = self.call_json(Method::GET, "/license", owner, None).await?;
        Ok(match plan {
            None => Some("free".to_owned()),
            Some(p) => p.plan,
        })
    }

    /// Every service account of `home` (`GET …/service_accounts`, 17.1+), page by page.
    pub async fn service_accounts(
        &self,
        owner: &Token,
        home: AccountHome,
    ) -> Result<Vec<ServiceAccount>, ApiError> {
        self.all_pages(owner, &home.collection()).await
    }

    /// `POST …/service_accounts` with `name` and `username` (201; doc/api/service_accounts.md).
    /// A username taken is a 400.
    pub async fn create_service_account(
        &self,
        owner: &Token,
        home: AccountHome,
        username: &str,
        name: &str,
    ) -> Result<ServiceAccount, ApiError> {
        let body = json!({ "username": username, "name": name });
        self.call_json(Method::POST, &home.collection(), owner, Some(&body))
            .await
    }

    /// Creates a token in `home` (201 with the record and `token`). Scopes go as a JSON array.
    pub async fn create_token(
        &self,
        owner: &Token,
        home: TokenHome,
        new: &NewToken<'_>,
    ) -> Result<Rotated, ApiError> {
        let mut body = json!({
            "name": new.name,
            "description": new.description,
            "expires_at": new.expires_at,
        });
        match new.granular {
            Some(scopes) => body["granular_scopes"] = json!(scopes),
            None => body["scopes"] = json!(new.scopes),
        }
        if let (true, Some(level)) = (home.is_access_token(), new.access_level) {
            body["access_level"] = Value::from(level);
        }
        self.call_json(Method::POST, &home.collection(), owner, Some(&body))
            .await
    }

    /// The tokens of `home` (active and not), page by page.
    pub async fn tokens(&self, owner: &Token, home: TokenHome) -> Result<Vec<TokenInfo>, ApiError> {
        self.all_pages(owner, &home.list()).await
    }

    /// Revokes token `token_id` of `home`: GitLab answers 204 No Content.
    pub async fn revoke_token(
        &self,
        owner: &Token,
        home: TokenHome,
        token_id: u64,
    ) -> Result<(), ApiError> {
        let response = self
            .send_json(Method::DELETE, &home.one(token_id), Some(owner), None)
            .await?;
        if !response.status().is_success() {
            return Err(error_from(response, self.timeout()).await);
        }
        read_capped(response, self.timeout()).await?;
        Ok(())
    }

    /// Rotates token `token_id` of `home` to a new one expiring `expires_at` (200 with the new
    /// record and `token`); GitLab revokes the old one at once.
    pub async fn rotate_token(
        &self,
        owner: &Token,
        home: TokenHome,
        token_id: u64,
        expires_at: &str,
    ) -> Result<Rotated, ApiError> {
        let rel = format!("{}/rotate", home.one(token_id));
        let body = json!({ "expires_at": expires_at });
        self.call_json(Method::POST, &rel, owner, Some(&body)).await
    }

    /// `POST …/members` with `user_id` and `access_level`: 201 member, 409 already a member, or
    /// queued for an administrator's approval.
    pub async fn add_member(
        &self,
        owner: &Token,
        source: Source,
        user_id: u64,
        access_level: u32,
    ) -> Result<Added, ApiError> {
        let body = json!({ "user_id": user_id, "access_level": access_level });
        let response = self
            .send_json(Method::POST, &source.members(), Some(owner), Some(&body))
            .await?;
        let status = response.status();
        if status == StatusCode::CONFLICT {
            read_capped(response, self.timeout()).await?;
            return Ok(Added::AlreadyMember);
        }
        if !status.is_success() {
            return Err(error_from(response, self.timeout()).await);
        }
        let content_type = content_type(&response);
        let text = read_capped(response, self.timeout()).await?;
        let value: Value = serde_json::from_slice(&text)
            .map_err(|e| decode_error(&e, status.as_u16(), content_type.clone(), &text))?;
        if let Some(queued) = queued(&value) {
            return Ok(Added::Queued(queued));
        }
        serde_json::from_value(value)
            .map(Added::Member)
            .map_err(|e| decode_error(&e, status.as_u16(), content_type, &text))
    }

    /// `GET …/members/:user_id`: a direct membership, `None` when there is none (404).
    pub async fn direct_member(
        &self,
        owner: &Token,
        source: Source,
        user_id: u64,
    ) -> Result<Option<Member>, ApiError> {
        let rel = format!("{}/{user_id}", source.members());
        none_if_missing(self.call_json(Method::GET, &rel, owner, None).await)
    }

    /// `GET …/members/all/:user_id`: the effective membership, inherited ones included.
    pub async fn effective_member(
        &self,
        owner: &Token,
        source: Source,
        user_id: u64,
    ) -> Result<Option<Member>, ApiError> {
        let rel = format!("{}/all/{user_id}", source.members());
        none_if_missing(self.call_json(Method::GET, &rel, owner, None).await)
    }

    /// `PUT …/members/:user_id` with a new `access_level` (200 with the member).
    pub async fn raise_member(
        &self,
        owner: &Token,
        source: Source,
        user_id: u64,
        access_level: u32,
    ) -> Result<Member, ApiError> {
        let rel = format!("{}/{user_id}", source.members());
        let body = json!({ "access_level": access_level });
        self.call_json(Method::PUT, &rel, owner, Some(&body)).await
    }

    /// Reads a list page by page (`page`, `per_page`) until a short page, at most [`MAX_PAGES`].
    async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        owner: &Token,
        rel: &str,
    ) -> Result<Vec<T>, ApiError> {
        let join = if rel.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let rel = format!("{rel}{join}per_page={PER_PAGE}&page={page}");
            let batch: Vec<T> = self.call_json(Method::GET, &rel, owner, None).await?;
            let done = batch.len() < PER_PAGE;
            all.extend(batch);
            if done {
                break;
            }
        }
        Ok(all)
    }
}

/// A queued membership's message (doc/api/members.md): keyed by the username,
/// `{"message":{"<username>":"Request queued for administrator approval."}}` for one user,
/// `{"queued_users":{…},"status":"success"}` for several. (Self-managed Ultimate only, never for
/// a bot such as a service account: the queue holds billable humans.)
fn queued(value: &Value) -> Option<String> {
    if value.get("id").is_some() {
        return None;
    }
    let map = value
        .get("queued_users")
        .or_else(|| value.get("message"))?
        .as_object()?;
    let text = map.values().filter_map(Value::as_str).next()?;
    Some(clean(text, crate::sanitize::MESSAGE_MAX))
}

fn none_if_missing<T>(r: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ApiError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_home_has_the_documented_paths() {
        let g = TokenHome::GroupServiceAccount {
            group_id: 3,
            user_id: 7,
        };
        assert_eq!(
            g.one(9),
            "/groups/3/service_accounts/7/personal_access_tokens/9"
        );
        let u = TokenHome::User { user_id: 7 };
        assert_eq!(u.collection(), "/users/7/personal_access_tokens");
        assert_eq!(u.list(), "/personal_access_tokens?user_id=7");
        assert_eq!(u.one(9), "/personal_access_tokens/9");
        let own = TokenHome::Own { user_id: 7 };
        assert_eq!(own.collection(), "/user/personal_access_tokens");
        assert_eq!(own.list(), "/personal_access_tokens?user_id=7");
        assert_eq!(own.one(9), "/personal_access_tokens/9");
        let p = TokenHome::ProjectToken { project_id: 5 };
        assert_eq!(p.one(9), "/projects/5/access_tokens/9");
        assert_eq!(
            AccountHome::Project(5).collection(),
            "/projects/5/service_accounts"
        );
    }

    #[test]
    fn a_queued_membership_is_told_apart_from_a_member() {
        let one = json!({"message": {"scanner": "Request queued for administrator approval."}});
        assert_eq!(
            queued(&one).as_deref(),
            Some("Request queued for administrator approval.")
        );
        let many = json!({"queued_users": {"a": "Request queued for administrator approval."}, "status": "success"});
        assert!(queued(&many).is_some());
        let member = json!({"id": 7, "username": "scanner", "access_level": 20});
        assert_eq!(queued(&member), None);
    }
}
