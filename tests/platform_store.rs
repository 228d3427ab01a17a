//! The platform keychain round trip on macOS (the default keychain, which CI points at a
//! temporary one made with `security create-keychain`) and Windows (Credential Manager):
//! store a token, find it with the OS's own tool, read it back, delete it.
//!
//! On Linux this file is empty: tests/keychain.rs does the same against the real Secret Service.
//! Nothing here could be run on the Linux machines this project is developed on; the CI
//! definition (.github/workflows/ci.yml) runs it on macOS and Windows.
#![cfg(any(target_os = "macos", target_os = "windows"))]

use std::process::Command;
use std::time::Duration;

use gitlab_token::token::Token;
use gitlab_token::vault::{Keychain, SERVICE, StoreKind, VaultError};

fn account() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("ci-{}-{nanos}@gitlab.example.invalid", std::process::id())
}

/// What the OS's own tool finds for this account (`None`: nothing).
fn seen_by_the_os(account: &str) -> Option<String> {
    if cfg!(target_os = "macos") {
        // apple-native-keyring-store writes a generic password with service and account
        // attributes. Attributes only (no -w): reading the secret from another program would
        // ask the user (the item's access list names the test binary), which CI cannot answer.
        let out = Command::new("security")
            .args(["find-generic-password", "-s", SERVICE, "-a", account])
            .output()
            .expect("security runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success() && text.contains(account)).then_some(text)
    } else {
        // windows-native-keyring-store's default target name: "{user}.{service}" (its lib.rs).
        let target = format!("{account}.{SERVICE}");
        let out = Command::new("cmdkey")
            .arg(format!("/list:{target}"))
            .output()
            .expect("cmdkey runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.contains(&target).then_some(text)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn store_read_back_and_delete_in_the_platform_keychain() {
    let kind = StoreKind::platform_default();
    assert!(matches!(
        kind,
        StoreKind::MacosKeychain | StoreKind::WindowsCredentialManager
    ));
    let keychain = Keychain::open(kind, Duration::from_secs(20))
        .await
        .expect("open the platform keychain");
    let account = account();
    let token = Token::new("glpat-platformStoreTest0123".to_owned());

    keychain
        .store_verified(&account, &token)
        .await
        .expect("store and read back");
    assert!(
        seen_by_the_os(&account).is_some(),
        "the OS's own tool does not find {account}"
    );
    assert_eq!(keychain.get(&account).await.expect("read"), token);

    keychain.delete(&account).await.expect("delete");
    assert!(
        seen_by_the_os(&account).is_none(),
        "still there after delete"
    );
    match keychain.get(&account).await {
        Err(VaultError::NotFound(a)) => assert_eq!(a, account),
        other => panic!("after delete: {other:?}"),
    }
}
