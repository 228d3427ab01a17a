//! GitLab's rotation answer checked against the token that asked for it, before it is stored:
//! the same account, the same scopes, the same kind, and active. `self/rotate` presents the new
//! token with `Entities::PersonalAccessTokenWithToken` (lib/api/personal_access_tokens/
//! self_rotation.rb), which exposes `id, name, revoked, created_at, scopes, user_id, active,
//! expires_at` (lib/api/entities/personal_access_token.rb) plus `token`.

use crate::gitlab::types::TokenInfo;
use crate::rotation::trouble::Unasked;

/// How `got` (the rotation's answer) differs from `asked` (the old token's record), if it does.
pub(super) fn unasked(asked: &TokenInfo, got: &TokenInfo) -> Option<Unasked> {
    if got.user_id != asked.user_id {
        return Some(Unasked::User {
            asked: asked.user_id,
            got: got.user_id,
        });
    }
    if !got.active || got.revoked {
        return Some(Unasked::Inactive);
    }
    let sorted = |s: &[String]| {
        let mut v = s.to_vec();
        v.sort();
        v.dedup();
        v
    };
    if sorted(&got.scopes) != sorted(&asked.scopes) {
        return Some(Unasked::Scopes {
            asked: asked.scopes.clone(),
            got: got.scopes.clone(),
        });
    }
    if got.granular != asked.granular {
        return Some(Unasked::Kind {
            fine_grained: got.granular,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(user_id: u64, scopes: &[&str]) -> TokenInfo {
        serde_json::from_value(serde_json::json!({
            "id": 5, "name": "t", "revoked": false, "active": true, "user_id": user_id,
            "scopes": scopes, "expires_at": "2030-01-01",
        }))
        .expect("a token record")
    }

    #[test]
    fn the_same_account_scopes_and_kind_pass() {
        let old = info(7, &["api", "read_api"]);
        assert_eq!(unasked(&old, &info(7, &["read_api", "api"])), None);
    }

    #[test]
    fn another_account_other_scopes_another_kind_or_inactive_are_refused() {
        let old = info(7, &["api"]);
        assert_eq!(
            unasked(&old, &info(8, &["api"])),
            Some(Unasked::User { asked: 7, got: 8 })
        );
        assert!(matches!(
            unasked(&old, &info(7, &["api", "sudo"])),
            Some(Unasked::Scopes { .. })
        ));
        let mut fine = info(7, &["api"]);
        fine.granular = true;
        assert_eq!(
            unasked(&old, &fine),
            Some(Unasked::Kind { fine_grained: true })
        );
        let mut revoked = info(7, &["api"]);
        revoked.revoked = true;
        assert_eq!(unasked(&old, &revoked), Some(Unasked::Inactive));
    }
}
