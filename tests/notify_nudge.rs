//! The nudge: a scheduled `rotate` (the job `schedule enable` installs) that finds a token needing
//! a person sends a desktop notification through org.freedesktop.Notifications on the session
//! D-Bus. A notification service of the test's own (zbus, in this process) on a private bus
//! receives it; the summary and body are asserted. Without a service, the run log, `schedule
//! status` and `status` carry it; the wizard's first screen shows it on its next start (tmux).
//! Tokens live in the explicit file store here, so the private bus can hold the test's service.
#![cfg(target_os = "linux")]

mod e2e;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use support::rotating::World;
use support::stores::BareBus;

/// What the fake notification service received: (app, summary, body, urgency, timeout).
type Received = Arc<Mutex<Vec<(String, String, String, u8, i32)>>>;

struct Notifications {
    got: Received,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        hints: HashMap<String, zbus::zvariant::OwnedValue>,
        expire_timeout: i32,
    ) -> u32 {
        let urgency = hints
            .get("urgency")
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(255);
        let mut got = self.got.lock().unwrap();
        got.push((app_name, summary, body, urgency, expire_timeout));
        got.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "test".into(),
            "gitlab-token tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }
}

/// A private bus, optionally with the test's notification service on it.
fn bus_with_service(serve: bool) -> (BareBus, Received, Option<zbus::blocking::Connection>) {
    let bus = BareBus::start();
    let got: Received = Arc::default();
    let conn = serve.then(|| {
        zbus::blocking::connection::Builder::address(bus.address.as_str())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at(
                "/org/freedesktop/Notifications",
                Notifications { got: got.clone() },
            )
            .unwrap()
            .build()
            .expect("serve org.freedesktop.Notifications on the private bus")
    });
    (bus, got, conn)
}

/// A world on `bus` with two tokens in the file store, both expiring in 5 days: `scanner`
/// (read_api, read_repository: cannot rotate itself) and `reviewer` (api: rotates itself).
fn world_on(bus: &BareBus) -> World {
    let mut w = World::new();
    w.home = std::mem::take(&mut w.home).with_env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    w.home.allow_secrets_in(&w.home.secrets_toml());
    for (profile, name, scopes) in [
        (
            "repo-scanner",
            "scanner",
            &["read_api", "read_repository"][..],
        ),
        (
            "mr-reviewer",
            "reviewer",
            &["api", "read_api", "read_user"][..],
        ),
    ] {
        let secret = w.token(scopes, 5);
        let (url, ca) = (w.gitlab.url(), w.ca());
        let args = [
            "add",
            "--host",
            &url,
            "--ca-file",
            &ca,
            "--profile",
            profile,
            "--name",
            name,
            "--store",
            "file",
            "--timeout",
            "5",
        ];
        let out = w.run(&args, &format!("{secret}\n"));
        assert_eq!(out.code, Some(0), "add {name}: {out:?}");
    }
    w
}

fn scheduled_run(w: &World) -> support::Output {
    w.run(&["rotate", "--scheduled", "--yes", "--within", "14"], "")
}

fn runs_log(w: &World) -> Vec<serde_json::Value> {
    std::fs::read_to_string(w.home.path().join("config/gitlab-token/runs.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_scheduled_run_notifies_about_the_token_that_needs_a_person_and_rotates_the_other() {
    let (bus, got, _service) = bus_with_service(true);
    let w = world_on(&bus);
    let scanner = w.account("scanner");
    let out = scheduled_run(&w);
    assert_eq!(out.code, Some(1), "{out:?}");
    // The api token rotated itself; the other one is left to a person, and said so.
    let reviewer = w.entry("reviewer");
    assert_eq!(reviewer.expires_at, Some(support::rotating::in_days(90)));
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let (app, summary, body, urgency, _) = &got[0];
    assert_eq!(app, "gitlab-token");
    assert_eq!(summary, &format!("GitLab token needs you: {scanner}"));
    assert_eq!(
        body,
        &format!(
            "5 days left. The scheduled rotation cannot renew it by itself.\nRun: gitlab-token setup --replace {scanner}"
        )
    );
    assert_eq!(*urgency, 1);

    let runs = runs_log(&w);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["scheduled"], true);
    assert_eq!(runs[0]["notified"], true);
    assert_eq!(runs[0]["exit"], 1);

    let status = w.run(&["schedule", "status"], "");
    assert!(
        status.stdout.contains("1 rotated, 1 need you")
            && status.stdout.contains(&format!(
                "  {scanner}: the scheduled rotation cannot renew it by itself (5 days left). Run: gitlab-token setup --replace {scanner}"
            ))
            && !status.stdout.contains("no desktop notification"),
        "{status:?}"
    );
    let plain = w.run(&["status"], "");
    assert!(
        plain
            .stdout
            .contains(&format!("  {scanner}: the scheduled rotation")),
        "{plain:?}"
    );
}

#[test]
fn without_a_notification_service_the_log_and_status_carry_the_nudge() {
    let (bus, _got, _none) = bus_with_service(false);
    let w = world_on(&bus);
    let out = scheduled_run(&w);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("no desktop notification: "), "{out:?}");
    let runs = runs_log(&w);
    assert_eq!(runs[0]["notified"], false, "{runs:?}");
    let status = w.run(&["schedule", "status"], "");
    assert!(
        status
            .stdout
            .contains("no desktop notification could be shown")
            && status.stdout.contains(&w.account("scanner")),
        "{status:?}"
    );
}

#[test]
fn a_run_by_hand_never_notifies_and_a_fixed_token_closes_the_nudge() {
    let (bus, got, _service) = bus_with_service(true);
    let w = world_on(&bus);
    let out = w.run(&["rotate", "--yes", "--within", "14"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(got.lock().unwrap().is_empty(), "a manual run notified");
    let runs = runs_log(&w);
    assert_eq!(runs[0]["scheduled"], false);
    assert_eq!(runs[0]["notified"], serde_json::Value::Null);
    // Whoever ran it saw its output: `status` lists no scheduled rotation's nudge for it (issue
    // 21.12). Then the scanner token is replaced by hand (the guided path's `--replace`).
    let scanner = w.account("scanner");
    let status = w.run(&["status"], "").stdout;
    assert!(!status.contains(&format!("  {scanner}:")), "{status}");
    let replacement = w.token(&["read_api", "read_repository"], 90);
    let host = w.host();
    let out = w.run(
        &["rotate", "--replace", "--host", &host, "--name", "scanner"],
        &format!("{replacement}\n"),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let status = w.run(&["status"], "");
    assert!(
        !status.stdout.contains(&format!("  {scanner}:")),
        "{status:?}"
    );
    assert_eq!(w.run(&["status", "--check"], "").code, Some(0));
}

#[test]
fn the_wizard_shows_the_nudge_on_its_first_screen() {
    e2e::require_environment();
    let (bus, _got, _service) = bus_with_service(true);
    let w = world_on(&bus);
    assert_eq!(scheduled_run(&w).code, Some(1));
    let script = format!(
        "{} --timeout 5; echo EXITED:$?; exec sleep 600",
        e2e::sh_quote(support::rotating::BIN)
    );
    let work = w.home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut tmux = e2e::Tmux::start(
        w.home.path(),
        &work,
        &e2e::session_env(w.home.path()),
        &script,
    );
    let screen = tmux.wait_for("first screen", "Scheduled rotation:");
    // The notice wraps: compare with the line breaks taken out.
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("the scheduled rotation cannot renew it by itself (5 days left). Run: gitlab-token setup --replace scanner@"),
        "{screen}"
    );
    for secret in w.all_secrets() {
        tmux.assert_never_shown(&secret);
    }
}

#[test]
fn a_scheduled_run_that_cannot_reach_the_keychain_says_what_a_headless_timer_needs() {
    support::stores::require_secret_service();
    let w = World::new();
    let secret = w.token(&["api", "read_api", "read_user"], 5);
    w.add("mr-reviewer", "reviewer", &secret);
    // The timer started outside the session: no D-Bus to reach the Secret Service (or notify).
    let out = w.run_env(
        &["rotate", "--scheduled", "--yes", "--within", "14"],
        "",
        &[("DBUS_SESSION_BUS_ADDRESS", support::home::DEAD_BUS)],
    );
    assert_eq!(out.code, Some(4), "{out:?}");
    assert!(
        out.stderr
            .contains("A scheduled run reads the keychain like you do")
            && out.stderr.contains("--store keyutils")
            && out.stderr.contains("loginctl enable-linger"),
        "{out:?}"
    );
    let runs = runs_log(&w);
    assert_eq!(runs[0]["notified"], false, "{runs:?}");
    let fix = runs[0]["tokens"][0]["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("A scheduled run reads the keychain"),
        "{fix}"
    );
    assert_eq!(
        w.rotate_calls(),
        0,
        "rotated without a place to store the new token"
    );
}

#[test]
fn a_scheduled_run_that_stops_before_any_token_notifies_too() {
    let (bus, got, _service) = bus_with_service(true);
    let home = support::home::Home::new().with_env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    std::fs::create_dir_all(home.tokens_toml().parent().unwrap()).unwrap();
    std::fs::write(home.tokens_toml(), "this is not toml [").unwrap();
    let out = home.run(&["rotate", "--scheduled", "--yes", "--within", "14"], "");
    assert_eq!(out.code, Some(2), "{out:?}");
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "GitLab token rotation did not run");
    assert!(
        got[0].2.contains("(exit 2)") && got[0].2.contains("gitlab-token rotate --within 14"),
        "{got:?}"
    );
    let status = home.run(&["schedule", "status"], "");
    assert!(
        status
            .stdout
            .contains("failed before rotating anything (exit 2)"),
        "{status:?}"
    );
}

/// A browser sign-in whose refresh token GitLab rejected needs a person too: the scheduled run
/// (which leaves sign-ins to refresh themselves) says so with the `login` command; once signed in
/// again, the next scheduled run closes the nudge.
#[test]
fn a_sign_in_that_needs_signing_in_again_is_a_nudge_until_fixed() {
    use gitlab_token::vault::{CredentialKind, Metadata, OAuthFacts};
    let (bus, got, _service) = bus_with_service(true);
    let w = world_on(&bus);
    let mut laptop = w.entry("scanner");
    laptop.name = "laptop".into();
    laptop.account = w.account("laptop");
    laptop.expires_at = None;
    laptop.kind = CredentialKind::Oauth;
    laptop.oauth = Some(OAuthFacts {
        app_id: "app-1".into(),
        access_expires_at: "2026-11-27T10:00:00Z".into(),
        needs_sign_in: true,
        refresh_sent: None,
    });
    let toml = w.home.tokens_toml();
    let entry = laptop.clone();
    Metadata::update(&toml, move |m| m.tokens.push(entry)).unwrap();

    scheduled_run(&w);
    let command = format!("gitlab-token login --host {} --name laptop", w.host());
    let notes = got.lock().unwrap().clone();
    assert!(
        notes.iter().any(
            |(_, summary, body, _, _)| summary.ends_with(&laptop.account)
                && body.contains("sign in again")
                && body.contains(&command)
        ),
        "{notes:?}"
    );
    let status = w.run(&["status"], "");
    assert!(
        status.stdout.contains(&format!("  {}:", laptop.account)),
        "{status:?}"
    );

    // Signed in again: the next scheduled run closes the nudge.
    Metadata::update(&toml, |m| {
        for t in &mut m.tokens {
            if let Some(o) = t.oauth.as_mut() {
                o.needs_sign_in = false;
            }
        }
    })
    .unwrap();
    scheduled_run(&w);
    let status = w.run(&["status"], "");
    assert!(
        !status.stdout.contains(&format!("  {}:", laptop.account)),
        "{status:?}"
    );
}
