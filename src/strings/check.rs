//! What `gitlab-token check` prints around the probe's stages.

use crate::gitlab::types::Metadata;
use crate::probe::Stage;
use crate::probe::cert::CertInfo;

pub const CERTIFICATE: &str = "Certificate";
pub const INSTANCE: &str = "Instance";
pub const PROBLEMS: &str = "Problems";
pub const ALL_GOOD: &str = "Reachable over valid TLS, and it answers like GitLab.";
pub const VERSION_UNREADABLE: &str =
    "The token could not read the version (it needs read_user, read_api or api).";

pub fn checking(url: &str) -> String {
    format!("Checking {url}")
}

pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Url => "URL",
        Stage::Proxy => "PROXY",
        Stage::Dns => "DNS",
        Stage::Tcp => "TCP",
        Stage::Tls => "TLS",
        Stage::Http => "HTTP",
    }
}

pub fn certificate_rows(c: &CertInfo) -> Vec<(&'static str, String)> {
    let day = |s: &str| s.get(..10).unwrap_or(s).to_owned();
    vec![
        ("subject", c.subject.clone()),
        ("names", c.sans.join(", ")),
        ("issuer", c.issuer.clone()),
        (
            "valid",
            format!(
                "{} to {} ({} days left)",
                day(&c.not_before),
                day(&c.not_after),
                c.days_left
            ),
        ),
        (
            "chain",
            format!(
                "{} certificate{} sent{}",
                c.chain_len,
                if c.chain_len == 1 { "" } else { "s" },
                if c.self_signed { ", self-signed" } else { "" }
            ),
        ),
    ]
}

pub fn instance_line(m: &Metadata) -> String {
    let edition = match m.enterprise {
        Some(true) => "Enterprise Edition: service accounts are available (Premium/Ultimate)",
        Some(false) => "Community Edition: no service accounts on this instance",
        None => "edition unknown (GitLab before 15.6)",
    };
    format!("GitLab {}, {edition}", m.version)
}

/// One line for the wizard: who issued the certificate and when it expires.
pub fn certificate_summary(c: &CertInfo) -> String {
    format!(
        "Certificate for {} from {}, expires {} ({} days left)",
        c.sans.first().map_or(c.subject.as_str(), String::as_str),
        c.issuer,
        c.not_after.get(..10).unwrap_or(&c.not_after),
        c.days_left
    )
}
