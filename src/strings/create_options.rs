//! The words of "Create it for me"'s options screen (what `create`'s flags offer on the command
//! line: `--service-account`, `--expires-in`, `--no-self-rotate`, `--raise-role`).

use crate::provision::UsernameProblem;

pub const H_OPTIONS: &str = "Options";
pub const INTRO: &str =
    "What create's flags offer on the command line. Enter applies; Esc keeps the plan as it was.";
pub const L_USERNAME: &str = "Username";
pub const L_EXPIRES: &str = "Expires in";
pub const L_SELF_ROTATE: &str = "self_rotate";
pub const L_RAISE: &str = "Lower role";
pub const USERNAME_AUTO: &str = "(empty: gitlab-token names it for the profile)";
pub const USERNAME_WHY: &str =
    "An account of that name is reused if it exists (--service-account).";
pub const SELF_ROTATE_ON: &str = "yes: the token can rotate itself";
pub const SELF_ROTATE_OFF: &str = "no: each rotation needs an Owner or admin (--no-self-rotate)";
pub const SELF_ROTATE_NONE: &str =
    "not on this GitLab (17.9+): each rotation needs an Owner or admin";
pub const TOKEN_CAUGHT: &str =
    "That was a GitLab token, not a username: cleared unseen. Backspace, then type the username.";
pub const RAISE_ON: &str = "raised to the profile's role (--raise-role)";
pub const RAISE_OFF: &str = "kept and reported; the token may then lack the role";
pub const K_OPTIONS: &str = "options";
pub const K_OPTION: &str = "option";
pub const K_CHANGE: &str = "change";
pub const K_TOGGLE: &str = "switch";
pub const K_APPLY: &str = "apply";
pub const K_DISCARD: &str = "discard";
pub const K_TYPE: &str = "type a username";

pub fn expires(days: u32) -> String {
    format!("{days} days")
}

/// Why GitLab would refuse a username (its own rule, lib/gitlab/path_regex.rb).
pub fn username_problem(problem: &UsernameProblem) -> String {
    let rule = "a username has only letters, digits, '_', '-' and '.'";
    match problem {
        UsernameProblem::Empty => "give a username, or leave it empty to have one made".into(),
        UsernameProblem::Character(' ') => format!("no spaces: {rule}"),
        UsernameProblem::Character(c) => format!("'{c}' is not allowed: {rule}"),
        UsernameProblem::StartsWithDash => "a username cannot start with '-'".into(),
        UsernameProblem::Ending(end) => format!("a username cannot end in '{end}'"),
    }
}

/// Beside the plan's role line when `--raise-role` is on.
pub const RAISED_NOTE: &str = "(a lower membership is raised)";
