//! Whether a username is one GitLab takes, before anything is created with it: GitLab's rule
//! (lib/gitlab/path_regex.rb, `namespace_format_message`): "can contain only letters, digits,
//! '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'." Pure.

/// What is wrong with a username (the wizard and `create --service-account` say it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsernameProblem {
    Empty,
    /// A character GitLab refuses (the first one found).
    Character(char),
    StartsWithDash,
    /// Ends in `.`, `.git` or `.atom`.
    Ending(&'static str),
}

/// `None` when GitLab's format allows `name`.
pub fn username_problem(name: &str) -> Option<UsernameProblem> {
    if name.is_empty() {
        return Some(UsernameProblem::Empty);
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Some(UsernameProblem::Character(c));
    }
    if name.starts_with('-') {
        return Some(UsernameProblem::StartsWithDash);
    }
    let lower = name.to_ascii_lowercase();
    [".git", ".atom", "."]
        .into_iter()
        .find(|end| lower.ends_with(end))
        .map(UsernameProblem::Ending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitlabs_format_is_applied() {
        assert_eq!(username_problem("ci-bot_2.x"), None);
        assert_eq!(username_problem(""), Some(UsernameProblem::Empty));
        assert_eq!(
            username_problem("ci bot"),
            Some(UsernameProblem::Character(' '))
        );
        assert_eq!(
            username_problem("bötchen"),
            Some(UsernameProblem::Character('ö'))
        );
        assert_eq!(
            username_problem("-bot"),
            Some(UsernameProblem::StartsWithDash)
        );
        assert_eq!(
            username_problem("bot.git"),
            Some(UsernameProblem::Ending(".git"))
        );
        assert_eq!(
            username_problem("bot.ATOM"),
            Some(UsernameProblem::Ending(".atom"))
        );
        assert_eq!(username_problem("bot."), Some(UsernameProblem::Ending(".")));
    }
}
