//! What the reachability check found, as typed values: each passed stage's [`Detail`] and each
//! [`Finding`] (a problem, or a warning like a certificate about to expire). No sentences:
//! `strings::probe` says them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::TrustedBy;
use super::cert::CertInfo;
use super::proxy::ProxyUse;
use crate::instance::Instance;
use crate::problem::ProblemKind;

/// What a passed stage saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// The address checked (its relative URL root, if any).
    Url(Instance),
    /// Whether and which proxy is used.
    Proxy(ProxyUse),
    /// The addresses the name resolved to.
    Dns(Vec<SocketAddr>),
    /// The connection made (to the proxy, when one is used).
    Tcp { peer: SocketAddr, proxy: ProxyUse },
    /// Plain http on a loopback address: no TLS to check.
    PlainLoopback,
    /// The TLS session agreed on.
    Tls {
        version: Option<String>,
        suite: Option<String>,
        alpn: Option<String>,
        by: TrustedBy,
    },
    /// GitLab's API answered `status` at `path`; whether its sign-in page was found.
    GitLab {
        status: u16,
        path: String,
        sign_in_ok: Option<bool>,
    },
}

/// What the check waited for in vain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    Dns,
    ProxyTunnel,
    TlsHandshake,
    HttpAnswer,
}

/// How one connection attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoFailure {
    Refused,
    HostUnreachable,
    NetworkUnreachable,
    TimedOut,
    /// Anything else: the system's own words.
    Other(String),
}

impl From<&std::io::Error> for IoFailure {
    fn from(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::ConnectionRefused => IoFailure::Refused,
            std::io::ErrorKind::HostUnreachable => IoFailure::HostUnreachable,
            std::io::ErrorKind::NetworkUnreachable => IoFailure::NetworkUnreachable,
            std::io::ErrorKind::TimedOut => IoFailure::TimedOut,
            _ => IoFailure::Other(e.to_string()),
        }
    }
}

/// A problem the check found (or a warning: [`Finding::CertExpiresSoon`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The proxy variable `var` holds `value`, not an http:// proxy address.
    BadProxy {
        var: &'static str,
        value: String,
    },
    /// The proxy did not open the CONNECT tunnel.
    TunnelFailed(String),
    DnsFailed {
        host: String,
        error: String,
    },
    Timeout {
        waited: Waited,
        limit: Duration,
    },
    /// Every address refused or failed.
    ConnectFailed(Vec<(SocketAddr, IoFailure)>),
    /// No address connected within `limit` (`failures`: those that failed before).
    ConnectTimeout {
        addrs: Vec<SocketAddr>,
        failures: Vec<(SocketAddr, IoFailure)>,
        limit: Duration,
    },
    /// The trusted roots could not be set up (the error's own words).
    TlsSetup(String),
    /// The host is no name TLS can check.
    BadName(String),
    /// The handshake failed (`kind`: how), with what is known of the certificate.
    TlsFailed {
        kind: ProblemKind,
        host: String,
        error: String,
        certificate: Option<CertInfo>,
        ca_file: Option<PathBuf>,
    },
    CertExpiresSoon(CertInfo),
    HttpFailed(String),
    /// The answer exceeded `limit` bytes.
    TooLarge(usize),
    Incomplete(String),
    ServerError {
        instance: Instance,
        status: u16,
        path: String,
    },
    RateLimited {
        instance: Instance,
        path: String,
    },
    Redirected {
        instance: Instance,
        location: String,
    },
    LoginPage {
        instance: Instance,
        path: String,
    },
    NotGitLab {
        instance: Instance,
        status: u16,
        content_type: String,
        path: String,
    },
}

impl Finding {
    /// Its kind (exit codes, `--json`, whether it is only a warning).
    pub fn kind(&self) -> ProblemKind {
        match self {
            Finding::BadProxy { .. } | Finding::BadName(_) => ProblemKind::InvalidUrl,
            Finding::TunnelFailed(_) => ProblemKind::Unreachable,
            Finding::DnsFailed { .. } => ProblemKind::DnsFailed,
            Finding::Timeout { .. } => ProblemKind::Timeout,
            Finding::ConnectFailed(failures) => {
                if !failures.is_empty() && failures.iter().all(|(_, e)| *e == IoFailure::Refused) {
                    ProblemKind::ConnectionRefused
                } else {
                    ProblemKind::Unreachable
                }
            }
            Finding::ConnectTimeout { .. } => ProblemKind::ConnectTimeout,
            Finding::TlsSetup(_) => ProblemKind::TlsHandshakeFailed,
            Finding::TlsFailed { kind, .. } => *kind,
            Finding::CertExpiresSoon(_) => ProblemKind::CertExpiresSoon,
            Finding::HttpFailed(_) => ProblemKind::HttpError,
            Finding::TooLarge(_) => ProblemKind::ResponseTooLarge,
            Finding::Incomplete(_) => ProblemKind::IncompleteAnswer,
            Finding::ServerError { .. } => ProblemKind::ServerError,
            Finding::RateLimited { .. } => ProblemKind::RateLimited,
            Finding::Redirected { .. } => ProblemKind::Redirect,
            Finding::LoginPage { .. } => ProblemKind::LoginPage,
            Finding::NotGitLab { .. } => ProblemKind::NotGitlab,
        }
    }
}
