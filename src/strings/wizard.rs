//! The wizard's screens: titles, explanations and key help.

use crate::instance::InstanceError;
use crate::wizard::Step;

pub const APP: &str = "gitlab-token";

pub fn title(step: Step) -> &'static str {
    match step {
        Step::Profile => "What is the token for?",
        Step::Host => "Where does GitLab live?",
        Step::Reachability => "Can we reach it over valid TLS?",
        Step::Owner => "Who owns the token?",
        Step::Role => "Grant the role",
        Step::Generate => "Create the token",
        Step::Paste => "Paste the token",
        Step::Validate => "Check it live",
        Step::Save => "Save to the keychain",
        Step::Done => "Done",
    }
}

/// Headings of "Check my instance" (no token, so no step count).
pub fn check_title(step: Step) -> &'static str {
    match step {
        Step::Host => "Check my instance: which GitLab?",
        _ => "Check my instance: reachability and TLS",
    }
}

// What each key does, for the key help line (built in `ui::help` from the keys that work now).
pub const K_QUIT: &str = "quit";
pub const K_QUIT_ANYWAY: &str = "quit anyway";
pub const K_STAY: &str = "stay";
pub const K_MOVE: &str = "move";
pub const K_TOGGLE: &str = "toggle";
pub const K_ROLE: &str = "role";
pub const K_CONFIRM: &str = "confirm";
pub const K_BACK: &str = "back";
pub const K_CHOOSE: &str = "choose";
pub const K_NEXT: &str = "next";
pub const K_HELP: &str = "help";
pub const K_CLOSE_HELP: &str = "close the help";
pub const HELP_TITLE: &str = " Help (any key closes it) ";
pub const HELP_TYPE: &str = "type";
pub const HELP_CLOSE: &str =
    "Any key closes this help. ? opens it again on any screen without a text field to type into.";

/// What each step is for, as the help (`?`) says it.
pub fn step_purpose(step: Step) -> &'static str {
    match step {
        Step::Profile => {
            "Pick what the token is for: the integration decides the scopes the token gets and the \
             least role its account needs. Custom lets you pick the scopes; Check my instance only \
             tests the address and its TLS, and makes no token."
        }
        Step::Host => {
            "Say where GitLab lives: GitLab.com, or your own instance's address (a path such as \
             /gitlab is kept). Plain http is refused except on this machine."
        }
        Step::Reachability => {
            "Before any token is made, the address is checked: DNS, TCP, TLS (the certificate and \
             who issued it) and GitLab's own API answer. A company CA can be trusted with f."
        }
        Step::Owner => {
            "Choose whose token it is: a service account (a bot for the integration; \
             \"Create it for me\" makes it through GitLab's API), your own account, or a browser \
             sign-in for your own use. Type the group or project it is for."
        }
        Step::Role => {
            "The token's account needs at least this role on the group or project. The page \
             linked is where a Maintainer or Owner grants it."
        }
        Step::Generate => {
            "Create the token on GitLab: the link opens GitLab's form with the name, description \
             and scopes filled in. Choose the expiry, create it and copy it: GitLab shows a token \
             only once."
        }
        Step::Paste => {
            "Paste the token GitLab showed. It is never displayed: only its length and last 4 \
             characters."
        }
        Step::Validate => {
            "The token is checked live against GitLab: that it works, its scopes, its expiry and \
             its account's role on the group or project."
        }
        Step::Save => {
            "The token is saved to the store chosen (the system keychain unless you picked \
             another) and read back; facts about it, never the secret, go to tokens.toml."
        }
        Step::Done => {
            "What was saved and how to use it: `gitlab-token get` in scripts, g for git over \
             HTTPS, and how it is renewed."
        }
    }
}
pub const K_DONE: &str = "done";
pub const K_ROTATE: &str = "rotate it";
pub const K_REPLACE: &str = "replace it";
pub const K_TYPE_ADDRESS: &str = "type the address";
pub const K_TYPE_GROUP: &str = "type group";
pub const K_RECHECK: &str = "re-check";
pub const K_OPEN: &str = "open link";
pub const K_EXPIRY: &str = "expiry";
pub const K_LEGACY: &str = "legacy";
pub const K_FINE_GRAINED: &str = "fine-grained";
pub const K_WHY: &str = "why";
pub const K_PASTE: &str = "paste or type";
pub const K_CLEAR: &str = "clear";
pub const K_CHECK: &str = "check";
pub const K_SAVE: &str = "save";
pub const K_PASTE_ANOTHER: &str = "paste another";
pub const K_RETRY: &str = "retry";
pub const K_REVOKE: &str = "revoke the old token";
pub const K_COPY: &str = "copy link";
pub const K_SETUP_GIT: &str = "set up git";

pub const K_CA_FILE: &str = "use a CA file";
pub const K_TYPE_PATH: &str = "type the path";
pub const K_CHECK_WITH_IT: &str = "check with it";
pub const K_CANCEL: &str = "cancel";
pub const CA_FIELD: &str = "CA file (PEM)";
pub const CA_PATH_EMPTY: &str = "Type the path of the CA certificate file (PEM), or Esc to cancel.";
pub const CA_OFFER: &str = "Press f to trust your organisation's CA certificate (a PEM file from your GitLab admin) and check again.";
pub const CA_HINT: &str = "the full path, e.g. /etc/ssl/company-ca.pem; it is saved with the token";

pub fn ca_in_use(path: &str) -> String {
    format!("Trusting the CA file {path} as well as the system's CAs.")
}

/// What runs, and for how long once it takes more than a moment ("Checking… 4 s").
pub fn waiting(what: &str, secs: u64) -> String {
    if secs < 2 {
        what.to_owned()
    } else {
        format!("{what} {secs} s")
    }
}

/// Under a list that scrolls: how many rows are out of view.
pub fn more_rows(above: usize, below: usize) -> String {
    match (above, below) {
        (0, b) => format!("  ↓ {b} more"),
        (a, 0) => format!("  ↑ {a} more"),
        (a, b) => format!("  ↑ {a} more, ↓ {b} more"),
    }
}

pub const CLIPPED: &str = "… more not shown: make the window taller to see it all.";
/// The last row of a screen that scrolls (`wizard::scroll`) when more is below.
pub const CLIPPED_SCROLL: &str = "… more below: PgDn shows it.";
pub const K_SCROLL_UP: &str = "scroll up";
pub const K_SCROLL_DOWN: &str = "more";

pub const COPIED: &str = "Sent the link to your clipboard through the terminal (OSC 52). \
     If your terminal does not allow that, select the address above.";

/// The Done screen's line about `g` (git's credential helper for this host).
pub fn git_line(
    result: Option<&Result<crate::wizard::GitOutcome, String>>,
    running: bool,
    host: &str,
) -> String {
    use crate::wizard::GitOutcome;
    match (result, running) {
        (_, true) => format!("Setting up git for https://{host}…"),
        (None, false) => format!(
            "Press g to let git use this token for https://{host} (as `gitlab-token setup-git` does)."
        ),
        (Some(Ok(GitOutcome::Elsewhere(before))), _) => format!(
            "git uses {before} for https://{host}: it was left as it is. Press g to point it at this token instead."
        ),
        (Some(Ok(GitOutcome::Done)), _) => format!(
            "git now asks gitlab-token for https://{host}: clone and push over HTTPS work without a password."
        ),
        (Some(Err(e)), _) => format!("Setting up git failed: {e}. Press g to try again."),
    }
}

pub const DELIVERING: &str = "Delivering the new value to this token's sinks…";

/// After the replaced token's sinks were given the new value: what each got.
pub fn sinks_delivered(
    result: &Result<Vec<crate::strings::sinks::ShownOutcome>, String>,
) -> String {
    match result {
        Err(why) => format!(
            "The sinks did not get the new value ({why}); the next `gitlab-token rotate` delivers it."
        ),
        Ok(outcomes) if outcomes.iter().all(|o| o.ok) => {
            format!("Delivered the new value to {} sink(s).", outcomes.len())
        }
        Ok(outcomes) => {
            let failed: Vec<String> = outcomes
                .iter()
                .filter(|o| !o.ok)
                .map(|o| format!("{} ({})", o.target, o.message))
                .collect();
            format!(
                "Not delivered to: {}. It stays pending: the next `gitlab-token rotate` delivers it again.",
                failed.join("; ")
            )
        }
    }
}

/// The Done screen's line about sinks: where each rotation delivers the new value, or how to
/// add such a place.
pub fn done_sinks(sinks: &[&str]) -> String {
    if sinks.is_empty() {
        "Deliver each new value where it is used (a CI/CD variable, a command): see \
         `gitlab-token sink add --help`."
            .to_owned()
    } else {
        format!(
            "Each rotation delivers the new value to: {}.",
            sinks.join("; ")
        )
    }
}

pub fn expiring_line(account: &str, days: i64) -> String {
    if crate::gitlab::types::is_expired(days) {
        format!("! {account} has EXPIRED: set up a new one.")
    } else {
        format!("! {account} expires in {days} days: replace it soon.")
    }
}

pub const CHECK_ONLY: &str = "Check my instance (for admins: reachability and TLS, no token)";
pub const CHECK_ONLY_DETAIL: &str = "Checks whether tools outside can reach a GitLab over valid TLS: \
     DNS, TCP, the TLS handshake and certificate chain, expiry and host name, and whether it answers \
     like GitLab, with what to fix. The same as `gitlab-token check URL`.";

pub const PROFILE_INTRO: &str =
    "Pick the integration this token is for. Each needs certain scopes and a minimum role.";
pub const CUSTOM_INTRO: &str = "Pick the scopes (Space) and the minimum role (←→).";
pub const PICK_A_SCOPE: &str = "Pick at least one scope.";

pub const HOST_COM: &str = "GitLab.com (https://gitlab.com)";
pub const HOST_SELF: &str = "Self-hosted GitLab";
pub const HOST_FIELD: &str = "Address";
pub const HOST_HINT: &str =
    "e.g. gitlab.example.com, https://host:8443 or https://example.com/gitlab";

pub fn host_error(e: &InstanceError) -> String {
    match e {
        InstanceError::PlainHttp => {
            "Plain http:// would send the token unencrypted; use https://.".into()
        }
        InstanceError::Empty => "Type the address of your GitLab, e.g. gitlab.example.com.".into(),
        other => format!("That address does not work: {other}. Type it like gitlab.example.com."),
    }
}

pub fn relative_root_note(root: &str) -> String {
    format!(
        "The path {root} is read as GitLab's relative URL root (GitLab installed under {root}). If you pasted a project's address, remove the path."
    )
}

pub const FIX_FIRST: &str =
    "Fix the problem above first (or go back with Esc and change the address).";
pub const STAGE_FAILED: &str = "failed (see below)";
/// Under the custom picks when the role row is chosen.
pub const CUSTOM_ROLE_DETAIL: &str =
    "The least role the token's account needs on the group or project (←→ changes it).";
pub const PROBE_RUNNING: &str = "Checking…";
/// Enter was pressed during the check: said until it ends.
pub const ENTER_PENDING: &str = "Enter pressed: going on as soon as the check passes.";
/// The reachability check uses the CA file saved with a stored token of the same host.
pub fn ca_reused(account: &str, path: &str) -> String {
    format!("Trusting the CA file saved with {account} ({path}) as well as the system's CAs.")
}
pub const PROBE_OK: &str = "Reachable over valid TLS, and it answers like GitLab.";

pub const OWNER_SA: &str = "A service account (recommended for teams: survives people leaving)";
pub const OWNER_ME: &str = "My own account";
pub const GROUP_FIELD: &str = "Group path";
pub const GROUP_HINT: &str =
    "the group (or group/project) it works on; optional for your own account";
pub const LINK_NEEDS_GROUP: &str =
    "the group's Settings → Service accounts (type the group path above)";
pub const GROUP_NEEDED: &str =
    "On GitLab.com a service account belongs to a top-level group: type its path.";

/// A row of instructions: a sentence, or the place where the screen shows its link (on rows of
/// its own, so it can be selected and copied whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Say(String),
    Link,
}

pub fn service_account_steps(gitlab_com: bool, has_link: bool) -> Vec<Row> {
    let mut rows = if gitlab_com {
        vec![
            Row::Say(
                "On GitLab.com a service account belongs to a top-level group, and that group's Owners \
                 create it (Premium and Ultimate; Free from GitLab 18.11)."
                    .into(),
            ),
            Row::Say(if has_link {
                "1. Open the group's service accounts page:".into()
            } else {
                format!("1. Open {LINK_NEEDS_GROUP}.")
            }),
        ]
    } else {
        vec![
            Row::Say(
                "On self-managed GitLab, service accounts need GitLab EE (Premium and Ultimate; Free from \
                 18.11). An instance administrator creates them in the Admin area, or top-level group \
                 Owners where the admin allows it (Admin → Settings → General → Account and limit)."
                    .into(),
            ),
            Row::Say(if has_link {
                "1. An administrator opens the service accounts page:".into()
            } else {
                format!("1. An administrator opens {LINK_NEEDS_GROUP}.")
            }),
        ]
    };
    if has_link {
        rows.push(Row::Link);
    }
    rows.push(Row::Say(if gitlab_com {
        "2. Select Add service account, give it a name (e.g. the integration's), then Create."
            .into()
    } else {
        "2. Select Add service account, give it a name, then Create.".into()
    }));
    rows
}

pub fn personal_note() -> &'static str {
    "The token acts as you, with all your access. When you leave, it stops working."
}

pub fn role_intro(role: &str) -> String {
    format!("The account needs at least {role} on the group or projects the integration works on.")
}

/// The Role screen's line about a path that may name a group or a project.
pub fn place_line(path: &str, project: bool) -> String {
    if project {
        format!("{path} is taken for a project (press t if it is a group).")
    } else {
        format!("{path} is taken for a group (press t if it is a project).")
    }
}
pub const K_PLACE_PROJECT: &str = "it is a project";
pub const K_PLACE_GROUP: &str = "it is a group";

pub fn role_steps(has_link: bool, role: &str, account: &str) -> Vec<Row> {
    match (has_link, account) {
        (true, ACCOUNT_SA) => vec![
            Row::Say("1. Open the members page:".into()),
            Row::Link,
            Row::Say(format!(
                "2. Invite members: {account}, role {role}, no expiry date (or align it with the token)."
            )),
        ],
        (false, ACCOUNT_SA) => vec![
            Row::Say("1. Open the group or project, then Manage → Members.".into()),
            Row::Say(format!("2. Invite members: {account}, role {role}.")),
        ],
        // Nobody can invite themselves: a group's Owners (a project's Maintainers) add members.
        (true, _) => vec![
            Row::Say(format!(
                "If you are not a member with at least {role} yet, ask an Owner of the group (or a \
                 Maintainer of the project) to add you at:"
            )),
            Row::Link,
        ],
        (false, _) => vec![Row::Say(format!(
            "If you are not a member with at least {role} yet, ask an Owner of the group (or a \
             Maintainer of the project) to add you (Manage → Members)."
        ))],
    }
}

/// Who gets the role, on the role screen.
pub const ACCOUNT_SA: &str = "the service account";
pub const ACCOUNT_ME: &str = "your account";

pub fn generate_intro_personal() -> &'static str {
    "Open the prefilled page, check the name and scopes, set the expiry date, then Create token and copy it."
}

pub fn generate_intro_service_account() -> &'static str {
    "On the service accounts page: ⋮ next to the account → Manage access tokens → Add new token."
}

pub fn expiry_line(days: u32, date: &str) -> String {
    format!("Expiry: {days} days ({date}). GitLab allows at most 365 days; rotate before then.")
}

pub fn token_description(profile_name: &str) -> String {
    format!("Created with gitlab-token for: {profile_name}")
}

/// The Generate screen when the instance's version is not known: the link above is the form of
/// GitLab 18.9 and later; this one is for earlier versions.
pub const BEFORE_18_9: &str = "That is GitLab 18.9+. Before 18.9 (b opens it):";
pub const K_OPEN_BEFORE_18_9: &str = "open it for GitLab < 18.9";
pub const SSH_NOTE: &str = "On SSH or without a browser: press c to copy it, or select it.";
pub const BROWSER_OPENED: &str = "Opened in your browser.";

pub fn browser_failed(e: &str) -> String {
    format!("Could not open a browser ({e}); copy the address above.")
}

pub const PASTE_INTRO: &str =
    "Paste the token (it is never shown; only its length and last 4 characters).";
pub const PASTE_FIRST: &str = "Paste the token first.";
/// The paste step's one message for a value that cannot be a token (nothing is sent).
pub fn not_a_token(problem: crate::token::FormatProblem) -> String {
    format!(
        "{} {}",
        super::net::token_format(problem),
        super::net::token_format_fix(problem)
    )
}
pub const SAME_AS_OLD: &str = "That is the token being replaced: paste the new one.";

pub fn replace_bad_url(url: &str) -> String {
    format!(
        "The stored address {url} is not usable; run gitlab-token setup for a new token instead."
    )
}

pub fn replacing_intro(account: &str, expires: &str) -> String {
    format!("Replacing {account} (expires {expires}). The new token needs at least its scopes.")
}

pub fn rotating(account: &str) -> String {
    format!("Rotating {account} through GitLab's API…")
}

/// One line on how an automatic rotation ended.
pub fn rotated(r: &crate::rotation::Report) -> String {
    if r.ok {
        let rotated = format!(
            "Rotated {}: the new token is stored and verified; it expires {}.",
            r.account,
            r.new_expires_at.as_deref().unwrap_or("never")
        );
        match crate::strings::sinks::not_delivered(&crate::strings::rotation::outcomes(r)) {
            Some(sinks) => format!("{rotated} {sinks}"),
            None => rotated,
        }
    } else {
        match r.troubles.first().map(crate::strings::rotation::trouble) {
            Some(p) => format!("{} {}", p.message, p.fix),
            None => format!("{} was not rotated.", r.account),
        }
    }
}

pub fn old_token_line(loaded: Option<&Result<crate::token::Token, String>>) -> String {
    match loaded {
        None => "Reading the current token from the keychain…".into(),
        Some(Ok(_)) => "The current token stays in place until the new one is saved.".into(),
        Some(Err(e)) => {
            format!("The current token could not be read ({e}); it cannot be revoked from here.")
        }
    }
}

pub fn revoke_line(revoke: Option<&Result<(), String>>, running: bool) -> String {
    match (revoke, running) {
        (_, true) => "Revoking the old token on GitLab…".into(),
        (None, false) => {
            "Press r to revoke the old token on GitLab now (it keeps working until then).".into()
        }
        (Some(Ok(())), _) => "The old token is revoked: it no longer works anywhere.".into(),
        (Some(Err(e)), _) => format!("Revoking the old token failed: {e}. Press r to try again."),
    }
}
pub const PASTE_EMPTY: &str = "(empty)";

pub const VALIDATING: &str = "Checking the token against GitLab…";
pub const VALID: &str = "All checks passed. Press Enter to save it to the keychain.";
pub const INVALID: &str =
    "This token does not work for the integration yet. Fix it, then Enter to paste another.";

pub const SAVING: &str = "Saving to the keychain and reading it back…";
pub const SAVE_FAILED: &str =
    "Nothing was lost: the token is still here. Fix the cause and press r to retry.";

pub fn done_lines(
    account: &str,
    store: &str,
    path: &str,
    expires: &str,
    verify: &str,
) -> Vec<String> {
    vec![
        format!("Saved in the {store}: service \"gitlab-token\", account \"{account}\"."),
        "It was read back from the keychain to confirm.".into(),
        format!("Facts about it (no secret): {path}"),
        format!("Expires: {expires}. Create and save a new token before then."),
        String::new(),
        "Other tools read it from the keychain under that service and account.".into(),
        "Check it again (and see the other commands printed when you leave):".into(),
        format!("  {verify}"),
    ]
}

// --- the hand-over to the integration (wizard::handover) ----------------------------------------

/// The Done screen before the copy: where the token goes next.
pub const HANDOVER_OFFER: &str = "The integration takes the token in its own settings (its \
    \"Connect GitLab\" form): press c to copy it there once; the clipboard is cleared after 45 s.";
pub const HANDOVER_SETTINGS: &str = "Its settings page (o opens it):";
/// While the token is on the clipboard.
pub fn handover_counting(left: u32) -> String {
    format!(
        "The token is on the clipboard: paste it into the integration's form now. Cleared in \
         {left} s (or when you leave). A clipboard manager may keep its own copy: clear its \
         history too."
    )
}
pub const HANDOVER_CLEARED: &str = "The clipboard was cleared (where the terminal allows it). A \
    clipboard manager may still hold the token in its history: clear it there.";
pub const K_COPY_TOKEN: &str = "copy the token";
pub const K_OPEN_SETTINGS: &str = "open its settings";

pub const QUIT_CONFIRM: &str = "The pasted token is not saved yet, and GitLab shows a token only \
     once: after quitting you would have to create a new one. Quit anyway? (y / n)";
