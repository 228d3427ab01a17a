//! Whether HTTPS_PROXY / NO_PROXY apply to a host, and an HTTP CONNECT tunnel through the proxy.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use url::Url;

/// The proxy the environment names for a host, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyUse {
    /// No proxy variable is set.
    None,
    /// A proxy is set, but NO_PROXY excludes this host.
    Excluded { proxy: String, rule: String },
    /// Connect through this proxy (`host`, `port`), named by `var`.
    Via {
        host: String,
        port: u16,
        var: &'static str,
        shown: String,
    },
    /// The variable is set but not a usable http:// proxy address.
    Invalid { var: &'static str, value: String },
}

/// Reads HTTPS_PROXY/https_proxy (ALL_PROXY as a fallback) and NO_PROXY/no_proxy for `host`.
pub fn for_host(host: &str, env: impl Fn(&str) -> Option<String>) -> ProxyUse {
    let pick = |names: &[&'static str]| {
        names
            .iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v)))
    };
    let Some((var, value)) = pick(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]) else {
        return ProxyUse::None;
    };
    if let Some((_, no_proxy)) = pick(&["NO_PROXY", "no_proxy"])
        && let Some(rule) = excluded_by(host, &no_proxy)
    {
        return ProxyUse::Excluded { proxy: value, rule };
    }
    let with_scheme = if value.contains("://") {
        value.clone()
    } else {
        format!("http://{value}")
    };
    match Url::parse(&with_scheme) {
        Ok(url) if url.scheme() == "http" && url.host_str().is_some() => ProxyUse::Via {
            host: url
                .host_str()
                .unwrap_or_default()
                .trim_matches(['[', ']'])
                .to_owned(),
            port: url.port_or_known_default().unwrap_or(80),
            var,
            shown: format!(
                "{}://{}:{}",
                url.scheme(),
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or(80)
            ),
        },
        _ => ProxyUse::Invalid { var, value },
    }
}

/// The NO_PROXY entry matching `host`: `*`, an exact name, or a domain suffix (`.example.com` or `example.com`).
fn excluded_by(host: &str, no_proxy: &str) -> Option<String> {
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .find_map(|rule| {
            let bare = rule
                .split(':')
                .next()
                .unwrap_or(rule)
                .trim_start_matches('*')
                .trim_start_matches('.')
                .to_ascii_lowercase();
            let hit = rule == "*" || host == bare || host.ends_with(&format!(".{bare}"));
            hit.then(|| rule.to_owned())
        })
}

/// Asks the proxy on `stream` to open a tunnel to `target_host:target_port`.
pub async fn connect_tunnel(
    stream: &mut TcpStream,
    target_host: &str,
    target_port: u16,
) -> Result<(), String> {
    let authority = if target_host.contains(':') {
        format!("[{target_host}]:{target_port}")
    } else {
        format!("{target_host}:{target_port}")
    };
    let request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    // A proxy's answer head is a few hundred bytes; a hostile one cannot make it endless.
    let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(stream, 16 * 1024));
    let mut status = String::new();
    reader
        .read_line(&mut status)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if code == "200" {
        Ok(())
    } else {
        Err(format!(
            "the proxy refused the tunnel: {}",
            crate::sanitize::clean(status.trim(), crate::sanitize::MESSAGE_MAX)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn reads_the_proxy_variables() {
        assert_eq!(for_host("gitlab.example.com", env(&[])), ProxyUse::None);
        let via = for_host(
            "gitlab.example.com",
            env(&[("HTTPS_PROXY", "proxy.corp:3128")]),
        );
        assert!(
            matches!(via, ProxyUse::Via { ref host, port: 3128, var: "HTTPS_PROXY", .. } if host == "proxy.corp")
        );
        let excluded = for_host(
            "gitlab.example.com",
            env(&[
                ("https_proxy", "http://proxy.corp:3128"),
                ("no_proxy", "localhost, .example.com"),
            ]),
        );
        assert!(matches!(excluded, ProxyUse::Excluded { ref rule, .. } if rule == ".example.com"));
        assert!(matches!(
            for_host("x", env(&[("HTTPS_PROXY", "socks5://p:1")])),
            ProxyUse::Invalid { .. }
        ));
        assert!(matches!(
            for_host(
                "x",
                env(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "*")])
            ),
            ProxyUse::Excluded { .. }
        ));
        assert!(matches!(
            for_host(
                "notexample.com",
                env(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "example.com")])
            ),
            ProxyUse::Via { .. }
        ));
    }
}
