//! GitLab's answers, byte for byte as documented: JSON bodies, error bodies and headers, the
//! sign-in and 404 pages, and the whole-server modes (429, 500, sign-in page, redirect).

use serde_json::{Value, json};

use super::fake_gitlab::{FakeUser, Mode, TokenRecord};
use super::servers::{Reply, Req, reply};

pub fn json_reply(status: u16, body: Value) -> Reply {
    reply(
        status,
        &[
            ("content-type", "application/json"),
            ("cache-control", "no-cache"),
        ],
        body.to_string(),
    )
}

pub fn unauthorized() -> Reply {
    json_reply(401, json!({"message": "401 Unauthorized"}))
}

pub fn invalid_token(description: &str) -> Reply {
    let www =
        format!("Bearer realm=\"\", error=\"invalid_token\", error_description=\"{description}\"");
    let body = json!({"error": "invalid_token", "error_description": description}).to_string();
    reply(
        401,
        &[
            ("content-type", "application/json"),
            ("www-authenticate", &www),
        ],
        body,
    )
}

pub const HIGHER_PRIVILEGES: &str =
    "The request requires higher privileges than provided by the access token.";

pub fn insufficient_scope(allowed: &[&str]) -> Reply {
    let scope = allowed.join(" ");
    let www = format!(
        "Bearer realm=\"\", error=\"insufficient_scope\", error_description=\"{HIGHER_PRIVILEGES}\", scope=\"{scope}\""
    );
    let body = json!({"error": "insufficient_scope", "error_description": HIGHER_PRIVILEGES, "scope": scope});
    reply(
        403,
        &[
            ("content-type", "application/json"),
            ("www-authenticate", &www),
        ],
        body.to_string(),
    )
}

pub const SIGN_IN_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>Sign in · GitLab</title></head>\n<body>\n<form class=\"new_user\" action=\"/users/sign_in\" method=\"post\">\n<label for=\"user_login\">Username or primary email</label><input type=\"text\" name=\"user[login]\" id=\"user_login\">\n<label for=\"user_password\">Password</label><input type=\"password\" name=\"user[password]\" id=\"user_password\">\n<button type=\"submit\">Sign in</button>\n</form>\n</body>\n</html>\n";

pub const GITLAB_404_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><title>The page you're looking for could not be found (404)</title></head>\n<body><h1>404</h1><h3>Page not found</h3></body>\n</html>\n";

pub fn mode_reply(mode: &Mode, req: &Req) -> Reply {
    match mode {
        Mode::Normal | Mode::SwallowDeletes => unreachable!("these modes answer normally"),
        Mode::RateLimited => reply(
            429,
            &[
                ("content-type", "text/plain"),
                ("retry-after", "30"),
                ("ratelimit-name", "throttle_authenticated_api"),
                ("ratelimit-limit", "60"),
                ("ratelimit-observed", "67"),
                ("ratelimit-remaining", "0"),
            ],
            "Retry later\n",
        ),
        Mode::ServerError => json_reply(500, json!({"message": "500 Internal Server Error"})),
        Mode::LoginPage => reply(
            200,
            &[("content-type", "text/html; charset=utf-8")],
            SIGN_IN_PAGE,
        ),
        Mode::Answer {
            status,
            content_type,
            body,
        } => reply(
            *status,
            &[("content-type", content_type.as_str())],
            body.clone(),
        ),
        Mode::RedirectTo(base) => {
            let location = format!("{}{}", base.trim_end_matches('/'), req.path_and_query());
            reply(
                302,
                &[
                    ("location", location.as_str()),
                    ("content-type", "text/html; charset=utf-8"),
                ],
                "<html><body>You are being <a href=\"\">redirected</a>.</body></html>",
            )
        }
    }
}

/// Now, as GitLab writes times (RFC 3339, UTC, milliseconds).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

pub fn token_json(record: &TokenRecord) -> Value {
    json!({
        "id": record.id,
        "name": record.name,
        "revoked": record.revoked,
        "created_at": record.created_at,
        "description": "made for the gitlab-token tests",
        "scopes": record.scopes,
        "user_id": record.user.id,
        "last_used_at": null,
        "active": record.active && !record.revoked,
        "expires_at": record.expires_at,
    })
}

pub fn user_json(user: &FakeUser) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "state": "active",
        "locked": false,
        "avatar_url": format!("https://secure.gravatar.com/avatar/{}", user.id),
        "web_url": format!("https://gitlab.example.com/{}", user.username),
        "created_at": "2025-03-01T08:00:00.000Z",
        "bot": user.bot,
        "external": user.bot,
        "private_profile": false,
    })
}
