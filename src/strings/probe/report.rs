//! The check's typed report in words: each stage's detail, each finding a problem with its fix.

use serde::Serialize;

use super::{
    PLAIN_LOOPBACK, bad_name, bad_proxy, cert_expires_soon, connect_failed, connect_timeout,
    dns_detail, dns_failed, gitlab_detail, http_failed, incomplete, login_page, not_gitlab,
    proxy_detail, rate_limited, redirected, server_error, setup, tcp_detail, timeout, tls_detail,
    tls_failed, too_large, tunnel_failed, url_detail,
};
use crate::probe::cert::CertInfo;
use crate::probe::{Detail, Finding, Report, Stage, StageResult, Waited};
use crate::problem::Problem;
use crate::sanitize::redact_url;
use crate::tls::Trust;

/// One finished stage in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownStage {
    pub stage: Stage,
    pub ok: bool,
    pub ms: u64,
    /// What it saw, or (failed) its problem's message.
    pub detail: String,
}

/// The whole check in words (`check --json` prints it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownReport {
    pub ok: bool,
    pub url: String,
    pub stages: Vec<ShownStage>,
    pub certificate: Option<CertInfo>,
    pub problems: Vec<Problem>,
}

/// A stage in words.
pub fn shown_stage(s: &StageResult) -> ShownStage {
    ShownStage {
        stage: s.stage,
        ok: s.ok(),
        ms: s.ms,
        detail: match &s.outcome {
            Ok(d) => detail(d),
            Err(f) => problem(f).message,
        },
    }
}

/// The check in words.
pub fn shown(r: &Report) -> ShownReport {
    ShownReport {
        ok: r.ok,
        url: r.url.clone(),
        stages: r.stages.iter().map(shown_stage).collect(),
        certificate: r.certificate.clone(),
        problems: r.findings.iter().map(problem).collect(),
    }
}

/// The report for an address that cannot be checked at all.
pub fn invalid_url_report(input: &str, problem: Problem) -> ShownReport {
    ShownReport {
        ok: false,
        url: redact_url(input),
        stages: vec![ShownStage {
            stage: Stage::Url,
            ok: false,
            ms: 0,
            detail: problem.message.clone(),
        }],
        certificate: None,
        problems: vec![problem],
    }
}

/// What a passed stage saw.
pub fn detail(d: &Detail) -> String {
    match d {
        Detail::Url(instance) => url_detail(instance),
        Detail::Proxy(proxy) => proxy_detail(proxy),
        Detail::Dns(addrs) => dns_detail(addrs),
        Detail::Tcp { peer, proxy } => tcp_detail(*peer, proxy),
        Detail::PlainLoopback => PLAIN_LOOPBACK.to_owned(),
        Detail::Tls {
            version,
            suite,
            alpn,
            by,
        } => tls_detail(version.clone(), suite.clone(), alpn.clone(), *by),
        Detail::GitLab {
            status,
            path,
            sign_in_ok,
        } => gitlab_detail(*status, path, *sign_in_ok),
    }
}

fn waited(w: Waited) -> &'static str {
    match w {
        Waited::Dns => "DNS",
        Waited::ProxyTunnel => "the proxy tunnel",
        Waited::TlsHandshake => "the TLS handshake",
        Waited::HttpAnswer => "the HTTP answer",
    }
}

/// A finding as a problem with its fix.
pub fn problem(f: &Finding) -> Problem {
    match f {
        Finding::BadProxy { var, value } => bad_proxy(var, value),
        Finding::TunnelFailed(e) => tunnel_failed(e),
        Finding::DnsFailed { host, error } => dns_failed(host, error),
        Finding::Timeout { waited: w, limit } => timeout(waited(*w), *limit),
        Finding::ConnectFailed(failures) => connect_failed(failures),
        Finding::ConnectTimeout {
            addrs,
            failures,
            limit,
        } => connect_timeout(addrs, failures, *limit),
        Finding::TlsSetup(e) => setup(e),
        Finding::BadName(host) => bad_name(host),
        Finding::TlsFailed {
            kind,
            host,
            error,
            certificate,
            ca_file,
        } => tls_failed(
            *kind,
            host,
            error,
            certificate.as_ref(),
            &Trust::with_ca_file(ca_file.clone()),
        ),
        Finding::CertExpiresSoon(cert) => cert_expires_soon(cert),
        Finding::HttpFailed(e) => http_failed(e),
        Finding::TooLarge(limit) => too_large(*limit),
        Finding::Incomplete(e) => incomplete(e),
        Finding::ServerError {
            instance,
            status,
            path,
        } => server_error(instance, *status, path),
        Finding::RateLimited { instance, path } => rate_limited(instance, path),
        Finding::Redirected { instance, location } => redirected(instance, location),
        Finding::LoginPage { instance, path } => login_page(instance, path),
        Finding::NotGitLab {
            instance,
            status,
            content_type,
            path,
        } => not_gitlab(instance, *status, content_type, path),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::instance::Instance;
    use crate::probe::IoFailure;
    use crate::problem::ProblemKind;

    /// The kind the library reports (and judges `ok` by) is the kind of the problem said.
    #[test]
    fn each_finding_says_its_own_kind() {
        let instance = Instance::parse("https://gitlab.example.com").unwrap();
        let addr = "192.0.2.1:443".parse().unwrap();
        let cert = CertInfo {
            subject: "CN=x".into(),
            sans: vec![],
            issuer: "CN=y".into(),
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2026-12-01T00:00:00Z".into(),
            days_left: 3,
            self_signed: false,
            chain_len: 1,
        };
        let findings = [
            Finding::BadProxy {
                var: "HTTPS_PROXY",
                value: "x".into(),
            },
            Finding::TunnelFailed("403".into()),
            Finding::DnsFailed {
                host: "h".into(),
                error: "e".into(),
            },
            Finding::Timeout {
                waited: Waited::Dns,
                limit: Duration::from_secs(1),
            },
            Finding::ConnectFailed(vec![(addr, IoFailure::Refused)]),
            Finding::ConnectFailed(vec![(addr, IoFailure::TimedOut)]),
            Finding::ConnectFailed(vec![]),
            Finding::ConnectTimeout {
                addrs: vec![addr],
                failures: vec![],
                limit: Duration::from_secs(1),
            },
            Finding::TlsSetup("e".into()),
            Finding::BadName("h".into()),
            Finding::TlsFailed {
                kind: ProblemKind::TlsExpired,
                host: "h".into(),
                error: "e".into(),
                certificate: Some(cert.clone()),
                ca_file: None,
            },
            Finding::CertExpiresSoon(cert),
            Finding::HttpFailed("e".into()),
            Finding::TooLarge(65536),
            Finding::Incomplete("e".into()),
            Finding::ServerError {
                instance: instance.clone(),
                status: 502,
                path: "/api/v4/version".into(),
            },
            Finding::RateLimited {
                instance: instance.clone(),
                path: "/api/v4/version".into(),
            },
            Finding::Redirected {
                instance: instance.clone(),
                location: "https://sso.example.com".into(),
            },
            Finding::LoginPage {
                instance: instance.clone(),
                path: "/api/v4/version".into(),
            },
            Finding::NotGitLab {
                instance,
                status: 404,
                content_type: String::new(),
                path: "/api/v4/version".into(),
            },
        ];
        for f in &findings {
            assert_eq!(problem(f).kind, f.kind(), "{f:?}");
        }
    }
}
