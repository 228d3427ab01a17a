//! A command line as the person types it: arguments quoted for a POSIX shell only when they
//! need it, and the `gitlab-token SUB --host HOST --name NAME` every summary suggests.

/// Quotes a command argument for a POSIX shell only when it needs it.
pub fn shell_arg(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/@=+,".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `gitlab-token SUB --host HOST --name NAME` for the stored token.
pub fn command(sub: &str, host: &str, name: &str) -> String {
    format!(
        "gitlab-token {sub} --host {} --name {}",
        shell_arg(host),
        shell_arg(name)
    )
}
