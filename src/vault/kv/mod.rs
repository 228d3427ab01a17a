//! The team store: HashiCorp Vault or OpenBao (same HTTP API), stock KV v2 only, no plugin.
//! `config` reads the standard environment, `client` logs in and keeps the Vault token in memory
//! (renewed or re-obtained when it runs out), `store` reads, lists and check-and-set writes KV v2
//! secrets, `lease` is the cross-machine rotation lock with its journal. Typed errors only; the
//! top layer says them (`strings::vault_kv`).

pub mod client;
pub mod config;
pub mod error;
pub mod lease;
pub mod store;

pub use client::Kv;
pub use config::{AuthMethod, Config, ConfigError, FileSettings};
pub use error::KvError;
pub use lease::{Lease, LeaseRecord};
pub use store::Versioned;
