//! One rustls trust setup (system roots plus an optional `--ca-file`) shared by the probe and the API client.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use thiserror::Error;

use crate::problem::ProblemKind;

#[derive(Debug, Error)]
pub enum TlsSetupError {
    #[error("cannot read the CA file {path}: {source}")]
    ReadCaFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the CA file {0} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    EmptyCaFile(PathBuf),
    #[error("the CA file {path} holds a certificate rustls cannot use: {message}")]
    BadCaCert { path: PathBuf, message: String },
    #[error("no trusted root certificates: the system store is empty and no --ca-file was given")]
    NoRoots,
}

/// Which certificates a connection trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    pub ca_file: Option<PathBuf>,
    /// Leave out the system store (tests, and the probe's "trusted only by the CA file?" question).
    pub without_system_roots: bool,
}

impl Trust {
    pub fn with_ca_file(ca_file: Option<PathBuf>) -> Self {
        Trust {
            ca_file,
            without_system_roots: false,
        }
    }

    /// A certificate verifier for this trust (the system-only one is built once per process).
    pub fn verifier(&self) -> Result<Arc<WebPkiServerVerifier>, TlsSetupError> {
        static SYSTEM: OnceLock<Arc<WebPkiServerVerifier>> = OnceLock::new();
        let system_only = self.ca_file.is_none() && !self.without_system_roots;
        if let Some(cached) = SYSTEM.get().filter(|_| system_only) {
            return Ok(cached.clone());
        }
        let verifier = self.build_verifier()?;
        if system_only {
            let _ = SYSTEM.set(verifier.clone());
        }
        Ok(verifier)
    }

    fn build_verifier(&self) -> Result<Arc<WebPkiServerVerifier>, TlsSetupError> {
        let mut roots = RootCertStore::empty();
        if !self.without_system_roots {
            roots.add_parsable_certificates(system_roots().iter().cloned());
        }
        if let Some(path) = &self.ca_file {
            for cert in read_ca_file(path)? {
                roots.add(cert).map_err(|e| TlsSetupError::BadCaCert {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            }
        }
        if roots.is_empty() {
            return Err(TlsSetupError::NoRoots);
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| TlsSetupError::BadCaCert {
                path: self.ca_file.clone().unwrap_or_default(),
                message: e.to_string(),
            })
    }

    /// A client config offering `alpn` (e.g. `[b"http/1.1"]`).
    pub fn client_config(&self, alpn: &[&[u8]]) -> Result<ClientConfig, TlsSetupError> {
        Ok(config_with_verifier(self.verifier()?, alpn))
    }
}

pub fn config_with_verifier(
    verifier: Arc<dyn rustls::client::danger::ServerCertVerifier>,
    alpn: &[&[u8]],
) -> ClientConfig {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

/// The one crypto provider of this program (ring).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    static PROVIDER: OnceLock<Arc<rustls::crypto::CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The system's trusted roots, loaded once per process.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let bytes =
        crate::files::read_regular(path, crate::files::MAX_FILE_BYTES).map_err(|source| {
            TlsSetupError::ReadCaFile {
                path: path.to_owned(),
                source,
            }
        })?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsSetupError::EmptyCaFile(path.to_owned()));
    }
    Ok(certs)
}

/// The rustls error behind an I/O or HTTP client error, if any (walks `source()` and `io::Error::get_ref`).
pub fn find_rustls_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(tls) = find_rustls_error(inner)
        {
            return Some(tls);
        }
        current = e.source();
    }
    None
}

/// The problem kind a handshake error stands for.
pub fn classify(err: &rustls::Error) -> ProblemKind {
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => ProblemKind::TlsUnknownIssuer,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ProblemKind::TlsExpired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                ProblemKind::TlsNotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                ProblemKind::TlsHostnameMismatch
            }
            _ => ProblemKind::TlsHandshakeFailed,
        },
        _ => ProblemKind::TlsHandshakeFailed,
    }
}
