//! A token piped on standard input: at most [`MAX_STDIN`] bytes, trimmed, zeroized when refused
//! (never read from the command line); and a yes-or-no question asked on the terminal.

/// The most standard input may hold when a token is piped (a token is at most a few hundred bytes).
pub const MAX_STDIN: usize = 64 * 1024;

/// A token piped on standard input (at most [`MAX_STDIN`], trimmed); an error when it is a
/// terminal, empty, or longer (never cut and sent).
pub fn token_from_stdin() -> Result<crate::token::Token, String> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        return Err("pipe the token on standard input (never as an argument)".into());
    }
    let mut raw = String::new();
    let read = std::io::stdin()
        .take(MAX_STDIN as u64 + 1)
        .read_to_string(&mut raw);
    if let Err(e) = read {
        zeroize::Zeroize::zeroize(&mut raw);
        return Err(format!("cannot read the token from standard input: {e}"));
    }
    if raw.len() > MAX_STDIN {
        zeroize::Zeroize::zeroize(&mut raw);
        return Err(crate::strings::net::stdin_too_large(MAX_STDIN));
    }
    let token = crate::token::Token::new(raw);
    if token.is_empty() {
        return Err(EMPTY_STDIN.into());
    }
    Ok(token)
}

const EMPTY_STDIN: &str = "standard input held no token";

/// A token piped on standard input, or `None` when stdin is a terminal or empty (a script
/// running `verify` with nothing piped means the stored token).
pub fn piped_token() -> Result<Option<crate::token::Token>, String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Ok(None);
    }
    match token_from_stdin() {
        Ok(t) => Ok(Some(t)),
        Err(e) if e == EMPTY_STDIN => Ok(None),
        Err(e) => Err(e),
    }
}

/// Asks `question` on the terminal (stderr) and reads the answer: `None` when there is no
/// terminal to ask on (the caller then needs `--yes`), `Some(true)` only for y or yes.
pub fn ask_yes(question: &str) -> Option<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return Some(false);
    }
    Some(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
