//! Monitoring: `status --check [--within DAYS]` exit codes for each case (nothing stored, all
//! fine, expiring, expired, never expiring, last rotation failed then fixed, failed `--verify`),
//! and `status --format prometheus` lines checked by a strict parser of the text exposition
//! format (names, label escaping, values, a TYPE before every sample), never with a secret.

mod support;

use std::collections::BTreeMap;

use gitlab_token::schedule::log::{self, Run, TokenRun};
use gitlab_token::vault::{Metadata, StoreKind, StoredToken};
use support::home::Home;
use support::rotating::in_days;

fn entry(name: &str, expires_in: Option<i64>) -> StoredToken {
    StoredToken {
        account: format!("{name}@gitlab.example.com"),
        host: "gitlab.example.com".into(),
        url: "https://gitlab.example.com".into(),
        name: name.into(),
        profile: "repo-scanner".into(),
        store: StoreKind::File,
        username: "scanner-bot".into(),
        user_id: 7,
        bot: true,
        token_id: 41,
        token_name: format!("{name} (gitlab-token)"),
        scopes: vec!["read_api".into()],
        expires_at: expires_in.map(in_days),
        verified_at: "2026-11-23T09:00:00Z".into(),
        ca_file: None,
        target: None,
        kind: Default::default(),
        oauth: None,
        provisioned: None,
        gitlab_version: None,
        fine_grained: false,
        permissions: None,
    }
}

fn home_with(entries: Vec<StoredToken>) -> Home {
    let home = Home::new();
    Metadata::update(&home.tokens_toml(), |m| m.tokens = entries).unwrap();
    home
}

fn log_run(home: &Home, t: &StoredToken, ok: bool, at: &str) {
    log_any(home, t, ok, at, true);
}

fn log_any(home: &Home, t: &StoredToken, ok: bool, at: &str, scheduled: bool) {
    let run = Run {
        at: at.into(),
        scheduled,
        exit: u8::from(!ok),
        tokens: vec![TokenRun {
            account: t.account.clone(),
            ok,
            path: "guided".into(),
            days_left: Some(5),
            expires_at: t.expires_at.clone(),
            kinds: if ok {
                vec![]
            } else {
                vec!["needs_guided_rotation".into()]
            },
            message: None,
            fix: None,
            command: Some(format!("gitlab-token setup --replace {}", t.account)),
        }],
        notified: Some(true),
    };
    log::append(&home.path().join("config/gitlab-token/runs.jsonl"), &run).unwrap();
}

fn check(home: &Home, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["status", "--check"];
    args.extend(extra);
    let out = home.run(&args, "");
    (out.code.expect("exited"), out.stdout)
}

#[test]
fn check_exit_codes_for_each_case() {
    let none = Home::new();
    let (code, out) = check(&none, &[]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "ok: 0 stored token(s), none expired, expiring within 14 days or failing\n"
        )
    );

    let fine = home_with(vec![entry("a", Some(90)), entry("never", None)]);
    assert_eq!(check(&fine, &[]).0, 0);

    let soon = home_with(vec![entry("a", Some(90)), entry("soon", Some(10))]);
    let (code, out) = check(&soon, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!(
            "soon@gitlab.example.com: expires on {} (10 days left)\n",
            in_days(10)
        )
    );
    assert_eq!(check(&soon, &["--within", "9"]).0, 0);
    assert_eq!(check(&soon, &["--within", "10"]).0, 1);

    // GitLab ends a token at 00:00 UTC on its expiry date: on that date it has expired.
    let expired = home_with(vec![entry("old", Some(-1)), entry("today", Some(0))]);
    let (code, out) = check(&expired, &["--within", "0"]);
    assert_eq!(code, 1);
    assert!(out.contains("old@gitlab.example.com: expired on"), "{out}");
    assert!(
        out.contains("today@gitlab.example.com: expired on"),
        "{out}"
    );
}

#[test]
fn a_failed_last_rotation_needs_attention_until_a_later_one_succeeds() {
    let t = entry("scanner", Some(60));
    let home = home_with(vec![t.clone()]);
    log_run(&home, &t, false, "2026-11-26T10:00:00Z");
    let (code, out) = check(&home, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("scanner@gitlab.example.com: last rotation failed: the scheduled rotation cannot renew it by itself"),
        "{out}"
    );
    log_run(&home, &t, true, "2026-11-27T10:00:00Z");
    assert_eq!(check(&home, &[]).0, 0);
}

/// A `rotate` run by hand that could not renew a guided token with 45 days left (issue 21.12) is
/// no scheduled rotation's failure: `status --check` passes, and `status` and `schedule status`
/// show no "scheduled rotation" nudge. It does not hide the schedule's own failure either.
#[test]
fn a_manual_rotate_that_did_not_renew_is_no_failed_scheduled_rotation() {
    let t = entry("scanner", Some(45));
    let home = home_with(vec![t.clone()]);
    log_any(&home, &t, false, "2026-11-26T10:00:00Z", false);
    let (code, out) = check(&home, &[]);
    assert_eq!(code, 0, "{out}");
    for args in [&["status"][..], &["schedule", "status"]] {
        let shown = home.run(args, "").stdout.to_lowercase();
        assert!(!shown.contains("scheduled rotation"), "{args:?}: {shown}");
    }
    // The schedule failed first, then a manual run failed too: still open.
    let home = home_with(vec![t.clone()]);
    log_any(&home, &t, false, "2026-11-26T10:00:00Z", true);
    log_any(&home, &t, false, "2026-11-26T11:00:00Z", false);
    assert_eq!(check(&home, &[]).0, 1);
    // A manual run that worked closes it.
    log_any(&home, &t, true, "2026-11-26T12:00:00Z", false);
    assert_eq!(check(&home, &[]).0, 0);
}

#[test]
fn a_browser_sign_in_that_needs_signing_in_again_needs_attention() {
    let mut t = entry("laptop", None);
    t.kind = gitlab_token::vault::CredentialKind::Oauth;
    t.oauth = Some(gitlab_token::vault::OAuthFacts {
        app_id: "app-1".into(),
        access_expires_at: "2026-11-27T10:00:00Z".into(),
        needs_sign_in: false,
        refresh_sent: None,
    });
    let fine = home_with(vec![t.clone()]);
    assert_eq!(check(&fine, &[]).0, 0);
    t.oauth.as_mut().unwrap().needs_sign_in = true;
    let home = home_with(vec![t]);
    let (code, out) = check(&home, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("laptop@gitlab.example.com: needs sign-in")
            && out.contains("gitlab-token login"),
        "{out}"
    );
}

#[test]
fn a_failed_verification_needs_attention() {
    // In the file store, with no secret there: the live check cannot even start.
    let home = home_with(vec![entry("lost", Some(60))]);
    let (code, out) = check(&home, &["--verify", "--timeout", "2"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("lost@gitlab.example.com: failed verification: "),
        "{out}"
    );
}

#[test]
fn check_options_are_checked() {
    let home = Home::new();
    assert_eq!(home.run(&["status", "--within", "3"], "").code, Some(2));
    assert_eq!(home.run(&["status", "--check", "--json"], "").code, Some(2));
    assert_eq!(
        home.run(&["status", "--check", "--format", "prometheus"], "")
            .code,
        Some(2)
    );
    assert_eq!(home.run(&["status", "--format", "yaml"], "").code, Some(2));
}

/// One sample: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the Prometheus text exposition format strictly; panics on anything else.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let name_ok = |n: &str| {
        let mut c = n.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
            && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
    };
    let mut typed: Vec<String> = Vec::new();
    let mut samples = Vec::new();
    assert!(
        text.ends_with('\n'),
        "the last line must end with a line feed"
    );
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, tail) = (parts.next().unwrap(), parts.next().unwrap(), parts.next());
            assert!(name_ok(name), "{line}");
            match kind {
                "HELP" => assert!(tail.is_some_and(|t| !t.is_empty()), "{line}"),
                "TYPE" => {
                    assert_eq!(tail, Some("gauge"), "{line}");
                    assert!(!typed.contains(&name.to_owned()), "TYPE twice: {line}");
                    typed.push(name.to_owned());
                }
                _ => panic!("unknown comment: {line}"),
            }
            continue;
        }
        assert!(
            !line.is_empty() && !line.starts_with('#'),
            "stray line {line:?}"
        );
        let name_end = line.find(['{', ' ']).expect("a value");
        let name = &line[..name_end];
        assert!(name_ok(name), "{line}");
        assert_eq!(
            typed.last().map(String::as_str),
            Some(name),
            "no TYPE right before {line}"
        );
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(after) = rest.strip_prefix('{') {
            let mut chars = after.char_indices().peekable();
            loop {
                let start = chars.peek().expect("label").0;
                let mut eq = start;
                for (i, c) in chars.by_ref() {
                    if c == '=' {
                        eq = i;
                        break;
                    }
                }
                let label = &after[start..eq];
                assert!(
                    name_ok(label) && !label.contains(':'),
                    "label {label:?} in {line}"
                );
                assert_eq!(chars.next().map(|c| c.1), Some('"'), "{line}");
                let mut value = String::new();
                loop {
                    match chars.next().expect("closing quote").1 {
                        '\\' => match chars.next().expect("escape").1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            c => panic!("bad escape \\{c} in {line}"),
                        },
                        '"' => break,
                        '\n' => panic!("raw newline"),
                        c => value.push(c),
                    }
                }
                assert!(labels.insert(label.to_owned(), value).is_none(), "{line}");
                match chars.next().expect("',' or '}'") {
                    (_, ',') => continue,
                    (i, '}') => {
                        rest = &after[i + 1..];
                        break;
                    }
                    (_, c) => panic!("unexpected {c:?} in {line}"),
                }
            }
        }
        let value = rest.strip_prefix(' ').expect("one space before the value");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("value {value:?} in {line}"));
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

#[test]
fn prometheus_lines_parse_with_escaped_labels_and_no_secret() {
    // Names are checked on load (letters, digits, . _ -); the user name comes from GitLab as is.
    let mut odd = entry("odd", Some(30));
    odd.username = "bot \"quoted\" back\\slash\nline".into();
    let fine = entry("fine", None);
    let home = home_with(vec![odd.clone(), fine.clone()]);
    // A secret in the file store: never printed.
    let secret = "glpat-NEVERPRINTED0123456789";
    std::fs::write(
        home.secrets_toml(),
        format!("\"fine@gitlab.example.com\" = \"{secret}\"\n"),
    )
    .unwrap();
    log_run(&home, &odd, false, "2026-11-26T10:00:00Z");

    let out = home.run(&["status", "--format", "prometheus"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
    let samples = parse_exposition(&out.stdout);
    let find = |metric: &str, account: &str| {
        samples
            .iter()
            .find(|(n, l, _)| n == metric && l.get("account").map(String::as_str) == Some(account))
            .map(|(_, l, v)| (l.clone(), *v))
    };
    let (labels, expires) =
        find("gitlab_token_expires_timestamp_seconds", &odd.account).expect("expiry");
    assert_eq!(labels["name"], "odd");
    assert_eq!(labels["user"], "bot \"quoted\" back\\slash\nline");
    assert_eq!(labels["host"], "gitlab.example.com");
    let date = time::Date::parse(
        &in_days(30),
        &time::format_description::parse_borrowed::<2>("[year]-[month]-[day]").unwrap(),
    )
    .unwrap();
    assert_eq!(
        expires,
        date.midnight().assume_utc().unix_timestamp() as f64
    );
    // Never expires: no expiry sample, but its last verification is there.
    assert!(find("gitlab_token_expires_timestamp_seconds", &fine.account).is_none());
    assert_eq!(
        find(
            "gitlab_token_last_verified_timestamp_seconds",
            &fine.account
        )
        .unwrap()
        .1,
        1_795_424_400.0 // 2026-11-23T09:00:00Z
    );
    assert_eq!(
        find("gitlab_token_last_rotation_success", &odd.account)
            .unwrap()
            .1,
        0.0
    );
    assert_eq!(
        find("gitlab_token_last_rotation_timestamp_seconds", &odd.account)
            .unwrap()
            .1,
        1_795_687_200.0 // 2026-11-26T10:00:00Z
    );
    let plain = |metric: &str| samples.iter().find(|(n, _, _)| n == metric).map(|s| s.2);
    assert_eq!(plain("gitlab_token_schedule_installed"), Some(0.0));
    assert_eq!(plain("gitlab_token_schedule_last_run_success"), Some(0.0));
    // Without --verify there is no verify result to report.
    assert_eq!(plain("gitlab_token_verify_ok"), None);
}

/// With a daily rotation installed, `status` names each token it cannot renew (neither `api`
/// nor `self_rotate`) and the command that replaces it; one that rotates itself is not listed.
/// Without a schedule nothing is added (nothing claims a renewal).
#[test]
fn status_names_the_tokens_the_daily_rotation_cannot_renew() {
    let mut read_only = entry("reader", Some(40));
    read_only.scopes = vec!["read_api".into()];
    let mut rotating = entry("rotator", Some(40));
    rotating.scopes = vec!["read_api".into(), "self_rotate".into()];
    let home = home_with(vec![read_only.clone(), rotating.clone()]);
    let plain = home.run(&["status"], "");
    assert!(!plain.stdout.contains("cannot renew"), "{plain:?}");
    let dir = home.tokens_toml().parent().unwrap().to_owned();
    std::fs::write(
        dir.join("schedule.toml"),
        "backend = \"systemd\"\nat = \"10:00\"\nwithin = 14\ncommand = []\nfiles = []\n",
    )
    .unwrap();
    let out = home.run(&["status"], "");
    let words = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(&format!("{}: It cannot rotate itself", read_only.account)),
        "{out:?}"
    );
    assert!(
        words.contains("the daily rotation cannot renew it"),
        "{out:?}"
    );
    assert!(words.contains("gitlab-token setup --replace"), "{out:?}");
    assert!(
        !words.contains(&format!("{}: It", rotating.account)),
        "{out:?}"
    );
}
