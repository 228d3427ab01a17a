//! The real credential stores, seen from outside the program: the Secret Service on the private
//! bus that tests/run.sh starts (checked with `secret-tool`, another client), a bus with no
//! Secret Service at all, and the kernel keyring (a fresh session keyring, checked in /proc/keys).

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// The keychain service name the program uses.
pub const SERVICE: &str = "gitlab-token";

/// Fails (never skips) when the real Secret Service from tests/run.sh is not there.
pub fn require_secret_service() {
    assert_eq!(
        std::env::var("GITLAB_TOKEN_TEST_SECRET_SERVICE").as_deref(),
        Ok("1"),
        "this test needs the real Secret Service: the private D-Bus session with an unlocked \
         gnome-keyring that tests/run.sh starts. Run it through `bash tests/run.sh` \
         (GITLAB_TOKEN_TEST_SECRET_SERVICE is not set)"
    );
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    assert!(
        bus.starts_with("unix:"),
        "DBUS_SESSION_BUS_ADDRESS is not tests/run.sh's private bus (it is `{bus}`)"
    );
}

/// What `secret-tool lookup service gitlab-token username ACCOUNT` finds (`None`: nothing).
pub fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", account])
        .stdin(Stdio::null())
        .output()
        .expect("secret-tool runs (tests/run.sh installs libsecret-tools)");
    let text = String::from_utf8(out.stdout).expect("UTF-8 secret");
    if out.status.success() && !text.is_empty() {
        Some(text)
    } else {
        assert!(
            text.is_empty(),
            "secret-tool failed but printed something: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        None
    }
}

/// Removes the account's secret behind the program's back.
pub fn secret_tool_clear(account: &str) {
    let status = Command::new("secret-tool")
        .args(["clear", "service", SERVICE, "username", account])
        .stdin(Stdio::null())
        .status()
        .expect("secret-tool runs");
    assert!(status.success(), "secret-tool clear {account}: {status}");
}

/// A session bus of the test's own that can start no service, so `org.freedesktop.secrets`
/// is never provided. Stopped on drop.
pub struct BareBus {
    child: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl BareBus {
    pub fn start() -> BareBus {
        let dir = tempfile::tempdir().expect("temp dir for the bus");
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        // Like the standard session.conf, but with no <servicedir>: nothing can be activated.
        std::fs::write(
            &config,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:path={}</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\">\
                 <allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>\
                 <allow own=\"*\"/></policy></busconfig>\n",
                socket.display()
            ),
        )
        .expect("write the bus config");
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (tests/run.sh installs dbus)");
        let mut address = String::new();
        // dbus-daemon prints its address once it listens.
        std::io::BufReader::new(child.stdout.take().expect("bus stdout"))
            .read_line(&mut address)
            .expect("read the bus address");
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon printed {address:?}"
        );
        BareBus {
            child,
            address: address.trim().to_owned(),
            _dir: dir,
        }
    }
}

impl Drop for BareBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes the calling thread (and every process it starts from now on) join a new, empty session
/// keyring: `keyctl session -` without the keyutils package. Under a plain login session the
/// kernel keyring refuses reads (AccessDenied); in a fresh session keyring the program can set,
/// read and invalidate its keys.
#[cfg(target_os = "linux")]
pub fn join_fresh_session_keyring() -> std::ffi::c_long {
    use std::ffi::{c_char, c_long};
    unsafe extern "C" {
        fn syscall(number: c_long, ...) -> c_long;
    }
    const KEYCTL_JOIN_SESSION_KEYRING: c_long = 1;
    let sys_keyctl: c_long = if cfg!(target_arch = "x86_64") {
        250
    } else if cfg!(target_arch = "aarch64") {
        219
    } else {
        panic!("keyctl's syscall number is not known for this architecture")
    };
    // SAFETY: keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL) reads no memory of ours (NULL asks for
    // a new anonymous keyring) and only changes this thread's credentials.
    let id = unsafe {
        syscall(
            sys_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<c_char>(),
        )
    };
    assert!(
        id > 0,
        "cannot join a new session keyring: {}",
        std::io::Error::last_os_error()
    );
    id
}

/// The kernel's description of the program's key for `account` (linux-keyutils-keyring-store:
/// `keyring:` + user + `@` + service).
pub fn keyutils_description(account: &str) -> String {
    format!("keyring:{account}@{SERVICE}")
}

/// Whether /proc/keys (the keys this thread may view) lists a live key with this description.
pub fn proc_keys_lists(description: &str) -> bool {
    let keys = std::fs::read_to_string("/proc/keys").expect("read /proc/keys");
    keys.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION: ...
        fields.len() > 8
            && fields[7] == "user"
            && !fields[1].contains('i') // invalidated, waiting for the garbage collector
            && line.contains(&format!(" {description}: "))
    })
}
