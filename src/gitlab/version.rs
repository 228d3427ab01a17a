//! GitLab versions (`major.minor`) and what each one brings, each fact with the GitLab source or
//! doc it comes from. One place to ask "does this instance have X?".

/// A GitLab release, `major.minor` (the patch level never changes what the tool relies on).
pub type Version = (u32, u32);

/// `18.6.1-ee` -> (18, 6); `17.11.0-pre` -> (17, 11); anything else -> `None`.
pub fn parse(v: &str) -> Option<Version> {
    let mut parts = v.trim().split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_as_gitlab_writes_them() {
        assert_eq!(parse("18.6.1-ee"), Some((18, 6)));
        assert_eq!(parse("17.11.0-pre"), Some((17, 11)));
        assert_eq!(parse("19.2.0"), Some((19, 2)));
        assert_eq!(parse("garbage"), None);
        assert_eq!(parse(""), None);
    }
}
