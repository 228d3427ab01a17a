//! Pointing git at gitlab-token for a stored token (`git config --global` credential.helper):
//! performed for `setup-git` and for the wizard's Done screen (`g`).

use crate::strings::status as text;
use crate::strings::vault as text_vault;

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
