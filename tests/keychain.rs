//! The keychain against a REAL Secret Service (gnome-keyring on the private session bus that
//! `tests/run.sh` starts). Every write is cross-checked with `secret-tool`, a separate client, so
//! these tests cannot pass against a mock or in-process store.
//!
//! Run them with `bash tests/run.sh --test keychain`. Without run.sh's bus they fail, by design.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::stores::secret_tool_lookup;

use gitlab_token::token::Token;
use gitlab_token::vault::{Keychain, SERVICE, StoreKind, VaultError};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Fails (never skips) when the real Secret Service from tests/run.sh is not there.
fn require_secret_service() {
    assert_eq!(
        std::env::var("GITLAB_TOKEN_TEST_SECRET_SERVICE").as_deref(),
        Ok("1"),
        "the keychain tests need the private D-Bus session with gnome-keyring that tests/run.sh starts: \
         run `bash tests/run.sh --test keychain` (GITLAB_TOKEN_TEST_SECRET_SERVICE is not set)"
    );
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    assert!(
        bus.starts_with("unix:"),
        "DBUS_SESSION_BUS_ADDRESS is not set to tests/run.sh's private bus (it is `{bus}`)"
    );
}

/// An account no other test (or earlier run) uses.
fn unique_account(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "kc-{what}-{}-{nanos}@keychain.test:8443",
        std::process::id()
    )
}

fn token(text: &str) -> Token {
    Token::new(text.to_owned())
}

#[tokio::test]
async fn store_verified_get_overwrite_delete_round_trip() {
    require_secret_service();
    let account = unique_account("roundtrip");
    let first = "glpat-KEYCHAINtestFIRST0001";
    let second = "glpat-KEYCHAINtestSECOND002";

    let keychain = Keychain::open(StoreKind::SecretService, TIMEOUT)
        .await
        .expect("the Secret Service opens");
    assert_eq!(keychain.kind(), StoreKind::SecretService);

    assert_eq!(
        keychain.get(&account).await.unwrap_err(),
        VaultError::NotFound(account.clone())
    );
    assert_eq!(secret_tool_lookup(&account), None);

    keychain
        .store_verified(&account, &token(first))
        .await
        .expect("store_verified");
    assert_eq!(
        keychain
            .get(&account)
            .await
            .expect("get after set")
            .expose(),
        first
    );
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(first),
        "secret-tool sees what we stored"
    );

    // Overwriting replaces the secret (one item per account, not two).
    keychain
        .store_verified(&account, &token(second))
        .await
        .expect("overwrite");
    assert_eq!(
        keychain
            .get(&account)
            .await
            .expect("get after overwrite")
            .expose(),
        second
    );
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(second),
        "secret-tool sees the new token"
    );
    let search = Command::new("secret-tool")
        .args(["search", "--all", "service", SERVICE, "username", &account])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&search.stdout).into_owned()
        + &String::from_utf8_lossy(&search.stderr);
    assert_eq!(
        listing.matches("secret = ").count(),
        1,
        "exactly one item for the account:\n{listing}"
    );

    // A second handle (a new D-Bus connection) sees the same item.
    let other = Keychain::open(StoreKind::SecretService, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(other.get(&account).await.unwrap().expose(), second);

    keychain.delete(&account).await.expect("delete");
    assert_eq!(
        keychain.get(&account).await.unwrap_err(),
        VaultError::NotFound(account.clone())
    );
    assert_eq!(
        other.get(&account).await.unwrap_err(),
        VaultError::NotFound(account.clone())
    );
    assert_eq!(
        secret_tool_lookup(&account),
        None,
        "secret-tool finds nothing after delete"
    );
    assert_eq!(
        keychain.delete(&account).await.unwrap_err(),
        VaultError::NotFound(account.clone())
    );
}

#[tokio::test]
async fn accounts_are_separate() {
    require_secret_service();
    let a = unique_account("sep-a");
    let b = unique_account("sep-b");
    let keychain = Keychain::open(StoreKind::SecretService, TIMEOUT)
        .await
        .unwrap();
    keychain
        .store_verified(&a, &token("glpat-SEPARATEaaaaaaaaaaaaa"))
        .await
        .unwrap();
    keychain
        .store_verified(&b, &token("glpat-SEPARATEbbbbbbbbbbbbb"))
        .await
        .unwrap();
    keychain.delete(&a).await.unwrap();
    assert_eq!(
        keychain.get(&a).await.unwrap_err(),
        VaultError::NotFound(a.clone())
    );
    assert_eq!(
        keychain.get(&b).await.unwrap().expose(),
        "glpat-SEPARATEbbbbbbbbbbbbb"
    );
    assert_eq!(
        secret_tool_lookup(&b).as_deref(),
        Some("glpat-SEPARATEbbbbbbbbbbbbb")
    );
    keychain.delete(&b).await.unwrap();
    assert_eq!(secret_tool_lookup(&b), None);
}

#[tokio::test]
async fn a_token_stored_by_another_client_is_read() {
    require_secret_service();
    let account = unique_account("foreign");
    let secret = "glpat-STOREDbySECRETTOOL01";
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label=gitlab-token test",
            "service",
            SERVICE,
            "username",
            &account,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(secret.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store");
    let keychain = Keychain::open(StoreKind::SecretService, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(keychain.get(&account).await.unwrap().expose(), secret);
    keychain.delete(&account).await.unwrap();
    assert_eq!(secret_tool_lookup(&account), None);
}

/// Set in the child processes the tests below spawn: what the child does.
const CHILD: &str = "GITLAB_TOKEN_TEST_KEYCHAIN_CHILD";

/// In a child (this test binary again, filtered to `test`), with `env` added, opens the Secret
/// Service and, for `op` "store", stores a token. `Keychain::open` reads the process environment
/// (`DBUS_SESSION_BUS_ADDRESS`), which is why this runs in a child. Returns the child's
/// `RESULT: ...` line: the `Debug` of what the keychain returned.
fn in_child(test: &str, op: &str, env: &[(&str, &Path)], bus: &str) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, op)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    stdout
        .lines()
        .find_map(|l| l.split_once("RESULT: ").map(|(_, r)| r))
        .unwrap_or_else(|| panic!("the child did not run the check:\n{stdout}\n{stderr}"))
        .to_owned()
}

/// The child's side of [`in_child`]: true when this process is such a child (it then did the work).
fn child_side() -> bool {
    let Ok(op) = std::env::var(CHILD) else {
        return false;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let result = rt.block_on(async {
        let keychain = Keychain::open(StoreKind::SecretService, TIMEOUT).await?;
        if op == "store" {
            keychain
                .store_verified(
                    "child@keychain.test",
                    &token("glpat-CHILDchildCHILDchild01"),
                )
                .await?;
        }
        Ok::<_, VaultError>(())
    });
    println!("RESULT: {result:?}");
    true
}

/// Temporary XDG dirs (and HOME) for a child, all empty.
struct Dirs {
    dir: tempfile::TempDir,
}

impl Dirs {
    fn new() -> Dirs {
        let dir = tempfile::tempdir().unwrap();
        for name in ["run", "data", "config", "cache", "home"] {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
        }
        Dirs { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn env(&self) -> Vec<(&'static str, std::path::PathBuf)> {
        vec![
            ("XDG_RUNTIME_DIR", self.path("run")),
            ("XDG_DATA_HOME", self.path("data")),
            ("XDG_CONFIG_HOME", self.path("config")),
            ("XDG_CACHE_HOME", self.path("cache")),
            ("HOME", self.path("home")),
        ]
    }
}

fn env_refs<'a>(env: &'a [(&'static str, std::path::PathBuf)]) -> Vec<(&'static str, &'a Path)> {
    env.iter().map(|(k, v)| (*k, v.as_path())).collect()
}

/// A dbus-daemon of this test's own, stopped on drop (a Secret Service it activated stops with it).
struct Bus {
    child: std::process::Child,
    address: String,
}

impl Bus {
    /// `standard`: the usual session configuration, which activates gnome-keyring on demand
    /// (from its D-Bus .service file); otherwise a bus that can start no service at all.
    fn start(dirs: &Dirs, standard: bool) -> Bus {
        use std::io::BufRead;
        let socket = dirs.path("run").join("bus");
        let mut command = Command::new("dbus-daemon");
        if standard {
            command.args([
                "--session",
                &format!("--address=unix:path={}", socket.display()),
            ]);
        } else {
            let config = dirs.path("config").join("bus.conf");
            std::fs::write(
                &config,
                format!(
                    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                     \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                     <busconfig><type>session</type><listen>unix:path={}</listen><auth>EXTERNAL</auth>\
                     <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                     <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                    socket.display()
                ),
            )
            .unwrap();
            command.arg(format!("--config-file={}", config.display()));
        }
        let mut child = command
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .envs(dirs.env())
            .env_remove("DISPLAY")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (tests/run.sh installs dbus)");
        let mut address = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon printed {address:?}"
        );
        Bus {
            child,
            address: address.trim().to_owned(),
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// With `DBUS_SESSION_BUS_ADDRESS` naming a socket that does not exist, opening the keychain is
/// `NoSession` (the message that tells the user to start a session), and nothing is written.
#[test]
fn no_session_bus_is_no_session_and_writes_nothing() {
    if child_side() {
        return;
    }
    require_secret_service();
    let dirs = Dirs::new();
    let missing = format!(
        "unix:path={}",
        dirs.path("run").join("no-such-bus").display()
    );
    let env = dirs.env();
    let result = in_child(
        "no_session_bus_is_no_session_and_writes_nothing",
        "store",
        &env_refs(&env),
        &missing,
    );
    assert!(result.starts_with("Err(NoSession("), "{result}");
    let written = files_under(dirs.dir.path());
    assert!(
        written.is_empty(),
        "opening a keychain with no session wrote files: {written:?}"
    );
}

/// A `DBUS_SESSION_BUS_ADDRESS` that is not an address at all is `NoSession` too, not a bare
/// "keychain error".
#[test]
fn an_unusable_bus_address_is_no_session() {
    if child_side() {
        return;
    }
    require_secret_service();
    let dirs = Dirs::new();
    let env = dirs.env();
    let result = in_child(
        "an_unusable_bus_address_is_no_session",
        "open",
        &env_refs(&env),
        "not-a-bus-address",
    );
    assert!(result.starts_with("Err(NoSession("), "{result}");
}

/// A session bus where nothing provides org.freedesktop.secrets: `NoProvider`.
#[test]
fn a_bus_without_a_secret_service_is_no_provider() {
    if child_side() {
        return;
    }
    require_secret_service();
    let dirs = Dirs::new();
    let bus = Bus::start(&dirs, false);
    let env = dirs.env();
    let result = in_child(
        "a_bus_without_a_secret_service_is_no_provider",
        "open",
        &env_refs(&env),
        &bus.address,
    );
    assert!(result.starts_with("Err(NoProvider("), "{result}");
}

/// The usual headless server: gnome-keyring installed, started by the bus on demand, but no
/// keyring was ever created or unlocked (no desktop login). Storing fails as `Locked` (whose fix
/// says to unlock it) at once, rather than hanging on a prompt nobody can see.
#[test]
fn a_keyring_never_unlocked_is_locked() {
    if child_side() {
        return;
    }
    require_secret_service();
    let dirs = Dirs::new();
    let bus = Bus::start(&dirs, true);
    let env = dirs.env();
    let started = std::time::Instant::now();
    let result = in_child(
        "a_keyring_never_unlocked_is_locked",
        "store",
        &env_refs(&env),
        &bus.address,
    );
    assert!(result.starts_with("Err(Locked("), "{result}");
    assert!(
        started.elapsed() < TIMEOUT,
        "it failed fast ({:?})",
        started.elapsed()
    );
}

/// A keyring that exists but is locked (the screen locker, or a login without the keyring's
/// password): the Secret Service answers "prompt dismissed" when no prompt can be shown. That is
/// reported as `Locked` (unlock it), not as a prompt the user never saw.
#[test]
fn a_locked_keyring_is_locked_not_a_dismissed_prompt() {
    if child_side() {
        return;
    }
    require_secret_service();
    let dirs = Dirs::new();
    let bus = Bus::start(&dirs, true);
    let env = dirs.env();
    let on_bus = |program: &str| {
        let mut c = Command::new(program);
        c.envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        c
    };
    // Create and unlock the login keyring, as a desktop login does...
    let mut unlock = on_bus("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon runs");
    {
        use std::io::Write;
        let mut stdin = unlock.stdin.take().unwrap();
        stdin.write_all(b"locked-keyring-test").unwrap();
    }
    unlock.wait().unwrap();
    // ...then lock it.
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let locked = on_bus("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        if locked.success() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "could not lock the test keyring"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let result = in_child(
        "a_locked_keyring_is_locked_not_a_dismissed_prompt",
        "store",
        &env_refs(&env),
        &bus.address,
    );
    assert!(result.starts_with("Err(Locked("), "{result}");
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}
