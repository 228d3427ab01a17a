//! Issue 9 item 12: a FIFO or a device given as tokens.toml, `--ca-file` or `--profile-file`
//! used to hang every command (`git-credential get` included, which git then waits on), and
//! `/dev/zero` grew memory to gigabytes. Now each is refused at once with a message naming what
//! it is, and a file past the size cap is refused too.
//!
//! Run with `bash tests/run.sh --test vault_files`.
#![cfg(target_os = "linux")]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::accounts::{self, add_args};
use support::home::{Home, unique_name};
use support::{FakeGitLab, Output, Pki};

/// Far below the harness's own limit: a hang shows up as a slow run here.
const QUICK: Duration = Duration::from_secs(5);

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

fn timed(run: impl FnOnce() -> Output) -> (Output, Duration) {
    let started = Instant::now();
    let out = run();
    (out, started.elapsed())
}

#[test]
fn a_fifo_as_tokens_toml_hangs_no_command() {
    let home = Home::new();
    mkfifo(&home.tokens_toml());
    let (out, took) = timed(|| {
        home.run(
            &["git-credential", "get"],
            "protocol=https\nhost=gitlab.example.com\n\n",
        )
    });
    assert!(took < QUICK, "git-credential get took {took:?}: {out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    let (out, took) = timed(|| home.run(&["status"], ""));
    assert!(took < QUICK, "status took {took:?}: {out:?}");
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("FIFO"), "{out:?}");
}

#[test]
fn an_oversized_tokens_toml_is_refused() {
    let home = Home::new();
    std::fs::create_dir_all(home.tokens_toml().parent().unwrap()).unwrap();
    let mut big = String::from("# padding\n");
    big.push_str(&"#".repeat(5 * 1024 * 1024));
    std::fs::write(home.tokens_toml(), big).unwrap();
    let out = home.run(&["status"], "");
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("larger than"), "{out:?}");
}

#[test]
fn a_fifo_or_a_device_as_ca_file_or_profile_file_is_refused_at_once() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let fifo = home.path().join("pipe");
    mkfifo(&fifo);
    let secret = accounts::new_token(&home, &gitlab, "files");
    let name = unique_name("files");
    for (flag, bad, expect) in [
        ("--ca-file", fifo.to_str().unwrap(), "FIFO"),
        ("--ca-file", "/dev/zero", "device"),
        ("--profile-file", fifo.to_str().unwrap(), "FIFO"),
        ("--profile-file", "/dev/zero", "device"),
    ] {
        let mut args = add_args(&gitlab, &pki, &name, None);
        let at = args.iter().position(|a| a == flag);
        match at {
            Some(i) => args[i + 1] = bad.to_owned(),
            None => {
                // --profile-file replaces --profile.
                let i = args.iter().position(|a| a == "--profile").unwrap();
                args[i] = flag.to_owned();
                args[i + 1] = bad.to_owned();
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (out, took) = timed(|| home.run(&args, &format!("{secret}\n")));
        assert!(took < QUICK, "{flag} {bad} took {took:?}: {out:?}");
        assert_ne!(out.code, Some(0), "{flag} {bad}: {out:?}");
        assert!(out.stderr.contains(expect), "{flag} {bad}: {out:?}");
    }
    assert!(home.metadata().tokens.is_empty());
}
