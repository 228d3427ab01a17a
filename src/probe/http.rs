//! One HTTP/1.1 request over the already-open connection, and whether the answer is GitLab's API.
//! Bodies are read up to [`MAX_BODY`]; headers past hyper's limit (about 400 KiB) are refused.

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::sanitize::{MESSAGE_MAX, SHORT_MAX, clean, redact_url};

/// The most of a body the probe reads: `/api/v4/version` and the sign-in page are far smaller.
pub const MAX_BODY: usize = 64 * 1024;

/// Why no usable answer came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The headers or the body were larger than the limits.
    TooLarge,
    /// The connection closed in the middle of the answer.
    Incomplete(String),
    /// Anything else HTTP-level (a garbled answer, a refused request).
    Protocol(String),
}

impl From<hyper::Error> for Failure {
    fn from(e: hyper::Error) -> Self {
        let text = clean(&e.to_string(), MESSAGE_MAX);
        if e.is_parse() && text.contains("too large") {
            Failure::TooLarge
        } else if e.is_incomplete_message() {
            Failure::Incomplete(text)
        } else {
            Failure::Protocol(text)
        }
    }
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

fn request(host: &str, path: &str, h2: bool) -> Result<hyper::Request<Empty<Bytes>>, Failure> {
    let builder = if h2 {
        // HTTP/2 carries the authority in the URI, not a Host header.
        hyper::Request::get(format!("https://{host}{path}"))
    } else {
        hyper::Request::get(path).header(hyper::header::HOST, host)
    };
    builder
        .header(hyper::header::ACCEPT, "application/json")
        .header(
            hyper::header::USER_AGENT,
            concat!("gitlab-token/", env!("CARGO_PKG_VERSION")),
        )
        .body(Empty::<Bytes>::new())
        .map_err(|e| Failure::Protocol(e.to_string()))
}

async fn read(response: hyper::Response<hyper::body::Incoming>) -> Result<Answer, Failure> {
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &hyper::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    // Server text that ends up on screen: cleaned, and a location's credentials hidden.
    let content_type = clean(
        &header(hyper::header::CONTENT_TYPE).unwrap_or_default(),
        SHORT_MAX,
    );
    let location = header(hyper::header::LOCATION).map(|l| redact_url(&l));
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| match e.downcast::<hyper::Error>() {
            // The status and headers arrived; the body broke off.
            Ok(e) => Failure::Incomplete(clean(
                &std::error::Error::source(&*e).map_or(e.to_string(), |s| s.to_string()),
                MESSAGE_MAX,
            )),
            // `Limited`'s own error: the body passed the limit.
            Err(_) => Failure::TooLarge,
        })?
        .to_bytes()
        .to_vec();
    Ok(Answer {
        status,
        content_type,
        location,
        body,
    })
}

/// `GET first` and then `GET second` on the one connection `io`: both at once over HTTP/2, one
/// after the other over HTTP/1.1. The second answer is optional (`None` if it fails).
pub async fn get_both<S>(
    io: S,
    host: &str,
    first: &str,
    second: &str,
    h2: bool,
) -> Result<(Answer, Option<Answer>), Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if h2 {
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            TokioIo::new(io),
        )
        .await?;
        let driver = tokio::spawn(connection);
        let (mut a, mut b) = (sender.clone(), sender);
        let (ra, rb) = tokio::join!(
            async {
                a.send_request(request(host, first, true)?)
                    .await
                    .map_err(Failure::from)
            },
            async {
                b.send_request(request(host, second, true)?)
                    .await
                    .map_err(Failure::from)
            },
        );
        let (answer, other) = tokio::join!(read(ra?), async {
            match rb {
                Ok(r) => read(r).await.ok(),
                Err(_) => None,
            }
        });
        driver.abort();
        return Ok((answer?, other));
    }
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    let driver = tokio::spawn(connection);
    let answer = read(sender.send_request(request(host, first, false)?).await?).await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            driver.abort();
            return Err(e);
        }
    };
    let other = match request(host, second, false) {
        Ok(req) if sender.ready().await.is_ok() => match sender.send_request(req).await {
            Ok(r) => read(r).await.ok(),
            Err(_) => None,
        },
        _ => None,
    };
    driver.abort();
    Ok((answer, other))
}

/// How an answer from `/api/v4/version` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// GitLab's JSON: `401 {"message":"401 Unauthorized"}` unauthenticated, or a version object.
    GitLab,
    Redirect {
        location: String,
    },
    LoginPage,
    /// 5xx: something answers, but GitLab (or what stands in front of it) is failing.
    ServerError,
    /// 429: rate limited before the API could answer.
    RateLimited,
    NotGitLab,
}

pub fn judge(answer: &Answer) -> Verdict {
    if (300..400).contains(&answer.status) {
        return Verdict::Redirect {
            location: answer.location.clone().unwrap_or_default(),
        };
    }
    match answer.status {
        429 => return Verdict::RateLimited,
        500..=599 => return Verdict::ServerError,
        _ => {}
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
    let gitlab_json = json.as_ref().is_some_and(|v| match answer.status {
        401 => v
            .get("message")
            .is_some_and(|m| m.as_str().is_some_and(|m| m.starts_with("401"))),
        200 => v.get("version").is_some(),
        _ => false,
    });
    if gitlab_json && answer.content_type.contains("json") {
        return Verdict::GitLab;
    }
    let text = String::from_utf8_lossy(&answer.body).to_ascii_lowercase();
    if answer.content_type.contains("html")
        && ["sign in", "sign_in", "log in", "login", "password"]
            .iter()
            .any(|w| text.contains(w))
    {
        return Verdict::LoginPage;
    }
    Verdict::NotGitLab
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, ct: &str, body: &str) -> Answer {
        Answer {
            status,
            content_type: ct.into(),
            location: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn recognises_gitlab_and_impostors() {
        assert_eq!(
            judge(&answer(
                401,
                "application/json",
                r#"{"message":"401 Unauthorized"}"#
            )),
            Verdict::GitLab
        );
        assert_eq!(
            judge(&answer(401, "application/json", r#"{"error":"nope"}"#)),
            Verdict::NotGitLab
        );
        assert_eq!(
            judge(&answer(200, "text/html", "<form>Sign in</form>")),
            Verdict::LoginPage
        );
        assert_eq!(
            judge(&answer(404, "text/html", "<h1>nginx</h1>")),
            Verdict::NotGitLab
        );
        assert_eq!(
            judge(&answer(502, "text/html", "<h1>502 Bad Gateway</h1>")),
            Verdict::ServerError
        );
        assert_eq!(
            judge(&answer(429, "text/plain", "Retry later")),
            Verdict::RateLimited
        );
    }
}
