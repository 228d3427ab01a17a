//! A fine-grained token's permissions and boundary: read from GitLab (its scopes, the target's
//! ids) and judged against what the integration and the tool need (`gitlab::granular`).

use crate::gitlab::granular::{self, Access, Need, Place, Scope, Verdict};
use crate::gitlab::types::TokenInfo;
use crate::gitlab::{ApiError, Client};
use crate::token::Token;

use super::Requirements;

/// What GitLab showed of a fine-grained token beyond `/self`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Its scopes: from `/self` where shown there, else from `GET /personal_access_tokens/:id`.
    pub scopes: Result<Vec<Scope>, Unread>,
    /// The target's ids, learnt only when a scope names selected memberships or personal
    /// projects (all memberships need no ids).
    pub place: Option<Place>,
}

/// Why a fine-grained token's permissions are not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// The call failed.
    Api(ApiError),
    /// GitLab answered without them (before 19.2 no endpoint shows them).
    NotShown,
}

/// How deep a group chain is followed up to its top-level group (GitLab allows 20 levels).
const MAX_DEPTH: usize = 20;

/// Reads what judging `info` needs; `None` for a legacy token.
pub async fn read(
    client: &Client,
    token: &Token,
    info: &TokenInfo,
    needs: &Requirements,
) -> Option<Facts> {
    if !info.granular {
        return None;
    }
    // The permissions and the target's ids are independent: asked for at once (the ids are
    // kept only where a scope names selected memberships or personal projects).
    let scopes = async {
        match &info.granular_scopes {
            Some(s) => Ok(s.clone()),
            None => match client.token_permissions(token, info.id).await {
                Ok(Some(s)) => Ok(s),
                Ok(None) => Err(Unread::NotShown),
                Err(e) => Err(Unread::Api(e)),
            },
        }
    };
    let ids = async {
        match &needs.target {
            Some(target) if !needs.permissions.is_empty() => {
                Some(place(client, token, target).await)
            }
            _ => None,
        }
    };
    let (scopes, place) = tokio::join!(scopes, ids);
    let wants_ids = scopes.as_ref().is_ok_and(|s| {
        s.iter().any(|s| {
            matches!(
                s.access,
                Access::SelectedMemberships | Access::PersonalProjects
            )
        })
    });
    let place = place.filter(|_| wants_ids);
    Some(Facts { scopes, place })
}

/// The target's ids: it as a project and as a group at once (one of them answers 404), then the
/// groups above it one by one. What the token may not read leaves the place incomplete.
async fn place(client: &Client, token: &Token, target: &str) -> Place {
    let (project, group) = tokio::join!(client.project(token, target), client.group(token, target));
    let mut place = Place::default();
    let mut parent = match (project, group) {
        (Ok(p), _) => {
            place.project = Some(p.id);
            place.personal = p.namespace.kind == "user";
            if place.personal {
                place.complete = true;
                return place;
            }
            place.groups.push(p.namespace.id);
            p.namespace.parent_id
        }
        (_, Ok(g)) => {
            place.groups.push(g.id);
            g.parent_id
        }
        (Err(ApiError::MissingPermission(_)), _) => {
            place.refused = Some("read_project".into());
            return place;
        }
        (_, Err(ApiError::MissingPermission(_))) => match client.find_group(token, target).await {
            Ok(Some(g)) => {
                place.groups.push(g.id);
                g.parent_id
            }
            _ => {
                place.refused = Some("read_group".into());
                return place;
            }
        },
        _ => return place,
    };
    for _ in 0..MAX_DEPTH {
        let Some(id) = parent else {
            place.complete = true;
            break;
        };
        if place.groups.contains(&id) {
            break;
        }
        match client.group(token, &id.to_string()).await {
            Ok(g) if g.id == id => {
                place.groups.push(g.id);
                parent = g.parent_id;
            }
            _ => break,
        }
    }
    place
}

/// The needs of `needs` judged against `facts`' scopes (`Err`: GitLab did not show them).
pub fn verdicts(needs: &Requirements, facts: &Facts) -> Result<Vec<Verdict>, Unread> {
    let scopes = facts.scopes.clone()?;
    Ok(granular::judge(
        &needs.permissions,
        &scopes,
        facts.place.as_ref(),
    ))
}

/// The needs that are not covered (missing, or held outside the target), optional ones aside.
pub fn uncovered(verdicts: &[Verdict]) -> Vec<Need> {
    verdicts
        .iter()
        .filter(|v| !v.need().optional)
        .filter(|v| matches!(v, Verdict::Missing { .. } | Verdict::Outside { .. }))
        .map(|v| v.need().clone())
        .collect()
}
