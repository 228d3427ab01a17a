//! CI/CD variables of a project or group (GitLab's `doc/api/project_level_variables.md` and
//! `group_level_variables.md`): read one, update its value, create it. Needs the Maintainer role
//! (Owner for a group) and the `api` scope.

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::answer::{content_type, decode_error, error_from};
use super::client::{ApiError, Client, read_capped};
use crate::token::Token;

/// Whose variable it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    Project,
    Group,
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Project => "project",
            Owner::Group => "group",
        }
    }

    fn resource(self) -> &'static str {
        match self {
            Owner::Project => "projects",
            Owner::Group => "groups",
        }
    }
}

/// Where a variable lives: `owner` `path` (an id or a full path), its `key`, and the environment
/// scope that picks one of several variables with the same key.
#[derive(Debug, Clone, Copy)]
pub struct VariableRef<'a> {
    pub owner: Owner,
    pub path: &'a str,
    pub key: &'a str,
    pub environment_scope: Option<&'a str>,
}

/// A variable as GitLab describes it. `value` is absent (null) for a hidden variable.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct Variable {
    pub key: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    pub variable_type: Option<String>,
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub masked: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub raw: bool,
    #[serde(default)]
    pub environment_scope: Option<String>,
}

impl Variable {
    /// The value (the caller compares it; it is never printed).
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// Never prints the value.
impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variable")
            .field("key", &self.key)
            .field("protected", &self.protected)
            .field("masked", &self.masked)
            .field("hidden", &self.hidden)
            .field("environment_scope", &self.environment_scope)
            .finish_non_exhaustive()
    }
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl VariableRef<'_> {
    fn collection(&self) -> String {
        let id = encode(self.path.trim_matches('/'));
        format!("/{}/{id}/variables", self.owner.resource())
    }

    /// `/{projects,groups}/:id/variables/:key[?filter[environment_scope]=…]`.
    fn one(&self) -> String {
        let mut rel = format!("{}/{}", self.collection(), encode(self.key));
        if let Some(scope) = self.environment_scope {
            rel.push_str("?filter%5Benvironment_scope%5D=");
            rel.push_str(&encode(scope));
        }
        rel
    }
}

impl Client {
    /// `GET …/variables/:key`: the variable, or `None` when GitLab answers
    /// `404 Variable Not Found` (a missing project or group is an error).
    pub async fn variable(
        &self,
        token: &Token,
        at: &VariableRef<'_>,
    ) -> Result<Option<Variable>, ApiError> {
        self.variable_call(Method::GET, &at.one(), token, None)
            .await
    }

    /// `PUT …/variables/:key` with the new `value` and the flags as they were (`was`): the
    /// variable afterwards, or `None` when it is missing (`404 Variable Not Found`).
    pub async fn update_variable(
        &self,
        token: &Token,
        at: &VariableRef<'_>,
        was: &Variable,
        value: &Token,
    ) -> Result<Option<Variable>, ApiError> {
        let mut body = json!({
            "value": value.expose(),
            "masked": was.masked,
            "protected": was.protected,
        });
        if let Some(scope) = &was.environment_scope {
            body["environment_scope"] = Value::String(scope.clone());
        }
        self.variable_call(Method::PUT, &at.one(), token, Some(&body))
            .await
    }

    /// `POST …/variables`: a new variable holding `value`, masked, not protected, in the
    /// environment scope asked for (GitLab's default `*` otherwise).
    pub async fn create_variable(
        &self,
        token: &Token,
        at: &VariableRef<'_>,
        value: &Token,
    ) -> Result<Variable, ApiError> {
        let mut body = json!({
            "key": at.key,
            "value": value.expose(),
            "masked": true,
            "protected": false,
            "variable_type": "env_var",
        });
        if let Some(scope) = at.environment_scope {
            body["environment_scope"] = Value::String(scope.to_owned());
        }
        match self
            .variable_call(Method::POST, &at.collection(), token, Some(&body))
            .await?
        {
            Some(v) => Ok(v),
            None => Err(ApiError::NotFound),
        }
    }

    async fn variable_call(
        &self,
        method: Method,
        rel: &str,
        token: &Token,
        body: Option<&Value>,
    ) -> Result<Option<Variable>, ApiError> {
        let response = self.send_json(method, rel, Some(token), body).await?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            let text = read_capped(response, self.timeout()).await?;
            let message = serde_json::from_slice::<Value>(&text)
                .ok()
                .and_then(|v| v.get("message")?.as_str().map(str::to_owned))
                .unwrap_or_default();
            if message == "404 Variable Not Found" {
                return Ok(None);
            }
            let message = crate::sanitize::clean(&message, crate::sanitize::MESSAGE_MAX);
            return Err(ApiError::Http {
                status: 404,
                message: if message.is_empty() {
                    "404 Not Found".into()
                } else {
                    message
                },
            });
        }
        if !status.is_success() {
            return Err(error_from(response, self.timeout()).await);
        }
        let content_type = content_type(&response);
        let text = read_capped(response, self.timeout()).await?;
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| decode_error(&e, status.as_u16(), content_type, &text))
    }
}
