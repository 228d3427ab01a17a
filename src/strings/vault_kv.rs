//! What the team store (Vault or OpenBao) says when it fails, and what to do: the policy path
//! and capability it needs, the variable to set, the mount to make.

use crate::problem::{Problem, ProblemKind};
use crate::vault::kv::ConfigError;
use crate::vault::kv::error::KvError;

/// The cause and the fix of a team-store error. Exit codes follow the keychain's
/// (`KeychainUnavailable`): the store could not be used, nothing was lost.
pub fn problem(e: &KvError) -> Problem {
    let (message, fix) = match e {
        KvError::Unreachable { addr, detail } => (
            format!("Vault at {addr} cannot be reached ({detail})."),
            "Check VAULT_ADDR (or VAULT_SERVER_URL), the network, and VAULT_CACERT if the server's certificate is signed by your own CA.".to_owned(),
        ),
        KvError::Timeout { addr, seconds } => (
            format!("Vault at {addr} did not answer within {seconds} s."),
            "Check that the server is up and not overloaded, then retry; nothing was changed.".to_owned(),
        ),
        KvError::Sealed { addr } => (
            format!("Vault at {addr} is sealed."),
            "Ask an operator to unseal it (`bao operator unseal` or `vault operator unseal`), then retry.".to_owned(),
        ),
        KvError::PermissionDenied { path, capability } if lease_glob(path).is_some() => (
            format!(
                "Vault's policy does not allow \"{}\" on {path}, the rotation lease every machine shares.",
                capability.as_str()
            ),
            format!(
                "Give this login's policy the lease path: path \"{}\" {{ capabilities = [\"create\", \"read\", \"update\"] }} (the README's team policy lists all it needs); nothing was rotated.",
                lease_glob(path).unwrap_or_default()
            ),
        ),
        KvError::PermissionDenied { path, capability } => (
            format!("Vault's policy does not allow \"{}\" on {path}.", capability.as_str()),
            format!(
                "Give this login's policy the capability, e.g. path \"{}\" {{ capabilities = [\"{}\"] }} (the README's team policy lists all it needs).",
                policy_glob(path),
                capability.as_str()
            ),
        ),
        KvError::TokenInvalid { method } => (
            format!("The Vault token (from {method}) is expired, revoked or wrong."),
            "Log in again (`bao login` / `vault login`, or set VAULT_TOKEN), or use a login the tool can renew: JWT (VAULT_AUTH_ROLE) or AppRole (VAULT_ROLE_ID, VAULT_SECRET_ID).".to_owned(),
        ),
        KvError::LoginFailed { method, path, status, detail } => (
            format!("Vault refused the {method} login at auth/{path} ({status}: {detail})."),
            match *method {
                "jwt" => "Check VAULT_AUTH_ROLE, VAULT_AUTH_PATH and that the role's bound_audiences and bound_claims match this job's id token (id_tokens: aud in .gitlab-ci.yml).".to_owned(),
                _ => "Check VAULT_ROLE_ID and VAULT_SECRET_ID (a secret id may be used up or expired) and VAULT_APPROLE_PATH.".to_owned(),
            },
        ),
        KvError::KvV1 { mount } => (
            format!("The mount {mount} is KV version 1; gitlab-token needs version 2 (versions make check-and-set possible)."),
            format!("Upgrade it (`bao kv enable-versioning {mount}`) or use another mount: GITLAB_TOKEN_VAULT_MOUNT."),
        ),
        KvError::MissingMount { mount } => (
            format!("No secrets engine is mounted at {mount}."),
            format!("Enable KV v2 there (`bao secrets enable -path={mount} kv-v2`) or set GITLAB_TOKEN_VAULT_MOUNT to the team's KV v2 mount."),
        ),
        KvError::NotKv { mount, kind } => (
            format!("The mount {mount} is a {kind} engine, not KV."),
            "Set GITLAB_TOKEN_VAULT_MOUNT to a KV version 2 mount.".to_owned(),
        ),
        KvError::CasConflict { path } => (
            format!("{path} changed in Vault while this run was writing it."),
            "Another machine wrote it first; run the command again to work from the new version.".to_owned(),
        ),
        KvError::LeaseHeld { path, owner, until } => (
            format!("{path} is being rotated by {owner} (lease until {}).", when(*until)),
            "Wait for it to finish; its new value is then read from Vault. A crashed holder's lease runs out by itself.".to_owned(),
        ),
        KvError::Redirected { addr, location } => (
            format!("Vault at {addr} redirected to {location} (a standby node)."),
            "Point VAULT_ADDR at the active node or the load balancer; the token is never sent to a redirect.".to_owned(),
        ),
        KvError::BadAnswer { path, detail } => (
            format!("Vault's answer for {path} was not what its API gives ({detail})."),
            "Check that VAULT_ADDR names a Vault or OpenBao server, not a proxy page.".to_owned(),
        ),
        KvError::Status { path, status, errors } => (
            format!("Vault answered {status} for {path}: {}.", errors.join("; ")),
            "See Vault's message above; nothing was changed.".to_owned(),
        ),
        KvError::Tls(detail) => (
            format!("VAULT_CACERT cannot be used ({detail})."),
            "Point VAULT_CACERT at a PEM file with the CA certificate that signed the server's.".to_owned(),
        ),
    };
    Problem {
        kind: ProblemKind::KeychainUnavailable,
        message,
        fix,
    }
}

/// The cause and the fix of a team store that is configured but cannot be used.
pub fn team_problem(e: &crate::vault::team::TeamError) -> Problem {
    use crate::vault::team::TeamError;
    match e {
        TeamError::Kv(k) => problem(k),
        TeamError::Config(c) => Problem {
            kind: ProblemKind::KeychainUnavailable,
            message: config_message(c),
            fix: config_fix(c),
        },
    }
}

fn config_message(e: &ConfigError) -> String {
    match e {
        ConfigError::NoAddress => "No team Vault is configured.".to_owned(),
        ConfigError::BadAddress(a) => format!("The Vault address {a:?} is not a URL."),
        ConfigError::PlainHttp(a) => {
            format!(
                "The Vault address {a} is plain http to another machine: the Vault token would travel in clear."
            )
        }
        ConfigError::NoLogin => "There is no way to log in to Vault.".to_owned(),
        ConfigError::NoIdToken(var) => {
            format!("VAULT_AUTH_ROLE is set but the id token variable {var} is empty or unset.")
        }
        ConfigError::NoSecretId => "VAULT_ROLE_ID is set but VAULT_SECRET_ID is not.".to_owned(),
        ConfigError::BadPath(p) => format!("The Vault mount or prefix {p:?} is not a plain path."),
        ConfigError::BadFile { path, detail } => {
            format!(
                "The [vault] table of {} cannot be used ({detail}).",
                path.display()
            )
        }
    }
}

fn config_fix(e: &ConfigError) -> String {
    match e {
        ConfigError::NoAddress => "Set VAULT_ADDR, or addr in the [vault] table of ~/.config/gitlab-token/config.toml.".to_owned(),
        ConfigError::BadAddress(_) | ConfigError::PlainHttp(_) => "Set VAULT_ADDR (or [vault] addr) to the server's https:// address.".to_owned(),
        ConfigError::NoLogin => "Set VAULT_TOKEN, log in with `bao login` / `vault login` (~/.vault-token), or set VAULT_AUTH_ROLE with an id token, or VAULT_ROLE_ID and VAULT_SECRET_ID.".to_owned(),
        ConfigError::NoIdToken(var) => format!("Give the job an id token in {var} (id_tokens: in .gitlab-ci.yml), or name its variable in GITLAB_TOKEN_VAULT_ID_TOKEN_VAR."),
        ConfigError::NoSecretId => "Set VAULT_SECRET_ID to the AppRole's secret id.".to_owned(),
        ConfigError::BadPath(_) => "Use letters, digits, '-', '_' and '.' between slashes in GITLAB_TOKEN_VAULT_MOUNT / GITLAB_TOKEN_VAULT_PREFIX (or [vault] mount / prefix).".to_owned(),
        ConfigError::BadFile { .. } => "Fix the file: its [vault] table takes addr, namespace, ca_cert, mount, prefix, auth_role, auth_path, id_token_var and approle_path (never a token).".to_owned(),
    }
}

/// The line `status` and the other listings print when the team store could not be read.
pub fn unread(p: &Problem) -> String {
    format!(
        "the team Vault could not be read; its tokens are not listed: {}\n  fix: {}",
        p.message, p.fix
    )
}

/// A policy path for `path` (`secret/data/gitlab-token/h/n` → `secret/data/gitlab-token/*`).
fn policy_glob(path: &str) -> String {
    let parts: Vec<&str> = path.splitn(4, '/').collect();
    match parts.as_slice() {
        [mount, kind, prefix, _] => format!("{mount}/{kind}/{prefix}/*"),
        _ => path.to_owned(),
    }
}

/// The policy path of the rotation leases for a lease path
/// (`secret/data/gitlab-token/_lease/h/n` → `secret/data/gitlab-token/_lease/*`).
fn lease_glob(path: &str) -> Option<String> {
    let folder = format!("/{}/", crate::vault::team::LEASE_FOLDER);
    let at = path.find(&folder)?;
    Some(format!("{}*", &path[..at + folder.len()]))
}

/// Unix seconds as an RFC 3339 UTC time.
pub fn when(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::kv::error::Capability;

    #[test]
    fn a_denied_write_names_the_policy_path_and_capability() {
        let p = problem(&KvError::PermissionDenied {
            path: "secret/data/gitlab-token/gitlab.example/deploy".into(),
            capability: Capability::Create,
        });
        assert!(
            p.fix
                .contains(r#"path "secret/data/gitlab-token/*" { capabilities = ["create"] }"#),
            "{}",
            p.fix
        );
    }

    #[test]
    fn a_denied_lease_names_the_lease_path_and_its_three_capabilities() {
        let p = problem(&KvError::PermissionDenied {
            path: "secret/data/team/gitlab/_lease/gitlab.example/deploy".into(),
            capability: Capability::Read,
        });
        assert!(
            p.fix.contains(
                r#"path "secret/data/team/gitlab/_lease/*" { capabilities = ["create", "read", "update"] }"#
            ),
            "{}",
            p.fix
        );
        assert!(p.message.contains("rotation lease"), "{}", p.message);
    }

    #[test]
    fn each_error_has_a_cause_and_a_fix() {
        let all = [
            KvError::Sealed { addr: "a".into() },
            KvError::KvV1 { mount: "kv".into() },
            KvError::MissingMount { mount: "kv".into() },
            KvError::LeaseHeld {
                path: "p".into(),
                owner: "ci-runner-7".into(),
                until: 0,
            },
            KvError::TokenInvalid { method: "token" },
        ];
        for e in &all {
            let p = problem(e);
            assert!(!p.message.is_empty() && !p.fix.is_empty(), "{e:?}");
        }
        assert!(
            problem(&all[3])
                .message
                .contains("ci-runner-7 (lease until 1970-01-01T00:00:00Z)")
        );
        assert!(problem(&all[1]).fix.contains("enable-versioning kv"));
    }
}
