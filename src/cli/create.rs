//! `gitlab-token create`: "Create it for me" on the command line. With the owner's one-run
//! authorization: discover what is possible, choose (and explain) the kind of account, create
//! the account, its memberships and its token, check it live and store it. Signals wait while
//! something is being created (as in `rotate`).

use std::time::Duration;

use serde_json::{Value, json};

use super::{CreateArgs, exit, load_profile, parse_host};
use crate::gitlab::Client;
use crate::problem::ProblemKind;
use crate::provision::{self, Choice, Done, Failure, Kind, Outcome, Request, Stage};
use crate::session::hold::Hold;
use crate::session::owner_auth::{self, OwnerCredential};
use crate::session::stored::KEYCHAIN_TIMEOUT;
use crate::strings::provision_notes as notes;
use crate::strings::{create_cli as text, vault as vault_text};
use crate::tls::Trust;
use crate::vault::{self, Keychain, Metadata, StoreKind, metadata};

const CMD: &str = "create";

/// `--kind`.
pub fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::ALL
        .into_iter()
        .find(|k| text::kind_flag(*k) == s)
        .ok_or_else(|| {
            let all: Vec<&str> = Kind::ALL.into_iter().map(text::kind_flag).collect();
            format!("one of {}", all.join(", "))
        })
}

pub async fn run(args: CreateArgs) -> u8 {
    let request = match request(&args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let metadata_path = match metadata::default_path() {
        Ok(p) => p,
        Err(e) => return usage(&e.to_string()),
    };
    if let Err(e) = Metadata::load(&metadata_path) {
        eprintln!("gitlab-token {CMD}: {e}\n  nothing was created");
        return exit::CHECK_FAILED;
    }
    if !args.owner.given() {
        // Without an authorization, at least name what an earlier killed run left behind.
        for o in provision::orphans(&metadata_path) {
            eprintln!("gitlab-token {CMD}: {}", text::orphan_line(&o));
        }
    }
    // The store must work before anything is created that it would have to keep.
    if let Err(e) = Keychain::open(request.store, KEYCHAIN_TIMEOUT).await {
        let p = vault_text::problem(&e);
        eprintln!(
            "gitlab-token {CMD}: {}\n  fix: {}\n  nothing was created",
            p.message, p.fix
        );
        return exit::KEYCHAIN;
    }
    let timeout = Duration::from_secs(args.timeout.max(1));
    let trust = Trust::with_ca_file(request.ca_file.clone());
    let client = match Client::new(&request.instance, &trust, timeout) {
        Ok(c) => c,
        Err(e) => return usage(&format!("--ca-file: {e}")),
    };
    let owner = match owner_auth::obtain(
        &args.owner,
        &request.instance,
        &client,
        &metadata_path,
        CMD,
    )
    .await
    {
        Ok(o) => o,
        Err(code) => return code,
    };
    let ctx = crate::rotation::Context {
        metadata_path,
        timeout,
        keychain_timeout: KEYCHAIN_TIMEOUT,
    };
    let code = provision_with(&ctx, &client, &owner, &request, args.json).await;
    owner.finish(&client, CMD).await;
    code
}

/// What was asked, checked before any network call (usage errors: exit 2).
fn request(args: &CreateArgs) -> Result<Request, u8> {
    let instance = parse_host(&args.host).map_err(|e| usage(&e))?;
    let profile = load_profile(Some(&args.profile), None)
        .map_err(|e| usage(&e.to_string()))?
        .ok_or_else(|| usage("--profile is required"))?;
    let name = args.name.clone().unwrap_or_else(|| profile.id.clone());
    if let Some(e) = super::name_or_ca_problem(&name, args.ca_file.as_ref()) {
        return Err(usage(&e));
    }
    let mut targets: Vec<String> = Vec::new();
    for t in &args.targets {
        let t = t.trim().trim_matches('/').to_owned();
        if t.is_empty() {
            return Err(usage(
                "--target: give a group or project path, e.g. acme/tools",
            ));
        }
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    if let Some(problem) = args
        .service_account
        .as_deref()
        .and_then(provision::username_problem)
    {
        return Err(usage(&format!(
            "--service-account: {}",
            crate::strings::create_options::username_problem(&problem)
        )));
    }
    Ok(Request {
        instance,
        ca_file: args.ca_file.clone(),
        profile,
        targets,
        kind: args.kind,
        service_account: args.service_account.clone(),
        expires_in_days: args
            .expires_in
            .unwrap_or(crate::wizard::DEFAULT_EXPIRY_DAYS),
        self_rotate: !args.no_self_rotate,
        raise_role: args.raise_role,
        name,
        store: args.store.unwrap_or_else(StoreKind::platform_default),
        replace_existing: false,
    })
}

/// Discover, choose, execute; prints the plan, progress and outcome. The exit code.
async fn provision_with(
    ctx: &crate::rotation::Context,
    client: &Client,
    owner: &OwnerCredential,
    request: &Request,
    json: bool,
) -> u8 {
    let account = vault::account(&request.name, &request.instance.key());
    let discovery = match provision::discover(client, owner.token(), request).await {
        Ok(d) => d,
        Err(e) => {
            let (kind, message) = notes::kind_and_message(e.note());
            let code = code_for(kind);
            return refused(json, &[(kind, message)], code, text::NOTHING_CREATED);
        }
    };
    let choice = provision::choose(request, &discovery);
    if !json {
        print_plan(&account, &choice);
    }
    let Some(kind) = request
        .kind
        .or(choice.best)
        .filter(|k| possible(&choice, *k))
    else {
        let problems = refusals(&choice, request.kind);
        let closing = match request.kind {
            Some(k) => text::kind_refused(k),
            None => text::NOTHING_POSSIBLE.to_owned(),
        };
        return refused(json, &problems, exit::CHECK_FAILED, &closing);
    };
    if request.self_rotate && provision::self_rotate_exists(&discovery) && !json {
        println!("{}", text::self_rotate_reason());
    }
    let granular = provision::token_permissions(kind, request, &discovery);
    if let (Some(g), false) = (&granular, json) {
        println!("{}", crate::strings::provision_own::permissions_line(g));
    } else if !request.profile.permissions.is_empty()
        && crate::gitlab::granular::available(discovery.version)
        && !json
    {
        println!("{}", crate::strings::provision::legacy_because(kind));
    }
    let progress = |stage: Stage| eprintln!("gitlab-token {CMD}: {}", text::stage(&stage));
    // From here something may be created on GitLab: a signal waits for the step to finish.
    let hold = Hold::install();
    hold.enter();
    let result = provision::execute(
        ctx,
        client,
        owner.token(),
        request,
        &discovery,
        kind,
        &progress,
    )
    .await;
    let signal = hold.leave();
    let code = match &result {
        Ok(outcome) => succeeded(json, outcome, request),
        Err(failure) => failed(json, failure),
    };
    if let Some(n) = signal {
        eprintln!("gitlab-token {CMD}: {}", text::signalled(&account));
        return 128 + n;
    }
    code
}

fn possible(choice: &Choice, kind: Kind) -> bool {
    choice
        .options
        .iter()
        .any(|c| c.kind == kind && c.verdict.is_ok())
}

/// Why nothing (or not `--kind`) can be made: the refusal of that kind, or of every kind.
fn refusals(choice: &Choice, kind: Option<Kind>) -> Vec<(ProblemKind, String)> {
    choice
        .options
        .iter()
        .filter(|c| kind.is_none_or(|k| c.kind == k))
        .filter_map(|c| c.verdict.as_ref().err())
        .map(|r| (r.kind(), notes::refusal(r)))
        .collect()
}

fn print_plan(account: &str, choice: &Choice) {
    println!("{}", text::plan_heading(account));
    for c in &choice.options {
        let line = match &c.verdict {
            Ok(why) if Some(c.kind) == choice.best => text::chosen(c.kind, &notes::why(why)),
            Ok(why) => text::possible(c.kind, &notes::why(why)),
            Err(r) => text::not_possible(c.kind, &notes::refusal(r)),
        };
        println!("{line}");
    }
}

fn code_for(kind: ProblemKind) -> u8 {
    if kind == ProblemKind::KeychainUnavailable {
        exit::KEYCHAIN
    } else if kind.is_reachability() {
        exit::UNREACHABLE
    } else {
        exit::CHECK_FAILED
    }
}

/// Nothing was created: the problems (on stderr, or in the JSON object) and a closing line.
fn refused(json: bool, problems: &[(ProblemKind, String)], code: u8, closing: &str) -> u8 {
    if json {
        println!("{}", json_object(false, &Done::default(), None, problems));
    } else {
        for (kind, message) in problems {
            eprintln!("gitlab-token {CMD}: {}: {message}", kind.as_str());
        }
        eprintln!("gitlab-token {CMD}: {closing}");
    }
    code
}

fn succeeded(json: bool, o: &Outcome, request: &provision::Request) -> u8 {
    let problems: Vec<(ProblemKind, String)> =
        o.problems.iter().map(notes::kind_and_message).collect();
    if json {
        let done = Done {
            account: Some(o.account.clone()),
            memberships: o.memberships.clone(),
            token: Some(o.token.clone()),
        };
        println!(
            "{}",
            json_object(true, &done, Some(&o.stored_as), &problems)
        );
        return exit::OK;
    }
    print_done(&Done {
        account: Some(o.account.clone()),
        memberships: o.memberships.clone(),
        token: Some(o.token.clone()),
    });
    let nothing_new =
        !o.account.created && !o.token.created && o.memberships.iter().all(|m| !m.created);
    if nothing_new {
        println!("{}", text::nothing_new(&o.stored_as));
    } else {
        println!("{}", text::stored_line(&o.stored_as));
    }
    // How it is rotated: by itself, or through its account with an Owner's say.
    let renewal = o.renewal();
    let host = request.instance.key();
    println!(
        "{}",
        crate::strings::renewal::renewal_line(renewal, &o.stored_as, &host, &request.name)
    );
    for (kind, message) in &problems {
        eprintln!("gitlab-token {CMD}: {}: {message}", kind.as_str());
    }
    exit::OK
}

fn failed(json: bool, f: &Failure) -> u8 {
    let problems: Vec<(ProblemKind, String)> =
        f.problems.iter().map(notes::kind_and_message).collect();
    let code = f
        .problems
        .first()
        .map_or(exit::CHECK_FAILED, |p| code_for(p.kind()));
    if json {
        println!("{}", json_object(false, &f.done, None, &problems));
        return code;
    }
    for (kind, message) in &problems {
        eprintln!("gitlab-token {CMD}: {}: {message}", kind.as_str());
    }
    if f.done.account.is_some() {
        println!("{}", text::done_before_failure());
        print_done(&f.done);
    }
    code
}

fn print_done(done: &Done) {
    if let Some(a) = &done.account {
        println!(
            "{}",
            text::account_line(&a.username, a.id, a.kind, a.created)
        );
    }
    for m in &done.memberships {
        println!(
            "{}",
            text::membership_line(&m.target, m.access_level, m.created, m.pending_approval)
        );
    }
    if let Some(t) = &done.token {
        println!("{}", text::token_line(t));
    }
}

/// The `--json` object, exactly as issue 11 lists it: `ok`, `account` {`id`, `username`,
/// `kind`, `created`}, `memberships` [{`target`, `access_level`, `created`, `pending_approval`}],
/// `token` {`id`, `scopes`, `expires_at`, `created`}, `stored_as`, `problems` [{`kind`,
/// `message`}].
fn json_object(
    ok: bool,
    done: &Done,
    stored_as: Option<&str>,
    problems: &[(ProblemKind, String)],
) -> Value {
    json!({
        "ok": ok,
        "account": done.account.as_ref().map(|a| json!({
            "id": a.id,
            "username": a.username,
            "kind": text::kind_flag(a.kind),
            "created": a.created,
        })),
        "memberships": done.memberships.iter().map(|m| json!({
            "target": m.target,
            "access_level": m.access_level,
            "created": m.created,
            "pending_approval": m.pending_approval,
        })).collect::<Vec<_>>(),
        "token": done.token.as_ref().map(|t| {
            let mut v = json!({
                "id": t.id,
                "scopes": t.scopes,
                "expires_at": t.expires_at,
                "created": t.created,
            });
            // A fine-grained token says what it holds (a legacy one: its scopes).
            if !t.permissions.is_empty() {
                v["permissions"] = json!(t.permissions);
            }
            v
        }),
        "stored_as": stored_as,
        "problems": problems.iter().map(|(kind, message)| json!({
            "kind": kind.as_str(),
            "message": message,
        })).collect::<Vec<_>>(),
    })
}

fn usage(message: &str) -> u8 {
    eprintln!("gitlab-token {CMD}: {message}");
    exit::USAGE
}
