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
    let host = entry
        .host
        .split('/')
        .next()
        .unwrap_or(&entry.host)
        .to_owned();
    let exe = match std::env::current_exe() {
        Ok(p) => p.display().to_string(),
        Err(e) => {
            return fail(
                &format!("cannot find this program's path: {e}"),
                exit::CHECK_FAILED,
            );
        }
    };
    let helper = format!(
        "!'{}' git-credential --name '{}'",
        exe.replace('\'', r"'\''"),
        entry.name.replace('\'', r"'\''")
    );
    let key = format!("credential.https://{host}.helper");
    let steps: [&[&str]; 2] = [
        &["config", "--global", "--replace-all", &key, ""],
        &["config", "--global", "--add", &key, &helper],
    ];
    for step in steps {
        match tokio::process::Command::new("git")
            .args(step)
            .status()
            .await
        {
            Ok(s) if s.success() => {}
            Ok(s) => return fail(&format!("git config failed ({s})"), exit::CHECK_FAILED),
            Err(e) => return fail(&format!("cannot run git: {e}"), exit::CHECK_FAILED),
        }
    }
    println!("{}", text::git_configured(&host, &helper));
    exit::OK
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
