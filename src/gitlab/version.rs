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

/// GitLab.com always runs the newest release: at least the newest one this tool's facts cover.
pub const GITLAB_COM: Version = (19, 2);

/// From 18.9 the personal access tokens page offers two kinds of token, "legacy" and
/// "fine-grained"; the legacy form, with its `name`, `description` and `scopes` prefill, is
/// `/-/user_settings/personal_access_tokens/legacy/new`, and the old address prefills nothing.
/// Before 18.9 only the old address exists, and it prefills. See [`crate::gitlab::links`].
pub const LEGACY_TOKEN_FORM: Version = (18, 9);

/// `version` as `major.minor`, for messages and records.
pub fn display(version: Version) -> String {
    format!("{}.{}", version.0, version.1)
}

/// The version to build links for: GitLab.com is always current; elsewhere the version
/// recorded on an earlier visit (a token of that instance validated, the instance answered),
/// else unknown (the caller then shows the page of each version, saying which is which).
pub fn for_links(gitlab_com: bool, recorded: Option<Version>) -> Option<Version> {
    if gitlab_com {
        Some(recorded.map_or(GITLAB_COM, |r| r.max(GITLAB_COM)))
    } else {
        recorded
    }
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

    #[test]
    fn gitlab_com_is_current_and_others_as_recorded() {
        assert_eq!(for_links(true, None), Some(GITLAB_COM));
        assert_eq!(for_links(true, Some((17, 0))), Some(GITLAB_COM));
        assert_eq!(for_links(false, Some((18, 8))), Some((18, 8)));
        assert_eq!(for_links(false, None), None);
        assert_eq!(display((18, 11)), "18.11");
    }
}
