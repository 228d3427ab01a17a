//! `gitlab-token check URL`: the admin-grade reachability and TLS report, as text or JSON.

use std::time::Duration;

use serde::Serialize;

use super::{CheckArgs, exit, token_from_stdin};
use crate::gitlab::Client;
use crate::gitlab::types::Metadata;
use crate::instance::Instance;
use crate::probe::{self, Report};
use crate::strings::check as text;
use crate::theme::{Tone, paint, stdout_colour};
use crate::tls::Trust;

#[derive(Serialize)]
struct Json<'a> {
    #[serde(flatten)]
    report: &'a Report,
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
            let report = probe::invalid_url(
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
    let timeout = Duration::from_secs_f64(args.timeout.max(0.5));
    let colour = stdout_colour() && !args.json;
    let mut on_stage = |s: &probe::StageResult| {
        if !args.json {
            println!("{}", stage_line(s, colour));
        }
    };
    if !args.json {
        println!(
            "{}",
            paint(&text::checking(&instance.base_url()), Tone::Title, colour)
        );
    }
    let report = probe::run(&instance, &trust, timeout, &mut on_stage).await;
    let gitlab = match (&token, report.ok) {
        (Some(token), true) => match Client::new(&instance, &trust, timeout) {
            Ok(client) => client.metadata(token).await.ok(),
            Err(_) => None,
        },
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

fn stage_line(s: &probe::StageResult, colour: bool) -> String {
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

fn print_summary(report: &Report, gitlab: Option<&Metadata>, had_token: bool, colour: bool) {
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
