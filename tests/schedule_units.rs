//! `gitlab-token schedule enable|disable|status` with the built binary: the systemd user units it
//! writes are accepted by the real `systemd-analyze verify --user`; enabling twice changes
//! nothing; `disable` removes exactly what `enable` wrote; without a systemd user manager it
//! writes nothing and prints the crontab line. `systemctl` is a fake on PATH that records its
//! calls (no user manager runs here); the launchd plist and the Task Scheduler XML are parsed by
//! real parsers (python3's plistlib and xml.etree).
#![cfg(target_os = "linux")]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use gitlab_token::schedule::{Spec, units};
use support::home::{Home, files_under};

/// A home whose PATH starts with a fake `systemctl` that logs its arguments and fails
/// `show-environment` when `fail_show` (as the real one does without a user manager).
struct Sched {
    home: Home,
    bin: PathBuf,
    _dir: tempfile::TempDir,
}

const FAKE_SYSTEMCTL: &str = r#"#!/bin/sh
echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
if [ "$2" = "show-environment" ] && [ -n "$FAKE_NO_MANAGER" ]; then
    echo "Failed to connect to bus: No medium found" >&2
    exit 1
fi
if [ "$2" = "show" ]; then
    echo "Sat 2026-11-28 10:17:03 UTC"
fi
exit 0
"#;

impl Sched {
    fn new(no_manager: bool) -> Sched {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_owned();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let fake = bin.join("systemctl");
        std::fs::write(&fake, FAKE_SYSTEMCTL).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:/usr/bin:/bin", bin.display());
        let log = dir.join("systemctl.log");
        let mut home = Home::new()
            .with_env("PATH", &path)
            .with_env("FAKE_SYSTEMCTL_LOG", log.to_str().unwrap());
        if no_manager {
            home = home.with_env("FAKE_NO_MANAGER", "1");
        }
        Sched {
            home,
            bin,
            _dir: tmp,
        }
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.bin.parent().unwrap().join("systemctl.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn units_dir(&self) -> PathBuf {
        self.home.path().join("config/systemd/user")
    }

    fn record(&self) -> PathBuf {
        self.home.path().join("config/gitlab-token/schedule.toml")
    }

    /// Every file under the home (except the fake's log) with its content and mtime.
    fn snapshot(&self) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
        files_under(self.home.path())
            .into_iter()
            .map(|p| {
                let meta = std::fs::metadata(&p).unwrap();
                (
                    p.clone(),
                    (std::fs::read(&p).unwrap(), meta.modified().unwrap()),
                )
            })
            .collect()
    }
}

/// `systemd-analyze verify --user` on `files`: exit 0 and not a single warning.
fn assert_systemd_accepts(home: &Home, files: &[PathBuf]) {
    let out = Command::new("systemd-analyze")
        .args(["verify", "--user"])
        .args(files)
        .env("XDG_RUNTIME_DIR", home.path().join("run"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path())
        .output()
        .expect("systemd-analyze runs (tests/run.sh installs systemd)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {:?}\n{stderr}",
        out.status
    );
}

#[test]
fn enable_writes_units_systemd_accepts_and_loads_them() {
    let s = Sched::new(false);
    let out = s.home.run(
        &["schedule", "enable", "--at", "07:45", "--within", "10"],
        "",
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("Installed: every day at 07:45"),
        "{out:?}"
    );
    let service = s.units_dir().join("gitlab-token-rotate.service");
    let timer = s.units_dir().join("gitlab-token-rotate.timer");
    let service_text = std::fs::read_to_string(&service).unwrap();
    let timer_text = std::fs::read_to_string(&timer).unwrap();
    assert!(
        timer_text.contains("OnCalendar=*-*-* 07:45:00\n"),
        "{timer_text}"
    );
    assert!(timer_text.contains("Persistent=true\n"), "{timer_text}");
    assert!(
        timer_text.contains("RandomizedDelaySec=30min\n"),
        "{timer_text}"
    );
    let exe = support::rotating::BIN;
    assert!(
        service_text.contains(&format!(
            "ExecStart=\"{exe}\" \"rotate\" \"--scheduled\" \"--yes\" \"--within\" \"10\"\n"
        )),
        "{service_text}"
    );
    assert_systemd_accepts(&s.home, &[service.clone(), timer.clone()]);
    assert_eq!(
        s.calls(),
        [
            "--user show-environment",
            "--user daemon-reload",
            "--user enable --now gitlab-token-rotate.timer",
            "--user restart gitlab-token-rotate.timer",
        ]
    );
    // The files are private to the user (written like the metadata: temp file + rename).
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&service).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let status = s.home.run(&["schedule", "status"], "");
    assert_eq!(status.code, Some(0), "{status:?}");
    assert!(
        status.stdout.contains("Schedule: daily at 07:45, renews tokens that expire within 10 days (systemd user timer)")
            && status.stdout.contains(service.to_str().unwrap())
            && status.stdout.contains("Last run: none yet.")
            && status.stdout.contains("Next run: Sat 2026-11-28 10:17:03 UTC"),
        "{status:?}"
    );
    // `status` says so too (item 5).
    let plain = s.home.run(&["status"], "");
    assert!(
        plain.stdout.contains("Schedule: daily at 07:45"),
        "{plain:?}"
    );
}

#[test]
fn enabling_twice_changes_nothing_and_disable_removes_exactly_what_enable_wrote() {
    let s = Sched::new(false);
    // Something of the user's own, beside what enable writes: never touched.
    let own = s.units_dir().join("my-own.service");
    std::fs::create_dir_all(s.units_dir()).unwrap();
    std::fs::write(&own, "[Service]\nExecStart=/bin/true\n").unwrap();
    let before = s.snapshot();

    let first = s.home.run(&["schedule", "enable"], "");
    assert_eq!(first.code, Some(0), "{first:?}");
    let after_first = s.snapshot();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = s.home.run(&["schedule", "enable"], "");
    assert_eq!(second.code, Some(0), "{second:?}");
    assert!(
        second.stdout.contains("Already installed, unchanged"),
        "{second:?}"
    );
    assert_eq!(
        s.snapshot(),
        after_first,
        "the second enable changed a file"
    );
    // The second run only makes sure the timer is enabled: no reload, no restart.
    let calls = s.calls();
    assert_eq!(
        &calls[4..],
        [
            "--user show-environment",
            "--user enable --now gitlab-token-rotate.timer"
        ]
    );

    let added: Vec<&PathBuf> = after_first
        .keys()
        .filter(|p| !before.contains_key(*p))
        .collect();
    assert_eq!(added.len(), 3, "{added:?}"); // two units and the record

    let off = s.home.run(&["schedule", "disable"], "");
    assert_eq!(off.code, Some(0), "{off:?}");
    assert!(off.stdout.contains("Removed the schedule"), "{off:?}");
    assert_eq!(
        s.snapshot(),
        before,
        "disable did not restore the home exactly"
    );
    assert!(own.exists());
    let calls = s.calls();
    assert_eq!(
        &calls[6..],
        [
            "--user disable --now gitlab-token-rotate.timer",
            "--user daemon-reload"
        ]
    );
    // Nothing installed now: disable again is a no-op that says so.
    let again = s.home.run(&["schedule", "disable"], "");
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(
        again.stdout.contains("No schedule is installed"),
        "{again:?}"
    );
}

#[test]
fn a_new_time_rewrites_the_timer_only() {
    let s = Sched::new(false);
    assert_eq!(s.home.run(&["schedule", "enable"], "").code, Some(0));
    let service = s.units_dir().join("gitlab-token-rotate.service");
    let service_before = std::fs::metadata(&service).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = s.home.run(&["schedule", "enable", "--at", "23:05"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    let timer = std::fs::read_to_string(s.units_dir().join("gitlab-token-rotate.timer")).unwrap();
    assert!(timer.contains("OnCalendar=*-*-* 23:05:00"), "{timer}");
    assert_eq!(
        std::fs::metadata(&service).unwrap().modified().unwrap(),
        service_before
    );
    assert!(
        std::fs::read_to_string(s.record())
            .unwrap()
            .contains("at = \"23:05\"")
    );
}

#[test]
fn a_unit_file_gitlab_token_did_not_write_is_never_overwritten() {
    let s = Sched::new(false);
    std::fs::create_dir_all(s.units_dir()).unwrap();
    let theirs = s.units_dir().join("gitlab-token-rotate.timer");
    std::fs::write(&theirs, "[Timer]\nOnCalendar=weekly\n").unwrap();
    let out = s.home.run(&["schedule", "enable"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("was not written by gitlab-token"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "[Timer]\nOnCalendar=weekly\n"
    );
    assert!(!s.record().exists());
    assert!(
        !s.calls().iter().any(|c| c.contains("enable")),
        "{:?}",
        s.calls()
    );
}

#[test]
fn without_a_user_manager_nothing_is_written_and_the_crontab_line_is_printed() {
    let s = Sched::new(true);
    let before = s.snapshot();
    let out = s.home.run(
        &["schedule", "enable", "--at", "06:30", "--within", "7"],
        "",
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains(
            "No systemd user manager is running for you (Failed to connect to bus: No medium found)"
        ) && out.stderr.contains("gitlab-token never edits your crontab")
            && out.stderr.contains("--store keyutils"),
        "{out:?}"
    );
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let line = format!(
        "30 6 * * * DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{uid}/bus {} rotate --scheduled --yes --within 7",
        support::rotating::BIN
    );
    assert_eq!(out.stdout.trim(), line, "{out:?}");
    assert_eq!(s.snapshot(), before, "something was written");
    assert_eq!(s.calls(), ["--user show-environment"]);
}

#[test]
fn without_systemctl_at_all_the_crontab_line_is_printed_too() {
    let home = Home::new().with_env("PATH", "/nonexistent");
    let out = home.run(&["schedule", "enable"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("(systemctl is not installed)"),
        "{out:?}"
    );
    assert!(out.stdout.starts_with("0 10 * * * "), "{out:?}");
    assert!(files_under(&home.path().join("config")).is_empty());
}

#[test]
fn bad_times_are_usage_errors() {
    let home = Home::new();
    for at in ["24:00", "7", "07:60", "7:5pm", ""] {
        let out = home.run(&["schedule", "enable", "--at", at], "");
        assert_eq!(out.code, Some(2), "{at}: {out:?}");
        assert!(out.stderr.contains("HH:MM"), "{at}: {out:?}");
    }
}

/// The built binary under `dir/sub/gitlab-token` (a hard link, or a copy across file systems).
fn binary_at(dir: &Path, sub: &str) -> PathBuf {
    let odd = dir.join(sub);
    std::fs::create_dir_all(&odd).unwrap();
    let exe = odd.join("gitlab-token");
    if std::fs::hard_link(support::rotating::BIN, &exe).is_err() {
        std::fs::copy(support::rotating::BIN, &exe).unwrap();
    }
    exe
}

/// A program path with a space, `%`, `$`, `&` and `<` in it.
fn awkward_spec(dir: &Path) -> Spec {
    let exe = binary_at(dir, "a dir & 100% $HOME <x>");
    Spec {
        hour: 4,
        minute: 5,
        within: 21,
        exe,
    }
}

#[test]
fn systemd_takes_an_awkward_program_path_literally() {
    let home = Home::new();
    let spec = awkward_spec(home.path());
    let dir = home.path().join("config/systemd/user");
    std::fs::create_dir_all(&dir).unwrap();
    let service = dir.join(units::SYSTEMD_SERVICE);
    let timer = dir.join(units::SYSTEMD_TIMER);
    std::fs::write(&service, units::systemd_service(&spec)).unwrap();
    std::fs::write(&timer, units::systemd_timer(&spec)).unwrap();
    // verify checks that ExecStart's program exists: it would not if %, $ or " were mangled.
    assert_systemd_accepts(&home, &[service, timer]);
}

#[test]
fn a_program_path_systemd_cannot_run_is_refused_before_anything_is_written() {
    let s = Sched::new(false);
    let exe = binary_at(s.home.path(), "it's here");
    let before = s.snapshot();
    let out = s
        .home
        .run_program(exe.to_str().unwrap(), &["schedule", "enable"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr
            .contains("systemd cannot run a program whose path holds a quote")
            && out.stderr.contains("~/.local/bin"),
        "{out:?}"
    );
    assert_eq!(s.snapshot(), before);
}

fn python(script: &str, input: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_launchd_plist_parses_with_the_program_arguments_intact() {
    let home = Home::new();
    let spec = awkward_spec(home.path());
    let plist = units::launchd_plist(&spec);
    let parsed = python(
        "import plistlib,sys,json; p=plistlib.loads(sys.stdin.buffer.read()); print(json.dumps(p))",
        plist.as_bytes(),
    );
    let v: serde_json::Value = serde_json::from_str(&parsed).unwrap();
    assert_eq!(v["Label"], "io.gitlab-token.rotate");
    assert_eq!(v["ProgramArguments"], serde_json::json!(spec.command()));
    assert_eq!(
        v["StartCalendarInterval"],
        serde_json::json!({"Hour": 4, "Minute": 5})
    );
}

#[test]
fn the_task_scheduler_xml_is_well_formed_utf16_with_the_command_intact() {
    let home = Home::new();
    let spec = awkward_spec(home.path());
    let bytes = units::utf16_with_bom(&units::task_xml(&spec));
    assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
    let parsed = python(
        "import sys,json,xml.etree.ElementTree as E\n\
         ns={'t':'http://schemas.microsoft.com/windows/2004/02/mit/task'}\n\
         r=E.fromstring(sys.stdin.buffer.read())\n\
         g=lambda p:r.find(p,ns).text\n\
         print(json.dumps([g('.//t:Exec/t:Command'),g('.//t:Exec/t:Arguments'),g('.//t:StartBoundary'),g('.//t:StartWhenAvailable'),g('.//t:RandomDelay')]))",
        &bytes,
    );
    let v: Vec<String> = serde_json::from_str(&parsed).unwrap();
    assert_eq!(v[0], spec.exe.to_str().unwrap());
    assert_eq!(v[1], "rotate --scheduled --yes --within 21");
    assert_eq!(v[2], "2026-01-01T04:05:00");
    assert_eq!(v[3], "true");
    assert_eq!(v[4], "PT30M");
}
