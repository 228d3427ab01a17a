//! The vault's invariant seen from outside (issue 9 items 3 and 5): every metadata entry's token
//! is exactly the value in the keychain (the fake GitLab tells which token a value is), nothing
//! is announced as pending, no scratch entry and no temp file is left, and an account without an
//! entry has no value in the keychain (no orphan).

use super::fake_gitlab::FakeGitLab;
use super::home::Home;
use super::stores::secret_tool_lookup;

/// The temp files in the config directory (`.FILE.tmpXXXXXX`, or the old `.tmpXXXXXX`).
pub fn temp_files(home: &Home) -> Vec<String> {
    let dir = home.path().join("config/gitlab-token");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(".tmp") || n.starts_with(".tmp"))
        .collect()
}

/// Fails unless the keychain and the metadata agree for each of `accounts`.
pub fn assert_consistent(home: &Home, gitlab: &FakeGitLab, accounts: &[String], what: &str) {
    let meta = home.metadata();
    assert!(meta.pending.is_empty(), "{what}: still pending: {meta:?}");
    for account in accounts {
        let value = secret_tool_lookup(account);
        let scratch = secret_tool_lookup(&format!("#previous.{account}"));
        assert!(
            scratch.is_none(),
            "{what}: the scratch entry of {account} is left"
        );
        match meta.find(account) {
            Some(entry) => {
                let value = value.unwrap_or_else(|| {
                    panic!("{what}: {account} is listed but its keychain value is gone")
                });
                let record = gitlab
                    .token(&value)
                    .unwrap_or_else(|| panic!("{what}: {account} holds a value GitLab never made"));
                assert_eq!(
                    record.id, entry.token_id,
                    "{what}: {account}: the keychain holds token {} but tokens.toml describes {}",
                    record.id, entry.token_id
                );
            }
            None => assert!(
                value.is_none(),
                "{what}: {account} is in the keychain but not in tokens.toml (an orphan)"
            ),
        }
    }
    let temps = temp_files(home);
    assert!(temps.is_empty(), "{what}: temp files left: {temps:?}");
}
