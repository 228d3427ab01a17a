//! A GitLab API client for tests, bound to a fake GitLab over TLS trusted through the test CA.

use std::time::Duration;

use gitlab_token::gitlab::Client;
use gitlab_token::instance::Instance;
use gitlab_token::tls::Trust;
use gitlab_token::token::Token;

use super::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn alice() -> FakeUser {
    FakeUser::person(7, "alice")
}

pub fn client(url: &str, trust: &Trust) -> Client {
    Client::new(
        &Instance::parse(url).expect("valid address"),
        trust,
        TIMEOUT,
    )
    .expect("client")
}

pub fn trusting(pki: &Pki) -> Trust {
    Trust::with_ca_file(Some(pki.ca_file.clone()))
}

/// A fake GitLab with one token of alice's; returns the server, a client for it and the token.
pub fn gitlab_with(pki: &Pki, record: TokenRecord) -> (FakeGitLab, Client, Token) {
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("client");
    gitlab.add_token(&secret, record);
    let client = client(&gitlab.url(), &trusting(pki));
    (gitlab, client, Token::new(secret))
}
