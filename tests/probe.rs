//! `probe::run` against real servers on 127.0.0.1: each stage, and each way a host can fail.

mod support;

use std::time::{Duration, Instant};

use gitlab_token::instance::Instance;
use gitlab_token::probe::{self, Stage};
use gitlab_token::problem::ProblemKind;
use gitlab_token::strings::probe::{ShownReport as Report, shown, shown_stage};
use gitlab_token::tls::Trust;
use support::fake_gitlab::SIGN_IN_PAGE;
use support::servers::Alpn;
use support::{FakeGitLab, Leaf, Mode, Pki, servers};

const TIMEOUT: Duration = Duration::from_secs(5);

async fn probe_with(url: &str, trust: &Trust, timeout: Duration) -> Report {
    let instance = Instance::parse(url).expect("valid address");
    let mut seen = Vec::new();
    let report = shown(
        &probe::run(
            &instance,
            trust,
            timeout,
            &mut |stage: &probe::StageResult| seen.push(shown_stage(stage)),
        )
        .await,
    );
    assert_eq!(seen, report.stages, "on_stage saw every stage, in order");
    report
}

async fn probe(url: &str, trust: &Trust) -> Report {
    probe_with(url, trust, TIMEOUT).await
}

fn trusting(pki: &Pki) -> Trust {
    Trust::with_ca_file(Some(pki.ca_file.clone()))
}

fn stages(report: &Report) -> Vec<(Stage, bool)> {
    report.stages.iter().map(|s| (s.stage, s.ok)).collect()
}

fn kinds(report: &Report) -> Vec<ProblemKind> {
    report.problems.iter().map(|p| p.kind).collect()
}

/// Every stage ok; no problems at all.
fn assert_healthy(report: &Report) {
    assert!(report.ok, "{report:#?}");
    assert_eq!(stages(report), Stage::ALL.map(|s| (s, true)), "{report:#?}");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// Failed at `stage` (the stages before it passed, none after it ran) with exactly one problem, `kind`.
fn assert_failed(report: &Report, stage: Stage, kind: ProblemKind) {
    assert!(!report.ok);
    let at = Stage::ALL.iter().position(|s| *s == stage).unwrap();
    let mut expected: Vec<(Stage, bool)> = Stage::ALL[..at].iter().map(|s| (*s, true)).collect();
    expected.push((stage, false));
    assert_eq!(stages(report), expected, "{report:#?}");
    assert_eq!(kinds(report), [kind], "{report:#?}");
    assert!(!report.problems[0].fix.is_empty());
}

async fn tls_failure(leaf: &Leaf, trust: &Trust) -> Report {
    let gitlab = FakeGitLab::start(leaf);
    let report = probe(&gitlab.url(), trust).await;
    assert!(
        gitlab.requests().is_empty(),
        "no HTTP request after a failed handshake"
    );
    report
}

fn detail(report: &Report, stage: Stage) -> &str {
    &report
        .stages
        .iter()
        .find(|s| s.stage == stage)
        .expect("stage ran")
        .detail
}

#[tokio::test]
async fn healthy_gitlab_with_the_ca_file() {
    let pki = Pki::new();
    for (alpn, protocol) in [
        (Alpn::H2AndHttp1, "ALPN h2"),
        (Alpn::Http1, "ALPN http/1.1"),
    ] {
        let gitlab = FakeGitLab::start_with(&pki.valid(), "", alpn);
        let report = probe(&gitlab.url(), &trusting(&pki)).await;
        assert_healthy(&report);
        assert_eq!(report.url, gitlab.url());
        assert!(
            detail(&report, Stage::Tls).contains(protocol),
            "{report:#?}"
        );
        assert!(
            detail(&report, Stage::Tls).contains("trusted by --ca-file"),
            "{report:#?}"
        );
        assert!(
            detail(&report, Stage::Http).contains("sign-in page found"),
            "{report:#?}"
        );
        let cert = report.certificate.as_ref().expect("certificate details");
        assert_eq!(cert.sans, ["localhost", "127.0.0.1"]);
        assert!(
            cert.issuer.contains("gitlab-token test root CA") && !cert.self_signed,
            "{cert:?}"
        );
        assert!((88..=90).contains(&cert.days_left), "{cert:?}");
        // The probe asks without a token: the API's version endpoint, then the sign-in page.
        let mut log: Vec<(String, bool)> = gitlab
            .requests()
            .into_iter()
            .map(|r| (r.path, r.authorized))
            .collect();
        log.sort();
        assert_eq!(
            log,
            [
                ("/api/v4/version".to_owned(), false),
                ("/users/sign_in".to_owned(), false)
            ]
        );

        assert_healthy(&probe(&gitlab.url_ip(), &trusting(&pki)).await);
    }
}

#[tokio::test]
async fn untrusted_issuer_without_the_ca_file() {
    let pki = Pki::new();
    let report = tls_failure(&pki.valid(), &Trust::with_ca_file(None)).await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsUnknownIssuer);
    assert!(
        report.problems[0].fix.contains("--ca-file"),
        "{:?}",
        report.problems[0]
    );
    // The certificate is still described, to explain the failure.
    assert!(
        report
            .certificate
            .as_ref()
            .is_some_and(|c| c.issuer.contains("gitlab-token test root CA"))
    );
}

#[tokio::test]
async fn expired_certificate() {
    let pki = Pki::new();
    let report = tls_failure(&pki.expired(), &trusting(&pki)).await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsExpired);
    assert!(report.certificate.as_ref().is_some_and(|c| c.days_left < 0));
}

#[tokio::test]
async fn certificate_not_yet_valid() {
    let pki = Pki::new();
    assert_failed(
        &tls_failure(&pki.not_yet_valid(), &trusting(&pki)).await,
        Stage::Tls,
        ProblemKind::TlsNotYetValid,
    );
}

#[tokio::test]
async fn certificate_for_another_name() {
    let pki = Pki::new();
    let report = tls_failure(&pki.wrong_host(), &trusting(&pki)).await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsHostnameMismatch);
    assert!(
        report.problems[0].message.contains("wrong.example"),
        "{:?}",
        report.problems[0]
    );
}

#[tokio::test]
async fn self_signed_certificate() {
    let pki = Pki::new();
    for trust in [Trust::with_ca_file(None), trusting(&pki)] {
        let report = tls_failure(&Pki::self_signed(), &trust).await;
        assert_failed(&report, Stage::Tls, ProblemKind::TlsSelfSigned);
        assert!(
            report
                .certificate
                .as_ref()
                .is_some_and(|c| c.self_signed && c.chain_len == 1)
        );
    }
    // Named CN=localhost, like the ssl-cert-snakeoil certificate some system stores trust: the
    // verifier then tries that root's key on this certificate, and the signature check fails.
    let report = tls_failure(
        &Pki::self_signed_named("localhost"),
        &Trust::with_ca_file(None),
    )
    .await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsSelfSigned);
}

#[tokio::test]
async fn chain_through_an_intermediate() {
    let pki = Pki::new();
    let leaf = pki.via_intermediate();
    assert_eq!(leaf.chain.len(), 2);
    let gitlab = FakeGitLab::start(&leaf);
    let report = probe(&gitlab.url(), &trusting(&pki)).await;
    assert_healthy(&report);
    assert_eq!(report.certificate.as_ref().map(|c| c.chain_len), Some(2));

    // The same leaf without its intermediate: the CA file holds the root, not the leaf's issuer.
    let report = tls_failure(&leaf.leaf_only(), &trusting(&pki)).await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsIncompleteChain);
    assert!(
        report
            .certificate
            .as_ref()
            .is_some_and(|c| c.chain_len == 1 && !c.self_signed)
    );
    assert!(
        report.problems[0].message.contains("intermediate CA"),
        "{:?}",
        report.problems[0]
    );
    assert!(
        report.problems[0].fix.contains("intermediate"),
        "{:?}",
        report.problems[0]
    );

    // With no CA file, a leaf that names its issuer's download address (as public CAs' leaves do)
    // but arrives alone is an incomplete chain too; one that does not is just an unknown issuer.
    let public_style = pki.via_intermediate_with_aia().leaf_only();
    let report = tls_failure(&public_style, &Trust::with_ca_file(None)).await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsIncompleteChain);
    let report = tls_failure(&leaf.leaf_only(), &Trust::with_ca_file(None)).await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsUnknownIssuer);
}

#[tokio::test]
async fn certificate_expiring_soon_is_a_warning() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.expiring_in(10));
    let report = probe(&gitlab.url(), &trusting(&pki)).await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(stages(&report), Stage::ALL.map(|s| (s, true)));
    assert_eq!(kinds(&report), [ProblemKind::CertExpiresSoon]);
}

#[tokio::test]
async fn plain_http_on_the_https_port() {
    let server = servers::plain_http();
    let report = probe(&server.https_url(), &Trust::with_ca_file(None)).await;
    assert_failed(&report, Stage::Tls, ProblemKind::TlsHandshakeFailed);
}

#[tokio::test]
async fn silent_server_times_out_within_the_limit() {
    let limit = Duration::from_secs(1);
    let server = servers::silent();
    let started = Instant::now();
    let report = probe_with(&server.https_url(), &Trust::with_ca_file(None), limit).await;
    let elapsed = started.elapsed();
    assert_failed(&report, Stage::Tls, ProblemKind::Timeout);
    assert!(
        elapsed < limit + Duration::from_secs(1),
        "the probe ran {elapsed:?} with a {limit:?} limit"
    );
}

#[tokio::test]
async fn closed_port_is_refused() {
    let url = format!("https://127.0.0.1:{}", servers::closed_port());
    assert_failed(
        &probe(&url, &Trust::with_ca_file(None)).await,
        Stage::Tcp,
        ProblemKind::ConnectionRefused,
    );
}

#[tokio::test]
async fn unknown_name_fails_dns() {
    let report = probe("https://nonexistent.invalid", &Trust::with_ca_file(None)).await;
    assert_failed(&report, Stage::Dns, ProblemKind::DnsFailed);
    assert!(report.problems[0].message.contains("nonexistent.invalid"));
}

#[tokio::test]
async fn a_web_server_that_is_not_gitlab() {
    let pki = Pki::new();
    let nginx = servers::not_gitlab(&pki.valid());
    let report = probe(&nginx.https_url(), &trusting(&pki)).await;
    assert_failed(&report, Stage::Http, ProblemKind::NotGitlab);
    assert!(
        report.problems[0].message.contains("404"),
        "{:?}",
        report.problems[0]
    );
}

#[tokio::test]
async fn gitlab_under_a_relative_url_root() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start_under(&pki.valid(), "/gitlab");
    assert_healthy(&probe(&gitlab.url(), &trusting(&pki)).await);
    let mut paths: Vec<String> = gitlab.requests().into_iter().map(|r| r.path).collect();
    paths.sort();
    assert_eq!(paths, ["/gitlab/api/v4/version", "/gitlab/users/sign_in"]);

    // Without the root the API is not there; the fix says to add the path.
    let bare = format!("https://localhost:{}", gitlab.port());
    let report = probe(&bare, &trusting(&pki)).await;
    assert_failed(&report, Stage::Http, ProblemKind::NotGitlab);
    assert!(
        report.problems[0].fix.contains("relative URL root"),
        "{:?}",
        report.problems[0]
    );
}

#[tokio::test]
async fn redirect_to_another_host() {
    let pki = Pki::new();
    let server = servers::redirect_to(&pki.valid(), "https://gitlab.example.com");
    let report = probe(&server.https_url(), &trusting(&pki)).await;
    assert_failed(&report, Stage::Http, ProblemKind::Redirect);
    assert!(
        report.problems[0]
            .message
            .contains("https://gitlab.example.com/api/v4/version"),
        "{:?}",
        report.problems[0]
    );
}

#[tokio::test]
async fn sign_in_page_instead_of_the_api() {
    let pki = Pki::new();
    assert!(SIGN_IN_PAGE.contains("Sign in"));
    let gitlab = FakeGitLab::start(&pki.valid());
    gitlab.set_mode(Mode::LoginPage);
    assert_failed(
        &probe(&gitlab.url(), &trusting(&pki)).await,
        Stage::Http,
        ProblemKind::LoginPage,
    );
}
