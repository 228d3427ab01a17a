//! `gitlab-token status [--verify] [--json]`: what is stored, from the metadata file alone
//! (instant, no keychain); `--verify` re-validates every token live, concurrently.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{StatusArgs, StatusFormat, exit};
use crate::instance::Instance;
use crate::profile::Profile;
use crate::rotation::renewal::Renewal;
use crate::session::monitor;
use crate::session::{sink_list, stored};
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
    /// Where its new value goes after a rotation, and which sinks still wait for it.
    sinks: Vec<sink_list::SinkState>,
    /// How it gets its next value (by itself, refreshed, with an Owner's say, by hand).
    renewal: Renewal,
}

pub async fn run(args: StatusArgs) -> u8 {
    let (path, meta, unread) = match stored::load_all().await {
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
            // tokens.toml holds the facts of local tokens only (a team token's stay in Vault).
            .filter(|(t, _)| t.store.is_local())
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
            sinks: sink_list::states(&path, &meta, Some(&entry.account)),
            renewal: Renewal::of(entry),
        })
        .collect();
    let place = crate::schedule::Place::beside(&path);
    let runs = crate::schedule::log::read(&place.log_path());
    let seen: Vec<monitor::Seen> = rows
        .iter()
        .map(|r| monitor::Seen {
            entry: r.entry,
            days_left: r.days_left,
            verified_ok: r.verified_ok,
            problems: &r.problems,
        })
        .collect();
    if args.check {
        let (code, lines) = monitor::check(&seen, &runs, args.within);
        for line in lines {
            println!("{line}");
        }
        return code;
    }
    match (args.json, args.format) {
        (true, _) | (false, StatusFormat::Json) => {
            println!("{}", serde_json::to_string(&rows).unwrap_or_default());
        }
        (false, StatusFormat::Prometheus) => {
            let record = place.record().ok().flatten();
            print!("{}", monitor::prometheus(&seen, &runs, record.as_ref()));
        }
        (false, StatusFormat::Table) => {
            print_table(&rows, stdout_colour());
            print_renewals(&rows, place.record().ok().flatten().is_some());
            sink_list::print_for_status(&path, &meta);
            print_schedule(&place, &runs, &meta.tokens);
        }
    }
    let table = matches!(args.format, StatusFormat::Table) && !args.json;
    print_orphans(&path, table);
    print_unreadable(&path, table);
    let unread_code = unread.map(|e| stored::team_unread("status", &e));
    if rows.iter().any(|r| r.verified_ok == Some(false)) {
        exit::CHECK_FAILED
    } else {
        unread_code.unwrap_or(exit::OK)
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
    let timeout_d = std::time::Duration::from_secs(timeout.max(1));
    // An address that does not parse is reported like an unreadable secret.
    Instance::parse(&entry.url).ok()?;
    let profile = Profile::by_id(&entry.profile).ok();
    let mut needs = Requirements::for_profile(profile.as_ref(), entry.target.clone());
    if profile.is_none() {
        needs.scopes = entry.scopes.clone();
    }
    let v = match stored::checked_access(&entry, &needs, timeout_d).await {
        Ok((_, v)) => v,
        Err(crate::vault::credential::CredentialError::Vault(e)) => {
            return Some((
                false,
                vec![crate::strings::vault::problem(&e).message],
                entry.expires_at,
            ));
        }
        Err(e) => return Some((false, vec![e.to_string()], entry.expires_at)),
    };
    let expires = v
        .token
        .as_ref()
        .map_or(entry.expires_at.clone(), |t| t.expires_at.clone());
    Some((
        v.ok(),
        crate::strings::validation::problems(&v)
            .iter()
            .map(|p| format!("{}: {}", p.kind.as_str(), p.message))
            .collect(),
        expires,
    ))
}

/// The journals `status` could not read (deliveries, `create` runs): never skipped in silence,
/// since each may hold pending work or point at a token left on GitLab. On stdout under the
/// table, on stderr beside JSON or Prometheus output.
fn print_unreadable(metadata_path: &std::path::Path, table: bool) {
    let colour = table && stdout_colour();
    let mut lines = Vec::new();
    if let Some(e) = crate::rotation::deliveries::unreadable(metadata_path) {
        lines.push(text::unreadable_deliveries(&e));
    }
    for e in crate::provision::unreadable_journals(metadata_path) {
        lines.push(text::unreadable_create_journal(&e));
    }
    let kind = crate::problem::ProblemKind::UnreadableFile.as_str();
    for line in lines {
        let line = format!("problem ({kind}): {line}");
        if table {
            for piece in wrap(&line, terminal_width()) {
                println!("{}", paint(&piece, Tone::Fail, colour));
            }
        } else {
            eprintln!("gitlab-token status: {line}");
        }
    }
}

/// Tokens that a killed `create` made, or was asking for, and never stored (from its journal;
/// no network): each with its id (when known), name, account and the page to revoke it on. On
/// stdout under the table, on stderr beside JSON or Prometheus output.
fn print_orphans(metadata_path: &std::path::Path, table: bool) {
    let colour = table && stdout_colour();
    for o in crate::provision::orphans(metadata_path) {
        let line = crate::strings::create_cli::orphan_line(&o);
        let kind = crate::problem::ProblemKind::OrphanTokenLeft.as_str();
        let line = format!("problem ({kind}): {line}");
        if table {
            println!("{}", paint(&line, Tone::Fail, colour));
        } else {
            eprintln!("gitlab-token status: {line}");
        }
    }
}

/// Under the table: each token the daily rotation cannot renew, and the command that does: a
/// token `create` made always (its command is not the usual one), one to replace by hand where
/// a daily rotation is installed (which says it renews tokens).
fn print_renewals(rows: &[Row], scheduled: bool) {
    let width = terminal_width();
    let listed = |r: &&Row| match r.renewal {
        Renewal::WithOwner(_) => true,
        Renewal::ByHand => scheduled,
        Renewal::ItSelf | Renewal::Refreshes => false,
    };
    for r in rows.iter().filter(listed) {
        let e = r.entry;
        println!("{}:", e.account);
        let line = crate::strings::renewal::renewal_line(r.renewal, &e.account, &e.host, &e.name);
        for row in wrap(&line, width.saturating_sub(2).max(20)) {
            println!("  {row}");
        }
    }
}

/// `text` in rows of at most `width` columns, broken between words (a word longer than a row,
/// such as a command's account, gets a row of its own).
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut rows = vec![String::new()];
    for word in text.split_whitespace() {
        let row = rows.last_mut().expect("never empty");
        if !row.is_empty() && width(row) + 1 + width(word) > columns {
            rows.push(word.to_owned());
        } else {
            if !row.is_empty() {
                row.push(' ');
            }
            row.push_str(word);
        }
    }
    rows
}

fn print_table(rows: &[Row], colour: bool) {
    print!("{}", render(rows, terminal_width(), colour));
}

/// After the table: the daily rotation, when one is installed, and tokens its runs (or any
/// `rotate`) left to a person. Nothing when neither (the table stays as it was).
fn print_schedule(
    place: &crate::schedule::Place,
    runs: &[crate::schedule::log::Run],
    stored: &[StoredToken],
) {
    use crate::strings::schedule as sched;
    let record = place.record().ok().flatten();
    let open = crate::schedule::log::open_nudges(runs, stored);
    if record.is_none() && open.is_empty() {
        return;
    }
    println!();
    println!("{}", sched::status_line(record.as_ref()));
    for t in open {
        println!("  {}", sched::nudge_line(t));
    }
}

/// The width to lay `status` out for: `COLUMNS` when set, else the terminal's, else 80.
fn terminal_width() -> usize {
    use std::io::IsTerminal;
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return cols;
    }
    if std::io::stdout().is_terminal()
        && let Ok((cols, _)) = crossterm::terminal::size()
        && cols > 0
    {
        return usize::from(cols);
    }
    DEFAULT_WIDTH
}

const DEFAULT_WIDTH: usize = 80;
/// Spaces between table columns: they never run together.
const GAP: usize = 2;

fn width(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}

/// One stored token's fields as shown, and how its expiry is coloured.
struct Shown {
    cells: [String; 8],
    tone: Tone,
    notes: Vec<(String, Tone)>,
}

fn shown(r: &Row) -> Shown {
    let t = r.entry;
    let date = t.expires_at.as_deref().unwrap_or("");
    let (expiry, tone) = match r.days_left {
        // An OAuth sign-in: the access token lives 2 hours and is refreshed when used.
        _ if t.is_oauth() => match &t.oauth {
            Some(f) if f.needs_sign_in => (crate::strings::oauth::NEEDS_SIGN_IN.into(), Tone::Fail),
            Some(f) if f.in_doubt() => (crate::strings::oauth::IN_DOUBT.into(), Tone::Warn),
            _ => (crate::strings::oauth::REFRESHES_ITSELF.into(), Tone::Ok),
        },
        Some(d) if crate::gitlab::types::is_expired(d) => (text::expired(date), Tone::Fail),
        Some(d) if d <= EXPIRY_WARNING_DAYS => (text::expires_on(date, d), Tone::Warn),
        Some(d) => (text::expires_on(date, d), Tone::Ok),
        None => (text::NEVER.to_owned(), Tone::Warn),
    };
    let who = if t.bot {
        text::service_account_user(&t.username)
    } else {
        t.username.clone()
    };
    let mut notes = Vec::new();
    if t.store == StoreKind::File {
        notes.push((text::FILE_STORE_WARNING.to_owned(), Tone::Warn));
    }
    if let Some(sent) = t.oauth.as_ref().and_then(|f| f.refresh_sent.as_ref()) {
        let instance = crate::instance::Instance::parse(&t.url)
            .unwrap_or_else(|_| crate::instance::Instance::gitlab_com());
        notes.push((
            crate::strings::oauth::in_doubt_note(&sent.at, &instance, &t.name),
            Tone::Warn,
        ));
    }
    match r.verified_ok {
        Some(true) => notes.push((text::VERIFIED_NOW.to_owned(), Tone::Ok)),
        Some(false) => notes.extend(r.problems.iter().map(|p| (p.clone(), Tone::Fail))),
        None => {}
    }
    Shown {
        cells: [
            t.host.clone(),
            t.name.clone(),
            who,
            t.token_name.clone(),
            if t.fine_grained {
                crate::strings::granular::status_cell(t.permissions.as_deref())
            } else {
                t.scopes.join(", ")
            },
            expiry,
            text::verified_at(&t.verified_at),
            t.store.short_name().to_owned(),
        ],
        tone,
        notes,
    }
}

/// `status` laid out for `cols` columns: a table with columns sized to their content (two
/// spaces apart) when it fits, else a block per token (as `gh auth status`), never cut.
fn render(rows: &[Row], cols: usize, colour: bool) -> String {
    use std::fmt::Write;
    if rows.is_empty() {
        return format!("{}\n", text::NONE);
    }
    let shown: Vec<Shown> = rows.iter().map(shown).collect();
    let mut widths = text::HEADINGS.map(width);
    for s in &shown {
        for (w, cell) in widths.iter_mut().zip(&s.cells) {
            *w = (*w).max(width(cell));
        }
    }
    let table_width = widths.iter().sum::<usize>() + GAP * (widths.len() - 1);
    let mut out = String::new();
    if table_width <= cols {
        let line = |cells: &[&str]| -> Vec<String> {
            let last = cells.len() - 1;
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = if i == last {
                        0
                    } else {
                        widths[i] - width(c) + GAP
                    };
                    format!("{c}{}", " ".repeat(pad))
                })
                .collect()
        };
        let header = line(&text::HEADINGS).concat();
        let _ = writeln!(out, "{}", paint(header.trim_end(), Tone::Title, colour));
        for s in &shown {
            let cells: Vec<&str> = s.cells.iter().map(String::as_str).collect();
            let mut parts = line(&cells);
            parts[5] = paint(&parts[5], s.tone, colour);
            let _ = writeln!(out, "{}", parts.concat().trim_end());
            for (note, tone) in &s.notes {
                for piece in wrap(note, cols.saturating_sub(4)) {
                    let _ = writeln!(out, "    {}", paint(&piece, *tone, colour));
                }
            }
        }
        return out;
    }
    for (i, s) in shown.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let [host, name, rest @ ..] = &s.cells;
        let _ = writeln!(
            out,
            "{}",
            paint(&format!("{name}@{host}"), Tone::Title, colour)
        );
        let label_width = text::BLOCK_LABELS
            .iter()
            .map(|l| width(l))
            .max()
            .unwrap_or(0);
        for (j, (label, value)) in text::BLOCK_LABELS.iter().zip(rest).enumerate() {
            let value = if j == 3 {
                paint(value, s.tone, colour)
            } else {
                value.clone()
            };
            let pad = " ".repeat(label_width - width(label) + 1);
            let _ = writeln!(out, "  {label}:{pad}{value}");
        }
        for (note, tone) in &s.notes {
            for piece in wrap(note, cols.saturating_sub(2)) {
                let _ = writeln!(out, "  {}", paint(&piece, *tone, colour));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_wrap_at_the_width_between_words() {
        let note = text::FILE_STORE_WARNING;
        for cols in [80, 60] {
            for table in [true, false] {
                let indent = if table { 4 } else { 2 };
                let lines = wrap(note, cols - indent);
                assert!(lines.len() > 1 || width(note) + indent <= cols);
                assert!(lines.iter().all(|l| width(l) + indent <= cols), "{lines:?}");
                assert_eq!(lines.join(" "), note);
            }
        }
        let long = format!("see {}", "x".repeat(100));
        assert_eq!(wrap(&long, 76), ["see", &"x".repeat(100)]);
    }

    fn entry(name: &str, host: &str, scopes: &[&str]) -> StoredToken {
        StoredToken {
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..StoredToken::sample(name, host)
        }
    }

    fn row(e: &StoredToken, days: i64) -> Row<'_> {
        Row {
            entry: e,
            days_left: Some(days),
            verified_ok: None,
            problems: vec![],
            sinks: vec![],
            renewal: Renewal::of(e),
        }
    }

    #[test]
    fn columns_never_run_together_and_fit_or_turn_into_blocks() {
        let a = entry(
            "repo-scanner",
            "gitlab.example.com:8443/gitlab",
            &["read_api", "read_repository"],
        );
        let b = entry(
            "mr-reviewer",
            "gitlab.com",
            &["api", "read_api", "read_user"],
        );
        let rows = [row(&a, 90), row(&b, 5)];
        let wide = render(&rows, 200, false);
        let lines: Vec<&str> = wide.lines().collect();
        assert!(lines[0].starts_with("HOST"), "{wide}");
        assert_eq!(lines.len(), 3, "{wide}");
        assert!(lines.iter().all(|l| width(l) <= 200), "{wide}");
        // Every column starts at the same place on every line, two spaces after the widest cell.
        let col = |l: &str, needle: &str| l.find(needle).unwrap();
        assert_eq!(col(lines[0], "NAME"), col(lines[1], "repo-scanner"));
        assert_eq!(col(lines[0], "NAME"), col(lines[2], "mr-reviewer"));
        assert_eq!(
            col(lines[0], "NAME"),
            "gitlab.example.com:8443/gitlab".len() + GAP
        );
        assert!(lines[2].contains("5 days left"), "{wide}");

        let narrow = render(&rows, 80, false);
        assert!(narrow.lines().all(|l| width(l) <= 80), "{narrow}");
        assert!(
            narrow.contains("repo-scanner@gitlab.example.com:8443/gitlab\n"),
            "{narrow}"
        );
        assert!(
            narrow.contains("  scopes:   read_api, read_repository\n"),
            "{narrow}"
        );
        assert!(
            narrow.contains("  expires:  2027-02-21 (5 days left)"),
            "{narrow}"
        );
        assert!(!narrow.contains("HOST"), "{narrow}");
    }

    #[test]
    fn the_file_store_warning_fits_80_columns_as_a_table_row_and_as_a_block() {
        let mut a = entry("ci", "gitlab.com", &["read_api"]);
        a.store = StoreKind::File;
        let rows = [row(&a, 90)];
        for cols in [80, 60] {
            let out = render(&rows, cols, false);
            assert!(out.lines().all(|l| width(l) <= cols), "{cols}:\n{out}");
            assert!(out.contains("plain file"), "{out}");
        }
    }
}
