//! Deep links into GitLab's web UI, built from the instance and the group the user named.

use super::version::{self, Version};
use crate::instance::Instance;

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn clean(path: &str) -> &str {
    path.trim().trim_matches('/')
}

/// The prefill GitLab reads on a new-token form: `name`, `description` (17.7+), `scopes` (unknown
/// scopes are dropped by GitLab).
fn prefill(name: &str, description: &str, scopes: &[String]) -> String {
    format!(
        "?name={}&description={}&scopes={}",
        encode(name),
        encode(description),
        scopes.join(",")
    )
}

/// Where a personal access token is made with its fields prefilled, on one version or on each
/// when the version is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenForm {
    /// The version is known: the one form that exists and prefills there.
    One(String),
    /// The version is not known: the legacy form of GitLab 18.9 and later, and the page of
    /// the versions before, which does not exist as a form from 18.9 on.
    ByVersion {
        from_18_9: String,
        before_18_9: String,
    },
}

impl TokenForm {
    /// The page to open first: the one form, or the 18.9+ form (GitLab.com and every supported
    /// release from 18.9 on).
    pub fn primary(&self) -> &str {
        match self {
            TokenForm::One(url) => url,
            TokenForm::ByVersion { from_18_9, .. } => from_18_9,
        }
    }

    /// The page for GitLab before 18.9, offered beside [`Self::primary`] when the version is
    /// not known.
    pub fn before_18_9(&self) -> Option<&str> {
        match self {
            TokenForm::One(_) => None,
            TokenForm::ByVersion { before_18_9, .. } => Some(before_18_9),
        }
    }
}

/// The new personal access token form with name, description and scopes prefilled, for
/// `version` (`None`: unknown).
///
/// Before 18.9: `/-/user_settings/personal_access_tokens?name=…&scopes=…` (the index page
/// reads the prefill; `config/routes/user_settings.rb`: `resources :personal_access_tokens,
/// only: [:index, :create, :new]`). From 18.9: the page offers a legacy and a fine-grained
/// token, and the legacy form with the same prefill is `…/personal_access_tokens/legacy/new`.
pub fn personal_token_form(
    instance: &Instance,
    version: Option<Version>,
    name: &str,
    description: &str,
    scopes: &[String],
) -> TokenForm {
    let query = prefill(name, description, scopes);
    let old = format!(
        "{}{query}",
        instance.url("/-/user_settings/personal_access_tokens")
    );
    let legacy = format!(
        "{}{query}",
        instance.url("/-/user_settings/personal_access_tokens/legacy/new")
    );
    match version {
        Some(v) if v >= version::LEGACY_TOKEN_FORM => TokenForm::One(legacy),
        Some(_) => TokenForm::One(old),
        None => TokenForm::ByVersion {
            from_18_9: legacy,
            before_18_9: old,
        },
    }
}

/// The fine-grained token form: `/-/user_settings/personal_access_tokens/granular/new`
/// (app/helpers/access_tokens_helper.rb @41946e6 `granular_new_user_settings_personal_access_
/// tokens_path`). It prefills nothing from the address (its only parameter, `source_token_id`,
/// copies an existing fine-grained token), so the permissions are listed beside the link.
pub fn fine_grained_token_form(instance: &Instance) -> String {
    instance.url("/-/user_settings/personal_access_tokens/granular/new")
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

/// A subgroup's own service accounts page (Settings > Service accounts, 18.11): the subgroup
/// itself, not its top-level group (doc/user/profile/service_accounts.md).
pub fn subgroup_service_accounts(instance: &Instance, group_path: &str) -> String {
    instance.url(&format!(
        "/groups/{}/-/settings/service_accounts",
        clean(group_path)
    ))
}

/// What a path names: GitLab's web routes for a group and a project differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    #[default]
    Group,
    Project,
}

impl Place {
    /// One segment names a group (a project always lives in a namespace); more may be either.
    pub fn can_be_project(path: &str) -> bool {
        clean(path).contains('/')
    }
}

/// The members page of a group: `config/routes/group.rb`, `scope(path: 'groups/*group_id/-')`
/// holds `resources :group_members`.
pub fn group_members(instance: &Instance, group_path: &str) -> String {
    instance.url(&format!("/groups/{}/-/group_members", clean(group_path)))
}

/// The members page of a project: `config/routes/project.rb` holds `resources
/// :project_members` in the project's scope, under `/-/` (there is no `/groups/` prefix).
pub fn project_members(instance: &Instance, project_path: &str) -> String {
    instance.url(&format!("/{}/-/project_members", clean(project_path)))
}

/// The members page of `path` as `place` (a one-segment path is always a group).
pub fn members(instance: &Instance, path: &str, place: Place) -> String {
    match place {
        Place::Project if Place::can_be_project(path) => project_members(instance, path),
        _ => group_members(instance, path),
    }
}

/// A group's or project's access tokens page (Settings > Access tokens): where a group or
/// project access token is replaced by hand (doc/user/group/settings/group_access_tokens.md,
/// doc/user/project/settings/project_access_tokens.md).
pub fn access_tokens(instance: &Instance, path: &str, place: Place) -> String {
    match place {
        Place::Group => instance.url(&format!("/groups/{}/-/settings/access_tokens", clean(path))),
        Place::Project => instance.url(&format!("/{}/-/settings/access_tokens", clean(path))),
    }
}

/// A project's service accounts page (Settings > Service accounts, 18.11;
/// doc/user/profile/service_accounts.md).
pub fn project_service_accounts(instance: &Instance, project_path: &str) -> String {
    instance.url(&format!(
        "/{}/-/settings/service_accounts",
        clean(project_path)
    ))
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

    fn form(version: Option<Version>) -> TokenForm {
        let i = Instance::parse("https://example.com/gitlab").unwrap();
        personal_token_form(
            &i,
            version,
            "ci scanner",
            "made by gitlab-token",
            &["read_api".into(), "read_repository".into()],
        )
    }

    #[test]
    fn prefilled_token_page_by_version() {
        let query =
            "?name=ci+scanner&description=made+by+gitlab-token&scopes=read_api,read_repository";
        let old =
            format!("https://example.com/gitlab/-/user_settings/personal_access_tokens{query}");
        let legacy = format!(
            "https://example.com/gitlab/-/user_settings/personal_access_tokens/legacy/new{query}"
        );
        assert_eq!(form(Some((17, 11))), TokenForm::One(old.clone()));
        assert_eq!(form(Some((18, 8))), TokenForm::One(old.clone()));
        assert_eq!(form(Some((18, 9))), TokenForm::One(legacy.clone()));
        assert_eq!(form(Some((19, 2))), TokenForm::One(legacy.clone()));
        let either = form(None);
        assert_eq!(either.primary(), legacy);
        assert_eq!(either.before_18_9(), Some(old.as_str()));
        assert_eq!(form(Some((18, 8))).before_18_9(), None);
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
        assert_eq!(
            members(&sm, "acme/platform/app", Place::Project),
            "https://gitlab.example.com/acme/platform/app/-/project_members"
        );
        assert_eq!(
            members(&sm, "acme", Place::Project),
            "https://gitlab.example.com/groups/acme/-/group_members",
            "one segment is a group"
        );
    }
}
