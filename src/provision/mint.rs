//! The token's steps of a run: minted (from here it exists on GitLab), checked live, stored
//! and read back. A token that fails its checks or cannot be stored is revoked.

use super::finish::{check, token_outcome};
use super::journal::Step;
use super::recover::token_home;
use super::run::Run;
use super::steps;
use super::trust;
use super::{
    AccountOutcome, Check, Discovery, Failure, Kind, MembershipOutcome, Note, Outcome, Provisioned,
    Refusal, Request, Stage, Unasked,
};
use crate::gitlab::ApiError;
use crate::gitlab::accounts::{NewToken, TokenHome};
use crate::gitlab::types::{Rotated, TokenInfo, User};
use crate::rotation::{abort_point, now_rfc3339};
use crate::vault::{self, StoredToken};

/// `self_rotate` exists from GitLab 17.9.
const SELF_ROTATE: (u32, u32) = (17, 9);

/// Whether the instance has the `self_rotate` scope (17.9+).
pub(super) fn self_rotate_exists(d: &Discovery) -> bool {
    d.version.is_some_and(|v| v >= SELF_ROTATE)
}

/// The scopes the token is made with: the profile's, and `self_rotate` where GitLab has it.
pub(super) fn scopes_for(request: &Request, d: &Discovery) -> Vec<String> {
    let mut scopes = request.profile.scope_names();
    if request.self_rotate && self_rotate_exists(d) && !scopes.iter().any(|s| s == "self_rotate") {
        scopes.push("self_rotate".into());
    }
    scopes
}

impl Run<'_> {
    /// Steps `Token` then `TokenCreated`: the token minted (from here it exists on GitLab).
    pub(super) async fn mint(&mut self) -> Result<(Rotated, TokenHome), Failure> {
        let (request, kind) = (self.request, self.kind);
        (self.progress)(Stage::Token);
        let scopes = scopes_for(request, self.d);
        let profile = &request.profile.id;
        let name = steps::token_name(profile);
        let description = steps::token_description(profile, &request.instance.key());
        let expires_at = crate::rotation::expiry_in(i64::from(request.expires_in_days));
        let account_id = self.acct.as_ref().map_or(0, |a| a.id);
        let Some(home) = token_home(kind, self.j.lives_in_id, account_id) else {
            return Err(self.fail(Note::Refused(Refusal::NothingPossible)));
        };
        self.j.step = Step::Token;
        self.j.token_name = Some(name.clone());
        if let Err(e) = self.j.save(&self.lock.journal) {
            let detail = e.to_string();
            return Err(self.fail(Note::JournalFailed { detail }));
        }
        let granular = super::own::scopes(kind, request, self.d);
        let new = NewToken {
            name: &name,
            description: &description,
            scopes: &scopes,
            expires_at: &expires_at,
            access_level: Some(request.profile.role.access_level()),
            granular: granular.as_deref(),
        };
        abort_point("provision-token-requested");
        let minted = match self.client.create_token(self.owner, home, &new).await {
            Ok(m) => m,
            Err(e) => {
                if definite(&e) {
                    self.j.step = Step::Memberships;
                    self.j.token_name = None;
                    self.save_journal();
                }
                return Err(self.fail(self.not_minted(e, home, expires_at)));
            }
        };
        // Another user's token handed back is not this run's: not journalled, never revoked.
        // The journal stays at `Token`: the next run looks for one of ours by its name.
        let caller = self.d.caller.id;
        if let Some(u) = trust::whose(minted.info.user_id, self.expected_user(), caller) {
            return Err(self.not_ours(Check::Unasked(u)));
        }
        self.j.step = Step::TokenCreated;
        self.j.token_id = Some(minted.info.id);
        self.save_journal();
        abort_point("provision-token-created");
        self.done.token = Some(token_outcome(&minted.info, true));
        if kind == Kind::OwnToken {
            self.done.memberships = super::own::memberships(request, self.d);
        } else if !kind.is_service_account() {
            self.done.memberships = vec![MembershipOutcome {
                target: self.first.path.clone(),
                access_level: request.profile.role.access_level(),
                created: true,
                pending_approval: false,
            }];
        }
        Ok((minted, home))
    }

    /// The user the new token must belong to: the service account, you (your own token), or
    /// `None` (an access token's new bot: anyone but you).
    fn expected_user(&self) -> Option<u64> {
        match self.kind {
            Kind::OwnToken => Some(self.d.caller.id),
            k if k.is_service_account() => self.acct.as_ref().map(|a| a.id),
            _ => None,
        }
    }

    /// A token answer naming another user: refused, nothing stored, the token left alone; the
    /// journal back at `Token`, so the next run looks for a token of ours by name.
    fn not_ours(&mut self, why: Check) -> Failure {
        self.j.step = Step::Token;
        self.j.token_id = None;
        self.save_journal();
        let lives_in = self.j.lives_in.as_deref();
        let page = super::recover::revoke_page(&self.request.instance, self.kind, lives_in);
        self.done.token = None;
        self.fail(Note::TokenNotOurs { why, page })
    }

    /// Why GitLab made no token.
    fn not_minted(&self, e: ApiError, home: TokenHome, expires_at: String) -> Note {
        // An access-token route answers 401 (list, rotate) or 400 "does not have permission
        // to create" (create) to a caller who may not manage its tokens; discovery has just
        // checked the caller's own token, so it is the role, not the token.
        let refused = match &e {
            ApiError::InvalidToken(_) => true,
            ApiError::BadRequest(m) => m.contains("does not have permission to create"),
            _ => false,
        };
        if refused && home.is_access_token() {
            let group = matches!(home, TokenHome::GroupToken { .. });
            let place = self.first.path.clone();
            return Note::MayNotManageTokens { group, place };
        }
        if let Some(m) = expiry_refused(&e) {
            return Note::ExpiryRefused {
                date: expires_at,
                gitlab: m.to_owned(),
                max_days: crate::rotation::automatic::max_days(m),
            };
        }
        Note::TokenFailed(e)
    }

    /// The live checks on the new token (and your own token's permissions); a token that fails
    /// them is revoked.
    pub(super) async fn check(
        &mut self,
        minted: &Rotated,
        home: TokenHome,
    ) -> Result<(TokenInfo, User), Failure> {
        let (client, request, d, kind) = (self.client, self.request, self.d, self.kind);
        (self.progress)(Stage::Checking);
        let (token, made) = (&minted.token, &minted.info);
        let checked = check(client, token, request, d, &self.done, kind, made).await;
        let granular = super::own::scopes(kind, request, d);
        let checked = match (checked, &granular) {
            (Ok((mut info, user)), Some(asked)) => {
                match super::own::confirm(client, token, made, asked, d.caller.id).await {
                    Ok(got) => {
                        info.granular_scopes = Some(got);
                        Ok((info, user))
                    }
                    Err(p) => Err(p),
                }
            }
            (other, _) => other,
        };
        let asked = scopes_for(request, d);
        let (expected, caller) = (self.expected_user(), d.caller.id);
        let unasked = match &checked {
            Ok((info, user)) => {
                trust::token_answer(kind, made, info, user, expected, caller, &asked)
            }
            Err(_) => None,
        };
        let checked = match unasked {
            Some(u) => Err(Check::Unasked(u)),
            None => checked,
        };
        if let Err(why @ Check::Unasked(Unasked::OtherUser { .. })) = checked {
            return Err(self.not_ours(why));
        }
        let (info, user) = match checked {
            Ok(found) => found,
            Err(why) => {
                let revoked = client.revoke_token(self.owner, home, made.id).await;
                if revoked.is_ok() {
                    self.drop_journal();
                }
                return Err(self.fail(Note::ChecksFailed(why)));
            }
        };
        self.done.account = Some(self.account_outcome(&user));
        Ok((info, user))
    }

    fn account_outcome(&self, user: &User) -> AccountOutcome {
        AccountOutcome {
            id: user.id,
            username: user.username.clone(),
            kind: self.kind,
            created: self.acct.as_ref().is_none_or(|a| a.created),
        }
    }

    /// Step `Stored`: saved and read back, under the writer lock; a token that cannot be
    /// saved is revoked.
    pub(super) async fn store(
        &mut self,
        minted: &Rotated,
        home: TokenHome,
        info: &TokenInfo,
        user: &User,
        writer: std::fs::File,
    ) -> Result<(), Failure> {
        let (request, kind) = (self.request, self.kind);
        (self.progress)(Stage::Storing);
        let mut entry = StoredToken::new(
            &request.instance,
            &request.name,
            &request.profile.id,
            info,
            user,
            &now_rfc3339(),
            request.ca_file.clone(),
            Some(self.first.path.clone()),
        );
        entry.gitlab_version = self.d.version.map(crate::gitlab::version::display);
        entry.provisioned = Some(Provisioned {
            kind,
            account_id: user.id,
            account_username: user.username.clone(),
            lives_in: self.j.lives_in.clone(),
            lives_in_id: self.j.lives_in_id,
            token_id: info.id,
            targets: request.targets.clone(),
            created_at: now_rfc3339(),
        });
        let ctx = self.ctx;
        let saved = vault::save_under_lock(
            request.store,
            ctx.keychain_timeout,
            &ctx.metadata_path,
            &minted.token,
            entry,
            &writer,
        )
        .await;
        drop(writer);
        if let Err(why) = saved {
            let token_id = info.id;
            let revoked = self.client.revoke_token(self.owner, home, minted.info.id);
            let note = match revoked.await {
                Ok(()) => {
                    self.drop_journal();
                    Note::StoreFailed { why, token_id }
                }
                Err(_) => {
                    let lives_in = self.j.lives_in.as_deref();
                    let page = super::recover::revoke_page(&request.instance, kind, lives_in);
                    Note::StoreFailedNotRevoked {
                        why,
                        token_id,
                        page,
                    }
                }
            };
            return Err(self.fail(note));
        }
        abort_point("provision-stored");
        self.j.step = Step::Stored;
        self.save_journal();
        self.drop_journal();
        Ok(())
    }

    /// What was done, once stored.
    pub(super) fn outcome(self, info: &TokenInfo, user: &User) -> Outcome {
        Outcome {
            account: self.account_outcome(user),
            memberships: self.done.memberships,
            token: token_outcome(info, true),
            stored_as: self.j.account,
            problems: self.problems,
        }
    }
}

/// A refusal GitLab answered: no token was made.
fn definite(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::BadRequest(_)
            | ApiError::Forbidden(_)
            | ApiError::InsufficientScope(_)
            | ApiError::NotFound
            | ApiError::InvalidToken(_)
            | ApiError::TokenExpired
            | ApiError::TokenRevoked
            | ApiError::MalformedToken(_)
            | ApiError::Setup(_)
            | ApiError::Http { .. }
    )
}

/// GitLab's refusal of the expiry date (422 on user and service-account tokens, 400 on access
/// tokens): "Expiration date must be before YYYY-MM-DD".
fn expiry_refused(e: &ApiError) -> Option<&str> {
    let m = match e {
        ApiError::BadRequest(m) | ApiError::Http { message: m, .. } => m.as_str(),
        _ => return None,
    };
    m.contains("Expiration date must be before").then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::{Caller, Edition, Tier};

    fn request(self_rotate: bool) -> Request {
        Request {
            instance: crate::instance::Instance::parse("https://gitlab.example.com").unwrap(),
            ca_file: None,
            profile: crate::profile::Profile::by_id("repo-scanner").unwrap(),
            targets: vec!["acme".into()],
            kind: None,
            service_account: None,
            expires_in_days: 90,
            self_rotate,
            raise_role: false,
            name: "repo-scanner".into(),
            store: vault::StoreKind::platform_default(),
            replace_existing: false,
        }
    }

    fn discovery(version: Option<(u32, u32)>) -> Discovery {
        Discovery {
            caller: Caller {
                id: 1,
                username: "alice".into(),
                is_admin: false,
                admin_access: crate::provision::AdminAccess::None,
            },
            gitlab_com: false,
            version,
            edition: Edition::Ee,
            tier: Tier::Premium,
            trial: false,
            targets: Vec::new(),
        }
    }

    #[test]
    fn self_rotate_is_added_from_17_9_unless_left_out() {
        let with = |self_rotate, version| scopes_for(&request(self_rotate), &discovery(version));
        assert_eq!(
            with(true, Some((17, 9))),
            ["read_api", "read_repository", "self_rotate"]
        );
        assert_eq!(with(true, Some((17, 8))), ["read_api", "read_repository"]);
        assert_eq!(with(true, None), ["read_api", "read_repository"]);
        assert_eq!(with(false, Some((18, 6))), ["read_api", "read_repository"]);
    }
}
