//! The certificate chain a server sent, recorded during the handshake, and what it says.

use crate::sanitize::{NAME_MAX, clean};
use std::sync::{Arc, Mutex};

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// Delegates to webpki and keeps the chain as sent, so a failed handshake can still be explained.
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Vec<CertificateDer<'static>>>,
}

impl RecordingVerifier {
    pub fn new(inner: Arc<WebPkiServerVerifier>) -> Self {
        RecordingVerifier {
            inner,
            seen: Mutex::new(Vec::new()),
        }
    }

    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.seen.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect();
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The server's own certificate, as `check --json` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub sans: Vec<String>,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub self_signed: bool,
    pub chain_len: usize,
}

/// The most subject alternative names kept from one certificate.
const SANS_MAX: usize = 32;

/// Reads the leaf of `chain`; `None` when there is none or it does not parse.
pub fn describe(chain: &[CertificateDer<'_>], now: OffsetDateTime) -> Option<CertInfo> {
    let (_, leaf) = X509Certificate::from_der(chain.first()?.as_ref()).ok()?;
    let sans = leaf
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::DNSName(d) => Some(clean(d, NAME_MAX)),
                    GeneralName::IPAddress(ip) => ip_text(ip),
                    _ => None,
                })
                // A certificate may list thousands of names; a screen shows a few.
                .take(SANS_MAX)
                .collect()
        })
        .unwrap_or_default();
    let not_before = leaf.validity().not_before.to_datetime();
    let not_after = leaf.validity().not_after.to_datetime();
    Some(CertInfo {
        // The server chose these names: shown only without control characters and capped.
        subject: clean(&leaf.subject().to_string(), NAME_MAX),
        issuer: clean(&leaf.issuer().to_string(), NAME_MAX),
        sans,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_left: (not_after - now).whole_days(),
        self_signed: leaf.subject() == leaf.issuer(),
        chain_len: chain.len(),
    })
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}

/// What the chain says about a failed verification: whether the leaf's issuer is one of `cas`
/// (the `--ca-file` certificates), and whether the leaf names where its issuer can be fetched
/// (Authority Information Access, caIssuers), as publicly issued certificates do.
pub fn issuer_facts(chain: &[CertificateDer<'_>], cas: &[CertificateDer<'_>]) -> (bool, bool) {
    let Some(Ok((_, leaf))) = chain.first().map(|c| X509Certificate::from_der(c.as_ref())) else {
        return (false, false);
    };
    let issuer_in_cas = cas.iter().any(|ca| {
        X509Certificate::from_der(ca.as_ref())
            .is_ok_and(|(_, ca)| ca.subject().as_raw() == leaf.issuer().as_raw())
    });
    let has_ca_issuers = leaf
        .extensions()
        .iter()
        .any(|ext| match ext.parsed_extension() {
            x509_parser::extensions::ParsedExtension::AuthorityInfoAccess(aia) => {
                aia.iter().any(|d| {
                    d.access_method
                        == x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS
                })
            }
            _ => false,
        });
    (issuer_in_cas, has_ca_issuers)
}
