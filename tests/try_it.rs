//! Not a check: the fake GitLab served for trying the wizard by hand (`bash tests/try-it.sh`).
//! It runs only when asked for by name (`--ignored`), and writes its address, CA file and
//! throwaway test tokens (and an OAuth application id, `oauth-app-id`, approved on the third
//! poll) into `$GITLAB_TOKEN_TRY_DIR`, then serves until `stop` appears there.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use support::{FakeGitLab, FakeUser, Pki, TokenRecord};

#[test]
#[ignore = "a server for trying the wizard by hand: run `bash tests/try-it.sh`"]
fn serve() {
    let dir = PathBuf::from(std::env::var("GITLAB_TOKEN_TRY_DIR").expect("GITLAB_TOKEN_TRY_DIR"));
    let delay: u64 = std::env::var("GITLAB_TOKEN_TRY_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let bot = FakeUser::service_account(7, "scanner-bot");
    let me = FakeUser::person(8, "alice");
    gitlab.group_member("acme", bot.id, 20);
    gitlab.group_member("acme", me.id, 50);
    let tokens = [
        (
            "scanner",
            "glpat-TRYscanner000000000001",
            TokenRecord::new(&bot, &["read_api", "read_repository"]).named("repo-scanner"),
        ),
        (
            "expiring-api",
            "glpat-TRYexpiringapi00000002",
            TokenRecord::new(&me, &["api", "read_api", "read_user"])
                .named("mr-reviewer")
                .expires_in(5),
        ),
        (
            "person",
            "glpat-TRYperson0000000000003",
            TokenRecord::new(&me, &["read_api", "read_repository"]).named("mine"),
        ),
    ];
    let mut list = String::new();
    for (label, secret, record) in tokens {
        gitlab.add_token(secret, record);
        list.push_str(&format!("{label} {secret}\n"));
    }
    // A fine-grained token of alice's for the repository scanner (GitLab 19.2+; set the fake's
    // version with GITLAB_TOKEN_TRY_VERSION=19.2).
    let user = [
        "read_group",
        "read_project",
        "read_personal_access_token",
        "read_user",
        "rotate_personal_access_token",
    ];
    let all = ["read_project", "read_repository", "download_code"];
    let fine = "glpat-TRYfine00000000000005";
    gitlab.add_token(
        fine,
        TokenRecord::fine_grained(
            &me,
            vec![
                support::fake_granular::scope("user", &user),
                support::fake_granular::scope("all_memberships", &all),
            ],
        )
        .named("fine-grained scanner"),
    );
    list.push_str(&format!("fine {fine}\n"));
    if let Some((a, b)) = std::env::var("GITLAB_TOKEN_TRY_VERSION")
        .ok()
        .and_then(|v| gitlab_token::gitlab::version::parse(&v))
    {
        gitlab.set_knobs(|k| k.version = (a, b, 0));
    }
    // GitLab does not know a deploy token as an access token: it answers 401.
    list.push_str("deploy gldt-TRYdeploy00000000000004\n");
    std::fs::write(dir.join("tokens.txt"), list).unwrap();
    std::fs::copy(&pki.ca_file, dir.join("ca.pem")).unwrap();
    // A public OAuth application for the browser sign-in (`login`, or the wizard's third way):
    // the fake approves on the third poll, as alice.
    gitlab.oauth(|o| {
        o.add_app(
            "try-app-id",
            &["api", "read_api", "read_user", "read_repository"],
        );
        o.user = me.clone();
        o.approve_on_poll = 3;
        o.interval = 2;
    });
    std::fs::write(dir.join("oauth-app-id"), "try-app-id").unwrap();
    // "Create it for me": alice owns acme, where Owners may create service accounts.
    gitlab.add_group("acme/tools");
    gitlab.set_knobs(|k| k.owners_may_create = true);
    gitlab.set_delay(Duration::from_millis(delay));
    std::fs::write(dir.join("url"), gitlab.url()).unwrap();
    while !dir.join("stop").exists() {
        std::thread::sleep(Duration::from_millis(200));
    }
}
