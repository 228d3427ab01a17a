//! A fine-grained token through the wizard end to end: the BUILT binary in tmux at 80x24 against
//! the fake GitLab 19.2 over real TLS (its version unknown before a token exists, so legacy comes
//! first and `k` switches), the permissions listed (and why, with `w`), the pasted token judged
//! by its permissions, saved in the real Secret Service, and `status` naming what it holds.
//!
//! Run with `bash tests/run.sh --test granular_wizard_e2e`.

mod e2e;
mod support;

use e2e::{TARGET, Tmux, require_environment, secret_tool_clear, session_env, sh_quote};
use gitlab_token::vault::SERVICE;
use support::fake_granular::{scope, selected};
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

const TOOL: [&str; 3] = [
    "read_personal_access_token",
    "read_user",
    "rotate_personal_access_token",
];

/// GitLab 19.2 with alice a Reporter of group `acme` and two fine-grained tokens of hers: one
/// covering the repository scanner on `acme`, one without `download_code`.
fn gitlab(pki: &Pki, good: &str, short: &str) -> FakeGitLab {
    let gitlab = FakeGitLab::start(&pki.valid());
    gitlab.set_knobs(|k| k.version = (19, 2, 0));
    let alice = FakeUser::person(4242, "alice");
    gitlab.add_group("acme");
    gitlab.group_member("acme", alice.id, 20);
    let acme = gitlab.group_id("acme");
    let user = ["read_group", "read_project"];
    let user: Vec<&str> = user.iter().chain(TOOL.iter()).copied().collect();
    let all = ["read_project", "read_repository", "download_code"];
    gitlab.add_token(
        good,
        TokenRecord::fine_grained(
            &alice,
            vec![scope("user", &user), selected(&all, None, Some(acme))],
        ),
    );
    gitlab.add_token(
        short,
        TokenRecord::fine_grained(
            &alice,
            vec![scope("user", &user), selected(&all[..2], None, Some(acme))],
        ),
    );
    gitlab
}

fn start(dir: &std::path::Path, ca: &std::path::Path) -> Tmux {
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let script = format!(
        "{} --ca-file {} --timeout 5; echo EXITED:$?; exec sleep 600",
        sh_quote(BIN),
        sh_quote(ca.to_str().unwrap())
    );
    let tmux = Tmux::start(dir, &work, &session_env(dir), &script);
    tmux.run(&["resize-window", "-t", TARGET, "-x", "80", "-y", "24"]);
    tmux
}

#[test]
fn a_fine_grained_token_is_listed_judged_by_its_permissions_and_saved() {
    require_environment();
    let pki = Pki::new();
    let (good, short) = (new_secret("FINE"), new_secret("SHORT"));
    let gitlab = gitlab(&pki, &good, &short);
    let dir = tempfile::tempdir().unwrap();
    let mut tmux = start(dir.path(), &pki.ca_file);
    let account = format!("repo-scanner@localhost:{}", gitlab.port());

    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.type_text(&gitlab.url());
    tmux.keys(&["Enter"]);
    tmux.wait_for("reachable", "Reachable over valid TLS");
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Down"]);
    tmux.type_text("acme");
    tmux.keys(&["Enter"]);
    tmux.wait_for("role", "Grant the role");
    tmux.keys(&["Enter"]);
    let legacy = tmux.wait_until("generate", "the token step", |s| {
        s.contains("Kind:") && s.contains("q quit")
    });
    assert!(legacy.contains("k if yours is"), "{legacy}");
    tmux.keys(&["k"]);
    let fine = tmux.wait_until("fine-grained", "the fine-grained kind", |s| {
        s.contains("Kind:   fine-grained") && s.contains("q quit")
    });
    assert!(
        fine.contains("/personal_access_tokens/granular/new"),
        "{fine}"
    );
    assert!(fine.contains("download_code"), "{fine}");
    tmux.keys(&["w"]);
    let why = tmux.wait_for("why", "Why each permission");
    assert!(why.contains("clones over HTTPS"), "{why}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("paste", "Paste the token");

    // A token without download_code: named, with what to do.
    tmux.paste(&short);
    tmux.wait_for("pasted short", &short[short.len() - 4..]);
    tmux.keys(&["Enter"]);
    let refused = tmux.wait_until("validate short", "the verdict", |s| {
        s.contains("does not work") || s.contains("All checks passed")
    });
    let fix = refused.split("Fix:").nth(1).unwrap_or_default();
    assert!(fix.contains("download_code"), "the fix names it: {refused}");
    assert!(!refused.contains("All checks passed"), "{refused}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("paste again", "Paste the token");

    tmux.paste(&good);
    tmux.wait_for("pasted good", &good[good.len() - 4..]);
    tmux.keys(&["Enter"]);
    let passed = tmux.wait_until("validate good", "the verdict", |s| {
        s.contains("All checks passed") || s.contains("does not work")
    });
    assert!(passed.contains("All checks passed"), "{passed}");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_until("done", "the Done screen", |s| s.contains("step 10/10"));
    assert!(done.contains(&account), "{done}");
    // It holds rotate_personal_access_token: the daily rotation renews it.
    assert!(!done.contains("cannot"), "{done}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("exited", "EXITED:0");

    let stored = secret_tool_lookup(&account);
    secret_tool_clear(SERVICE, &account);
    assert_eq!(stored.as_deref(), Some(good.as_str()));
    let metadata =
        std::fs::read_to_string(dir.path().join("config/gitlab-token/tokens.toml")).unwrap();
    assert!(metadata.contains("fine_grained = true"), "{metadata}");
    assert!(metadata.contains("download_code"), "{metadata}");
    for screen in &tmux.captures {
        assert!(!screen.text.contains(&good) && !screen.text.contains(&short));
    }
    assert!(!metadata.contains(&good));
}
