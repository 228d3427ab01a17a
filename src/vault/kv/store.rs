//! KV v2 on the configured mount: check the mount is KV v2, read a secret with its version,
//! write with check-and-set, list a folder, delete a secret with all its versions. Paths are
//! relative to the mount (`gitlab-token/HOST/NAME`); every answer is checked for its shape.

use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use zeroize::Zeroizing;

use super::client::{Kv, errors_of};
use super::error::{Capability, KvError};

/// A secret's data as of one version (check-and-set writes name that version).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub version: u64,
    pub data: T,
}

#[derive(serde::Serialize)]
struct WriteBody<'a, T> {
    options: CasOption,
    data: &'a T,
}

#[derive(serde::Serialize)]
struct CasOption {
    cas: u64,
}

#[derive(Deserialize)]
struct MountAnswer {
    data: MountData,
}

#[derive(Deserialize)]
struct MountData {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    options: Option<MountOptions>,
}

#[derive(Deserialize)]
struct MountOptions {
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct ReadAnswer<T> {
    data: ReadData<T>,
}

#[derive(Deserialize)]
struct ReadData<T> {
    data: Option<T>,
    metadata: ReadMetadata,
}

#[derive(Deserialize)]
struct ReadMetadata {
    version: u64,
}

#[derive(Deserialize)]
struct WriteAnswer {
    data: ReadMetadata,
}

#[derive(Deserialize)]
struct ListAnswer {
    data: ListData,
}

#[derive(Deserialize)]
struct ListData {
    keys: Vec<String>,
}

impl Kv {
    /// Confirms the configured mount is KV version 2 (`sys/internal/ui/mounts/MOUNT`, which any
    /// token with a capability under the mount may read). A missing mount and a mount this token
    /// may not see both answer 403 there; the data route tells them apart ("no handler").
    pub async fn check_mount(&self) -> Result<(), KvError> {
        let mount = self.config().mount.clone();
        let path = format!("sys/internal/ui/mounts/{mount}");
        match self.call(Method::GET, &path, None, Capability::Read).await {
            Ok(answer) if answer.status == 200 => {
                let m: MountAnswer = serde_json::from_slice(&answer.body)
                    .map_err(|e| self.bad(&path, e.to_string()))?;
                let version = m.data.options.and_then(|o| o.version);
                match (m.data.kind.as_str(), version.as_deref()) {
                    ("kv", Some("2")) => Ok(()),
                    ("kv", _) => Err(KvError::KvV1 { mount }),
                    (other, _) => Err(KvError::NotKv {
                        mount,
                        kind: other.to_owned(),
                    }),
                }
            }
            Ok(_) => Err(KvError::MissingMount { mount }),
            Err(KvError::PermissionDenied { .. }) => self.missing_or_denied(&mount).await,
            Err(e) => Err(e),
        }
    }

    async fn missing_or_denied(&self, mount: &str) -> Result<(), KvError> {
        let probe = format!("{mount}/data/{}", self.config().prefix);
        match self.call(Method::GET, &probe, None, Capability::Read).await {
            Ok(a) if a.status == 404 && no_handler(&a.body) => Err(KvError::MissingMount {
                mount: mount.to_owned(),
            }),
            Err(KvError::Status { errors, .. })
                if errors.iter().any(|e| e.contains("no handler for route")) =>
            {
                Err(KvError::MissingMount {
                    mount: mount.to_owned(),
                })
            }
            // The data route answered: the mount exists; its type stays unknown to this token,
            // and the first read or write says what the policy lacks.
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The newest version of `path`, or `None` when there is none (never written, or deleted).
    pub async fn read<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<Versioned<T>>, KvError> {
        let route = self.route("data", path);
        let answer = self
            .call(Method::GET, &route, None, Capability::Read)
            .await?;
        if answer.status == 404 {
            return self.absent(&answer.body).map(|()| None);
        }
        let read: ReadAnswer<T> =
            serde_json::from_slice(&answer.body).map_err(|e| self.bad(&route, e.to_string()))?;
        Ok(read.data.data.map(|data| Versioned {
            version: read.data.metadata.version,
            data,
        }))
    }

    /// Writes `data` as a new version of `path` if its newest version is still `cas` (0: only if
    /// it does not exist yet); the new version's number. A lost race is `CasConflict`.
    pub async fn write<T: serde::Serialize>(
        &self,
        path: &str,
        data: &T,
        cas: u64,
    ) -> Result<u64, KvError> {
        let route = self.route("data", path);
        // Serialized straight into a zeroized buffer: `data` may hold a secret.
        let body = Zeroizing::new(
            serde_json::to_vec(&WriteBody {
                options: CasOption { cas },
                data,
            })
            .map_err(|e| self.bad(&route, e.to_string()))?,
        );
        let capability = if cas == 0 {
            Capability::Create
        } else {
            Capability::Update
        };
        let answer = match self
            .call(Method::POST, &route, Some(&body), capability)
            .await
        {
            Err(KvError::Status {
                status: 400,
                errors,
                ..
            }) if errors.iter().any(|e| e.contains("check-and-set")) => {
                return Err(KvError::CasConflict {
                    path: path.to_owned(),
                });
            }
            other => other?,
        };
        if answer.status == 404 {
            return Err(self.not_found_write(&route, &answer.body));
        }
        let written: WriteAnswer =
            serde_json::from_slice(&answer.body).map_err(|e| self.bad(&route, e.to_string()))?;
        if written.data.version != cas + 1 && cas != 0 {
            // KV v2 gives the next version; anything else is not the write that was asked.
            return Err(self.bad(
                &route,
                format!("version {} after check-and-set {cas}", written.data.version),
            ));
        }
        Ok(written.data.version)
    }

    /// The names in the folder `path` (folders end in `/`); empty when it has none.
    pub async fn list(&self, path: &str) -> Result<Vec<String>, KvError> {
        let route = self.route("metadata", path.trim_end_matches('/'));
        let list = Method::from_bytes(b"LIST").unwrap_or(Method::GET);
        let answer = self.call(list, &route, None, Capability::List).await?;
        if answer.status == 404 {
            return self.absent(&answer.body).map(|()| Vec::new());
        }
        let listed: ListAnswer =
            serde_json::from_slice(&answer.body).map_err(|e| self.bad(&route, e.to_string()))?;
        Ok(listed.data.keys)
    }

    /// Deletes `path` with every version and its metadata (`DELETE MOUNT/metadata/PATH`).
    pub async fn delete(&self, path: &str) -> Result<(), KvError> {
        let route = self.route("metadata", path);
        let answer = self
            .call(Method::DELETE, &route, None, Capability::Delete)
            .await?;
        if answer.status == 404 {
            return self.absent(&answer.body);
        }
        Ok(())
    }

    /// `MOUNT/data/PREFIX-relative path`, the route of `kind` (`data` or `metadata`).
    fn route(&self, kind: &str, path: &str) -> String {
        format!("{}/{kind}/{}", self.config().mount, path.trim_matches('/'))
    }

    /// A 404 that means "nothing there", or the missing mount it also can mean.
    fn absent(&self, body: &[u8]) -> Result<(), KvError> {
        if no_handler(body) {
            Err(KvError::MissingMount {
                mount: self.config().mount.clone(),
            })
        } else {
            Ok(())
        }
    }

    fn not_found_write(&self, route: &str, body: &[u8]) -> KvError {
        match self.absent(body) {
            Err(e) => e,
            Ok(()) => self.bad(route, "404 for a write".into()),
        }
    }
}

fn no_handler(body: &[u8]) -> bool {
    errors_of(body)
        .iter()
        .any(|e| e.contains("no handler for route"))
}
