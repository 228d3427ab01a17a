//! `gitlab-token sink add|list|remove`: the places that receive a stored token's new value after
//! every rotation (kept in the metadata file, no secrets), and what `status` shows of them.

use std::path::Path;

use clap::{Args as ClapArgs, Subcommand};

use super::exit;
use crate::gitlab::variables::Owner;
use crate::rotation::deliveries;
use crate::session::sink_list::{print_grouped, states};
use crate::session::stored;
use crate::sinks::{self, MAX_COMMAND_TIMEOUT_SECS, Sink, SinkKind};
use crate::strings::sinks as text;
use crate::vault::Metadata;

#[derive(Debug, Subcommand)]
pub enum SinkCommand {
    /// Add a place that receives NAME@HOST's new value after every rotation.
    Add(AddArgs),
    /// List the sinks (of one token, or of all), and which still wait for the new value.
    List(ListArgs),
    /// Remove sink ID of NAME@HOST (`sink list` shows the ids).
    Remove(RemoveArgs),
    /// Deliver NAME@HOST's current value to its sinks now (e.g. right after `sink add`).
    ///
    /// Reads the token from the keychain; a sink that fails stays pending, like after a rotation.
    Deliver(DeliverArgs),
}

#[derive(Debug, ClapArgs)]
pub struct DeliverArgs {
    /// The stored token.
    #[arg(value_name = "NAME@HOST")]
    pub account: String,
    /// Seconds each GitLab call may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Print a JSON array: id, kind, target, ok, message.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, ClapArgs)]
pub struct AddArgs {
    /// The stored token, NAME@HOST as `gitlab-token status` shows it.
    #[arg(value_name = "NAME@HOST")]
    pub account: String,
    #[command(subcommand)]
    pub kind: AddKind,
}

#[derive(Debug, Subcommand)]
pub enum AddKind {
    /// A project's or group's CI/CD variable on the token's own GitLab.
    ///
    /// Written with the rotated token itself: it needs the api scope and the Maintainer role on
    /// the project (Owner on a group); or with the browser sign-in given as --authorized-by.
    /// Updated with masked, protected and environment scope kept as they were; created masked
    /// when missing.
    GitlabVariable {
        /// The project's full path (group/project) or id.
        #[arg(long, value_name = "PATH", conflicts_with = "group")]
        project: Option<String>,
        /// The group's full path or id.
        #[arg(long, value_name = "PATH")]
        group: Option<String>,
        /// The variable's key.
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
        /// Pick the variable with this environment scope (several may share a key).
        #[arg(long, value_name = "SCOPE")]
        environment_scope: Option<String>,
        /// Write the variable as this browser sign-in (`gitlab-token login`, same GitLab, api
        /// scope, Maintainer on the project or Owner on the group) instead of the rotated token.
        #[arg(long, value_name = "NAME@HOST")]
        authorized_by: Option<String>,
    },
    /// A command that gets the new token on its standard input.
    ///
    /// Run without a shell, with the arguments given after `--`; the token arrives on standard
    /// input followed by a newline, never in its arguments or environment. Exit code 0 means
    /// delivered; past --timeout it is stopped and counted as failed.
    Command {
        /// Seconds before the command is stopped and counted as failed.
        #[arg(long, value_name = "SECONDS", default_value_t = sinks::DEFAULT_COMMAND_TIMEOUT_SECS,
              value_parser = clap::value_parser!(u64).range(1..=MAX_COMMAND_TIMEOUT_SECS))]
        timeout: u64,
        /// The program and its arguments, after `--`.
        #[arg(last = true, value_name = "PROGRAM")]
        argv: Vec<String>,
    },
}

#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// Only the sinks of this stored token.
    #[arg(value_name = "NAME@HOST")]
    pub account: Option<String>,
    /// Print a JSON array: account, id, kind, target, pending, since, attempts, last_error.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, ClapArgs)]
pub struct RemoveArgs {
    /// The stored token.
    #[arg(value_name = "NAME@HOST")]
    pub account: String,
    /// The sink's id.
    pub id: u32,
}

pub async fn run(command: SinkCommand) -> u8 {
    let (path, meta) = match stored::load() {
        Ok(found) => found,
        Err(e) => return fail(exit::USAGE, &e.message()),
    };
    match command {
        SinkCommand::Add(a) => add(&path, &meta, a),
        SinkCommand::List(a) => list(&path, &meta, &a),
        SinkCommand::Remove(a) => remove(&path, &meta, &a),
        SinkCommand::Deliver(a) => deliver(path, &a).await,
    }
}

async fn deliver(path: std::path::PathBuf, args: &DeliverArgs) -> u8 {
    let ctx = crate::rotation::Context {
        metadata_path: path,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        keychain_timeout: stored::KEYCHAIN_TIMEOUT,
    };
    let outcomes = match deliveries::deliver_now(&ctx, &args.account).await {
        Ok(o) => o,
        Err(why) => {
            let why = crate::strings::rotation::undelivered(&why);
            return fail(exit::CHECK_FAILED, &why);
        }
    };
    if args.json {
        let shown: Vec<_> = outcomes.iter().map(text::shown).collect();
        println!("{}", serde_json::to_string(&shown).unwrap_or_default());
    } else if outcomes.is_empty() {
        println!("{}", text::NO_SINKS);
    }
    let report = crate::rotation::Report::redelivery(args.account.clone(), outcomes);
    if !args.json {
        for note in crate::strings::rotation::notes(&report) {
            println!("{note}");
        }
        for p in crate::strings::rotation::problems(&report) {
            eprintln!("gitlab-token sink: {}\n  fix: {}", p.message, p.fix);
        }
    }
    if report.ok {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }
}

fn fail(code: u8, message: &str) -> u8 {
    eprintln!("gitlab-token sink: {message}");
    code
}

fn variable_kind(
    meta: &Metadata,
    entry: &crate::vault::StoredToken,
    owner: (Option<String>, Option<String>),
    key: Option<String>,
    environment_scope: Option<String>,
    authorized_by: Option<String>,
) -> Result<SinkKind, u8> {
    let (owner, target) = match owner {
        (Some(p), None) => (Owner::Project, p),
        (None, Some(g)) => (Owner::Group, g),
        _ => return Err(fail(exit::USAGE, text::NEEDS_OWNER)),
    };
    let target = target.trim().trim_matches('/').to_owned();
    if target.is_empty() {
        return Err(fail(exit::USAGE, text::NEEDS_OWNER));
    }
    let Some(key) = key else {
        return Err(fail(exit::USAGE, text::NEEDS_KEY));
    };
    if !sinks::valid_key(&key) {
        return Err(fail(exit::USAGE, &text::bad_key(&key)));
    }
    let authorized_by = match authorized_by {
        Some(account) => Some(sign_in(meta, entry, &account)?),
        None if !entry.scopes.iter().any(|s| s == "api") => {
            let why = text::needs_api_scope(&entry.account, &entry.scopes);
            return Err(fail(exit::CHECK_FAILED, &why));
        }
        None => None,
    };
    Ok(SinkKind::GitlabVariable {
        owner,
        path: target,
        key,
        environment_scope: environment_scope.filter(|s| !s.trim().is_empty()),
        authorized_by,
    })
}

/// The stored browser sign-in `account` can write variables on `entry`'s GitLab: its account.
fn sign_in(
    meta: &Metadata,
    entry: &crate::vault::StoredToken,
    account: &str,
) -> Result<String, u8> {
    let Some(signed_in) = meta.find(account) else {
        return Err(fail(exit::CHECK_FAILED, &text::not_stored(account)));
    };
    if !signed_in.is_oauth() {
        return Err(fail(exit::CHECK_FAILED, &text::not_a_sign_in(account)));
    }
    if signed_in.host != entry.host {
        let why = text::sign_in_elsewhere(account, &entry.host);
        return Err(fail(exit::CHECK_FAILED, &why));
    }
    // Scopes unknown (empty) are left to GitLab; known ones must include api.
    if !signed_in.scopes.is_empty() && !signed_in.scopes.iter().any(|s| s == "api") {
        let why = text::sign_in_without_api(account, &signed_in.scopes);
        return Err(fail(exit::CHECK_FAILED, &why));
    }
    Ok(signed_in.account.clone())
}

fn add(path: &Path, meta: &Metadata, args: AddArgs) -> u8 {
    let Some(entry) = meta.find(&args.account) else {
        return fail(exit::CHECK_FAILED, &text::not_stored(&args.account));
    };
    let kind = match args.kind {
        AddKind::GitlabVariable {
            project,
            group,
            key,
            environment_scope,
            authorized_by,
        } => match variable_kind(
            meta,
            entry,
            (project, group),
            key,
            environment_scope,
            authorized_by,
        ) {
            Ok(kind) => kind,
            Err(code) => return code,
        },
        AddKind::Command { timeout, argv } => {
            let Some(program) = argv.first() else {
                return fail(exit::USAGE, text::NEEDS_ARGV);
            };
            if let Err(why) = findable(program) {
                return fail(exit::USAGE, &text::command_not_started(&argv, why));
            }
            if !Path::new(program).is_absolute() {
                eprintln!("gitlab-token sink: {}", text::relative_program(program));
            }
            SinkKind::Command {
                argv,
                timeout_secs: timeout,
            }
        }
    };
    let account = entry.account.clone();
    let mut added = None;
    let written = Metadata::update(path, |m| {
        if let Some(same) = m
            .sinks
            .iter()
            .find(|s| s.account == account && s.kind == kind)
        {
            added = Some((same.clone(), false));
            return;
        }
        let sink = Sink {
            account: account.clone(),
            id: sinks::next_id(&m.sinks, &account),
            kind,
        };
        m.sinks.push(sink.clone());
        added = Some((sink, true));
    });
    match (written, added) {
        (Err(e), _) => fail(exit::CHECK_FAILED, &e.to_string()),
        (Ok(_), Some((sink, true))) => {
            let line = text::sink_added(&account, sink.id, sink.kind_name(), &sink.target());
            println!("{line}");
            exit::OK
        }
        (Ok(_), Some((sink, false))) => {
            println!("{}", text::already_there(&account, sink.id));
            exit::OK
        }
        (Ok(_), None) => exit::CHECK_FAILED,
    }
}

/// The program can be started: a path to an executable file, or a name found on PATH.
fn findable(program: &str) -> Result<(), &'static str> {
    let executable = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        p.is_file()
    };
    if program.contains(std::path::MAIN_SEPARATOR) || program.contains('/') {
        return if executable(Path::new(program)) {
            Ok(())
        } else {
            Err(text::NOT_EXECUTABLE)
        };
    }
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| executable(&d.join(program))));
    if found {
        Ok(())
    } else {
        Err(text::NOT_ON_PATH)
    }
}

fn list(path: &Path, meta: &Metadata, args: &ListArgs) -> u8 {
    if let Some(account) = &args.account
        && meta.find(account).is_none()
        && !meta.sinks.iter().any(|s| &s.account == account)
    {
        return fail(exit::CHECK_FAILED, &text::not_stored(account));
    }
    let states = states(path, meta, args.account.as_deref());
    if args.json {
        println!("{}", serde_json::to_string(&states).unwrap_or_default());
    } else if states.is_empty() {
        println!("{}", text::NO_SINKS);
    } else {
        print_grouped(meta, &states);
    }
    exit::OK
}

fn remove(path: &Path, meta: &Metadata, args: &RemoveArgs) -> u8 {
    let (account, id) = (args.account.clone(), args.id);
    if !meta
        .sinks
        .iter()
        .any(|s| s.account == account && s.id == id)
    {
        return fail(exit::CHECK_FAILED, &text::no_such_sink(&account, id));
    }
    let written = Metadata::update(path, |m| {
        m.sinks.retain(|s| !(s.account == account && s.id == id));
    });
    if let Err(e) = written {
        return fail(exit::CHECK_FAILED, &e.to_string());
    }
    println!("{}", text::sink_removed(&args.account, args.id));
    exit::OK
}
