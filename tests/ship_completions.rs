//! Shell completions and man pages, generated from the clap definitions: a real bash completes
//! with the script, and `man -l` renders every page without a warning.

use std::process::{Command, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_gitlab-token")
}

fn completion_script(shell: &str) -> String {
    let out = Command::new(bin())
        .args(["completions", shell])
        .stdin(Stdio::null())
        .output()
        .expect("run gitlab-token completions");
    assert!(out.status.success(), "completions {shell}: {out:?}");
    assert!(out.stderr.is_empty(), "completions {shell} said: {out:?}");
    String::from_utf8(out.stdout).expect("a UTF-8 script")
}

/// A real bash (on Windows `bash` may be WSL's, so only where bash is the system's).
#[cfg(unix)]
mod bash {
    use super::completion_script;
    use std::path::Path;
    use std::process::{Command, Stdio};

    /// What bash offers for `line` (the word under the cursor is the last one), using the
    /// function that the script registers with `complete -F`.
    fn bash_complete(script: &Path, line: &str) -> Vec<String> {
        let program = r#"
            source "$1" || exit 90
            spec=$(complete -p gitlab-token) || exit 91
            fn=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\).*/\1/p')
            [ -n "$fn" ] || exit 92
            read -r -a COMP_WORDS <<< "$2"
            [[ "$2" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMP_LINE="$2"
            COMP_POINT=${#COMP_LINE}
            prev=""
            (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
            "$fn" gitlab-token "${COMP_WORDS[COMP_CWORD]}" "$prev"
            printf '%s\n' "${COMPREPLY[@]}"
        "#;
        let out = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", program, "complete-test"])
            .arg(script)
            .arg(line)
            .stdin(Stdio::null())
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "bash could not complete {line:?}: {out:?}"
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn bash_completes_commands_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("gitlab-token.bash");
        std::fs::write(&script, completion_script("bash")).unwrap();

        assert_eq!(bash_complete(&script, "gitlab-token ro"), ["rotate"]);
        assert_eq!(
            bash_complete(&script, "gitlab-token rotate --ye"),
            ["--yes"]
        );
        assert_eq!(
            bash_complete(&script, "gitlab-token completions fi"),
            ["fish"]
        );
        let all = bash_complete(&script, "gitlab-token ");
        for cmd in [
            "setup", "verify", "check", "add", "status", "get", "forget", "rotate", "man",
        ] {
            assert!(all.iter().any(|c| c == cmd), "{cmd} missing from {all:?}");
        }
    }
}

#[test]
fn every_shell_gets_a_script() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef gitlab-token"),
        ("fish", "complete -c gitlab-token"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[gitlab-token]"),
    ] {
        let script = completion_script(shell);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        assert!(script.contains("rotate"), "{shell}: no rotate command");
    }
}

/// A closed standard output (the reader has gone) must not make the generator panic.
#[cfg(unix)]
#[test]
fn closed_stdout_is_not_a_panic() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: pipe() fills two new descriptors that we own from here on.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let out = Command::new(bin())
        .args(["completions", "bash"])
        .stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

/// man-db's `man --warnings -l` (macOS and Windows have no man-db).
#[cfg(target_os = "linux")]
mod man {
    use super::bin;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    fn write_pages(dir: &Path) -> Vec<PathBuf> {
        let out = Command::new(bin())
            .args(["man", "--out-dir"])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .expect("run gitlab-token man");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(PathBuf::from)
            .collect()
    }

    #[test]
    fn man_pages_render_without_warnings() {
        let found = Command::new("man").arg("--version").output().is_ok();
        assert!(
            found,
            "`man` is not installed: run `bash tests/run.sh --test ship_completions` (it installs man-db)"
        );
        let dir = tempfile::tempdir().unwrap();
        let pages = write_pages(dir.path());
        let names: Vec<String> = pages
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for expected in [
            "gitlab-token.1",
            "gitlab-token-rotate.1",
            "gitlab-token-verify.1",
            "gitlab-token-completions.1",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
        }
        for page in &pages {
            assert!(page.starts_with(dir.path()), "{page:?} outside --out-dir");
            let out = Command::new("man")
                .args(["--warnings", "-l"])
                .arg(page)
                .env("MANWIDTH", "80")
                .env_remove("MAN_KEEP_FORMATTING")
                .env_remove("MANPAGER")
                .env("PAGER", "cat")
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{page:?}: {stderr}");
            assert!(stderr.is_empty(), "{page:?} warns:\n{stderr}");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("NAME"), "{page:?} rendered no NAME:\n{text}");
            assert!(text.contains("EXIT STATUS"), "{page:?}: no EXIT STATUS");
        }
        let main = std::fs::read_to_string(dir.path().join("gitlab-token.1")).unwrap();
        for kind in gitlab_token::problem::ProblemKind::ALL {
            assert!(
                main.contains(kind.as_str()),
                "{} not in the page",
                kind.as_str()
            );
        }
    }
}
