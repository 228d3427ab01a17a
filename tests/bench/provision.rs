//! Benchmark (`cargo bench --bench provision`): the whole "Create it for me" (discover, choose,
//! execute: account, memberships, token, checks, store) against the fake GitLab adding 100 ms to
//! every response. Reports round trips and wall time next to what running every call one after
//! another would cost and the dependent chain actually observed (the longest run of requests
//! each of which started after the previous one finished). Asserts nothing about time.

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use gitlab_token::gitlab::Client;
use gitlab_token::instance::Instance;
use gitlab_token::profile::Profile;
use gitlab_token::provision::{self, Request, Stage};
use gitlab_token::rotation::Context;
use gitlab_token::tls::Trust;
use gitlab_token::token::Token;
use gitlab_token::vault::StoreKind;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const DELAY: Duration = Duration::from_millis(100);

async fn run(label: &str, targets: &[&str]) {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let owner = new_secret("owner");
    gitlab.add_token(
        &owner,
        TokenRecord::new(&FakeUser::person(7, "alice"), &["api"]),
    );
    gitlab.group_member("acme", 7, 50);
    for t in targets {
        gitlab.add_project(t);
    }
    gitlab.set_knobs(|k| k.owners_may_create = true);
    let config = tempfile::tempdir().expect("temp config");
    let request = Request {
        instance: Instance::parse(&gitlab.url()).expect("url"),
        ca_file: Some(pki.ca_file.clone()),
        profile: Profile::by_id("repo-scanner").expect("profile"),
        targets: targets.iter().map(|t| (*t).to_owned()).collect(),
        kind: None,
        service_account: None,
        expires_in_days: 90,
        self_rotate: true,
        raise_role: false,
        name: format!("bench-{}", targets.len()),
        store: StoreKind::File,
        replace_existing: false,
    };
    let ctx = Context {
        metadata_path: config.path().join("gitlab-token").join("tokens.toml"),
        timeout: Duration::from_secs(10),
        keychain_timeout: Duration::from_secs(10),
    };
    let trust = Trust::with_ca_file(Some(pki.ca_file.clone()));
    let client = Client::new(&request.instance, &trust, Duration::from_secs(10)).expect("client");
    let owner = Token::new(owner);
    gitlab.set_delay(DELAY);

    let stages = std::sync::Mutex::new(Vec::new());
    let started = Instant::now();
    let progress = |s: Stage| stages.lock().unwrap().push((started.elapsed(), s));
    let discovery = provision::discover(&client, &owner, &request)
        .await
        .expect("discover");
    let discovered = started.elapsed();
    let choice = provision::choose(&request, &discovery);
    let kind = choice.best.expect("a kind is possible");
    let result =
        provision::execute(&ctx, &client, &owner, &request, &discovery, kind, &progress).await;
    let wall = started.elapsed();

    let log = gitlab.requests();
    let chain = support::fake_gitlab::observed_chain(&log);
    println!(
        "{label}: {} target(s), kind {kind:?}, ok {}",
        targets.len(),
        result.is_ok()
    );
    if let Err(f) = &result {
        println!("  failed: {:?}", f.problems);
    }
    println!(
        "  round trips: {} requests; one after another they would take {} ms",
        log.len(),
        log.len() as u128 * DELAY.as_millis()
    );
    println!(
        "  observed dependent chain: {chain} requests = {} ms of delay",
        chain as u128 * DELAY.as_millis()
    );
    println!(
        "  wall time: {} ms (discovery {} ms)",
        wall.as_millis(),
        discovered.as_millis()
    );
    for (at, stage) in stages.lock().unwrap().iter() {
        println!("    {:>6} ms  {stage:?}", at.as_millis());
    }
    if std::env::var_os("BENCH_REQUESTS").is_some() {
        for r in &log {
            println!(
                "    {:>6}..{:>6} ms {} {}",
                (r.started - started).as_millis(),
                (r.finished - started).as_millis(),
                r.method,
                r.path
            );
        }
    }
}

fn main() {
    // The plain-file store and tokens.toml under a temporary home: nothing of the user's.
    let home = tempfile::tempdir().expect("temp home");
    for (var, dir) in [
        ("HOME", ""),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
    ] {
        let path = home.path().join(dir);
        std::fs::create_dir_all(&path).expect("temp dir");
        // SAFETY: single-threaded here, before the runtime starts.
        unsafe { std::env::set_var(var, path) };
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        run("one project", &["acme/tools/scanner"]).await;
        run(
            "three projects",
            &["acme/tools/scanner", "acme/web/site", "acme/ops/deploy"],
        )
        .await;
    });
}
