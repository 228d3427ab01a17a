//! Issue 20 item 3: `rotate` rotates the team's tokens (held by a real OpenBao) under the Vault
//! lease, beside the local ones; two machines rotating at once make one GitLab rotation; a lease
//! another machine holds is waited for, and named when it outlasts the wait; a policy without
//! the lease path says which path and capabilities it needs. The fake GitLab counts the
//! `self/rotate` calls (its answer: lib/api/personal_access_tokens/self_rotation.rb, presented
//! with Entities::PersonalAccessTokenWithToken).
#![cfg(target_os = "linux")]

mod support;

#[path = "support/openbao.rs"]
mod openbao;
#[path = "support/team_world.rs"]
mod team_world;

use std::time::Duration;

use support::home::unique_name;
use team_world::{TeamWorld, in_days, now, until};

const OK: i32 = 0;
const CHECK_FAILED: i32 = 1;
const KEYCHAIN: i32 = 4;

fn reports(out: &support::Output) -> Vec<serde_json::Value> {
    out.json().as_array().expect("a JSON array").clone()
}

#[test]
fn a_due_team_token_is_rotated_beside_the_local_ones_and_store_vault_keeps_only_the_team() {
    let w = TeamWorld::new();
    let (laptop, runner) = (w.machine(), w.machine());
    let (name, old) = w.team_token(&laptop, 10);
    // A local token on the runner, due too (the file store: no keychain on these machines).
    let local = unique_name("local");
    let local_old = w.token(10);
    runner.watch(&local_old);
    runner.allow_secrets_in(&runner.secrets_toml());
    w.add(&runner, &local, &local_old, "file");

    // --store vault: the team token only.
    let out = runner.run(
        &[
            "rotate", "--within", "30", "--yes", "--json", "--store", "vault",
        ],
        "",
    );
    w.assert_secret_free(&runner, &out, "rotate --store vault");
    assert_eq!(out.code, Some(OK), "{out:?}");
    let list = reports(&out);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["account"], w.account(&name));
    assert_eq!(list[0]["ok"], true, "{list:?}");
    assert_eq!(list[0]["new_expires_at"], in_days(90));
    assert_eq!(w.rotate_calls(), 1);
    let new = w
        .gitlab
        .rotated_to(&old)
        .expect("GitLab rotated the team token");
    assert!(
        w.gitlab.rotated_to(&local_old).is_none(),
        "the local token was rotated"
    );
    // The new value and its facts in Vault, one version on, the lease released.
    let record = w.record(&name);
    assert_eq!(record["data"]["token"], new.as_str());
    assert_eq!(record["metadata"]["version"], 2);
    let entry = &record["data"]["entry"];
    assert_eq!(entry["expires_at"], in_days(90));
    assert_ne!(
        entry["token_id"],
        serde_json::json!(w.gitlab.token(&old).unwrap().id)
    );
    let lease = w.lease(&name).expect("a lease record");
    assert_eq!(lease["released"], true, "{lease}");
    assert!(lease["journal"].is_null(), "{lease}");
    assert!(w.works(&new) && !w.works(&old));
    // Both machines read the new value; nothing of it on either disk (checked by every run).
    assert_eq!(w.get(&laptop, &name), new);
    assert_eq!(w.get(&runner, &name), new);
    assert!(laptop.metadata().tokens.is_empty());

    // Without --store: the local token (the team one is no longer due).
    let out = runner.run(&["rotate", "--within", "30", "--yes", "--json"], "");
    w.assert_secret_free(&runner, &out, "rotate");
    assert_eq!(out.code, Some(OK), "{out:?}");
    let list = reports(&out);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["account"], w.account(&local));
    assert_eq!(w.rotate_calls(), 2);
    assert_eq!(w.stored(&name), new, "the team token changed again");
}

#[test]
fn scheduled_and_by_name_both_reach_team_tokens_and_say_what_they_did() {
    let w = TeamWorld::new();
    let runner = w.machine();
    let (name, old) = w.team_token(&runner, 5);
    // The schedule's command line.
    let out = runner.run(
        &[
            "rotate",
            "--scheduled",
            "--yes",
            "--within",
            "14",
            "--store",
            "vault",
        ],
        "",
    );
    w.assert_secret_free(&runner, &out, "rotate --scheduled");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(out.stdout.contains(&w.account(&name)), "{out:?}");
    let first = w.gitlab.rotated_to(&old).expect("rotated");
    assert_eq!(w.stored(&name), first);
    // By --host/--name, due or not.
    let out = w.rotate(&runner, &name, &["--expires-in", "30"], &[]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let second = w.gitlab.rotated_to(&first).expect("rotated again");
    assert_eq!(w.stored(&name), second);
    assert_eq!(w.record(&name)["data"]["entry"]["expires_at"], in_days(30));
    assert_eq!(w.rotate_calls(), 2);
}

#[test]
fn two_machines_rotating_the_same_team_token_at_once_make_one_gitlab_rotation() {
    let w = TeamWorld::new();
    let (a, b) = (w.machine(), w.machine());
    let (name, old) = w.team_token(&a, 10);
    // Every GitLab answer takes a while, so the two runs overlap.
    w.gitlab.set_delay(Duration::from_millis(300));
    let (ra, rb) = (
        w.spawn_rotate(&a, &name, &[]),
        w.spawn_rotate(&b, &name, &[]),
    );
    let (oa, ob) = (a.wait(ra), b.wait(rb));
    w.assert_secret_free(&a, &oa, "rotate on A");
    w.assert_secret_free(&b, &ob, "rotate on B");
    assert_eq!(oa.code, Some(OK), "{oa:?}");
    assert_eq!(ob.code, Some(OK), "{ob:?}");
    assert_eq!(w.rotate_calls(), 1, "A: {oa:?}\nB: {ob:?}");
    // One rotated, the other found the new value and only checked it.
    let said = format!("{}{}", oa.stdout, ob.stdout);
    assert!(said.contains("Rotated"), "{said}");
    assert!(said.contains("rotated meanwhile by another run"), "{said}");
    w.gitlab.set_delay(Duration::ZERO);
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    assert_eq!(w.get(&a, &name), new);
    assert_eq!(w.get(&b, &name), new);
    assert!(w.works(&new));
}

#[test]
fn a_lease_another_live_machine_holds_is_waited_for_and_its_new_value_only_checked() {
    let w = TeamWorld::new();
    let (a, b) = (w.machine(), w.machine());
    let (name, old) = w.team_token(&a, 10);
    w.gitlab.set_delay(Duration::from_millis(700));
    let ra = w.spawn_rotate(&a, &name, &[]);
    // B starts once A holds the lease.
    assert!(
        until(Duration::from_secs(20), || w
            .lease(&name)
            .is_some_and(|l| l["released"] == false)),
        "A never took the lease"
    );
    let ob = w.rotate(&b, &name, &[], &[]);
    let oa = a.wait(ra);
    assert_eq!(oa.code, Some(OK), "{oa:?}");
    assert_eq!(ob.code, Some(OK), "{ob:?}");
    assert!(oa.stdout.contains("Rotated"), "{oa:?}");
    assert!(
        ob.stdout.contains("rotated meanwhile by another run"),
        "{ob:?}"
    );
    assert_eq!(w.rotate_calls(), 1);
    w.gitlab.set_delay(Duration::ZERO);
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    assert_eq!(w.get(&b, &name), new);
}

#[test]
fn a_lease_held_past_the_wait_names_its_holder_and_when_it_runs_out() {
    let w = TeamWorld::new();
    let b = w.machine();
    let (name, old) = w.team_token(&b, 10);
    let until_unix = now() + 3600;
    w.plant_lease(&name, "ci-runner-7 pid 4242", until_unix);
    let out = w.rotate(
        &b,
        &name,
        &[],
        &[("GITLAB_TOKEN_TEST_LEASE_WAIT_SECS", "1")],
    );
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    let expiry = time::OffsetDateTime::from_unix_timestamp(until_unix)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert!(
        out.stderr.contains("ci-runner-7 pid 4242") && out.stderr.contains(&expiry),
        "{out:?}"
    );
    assert!(out.stderr.contains("fix:"), "{out:?}");
    assert_eq!(w.rotate_calls(), 0);
    assert_eq!(w.stored(&name), old);
    // --json says it as a busy rotation.
    let out = w.rotate(
        &b,
        &name,
        &["--json"],
        &[("GITLAB_TOKEN_TEST_LEASE_WAIT_SECS", "0")],
    );
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    let list = reports(&out);
    assert_eq!(
        list[0]["problems"][0]["kind"], "rotation_in_progress",
        "{list:?}"
    );
}

#[test]
fn a_policy_without_the_lease_path_names_it_and_its_capabilities() {
    let w = TeamWorld::new();
    let laptop = w.machine();
    let (name, old) = w.team_token(&laptop, 10);
    // Read and write of the tokens, listing: everything but the lease folder.
    let policy = format!(
        "path \"secret/data/gitlab-token/{host}*\" {{ capabilities = [\"create\", \"read\", \"update\"] }}\n\
         path \"secret/metadata/gitlab-token/*\" {{ capabilities = [\"list\", \"read\"] }}\n\
         path \"secret/metadata/gitlab-token\" {{ capabilities = [\"list\"] }}\n",
        host = w.host().split(':').next().unwrap()
    );
    let token = w.server.token_with_policy("no-lease", &policy, "1h");
    let runner = w.machine_as(&token);
    assert_eq!(
        w.get(&runner, &name),
        old,
        "the policy lets the runner read the token"
    );
    let out = w.rotate(&runner, &name, &[], &[]);
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    assert!(
        out.stderr.contains(
            r#"path "secret/data/gitlab-token/_lease/*" { capabilities = ["create", "read", "update"] }"#
        ),
        "{out:?}"
    );
    assert!(out.stderr.contains("rotation lease"), "{out:?}");
    assert_eq!(w.rotate_calls(), 0);
    assert_eq!(w.stored(&name), old);
}

#[test]
fn replace_and_the_owner_path_refuse_team_tokens_and_name_add() {
    let w = TeamWorld::new();
    let runner = w.machine();
    let (name, _) = w.team_token(&runner, 10);
    let out = w.rotate(&runner, &name, &["--replace"], &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("add --store vault"), "{out:?}");
    assert_eq!(w.rotate_calls(), 0);
}

#[test]
fn a_rotation_whose_answer_never_arrives_says_the_value_is_lost_and_guides() {
    let w = TeamWorld::new();
    let m = w.machine();
    let (name, old) = w.team_token(&m, 10);
    w.gitlab.drop_rotate_body();
    let out = w.rotate(&m, &name, &[], &[]);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "GitLab rotated {}: the old token",
            w.account(&name)
        )),
        "{out:?}"
    );
    assert!(out.stderr.contains("never reached Vault"), "{out:?}");
    assert!(out.stderr.contains("--store vault"), "{out:?}");
    // Asked with GET self, never rotated again.
    assert_eq!(w.rotate_calls(), 1);
    assert_eq!(w.stored(&name), old);
    assert_eq!(w.record(&name)["data"]["entry"]["expires_at"], in_days(-1));
    let lease = w.lease(&name).unwrap();
    assert!(
        lease["released"] == true && lease["journal"].is_null(),
        "{lease}"
    );
}

#[test]
fn a_rotation_answer_naming_another_user_is_never_stored() {
    let w = TeamWorld::new();
    let m = w.machine();
    let (name, old) = w.team_token(&m, 10);
    w.gitlab.answer_rotate_as_user(99);
    let out = w.rotate(&m, &name, &[], &[]);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(
        out.stderr.contains(
            "not the token that was rotated (it belongs to user 99, the old token to user 7)"
        ),
        "{out:?}"
    );
    let new = w.gitlab.rotated_to(&old).expect("the fake rotated");
    assert_ne!(
        w.stored(&name),
        new,
        "an answer for another user was stored"
    );
    assert_eq!(w.rotate_calls(), 1);
}
