//! Issue 9's fuzz suite: property tests (proptest, a bounded number of cases so CI runs them in
//! seconds) for every parser that takes outside input: the URL parser (`Instance::parse`), the
//! token (`Token::new`, its kind and mask), a profile file (`Profile::parse`), tokens.toml
//! (`Metadata::from_toml`), the name rules and git's credential protocol (both ways). Each must
//! return, never panic, and keep its promises (what it accepts is what it says).
//!
//! Run with `cargo test --test fuzz_parsers` (no keychain needed). PROPTEST_CASES raises the
//! number of cases for a longer local run.

use std::collections::HashMap;

use gitlab_token::git_protocol::{answer, read_request, safe_value};
use gitlab_token::instance::Instance;
use gitlab_token::profile::Profile;
use gitlab_token::token::Token;
use gitlab_token::vault::Metadata;
use gitlab_token::vault::names::{MAX_NAME_LEN, check_name};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text made of the characters that matter to each parser, plus anything at all.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("https://".to_owned()),
                Just("http://".to_owned()),
                Just("git@".to_owned()),
                Just("/-/".to_owned()),
                Just(":".to_owned()),
                Just("/".to_owned()),
                Just("@".to_owned()),
                Just("[::1]".to_owned()),
                Just("%".to_owned()),
                Just("\n".to_owned()),
                Just("\r".to_owned()),
                Just("\0".to_owned()),
                Just("=".to_owned()),
                Just("\"".to_owned()),
                Just("[[token]]".to_owned()),
                Just("[[scopes]]".to_owned()),
                Just("glpat-".to_owned()),
                "[a-z0-9.]{0,12}",
                any::<char>().prop_map(String::from),
            ],
            0..24
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// A tokens.toml close enough to valid that the checks behind the TOML parser are reached.
fn metadata_text() -> impl Strategy<Value = String> {
    (texty(), texty(), texty(), any::<u64>(), any::<bool>()).prop_map(
        |(name, host, scope, id, pending)| {
            let entry = format!(
                "account = {a:?}\nhost = {host:?}\nurl = \"https://h\"\nname = {name:?}\n\
                 profile = \"custom\"\nstore = \"secret-service\"\nusername = \"u\"\n\
                 user_id = 1\ntoken_id = {id}\ntoken_name = \"t\"\nscopes = [{scope:?}]\n\
                 verified_at = \"2026-01-01T00:00:00Z\"\n",
                a = format!("{name}@{host}"),
            );
            if pending {
                format!("[[pending]]\nop = \"save\"\nstarted_at = \"x\"\n[pending.entry]\n{entry}")
            } else {
                format!("[[token]]\n{entry}")
            }
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_url_parser_returns_for_any_input(input in texty()) {
        if let Ok(instance) = Instance::parse(&input) {
            // What it accepts can be used: a key, a base URL that parses again to the same key.
            let again = Instance::parse(&instance.base_url());
            prop_assert!(again.is_ok(), "{input:?} -> {}", instance.base_url());
            prop_assert_eq!(again.unwrap().key(), instance.key());
        }
    }

    #[test]
    fn the_token_reader_returns_and_never_shows_the_token(raw in texty()) {
        let token = Token::new(raw.clone());
        prop_assert_eq!(token.expose(), raw.trim());
        let _ = token.kind();
        let masked = token.masked();
        if token.len() >= 16 {
            prop_assert!(!masked.contains(token.expose()), "{masked}");
        }
        let debug = format!("{:?}", token);
        prop_assert!(token.len() < 8 || "Token([REDACTED])".contains(token.expose()) || !debug.contains(token.expose()), "{}", debug);
    }

    #[test]
    fn the_profile_parser_returns_for_any_input(text in texty()) {
        let _ = Profile::parse("fuzz", &text);
        let wrapped = format!("id = {text:?}\nname = \"n\"\n[[scopes]]\nscope = {text:?}\n");
        let _ = Profile::parse("fuzz", &wrapped);
    }

    #[test]
    fn the_metadata_parser_accepts_only_valid_names(text in prop_oneof![texty(), metadata_text()]) {
        if let Ok(meta) = Metadata::from_toml(&text) {
            for t in meta.tokens.iter().chain(meta.pending.iter().map(|p| &p.entry)) {
                prop_assert!(check_name(&t.name).is_ok(), "{:?}", t.name);
                prop_assert_eq!(&t.account, &format!("{}@{}", t.name, t.host));
            }
        }
    }

    #[test]
    fn an_accepted_name_is_safe_everywhere(name in texty()) {
        if check_name(&name).is_ok() {
            prop_assert!(!name.is_empty() && name.len() <= MAX_NAME_LEN);
            prop_assert!(!name.contains('@') && safe_value(&name));
            prop_assert!(!name.starts_with('.') && !name.starts_with('#'));
        }
    }

    #[test]
    fn the_credential_reader_returns_and_never_lets_a_value_forge_a_line(input in texty()) {
        if let Some(request) = read_request(input.as_bytes()) {
            for (k, v) in &request {
                prop_assert!(safe_value(k) && safe_value(v), "{k:?}={v:?}");
            }
        }
    }

    #[test]
    fn an_answer_reads_back_as_exactly_username_and_password(user in texty(), password in texty()) {
        match answer(&user, &password) {
            Some(text) => {
                let request = read_request(format!("{text}\n").as_bytes());
                let expected: HashMap<String, String> = HashMap::from([
                    ("username".to_owned(), user.clone()),
                    ("password".to_owned(), password.clone()),
                ]);
                prop_assert_eq!(request, Some(expected));
            }
            None => prop_assert!(!safe_value(&user) || !safe_value(&password)),
        }
    }
}
