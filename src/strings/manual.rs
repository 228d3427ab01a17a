//! The reference text shared by the man pages and the README's tables (tests/ship_docs.rs
//! checks the README against it): what each exit code and each problem kind means.

use crate::exit;
use crate::problem::ProblemKind;

/// Every exit code any command uses, with what it means across commands.
pub const EXIT_STATUS: &[(u8, &str)] = &[
    (
        exit::OK,
        "Success: the token is saved or stored, every check passes, the host is reachable over \
         valid TLS, the tokens are listed, or the command is done.",
    ),
    (
        exit::CHECK_FAILED,
        "A check failed: the token fails a check (nothing is stored), check found problems, \
         a rotation failed or needs the guided path, the wizard was quit before saving, or there \
         is no such stored token.",
    ),
    (
        exit::USAGE,
        "Usage error: a bad flag or --host, empty standard input, no terminal for the wizard or \
         for a question, a bad metadata file, or several stored tokens match (choose with --host \
         and --name).",
    ),
    (
        exit::UNREACHABLE,
        "The host is unreachable, TLS failed, or GitLab is unavailable (429, 5xx): not the \
         token's fault, so a script must not replace it.",
    ),
    (
        exit::KEYCHAIN,
        "The keychain is unavailable (or, for verify, there is no stored token).",
    ),
    (
        exit::SIGNALLED,
        "The wizard ended by SIGTERM, SIGINT or SIGHUP; the terminal was restored.",
    ),
];

/// What a problem kind means, one line (the README's "Problem kinds" table holds the same text).
pub fn kind_meaning(kind: ProblemKind) -> &'static str {
    connection(kind)
        .or_else(|| token(kind))
        .or_else(|| rotation(kind))
        .or_else(|| sign_in(kind))
        .or_else(|| creation(kind))
        .unwrap_or_default()
}

/// Kinds of the address, the network, TLS and the HTTP answer.
fn connection(kind: ProblemKind) -> Option<&'static str> {
    use ProblemKind::*;
    Some(match kind {
        InvalidUrl => "the address cannot be used",
        DnsFailed => "the host name does not resolve",
        ConnectionRefused => "nothing listens on the port",
        ConnectTimeout => "no TCP connection within the timeout",
        Unreachable => "cannot connect for another reason (route, firewall)",
        TlsUnknownIssuer => "the certificate's CA is not trusted (use `--ca-file`)",
        TlsExpired | TlsNotYetValid => "the certificate is outside its validity dates",
        TlsHostnameMismatch => "the certificate does not name this host",
        TlsSelfSigned => "the server presents a self-signed certificate",
        TlsIncompleteChain => "the server does not send its intermediate certificate",
        TlsHandshakeFailed => "the TLS handshake failed otherwise (e.g. plain HTTP on the port)",
        CertExpiresSoon => "warning: the certificate expires within 30 days",
        NotGitlab => "the server does not answer like GitLab's API",
        LoginPage => "an SSO or proxy sign-in page answers instead of the API",
        Redirect => "the API redirects (a token is never sent through a redirect to another host)",
        HttpError => "an unexpected HTTP answer",
        Timeout => "no answer within the timeout",
        _ => return None,
    })
}

/// Kinds of the token itself: GitLab's verdict, its scopes, role and kind, the keychain.
fn token(kind: ProblemKind) -> Option<&'static str> {
    use ProblemKind::*;
    Some(match kind {
        InvalidToken => "GitLab does not know the token (401)",
        TokenExpired | TokenRevoked | TokenInactive => {
            "the token can no longer be used (nor rotated): the fix links a prefilled token page. A \
             token expires at 00:00 UTC on its `expires_at` date"
        }
        TokenExpiresSoon => "warning: the token expires within 14 days",
        InsufficientScope => "a call was refused for the token's scopes (403)",
        Forbidden => "a call was refused for another reason (403, e.g. a blocked account)",
        MissingScopes => "the token lacks scopes the profile needs",
        MissingPermissions => {
            "a fine-grained token lacks permissions the profile needs, or holds them outside `--target`"
        }
        RoleTooLow => "the account's role on `--target` is below the profile's",
        NotFound => "404: not a member of `--target`, or no such endpoint",
        RateLimited => "429 (`Retry-After` is reported)",
        ServerError => "5xx",
        NotPersonalAccessToken => {
            "warning: the prefix says deploy, runner, trigger, feed, OAuth… token"
        }
        KeychainUnavailable => "the keychain could not be used",
        _ => return None,
    })
}

/// Kinds met while rotating or replacing a token (and answers that cannot be read or trusted).
fn rotation(kind: ProblemKind) -> Option<&'static str> {
    use ProblemKind::*;
    Some(match kind {
        NeedsGuidedRotation => {
            "the token may not rotate itself: make the replacement from the prefilled link"
        }
        ExpiryRejected => "the new expiry is beyond the instance's maximum",
        RotationRefused => "GitLab refused to rotate the token",
        NewTokenLost => {
            "GitLab rotated the token but the new value was lost (the old one no longer works)"
        }
        NewTokenNotSaved => "the new token could not be stored",
        RotationOutcomeUnknown => {
            "whether GitLab rotated the token is not known yet (unreachable afterwards)"
        }
        StoredTokenUnusable => "the stored token no longer works",
        ScopesNotCovered => "the replacement lacks scopes the old token had",
        DifferentUser => "the replacement belongs to another user",
        SameToken => "the replacement is the old token",
        RevokeFailed => "revoking the old token on GitLab failed",
        MetadataWriteFailed => "the metadata file could not be written",
        RotationInProgress => "another rotation of this token is under way",
        NewTokenNotVerified => "warning: the new token is stored but not yet verified live",
        ResponseTooLarge => {
            "the answer was larger than the limit (API: 1 MiB; the check: 64 KiB; headers: ~400 \
             KiB), so it was not read"
        }
        IncompleteAnswer => "the server closed the connection in the middle of its answer",
        UnexpectedAnswer => {
            "JSON that is not GitLab's: wrongly typed, cut short, or an `expires_at` that does not \
             parse (nothing is stored)"
        }
        AnswerNotAsked => {
            "GitLab's answer is not what was asked (another user's token, other scopes, a person \
             for the new service account): nothing is stored and no membership given"
        }
        TokenMalformed => {
            "the value has a space, line break, control or non-ASCII character inside; it was not sent"
        }
        RevokeUnconfirmed => {
            "GitLab did not answer 204 to the revocation, or the token still works afterwards; the \
             token is kept"
        }
        NotServiceAccount => {
            "warning: a service account was chosen, but the token belongs to a person"
        }
        SinkFailed => {
            "a sink (CI/CD variable, command) did not receive the new value after a rotation; it \
             stays pending"
        }
        _ => return None,
    })
}

/// Kinds of the browser sign-in (OAuth device flow).
fn sign_in(kind: ProblemKind) -> Option<&'static str> {
    use ProblemKind::*;
    Some(match kind {
        OauthAccessDenied => "the sign-in was denied in the browser",
        OauthCodeExpired => "the sign-in code expired before it was approved",
        OauthUnknownApplication => "GitLab does not know the OAuth application id (register one)",
        OauthSignInAgain => "GitLab rejected the refresh token: run `gitlab-token login` again",
        OauthInvalidScope => "the application does not allow a requested scope",
        OauthNotSupported => {
            "GitLab answered 404 to the device flow (older than 17.2, or switched off): use an \
             access token"
        }
        OauthNoApplication => "no OAuth application id was given or saved for the host",
        _ => return None,
    })
}

/// Kinds of creating an account and its token (`create`, "Create it for me").
fn creation(kind: ProblemKind) -> Option<&'static str> {
    use ProblemKind::*;
    Some(match kind {
        NotOwner => {
            "the caller lacks the Owner (or Maintainer) role that creating this kind of account needs"
        }
        NotAdmin => "only a GitLab administrator may create this kind of account",
        TierUnavailable => {
            "the GitLab tier (Free before 18.11, or Free on GitLab.com) has no service accounts or access tokens of this kind"
        }
        EditionUnavailable => {
            "GitLab Community Edition has no service accounts (Enterprise Edition only)"
        }
        VersionTooOld => "the GitLab version is too old for this kind of account",
        TopLevelGroupRequired => {
            "a group service account joins only its own top-level group's groups and projects: the targets are in several top-level groups or a personal namespace"
        }
        OwnerCreationDisabled => {
            "the administrator has not allowed top-level group Owners to create service accounts"
        }
        MembershipPendingApproval => "GitLab queued the membership for an administrator's approval",
        MembershipLower => {
            "the account is already a member with a lower role; it was left as it is (`--raise-role` raises it)"
        }
        OrphanTokenRevoked => "a token an interrupted run created but never stored was revoked",
        OrphanTokenLeft => {
            "a token an interrupted run created but never stored still exists: revoke it on its page"
        }
        UnreadableFile => {
            "a journal (deliveries.toml, an interrupted create's) cannot be read: it is kept, never dropped; repair it or move it aside"
        }
        ServiceAccountLimit => "the group or instance has reached its limit of service accounts",
        TargetNotFound => "a target group or project does not exist or the caller cannot see it",
        OneTargetOnly => {
            "a group or project access token is bound to its one group or project: name one target"
        }
        NotOnGitlabCom => {
            "instance service accounts exist only on self-managed GitLab and Dedicated"
        }
        ProvisionInProgress => "another gitlab-token process is creating the same token",
        NameTaken => {
            "the keychain name NAME@HOST already holds another token; it was left as it is"
        }
        _ => return None,
    })
}
/// The files the tool keeps (never a token, except the opt-in file store).
pub const FILES: &[(&str, &str)] = &[
    (
        "$XDG_CONFIG_HOME/gitlab-token/tokens.toml",
        "The metadata of each stored token (host, name, profile, user, token id, scopes, expiry, \
         last verified, store); never the token. ~/.config/gitlab-token/ by default.",
    ),
    (
        "$XDG_CONFIG_HOME/gitlab-token/rotation.toml",
        "The journal of a rotation in progress (never a token); removed when it completes.",
    ),
    (
        "$XDG_CONFIG_HOME/gitlab-token/secrets.toml",
        "Tokens stored with --store file only (mode 0600).",
    ),
    (
        "$XDG_CONFIG_HOME/gitlab-token/*.lock",
        "Empty lock files that let two processes write at once without losing anything. On macOS \
         the directory is ~/Library/Application Support/gitlab-token, on Windows \
         %APPDATA%\\gitlab-token.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The groups together say what every kind means, each kind in exactly one of them.
    #[test]
    fn every_kind_has_one_meaning() {
        for kind in ProblemKind::ALL {
            let said = [connection, token, rotation, sign_in, creation]
                .iter()
                .filter_map(|group| group(*kind))
                .count();
            assert_eq!(said, 1, "{kind:?}");
            assert!(!kind_meaning(*kind).is_empty(), "{kind:?}");
        }
    }
}
