//! The files a schedule is made of, as text: systemd user units (Linux), a launchd agent plist
//! (macOS) and a Task Scheduler task (Windows). Pure functions: every platform's files can be built
//! and checked anywhere.

use super::Spec;

/// The systemd unit names (in `~/.config/systemd/user/`).
pub const SYSTEMD_SERVICE: &str = "gitlab-token-rotate.service";
pub const SYSTEMD_TIMER: &str = "gitlab-token-rotate.timer";
/// The launchd agent's label (and file name, with `.plist`).
pub const LAUNCHD_LABEL: &str = "io.gitlab-token.rotate";
/// The Task Scheduler task's name.
pub const TASK_NAME: &str = "gitlab-token rotate";
/// How much later than `--at` a run may start (spreads many machines' calls to GitLab).
pub const RANDOM_DELAY_MINUTES: u32 = 30;

const HEADER: &str =
    "Written by `gitlab-token schedule enable`; `gitlab-token schedule disable` removes it.";

/// The service: one `rotate --scheduled --yes --within DAYS` run.
pub fn systemd_service(spec: &Spec) -> String {
    let command = spec.command();
    let exec: Vec<String> = command
        .iter()
        .enumerate()
        // systemd expands `$` in arguments, never in the program's path.
        .map(|(i, a)| systemd_quote(a, i > 0))
        .collect();
    format!(
        "# {HEADER}\n\
         [Unit]\n\
         Description=Rotate GitLab tokens that expire within {} days (gitlab-token)\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         ExecStart={}\n",
        spec.within,
        exec.join(" ")
    )
}

/// The timer: daily at `--at` local time, up to [`RANDOM_DELAY_MINUTES`] later, and a run missed
/// while the machine was off or the user logged out happens at the next start (`Persistent`).
pub fn systemd_timer(spec: &Spec) -> String {
    format!(
        "# {HEADER}\n\
         [Unit]\n\
         Description=Daily rotation of GitLab tokens that expire soon (gitlab-token)\n\
         \n\
         [Timer]\n\
         OnCalendar=*-*-* {:02}:{:02}:00\n\
         Persistent=true\n\
         RandomizedDelaySec={RANDOM_DELAY_MINUTES}min\n\
         Unit={SYSTEMD_SERVICE}\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n",
        spec.hour, spec.minute
    )
}

/// Characters systemd refuses in an `ExecStart=` program path ("Executable name contains special
/// characters"), found with `systemd-analyze verify`.
pub const SYSTEMD_BAD_PATH_CHARS: [char; 4] = ['"', '\'', '\\', '\n'];

/// One `ExecStart=` word: double-quoted, with `\` and `"` escaped, and systemd's specifiers (`%`)
/// doubled so they are taken literally; in an argument (`argument`), variables (`$`) too.
pub fn systemd_quote(word: &str, argument: bool) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' if argument => out.push_str("$$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for an XML element or attribute value.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all are dropped (a path never has them).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The launchd agent: `ProgramArguments` (no shell), daily at `--at` local time; launchd runs a
/// time missed while the Mac slept once it wakes.
pub fn launchd_plist(spec: &Spec) -> String {
    let args: String = spec
        .command()
        .iter()
        .map(|a| format!("\t\t<string>{}</string>\n", xml_escape(a)))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- {} -->\n\
         <plist version=\"1.0\">\n\
         <dict>\n\
         \t<key>Label</key>\n\
         \t<string>{LAUNCHD_LABEL}</string>\n\
         \t<key>ProgramArguments</key>\n\
         \t<array>\n{args}\t</array>\n\
         \t<key>StartCalendarInterval</key>\n\
         \t<dict>\n\
         \t\t<key>Hour</key>\n\
         \t\t<integer>{}</integer>\n\
         \t\t<key>Minute</key>\n\
         \t\t<integer>{}</integer>\n\
         \t</dict>\n\
         \t<key>ProcessType</key>\n\
         \t<string>Background</string>\n\
         \t<key>LowPriorityIO</key>\n\
         \t<true/>\n\
         </dict>\n\
         </plist>\n",
        xml_escape(HEADER),
        spec.hour,
        spec.minute
    )
}

/// The Task Scheduler task (schema 1.2, what `schtasks /Create /XML` reads): daily at `--at`,
/// a random delay, started as soon as possible after a missed time, only while the user is
/// logged on (the Credential Manager is theirs). Returned as text; written as UTF-16 with a BOM.
pub fn task_xml(spec: &Spec) -> String {
    let command = spec.command();
    let (program, args) = command
        .split_first()
        .map_or(("", &[][..]), |(p, a)| (p.as_str(), a));
    let arguments = args
        .iter()
        .map(|a| windows_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n\
         <!-- {} -->\n\
         <Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n\
         \x20 <RegistrationInfo>\n\
         \x20   <Description>Rotate GitLab tokens that expire within {} days (gitlab-token)</Description>\n\
         \x20 </RegistrationInfo>\n\
         \x20 <Triggers>\n\
         \x20   <CalendarTrigger>\n\
         \x20     <StartBoundary>2026-01-01T{:02}:{:02}:00</StartBoundary>\n\
         \x20     <RandomDelay>PT{RANDOM_DELAY_MINUTES}M</RandomDelay>\n\
         \x20     <ScheduleByDay>\n\
         \x20       <DaysInterval>1</DaysInterval>\n\
         \x20     </ScheduleByDay>\n\
         \x20   </CalendarTrigger>\n\
         \x20 </Triggers>\n\
         \x20 <Principals>\n\
         \x20   <Principal id=\"Author\">\n\
         \x20     <LogonType>InteractiveToken</LogonType>\n\
         \x20     <RunLevel>LeastPrivilege</RunLevel>\n\
         \x20   </Principal>\n\
         \x20 </Principals>\n\
         \x20 <Settings>\n\
         \x20   <StartWhenAvailable>true</StartWhenAvailable>\n\
         \x20   <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n\
         \x20   <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>\n\
         \x20 </Settings>\n\
         \x20 <Actions Context=\"Author\">\n\
         \x20   <Exec>\n\
         \x20     <Command>{}</Command>\n\
         \x20     <Arguments>{}</Arguments>\n\
         \x20   </Exec>\n\
         \x20 </Actions>\n\
         </Task>\n",
        xml_escape(HEADER),
        spec.within,
        spec.hour,
        spec.minute,
        xml_escape(program),
        xml_escape(&arguments),
    )
}

/// The task file's bytes: UTF-16 little-endian with a byte order mark.
pub fn utf16_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

/// One argument for a Windows command line (the CommandLineToArgvW rules).
fn windows_quote(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains([' ', '\t', '"']) {
        return arg.to_owned();
    }
    let mut out = String::from("\"");
    let mut backslashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            c => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
    out
}

/// The line to add with `crontab -e` where there is no systemd user manager (never added for
/// the user). Cron starts jobs without the session's D-Bus: the address of the user's bus is set
/// (it exists while they are logged in).
pub fn crontab_line(spec: &Spec, uid: u32) -> String {
    let words: Vec<String> = spec.command().iter().map(|a| shell_quote(a)).collect();
    format!(
        "{} {} * * * DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{uid}/bus {}",
        spec.minute,
        spec.hour,
        words.join(" ").replace('%', "\\%")
    )
}

/// A word for `sh`: bare when it is plain, else single-quoted.
fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.,:=+@".contains(c))
    {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(systemd_quote("/a b/%h$x", false), "\"/a b/%%h$x\"");
        assert_eq!(systemd_quote("a$b\"\\", true), "\"a$$b\\\"\\\\\"");
        assert_eq!(
            windows_quote("C:\\Program Files\\x.exe"),
            "\"C:\\Program Files\\x.exe\""
        );
        assert_eq!(windows_quote("--yes"), "--yes");
        assert_eq!(windows_quote("a\\\"b"), "\"a\\\\\\\"b\"");
        assert_eq!(shell_quote("/it's here"), "'/it'\\''s here'");
        assert_eq!(xml_escape("a<&>\"'"), "a&lt;&amp;&gt;&quot;&apos;");
    }
}
