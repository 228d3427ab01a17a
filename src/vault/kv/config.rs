//! Where the team's Vault is and how to log in, from the variables Vault's own CLI and GitLab CI
//! use: `VAULT_ADDR` (or CI's `VAULT_SERVER_URL`), `VAULT_NAMESPACE`, `VAULT_CACERT`; a token from
//! `VAULT_TOKEN`, a JWT login (`VAULT_AUTH_ROLE`, `VAULT_AUTH_PATH`, the id token in
//! `VAULT_ID_TOKEN` or the variable `GITLAB_TOKEN_VAULT_ID_TOKEN_VAR` names), an AppRole login
//! (`VAULT_ROLE_ID`, `VAULT_SECRET_ID`, `VAULT_APPROLE_PATH`), or `~/.vault-token`, in that order.
//! Where tokens live in it: `GITLAB_TOKEN_VAULT_MOUNT` (default `secret`) and
//! `GITLAB_TOKEN_VAULT_PREFIX` (default `gitlab-token`).
//!
//! Once per machine: the `[vault]` table of `<config dir>/gitlab-token/config.toml` gives the
//! same settings (`addr`, `namespace`, `ca_cert`, `mount`, `prefix`, `auth_role`, `auth_path`,
//! `id_token_var`, `approle_path`; never a secret); a variable that is set wins over the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::token::Token;

/// The KV v2 mount used when none is configured.
pub const DEFAULT_MOUNT: &str = "secret";
/// The folder under the mount that holds `HOST/NAME` entries.
pub const DEFAULT_PREFIX: &str = "gitlab-token";
/// Each call to Vault gives up after this long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// How this process obtains its Vault token. The secrets are `Token`s: zeroized, never printed.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    /// `VAULT_TOKEN` or the file `~/.vault-token` (`from_file` says which, for messages).
    Token { token: Token, from_file: bool },
    /// `POST /v1/auth/PATH/login {role, jwt}`, as a GitLab CI job with an id token does.
    Jwt {
        path: String,
        role: String,
        jwt: Token,
    },
    /// `POST /v1/auth/PATH/login {role_id, secret_id}`.
    AppRole {
        path: String,
        role_id: String,
        secret_id: Token,
    },
}

impl AuthMethod {
    /// A short name for the method (`token`, `jwt`, `approle`), data for messages.
    pub fn name(&self) -> &'static str {
        match self {
            AuthMethod::Token { .. } => "token",
            AuthMethod::Jwt { .. } => "jwt",
            AuthMethod::AppRole { .. } => "approle",
        }
    }

    /// Whether a new Vault token can be obtained without a person (a static token cannot).
    pub fn can_log_in_again(&self) -> bool {
        !matches!(self, AuthMethod::Token { .. })
    }
}

/// The team store's server, login and place.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: Url,
    pub namespace: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub auth: AuthMethod,
    pub mount: String,
    pub prefix: String,
    pub timeout: Duration,
}

/// What is missing or wrong in the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("no Vault address (VAULT_ADDR)")]
    NoAddress,
    #[error("the Vault address {0:?} is not a URL")]
    BadAddress(String),
    #[error("the Vault address {0} is plain http to another machine")]
    PlainHttp(String),
    #[error("no way to log in to Vault")]
    NoLogin,
    #[error("VAULT_AUTH_ROLE is set but the id token variable {0} is empty or unset")]
    NoIdToken(String),
    #[error("VAULT_ROLE_ID is set but VAULT_SECRET_ID is not")]
    NoSecretId,
    #[error("the mount or prefix {0:?} is not a plain path")]
    BadPath(String),
    /// The `[vault]` table of config.toml cannot be read or has an unknown key.
    #[error("{path}: {detail}")]
    BadFile { path: PathBuf, detail: String },
}

/// The `[vault]` table of `config.toml`: this machine's defaults for the variables.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub addr: Option<String>,
    pub namespace: Option<String>,
    pub ca_cert: Option<String>,
    pub mount: Option<String>,
    pub prefix: Option<String>,
    pub auth_role: Option<String>,
    pub auth_path: Option<String>,
    pub id_token_var: Option<String>,
    pub approle_path: Option<String>,
}

#[derive(serde::Deserialize)]
struct ConfigFile {
    #[serde(default)]
    vault: Option<FileSettings>,
}

impl FileSettings {
    /// The `[vault]` table of the file at `path`; empty when the file or the table is absent.
    pub fn load(path: &Path) -> Result<FileSettings, ConfigError> {
        let bad = |detail: String| ConfigError::BadFile {
            path: path.to_owned(),
            detail,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(bad(e.to_string())),
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| bad(e.message().to_owned()))?;
        Ok(file.vault.unwrap_or_default())
    }

    /// The value the file gives for the variable `name`.
    fn var(&self, name: &str) -> Option<String> {
        match name {
            "VAULT_ADDR" => self.addr.clone(),
            "VAULT_NAMESPACE" => self.namespace.clone(),
            "VAULT_CACERT" => self.ca_cert.clone(),
            "GITLAB_TOKEN_VAULT_MOUNT" => self.mount.clone(),
            "GITLAB_TOKEN_VAULT_PREFIX" => self.prefix.clone(),
            "VAULT_AUTH_ROLE" => self.auth_role.clone(),
            "VAULT_AUTH_PATH" => self.auth_path.clone(),
            "GITLAB_TOKEN_VAULT_ID_TOKEN_VAR" => self.id_token_var.clone(),
            "VAULT_APPROLE_PATH" => self.approle_path.clone(),
            _ => None,
        }
    }
}

/// `<config dir>/gitlab-token/config.toml`, where the `[vault]` table lives.
pub fn settings_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("gitlab-token").join("config.toml"))
}

impl Config {
    /// Reads the environment through `env`, each variable that is unset taken from `file`.
    pub fn from_env_and_file(
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
        file: &FileSettings,
    ) -> Result<Config, ConfigError> {
        let either = |name: &str| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| file.var(name))
        };
        Config::from_env(&either, home)
    }

    /// Reads the environment through `env` (the process's in production, a map in tests) and
    /// `home` (for `~/.vault-token`).
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let raw = get("VAULT_ADDR")
            .or_else(|| get("VAULT_SERVER_URL"))
            .ok_or(ConfigError::NoAddress)?;
        let addr = parse_addr(raw.trim())?;
        let mount = get("GITLAB_TOKEN_VAULT_MOUNT").unwrap_or_else(|| DEFAULT_MOUNT.into());
        let prefix = get("GITLAB_TOKEN_VAULT_PREFIX").unwrap_or_else(|| DEFAULT_PREFIX.into());
        let mount = plain_path(&mount)?;
        let prefix = plain_path(&prefix)?;
        Ok(Config {
            addr,
            namespace: get("VAULT_NAMESPACE").map(|n| n.trim().trim_matches('/').to_owned()),
            ca_file: get("VAULT_CACERT").map(PathBuf::from),
            auth: auth_from_env(&get, home)?,
            mount,
            prefix,
            timeout: DEFAULT_TIMEOUT,
        })
    }
}

fn parse_addr(raw: &str) -> Result<Url, ConfigError> {
    let addr = Url::parse(raw).map_err(|_| ConfigError::BadAddress(raw.to_owned()))?;
    match addr.scheme() {
        "https" => Ok(addr),
        "http" if crate::instance::is_loopback(&addr) => Ok(addr),
        "http" => Err(ConfigError::PlainHttp(raw.to_owned())),
        _ => Err(ConfigError::BadAddress(raw.to_owned())),
    }
}

/// A mount or prefix: non-empty segments of letters, digits, `-`, `_`, `.`, without `..`.
fn plain_path(raw: &str) -> Result<String, ConfigError> {
    let trimmed = raw.trim().trim_matches('/');
    let ok = !trimmed.is_empty()
        && trimmed.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(ConfigError::BadPath(raw.to_owned()))
    }
}

fn auth_from_env(
    get: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<AuthMethod, ConfigError> {
    if let Some(token) = get("VAULT_TOKEN") {
        return Ok(AuthMethod::Token {
            token: Token::new(token),
            from_file: false,
        });
    }
    if let Some(role) = get("VAULT_AUTH_ROLE") {
        let var = get("GITLAB_TOKEN_VAULT_ID_TOKEN_VAR").unwrap_or_else(|| "VAULT_ID_TOKEN".into());
        let jwt = get(var.trim()).ok_or(ConfigError::NoIdToken(var.clone()))?;
        return Ok(AuthMethod::Jwt {
            path: get("VAULT_AUTH_PATH").unwrap_or_else(|| "jwt".into()),
            role,
            jwt: Token::new(jwt),
        });
    }
    if let Some(role_id) = get("VAULT_ROLE_ID") {
        let secret_id = get("VAULT_SECRET_ID").ok_or(ConfigError::NoSecretId)?;
        return Ok(AuthMethod::AppRole {
            path: get("VAULT_APPROLE_PATH").unwrap_or_else(|| "approle".into()),
            role_id,
            secret_id: Token::new(secret_id),
        });
    }
    let file = home.map(|h| h.join(".vault-token"));
    match file.and_then(|f| std::fs::read_to_string(f).ok()) {
        Some(token) if !token.trim().is_empty() => Ok(AuthMethod::Token {
            token: Token::new(token),
            from_file: true,
        }),
        _ => Err(ConfigError::NoLogin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)], home: Option<&Path>) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_env(&|k| map.get(k).cloned(), home)
    }

    #[test]
    fn the_address_comes_from_vault_addr_or_gitlab_ci() {
        let c = config(
            &[
                ("VAULT_SERVER_URL", "https://v.example"),
                ("VAULT_TOKEN", "t"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(c.addr.as_str(), "https://v.example/");
        assert_eq!(
            (c.mount.as_str(), c.prefix.as_str()),
            ("secret", "gitlab-token")
        );
        let c = config(
            &[
                ("VAULT_ADDR", "https://a.example"),
                ("VAULT_SERVER_URL", "https://b.example"),
                ("VAULT_TOKEN", "t"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(c.addr.host_str(), Some("a.example"));
        assert_eq!(
            config(&[("VAULT_TOKEN", "t")], None).unwrap_err(),
            ConfigError::NoAddress
        );
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(
            config(
                &[
                    ("VAULT_ADDR", "http://127.0.0.1:8200"),
                    ("VAULT_TOKEN", "t")
                ],
                None
            )
            .is_ok()
        );
        assert!(matches!(
            config(
                &[("VAULT_ADDR", "http://vault.example"), ("VAULT_TOKEN", "t")],
                None
            ),
            Err(ConfigError::PlainHttp(_))
        ));
    }

    #[test]
    fn login_order_token_jwt_approle_file() {
        let addr = ("VAULT_ADDR", "https://v.example");
        let jwt = config(
            &[
                addr,
                ("VAULT_AUTH_ROLE", "rotate"),
                ("VAULT_ID_TOKEN", "eyJ"),
            ],
            None,
        );
        assert!(matches!(jwt.unwrap().auth, AuthMethod::Jwt { ref path, .. } if path == "jwt"));
        let named = config(
            &[
                addr,
                ("VAULT_AUTH_ROLE", "rotate"),
                ("VAULT_AUTH_PATH", "jwt-ci"),
                ("GITLAB_TOKEN_VAULT_ID_TOKEN_VAR", "MY_ID"),
                ("MY_ID", "eyJ"),
            ],
            None,
        );
        assert!(
            matches!(named.unwrap().auth, AuthMethod::Jwt { ref path, .. } if path == "jwt-ci")
        );
        assert_eq!(
            config(&[addr, ("VAULT_AUTH_ROLE", "rotate")], None).unwrap_err(),
            ConfigError::NoIdToken("VAULT_ID_TOKEN".into())
        );
        let both = config(
            &[addr, ("VAULT_TOKEN", "t"), ("VAULT_AUTH_ROLE", "r")],
            None,
        );
        assert_eq!(both.unwrap().auth.name(), "token");
        let approle = config(
            &[addr, ("VAULT_ROLE_ID", "id"), ("VAULT_SECRET_ID", "s")],
            None,
        );
        assert_eq!(approle.unwrap().auth.name(), "approle");
        assert_eq!(
            config(&[addr, ("VAULT_ROLE_ID", "id")], None).unwrap_err(),
            ConfigError::NoSecretId
        );
        let home = tempfile::tempdir().unwrap();
        assert_eq!(
            config(&[addr], Some(home.path())).unwrap_err(),
            ConfigError::NoLogin
        );
        std::fs::write(home.path().join(".vault-token"), "hvs.abc\n").unwrap();
        match config(&[addr], Some(home.path())).unwrap().auth {
            AuthMethod::Token { token, from_file } => {
                assert!(from_file);
                assert_eq!(token.expose(), "hvs.abc");
            }
            other => panic!("{}", other.name()),
        }
    }

    #[test]
    fn the_config_file_gives_defaults_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(FileSettings::load(&path).unwrap(), FileSettings::default());
        std::fs::write(
            &path,
            "[vault]\naddr = \"https://team.example\"\nmount = \"kv\"\nprefix = \"ci/tokens\"\n",
        )
        .unwrap();
        let file = FileSettings::load(&path).unwrap();
        let only_token = |k: &str| (k == "VAULT_TOKEN").then(|| "t".to_owned());
        let c = Config::from_env_and_file(&only_token, None, &file).unwrap();
        assert_eq!(c.addr.host_str(), Some("team.example"));
        assert_eq!((c.mount.as_str(), c.prefix.as_str()), ("kv", "ci/tokens"));
        let env = |k: &str| match k {
            "VAULT_TOKEN" => Some("t".to_owned()),
            "GITLAB_TOKEN_VAULT_MOUNT" => Some("other".to_owned()),
            _ => None,
        };
        let c = Config::from_env_and_file(&env, None, &file).unwrap();
        assert_eq!(c.mount, "other");
        std::fs::write(&path, "[vault]\ntoken = \"s.secret\"\n").unwrap();
        assert!(matches!(
            FileSettings::load(&path),
            Err(ConfigError::BadFile { .. })
        ));
    }

    #[test]
    fn mount_and_prefix_are_plain_paths() {
        let addr = ("VAULT_ADDR", "https://v.example");
        let c = config(
            &[
                addr,
                ("VAULT_TOKEN", "t"),
                ("GITLAB_TOKEN_VAULT_MOUNT", "/team-kv/"),
                ("GITLAB_TOKEN_VAULT_PREFIX", "ci/gitlab"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            (c.mount.as_str(), c.prefix.as_str()),
            ("team-kv", "ci/gitlab")
        );
        for bad in ["../sys", "a//b", "a b", "x?y"] {
            assert!(
                config(
                    &[
                        addr,
                        ("VAULT_TOKEN", "t"),
                        ("GITLAB_TOKEN_VAULT_PREFIX", bad)
                    ],
                    None
                )
                .is_err(),
                "{bad}"
            );
        }
    }
}
