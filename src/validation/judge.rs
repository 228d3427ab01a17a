//! The pure half of validation: GitLab's answers judged, step by step (the token's kind, its
//! record, its scopes, its user, the instance version, the role), into lines and findings.

use time::Date;

use crate::gitlab::ApiError;
use crate::gitlab::access::{Coverage, Role, coverage};
use crate::gitlab::types::{Metadata, TokenInfo, User};
use crate::token::{Token, TokenKind};

use super::{Check, EXPIRY_WARNING_DAYS, Finding, Line, Requirements, Status, Validation};

impl Validation {
    /// Adds a line, and its finding unless one of the same kind is already there.
    fn add(&mut self, status: Status, check: Check, finding: Option<Finding>) {
        self.lines.push(Line { status, check });
        if let Some(f) = finding
            && !self.problems.iter().any(|q| q.kind() == f.kind())
        {
            self.problems.push(f);
        }
    }
}

/// The pure half of [`super::validate`]: turns the answers into lines and problems.
pub fn judge(
    token: &Token,
    needs: &Requirements,
    today: Date,
    info: Result<TokenInfo, ApiError>,
    user: Result<User, ApiError>,
    access_level: Option<Result<u32, ApiError>>,
    metadata: Result<Metadata, ApiError>,
) -> Validation {
    let mut v = Validation {
        token: None,
        user: None,
        metadata: None,
        role: None,
        days_left: None,
        missing_scopes: Vec::new(),
        missing_permissions: Vec::new(),
        lines: Vec::new(),
        problems: Vec::new(),
    };
    let kind = token.kind();
    if kind != TokenKind::PersonalAccess {
        v.add(
            Status::Warn,
            Check::Kind(kind),
            Some(Finding::NotPersonalAccess(kind)),
        );
    }
    match info {
        Ok(info) => {
            record(&mut v, &info, today);
            scopes(&mut v, &info, needs);
            v.token = Some(info);
        }
        Err(e) => {
            // A deploy, runner, trigger… token is not an API token: its own fix says what to use.
            // (An unknown prefix may be an old personal token: it keeps the generic fix.)
            let specific = !matches!(kind, TokenKind::PersonalAccess | TokenKind::Unknown);
            let f = if matches!(e, ApiError::InvalidToken(_)) && specific {
                Finding::KindRefused(kind)
            } else {
                Finding::Api(e.clone())
            };
            v.add(Status::Fail, Check::TokenUnread(e), Some(f));
        }
    }
    judge_user(&mut v, user, needs);
    match metadata {
        Ok(m) => {
            v.add(Status::Ok, Check::Version(m.clone()), None);
            v.metadata = Some(m);
        }
        Err(e) => v.add(Status::Unknown, Check::VersionUnread(e), None),
    }
    role(&mut v, needs, access_level);
    v
}

/// The token's own record: revoked, expired, inactive, or active with its days left.
fn record(v: &mut Validation, info: &TokenInfo, today: Date) {
    let days = info.days_left(today);
    v.days_left = days;
    let expires_at = || info.expires_at.clone();
    if info.revoked {
        v.add(
            Status::Fail,
            Check::Revoked,
            Some(Finding::Api(ApiError::TokenRevoked)),
        );
    } else if days.is_some_and(crate::gitlab::types::is_expired) {
        let check = Check::Expired {
            expires_at: expires_at(),
        };
        v.add(
            Status::Fail,
            check,
            Some(Finding::Api(ApiError::TokenExpired)),
        );
    } else if !info.active {
        v.add(Status::Fail, Check::Inactive, Some(Finding::Inactive));
    } else {
        let active = Check::Active {
            name: info.name.clone(),
            id: info.id,
        };
        v.add(Status::Ok, active, None);
        let line = |days| Check::DaysLeft {
            days,
            expires_at: expires_at(),
        };
        match days {
            Some(d) if d <= EXPIRY_WARNING_DAYS => {
                v.add(Status::Warn, line(d), Some(Finding::ExpiresSoon(d)))
            }
            Some(d) => v.add(Status::Ok, line(d), None),
            None => v.add(Status::Warn, Check::NoExpiry, None),
        }
    }
}

/// A legacy token's scopes against the needed ones. A fine-grained token holds permissions, not
/// scopes: `judge_granular` judges them.
fn scopes(v: &mut Validation, info: &TokenInfo, needs: &Requirements) {
    for scope in needs.scopes.iter().filter(|_| !info.granular) {
        if let Some(how) = coverage(scope, &info.scopes) {
            let check = match how {
                Coverage::Present => Check::ScopePresent(scope.clone()),
                Coverage::CoveredBy(wider) => Check::ScopeCovered {
                    scope: scope.clone(),
                    by: wider.to_owned(),
                },
            };
            v.add(Status::Ok, check, None);
        } else {
            v.missing_scopes.push(scope.clone());
            v.add(Status::Fail, Check::ScopeMissing(scope.clone()), None);
        }
    }
    if !v.missing_scopes.is_empty() {
        v.problems.push(Finding::MissingScopes {
            missing: v.missing_scopes.clone(),
            granted: info.scopes.clone(),
        });
    }
}

/// The token's user: a person where a service account was chosen is worth a warning.
fn judge_user(v: &mut Validation, user: Result<User, ApiError>, needs: &Requirements) {
    match user {
        Ok(user) => {
            v.add(Status::Ok, Check::User(user.clone()), None);
            if needs.service_account && !user.bot {
                v.add(
                    Status::Warn,
                    Check::HumanOwner(user.username.clone()),
                    Some(Finding::HumanOwner(user.username.clone())),
                );
            }
            v.user = Some(user);
        }
        Err(ApiError::InsufficientScope(_) | ApiError::MissingPermission(_)) => {
            v.add(Status::Unknown, Check::UserNeedsScope, None)
        }
        Err(e) => v.add(
            Status::Fail,
            Check::UserUnread(e.clone()),
            Some(Finding::Api(e)),
        ),
    }
}

/// The role on the target, or that none was checked.
fn role(v: &mut Validation, needs: &Requirements, access_level: Option<Result<u32, ApiError>>) {
    if needs.target.is_none() && v.token.is_some() {
        v.add(Status::Unknown, Check::RoleNotChecked(needs.role), None);
    }
    let (Some(target), Some(level)) = (&needs.target, access_level) else {
        return;
    };
    let target = target.clone();
    let needed = needs.role;
    match level {
        Ok(level) => {
            let role = Role::from_access_level(level);
            v.role = role;
            let check = Check::Role {
                target: target.clone(),
                role,
                needed,
            };
            if role.is_some_and(|r| r >= needed) {
                v.add(Status::Ok, check, None);
            } else {
                let f = Finding::RoleTooLow {
                    target,
                    role,
                    needed,
                };
                v.add(Status::Fail, check, Some(f));
            }
        }
        Err(ApiError::NotFound) => v.add(
            Status::Fail,
            Check::NotMember(target.clone()),
            Some(Finding::NotMember { target, needed }),
        ),
        Err(error) => v.add(Status::Unknown, Check::RoleUnread { target, error }, None),
    }
}
