//! git's credential-helper protocol (`gitlab-token git-credential get|store|erase`) for stored
//! hosts only, and `setup-git`, which points git at it for one host.
//!
//! The protocol itself (`git_protocol`) refuses a request or an answer that could forge an
//! attribute. A token stored under a relative root (`host/gitlab`) is handed out only for a
//! path under that root, so `setup-git` turns on `credential.useHttpPath` for that host.

use std::io::Write;

use super::{GitCredentialArgs, SetupGitArgs, exit};
use crate::git_protocol;
use crate::runtime::git_setup;
use crate::session::stored;
use crate::strings::vault as text_vault;
use crate::vault::StoredToken;

/// The username Git takes with an OAuth access token.
pub const OAUTH_USERNAME: &str = "oauth2";

/// Answers git. For a host with no stored token, says nothing, so the next helper answers.
pub async fn run(args: GitCredentialArgs) -> u8 {
    let Some(request) = git_protocol::read_request(std::io::stdin().lock()) else {
        eprintln!(
            "gitlab-token git-credential: {}",
            text_vault::CREDENTIAL_REQUEST_REFUSED
        );
        return exit::OK;
    };
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
    let Ok((_, mut meta)) = stored::load() else {
        return exit::OK;
    };
    let path = request.get("path").map(String::as_str).unwrap_or_default();
    if pick(&meta.tokens, host, path, args.name.as_deref()).is_none() {
        // Not on this machine: the team's Vault, when one is configured, may hold it.
        match stored::load_all().await {
            Ok((_, all, _)) => meta = all,
            Err(_) => return exit::OK,
        }
    }
    let Some(entry) = pick(&meta.tokens, host, path, args.name.as_deref()) else {
        return exit::OK;
    };
    use crate::vault::credential::CredentialError;
    let access = match stored::access(entry, std::time::Duration::from_secs(10)).await {
        Ok(access) => access,
        // A sign-in that must be renewed is worth a line (git shows helpers' stderr).
        Err(
            e @ (CredentialError::NeedsSignIn { .. }
            | CredentialError::RefreshInDoubt { .. }
            | CredentialError::LostInRefresh { .. }),
        ) => {
            stored::access_failed("git-credential", entry, &e);
            return exit::OK;
        }
        Err(_) => return exit::OK,
    };
    // OAuth: Git takes username `oauth2` and the access token, which expires (git 2.41+ reads
    // `password_expiry_utc` and asks again after it).
    let username = if entry.is_oauth() {
        OAUTH_USERNAME
    } else {
        entry.username.as_str()
    };
    let Some(mut answer) = git_protocol::answer(username, access.token.expose()) else {
        eprintln!(
            "gitlab-token git-credential: {}",
            text_vault::CREDENTIAL_ANSWER_REFUSED
        );
        return exit::OK;
    };
    if let Some(expiry) = access.expires_at {
        answer.push_str(&format!(
            "password_expiry_utc={}\n",
            expiry.unix_timestamp()
        ));
    }
    let answer = zeroize::Zeroizing::new(answer);
    let mut out = std::io::stdout().lock();
    if out
        .write_all(answer.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return exit::CHECK_FAILED;
    }
    exit::OK
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
                // `root` itself or below it: `/gitlab` does not cover `/gitlab-other`. No path
                // (git without `useHttpPath`) is not enough: it could be any path on the host.
                path.strip_prefix(root)
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
    // Re-pointing git from another token or helper is asked first (issue 21.13).
    let before = match git_setup::before(&entry.host, &entry.name).await {
        Ok(before) => crate::strings::status::git_before(&before),
        Err(e) => return fail(&e, exit::CHECK_FAILED),
    };
    if let Some(before) = &before {
        let question = crate::strings::status::git_repoint_question(&host, before, &entry.name);
        let asked = if args.yes {
            Some(true)
        } else {
            crate::session::stdin::ask_yes(&question)
        };
        if asked != Some(true) {
            let left = crate::strings::status::git_left_as_it_was(&host, before, &entry.name);
            let code = if asked.is_none() {
                exit::USAGE
            } else {
                exit::CHECK_FAILED
            };
            return fail(&left, code);
        }
    }
    match git_setup::configure(&entry.host, &entry.name).await {
        Ok(done) => {
            println!("{done}");
            if let Some(before) = &before {
                println!("{}", crate::strings::status::git_used_before(before));
            }
            exit::OK
        }
        Err(e) => fail(&e, exit::CHECK_FAILED),
    }
}

fn fail(message: &str, code: u8) -> u8 {
    eprintln!("gitlab-token setup-git: {message}");
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_root_needs_the_path() {
        let mut t: StoredToken = toml::from_str(
            r#"account = "n@h/gitlab"
host = "h/gitlab"
url = "https://h/gitlab"
name = "n"
profile = "custom"
store = "secret-service"
username = "u"
user_id = 1
token_id = 2
token_name = "t"
scopes = ["read_repository"]
verified_at = "2026-01-01T00:00:00Z"
"#,
        )
        .unwrap();
        let tokens = vec![t.clone()];
        assert!(pick(&tokens, "h", "", None).is_none());
        assert!(pick(&tokens, "h", "other/p.git", None).is_none());
        assert!(pick(&tokens, "h", "gitlab/g/p.git", None).is_some());
        t.host = "h".into();
        assert!(pick(&[t], "h", "", None).is_some());
    }
}
