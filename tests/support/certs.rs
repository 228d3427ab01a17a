//! A private PKI made with rcgen: a root CA, an intermediate, and server certificates that are
//! valid, expired, not yet valid, for the wrong name, self-signed, or issued by the intermediate.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};

/// The names every "good" server certificate is valid for.
pub const LOCAL_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// A server certificate chain (leaf first, as sent in the handshake) and the leaf's key.
#[derive(Clone)]
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    key_pkcs8: Vec<u8>,
}

impl Leaf {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()).into()
    }

    /// The same leaf, sent without the certificates after it (a server that forgets its intermediate).
    pub fn leaf_only(&self) -> Leaf {
        Leaf {
            chain: self.chain[..1].to_vec(),
            key_pkcs8: self.key_pkcs8.clone(),
        }
    }
}

/// A private root CA (written to a PEM file for `--ca-file`) and an intermediate CA under it.
pub struct Pki {
    root: CertifiedIssuer<'static, KeyPair>,
    intermediate: CertifiedIssuer<'static, KeyPair>,
    _dir: TempDir,
    /// The root CA certificate, PEM, for `--ca-file` / `Trust::with_ca_file`.
    pub ca_file: PathBuf,
    pub ca_pem: String,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.remove(DnType::CommonName);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "gitlab-token tests");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now() - Duration::days(1);
    params.not_after = now() + Duration::days(3650);
    params
}

/// Server certificate parameters: SANs `names`, subject CN `common_name`, valid in the given window.
fn leaf_params(
    common_name: &str,
    names: &[&str],
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("valid subject alternative names");
    params.distinguished_name.remove(DnType::CommonName);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    params
}

impl Pki {
    pub fn new() -> Pki {
        let root = CertifiedIssuer::self_signed(
            ca_params("gitlab-token test root CA"),
            KeyPair::generate().unwrap(),
        )
        .expect("root CA");
        let intermediate = CertifiedIssuer::signed_by(
            ca_params("gitlab-token test intermediate CA"),
            KeyPair::generate().unwrap(),
            &*root,
        )
        .expect("intermediate CA");
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_file = dir.path().join("test-root-ca.pem");
        let ca_pem = root.pem();
        std::fs::write(&ca_file, &ca_pem).expect("write the CA file");
        Pki {
            root,
            intermediate,
            _dir: dir,
            ca_file,
            ca_pem,
        }
    }

    fn issue(&self, by_intermediate: bool, params: CertificateParams) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let issuer: &Issuer<'static, KeyPair> = if by_intermediate {
            &self.intermediate
        } else {
            &self.root
        };
        let cert = params
            .signed_by(&key, issuer)
            .expect("sign the server certificate");
        let mut chain = vec![cert.der().clone()];
        if by_intermediate {
            chain.push(self.intermediate.der().clone());
        }
        Leaf {
            chain,
            key_pkcs8: key.serialize_der(),
        }
    }

    /// Issued by the root, valid for localhost and 127.0.0.1 for 90 more days.
    pub fn valid(&self) -> Leaf {
        self.issue(
            false,
            leaf_params(
                "localhost",
                &LOCAL_NAMES,
                now() - Duration::days(1),
                now() + Duration::days(90),
            ),
        )
    }

    /// Valid, but ends in `days` days.
    pub fn expiring_in(&self, days: i64) -> Leaf {
        self.issue(
            false,
            leaf_params(
                "localhost",
                &LOCAL_NAMES,
                now() - Duration::days(80),
                now() + Duration::days(days),
            ),
        )
    }

    /// Ended yesterday.
    pub fn expired(&self) -> Leaf {
        self.issue(
            false,
            leaf_params(
                "localhost",
                &LOCAL_NAMES,
                now() - Duration::days(90),
                now() - Duration::days(1),
            ),
        )
    }

    /// Starts in 10 days.
    pub fn not_yet_valid(&self) -> Leaf {
        self.issue(
            false,
            leaf_params(
                "localhost",
                &LOCAL_NAMES,
                now() + Duration::days(10),
                now() + Duration::days(100),
            ),
        )
    }

    /// Valid, but only for `wrong.example`.
    pub fn wrong_host(&self) -> Leaf {
        self.issue(
            false,
            leaf_params(
                "wrong.example",
                &["wrong.example"],
                now() - Duration::days(1),
                now() + Duration::days(90),
            ),
        )
    }

    /// Issued by the intermediate; the chain holds the leaf and the intermediate (see [`Leaf::leaf_only`]).
    pub fn via_intermediate(&self) -> Leaf {
        self.issue(
            true,
            leaf_params(
                "localhost",
                &LOCAL_NAMES,
                now() - Duration::days(1),
                now() + Duration::days(90),
            ),
        )
    }

    /// Like [`Pki::via_intermediate`], but the leaf names where its issuer can be downloaded
    /// (Authority Information Access, caIssuers), as publicly issued certificates do.
    pub fn via_intermediate_with_aia(&self) -> Leaf {
        let mut params = leaf_params(
            "localhost",
            &LOCAL_NAMES,
            now() - Duration::days(1),
            now() + Duration::days(90),
        );
        params
            .custom_extensions
            .push(ca_issuers("http://pki.example/intermediate.crt"));
        self.issue(true, params)
    }

    /// A leaf for localhost signed by its own key. Its subject is not `CN=localhost`, so it cannot
    /// be mistaken for the `ssl-cert-snakeoil` certificate some system stores hold.
    pub fn self_signed() -> Leaf {
        Self::self_signed_named("gitlab-token self-signed test")
    }

    /// A self-signed leaf for localhost whose subject is `CN=common_name`.
    pub fn self_signed_named(common_name: &str) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let params = leaf_params(
            common_name,
            &LOCAL_NAMES,
            now() - Duration::days(1),
            now() + Duration::days(90),
        );
        let cert = params.self_signed(&key).unwrap();
        Leaf {
            chain: vec![cert.der().clone()],
            key_pkcs8: key.serialize_der(),
        }
    }
}

/// DER tag-length-value, for contents shorter than 128 bytes.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    assert!(content.len() < 128, "short form lengths only");
    let mut out = vec![tag, content.len() as u8];
    out.extend_from_slice(content);
    out
}

/// The Authority Information Access extension (1.3.6.1.5.5.7.1.1) with one caIssuers URI.
fn ca_issuers(uri: &str) -> CustomExtension {
    const CA_ISSUERS: [u8; 8] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02]; // 1.3.6.1.5.5.7.48.2
    let access_description = der(
        0x30,
        &[der(0x06, &CA_ISSUERS), der(0x86, uri.as_bytes())].concat(),
    );
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], der(0x30, &access_description))
}
