//! The house's one-way rule, measured on the source (README "Architecture"): libraries never
//! reach up to the top layer or to `strings`/`theme`; `runtime` never imports `cli`; a command in
//! `cli/` imports no other command. What still breaks a rule is listed below, by file: the list
//! may only shrink (a new break fails, and so does a listed one that was fixed).

use std::collections::BTreeSet;
use std::path::Path;

/// The library layer: they return typed outcomes and make no sentences.
const LIBRARIES: &[&str] = &[
    "gitlab",
    "probe",
    "vault",
    "rotation",
    "provision",
    "sinks",
    "schedule",
    "validation",
];
/// What only the top layer (`cli`, `ui`, `wizard`, `runtime`) may use.
const TOP_ONLY: &[&str] = &["strings", "theme", "cli", "ui", "wizard", "runtime"];

/// Library files that still call `strings` (issue 19, part 1).
const LIBRARY_BREAKS: &[&str] = &[
    "src/probe/mod.rs",
    "src/sinks/command.rs",
    "src/sinks/mod.rs",
    "src/sinks/variable.rs",
];

/// `runtime` files that still import `cli` (issue 19, part 2).
const RUNTIME_BREAKS: &[&str] = &[];

/// Commands of `cli/` that still use another file of `cli/` as a library (issue 19, part 2):
/// "from -> to". `mod.rs` (the dispatcher) and `args.rs` (clap's definitions) are not commands.
const COMMAND_BREAKS: &[&str] = &["login -> login_screen", "status -> monitor"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments (a doc line naming `crate::strings` is no import).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable source");
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `text` names as `crate::NAME`.
fn crate_uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
        // `use crate::{a, b::c}`
        if rest.starts_with('{') {
            let inner = &rest[1..rest.find('}').unwrap_or(rest.len())];
            for part in inner.split(',') {
                let n: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !n.is_empty() {
                    out.insert(n);
                }
            }
        }
    }
    out
}

fn rel(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn all_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    files
}

/// Compares what the source shows with the list; both ways.
fn ratchet(what: &str, found: BTreeSet<String>, listed: &[&str]) {
    let listed: BTreeSet<String> = listed.iter().map(|s| (*s).to_owned()).collect();
    let new: Vec<&String> = found.difference(&listed).collect();
    let fixed: Vec<&String> = listed.difference(&found).collect();
    assert!(
        new.is_empty(),
        "{what}: new breaks of the one-way rule (see README, Architecture): {new:?}"
    );
    assert!(
        fixed.is_empty(),
        "{what}: fixed, take them off the list in tests/architecture.rs: {fixed:?}"
    );
    eprintln!("{what}: {} left", found.len());
}

#[test]
fn libraries_do_not_reach_up() {
    let mut found = BTreeSet::new();
    for path in all_files() {
        let file = rel(&path);
        let in_library = LIBRARIES
            .iter()
            .any(|l| file.starts_with(&format!("src/{l}/")) || file == format!("src/{l}.rs"));
        if !in_library {
            continue;
        }
        let uses = crate_uses(&code(&path));
        let up: Vec<&String> = uses
            .iter()
            .filter(|u| TOP_ONLY.contains(&u.as_str()))
            .collect();
        // Only `strings` is tolerated on the list; the top layer itself never.
        assert!(
            up.iter().all(|u| *u == "strings"),
            "{file} imports the top layer: {up:?}"
        );
        if !up.is_empty() {
            found.insert(file);
        }
    }
    ratchet("library files using strings", found, LIBRARY_BREAKS);
}

#[test]
fn runtime_does_not_import_cli() {
    let found = all_files()
        .into_iter()
        .filter(|p| rel(p).starts_with("src/runtime/"))
        .filter(|p| crate_uses(&code(p)).contains("cli"))
        .map(|p| rel(&p))
        .collect();
    ratchet("runtime files importing cli", found, RUNTIME_BREAKS);
}

#[test]
fn commands_do_not_import_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    let mut commands: Vec<String> = std::fs::read_dir(&dir)
        .expect("src/cli")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let stem = p.file_stem()?.to_str()?.to_owned();
            (p.extension()? == "rs").then_some(stem)
        })
        .filter(|s| s != "mod" && s != "args")
        .collect();
    commands.sort();
    let mut found = BTreeSet::new();
    for from in &commands {
        let text = code(&dir.join(format!("{from}.rs")));
        for to in commands.iter().filter(|c| *c != from) {
            let named = [
                format!("super::{to}::"),
                format!("crate::cli::{to}::"),
                format!("super::{{{to}"),
                format!("use super::{to};"),
            ];
            let also = text.contains("super::{") && {
                // `use super::{a, b}`
                text.match_indices("super::{").any(|(i, _)| {
                    let inner = &text[i + 8..];
                    let inner = &inner[..inner.find('}').unwrap_or(inner.len())];
                    inner
                        .split(',')
                        .any(|p| p.trim().split("::").next() == Some(to.as_str()))
                })
            };
            if named.iter().any(|n| text.contains(n.as_str())) || also {
                found.insert(format!("{from} -> {to}"));
            }
        }
    }
    ratchet("commands importing another command", found, COMMAND_BREAKS);
}

/// The measure itself is honest: it sees an import, a braced import, and no comment.
#[test]
fn the_measure_sees_imports_and_ignores_comments() {
    let uses = crate_uses("use crate::strings::vault;\nlet x = crate::{theme, gitlab::Client};");
    assert!(uses.contains("strings") && uses.contains("theme") && uses.contains("gitlab"));
    assert!(!crate_uses("let my_crate::x = 1;").contains("x"));
    let dir = std::env::temp_dir().join(format!("arch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("a.rs");
    std::fs::write(&f, "//! see crate::strings\nfn f() {} // crate::theme\n").unwrap();
    assert!(crate_uses(&code(&f)).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
