//! What the reachability check says: stage details, and each problem with its fix; the check's
//! typed report in words ([`ShownReport`], what `check --json` prints and the wizard shows).

use std::net::SocketAddr;
use std::time::Duration;

mod report;

use crate::instance::Instance;
use crate::probe::cert::CertInfo;
use crate::probe::proxy::ProxyUse;
use crate::probe::{IoFailure, TrustedBy};
use crate::problem::{Problem, ProblemKind};
use crate::sanitize::{SHORT_MAX, clean, redact_url};
use crate::tls::Trust;
pub use report::{
    ShownReport, ShownStage, detail, invalid_url_report, problem, shown, shown_stage,
};

pub const PLAIN_LOOPBACK: &str =
    "skipped: plain http on a loopback address (for local testing only)";

pub fn url_detail(instance: &Instance) -> String {
    match instance.relative_root() {
        Some(root) => format!(
            "{} (GitLab under the relative URL root {root}; the API is checked at {root}/api/v4)",
            instance.base_url()
        ),
        None => instance.base_url(),
    }
}

pub fn invalid_url(input: &str, reason: &str) -> Problem {
    Problem::new(
        ProblemKind::InvalidUrl,
        format!("{} cannot be checked: {reason}", redact_url(input)),
        "Give the address GitLab is served at, like https://gitlab.example.com (or https://example.com/gitlab).",
    )
}

pub fn dns_detail(addrs: &[SocketAddr]) -> String {
    let ips: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
    format!(
        "{} address{}: {}",
        ips.len(),
        if ips.len() == 1 { "" } else { "es" },
        ips.join(", ")
    )
}

pub fn tls_detail(
    version: Option<String>,
    suite: Option<String>,
    alpn: Option<String>,
    by: TrustedBy,
) -> String {
    let version = version.unwrap_or_default().replace("TLSv1_", "TLS 1.");
    let suite = suite.unwrap_or_default();
    let alpn = alpn.unwrap_or_else(|| "none".into());
    let by = match by {
        TrustedBy::SystemStore => "the system store",
        TrustedBy::CaFile => "--ca-file",
    };
    format!("{version}, {suite}, ALPN {alpn}; certificate valid for this name, trusted by {by}")
}

pub fn gitlab_detail(status: u16, path: &str, sign_in_ok: Option<bool>) -> String {
    let sign_in = match sign_in_ok {
        Some(true) => "; sign-in page found",
        Some(false) => "; no sign-in page at /users/sign_in",
        None => "",
    };
    format!("{path} answered {status} with GitLab's JSON{sign_in}")
}

pub fn proxy_detail(proxy: &ProxyUse) -> String {
    match proxy {
        ProxyUse::None => "none (HTTPS_PROXY not set)".into(),
        ProxyUse::Excluded { proxy, rule } => format!(
            "not used: NO_PROXY rule {} excludes this host ({})",
            clean(rule, SHORT_MAX),
            redact_url(proxy)
        ),
        ProxyUse::Via { shown, var, .. } => format!("via {shown} ({var})"),
        ProxyUse::Invalid { var, .. } => format!("{var} is not usable"),
    }
}

pub fn tcp_detail(peer: SocketAddr, proxy: &ProxyUse) -> String {
    match proxy {
        ProxyUse::Via { .. } => format!("connected to the proxy at {peer}; tunnel opened"),
        _ => format!("connected to {peer}"),
    }
}

pub fn bad_proxy(var: &str, value: &str) -> Problem {
    Problem::new(
        ProblemKind::InvalidUrl,
        format!(
            "{var}={} is not an http:// proxy address this tool can use.",
            redact_url(value)
        ),
        format!("Set {var} to http://HOST:PORT, or unset it (or add the host to NO_PROXY)."),
    )
}

pub fn tunnel_failed(e: &str) -> Problem {
    Problem::new(
        ProblemKind::Unreachable,
        format!("The proxy did not open a tunnel: {e}."),
        "Check the proxy address and whether it allows CONNECT to this host and port; or add the host to NO_PROXY.",
    )
}

pub fn dns_failed(host: &str, error: &str) -> Problem {
    Problem::new(
        ProblemKind::DnsFailed,
        format!("The name {host} does not resolve ({error})."),
        "Check the spelling. On a company network, connect the VPN or use the name your internal DNS knows.",
    )
}

pub fn timeout(what: &str, limit: Duration) -> Problem {
    Problem::new(
        ProblemKind::Timeout,
        format!(
            "Gave up waiting for {what} after {} s: no answer.",
            limit.as_secs_f32()
        ),
        "The host or a firewall drops the traffic. Check the VPN or proxy, or raise --timeout on a slow link.",
    )
}

pub fn connect_failed(failures: &[(SocketAddr, IoFailure)]) -> Problem {
    let each: Vec<String> = failures
        .iter()
        .map(|(a, e)| format!("{a}: {}", short_io(e)))
        .collect();
    let refused = !failures.is_empty() && failures.iter().all(|(_, e)| *e == IoFailure::Refused);
    if refused {
        Problem::new(
            ProblemKind::ConnectionRefused,
            format!("Connection refused ({}).", each.join("; ")),
            "Nothing listens on that port. Check the port in the address, and that GitLab's web server (nginx) runs.",
        )
    } else {
        Problem::new(
            ProblemKind::Unreachable,
            format!("Cannot connect ({}).", each.join("; ")),
            "The host is not reachable from here: check the VPN, a firewall, or the network route.",
        )
    }
}

pub fn connect_timeout(
    addrs: &[SocketAddr],
    failures: &[(SocketAddr, IoFailure)],
    limit: Duration,
) -> Problem {
    let pending: Vec<String> = addrs
        .iter()
        .filter(|a| !failures.iter().any(|(f, _)| f == *a))
        .map(|a| format!("{a}: timeout"))
        .chain(
            failures
                .iter()
                .map(|(a, e)| format!("{a}: {}", short_io(e))),
        )
        .collect();
    Problem::new(
        ProblemKind::ConnectTimeout,
        format!(
            "No TCP connection within {} s ({}).",
            limit.as_secs_f32(),
            pending.join("; ")
        ),
        "A firewall drops the connection, or the host is down. Check the VPN, proxy settings (HTTPS_PROXY) or the port.",
    )
}

fn short_io(e: &IoFailure) -> String {
    match e {
        IoFailure::Refused => "refused".into(),
        IoFailure::HostUnreachable => "host unreachable".into(),
        IoFailure::NetworkUnreachable => "network unreachable".into(),
        IoFailure::TimedOut => "timeout".into(),
        IoFailure::Other(e) => e.clone(),
    }
}

/// The trusted roots could not be set up (`error`: the setup error's own words).
pub fn setup(error: &str) -> Problem {
    Problem::new(
        ProblemKind::TlsHandshakeFailed,
        error.to_owned(),
        "Give --ca-file a PEM file with the CA certificate(s).",
    )
}

pub fn bad_name(host: &str) -> Problem {
    Problem::new(
        ProblemKind::InvalidUrl,
        format!("{host} is not a valid host name for TLS."),
        "Check the address.",
    )
}

pub fn tls_failed(
    kind: ProblemKind,
    host: &str,
    error: &str,
    cert: Option<&CertInfo>,
    trust: &Trust,
) -> Problem {
    let issuer = cert
        .map(|c| c.issuer.clone())
        .unwrap_or_else(|| "an unknown issuer".into());
    let (message, fix) = match kind {
        ProblemKind::TlsUnknownIssuer => (
            format!("The certificate of {host} is issued by {issuer}, which this computer does not trust."),
            match &trust.ca_file {
                Some(path) => format!(
                    "{} does not hold that CA. Ask the GitLab admin for the CA certificate (PEM) and pass it with --ca-file; if the CA is right, the server may not send its intermediate certificate.",
                    path.display()
                ),
                None => "If your company runs its own CA, save its certificate as a PEM file and pass --ca-file PATH (or install it in the system store).".into(),
            },
        ),
        ProblemKind::TlsIncompleteChain => (
            format!(
                "{host} sends only its own certificate, issued by {issuer}, which is not among the trusted CAs: \
                 the server most likely omits the intermediate CA certificate (or --ca-file holds another CA)."
            ),
            "Add the intermediate certificate(s) after the server certificate in the chain file the web server \
             serves (nginx `ssl_certificate`, GitLab's /etc/gitlab/ssl/HOST.crt), then reload it. Browsers may hide this; other tools fail."
                .into(),
        ),
        ProblemKind::TlsSelfSigned => (
            format!("{host} presents a self-signed certificate."),
            "Pass that certificate with --ca-file PATH to trust it, or better, have the admin install a certificate from a CA.".into(),
        ),
        ProblemKind::TlsExpired => (
            format!(
                "The certificate of {host} expired{}.",
                cert.map(expired_when).unwrap_or_default()
            ),
            "The GitLab admin must renew it (for Let's Encrypt: check that renewal runs). Do not work around it.".into(),
        ),
        ProblemKind::TlsNotYetValid => (
            format!("The certificate of {host} is not valid yet."),
            "Check this computer's clock; if it is right, the server's certificate was issued with a future start date.".into(),
        ),
        ProblemKind::TlsHostnameMismatch => (
            format!(
                "The certificate is not valid for {host}{}.",
                cert.map(|c| format!(" (it names: {})", c.sans.join(", "))).unwrap_or_default()
            ),
            "Use the address the certificate names, or ask the admin for a certificate that includes this name.".into(),
        ),
        _ => (
            format!("The TLS handshake with {host} failed: {error}."),
            "Check that the port speaks HTTPS (not plain HTTP) and that no proxy intercepts the connection.".into(),
        ),
    };
    Problem::new(kind, message, fix)
}

/// " on 2026-11-20, 3 days ago" for an expired certificate.
fn expired_when(c: &CertInfo) -> String {
    let date = &c.not_after[..10.min(c.not_after.len())];
    match -c.days_left {
        ..=0 => format!(" on {date}, today"),
        1 => format!(" on {date}, 1 day ago"),
        n => format!(" on {date}, {n} days ago"),
    }
}

pub fn cert_expires_soon(cert: &CertInfo) -> Problem {
    Problem::new(
        ProblemKind::CertExpiresSoon,
        format!(
            "The certificate expires in {} days ({}).",
            cert.days_left,
            &cert.not_after[..10.min(cert.not_after.len())]
        ),
        "Renew it before then; tools will stop connecting on that day.",
    )
}

pub fn http_failed(error: &str) -> Problem {
    Problem::new(
        ProblemKind::HttpError,
        format!("The server did not answer HTTP properly: {error}."),
        "Check that GitLab's web server runs and that no proxy cuts the connection.",
    )
}

pub fn too_large(limit: usize) -> Problem {
    Problem::new(
        ProblemKind::ResponseTooLarge,
        format!(
            "The answer is larger than {} KiB (headers or body); GitLab's answer here is tiny, so it was not read.",
            limit / 1024
        ),
        "Check the address points at GitLab itself, not another service or a proxy in front of it.",
    )
}

pub fn incomplete(error: &str) -> Problem {
    Problem::new(
        ProblemKind::IncompleteAnswer,
        format!("The server closed the connection in the middle of its answer ({error})."),
        "Try again; if it keeps happening, a proxy or load balancer cuts connections: tell the GitLab admin.",
    )
}

pub fn server_error(instance: &Instance, status: u16, path: &str) -> Problem {
    Problem::new(
        ProblemKind::ServerError,
        format!(
            "{}{path} answered {status}: the server is there but failing (or a proxy in front of it cannot reach GitLab).",
            instance.base_url(),
        ),
        "Try again in a minute; if it persists, tell the GitLab admin (GitLab or its proxy is down or overloaded).",
    )
}

pub fn rate_limited(instance: &Instance, path: &str) -> Problem {
    Problem::new(
        ProblemKind::RateLimited,
        format!(
            "{}{path} answered 429: too many requests from this address.",
            instance.base_url()
        ),
        "Wait a minute and check again; if it persists, ask the GitLab admin about the rate limits.",
    )
}

pub fn redirected(instance: &Instance, location: &str) -> Problem {
    Problem::new(
        ProblemKind::Redirect,
        format!("{} redirects the API to {location}.", instance.base_url()),
        "Use the address GitLab itself lives at (its external_url); a token is never sent through a redirect to another host.",
    )
}

pub fn login_page(instance: &Instance, path: &str) -> Problem {
    Problem::new(
        ProblemKind::LoginPage,
        format!(
            "{}{path} shows a sign-in page instead of GitLab's API.",
            instance.origin()
        ),
        "An SSO or proxy login sits in front of GitLab. Ask the admin to let /api/v4 through, or use the address that bypasses it.",
    )
}

pub fn not_gitlab(instance: &Instance, status: u16, content_type: &str, path: &str) -> Problem {
    let hint = if instance.relative_root().is_some() {
        " If GitLab is not installed under that path, remove the path from the address."
    } else {
        " If GitLab lives under a path (relative URL root), add it, e.g. https://host/gitlab."
    };
    Problem::new(
        ProblemKind::NotGitlab,
        format!(
            "{}{path} answered {status} ({}) and not like GitLab's API.",
            // `path` already holds the relative URL root: the origin, so it is said once.
            instance.origin(),
            if content_type.is_empty() {
                "no content type"
            } else {
                content_type
            }
        ),
        format!("Check the address.{hint}"),
    )
}
