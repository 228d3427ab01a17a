//! `status` with a garbage `deliveries.toml` and a garbage `create` journal beside the metadata:
//! each is named with what to do, and neither is dropped or written over (issue 21, item 8).
//! Run with `bash tests/run.sh --test status_garbage`.
#![cfg(target_os = "linux")]

mod support;

use support::home::Home;

#[test]
fn unreadable_journals_are_named_by_status_and_left_as_they_are() {
    let home = Home::new();
    let dir = home.tokens_toml().parent().unwrap().to_owned();
    std::fs::create_dir_all(&dir).unwrap();
    let deliveries = dir.join("deliveries.toml");
    let journal = dir.join("provision-ci@gitlab.example.com.toml");
    let garbage = "[[delivery]\naccount = \u{7f}not toml at all\n";
    std::fs::write(&deliveries, garbage).unwrap();
    std::fs::write(&journal, "step = 42\n\0\0binary").unwrap();

    let out = home.run(&["status"], "");
    let said = out.stdout.replace('\n', " ");
    assert!(said.contains("unreadable_file"), "{out:?}");
    assert!(said.contains("deliveries.toml"), "{out:?}");
    assert!(said.contains("sink deliver"), "what to do: {out:?}");
    assert!(
        said.contains("provision-ci@gitlab.example.com.toml"),
        "{out:?}"
    );
    assert!(said.contains("revoke on GitLab"), "what to do: {out:?}");
    assert!(
        out.stdout.lines().all(|l| l.chars().count() <= 80),
        "{out:?}"
    );

    // Beside JSON, on stderr (stdout stays JSON).
    let json = home.run(&["status", "--json"], "");
    assert!(json.stderr.contains("deliveries.toml"), "{json:?}");
    assert!(
        serde_json::from_str::<serde_json::Value>(json.stdout.trim()).is_ok(),
        "{json:?}"
    );

    assert_eq!(std::fs::read_to_string(&deliveries).unwrap(), garbage);
    assert!(journal.exists(), "the create journal is kept");
}
