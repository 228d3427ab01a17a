//! Deep links into GitLab's web UI, built from the instance and the group the user named.

use crate::instance::Instance;

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn clean(path: &str) -> &str {
    path.trim().trim_matches('/')
}

/// The new personal access token page with name, description and scopes prefilled (GitLab 14.1+;
/// `description` 17.7+; unknown scopes are dropped by GitLab).
pub fn new_personal_token(
    instance: &Instance,
    name: &str,
    description: &str,
    scopes: &[String],
) -> String {
    format!(
        "{}?name={}&description={}&scopes={}",
        instance.url("/-/user_settings/personal_access_tokens"),
        encode(name),
        encode(description),
        scopes.join(",")
    )
}

/// The top-level group of a path: `group/sub/project` → `group`.
pub fn top_level_group(path: &str) -> &str {
    clean(path).split('/').next().unwrap_or_default()
}

/// Where service accounts are created and their tokens managed: the top-level group's
/// Settings → Service accounts on GitLab.com (`None` until a group is known), the Admin area on
/// self-managed.
pub fn service_accounts(instance: &Instance, group_path: &str) -> Option<String> {
    let group = top_level_group(group_path);
    if !instance.is_gitlab_com() {
        Some(instance.url("/admin/application_settings/service_accounts"))
    } else if group.is_empty() {
        None
    } else {
        Some(format!(
            "{}/groups/{group}/-/settings/service_accounts",
            instance.base_url()
        ))
    }
}

/// A group's service accounts page (GitLab.com, or self-managed where group Owners may create them).
pub fn group_service_accounts(instance: &Instance, group_path: &str) -> String {
    instance.url(&format!(
        "/groups/{}/-/settings/service_accounts",
        top_level_group(group_path)
    ))
}

/// The members page of a group (for a project: `/<path>/-/project_members`).
pub fn group_members(instance: &Instance, group_path: &str) -> String {
    instance.url(&format!("/groups/{}/-/group_members", clean(group_path)))
}

pub fn project_members(instance: &Instance, project_path: &str) -> String {
    instance.url(&format!("/{}/-/project_members", clean(project_path)))
}

/// The admin setting that lets top-level group Owners create service accounts (self-managed, 17.6+).
pub fn admin_account_settings(instance: &Instance) -> String {
    instance.url("/admin/application_settings/general#js-account-settings")
}

/// Where a user registers their own OAuth application (User settings → Applications).
pub fn user_applications(instance: &Instance) -> String {
    instance.url("/-/user_settings/applications")
}

/// Where an administrator registers an instance-wide OAuth application (Admin → Applications;
/// self-managed only), which may be marked trusted.
pub fn admin_applications(instance: &Instance) -> String {
    instance.url("/admin/applications")
}

/// A group's OAuth applications (Settings → Applications).
pub fn group_applications(instance: &Instance, group_path: &str) -> String {
    instance.url(&format!(
        "/groups/{}/-/settings/applications",
        clean(group_path)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefilled_token_page() {
        let i = Instance::parse("https://example.com/gitlab").unwrap();
        assert_eq!(
            new_personal_token(
                &i,
                "ci scanner",
                "made by gitlab-token",
                &["read_api".into(), "read_repository".into()]
            ),
            "https://example.com/gitlab/-/user_settings/personal_access_tokens?name=ci+scanner&description=made+by+gitlab-token&scopes=read_api,read_repository"
        );
    }

    #[test]
    fn service_accounts_live_in_different_places() {
        assert_eq!(
            service_accounts(&Instance::gitlab_com(), "acme/platform/tools").unwrap(),
            "https://gitlab.com/groups/acme/-/settings/service_accounts"
        );
        assert_eq!(service_accounts(&Instance::gitlab_com(), " / "), None);
        let sm = Instance::parse("gitlab.example.com").unwrap();
        assert_eq!(
            service_accounts(&sm, "acme").unwrap(),
            "https://gitlab.example.com/admin/application_settings/service_accounts"
        );
        assert_eq!(
            group_members(&sm, "/acme/platform/"),
            "https://gitlab.example.com/groups/acme/platform/-/group_members"
        );
    }
}
