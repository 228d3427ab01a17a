//! Finishing or repairing a killed provisioning run, and naming the tokens it left behind.
//!
//! With an authorization (at the start of [`super::execute`] for the same NAME@HOST): the account
//! it made is reused, its memberships kept (the next steps find them), and a token it created but
//! never stored is revoked by id (problem `orphan_token_revoked`). A run killed during the very
//! call that creates the token left no id: its token is found by name and creation time.
//! Without one ([`orphans`]): the journals say which token ids are orphans and where to revoke them.

use std::path::Path;

use super::journal::{self, Journal, ProvisionLock, Step};
use super::{Kind, Note, Orphan};
use crate::gitlab::links;
use crate::gitlab::{ApiError, Client};
use crate::instance::Instance;
use crate::rotation::JournalError;
use crate::token::Token;
use crate::vault::Metadata;

pub(crate) use crate::vault::records::token_home;

/// The page where a person revokes a token of `kind` by hand.
pub(crate) fn revoke_page(instance: &Instance, kind: Kind, lives_in: Option<&str>) -> String {
    let place = lives_in.unwrap_or_default();
    match kind {
        // The group's own Settings > Service accounts, which its Owners open on self-managed
        // too (doc/user/profile/service_accounts.md); the Admin area only for an instance one.
        Kind::GroupServiceAccount if !place.is_empty() => {
            links::group_service_accounts(instance, place)
        }
        Kind::SubgroupServiceAccount if !place.is_empty() => {
            links::subgroup_service_accounts(instance, place)
        }
        Kind::GroupServiceAccount | Kind::SubgroupServiceAccount | Kind::InstanceServiceAccount => {
            links::service_accounts(instance, place)
                .unwrap_or_else(|| instance.url("/admin/application_settings/service_accounts"))
        }
        // A guess: the project's service accounts live beside its access tokens (18.11).
        Kind::ProjectServiceAccount => {
            instance.url(&format!("/{place}/-/settings/service_accounts"))
        }
        Kind::GroupToken => instance.url(&format!("/groups/{place}/-/settings/access_tokens")),
        Kind::ProjectToken => instance.url(&format!("/{place}/-/settings/access_tokens")),
        // Your own tokens: the personal access tokens page (config/routes/user_settings.rb).
        Kind::OwnToken => instance.url("/-/user_settings/personal_access_tokens"),
    }
}

/// How far GitLab's clock may be behind this machine's when a token's creation time is compared
/// with the start of the run that may have made it.
const CLOCK_SLACK: time::Duration = time::Duration::minutes(15);

/// Whether a token created at `created_at` (GitLab's time) may come from a run that started at
/// `started_at` (this machine's time). A time that does not parse never matches: a token is
/// revoked only when it surely is the run's.
fn created_since(created_at: Option<&str>, started_at: &str) -> bool {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    let (Some(created), Ok(started)) = (
        created_at.and_then(|c| OffsetDateTime::parse(c, &Rfc3339).ok()),
        OffsetDateTime::parse(started_at, &Rfc3339),
    ) else {
        return false;
    };
    created >= started - CLOCK_SLACK
}

/// The token id the metadata has stored for `account`, if any.
fn stored_token_id(metadata_path: &Path, account: &str) -> Option<u64> {
    Metadata::load(metadata_path)
        .ok()?
        .find(account)
        .map(|t| t.token_id)
}

/// Repairs the journal `lock` guards (a killed run of the same NAME@HOST), with `owner`'s
/// authorization. Returns the journal (for reusing its account) with the orphan dealt with, or
/// the problem that stops this run (an orphan that could not be revoked).
pub(super) async fn repair(
    metadata_path: &Path,
    client: &Client,
    owner: &Token,
    lock: &ProvisionLock,
    problems: &mut Vec<Note>,
) -> Result<Option<Journal>, Note> {
    let j = match Journal::load(&lock.journal) {
        Ok(Some(j)) => j,
        Ok(None) => return Ok(None),
        // An unreadable journal cannot name an orphan; it is set aside, not trusted.
        Err(_) => {
            let _ = Journal::remove(&lock.journal);
            return Ok(None);
        }
    };
    let stored = {
        let (path, account) = (metadata_path.to_owned(), j.account.clone());
        tokio::task::spawn_blocking(move || stored_token_id(&path, &account))
            .await
            .ok()
            .flatten()
    };
    let instance = Instance::parse(&j.url).ok();
    let page = |id| {
        instance.as_ref().map_or_else(
            || format!("GitLab (token id {id})"),
            |i| revoke_page(i, j.kind, j.lives_in.as_deref()),
        )
    };
    let home = j
        .account_id
        .and_then(|a| token_home(j.kind, j.lives_in_id, a))
        .or_else(|| token_home(j.kind, j.lives_in_id, 0).filter(|h| h.is_access_token()));
    let mut orphans: Vec<u64> = Vec::new();
    match (j.step, j.token_id) {
        (Step::TokenCreated, Some(id)) if stored != Some(id) => orphans.push(id),
        (Step::Token, None) => {
            // Killed inside the create call: the token, if GitLab made it, carries our name and
            // was created after the run started.
            if let (Some(home), Some(name)) = (home, j.token_name.as_deref()) {
                let listed = match client.tokens(owner, home).await {
                    Ok(listed) => listed,
                    // No list before 17.11 (service accounts' tokens): nothing can be found.
                    Err(ApiError::NotFound | ApiError::Http { status: 405, .. }) => Vec::new(),
                    Err(error) => {
                        return Err(Note::OrphanSearchFailed {
                            error,
                            page: page(0),
                        });
                    }
                };
                orphans.extend(
                    listed
                        .iter()
                        .filter(|t| t.active && !t.revoked && t.name == name)
                        .filter(|t| created_since(t.created_at.as_deref(), &j.started_at))
                        .filter(|t| Some(t.id) != stored)
                        .map(|t| t.id),
                );
            }
        }
        _ => {}
    }
    for id in orphans {
        let Some(home) = home else { continue };
        match client.revoke_token(owner, home, id).await {
            Ok(()) | Err(ApiError::NotFound) => problems.push(Note::OrphanRevoked {
                token_id: id,
                account: j.account.clone(),
            }),
            Err(error) => {
                return Err(Note::OrphanNotRevoked {
                    token_id: id,
                    error,
                    page: page(id),
                });
            }
        }
    }
    let _ = Journal::remove(&lock.journal);
    Ok(Some(j))
}

/// The `create` journals beside `metadata_path` that cannot be read: each may point at a token
/// made on GitLab and never stored, so it is reported (by `status` and `create`), never skipped
/// or removed.
pub fn unreadable_journals(metadata_path: &Path) -> Vec<JournalError> {
    journal::all(metadata_path)
        .into_iter()
        .filter_map(|path| Journal::load(&path).err())
        .collect()
}

/// Tokens that killed runs created on GitLab but never stored, read from the journals beside
/// `metadata_path` (no network, no authorization): each with its id and the page to revoke it.
/// Journals of runs still alive are skipped.
pub fn orphans(metadata_path: &Path) -> Vec<Orphan> {
    journal::all(metadata_path)
        .into_iter()
        .filter_map(|path| Journal::load(&path).ok().flatten())
        .filter(|j| !journal::is_live(metadata_path, &j.account))
        .filter_map(|j| {
            // Created and never stored, or asked for (journalled before the request was sent)
            // and never answered.
            let id = match (j.step, j.token_id) {
                (Step::TokenCreated, Some(id)) => Some(id),
                (Step::Token, None) if j.token_name.is_some() => None,
                _ => return None,
            };
            if id.is_some() && stored_token_id(metadata_path, &j.account) == id {
                return None;
            }
            let page = Instance::parse(&j.url)
                .map(|i| revoke_page(&i, j.kind, j.lives_in.as_deref()))
                .unwrap_or_else(|_| j.url.clone());
            Some(Orphan {
                account: j.account.clone(),
                token_id: id,
                token_name: j.token_name.clone().unwrap_or_default(),
                gitlab_account: j.account_username.clone(),
                page,
            })
        })
        .collect()
}

/// The problem `status` and `create` show for an orphan (no authorization to revoke it); `None`
/// for a request stopped in flight (no token id is known).
pub fn orphan_problem(o: &Orphan) -> Option<Note> {
    Some(Note::OrphanLeft {
        token_id: o.token_id?,
        account: o.account.clone(),
        page: o.page.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::MembershipOutcome as Membership;

    #[test]
    fn only_tokens_made_since_the_run_started_are_its_own() {
        let started = "2026-11-27T10:00:00.123456789Z";
        assert!(created_since(Some("2026-11-27T10:00:01.000Z"), started));
        // GitLab's clock a few minutes behind still matches; a token of yesterday does not.
        assert!(created_since(Some("2026-11-27T09:50:00.000Z"), started));
        assert!(!created_since(Some("2026-11-26T10:00:00.000Z"), started));
        assert!(!created_since(None, started));
        assert!(!created_since(Some("yesterday"), started));
    }

    #[test]
    fn orphans_are_named_from_dead_runs_only() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("tokens.toml");
        let account = "repo-scanner@gitlab.example.com";
        let j = Journal {
            account: account.into(),
            url: "https://gitlab.example.com".into(),
            kind: Kind::GroupToken,
            step: Step::TokenCreated,
            started_at: "2026-11-27T10:00:00Z".into(),
            targets: vec!["acme".into()],
            lives_in: Some("acme".into()),
            lives_in_id: Some(3),
            account_id: None,
            account_username: None,
            account_created: false,
            memberships: vec![Membership {
                target: "acme".into(),
                access_level: 20,
                created: true,
                pending_approval: false,
            }],
            token_name: Some("repo-scanner (gitlab-token)".into()),
            token_id: Some(77),
        };
        j.save(&journal::path_for(&meta, account)).unwrap();
        let live = ProvisionLock::try_acquire(&meta, account).unwrap();
        assert!(
            orphans(&meta).is_empty(),
            "a live run's journal is not an orphan"
        );
        drop(live);
        let found = orphans(&meta);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].token_id, Some(77));
        assert_eq!(
            found[0].page,
            "https://gitlab.example.com/groups/acme/-/settings/access_tokens"
        );
        assert_eq!(
            orphan_problem(&found[0]).map(|n| n.kind()),
            Some(crate::problem::ProblemKind::OrphanTokenLeft)
        );
        // Stopped while the request was in flight: named, with no id (GitLab may have made it).
        let mut asked = j.clone();
        asked.step = Step::Token;
        asked.token_id = None;
        asked.save(&journal::path_for(&meta, account)).unwrap();
        let found = orphans(&meta);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].token_id, None);
        assert_eq!(found[0].token_name, "repo-scanner (gitlab-token)");
        // Before the token was asked for there is nothing to name.
        let mut before = j.clone();
        before.step = Step::Memberships;
        before.token_id = None;
        before.token_name = None;
        before.save(&journal::path_for(&meta, account)).unwrap();
        assert!(orphans(&meta).is_empty());
    }
}
