//! Bad input on the command line and around it: absurd numeric flags, proxy credentials in the
//! environment, a closed stdout or stderr, a slow version call after the probe, 5xx and 429
//! behind the probe, and an unusable `--ca-file`. Exit codes, messages, and time.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::accounts::bot;
use support::home::Home;
use support::hostile::assert_within;
use support::{FakeGitLab, Mode, Output, Pki, TokenRecord, new_secret, servers};

const CHECK_FAILED: i32 = 1;
const USAGE: i32 = 2;

fn no_panic(out: &Output) {
    assert!(
        !out.stderr.contains("panicked") && out.code != Some(101),
        "{out:?}"
    );
}

#[test]
fn absurd_numeric_flags_are_usage_errors_not_panics() {
    let home = Home::new();
    let cases: &[&[&str]] = &[
        &["check", "https://localhost:1", "--timeout", "inf"],
        &["check", "https://localhost:1", "--timeout", "1e20"],
        &["check", "https://localhost:1", "--timeout", "NaN"],
        &["check", "https://localhost:1", "--timeout=-1"],
        &["check", "https://localhost:1", "--timeout", "0"],
        &["verify", "--host", "https://localhost:1", "--timeout", "0"],
        &[
            "verify",
            "--host",
            "https://localhost:1",
            "--timeout",
            "18446744073709551615",
        ],
        &[
            "add",
            "--host",
            "localhost:1",
            "--name",
            "x",
            "--timeout",
            "601",
        ],
        &["status", "--verify", "--timeout", "100000"],
        &["rotate", "--within=-5"],
        &["rotate", "--within", "99999999999"],
        &["rotate", "--timeout", "0"],
        &["setup", "--timeout", "0"],
        &["--timeout", "1e9"],
    ];
    for args in cases {
        let out = home.run(args, "");
        no_panic(&out);
        assert_eq!(out.code, Some(USAGE), "{args:?}: {out:?}");
        assert!(
            out.stderr.contains("invalid value") && out.stderr.contains("600")
                || out.stderr.contains("--within"),
            "{args:?}: {out:?}"
        );
    }
    // In range still works: a fraction for check.
    let out = home.run(
        &[
            "check",
            &format!("https://localhost:{}", servers::closed_port()),
            "--timeout",
            "2.5",
        ],
        "",
    );
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
}

#[test]
fn proxy_and_url_credentials_are_never_printed() {
    let home = Home::new();
    let port = servers::closed_port();
    let url = format!("https://localhost:{port}");
    // (variable, value, whether the value itself is shown: an unusable one is, redacted).
    let via = format!("http://user:s3cret-pw@127.0.0.1:{port}");
    let proxies = [
        (
            "HTTPS_PROXY",
            "socks5://user:s3cret-pw@127.0.0.1:1080",
            true,
        ),
        ("HTTPS_PROXY", "https://user:s3cret-pw@127.0.0.1:3128", true),
        ("https_proxy", via.as_str(), false),
        ("ALL_PROXY", "user:s3cret-pw@127.0.0.1:3128", false),
    ];
    for (var, value, shown) in proxies {
        for json in [false, true] {
            let mut args = vec!["check", &url, "--timeout", "2"];
            if json {
                args.push("--json");
            }
            let out = home.run_env(&args, "", &[(var, value)]);
            assert!(
                !out.stdout.contains("s3cret") && !out.stderr.contains("s3cret"),
                "{var}={value}: {out:?}"
            );
            assert_eq!(out.stdout.contains("***@"), shown, "{var}={value}: {out:?}");
        }
    }
    // A proxy excluded by NO_PROXY is still named, without its password.
    let out = home.run_env(
        &["check", &url, "--timeout", "2"],
        "",
        &[
            ("HTTPS_PROXY", "http://user:s3cret-pw@proxy.corp:3128"),
            ("NO_PROXY", "localhost"),
        ],
    );
    assert!(!out.stdout.contains("s3cret"), "{out:?}");
    assert!(out.stdout.contains("http://***@proxy.corp:3128"), "{out:?}");
    // Credentials in the checked address itself.
    for json in [false, true] {
        let bad = format!("https://user:s3cret-pw@localhost:{port}/\u{1b}[2J");
        let mut args = vec!["check", bad.as_str()];
        if json {
            args.push("--json");
        }
        let out = home.run(&args, "");
        assert!(
            !out.stdout.contains("s3cret") && !out.stderr.contains("s3cret"),
            "{out:?}"
        );
    }
}

/// Runs `gitlab-token ARGS` with stdout (and with `stderr_too`, stderr) a pipe whose reader has
/// already gone, as after `| head -c 100`.
fn with_closed_output(home: &Home, args: &[&str], stderr_too: bool) -> Output {
    let mut command = home.command(env!("CARGO_BIN_EXE_gitlab-token"));
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    command.args(args).stdin(Stdio::null()).stdout(writer);
    if stderr_too {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        command.stderr(writer);
    }
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("start {args:?}: {e}"));
    let out = child.wait_with_output().expect("wait");
    Output {
        code: out.status.code(),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_closed_stdout_or_stderr_ends_quietly() {
    let home = Home::new();
    let url = format!("https://localhost:{}", servers::closed_port());
    for args in [
        &["check", url.as_str()][..],
        &["check", url.as_str(), "--json"],
        &["status"],
        &["status", "--json"],
        &["--help"],
    ] {
        let out = with_closed_output(&home, args, false);
        assert!(
            out.code.is_some(),
            "{args:?} was killed by a signal: {out:?}"
        );
        no_panic(&out);
        assert!(!out.stderr.contains("Broken pipe"), "{args:?}: {out:?}");
        let out = with_closed_output(&home, args, true);
        assert!(out.code.is_some(), "{args:?} was killed by a signal");
        assert_ne!(out.code, Some(101), "{args:?} panicked");
    }
    // The exit code stays the command's own.
    let out = with_closed_output(&home, &["check", &url], false);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
}

#[test]
fn check_with_a_token_keeps_one_deadline_and_reports_a_timeout_as_a_timeout() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("slow");
    gitlab.add_token(&secret, TokenRecord::new(&bot(), &["read_api"]));
    // The probe (unauthenticated) is answered at once; the version call never in time.
    gitlab.set_auth_delay(Duration::from_secs(20));
    let home = Home::new();
    let ca = pki.ca_file.to_str().unwrap();
    let url = gitlab.url();
    let started = Instant::now();
    let out = home.run(
        &[
            "check",
            &url,
            "--ca-file",
            ca,
            "--json",
            "--timeout",
            "3",
            "--token-stdin",
        ],
        &format!("{secret}\n"),
    );
    assert_within(
        started.elapsed(),
        Duration::from_millis(4500),
        "check --timeout 3",
    );
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    let report = out.json();
    assert_eq!(report["ok"], false, "{report}");
    let problems = report["problems"].as_array().expect("problems");
    assert!(
        problems.iter().any(|p| p["kind"] == "timeout"
            && p["message"]
                .as_str()
                .is_some_and(|m| m.contains("version call"))),
        "{report}"
    );

    // Text: the timeout, not "the token needs read_user...".
    let out = home.run(
        &[
            "check",
            &url,
            "--ca-file",
            ca,
            "--timeout",
            "2",
            "--token-stdin",
        ],
        &format!("{secret}\n"),
    );
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(
        !out.stdout.contains("could not read the version"),
        "{out:?}"
    );
    assert!(out.stdout.contains("timeout:"), "{out:?}");
}

#[test]
fn check_calls_5xx_and_429_by_their_names() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let ca = pki.ca_file.to_str().unwrap();
    for (mode, kind) in [
        (Mode::ServerError, "server_error"),
        (Mode::RateLimited, "rate_limited"),
        (
            Mode::Answer {
                status: 502,
                content_type: "text/html".into(),
                body: "<h1>502 Bad Gateway</h1>".into(),
            },
            "server_error",
        ),
    ] {
        gitlab.set_mode(mode.clone());
        let out = home.run(&["check", &gitlab.url(), "--ca-file", ca, "--json"], "");
        assert_eq!(out.code, Some(CHECK_FAILED), "{mode:?}: {out:?}");
        let report = out.json();
        let kinds: Vec<&str> = report["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .filter_map(|p| p["kind"].as_str())
            .collect();
        assert_eq!(kinds, [kind], "{mode:?}: {report}");
    }
}

#[test]
fn an_unusable_ca_file_is_a_usage_error() {
    let home = Home::new();
    let not_pem = home.path().join("not-a-cert.pem");
    std::fs::write(&not_pem, "hello\n").expect("write");
    let missing = home.path().join("missing.pem");
    for ca in [&not_pem, &missing] {
        let ca = ca.to_str().unwrap();
        let token = "glpat-abcdefghijklmnopqrst\n";
        for args in [
            &["verify", "--host", "https://localhost:1", "--ca-file", ca][..],
            &[
                "verify",
                "--host",
                "https://localhost:1",
                "--ca-file",
                ca,
                "--json",
            ],
            &[
                "add",
                "--host",
                "https://localhost:1",
                "--ca-file",
                ca,
                "--profile",
                "repo-scanner",
                "--store",
                "file",
            ],
            &["check", "https://localhost:1", "--ca-file", ca],
        ] {
            let out = home.run(args, token);
            assert_eq!(out.code, Some(USAGE), "{args:?}: {out:?}");
            assert!(out.stderr.contains(ca), "{args:?}: {out:?}");
        }
    }
}

#[test]
fn escape_sequences_in_a_certificate_never_reach_the_terminal() {
    let leaf = Pki::self_signed_named("eve\u{1b}]0;pwned title\u{7}\r\u{1b}[2KTrusted CA");
    let server = servers::not_gitlab(&leaf);
    let home = Home::new();
    for json in [false, true] {
        let url = server.https_url();
        let mut args = vec!["check", url.as_str(), "--timeout", "3"];
        if json {
            args.push("--json");
        }
        let out = home.run(&args, "");
        assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
        support::hostile::assert_no_control_characters(&out);
        assert!(!out.stdout.contains("pwned"), "{out:?}");
        assert!(
            out.stdout.contains("eve") && out.stdout.contains("Trusted CA"),
            "{out:?}"
        );
    }
}

/// `create --service-account` takes only a username GitLab's format allows
/// (lib/gitlab/path_regex.rb): refused before anything is asked of anyone.
#[test]
fn a_service_account_username_gitlab_refuses_is_a_usage_error() {
    let home = Home::new();
    for (name, said) in [
        ("ci bot", "no spaces"),
        ("-bot", "start with '-'"),
        ("bot.git", "'.git'"),
    ] {
        let out = home.run(
            &[
                "create",
                "--host",
                "gitlab.example.com",
                "--profile",
                "repo-scanner",
                "--target",
                "acme",
                &format!("--service-account={name}"),
            ],
            "",
        );
        no_panic(&out);
        assert_eq!(out.code, Some(USAGE), "{name}: {out:?}");
        assert!(
            out.stderr.contains("--service-account") && out.stderr.contains(said),
            "{name}: {out:?}"
        );
    }
}
