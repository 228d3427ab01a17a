//! Issue 9 item 3: concurrent `add`s of the SAME account NAME@HOST, each with its own token,
//! against the real Secret Service. Every round, every `add` succeeds (one writer at a time) and
//! the keychain ends holding exactly the token tokens.toml describes: before the fix, a loser's
//! read-back check deleted the winner's value (keychain empty, metadata listing it).
//!
//! Run with `bash tests/run.sh --test vault_race`.
#![cfg(target_os = "linux")]

mod support;

use support::FakeGitLab;
use support::Pki;
use support::accounts::{self, account};
use support::home::{Home, unique_name};
use support::stores::require_secret_service;
use support::vault::assert_consistent;

const ROUNDS: usize = 3;
const WRITERS: usize = 10;

#[test]
fn ten_concurrent_adds_of_one_account_leave_the_value_the_metadata_describes() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let name = unique_name("race");
    let acc = account(&name, &gitlab);
    for round in 0..ROUNDS {
        let secrets: Vec<String> = (0..WRITERS)
            .map(|i| accounts::new_token(&home, &gitlab, &format!("race {round}.{i}")))
            .collect();
        let args = accounts::add_args(&gitlab, &pki, &name, None);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let running: Vec<_> = secrets
            .iter()
            .map(|secret| home.spawn(&args, &format!("{secret}\n")))
            .collect();
        for out in running.into_iter().map(|r| home.wait(r)) {
            assert_eq!(out.code, Some(0), "round {round}: {out:?}");
        }
        let what = format!("round {round}");
        assert_consistent(&home, &gitlab, std::slice::from_ref(&acc), &what);
        let entry = home.metadata().find(&acc).cloned().expect("listed");
        assert!(
            secrets
                .iter()
                .any(|s| gitlab.token(s).is_some_and(|r| r.id == entry.token_id)),
            "{what}: the stored token is none of this round's"
        );
    }
    let out = home.run(&["forget", "--name", &name], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_consistent(&home, &gitlab, &[acc], "after forget");
}
