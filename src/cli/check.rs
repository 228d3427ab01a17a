//! `gitlab-token check URL`: the admin-grade reachability and TLS report, as text or JSON.

use std::time::Duration;

use serde::Serialize;

use super::{CheckArgs, exit};
use crate::gitlab::Client;
use crate::gitlab::types::Metadata;
use crate::instance::Instance;
use crate::probe;
use crate::session::stdin::token_from_stdin;
use crate::strings::check as text;
use crate::strings::probe::{ShownReport, ShownStage, shown, shown_stage};
use crate::theme::{Tone, paint, stdout_colour};
use crate::tls::Trust;

#[derive(Serialize)]
struct Json<'a> {
    #[serde(flatten)]
    report: &'a ShownReport,
    gitlab: Option<&'a Metadata>,
}

pub async fn run(args: CheckArgs) -> u8 {
    let instance = match Instance::parse_noted(&args.url) {
        Ok((i, dropped)) => {
            if let Some(dropped) = dropped {
                let note = crate::strings::instance::page_url_note(&i, &dropped);
                eprintln!("gitlab-token check: note: {note}");
            }
            i
        }
        Err(e) => {
            let reason = crate::strings::wizard::host_error(&e);
            let report = crate::strings::probe::invalid_url_report(
                &args.url,
                crate::strings::probe::invalid_url(&args.url, &reason),
            );
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string(&Json {
                        report: &report,
                        gitlab: None
                    })
                    .unwrap_or_default()
                );
            } else {
                print_summary(&report, None, false, stdout_colour());
            }
            return exit::CHECK_FAILED;
        }
    };
    let token = match args.token_stdin.then(token_from_stdin).transpose() {
        Ok(token) => token,
        Err(e) => {
            eprintln!("gitlab-token check: --token-stdin: {e}");
            return exit::USAGE;
        }
    };
    let trust = Trust::with_ca_file(args.ca_file.clone());
    if let Err(e) = trust.verifier() {
        eprintln!("gitlab-token check: {e}");
        return exit::USAGE;
    }
    // One deadline for the whole check: the probe's stages and the version call share it.
    let timeout = Duration::from_secs_f64(args.timeout);
    let deadline = tokio::time::Instant::now() + timeout;
    let colour = stdout_colour() && !args.json;
    let mut on_stage = |s: &probe::StageResult| {
        if !args.json {
            println!("{}", stage_line(&shown_stage(s), colour));
        }
    };
    if !args.json {
        println!(
            "{}",
            paint(&text::checking(&instance.base_url()), Tone::Title, colour)
        );
    }
    let mut report = shown(&probe::run(&instance, &trust, timeout, &mut on_stage).await);
    let gitlab = match (&token, report.ok) {
        (Some(token), true) => {
            version(&instance, &trust, token, deadline, timeout, &mut report).await
        }
        _ => None,
    };
    if args.json {
        let json = Json {
            report: &report,
            gitlab: gitlab.as_ref(),
        };
        println!("{}", serde_json::to_string(&json).unwrap_or_default());
    } else {
        print_summary(&report, gitlab.as_ref(), token.is_some(), colour);
    }
    if report.ok {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }
}

/// The version and edition, read with the token before `deadline`. A scope too narrow is only
/// noted (the summary says so); any other failure, a timeout included, is a problem of the check.
async fn version(
    instance: &Instance,
    trust: &Trust,
    token: &crate::token::Token,
    deadline: tokio::time::Instant,
    limit: Duration,
    report: &mut ShownReport,
) -> Option<Metadata> {
    use crate::gitlab::ApiError;
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    let outcome = match Client::new(instance, trust, left.max(Duration::from_millis(1))) {
        Ok(client) => tokio::time::timeout_at(deadline, client.metadata(token))
            .await
            .unwrap_or(Err(ApiError::Timeout(limit.as_secs().max(1)))),
        Err(e) => Err(ApiError::Setup(e.to_string())),
    };
    let problem = match outcome {
        Ok(metadata) => return Some(metadata),
        Err(
            ApiError::InsufficientScope(_)
            | ApiError::MissingPermission(_)
            | ApiError::Forbidden(_),
        ) => return None,
        Err(ApiError::Timeout(_)) => crate::strings::probe::timeout("the version call", limit),
        Err(e) => crate::strings::validation::api_problem(&e),
    };
    report.ok &= problem.kind.is_warning();
    report.problems.push(problem);
    None
}

fn stage_line(s: &ShownStage, colour: bool) -> String {
    let (mark, tone) = if s.ok {
        ("✓", Tone::Ok)
    } else {
        ("✗", Tone::Fail)
    };
    format!(
        " {} {:<6}{}  {}",
        paint(mark, tone, colour),
        text::stage_name(s.stage),
        s.detail,
        paint(&format!("{} ms", s.ms), Tone::Muted, colour)
    )
}

fn print_summary(report: &ShownReport, gitlab: Option<&Metadata>, had_token: bool, colour: bool) {
    if let Some(c) = &report.certificate {
        println!("\n{}", paint(text::CERTIFICATE, Tone::Title, colour));
        for (label, value) in text::certificate_rows(c) {
            println!("  {label:<9}{value}");
        }
    }
    if let Some(m) = gitlab {
        println!("\n{}", paint(text::INSTANCE, Tone::Title, colour));
        println!("  {}", text::instance_line(m));
    } else if had_token && report.ok {
        // Only a scope too narrow leaves the check ok without a version.
        println!("\n  {}", text::VERSION_UNREADABLE);
    }
    if report.problems.is_empty() {
        println!("\n{}", paint(text::ALL_GOOD, Tone::Ok, colour));
        return;
    }
    println!("\n{}", paint(text::PROBLEMS, Tone::Title, colour));
    for p in &report.problems {
        let tone = if p.kind.is_warning() {
            Tone::Warn
        } else {
            Tone::Fail
        };
        println!(
            "  {} {}",
            paint(&format!("{}:", p.kind.as_str()), tone, colour),
            p.message
        );
        println!("    fix: {}", p.fix);
    }
}
