//! What is said about signing in with the browser (GitLab's OAuth device flow): each failure's
//! cause and fix, with links built from the host, and the lines of the non-terminal `login`.

use crate::gitlab::links;
use crate::gitlab::oauth::{DeviceCode, OAuthError};
use crate::instance::Instance;
use crate::problem::{Problem, ProblemKind};

/// The environment variable that names the OAuth application id.
pub const APP_ID_ENV: &str = "GITLAB_TOKEN_OAUTH_APP_ID";

/// How to register the application this tool signs in through (one paragraph, several lines).
pub fn how_to_register(instance: &Instance) -> String {
    let admin = if instance.is_gitlab_com() {
        String::new()
    } else {
        format!(
            "\n  An administrator can register it once for everyone at {} (and may mark it trusted).",
            links::admin_applications(instance)
        )
    };
    format!(
        "Register an OAuth application for gitlab-token on {host}:\n  \
         1. Open {user} and select \"Add new application\".\n  \
         2. Name: gitlab-token. Redirect URI: {redirect} (not used by the device sign-in, but required).\n  \
         3. Untick \"Confidential\" (a command-line tool cannot keep a secret).\n  \
         4. Tick the scopes you will ask for (for example read_api, read_repository), then save.\n  \
         5. Copy the \"Application ID\" and run: gitlab-token login --host {base} --oauth-app-id ID{admin}",
        host = instance.host(),
        user = links::user_applications(instance),
        redirect = instance.url("/-/user_settings/applications"),
        base = instance.base_url(),
    )
}

/// No application id in the flag, the environment or the saved settings.
pub fn no_application(instance: &Instance) -> Problem {
    Problem::new(
        ProblemKind::OauthNoApplication,
        format!(
            "Signing in with the browser needs the id of an OAuth application registered on {} \
             (gitlab-token ships none). Give it with --oauth-app-id ID or {APP_ID_ENV}.",
            instance.host()
        ),
        how_to_register(instance),
    )
}

/// Cause and fix for each OAuth failure on `instance`.
pub fn problem(e: &OAuthError, instance: &Instance) -> Problem {
    let kind = e.kind();
    let (message, fix) = match e {
        OAuthError::AccessDenied => (
            "The sign-in was denied in the browser.".to_owned(),
            format!(
                "Run `gitlab-token login --host {}` again and select Authorize, or use an access token (`gitlab-token setup`).",
                instance.base_url()
            ),
        ),
        OAuthError::ExpiredToken => (
            "The code expired before it was approved.".to_owned(),
            format!(
                "Run `gitlab-token login --host {}` again and approve the new code within its time.",
                instance.base_url()
            ),
        ),
        OAuthError::InvalidClient(detail) => (
            format!(
                "{} knows no public OAuth application with this id ({detail}).",
                instance.host()
            ),
            format!(
                "Check the Application ID, and that the application is not marked Confidential.\n{}",
                how_to_register(instance)
            ),
        ),
        OAuthError::InvalidGrant(_) => (
            "GitLab no longer accepts the stored sign-in (the refresh token was rejected or revoked).".to_owned(),
            sign_in_again(instance, None),
        ),
        OAuthError::InvalidScope(detail) => (
            format!("The application may not ask for these scopes ({detail})."),
            format!(
                "Tick the scopes on the application's page ({}), or ask for fewer with --scopes.",
                links::user_applications(instance)
            ),
        ),
        OAuthError::NotSupported => (
            format!(
                "{} does not offer the browser sign-in (the device authorization grant needs GitLab 17.2 or later, switched on).",
                instance.host()
            ),
            format!(
                "Use an access token instead: `gitlab-token setup --host {}`.",
                instance.base_url()
            ),
        ),
        OAuthError::Api(api) => {
            let p = super::validation::api_problem(api);
            (p.message, p.fix)
        }
    };
    Problem::new(kind, message, fix)
}

/// The fix when a stored OAuth credential must be signed in again.
pub fn sign_in_again(instance: &Instance, name: Option<&str>) -> String {
    let name = name.map(|n| format!(" --name {n}")).unwrap_or_default();
    format!(
        "Sign in again: `gitlab-token login --host {}{name}`.",
        instance.base_url()
    )
}

/// A refresh left without an answer: what happened, and that no token was handed out.
pub fn refresh_in_doubt(account: &str, sent_at: &str, cause: &OAuthError) -> String {
    format!(
        "the refresh of the sign-in stored as {account} (sent {sent_at}) got no usable answer \
         ({cause}); GitLab may have replaced the pair, so its old access token was not handed out"
    )
}

/// The fix for [`refresh_in_doubt`]: the next command tries once more, else sign in again.
pub fn refresh_in_doubt_fix(instance: &Instance, name: Option<&str>) -> String {
    format!(
        "Run the command again when GitLab answers: it tries the refresh once more. If GitLab \
         refuses it, {}",
        lower_first(&sign_in_again(instance, name))
    )
}

/// A refresh left in doubt and refused when tried again: the pair is gone.
pub fn lost_in_refresh(account: &str, sent_at: &str) -> String {
    format!(
        "the sign-in stored as {account} was lost: GitLab replaced it in a refresh sent \
         {sent_at} whose answer never reached the keychain (the process was stopped, or the \
         answer was lost)"
    )
}

/// `status`'s description of an OAuth credential whose last refresh was left in doubt.
pub const IN_DOUBT: &str = "refresh interrupted: may need sign-in";

/// `status`'s note under a sign-in whose last refresh was left in doubt: what happened and
/// what to do.
pub fn in_doubt_note(sent_at: &str, instance: &Instance, name: &str) -> String {
    format!(
        "A refresh sent {sent_at} got no usable answer; GitLab may have replaced the pair. \
         The next `gitlab-token get --name {name}` tries once more; if GitLab refuses it, {}",
        lower_first(&sign_in_again(instance, Some(name)))
    )
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// The lines `login` prints on stderr without a terminal.
pub fn device_prompt(code: &DeviceCode) -> String {
    let complete = code
        .verification_uri_complete
        .as_deref()
        .map(|u| format!("\n  or open: {u}"))
        .unwrap_or_default();
    let foreign = code
        .foreign_page
        .as_deref()
        .map(|p| format!("\n  warning: GitLab's answer named a page on another site ({p}); enter the code only on {}", code.verification_uri))
        .unwrap_or_default();
    format!(
        "To sign in, open {} and enter the code: {}{complete}{foreign}\n  The code is valid for {} minutes; waiting for approval…",
        code.verification_uri,
        code.user_code,
        code.expires_in.as_secs().div_ceil(60)
    )
}

/// Said while polling, when GitLab asks to slow down.
pub fn slow_down(interval: std::time::Duration) -> String {
    format!(
        "GitLab asked to poll less often; now every {} s.",
        interval.as_secs()
    )
}

/// Said on success.
pub fn signed_in(username: &str, account: &str, store: &str) -> String {
    format!("Signed in as {username}; stored as {account} in {store}. It refreshes itself.")
}

/// `login` would replace a pasted access token stored under the same name.
pub fn name_taken(account: &str) -> String {
    format!(
        "{account} already holds an access token; choose another --name, or remove it first with `gitlab-token forget`"
    )
}

/// `forget --revoke`: GitLab said revoked, but the access token still works.
pub const STILL_WORKS: &str = "the access token still works after GitLab said it was revoked";

/// `rotate` on an OAuth credential.
pub fn not_rotatable(account: &str) -> String {
    format!(
        "{account} is a browser sign-in: its access token refreshes itself, so there is nothing to rotate"
    )
}

/// Said when the wait is stopped (Ctrl-C, a signal).
pub const CANCELLED: &str = "stopped; nothing was approved or stored";

/// Said when the pair could not be stored and was revoked on GitLab.
pub const UNKEPT_REVOKED: &str = "the sign-in could not be stored, so it was revoked on GitLab; fix the cause and run login again";

/// Stored, but a live check failed.
pub fn stored_but_failed(account: &str) -> String {
    format!("signed in and stored as {account}, but a check failed:")
}

/// `status`'s description of an OAuth credential.
pub const REFRESHES_ITSELF: &str = "refreshes itself";

/// `status`'s description of an OAuth credential that needs a new sign-in.
pub const NEEDS_SIGN_IN: &str = "needs sign-in";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_links_are_built_from_the_host() {
        let i = Instance::parse("https://git.example.org/gitlab").unwrap();
        let text = how_to_register(&i);
        assert!(text.contains("https://git.example.org/gitlab/-/user_settings/applications"));
        assert!(text.contains("https://git.example.org/gitlab/admin/applications"));
        assert!(text.contains("Confidential"));
        let com = how_to_register(&Instance::gitlab_com());
        assert!(!com.contains("/admin/applications"), "{com}");
    }
}
