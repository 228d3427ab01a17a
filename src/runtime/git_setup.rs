//! Pointing git at gitlab-token for a stored token (`git config --global` credential.helper):
//! performed for `setup-git` and for the wizard's Done screen (`g`). Before it re-points git
//! for a host, [`before`] says what git uses there now, so the caller can ask (issue 21.13).

use crate::strings::status as text;
use crate::strings::vault as text_vault;

pub use crate::wizard::GitBefore as Before;

/// What `credential.https://HOST.helper` names now (`git config --global --get-all`).
pub async fn before(stored_host: &str, name: &str) -> Result<Before, String> {
    let host = stored_host.split('/').next().unwrap_or(stored_host);
    let key = format!("credential.https://{host}.helper");
    let run = tokio::process::Command::new("git")
        .args(["config", "--global", "--get-all", &key])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = match tokio::time::timeout(std::time::Duration::from_secs(10), run).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(format!("cannot run git: {e}")),
        Err(_) => return Err("git config did not finish within 10 s".into()),
    };
    // `git config --get-all` exits 1 when the key is not set.
    if !out.status.success() {
        return Ok(Before::Nothing);
    }
    Ok(judge(&String::from_utf8_lossy(&out.stdout), name))
}

/// The configured helper lines, judged against the token NAME (git calls them in order; the
/// empty value resets the list).
fn judge(lines: &str, name: &str) -> Before {
    let helpers: Vec<&str> = lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let ours = |l: &str| {
        l.split_once(" git-credential --name '")
            .map(|(_, rest)| rest.trim_end_matches('\'').replace(r"'\''", "'"))
    };
    match helpers.as_slice() {
        [] => Before::Nothing,
        [one] => match ours(one) {
            Some(n) if n == name => Before::This,
            Some(n) => Before::OtherToken(n),
            None => Before::OtherHelper((*one).to_owned()),
        },
        // Several helpers: name the first that is not this token's.
        many => many
            .iter()
            .find(|l| ours(l).as_deref() != Some(name))
            .map_or(Before::This, |l| match ours(l) {
                Some(n) => Before::OtherToken(n),
                None => Before::OtherHelper((*l).to_owned()),
            }),
    }
}

/// The wizard's `g`: configures git, unless (without `repoint`) git uses another token or
/// helper for the host: then nothing is changed and that is returned, in words, to ask about.
pub async fn set_up(
    stored_host: &str,
    name: &str,
    repoint: bool,
) -> Result<crate::wizard::GitOutcome, String> {
    use crate::wizard::GitOutcome;
    if !repoint {
        let before = before(stored_host, name).await?;
        if let Some(words) = crate::strings::status::git_before(&before) {
            return Ok(GitOutcome::Elsewhere(words));
        }
    }
    configure(stored_host, name).await.map(|_| GitOutcome::Done)
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
    let use_path = format!("credential.https://{host}.useHttpPath");
    let mut steps: Vec<[&str; 5]> = vec![
        ["config", "--global", "--replace-all", &key, ""],
        ["config", "--global", "--add", &key, &helper],
    ];
    // Under a relative root git must send the repository's path, or the helper cannot tell
    // whether the request is for this instance.
    let relative_root = stored_host.contains('/');
    if relative_root {
        steps.push(["config", "--global", "--replace-all", &use_path, "true"]);
    }
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
    let mut done = text::git_configured(&host, &helper);
    if relative_root {
        done.push('\n');
        done.push_str(&text_vault::git_use_http_path(&host, stored_host));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_git_uses_is_judged_against_the_token() {
        let ours = |n: &str| format!("!'/usr/bin/gitlab-token' git-credential --name '{n}'\n");
        assert_eq!(judge("", "a"), Before::Nothing);
        assert_eq!(judge("\n", "a"), Before::Nothing);
        assert_eq!(judge(&format!("\n{}", ours("a")), "a"), Before::This);
        assert_eq!(
            judge(&format!("\n{}", ours("b")), "a"),
            Before::OtherToken("b".into())
        );
        assert_eq!(judge("store\n", "a"), Before::OtherHelper("store".into()));
        assert_eq!(
            judge(&format!("{}cache\n", ours("a")), "a"),
            Before::OtherHelper("cache".into())
        );
        assert_eq!(
            judge(&ours(r"o'\''k"), "o'k"),
            Before::This,
            "a quote in the name"
        );
    }
}
