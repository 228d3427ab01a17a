//! Benchmark (`cargo bench --bench probe`): what a healthy `check` costs, against the fake GitLab
//! on loopback, next to its floor: one TCP+TLS handshake, and that handshake plus one HTTP round
//! trip. Prints medians; asserts nothing about time.

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use gitlab_token::instance::Instance;
use gitlab_token::tls::Trust;
use rustls::pki_types::ServerName;
use support::servers::Alpn;
use support::{FakeGitLab, Pki};

const RUNS: usize = 200;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn handshake(
    port: u16,
    trust: &Trust,
    alpn: &[&[u8]],
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let config = Arc::new(trust.client_config(alpn).expect("trust"));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .expect("handshake")
}

async fn bench(label: &str, alpn: Alpn, offer: &[&[u8]], pki: &Pki) {
    let gitlab = FakeGitLab::start_with(&pki.valid(), "", alpn);
    let trust = Trust::with_ca_file(Some(pki.ca_file.clone()));
    let instance = Instance::parse(&gitlab.url()).expect("url");
    let host = format!("localhost:{}", gitlab.port());

    let mut hs = Vec::new();
    let mut hs_rtt = Vec::new();
    let mut probe = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        drop(handshake(gitlab.port(), &trust, offer).await);
        hs.push(t.elapsed());

        let t = Instant::now();
        let tls = handshake(gitlab.port(), &trust, offer).await;
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        let (api, _) = gitlab_token::probe::http::get_both(
            tls,
            &host,
            "/api/v4/version",
            "/users/sign_in",
            h2,
        )
        .await
        .expect("get");
        assert_eq!(api.status, 401);
        hs_rtt.push(t.elapsed());

        let t = Instant::now();
        let report =
            gitlab_token::probe::run(&instance, &trust, Duration::from_secs(5), &mut |_| {}).await;
        probe.push(t.elapsed());
        assert!(report.ok, "{:?}", report.findings);
        if std::env::var_os("BENCH_STAGES").is_some() {
            eprintln!(
                "{:?}",
                report
                    .stages
                    .iter()
                    .map(|s| (s.stage, s.ms))
                    .collect::<Vec<_>>()
            );
        }
    }
    let (hs, hs_rtt, probe) = (median(hs), median(hs_rtt), median(probe));
    println!(
        "{label:<10} handshake {:>7.2} ms | handshake + 2 GETs on it {:>7.2} ms | probe::run {:>7.2} ms ({:.2}x the handshake+GETs floor)",
        hs.as_secs_f64() * 1e3,
        hs_rtt.as_secs_f64() * 1e3,
        probe.as_secs_f64() * 1e3,
        probe.as_secs_f64() / hs_rtt.as_secs_f64()
    );
}

fn main() {
    let pki = Pki::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!("{RUNS} runs each, medians, loopback, debug-or-bench profile as built");
        bench("h2", Alpn::H2AndHttp1, &[b"h2", b"http/1.1"], &pki).await;
        bench("http/1.1", Alpn::Http1, &[b"http/1.1"], &pki).await;
    });
}
