//! `gitlab-token rotate`: rotates stored tokens (the automatic path, or the guided path's link and
//! `--replace`), and, before every command that touches stored tokens, finishes or repairs a
//! rotation that was interrupted.

mod team;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use super::{Command, RotateArgs, exit};
use crate::rotation::{
    self, Context, Failure, MAX_EXPIRES_IN_DAYS, Plan, Recovered, Report, RotationLock, batch,
};
use crate::session::hold::Hold;
use crate::session::stored::{self, KEYCHAIN_TIMEOUT};
use crate::session::{device, owner_auth, runlog, stdin};
use crate::strings::rotation as text;
use crate::token::Token;
use crate::vault::{Metadata, StoredToken, metadata};

/// `--expires-in`: 1 to 365 days.
pub fn parse_expires_in(s: &str) -> Result<i64, String> {
    match s.trim().parse::<i64>() {
        Ok(days) if (1..=MAX_EXPIRES_IN_DAYS).contains(&days) => Ok(days),
        _ => Err(text::EXPIRES_IN_RANGE.to_owned()),
    }
}

fn context(metadata_path: PathBuf, timeout_secs: u64) -> Context {
    Context {
        metadata_path,
        timeout: Duration::from_secs(timeout_secs.max(1)),
        keychain_timeout: KEYCHAIN_TIMEOUT,
    }
}

/// Before a command that touches stored tokens: finishes or repairs an interrupted rotation and
/// says what happened on standard error. (`rotate` does this itself, under its lock.)
pub async fn recover_before(command: Option<&Command>) {
    let touches = match command {
        Some(
            Command::Status(_)
            | Command::Get(_)
            | Command::Forget(_)
            | Command::Add(_)
            | Command::Create(_)
            | Command::GitCredential(_)
            | Command::SetupGit(_),
        ) => true,
        // Only `verify` of the stored token (a piped token is not a stored one).
        Some(Command::Verify(_)) => std::io::stdin().is_terminal(),
        _ => false,
    };
    if !touches {
        return;
    }
    let Ok(path) = metadata::default_path() else {
        return;
    };
    for repair in crate::vault::reconcile(&path, KEYCHAIN_TIMEOUT).await {
        eprintln!("gitlab-token: {}", crate::strings::vault::repair(&repair));
    }
    for r in rotation::recover(&context(path, 8)).await {
        print_recovered(&r);
    }
}

fn print_recovered(r: &Recovered) {
    eprintln!("gitlab-token: {}", text::recovered(r));
    if let Some(fix) = text::recovered_fix(r) {
        eprintln!("  fix: {fix}");
    }
}

/// `rotate`: rotates, then records the run in the log (and notifies, when the schedule started it
/// and a token needs a person).
pub async fn run(args: RotateArgs) -> u8 {
    let scheduled = args.scheduled;
    let code = rotate(args).await;
    runlog::record(scheduled, code).await
}

async fn rotate(args: RotateArgs) -> u8 {
    let (ctx, lock) = match start(&args).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    // Sinks still waiting for a value an earlier run stored get it first (every run, scheduled
    // or not, until they succeed or are removed).
    let redelivered: Vec<Report> = rotation::deliveries::deliver_pending(&ctx)
        .await
        .into_iter()
        .map(|(account, outcomes)| Report::redelivery(account, outcomes))
        .collect();
    // The local tokens and the team's (rotated under the Vault lease), `--store` keeping one.
    let (meta, unread_code) = match team::inventory(&args).await {
        Ok(found) => found,
        Err(code) => return code,
    };
    let entries = match choose(&meta, &args) {
        Ok(entries) => entries,
        Err(code) => return code,
    };
    if (args.owner.given() || args.replace) && entries.iter().any(team::is_team) {
        return usage(crate::strings::rotation::TEAM_ONLY_AUTOMATIC);
    }
    // Every run delivers every pending sink, but with --host/--name only the asked tokens'
    // deliveries decide the exit code (issue 21.12): another token's pending sink is said, not
    // counted.
    let redelivered_code = exit_code(
        redelivered
            .iter()
            .filter(|r| asked(&meta, &args, &r.account)),
    )
    .max(unread_code);
    if args.owner.given() && args.replace {
        return usage(crate::strings::create_cli::OWNER_NOT_WITH_REPLACE);
    }
    if args.owner.given() {
        finish(&redelivered, args.json && entries.is_empty());
        return owner_path(&ctx, &entries, &args, &lock)
            .await
            .max(redelivered_code);
    }
    if args.replace {
        let Some(entry) = entries.first() else {
            return exit::CHECK_FAILED;
        };
        if !args.json {
            finish(&redelivered, false);
        }
        return replace(&ctx, entry, &args, &lock)
            .await
            .max(redelivered_code);
    }
    if entries.is_empty() {
        if args.json {
            finish(&redelivered, true);
        } else {
            finish(&redelivered, false);
            println!("{}", text::nothing_due(args.within.unwrap_or_default()));
        }
        return redelivered_code;
    }
    automatic_path(
        &ctx,
        &entries,
        &args,
        &lock,
        (redelivered, redelivered_code),
    )
    .await
}

/// The context, the rotation lock, and every interrupted rotation finished or repaired under it.
async fn start(args: &RotateArgs) -> Result<(Context, RotationLock), u8> {
    let metadata_path = match metadata::default_path() {
        Ok(p) => p,
        Err(e) => return Err(usage(&e.to_string())),
    };
    let ctx = context(metadata_path, args.timeout);
    let lock = match RotationLock::try_acquire(&ctx.metadata_path) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            let p = text::busy();
            eprintln!("gitlab-token rotate: {}\n  fix: {}", p.message, p.fix);
            return Err(exit::CHECK_FAILED);
        }
        Err(e) => {
            eprintln!("gitlab-token rotate: {e}");
            return Err(exit::CHECK_FAILED);
        }
    };
    for r in rotation::recover::recover_locked(&ctx, &lock).await {
        print_recovered(&r);
    }
    Ok((ctx, lock))
}

/// A listed token: a local one's plan, or a team token (checked under its lease).
enum Planned {
    Local(Plan),
    Team(Box<StoredToken>),
}

/// One token's place in the run: its report already, or a rotation to carry out.
enum Slot {
    Report(Report),
    Rotate(Box<rotation::Ready>),
    /// A team token, rotated under the Vault lease.
    Team(Box<StoredToken>),
    /// Not confirmed: nothing to report (it was said on standard error).
    Skipped,
}

/// The automatic path: every token checked side by side, each confirmed in the order listed,
/// then the confirmed ones rotated side by side (`rotation::batch`, a bounded number at a
/// time), each in its own order of steps; the reports in the order the tokens are listed.
async fn automatic_path(
    ctx: &Context,
    entries: &[StoredToken],
    args: &RotateArgs,
    lock: &RotationLock,
    (redelivered, redelivered_code): (Vec<Report>, u8),
) -> u8 {
    // A team token is checked under its lease (`rotation::team`), not here.
    let plans = batch::in_order(
        entries
            .iter()
            .map(|e| async move {
                if team::is_team(e) {
                    Planned::Team(Box::new(e.clone()))
                } else {
                    Planned::Local(rotation::plan(ctx, e).await)
                }
            })
            .collect(),
        batch::AT_ONCE,
    )
    .await;
    let expires_at = rotation::expiry_in(args.expires_in);
    let mut code = exit::OK;
    let mut slots = Vec::with_capacity(plans.len());
    for plan in plans {
        let (account, slot) = match plan {
            Planned::Local(Plan::Done(report)) => {
                slots.push(Slot::Report(report));
                continue;
            }
            Planned::Local(Plan::Automatic(ready)) => {
                (ready.entry.account.clone(), Slot::Rotate(ready))
            }
            Planned::Team(entry) => (entry.account.clone(), Slot::Team(entry)),
        };
        match confirm(args, &account, &expires_at) {
            Confirm::Yes => slots.push(slot),
            Confirm::No => {
                let account = &account;
                eprintln!("gitlab-token rotate: {}", text::not_confirmed(account));
                code = code.max(exit::CHECK_FAILED);
                slots.push(Slot::Skipped);
            }
            Confirm::CannotAsk => {
                let done = slots.into_iter().filter_map(|s| match s {
                    Slot::Report(r) => Some(r),
                    _ => None,
                });
                finish(
                    &redelivered.into_iter().chain(done).collect::<Vec<_>>(),
                    args.json,
                );
                eprintln!("gitlab-token rotate: {}", text::NEEDS_YES);
                return exit::USAGE;
            }
        }
    }
    let (reports, signal) = carry_out(ctx, slots, args, &expires_at, lock).await;
    let code = code.max(exit_code(&reports)).max(redelivered_code);
    let reports: Vec<Report> = redelivered.into_iter().chain(reports).collect();
    finish(&reports, args.json);
    match signal {
        // The rotations under way finished (each new value stored, or the journal says what
        // to do); none started after the signal.
        Some(n) => 128 + n,
        None => code,
    }
}

/// Rotates the confirmed tokens side by side, under the signal hold; the reports in the slots'
/// order, and the signal that came meanwhile.
async fn carry_out(
    ctx: &Context,
    slots: Vec<Slot>,
    args: &RotateArgs,
    expires_at: &str,
    lock: &RotationLock,
) -> (Vec<Report>, Option<u8>) {
    if !slots
        .iter()
        .any(|s| matches!(s, Slot::Rotate(_) | Slot::Team(_)))
    {
        let reports = slots.into_iter().filter_map(|s| match s {
            Slot::Report(r) => Some(r),
            _ => None,
        });
        return (reports.collect(), None);
    }
    let interactive = !args.yes && !args.json && terminal();
    let offer = move |token: &Token| interactive && reveal(token);
    let team = team::Run::open(ctx, expires_at);
    let hold = Hold::install();
    hold.enter();
    let jobs = slots.into_iter().map(|slot| {
        let (hold, offer, team) = (&hold, &offer, &team);
        async move {
            match slot {
                Slot::Report(r) => Some(r),
                Slot::Rotate(ready) => rotate_one(ctx, *ready, expires_at, lock, offer, hold).await,
                Slot::Team(entry) => team.rotate(&entry, offer, hold).await,
                Slot::Skipped => None,
            }
        }
    });
    let reports = batch::in_order(jobs.collect(), batch::AT_ONCE).await;
    let signal = hold.leave();
    (reports.into_iter().flatten().collect(), signal)
}

/// One token's rotation, from its checked plan to its report; none when a signal came before
/// it started (the ones under way finish; nothing new begins).
async fn rotate_one(
    ctx: &Context,
    ready: rotation::Ready,
    expires_at: &str,
    lock: &RotationLock,
    offer: rotation::Reveal<'_>,
    hold: &Hold,
) -> Option<Report> {
    if hold.received().is_some() {
        return None;
    }
    Some(rotation::execute(ctx, ready, expires_at, lock, offer).await)
}

/// The owner path (`--owner-token-stdin`, `--oauth-app-id`, `--owner`): tokens made by `create`
/// that cannot rotate themselves, rotated through their account's rotate endpoint with the
/// owner's one-run authorization; the same order, journal and signal hold as the automatic path.
async fn owner_path(
    ctx: &Context,
    entries: &[StoredToken],
    args: &RotateArgs,
    lock: &RotationLock,
) -> u8 {
    let Some(first) = entries.first() else {
        if !args.json {
            println!("{}", text::nothing_due(args.within.unwrap_or_default()));
        }
        return exit::OK;
    };
    if entries.iter().any(|e| e.host != first.host) {
        return usage(crate::strings::create_cli::OWNER_ONE_HOST);
    }
    let (instance, client) = match crate::instance::Instance::parse(&first.url)
        .map_err(|e| e.to_string())
        .and_then(|i| device::client_for(first, ctx.timeout).map(|c| (i, c)))
    {
        Ok(pair) => pair,
        Err(e) => return usage(&e),
    };
    let owner = match owner_auth::obtain(
        &args.owner,
        &instance,
        &client,
        &ctx.metadata_path,
        "rotate",
    )
    .await
    {
        Ok(owner) => owner,
        Err(code) => return code,
    };
    let expires_at = rotation::expiry_in(args.expires_in);
    let interactive = !args.yes && !args.json && terminal();
    let offer = move |token: &Token| interactive && reveal(token);
    let quiet = |_: rotation::automatic::Stage| {};
    let mut reports = Vec::new();
    let mut code = exit::OK;
    let hold = Hold::install();
    let mut signalled = None;
    for entry in entries {
        match confirm(args, &entry.account, &expires_at) {
            Confirm::Yes => {}
            Confirm::No => {
                eprintln!(
                    "gitlab-token rotate: {}",
                    text::not_confirmed(&entry.account)
                );
                code = code.max(exit::CHECK_FAILED);
                continue;
            }
            Confirm::CannotAsk => {
                eprintln!("gitlab-token rotate: {}", text::NEEDS_YES);
                code = exit::USAGE;
                break;
            }
        }
        hold.enter();
        let report = rotation::owner::rotate(
            ctx,
            entry,
            &client,
            owner.token(),
            &expires_at,
            lock,
            &offer,
            &quiet,
        )
        .await;
        reports.push(report);
        signalled = hold.leave();
        if signalled.is_some() {
            break;
        }
    }
    owner.finish(&client, "rotate").await;
    finish(&reports, args.json);
    match signalled {
        Some(n) => 128 + n,
        None => code.max(exit_code(&reports)),
    }
}

/// The stored tokens to rotate: one (by --host/--name), or with --within all that expire soon.
fn choose(meta: &Metadata, args: &RotateArgs) -> Result<Vec<StoredToken>, u8> {
    let (host, name) = (args.host.as_deref(), args.name.as_deref());
    if let Some(days) = args.within {
        let today = time::OffsetDateTime::now_utc().date();
        return Ok(meta
            .tokens
            .iter()
            .filter(|t| host.is_none_or(|h| stored::on_host(t, h)))
            .filter(|t| name.is_none_or(|n| t.name == n))
            .filter(|t| t.days_left(today).is_some_and(|d| d <= days))
            .cloned()
            .collect());
    }
    match stored::select(meta, host, name) {
        // A browser sign-in (OAuth) refreshes itself; its stored pair is never a rotatable token.
        Ok(entry) if entry.is_oauth() => {
            eprintln!(
                "gitlab-token rotate: {}",
                crate::strings::oauth::not_rotatable(&entry.account)
            );
            Err(exit::OK)
        }
        Ok(entry) => Ok(vec![entry.clone()]),
        Err(e @ stored::Choice::Several(..)) => Err(usage(&e.message())),
        Err(e) => {
            eprintln!("gitlab-token rotate: {}", e.message());
            Err(exit::CHECK_FAILED)
        }
    }
}

enum Confirm {
    Yes,
    No,
    CannotAsk,
}

/// Asks on the terminal before rotating, unless --yes.
fn confirm(args: &RotateArgs, account: &str, expires_at: &str) -> Confirm {
    if args.yes {
        return Confirm::Yes;
    }
    match stdin::ask_yes(&text::confirm(account, expires_at)) {
        None => Confirm::CannotAsk,
        Some(true) => Confirm::Yes,
        Some(false) => Confirm::No,
    }
}

fn terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// The last resort: the token, masked, then in full once the person presses Enter (terminal only).
fn reveal(token: &Token) -> bool {
    if !terminal() {
        return false;
    }
    // Rotations run side by side: one question on the terminal at a time.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    eprintln!("{}", text::reveal_prompt(&token.masked()));
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", token.expose()).is_ok() && out.flush().is_ok()
}

/// `--replace`: the guided path's replacement, piped on standard input.
async fn replace(ctx: &Context, entry: &StoredToken, args: &RotateArgs, lock: &RotationLock) -> u8 {
    if std::io::stdin().is_terminal() {
        return usage(&text::replace_needs_pipe(&entry.account));
    }
    let token = match stdin::token_from_stdin() {
        Ok(t) => t,
        Err(e) => return usage(&e),
    };
    // Storing the replacement (then revoking the old one) is not abandoned to a signal either.
    let hold = Hold::install();
    hold.enter();
    let report = rotation::replace(ctx, entry, token, args.revoke_old, lock).await;
    let signal = hold.leave();
    let reports = [report];
    finish(&reports, args.json);
    signal.map_or_else(|| exit_code(&reports), |n| 128 + n)
}

/// Prints the reports: JSON on stdout, or what happened on stdout and problems on stderr.
fn finish(reports: &[Report], json: bool) {
    // The run log (`session::runlog`) records every report this process prints.
    runlog::seen(reports);
    if json {
        println!(
            "{}",
            serde_json::to_string(&reports.iter().map(text::shown).collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".into())
        );
        return;
    }
    for r in reports {
        for note in text::notes(r) {
            println!("{note}");
        }
        let shown = text::shown(r);
        for p in &shown.problems {
            eprintln!("gitlab-token rotate: {}\n  fix: {}", p.message, p.fix);
        }
        if let Some(link) = &shown.link {
            println!(
                "{}",
                text::guided_link(link, shown.link_before_18_9.as_deref())
            );
        }
    }
}

/// Whether `account` is one of the tokens `--host`/`--name` ask for (all, without them).
fn asked(meta: &Metadata, args: &RotateArgs, account: &str) -> bool {
    let (host, name) = (args.host.as_deref(), args.name.as_deref());
    if host.is_none() && name.is_none() {
        return true;
    }
    meta.find(account).is_some_and(|t| {
        host.is_none_or(|h| stored::on_host(t, h)) && name.is_none_or(|n| t.name == n)
    })
}

fn exit_code<'a>(reports: impl IntoIterator<Item = &'a Report>) -> u8 {
    match reports.into_iter().filter_map(|r| r.failure).max() {
        None => exit::OK,
        Some(Failure::Failed) => exit::CHECK_FAILED,
        Some(Failure::Unreachable) => exit::UNREACHABLE,
        Some(Failure::Keychain) => exit::KEYCHAIN,
    }
}

fn usage(message: &str) -> u8 {
    eprintln!("gitlab-token rotate: {message}");
    exit::USAGE
}
