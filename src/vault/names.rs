//! The NAME of a stored token (the keychain account is `NAME@HOST`): 1 to 64 ASCII letters,
//! digits, `.`, `_` or `-`, starting with a letter or a digit.
//!
//! Names the tool uses for itself start with `#` (e.g. the rotation's scratch entry), so no
//! name a person can give ever collides with one.

use thiserror::Error;

/// The longest name.
pub const MAX_NAME_LEN: usize = 64;

/// The rotation's scratch entry on a host: written, read back and deleted to prove the store
/// takes new values. `#` is outside the name alphabet, so no user's token can be called that.
pub const PREFLIGHT_NAME: &str = "#rotation-preflight";

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {MAX_NAME_LEN} characters")]
    TooLong,
    #[error("the name must start with a letter or a digit")]
    BadStart,
    #[error("the name may hold only ASCII letters, digits, `.`, `_` and `-` (found {0})")]
    BadChar(String),
}

/// Checks a token's NAME against the rules above.
pub fn check_name(name: &str) -> Result<(), NameError> {
    let Some(first) = name.chars().next() else {
        return Err(NameError::Empty);
    };
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        // Shown escaped: a control character must not reach the terminal.
        return Err(NameError::BadChar(format!("{:?}", bad)));
    }
    if !first.is_ascii_alphanumeric() {
        return Err(NameError::BadStart);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_rules() {
        for good in ["scanner", "repo-scanner", "a", "ci_bot.2", &"x".repeat(64)] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        assert_eq!(check_name(""), Err(NameError::Empty));
        assert_eq!(check_name(&"x".repeat(65)), Err(NameError::TooLong));
        assert_eq!(check_name(".rotation-preflight"), Err(NameError::BadStart));
        assert!(check_name(PREFLIGHT_NAME).is_err());
        for bad in [
            "a@b",
            "a\nb",
            "a\rb",
            "a\0b",
            "a b",
            "a/b",
            "é",
            "a\u{1b}[31m",
        ] {
            assert!(
                matches!(check_name(bad), Err(NameError::BadChar(_))),
                "{bad:?}"
            );
        }
    }
}
