//! What is said about hostile or broken answers, malformed tokens, unconfirmed revocations and
//! oversized input (the network side's own sentences).

use crate::gitlab::ApiError;
use crate::token::FormatProblem;

/// The message and fix for the client errors this module owns (others: `strings::validation`).
pub fn api_text(e: &ApiError) -> (String, String) {
    match e {
        ApiError::TooLarge { limit } => (
            format!(
                "The server's answer is larger than {} KiB; GitLab's answers here are a few KiB, so it was not read.",
                limit / 1024
            ),
            "Check the address points at GitLab itself, not a proxy or another service in front of it.".into(),
        ),
        ApiError::Incomplete(detail) => (
            format!("The server closed the connection before its answer was complete ({detail})."),
            "Try again; if it keeps happening, a proxy or load balancer cuts the connection: tell the GitLab admin.".into(),
        ),
        ApiError::BadAnswer { status, detail } => (
            format!("The answer ({status}) looks like JSON but not like GitLab's: {detail}."),
            "Check the address points at GitLab itself; a portal or a broken proxy may answer instead. Nothing was stored from it.".into(),
        ),
        ApiError::MalformedToken(p) => (token_format(*p), token_format_fix(*p).into()),
        ApiError::RevokeUnconfirmed(why) => (
            format!("The revocation could not be confirmed: {why}."),
            "The token may still work. Revoke it on GitLab's Access tokens page, then run forget without --revoke.".into(),
        ),
        other => (other.to_string(), "Try again.".into()),
    }
}

/// Why a value is not a token (nothing was sent to GitLab).
pub fn token_format(p: FormatProblem) -> String {
    let why = match p {
        FormatProblem::Empty => "it is empty",
        FormatProblem::InnerWhitespace => {
            "it has a space, tab or line break inside (GitLab tokens never do)"
        }
        FormatProblem::ControlCharacter => "it holds a control character",
        FormatProblem::NotAscii => {
            "it holds a character GitLab tokens never have (a typographic quote, a non-breaking space or similar)"
        }
    };
    format!("This is not a GitLab token: {why}. It was not sent to GitLab.")
}

pub fn token_format_fix(p: FormatProblem) -> &'static str {
    match p {
        FormatProblem::InnerWhitespace => {
            "Copy the token alone, in one piece (use the copy button next to it on GitLab's page)."
        }
        _ => "Copy the token again from GitLab's page with its copy button, and paste only that.",
    }
}

/// Standard input held more than a token could be.
pub fn stdin_too_large(limit: usize) -> String {
    format!(
        "standard input holds more than {} KiB, far more than any token: nothing was sent. Pipe only the token.",
        limit / 1024
    )
}
