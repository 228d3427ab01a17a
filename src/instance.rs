//! Where a GitLab lives: normalising what people type into a base URL, and the `host[:port][/path]` key.

use std::net::IpAddr;

use thiserror::Error;
use url::Url;

pub const GITLAB_COM: &str = "https://gitlab.com";

/// A normalised GitLab instance address: `https://host[:port][/relative-root]`, no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    base: Url,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum InstanceError {
    #[error("the address is empty")]
    Empty,
    #[error("`{0}` is not a web address")]
    Unparsable(String),
    #[error("`{0}` is not a web address GitLab answers on (use https://)")]
    Scheme(String),
    #[error("plain http:// would send the token unencrypted")]
    PlainHttp,
    #[error("the address contains a user name or password")]
    Credentials,
    #[error("the address has no host name")]
    NoHost,
}

impl Instance {
    pub fn gitlab_com() -> Self {
        Self::parse(GITLAB_COM).expect("the GitLab.com address is valid")
    }

    /// Normalises `gitlab.example.com`, `https://host:8443/`, `https://example.com/gitlab/`,
    /// and API or sign-in URLs pasted by mistake.
    pub fn parse(input: &str) -> Result<Self, InstanceError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(InstanceError::Empty);
        }
        let with_scheme = if input.contains("://") {
            input.to_owned()
        } else {
            format!("https://{input}")
        };
        let mut url =
            Url::parse(&with_scheme).map_err(|_| InstanceError::Unparsable(input.to_owned()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(InstanceError::PlainHttp),
            other => return Err(InstanceError::Scheme(other.to_owned())),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InstanceError::NoHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InstanceError::Credentials);
        }
        url.set_query(None);
        url.set_fragment(None);
        let mut path = url.path().trim_end_matches('/').to_owned();
        for suffix in [
            "/api/v4",
            "/users/sign_in",
            "/-/user_settings/personal_access_tokens",
        ] {
            if let Some(stripped) = path.strip_suffix(suffix) {
                path = stripped.to_owned();
            }
        }
        url.set_path(&path);
        Ok(Instance { base: url })
    }

    /// `https://host[:port][/root]` without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }

    /// A URL under this instance, `rel` starting with `/`.
    pub fn url(&self, rel: &str) -> String {
        format!("{}{rel}", self.base_url())
    }

    /// `/api/v4` under the instance (and its relative URL root).
    pub fn api(&self, rel: &str) -> String {
        self.url(&format!("/api/v4{rel}"))
    }

    /// An absolute path under the relative URL root, `rel` starting with `/`.
    pub fn path(&self, rel: &str) -> String {
        format!("{}{rel}", self.relative_root().unwrap_or_default())
    }

    pub fn host(&self) -> &str {
        self.base.host_str().unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.base.port_or_known_default().unwrap_or(443)
    }

    pub fn is_https(&self) -> bool {
        self.base.scheme() == "https"
    }

    /// GitLab's relative URL root (`/gitlab`), when it is installed under a path.
    pub fn relative_root(&self) -> Option<&str> {
        let path = self.base.path();
        (path != "/" && !path.is_empty()).then_some(path)
    }

    pub fn is_gitlab_com(&self) -> bool {
        self.host().eq_ignore_ascii_case("gitlab.com") && self.base.port().is_none()
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.base)
    }

    /// The keychain and metadata key: `host[:port][/path]`.
    pub fn key(&self) -> String {
        let mut key = self.host().to_owned();
        if let Some(port) = self.base.port() {
            key.push_str(&format!(":{port}"));
        }
        if let Some(root) = self.relative_root() {
            key.push_str(root);
        }
        key
    }

    /// Whether an absolute URL points at this same origin (scheme, host, port).
    pub fn same_origin(&self, other: &Url) -> bool {
        other.scheme() == self.base.scheme()
            && other.host_str() == self.base.host_str()
            && other.port_or_known_default() == self.base.port_or_known_default()
    }
}

impl std::fmt::Display for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base_url())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A GitLab-looking remote from `git remote -v` output: the instance and the project path.
pub fn gitlab_remote(remotes: &str) -> Option<(Instance, String)> {
    remotes.lines().find_map(|line| {
        let url = line.split_whitespace().nth(1)?;
        let (host, path) = split_remote(url)?;
        if !host.to_ascii_lowercase().contains("gitlab") {
            return None;
        }
        let instance = Instance::parse(&host).ok()?;
        let path = path.trim_matches('/').trim_end_matches(".git").to_owned();
        Some((instance, path))
    })
}

/// `git@host:group/proj.git`, `ssh://git@host:22/group/proj.git`, `https://host/group/proj.git`.
fn split_remote(url: &str) -> Option<(String, String)> {
    if let Ok(parsed) = Url::parse(url) {
        let host = parsed.host_str()?.to_owned();
        let host = match (parsed.scheme(), parsed.port()) {
            ("https", Some(port)) => format!("{host}:{port}"),
            _ => host,
        };
        return Some((host, parsed.path().to_owned()));
    }
    let (user_host, path) = url.split_once(':')?;
    let host = user_host.rsplit('@').next()?;
    Some((host.to_owned(), path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> String {
        Instance::parse(s)
            .map(|i| i.base_url())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn normalises_what_people_type() {
        assert_eq!(base("gitlab.example.com"), "https://gitlab.example.com");
        assert_eq!(
            base(" https://gitlab.example.com/// "),
            "https://gitlab.example.com"
        );
        assert_eq!(base("https://host:8443/"), "https://host:8443");
        assert_eq!(base("https://host:443/"), "https://host");
        assert_eq!(
            base("https://example.com/gitlab/"),
            "https://example.com/gitlab"
        );
        assert_eq!(
            base("https://example.com/gitlab/api/v4"),
            "https://example.com/gitlab"
        );
        assert_eq!(
            base("https://gitlab.com/users/sign_in?x=1#y"),
            "https://gitlab.com"
        );
    }

    #[test]
    fn refuses_plain_http_except_loopback() {
        assert_eq!(
            Instance::parse("http://gitlab.example.com"),
            Err(InstanceError::PlainHttp)
        );
        assert!(Instance::parse("http://127.0.0.1:8080").is_ok());
        assert!(Instance::parse("http://localhost:8080").is_ok());
        assert!(Instance::parse("http://[::1]:8080").is_ok());
        assert!(matches!(
            Instance::parse("ftp://x"),
            Err(InstanceError::Scheme(_))
        ));
        assert_eq!(
            Instance::parse("https://u:p@h"),
            Err(InstanceError::Credentials)
        );
        assert_eq!(Instance::parse("  "), Err(InstanceError::Empty));
    }

    #[test]
    fn keys_and_roots() {
        let i = Instance::parse("https://example.com:8443/gitlab").unwrap();
        assert_eq!(i.key(), "example.com:8443/gitlab");
        assert_eq!(i.relative_root(), Some("/gitlab"));
        assert_eq!(
            i.api("/user"),
            "https://example.com:8443/gitlab/api/v4/user"
        );
        assert_eq!(Instance::gitlab_com().key(), "gitlab.com");
        assert!(Instance::gitlab_com().is_gitlab_com());
        assert_eq!(Instance::gitlab_com().relative_root(), None);
    }

    #[test]
    fn finds_gitlab_remotes() {
        let remotes = "origin\tgit@github.com:a/b.git (fetch)\n\
                       work\tgit@gitlab.example.com:group/sub/proj.git (fetch)\n";
        let (i, path) = gitlab_remote(remotes).unwrap();
        assert_eq!(i.base_url(), "https://gitlab.example.com");
        assert_eq!(path, "group/sub/proj");
        let (i, path) = gitlab_remote("o\thttps://gitlab.com:8443/g/p.git (fetch)").unwrap();
        assert_eq!(i.key(), "gitlab.com:8443");
        assert_eq!(path, "g/p");
        assert!(gitlab_remote("o\tgit@github.com:a/b.git (fetch)").is_none());
    }
}
