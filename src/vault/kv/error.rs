//! What can go wrong talking to Vault or OpenBao, each with the data a fix needs (the path, the
//! capability, the mount). `strings::vault_kv` says the cause and the fix.

/// A capability a Vault policy grants on a path (`path "..." { capabilities = [...] }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    Read,
    Create,
    Update,
    List,
    Delete,
}

impl Capability {
    /// The word a policy uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::Create => "create",
            Capability::Update => "update",
            Capability::List => "list",
            Capability::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KvError {
    /// No answer: DNS, connection refused, TLS, or the timeout.
    #[error("Vault at {addr} is unreachable: {detail}")]
    Unreachable { addr: String, detail: String },
    #[error("Vault at {addr} did not answer within {seconds} s")]
    Timeout { addr: String, seconds: u64 },
    #[error("Vault at {addr} is sealed")]
    Sealed { addr: String },
    /// A 403 on a path this process needed (the Vault token is valid: the policy lacks it).
    #[error("permission denied: {capability:?} on {path}")]
    PermissionDenied {
        path: String,
        capability: Capability,
    },
    /// The Vault token is expired, revoked or wrong, and no new one can be obtained unattended.
    #[error("the Vault token ({method}) is no longer valid")]
    TokenInvalid { method: &'static str },
    /// The login itself was refused (`auth/PATH/login`).
    #[error("Vault login by {method} at auth/{path} failed ({status}): {detail}")]
    LoginFailed {
        method: &'static str,
        path: String,
        status: u16,
        detail: String,
    },
    #[error("the mount {mount} is KV version 1; gitlab-token needs KV version 2")]
    KvV1 { mount: String },
    #[error("no secrets engine is mounted at {mount}")]
    MissingMount { mount: String },
    #[error("the mount {mount} is a {kind} engine, not KV")]
    NotKv { mount: String, kind: String },
    /// A check-and-set write lost: someone wrote `path` since it was read.
    #[error("{path} changed since it was read")]
    CasConflict { path: String },
    /// The rotation lease is held by another machine until `until` (unix seconds).
    #[error("{path} is leased by {owner} until {until}")]
    LeaseHeld {
        path: String,
        owner: String,
        until: i64,
    },
    /// Vault answered a redirect (a standby node): the address should name the active node or
    /// the load balancer. The token is never sent to the other place.
    #[error("Vault at {addr} redirected to {location}")]
    Redirected { addr: String, location: String },
    /// An answer that is not what Vault's API gives for what was asked.
    #[error("unexpected answer from Vault for {path}: {detail}")]
    BadAnswer { path: String, detail: String },
    /// Any other error status, with Vault's own `errors` list.
    #[error("Vault answered {status} for {path}: {errors:?}")]
    Status {
        path: String,
        status: u16,
        errors: Vec<String>,
    },
    /// The CA file in `VAULT_CACERT` could not be used.
    #[error("VAULT_CACERT: {0}")]
    Tls(String),
}
