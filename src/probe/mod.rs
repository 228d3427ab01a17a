//! Reachability of a GitLab instance, in stages (URL, DNS, TCP, TLS, HTTP), each timed and explained.

pub mod cert;
pub mod finding;
pub mod http;
pub mod proxy;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::timeout_at;

use crate::instance::Instance;
use crate::problem::ProblemKind;
use crate::tls::{Trust, classify, config_with_verifier, find_rustls_error};
use cert::{CertInfo, RecordingVerifier};
pub use finding::{Detail, Finding, IoFailure, Waited};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Url,
    Proxy,
    Dns,
    Tcp,
    Tls,
    Http,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Url,
        Stage::Proxy,
        Stage::Dns,
        Stage::Tcp,
        Stage::Tls,
        Stage::Http,
    ];
}

/// One finished stage: what it saw, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageResult {
    pub stage: Stage,
    pub ms: u64,
    pub outcome: Result<Detail, Finding>,
}

impl StageResult {
    /// The stage passed.
    pub fn ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// The whole check (`strings::probe::shown` says it, for `check --json` and the wizard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub ok: bool,
    pub url: String,
    pub stages: Vec<StageResult>,
    pub certificate: Option<CertInfo>,
    /// The problems and warnings, in the order found.
    pub findings: Vec<Finding>,
}

/// Runs every stage within one deadline of `timeout`, calling `on_stage` as each finishes.
pub async fn run(
    instance: &Instance,
    trust: &Trust,
    timeout: Duration,
    on_stage: &mut (dyn FnMut(&StageResult) + Send),
) -> Report {
    let mut run = Run {
        deadline: tokio::time::Instant::now() + timeout,
        timeout,
        stages: Vec::new(),
        findings: Vec::new(),
        certificate: None,
        trusted_by: None,
        on_stage,
    };
    run.all(instance, trust).await;
    let ok = run.findings.iter().all(|f| f.kind().is_warning());
    Report {
        ok,
        url: instance.base_url(),
        stages: run.stages,
        certificate: run.certificate,
        findings: run.findings,
    }
}

struct Run<'a> {
    deadline: tokio::time::Instant,
    timeout: Duration,
    stages: Vec<StageResult>,
    findings: Vec<Finding>,
    certificate: Option<CertInfo>,
    trusted_by: Option<TrustedBy>,
    on_stage: &'a mut (dyn FnMut(&StageResult) + Send),
}

/// Which roots made the chain valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustedBy {
    SystemStore,
    CaFile,
}

/// Whether the system store alone trusts `chain` for `host`, or only with `--ca-file`.
fn trusted_by(
    chain: &[rustls::pki_types::CertificateDer<'static>],
    host: &str,
    trust: &Trust,
) -> TrustedBy {
    let system = Trust {
        ca_file: None,
        without_system_roots: false,
    };
    let (Some(leaf), Ok(verifier), Ok(name)) = (
        chain.first(),
        system.verifier(),
        ServerName::try_from(host.to_owned()),
    ) else {
        return if trust.ca_file.is_some() {
            TrustedBy::CaFile
        } else {
            TrustedBy::SystemStore
        };
    };
    let now = rustls::pki_types::UnixTime::now();
    use rustls::client::danger::ServerCertVerifier;
    match verifier.verify_server_cert(leaf, &chain[1..], &name, &[], now) {
        Ok(_) => TrustedBy::SystemStore,
        Err(_) => TrustedBy::CaFile,
    }
}

impl Run<'_> {
    fn end(&mut self, stage: Stage, started: Instant, outcome: Result<Detail, Finding>) {
        let result = StageResult {
            stage,
            ms: started.elapsed().as_millis() as u64,
            outcome,
        };
        (self.on_stage)(&result);
        self.stages.push(result);
    }

    fn finish(&mut self, stage: Stage, started: Instant, detail: Detail) {
        self.end(stage, started, Ok(detail));
    }

    fn fail(&mut self, stage: Stage, started: Instant, finding: Finding) {
        self.end(stage, started, Err(finding.clone()));
        self.findings.push(finding);
    }

    async fn all(&mut self, instance: &Instance, trust: &Trust) {
        let host = instance.host().trim_matches(['[', ']']).to_owned();
        let started = Instant::now();
        self.finish(Stage::Url, started, Detail::Url(instance.clone()));

        let started = Instant::now();
        let proxy = proxy::for_host(&host, |name| std::env::var(name).ok());
        let (dial_host, dial_port) = match &proxy {
            proxy::ProxyUse::Via { host, port, .. } => (host.clone(), *port),
            proxy::ProxyUse::Invalid { var, value } => {
                let value = value.clone();
                return self.fail(Stage::Proxy, started, Finding::BadProxy { var, value });
            }
            _ => (host.clone(), instance.port()),
        };
        self.finish(Stage::Proxy, started, Detail::Proxy(proxy.clone()));

        let started = Instant::now();
        let addrs = match timeout_at(
            self.deadline,
            tokio::net::lookup_host((dial_host.as_str(), dial_port)),
        )
        .await
        {
            Ok(Ok(addrs)) => addrs.collect::<Vec<SocketAddr>>(),
            Ok(Err(e)) => {
                let (host, error) = (dial_host.clone(), e.to_string());
                return self.fail(Stage::Dns, started, Finding::DnsFailed { host, error });
            }
            Err(_) => return self.fail(Stage::Dns, started, self.timed_out(Waited::Dns)),
        };
        self.finish(Stage::Dns, started, Detail::Dns(addrs.clone()));

        let started = Instant::now();
        let (mut stream, peer) = match connect(&addrs, self.deadline, self.timeout).await {
            Ok(found) => found,
            Err(problem) => return self.fail(Stage::Tcp, started, problem),
        };
        if matches!(proxy, proxy::ProxyUse::Via { .. }) {
            match timeout_at(
                self.deadline,
                proxy::connect_tunnel(&mut stream, &host, instance.port()),
            )
            .await
            {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return self.fail(Stage::Tcp, started, Finding::TunnelFailed(e)),
                Err(_) => {
                    let timed_out = self.timed_out(Waited::ProxyTunnel);
                    return self.fail(Stage::Tcp, started, timed_out);
                }
            }
        }
        self.finish(Stage::Tcp, started, Detail::Tcp { peer, proxy });

        let host_header = host_header(instance);
        let path = instance.path("/api/v4/version");
        if !instance.is_https() {
            let started = Instant::now();
            self.finish(Stage::Tls, started, Detail::PlainLoopback);
            return self
                .http(stream, instance, &host_header, &path, false)
                .await;
        }

        let started = Instant::now();
        let tls = match self.handshake(stream, &host, trust).await {
            Ok(tls) => tls,
            Err(problem) => return self.fail(Stage::Tls, started, problem),
        };
        let (_, session) = tls.get_ref();
        let alpn = session
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let h2 = alpn.as_deref() == Some("h2");
        let detail = Detail::Tls {
            version: session.protocol_version().map(|v| format!("{v:?}")),
            suite: session
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite())),
            alpn,
            by: self.trusted_by.unwrap_or(TrustedBy::SystemStore),
        };
        if let Some(cert) = &self.certificate
            && cert.days_left < 30
        {
            self.findings.push(Finding::CertExpiresSoon(cert.clone()));
        }
        self.finish(Stage::Tls, started, detail);
        self.http(tls, instance, &host_header, &path, h2).await;
    }

    async fn handshake(
        &mut self,
        stream: TcpStream,
        host: &str,
        trust: &Trust,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Finding> {
        let verifier = Arc::new(RecordingVerifier::new(
            trust
                .verifier()
                .map_err(|e| Finding::TlsSetup(e.to_string()))?,
        ));
        let config = config_with_verifier(verifier.clone(), &[b"h2", b"http/1.1"]);
        let name =
            ServerName::try_from(host.to_owned()).map_err(|_| Finding::BadName(host.to_owned()))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let outcome = timeout_at(self.deadline, connector.connect(name, stream)).await;
        let chain = verifier.chain();
        self.certificate = cert::describe(&chain, OffsetDateTime::now_utc());
        match outcome {
            Ok(Ok(tls)) => {
                self.trusted_by = Some(trusted_by(&chain, host, trust));
                Ok(tls)
            }
            Ok(Err(e)) => {
                let rustls_error = find_rustls_error(&e);
                let kind = rustls_error.map_or(ProblemKind::TlsHandshakeFailed, classify);
                // A lone self-signed certificate fails as an unknown issuer, or, when a trusted
                // root has the same subject (Debian's ssl-cert-snakeoil is CN=<hostname>), with a
                // signature error from trying that root's key: both mean "self-signed".
                let rejected = matches!(rustls_error, Some(rustls::Error::InvalidCertificate(_)));
                let kind = match (kind, &self.certificate) {
                    (ProblemKind::TlsUnknownIssuer | ProblemKind::TlsHandshakeFailed, Some(c))
                        if rejected && c.self_signed && c.chain_len == 1 =>
                    {
                        ProblemKind::TlsSelfSigned
                    }
                    (ProblemKind::TlsUnknownIssuer, Some(c)) if c.chain_len == 1 => {
                        let cas = trust
                            .ca_file
                            .as_deref()
                            .and_then(|p| crate::tls::read_ca_file(p).ok())
                            .unwrap_or_default();
                        let (issuer_in_cas, has_ca_issuers) = cert::issuer_facts(&chain, &cas);
                        if !issuer_in_cas && (has_ca_issuers || !cas.is_empty()) {
                            ProblemKind::TlsIncompleteChain
                        } else {
                            kind
                        }
                    }
                    _ => kind,
                };
                Err(Finding::TlsFailed {
                    kind,
                    host: host.to_owned(),
                    error: e.to_string(),
                    certificate: self.certificate.clone(),
                    ca_file: trust.ca_file.clone(),
                })
            }
            Err(_) => Err(self.timed_out(Waited::TlsHandshake)),
        }
    }

    /// The HTTP stage on the open connection `io` (HTTP/2 when ALPN chose it).
    async fn http<S>(&mut self, io: S, instance: &Instance, host_header: &str, path: &str, h2: bool)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let started = Instant::now();
        let sign_in = instance.path("/users/sign_in");
        let answers = timeout_at(
            self.deadline,
            http::get_both(io, host_header, path, &sign_in, h2),
        )
        .await;
        self.judge_http(answers, started, instance, path);
    }

    fn judge_http(
        &mut self,
        answers: Result<
            Result<(http::Answer, Option<http::Answer>), http::Failure>,
            tokio::time::error::Elapsed,
        >,
        started: Instant,
        instance: &Instance,
        path: &str,
    ) {
        let (api, sign_in) = match answers {
            Ok(Ok(answers)) => answers,
            Ok(Err(http::Failure::TooLarge)) => {
                return self.fail(Stage::Http, started, Finding::TooLarge(http::MAX_BODY));
            }
            Ok(Err(http::Failure::Incomplete(e))) => {
                return self.fail(Stage::Http, started, Finding::Incomplete(e));
            }
            Ok(Err(http::Failure::Protocol(e))) => {
                return self.fail(Stage::Http, started, Finding::HttpFailed(e));
            }
            Err(_) => {
                let timed_out = self.timed_out(Waited::HttpAnswer);
                return self.fail(Stage::Http, started, timed_out);
            }
        };
        let (instance, path) = (instance.clone(), path.to_owned());
        let status = api.status;
        let finding = match http::judge(&api) {
            http::Verdict::GitLab => {
                let sign_in_ok = sign_in.as_ref().map(|a| a.status == 200);
                let detail = Detail::GitLab {
                    status,
                    path,
                    sign_in_ok,
                };
                return self.finish(Stage::Http, started, detail);
            }
            http::Verdict::Redirect { location } => Finding::Redirected { instance, location },
            http::Verdict::LoginPage => Finding::LoginPage { instance, path },
            http::Verdict::ServerError => Finding::ServerError {
                instance,
                status,
                path,
            },
            http::Verdict::RateLimited => Finding::RateLimited { instance, path },
            http::Verdict::NotGitLab => Finding::NotGitLab {
                instance,
                status,
                content_type: api.content_type,
                path,
            },
        };
        self.fail(Stage::Http, started, finding)
    }

    fn timed_out(&self, waited: Waited) -> Finding {
        Finding::Timeout {
            waited,
            limit: self.timeout,
        }
    }
}

/// The `Host` header (HTTP/1.1) or `:authority` (HTTP/2) for `instance`: an IPv6 address stays in
/// brackets, and the port is left out only when it is the scheme's default.
fn host_header(instance: &Instance) -> String {
    let default_port = if instance.is_https() { 443 } else { 80 };
    match instance.port() {
        port if port == default_port => instance.host().to_owned(),
        port => format!("{}:{port}", instance.host()),
    }
}

/// Connects to every address at once; the first to succeed wins.
async fn connect(
    addrs: &[SocketAddr],
    deadline: tokio::time::Instant,
    limit: Duration,
) -> Result<(TcpStream, SocketAddr), Finding> {
    let mut attempts = JoinSet::new();
    for &addr in addrs {
        attempts.spawn(async move { (addr, TcpStream::connect(addr).await) });
    }
    let mut failures = Vec::new();
    loop {
        match timeout_at(deadline, attempts.join_next()).await {
            Ok(Some(Ok((addr, Ok(stream))))) => {
                // Small request frames must not wait for delayed ACKs (Nagle).
                let _ = stream.set_nodelay(true);
                return Ok((stream, addr));
            }
            Ok(Some(Ok((addr, Err(e))))) => failures.push((addr, IoFailure::from(&e))),
            Ok(Some(Err(_))) => {}
            Ok(None) => return Err(Finding::ConnectFailed(failures)),
            Err(_) => {
                return Err(Finding::ConnectTimeout {
                    addrs: addrs.to_vec(),
                    failures,
                    limit,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_header_keeps_brackets_and_non_default_ports() {
        let header = |url: &str| host_header(&Instance::parse(url).unwrap());
        assert_eq!(header("https://gitlab.example.com"), "gitlab.example.com");
        assert_eq!(
            header("https://gitlab.example.com:8443/gitlab"),
            "gitlab.example.com:8443"
        );
        assert_eq!(header("https://[::1]"), "[::1]");
        assert_eq!(header("https://[::1]:8443"), "[::1]:8443");
        assert_eq!(header("http://127.0.0.1:443"), "127.0.0.1:443");
        assert_eq!(header("http://localhost"), "localhost");
    }
}
