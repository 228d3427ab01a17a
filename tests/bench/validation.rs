//! Benchmark (`cargo bench --bench validation`): live validation of a legacy and of a
//! fine-grained token against the fake GitLab adding 100 ms to every answer, with a target.
//! Reports wall time as a multiple of that latency, the requests made, and the dependent chain
//! observed (the longest run of requests each started after the one before finished): a
//! fine-grained token costs its permissions by id and the target's ids, asked at once. Asserts
//! nothing about time. Each token is checked on a project target and on a group target, and the
//! legacy one also with its user's id remembered (as `verify` has it for a stored token: the role
//! is asked in the first round trip).

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use gitlab_token::profile::Profile;
use gitlab_token::validation::{self, Requirements};
use support::client::{alice, gitlab_with};
use support::fake_granular::{scope, selected};
use support::{Logged, Pki, TokenRecord};

const DELAY: Duration = Duration::from_millis(100);

async fn run(label: &str, fine: bool, target: &str, known: bool) {
    let pki = Pki::new();
    let (gitlab, client, legacy) =
        gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api", "read_user"]));
    gitlab.set_knobs(|k| k.version = (19, 2, 0));
    gitlab.add_group("acme");
    gitlab.add_project("acme/web");
    gitlab.group_member("acme", alice().id, 20);
    let token = if fine {
        let acme = gitlab.group_id("acme");
        let secret = support::new_secret("bench");
        let user = [
            "read_personal_access_token",
            "read_user",
            "rotate_personal_access_token",
        ];
        let on = ["read_project", "read_merge_request", "read_pipeline"];
        gitlab.add_token(
            &secret,
            TokenRecord::fine_grained(
                &alice(),
                vec![scope("user", &user), selected(&on, None, Some(acme))],
            ),
        );
        gitlab_token::token::Token::new(secret)
    } else {
        legacy
    };
    let p = Profile::by_id("mr-tracker").expect("profile");
    let needs = Requirements::for_profile(Some(&p), Some(target.into()));
    gitlab.set_delay(DELAY);
    let before = gitlab.requests().len();
    let start = Instant::now();
    let today = support::fake_gitlab::today();
    let known = known.then_some(alice().id);
    let v = validation::validate_known(&client, &token, &needs, today, known).await;
    let wall = start.elapsed();
    let log: Vec<Logged> = gitlab.requests().into_iter().skip(before).collect();
    assert!(v.ok(), "{label}: {:#?}", v.problems);
    println!(
        "{label:<26} {:>4.1} x latency   {} requests, dependent chain {} (one after another: {})",
        wall.as_secs_f64() / DELAY.as_secs_f64(),
        log.len(),
        support::fake_gitlab::observed_chain(&log),
        log.len()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for target in ["acme/web", "acme"] {
            run(&format!("legacy {target}"), false, target, false).await;
            run(&format!("fine-grained {target}"), true, target, false).await;
            run(&format!("legacy {target}, id known"), false, target, true).await;
        }
    });
}
