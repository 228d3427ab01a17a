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
    /// and API, sign-in, project or clone URLs pasted by mistake (see [`Instance::parse_noted`]).
    pub fn parse(input: &str) -> Result<Self, InstanceError> {
        Self::parse_noted(input).map(|(instance, _)| instance)
    }

    /// [`Instance::parse`], also returning the group or project path it dropped, so the caller
    /// can say so. The rule, in this order:
    /// - `git@host:group/project.git` (scp form) and `ssh://…`: a clone address, the host is kept;
    /// - GitLab's own pages are stripped (`/api/v4`, `/users/sign_in`, the token page), keeping
    ///   the relative URL root before them (`https://example.com/gitlab/api/v4`);
    /// - a path with `/-/` (GitLab's separator before a project's or group's pages), a path
    ///   ending in `.git`, a path of two or more segments (`/group/project`), or any path on
    ///   GitLab.com: a browser or clone URL, the host is kept;
    /// - a path of one segment (`https://example.com/gitlab`) is GitLab's relative URL root.
    pub fn parse_noted(input: &str) -> Result<(Self, Option<String>), InstanceError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(InstanceError::Empty);
        }
        if let Some((host, path)) = scp_form(input) {
            let instance = Self::parse(&host)?;
            return Ok((instance, project_path(&path)));
        }
        let with_scheme = if input.contains("://") {
            input.to_owned()
        } else {
            format!("https://{input}")
        };
        let mut url =
            Url::parse(&with_scheme).map_err(|_| InstanceError::Unparsable(input.to_owned()))?;
        if matches!(url.scheme(), "ssh" | "git+ssh") {
            // A clone address: the web interface is HTTPS on the same host (not the SSH port).
            let host = url.host_str().ok_or(InstanceError::NoHost)?.to_owned();
            let instance = Self::parse(&host)?;
            return Ok((instance, project_path(url.path())));
        }
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
        let on_gitlab_com = url
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case("gitlab.com"))
            && url.port().is_none();
        let segments = path.split('/').filter(|s| !s.is_empty()).count();
        let page = path.contains("/-/")
            || path.ends_with(".git")
            || segments >= 2
            || (on_gitlab_com && segments > 0);
        let dropped = if page {
            let dropped = project_path(&path);
            path.clear();
            dropped
        } else {
            None
        };
        url.set_path(&path);
        Ok((Instance { base: url }, dropped))
    }

    /// `https://host[:port]`: the origin, without the relative URL root.
    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
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

/// Whether `url` names this machine (localhost, 127.0.0.0/8, ::1): plain http is allowed only there.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// `[user@]host:path` (git's scp-like syntax), when `input` is one: a colon not followed by a
/// port number, and no scheme.
fn scp_form(input: &str) -> Option<(String, String)> {
    if input.contains("://") {
        return None;
    }
    let (user_host, path) = input.split_once(':')?;
    let port = path.split('/').next().unwrap_or_default();
    if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let host = user_host.rsplit('@').next()?;
    let plain = !host.is_empty() && !host.contains(['/', '[', ']']);
    plain.then(|| (host.to_owned(), path.to_owned()))
}

/// The group or project path of a page or clone URL path: before `/-/`, without `.git`.
fn project_path(path: &str) -> Option<String> {
    let path = path.split("/-/").next().unwrap_or_default();
    let path = path
        .trim_matches('/')
        .trim_end_matches(".git")
        .trim_matches('/');
    (!path.is_empty()).then(|| path.to_owned())
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

    fn noted(s: &str) -> (String, Option<String>) {
        let (i, dropped) = Instance::parse_noted(s).unwrap();
        (i.base_url(), dropped)
    }

    #[test]
    fn browser_and_clone_urls_become_the_host() {
        let host = "https://gitlab.example.com".to_owned();
        let acme = Some("acme/platform".to_owned());
        assert_eq!(
            noted("https://gitlab.example.com/acme/platform"),
            (host.clone(), acme.clone())
        );
        assert_eq!(
            noted("https://gitlab.example.com/acme/platform/-/merge_requests/7"),
            (host.clone(), acme.clone())
        );
        assert_eq!(
            noted("https://gitlab.example.com/groups/acme/-/group_members"),
            (host.clone(), Some("groups/acme".into()))
        );
        assert_eq!(
            noted("git@gitlab.example.com:acme/platform.git"),
            (host.clone(), acme.clone())
        );
        assert_eq!(
            noted("gitlab.example.com:acme/platform.git"),
            (host.clone(), acme.clone())
        );
        assert_eq!(
            noted("ssh://git@gitlab.example.com:2222/acme/platform.git"),
            (host.clone(), acme.clone())
        );
        assert_eq!(
            noted("https://gitlab.example.com/acme/platform.git"),
            (host.clone(), acme)
        );
        assert_eq!(
            noted("https://gitlab.com/acme"),
            ("https://gitlab.com".into(), Some("acme".into()))
        );
        // Real relative URL roots and plain hosts are kept, with nothing dropped.
        assert_eq!(
            noted("https://example.com/gitlab"),
            ("https://example.com/gitlab".into(), None)
        );
        assert_eq!(
            noted("https://example.com/gitlab/api/v4"),
            ("https://example.com/gitlab".into(), None)
        );
        assert_eq!(
            noted("https://example.com/gitlab/-/user_settings/personal_access_tokens"),
            ("https://example.com/gitlab".into(), None)
        );
        assert_eq!(
            noted("gitlab.example.com:8443"),
            ("https://gitlab.example.com:8443".into(), None)
        );
        assert_eq!(noted("gitlab.example.com"), (host, None));
        assert_eq!(noted("[::1]:8080"), ("https://[::1]:8080".into(), None));
        let i = Instance::parse("https://example.com:8443/gitlab").unwrap();
        assert_eq!(i.origin(), "https://example.com:8443");
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
