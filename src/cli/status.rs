//! `gitlab-token status [--verify] [--json]`: what is stored, from the metadata file alone
//! (instant, no keychain); `--verify` re-validates every token live, concurrently.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::stored::{self, secret};
use super::{StatusArgs, exit};
use crate::instance::Instance;
use crate::profile::Profile;
use crate::strings::status as text;
use crate::theme::{Tone, paint, stdout_colour};
use crate::validation::{EXPIRY_WARNING_DAYS, Requirements};
use crate::vault::{Metadata, StoreKind, StoredToken};

#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    entry: &'a StoredToken,
    days_left: Option<i64>,
    /// Set with `--verify`: whether the live check passed, and its problems.
    verified_ok: Option<bool>,
    problems: Vec<String>,
}

pub async fn run(args: StatusArgs) -> u8 {
    let (path, meta) = match stored::load() {
        Ok(found) => found,
        Err(e) => {
            eprintln!("gitlab-token status: {}", e.message());
            return exit::USAGE;
        }
    };
    let today = OffsetDateTime::now_utc().date();
    let mut results: Vec<Option<(bool, Vec<String>)>> = vec![None; meta.tokens.len()];
    let mut meta = meta;
    if args.verify {
        let checks = meta
            .tokens
            .iter()
            .map(|entry| verify_one(entry.clone(), args.timeout));
        let outcomes = futures_join_all(checks).await;
        let now = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            if let Some((ok, problems, expires_at)) = outcome {
                if ok {
                    meta.tokens[i].verified_at = now.clone();
                    meta.tokens[i].expires_at = expires_at;
                }
                results[i] = Some((ok, problems));
            } else {
                results[i] = Some((false, vec![text::NO_SECRET.to_owned()]));
            }
        }
        let verified: Vec<(String, String, Option<String>)> = meta
            .tokens
            .iter()
            .zip(&results)
            .filter(|(_, r)| r.as_ref().is_some_and(|(ok, _)| *ok))
            .map(|(t, _)| {
                (
                    t.account.clone(),
                    t.verified_at.clone(),
                    t.expires_at.clone(),
                )
            })
            .collect();
        let written = Metadata::update(&path, |m| {
            for (account, at, expires) in &verified {
                if let Some(t) = m.tokens.iter_mut().find(|t| &t.account == account) {
                    t.verified_at = at.clone();
                    t.expires_at = expires.clone();
                }
            }
        });
        if let Err(e) = written {
            eprintln!("gitlab-token status: {e}");
        }
    }
    let rows: Vec<Row> = meta
        .tokens
        .iter()
        .zip(results)
        .map(|(entry, r)| Row {
            entry,
            days_left: entry.days_left(today),
            verified_ok: r.as_ref().map(|(ok, _)| *ok),
            problems: r.map(|(_, p)| p).unwrap_or_default(),
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string(&rows).unwrap_or_default());
    } else {
        print_table(&rows, stdout_colour());
    }
    if rows.iter().any(|r| r.verified_ok == Some(false)) {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }
}

/// Runs futures concurrently, keeping their order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        match h.await {
            Ok(v) => out.push(v),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    out
}

/// Re-validates one stored token; `None` when its secret cannot be read.
async fn verify_one(
    entry: StoredToken,
    timeout: u64,
) -> Option<(bool, Vec<String>, Option<String>)> {
    let token = match secret(&entry).await {
        Ok(t) => t,
        Err(e) => {
            return Some((
                false,
                vec![crate::strings::vault::problem(&e).message],
                entry.expires_at,
            ));
        }
    };
    let instance = Instance::parse(&entry.url).ok()?;
    let profile = Profile::by_id(&entry.profile).ok();
    let mut needs = Requirements::for_profile(profile.as_ref(), entry.target.clone());
    if profile.is_none() {
        needs.scopes = entry.scopes.clone();
    }
    let v = crate::validation::validate_at(
        &instance,
        entry.ca_file.clone(),
        &token,
        &needs,
        std::time::Duration::from_secs(timeout.max(1)),
    )
    .await;
    let expires = v
        .token
        .as_ref()
        .map_or(entry.expires_at.clone(), |t| t.expires_at.clone());
    Some((
        v.ok(),
        v.problems
            .iter()
            .map(|p| format!("{}: {}", p.kind.as_str(), p.message))
            .collect(),
        expires,
    ))
}

fn print_table(rows: &[Row], colour: bool) {
    if rows.is_empty() {
        println!("{}", text::NONE);
        return;
    }
    println!("{}", paint(&text::header(), Tone::Title, colour));
    for r in rows {
        let t = r.entry;
        let (expiry, tone) = match r.days_left {
            Some(d) if d < 0 => (
                text::expired(t.expires_at.as_deref().unwrap_or("")),
                Tone::Fail,
            ),
            Some(d) if d <= EXPIRY_WARNING_DAYS => (text::days_left(d), Tone::Warn),
            Some(d) => (text::days_left(d), Tone::Ok),
            None => (text::NEVER.to_owned(), Tone::Warn),
        };
        let who = if t.bot {
            format!("{} (service account)", t.username)
        } else {
            t.username.clone()
        };
        println!(
            "{}",
            text::row(
                &t.host,
                &t.name,
                &who,
                &t.token_name,
                &t.scopes.join(","),
                &paint(&expiry, tone, colour),
                &t.verified_at,
                t.store
            )
        );
        if t.store == StoreKind::File {
            println!(
                "    {}",
                paint(text::FILE_STORE_WARNING, Tone::Warn, colour)
            );
        }
        match r.verified_ok {
            Some(true) => println!("    {}", paint(text::VERIFIED_NOW, Tone::Ok, colour)),
            Some(false) => {
                for p in &r.problems {
                    println!("    {}", paint(p, Tone::Fail, colour));
                }
            }
            None => {}
        }
    }
}
