//! Signing in with the browser (the wizard's third way and `gitlab-token login`'s screen).

use crate::instance::Instance;

pub const TITLE: &str = "Sign in with the browser";
/// What the sign-in screen is for, as the help (`?`) says it.
pub const HELP_PURPOSE: &str = "Sign in with the browser: open the page shown on any device, enter the code and approve gitlab-token. It needs the id of an OAuth application registered on this GitLab.";
/// How a browser sign-in renews itself. The lifetime said is GitLab's cap, which every access
/// token gitlab-token keeps is held to (`ACCESS_LIFETIME`: an answer claiming longer is capped),
/// never a fixed "2 hours" (issue 21.14).
pub fn refreshes() -> String {
    format!(
        "It refreshes itself: each access token lasts at most {} and gitlab-token renews it \
         when it is asked for one.",
        access_lifetime()
    )
}

/// GitLab's access-token lifetime in words ("2 hours"), from the one constant the sign-in caps
/// every answer at.
pub fn access_lifetime() -> String {
    lifetime_words(crate::gitlab::oauth_types::ACCESS_LIFETIME)
}

/// A lifetime in words: whole hours as hours, else minutes.
pub fn lifetime_words(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (n, unit) = if secs >= 3600 && secs.is_multiple_of(3600) {
        (secs / 3600, "hour")
    } else {
        (secs.div_ceil(60).max(1), "minute")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}
/// For "setup stopped at step 6/10, signing in with the browser".
pub const DOING: &str = "signing in with the browser";
pub const OWNER_BROWSER: &str =
    "Sign in with the browser (my own use: no token to copy, refreshes itself)";
pub fn browser_note() -> String {
    format!(
        "GitLab asks you to approve gitlab-token in your browser (on this machine or your phone). \
         It then gets a token that lasts {} and renews itself: scripts and git always get a valid \
         one. Needs GitLab 17.2 or later and an OAuth application registered on it.",
        access_lifetime()
    )
}

pub const GO_TO: &str = "On any device, open the first link below and enter the code.";
pub const CODE: &str = "Code";
pub const COMPLETE: &str = "The second link has the code filled in.";
pub const STARTING: &str = "Asking GitLab for a sign-in code…";
pub const APPROVED: &str = "Approved in the browser. Checking the new token…";

pub fn expires_in(secs: u64) -> String {
    if secs == 0 {
        return "The code has expired.".into();
    }
    format!("The code expires in {}:{:02}.", secs / 60, secs % 60)
}

pub fn next_poll(secs: u64, polls: u32) -> String {
    let asked = match polls {
        0 => String::new(),
        1 => " (asked once, not approved yet)".into(),
        n => format!(" (asked {n} times, not approved yet)"),
    };
    if secs == 0 {
        format!("Asking GitLab now…{asked}")
    } else {
        format!("Asking GitLab again in {secs} s{asked}.")
    }
}

pub fn qr_hidden(cols: u16, rows: u16) -> String {
    format!(
        "QR code hidden: the window is too small (it needs {cols} more columns, {rows} more rows)."
    )
}

pub const QR_LABEL: &str = "Or scan the QR code to approve from a phone →";

// Registering an application.
pub const NEED_APP_TITLE: &str = "This GitLab needs an OAuth application for gitlab-token";
pub const APP_FIELD: &str = "Application ID";
/// A token was typed into the application id field (it is cleared and sent nowhere).
pub const TOKEN_IN_APP_FIELD: &str = "That was a GitLab token, not an Application ID: it was \
     cleared and sent nowhere. Press Backspace, then paste the Application ID from the page \
     below; to use a token of yours instead, go back (Esc) and choose to paste a token.";
pub const UNKNOWN_APP: &str =
    "Check the ID on the page below (it is the Application ID, not the secret), or register one.";

/// The page where a person registers their own application on `instance`.
pub fn applications_url(instance: &Instance) -> String {
    crate::gitlab::links::user_applications(instance)
}

/// The admin's page (an instance-wide application everyone can use).
pub fn admin_applications_url(instance: &Instance) -> String {
    crate::gitlab::links::admin_applications(instance)
}

pub fn register_steps() -> Vec<String> {
    vec![
        "There is no shared application ID: each GitLab needs its own. On the page below, select Add new application:".into(),
        "  • Name: gitlab-token; Redirect URI: http://localhost (the device flow skips it)".into(),
        "  • untick Confidential (the device flow needs a public application)".into(),
        "  • tick the scopes gitlab-token will ask for (e.g. read_api, api)".into(),
        "Save, then paste the Application ID here. It is remembered for this host once you are signed in (or pass --oauth-app-id, or set GITLAB_TOKEN_OAUTH_APP_ID).".into(),
    ]
}

pub const ADMIN_HINT: &str =
    "Or ask an administrator to register one for everyone (and mark it trusted):";

// Keys.
pub const K_OPEN_BROWSER: &str = "open browser";
pub const K_COPY_LINK: &str = "copy link";
pub const K_START: &str = "start";
pub const K_TRY_AGAIN: &str = "try again";
pub const K_SIGN_IN_AGAIN: &str = "sign in again";
pub const K_USE_TOKEN: &str = "use a token instead";
pub const K_OPEN_PAGE: &str = "open page";
pub const K_COPY_PAGE: &str = "copy page link";
pub const K_TYPE_ID: &str = "type the ID";
pub const K_CANCEL: &str = "cancel";
pub const K_QUIT: &str = "quit";

// The login screen.
pub fn login_title(host: &str) -> String {
    format!("gitlab-token  sign in to {host}")
}
pub const QUIT_CONFIRM: &str =
    "The approved sign-in is not saved yet (you would sign in again). Quit anyway? (y / n)";
