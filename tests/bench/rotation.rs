//! Benchmark (`cargo bench --bench rotation`): `rotate --within 30 --yes` of 1, 5 and 20 due
//! tokens (the file store, under a temporary home) against the fake GitLab adding a latency to
//! every answer. Prints the wall time as a multiple of that latency and the dependent chain of
//! requests observed (the longest run of requests each started after the previous finished).
//! Asserts nothing about time.
//!
//! Measured before the rotations ran side by side (the loop in `cli/rotate.rs` one token after
//! another; issue 21, 300 ms): 1, 5, 20 tokens took 3.4, 16.6 and 66.6 times the latency.

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::rotating::World;

const LATENCY: Duration = Duration::from_millis(300);
const API: [&str; 3] = ["api", "read_api", "read_user"];

fn run(count: usize) {
    let w = World::new();
    // The file store is chosen: secrets.toml is where the tokens are meant to be.
    w.home.allow_secrets_in(&w.home.secrets_toml());
    let (url, ca) = (w.gitlab.url(), w.ca());
    for i in 0..count {
        let secret = w.token(&API, 10);
        let name = format!("bench-{i}");
        let args = [
            "add",
            "--host",
            &url,
            "--ca-file",
            &ca,
            "--profile",
            "mr-reviewer",
            "--name",
            &name,
            "--store",
            "file",
        ];
        let out = w.run(&args, &format!("{secret}\n"));
        assert_eq!(out.code, Some(0), "add: {out:?}");
    }
    let before = w.gitlab.requests().len();
    w.gitlab.set_delay(LATENCY);
    let started = Instant::now();
    let out = w.run(&["rotate", "--within", "30", "--yes", "--json"], "");
    let wall = started.elapsed();
    w.gitlab.set_delay(Duration::ZERO);
    let ok = out
        .json()
        .as_array()
        .map_or(0, |r| r.iter().filter(|r| r["ok"] == true).count());
    let log = &w.gitlab.requests()[before..];
    println!(
        "{count:>2} due token(s): {:.2} x latency ({} ms), {} requests, dependent chain {}, {ok} rotated",
        wall.as_secs_f64() / LATENCY.as_secs_f64(),
        wall.as_millis(),
        log.len(),
        support::fake_gitlab::observed_chain(log),
    );
}

fn main() {
    println!(
        "rotate --within 30 --yes, {} ms added to every answer",
        LATENCY.as_millis()
    );
    for count in [1, 5, 20] {
        run(count);
    }
}
