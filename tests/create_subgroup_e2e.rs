//! A subgroup's Owner creating a subgroup service account in the BUILT wizard (tmux, 80x24),
//! authorized by her own pasted token, against the fake GitLab 18.11 over real TLS and the real
//! Secret Service: the plan chooses "Subgroup service account", the account is made in the
//! subgroup (not the top-level group she does not own), joined to it, and its token stored.
//!
//! Run with `bash tests/run.sh --test create_subgroup_e2e`.
#![cfg(target_os = "linux")]

mod e2e;
mod support;

use e2e::{TARGET, Tmux, require_environment, session_env, sh_quote};
use support::fake_provision::AccountKind;
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");
const SUBGROUP: &str = "acme/tools";
const DANA: u64 = 10;

#[test]
fn a_subgroup_owner_creates_a_subgroup_service_account_in_the_wizard() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    // acme has an Owner of its own (alice); Dana owns only the subgroup.
    gitlab.group_member("acme", 7, 50);
    gitlab.add_group(SUBGROUP);
    gitlab.group_member(SUBGROUP, DANA, 50);
    gitlab.set_knobs(|k| {
        k.owners_may_create = true;
        k.version = (18, 11, 0);
    });
    let own = new_secret("dana");
    gitlab.add_token(
        &own,
        TokenRecord::new(&FakeUser::person(DANA, "dana"), &["api"]),
    );

    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let name = support::home::unique_name("sub");
    let account = format!("{name}@localhost:{}", gitlab.port());
    let script = format!(
        "{} --ca-file {} --name {name} --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN),
        sh_quote(pki.ca_file.to_str().unwrap()),
    );
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    tmux.run(&["resize-window", "-t", TARGET, "-x", "80", "-y", "24"]);

    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.type_text(&gitlab.url());
    tmux.wait_for("host typed", &gitlab.url());
    tmux.keys(&["Enter"]);
    tmux.wait_for("reachability", "Reachable over valid TLS");
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Right"]);
    tmux.wait_for("create for me", "◉ Create it for me");
    tmux.type_text(SUBGROUP);
    tmux.wait_for("target typed", SUBGROUP);
    tmux.keys(&["Enter"]);
    tmux.wait_for("authorize", "Create it for me 1/4");
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("paste field", "Your token:");
    tmux.paste(&own);
    tmux.wait_for("pasted, masked", "characters)");
    tmux.keys(&["Enter"]);
    let plan = tmux.wait_until("plan", "the plan", |s| {
        s.contains("Will create") || s.contains("Nothing can be") || s.contains("Could not")
    });
    assert!(
        plan.contains("Will create: Subgroup service account"),
        "{plan}"
    );
    assert!(plan.contains(SUBGROUP), "{plan}");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_until("done", "the Done screen", |s| {
        s.contains("Created and stored.") || s.contains("stopped") || s.contains("Could not")
    });
    assert!(done.contains("Created and stored."), "{done}");

    let accounts = gitlab.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(accounts[0].kind, AccountKind::Group(SUBGROUP.into()));
    let sa = accounts[0].id;
    assert_eq!(gitlab.direct_level(false, SUBGROUP, sa), Some(20));
    let active: Vec<String> = gitlab
        .secrets_of(sa)
        .into_iter()
        .filter(|(_, r)| r.active && !r.revoked)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(active.len(), 1, "one working token");
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(active[0].as_str())
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("exited", "END");
    e2e::secret_tool_clear(gitlab_token::vault::SERVICE, &account);
    tmux.assert_never_shown(&own);
    tmux.assert_never_shown(&active[0]);
}
