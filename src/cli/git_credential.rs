//! git's credential-helper protocol (`gitlab-token git-credential get|store|erase`) for stored
//! hosts only, and `setup-git`, which points git at it for one host.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use super::stored::{self, secret};
use super::{GitCredentialArgs, SetupGitArgs, exit};
use crate::strings::status as text;
use crate::vault::StoredToken;

/// Answers git. For a host with no stored token, says nothing, so the next helper answers.
pub async fn run(args: GitCredentialArgs) -> u8 {
    let request = read_request(std::io::stdin().lock());
    if args.action != "get" {
        // `store` and `erase` concern git's own cache; the keychain entry is managed by gitlab-token.
        return exit::OK;
    }
    if request.get("protocol").map(String::as_str) != Some("https") {
        return exit::OK;
    }
    let Some(host) = request.get("host") else {
        return exit::OK;
    };
    let Ok((_, meta)) = stored::load() else {
        return exit::OK;
    };
    let path = request.get("path").map(String::as_str).unwrap_or_default();
    let Some(entry) = pick(&meta.tokens, host, path, args.name.as_deref()) else {
        return exit::OK;
    };
    let Ok(token) = secret(entry).await else {
        return exit::OK;
    };
    let mut out = std::io::stdout().lock();
    let answer = format!("username={}\npassword={}\n", entry.username, token.expose());
    if out
        .write_all(answer.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return exit::CHECK_FAILED;
    }
    exit::OK
}

/// `key=value` lines until a blank line or the end.
fn read_request(input: impl BufRead) -> HashMap<String, String> {
    input
        .lines()
        .map_while(Result::ok)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

/// The stored token for git's `host` (`host[:port]`) and `path`: a token whose key is the host, or
/// the host and a relative root that the path starts with; named `name` if given; else the one
/// with repository access.
fn pick<'a>(
    tokens: &'a [StoredToken],
    host: &str,
    path: &str,
    name: Option<&str>,
) -> Option<&'a StoredToken> {
    let on_host = |t: &&StoredToken| {
        let key = t.host.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        key == host
            || key.strip_prefix(&format!("{host}/")).is_some_and(|root| {
                // `root` itself or below it: `/gitlab` does not cover `/gitlab-other`.
                path.is_empty()
                    || path
                        .strip_prefix(root)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
    };
    let candidates: Vec<&StoredToken> = tokens
        .iter()
        .filter(on_host)
        .filter(|t| name.is_none_or(|n| t.name == n))
        .collect();
    let repo = |t: &&&StoredToken| {
        t.scopes
            .iter()
            .any(|s| matches!(s.as_str(), "read_repository" | "write_repository" | "api"))
    };
    candidates.iter().find(repo).or(candidates.first()).copied()
}

/// Configures git (globally) to ask gitlab-token for this one host's HTTPS credentials.
pub async fn setup_git(args: SetupGitArgs) -> u8 {
    let (_, meta) = match stored::load() {
        Ok(found) => found,
        Err(e) => return fail(&e.message(), exit::USAGE),
    };
    let entry = match stored::select(&meta, args.host.as_deref(), args.name.as_deref()) {
        Ok(entry) => entry,
        Err(e) => return fail(&e.message(), exit::USAGE),
    };
    match configure(&entry.host, &entry.name).await {
        Ok(done) => {
            println!("{done}");
            exit::OK
        }
        Err(e) => fail(&e, exit::CHECK_FAILED),
    }
}

/// Points git (globally) at gitlab-token for the stored token NAME@HOST (`host[:port][/root]`).
/// Returns what was configured, or why not. Used by `setup-git` and the wizard's Done screen.
pub async fn configure(stored_host: &str, name: &str) -> Result<String, String> {
    let host = stored_host
        .split('/')
        .next()
        .unwrap_or(stored_host)
        .to_owned();
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program's path: {e}"))?
        .display()
        .to_string();
    let helper = format!(
        "!'{}' git-credential --name '{}'",
        exe.replace('\'', r"'\''"),
        name.replace('\'', r"'\''")
    );
    let key = format!("credential.https://{host}.helper");
    let steps: [&[&str]; 2] = [
        &["config", "--global", "--replace-all", &key, ""],
        &["config", "--global", "--add", &key, &helper],
    ];
    for step in steps {
        let run = tokio::process::Command::new("git")
            .args(step)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        match tokio::time::timeout(std::time::Duration::from_secs(10), run).await {
            Ok(Ok(out)) if out.status.success() => {}
            Ok(Ok(out)) => {
                let why = String::from_utf8_lossy(&out.stderr).trim().to_owned();
                return Err(format!("git config failed ({}): {why}", out.status));
            }
            Ok(Err(e)) => return Err(format!("cannot run git: {e}")),
            Err(_) => return Err("git config did not finish within 10 s".into()),
        }
    }
    Ok(text::git_configured(&host, &helper))
}

fn fail(message: &str, code: u8) -> u8 {
    eprintln!("gitlab-token setup-git: {message}");
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gits_request() {
        let r = read_request("protocol=https\nhost=gitlab.example.com\n\nignored=1\n".as_bytes());
        assert_eq!(
            r.get("host").map(String::as_str),
            Some("gitlab.example.com")
        );
        assert!(!r.contains_key("ignored"));
    }
}
