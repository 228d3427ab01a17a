//! Reachability of a GitLab instance, in stages (URL, DNS, TCP, TLS, HTTP), each timed and explained.

pub mod cert;
pub mod http;

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
use crate::problem::{Problem, ProblemKind};
use crate::strings::probe as text;
use crate::tls::{Trust, classify, config_with_verifier, find_rustls_error};
use cert::{CertInfo, RecordingVerifier};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Url,
    Dns,
    Tcp,
    Tls,
    Http,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Url, Stage::Dns, Stage::Tcp, Stage::Tls, Stage::Http];
}

/// One finished stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageResult {
    pub stage: Stage,
    pub ok: bool,
    pub ms: u64,
    pub detail: String,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub url: String,
    pub stages: Vec<StageResult>,
    pub certificate: Option<CertInfo>,
    pub problems: Vec<Problem>,
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
        problems: Vec::new(),
        certificate: None,
        on_stage,
    };
    run.all(instance, trust).await;
    let ok = run.problems.iter().all(|p| p.kind.is_warning());
    Report {
        ok,
        url: instance.base_url(),
        stages: run.stages,
        certificate: run.certificate,
        problems: run.problems,
    }
}

struct Run<'a> {
    deadline: tokio::time::Instant,
    timeout: Duration,
    stages: Vec<StageResult>,
    problems: Vec<Problem>,
    certificate: Option<CertInfo>,
    on_stage: &'a mut (dyn FnMut(&StageResult) + Send),
}

impl Run<'_> {
    fn finish(&mut self, stage: Stage, started: Instant, ok: bool, detail: String) {
        let result = StageResult { stage, ok, ms: started.elapsed().as_millis() as u64, detail };
        (self.on_stage)(&result);
        self.stages.push(result);
    }

    fn fail(&mut self, stage: Stage, started: Instant, problem: Problem) {
        self.finish(stage, started, false, problem.message.clone());
        self.problems.push(problem);
    }

    async fn all(&mut self, instance: &Instance, trust: &Trust) {
        let host = instance.host().trim_matches(['[', ']']).to_owned();
        let started = Instant::now();
        self.finish(Stage::Url, started, true, text::url_detail(instance));

        let started = Instant::now();
        let addrs = match timeout_at(self.deadline, tokio::net::lookup_host((host.as_str(), instance.port()))).await {
            Ok(Ok(addrs)) => addrs.collect::<Vec<SocketAddr>>(),
            Ok(Err(e)) => return self.fail(Stage::Dns, started, text::dns_failed(&host, &e.to_string())),
            Err(_) => return self.fail(Stage::Dns, started, text::timeout("DNS", self.timeout)),
        };
        self.finish(Stage::Dns, started, true, text::dns_detail(&addrs));

        let started = Instant::now();
        let (stream, peer) = match connect(&addrs, self.deadline, self.timeout).await {
            Ok(found) => found,
            Err(problem) => return self.fail(Stage::Tcp, started, problem),
        };
        self.finish(Stage::Tcp, started, true, format!("connected to {peer}"));

        let host_header = match instance.port() {
            443 | 80 => host.clone(),
            port => format!("{}:{port}", instance.host()),
        };
        let path = instance.path("/api/v4/version");
        if !instance.is_https() {
            let started = Instant::now();
            self.finish(Stage::Tls, started, true, text::PLAIN_LOOPBACK.to_owned());
            return self.http(stream, instance, &host_header, &path).await;
        }

        let started = Instant::now();
        let tls = match self.handshake(stream, &host, trust).await {
            Ok(tls) => tls,
            Err(problem) => return self.fail(Stage::Tls, started, problem),
        };
        let (_, session) = tls.get_ref();
        let detail = text::tls_detail(
            session.protocol_version().map(|v| format!("{v:?}")),
            session.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())),
            session.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
        );
        if let Some(cert) = &self.certificate
            && cert.days_left < 30
        {
            self.problems.push(text::cert_expires_soon(cert));
        }
        self.finish(Stage::Tls, started, true, detail);
        self.http(tls, instance, &host_header, &path).await;
    }

    async fn handshake(
        &mut self,
        stream: TcpStream,
        host: &str,
        trust: &Trust,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Problem> {
        let verifier = Arc::new(RecordingVerifier::new(trust.verifier().map_err(|e| text::setup(&e))?));
        let config = config_with_verifier(verifier.clone(), &[b"http/1.1"]);
        let name = ServerName::try_from(host.to_owned()).map_err(|_| text::bad_name(host))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let outcome = timeout_at(self.deadline, connector.connect(name, stream)).await;
        self.certificate = cert::describe(&verifier.chain(), OffsetDateTime::now_utc());
        match outcome {
            Ok(Ok(tls)) => Ok(tls),
            Ok(Err(e)) => {
                let kind = find_rustls_error(&e).map_or(ProblemKind::TlsHandshakeFailed, classify);
                let self_signed = self.certificate.as_ref().is_some_and(|c| c.self_signed && c.chain_len == 1);
                let kind = if kind == ProblemKind::TlsUnknownIssuer && self_signed {
                    ProblemKind::TlsSelfSigned
                } else {
                    kind
                };
                Err(text::tls_failed(kind, host, &e.to_string(), self.certificate.as_ref(), trust))
            }
            Err(_) => Err(text::timeout("the TLS handshake", self.timeout)),
        }
    }

    async fn http<S>(&mut self, io: S, instance: &Instance, host_header: &str, path: &str)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let started = Instant::now();
        let answer = match timeout_at(self.deadline, http::get(io, host_header, path)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => return self.fail(Stage::Http, started, text::http_failed(&e)),
            Err(_) => return self.fail(Stage::Http, started, text::timeout("the HTTP answer", self.timeout)),
        };
        match http::judge(&answer) {
            http::Verdict::GitLab => self.finish(Stage::Http, started, true, text::gitlab_detail(&answer, path)),
            http::Verdict::Redirect { location } => {
                self.fail(Stage::Http, started, text::redirected(instance, &location))
            }
            http::Verdict::LoginPage => self.fail(Stage::Http, started, text::login_page(instance, path)),
            http::Verdict::NotGitLab => self.fail(Stage::Http, started, text::not_gitlab(instance, &answer, path)),
        }
    }
}

/// Connects to every address at once; the first to succeed wins.
async fn connect(
    addrs: &[SocketAddr],
    deadline: tokio::time::Instant,
    limit: Duration,
) -> Result<(TcpStream, SocketAddr), Problem> {
    let mut attempts = JoinSet::new();
    for &addr in addrs {
        attempts.spawn(async move { (addr, TcpStream::connect(addr).await) });
    }
    let mut failures = Vec::new();
    loop {
        match timeout_at(deadline, attempts.join_next()).await {
            Ok(Some(Ok((addr, Ok(stream))))) => return Ok((stream, addr)),
            Ok(Some(Ok((addr, Err(e))))) => failures.push((addr, e)),
            Ok(Some(Err(_))) => {}
            Ok(None) => return Err(text::connect_failed(&failures)),
            Err(_) => return Err(text::connect_timeout(addrs, &failures, limit)),
        }
    }
}
