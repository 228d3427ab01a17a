//! An automatic rotation holds the store's writer lock (`vault.lock`, the one `add` and `forget`
//! take) from before the rotate call until the new value is stored: another writer of the same
//! account can never interleave with storing the rotated token. With the REAL Secret Service.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use support::rotating::World;
use support::stores::require_secret_service;

#[test]
fn a_rotation_waits_for_another_writer_before_calling_gitlab() {
    require_secret_service();
    let w = World::new();
    let old = w.token(&["api", "read_api", "read_user"], 90);
    w.add("mr-reviewer", "locked", &old);

    // Another gitlab-token process (here: this test) is writing to the store.
    let lock_path = w
        .home
        .tokens_toml()
        .parent()
        .expect("metadata dir")
        .join("vault.lock");
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .expect("open vault.lock");
    lock.lock().expect("take the writer lock");

    let host = w.host();
    let running = w.home.spawn(
        &["rotate", "--host", &host, "--name", "locked", "--yes"],
        "",
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        w.rotate_calls(),
        0,
        "the rotation called GitLab while another writer held the store"
    );
    lock.unlock().expect("release the writer lock");
    drop(lock);

    let out = w.home.wait(running);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(w.rotate_calls(), 1);
    let new = w.gitlab.rotated_to(&old).expect("GitLab rotated the token");
    assert_eq!(w.keychain("locked").as_deref(), Some(new.as_str()));
}
