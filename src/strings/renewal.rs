//! How each stored token gets its next value, in words (`rotation::renewal` decides it): the
//! command that works, who must authorize it, and whether the daily rotation can.

use crate::rotation::renewal::Renewal;

/// Who may authorize rotating a token of `kind` through its account (the same people who may
/// make one: doc/api/service_accounts.md, group_access_tokens.md, project_access_tokens.md).
pub fn who_authorizes(kind: crate::provision::Kind) -> &'static str {
    use crate::provision::Kind;
    match kind {
        Kind::GroupServiceAccount => "an Owner of its group or an administrator",
        Kind::SubgroupServiceAccount => "an Owner of its subgroup or an administrator",
        Kind::InstanceServiceAccount => "an administrator",
        Kind::ProjectServiceAccount => "a Maintainer or Owner of its project, or an administrator",
        Kind::GroupToken => "an Owner of its group",
        Kind::ProjectToken => "a Maintainer or Owner of its project",
        Kind::OwnToken => "you, its owner",
    }
}

/// The command that renews the stored token `host`, `name`, as `renewal` says;
/// `None` for a browser sign-in (it refreshes itself).
pub fn renewal_command(renewal: Renewal, host: &str, name: &str) -> Option<String> {
    let rotate = crate::strings::shell::command("rotate", host, name);
    match renewal {
        Renewal::Refreshes => None,
        Renewal::ItSelf => Some(rotate),
        Renewal::WithOwner(_) => Some(format!("{rotate} --owner-token-stdin")),
        // The guided path: the prefilled page, and `--replace` to swap in what was made there.
        Renewal::ByHand => Some(rotate),
    }
}

/// One sentence on how the token is renewed and by whom: the Done screens, the summaries,
/// `status` and `rotate`'s failure for a token the daily schedule cannot renew.
pub fn renewal_line(renewal: Renewal, account: &str, host: &str, name: &str) -> String {
    let command = renewal_command(renewal, host, name).unwrap_or_default();
    match renewal {
        Renewal::Refreshes => crate::strings::signin::refreshes(),
        Renewal::ItSelf => format!("It rotates itself: {command}"),
        Renewal::WithOwner(kind) => format!(
            "It cannot rotate itself, and the daily rotation cannot renew it: {} rotates it with \
             {command} (their token on standard input), or with --owner NAME (their token stored \
             here), or --oauth-app-id ID (they sign in in the browser).",
            who_authorizes(kind)
        ),
        Renewal::ByHand => format!(
            "It cannot rotate itself (it has neither api nor self_rotate, nor as a fine-grained token \
             rotate_personal_access_token), and the daily rotation \
             cannot renew it: {command} gives the prefilled page for its replacement, or make it \
             with gitlab-token setup --replace {}.",
            crate::strings::shell::shell_arg(account)
        ),
    }
}

/// [`renewal_line`] for the wizard's Done screen, where room is short: a token the daily
/// rotation cannot renew, and what replaces it (the summary printed on leaving has the rest).
pub fn renewal_short(renewal: Renewal, account: &str) -> String {
    let replace = format!(
        "gitlab-token setup --replace {}",
        crate::strings::shell::shell_arg(account)
    );
    match renewal {
        Renewal::WithOwner(kind) => format!(
            "The daily rotation cannot renew it: {} rotates it (rotate --owner-token-stdin).",
            who_authorizes(kind)
        ),
        _ => format!(
            "The daily rotation cannot renew it (it may not rotate itself): {replace} before then."
        ),
    }
}
