//! The house's one-way rule, measured on the source (README "Architecture"): libraries never
//! reach up to the top layer or to `strings`/`theme`; `runtime` never imports `cli`; a command in
//! `cli/` imports no other command; `session/` imports no command; a library imports only the
//! libraries below it; no two files import each other round a circle. What still breaks a rule is
//! listed below, by file: the list
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
const LIBRARY_BREAKS: &[&str] = &[];

/// `runtime` files that still import `cli` (issue 19, part 2).
const RUNTIME_BREAKS: &[&str] = &[];

/// Commands of `cli/` that still use another file of `cli/` as a library (issue 19, part 2):
/// "from -> to". `mod.rs` (the dispatcher) and `args.rs` (clap's definitions) are not commands.
const COMMAND_BREAKS: &[&str] = &[];

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

/// The files under `folder` that name `crate::cli`.
fn importing_cli(folder: &str) -> BTreeSet<String> {
    all_files()
        .into_iter()
        .filter(|p| rel(p).starts_with(folder))
        .filter(|p| crate_uses(&code(p)).contains("cli"))
        .map(|p| rel(&p))
        .collect()
}

#[test]
fn runtime_does_not_import_cli() {
    let found = importing_cli("src/runtime/");
    ratchet("runtime files importing cli", found, RUNTIME_BREAKS);
}

#[test]
fn commands_do_not_import_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    // A command is a file `cli/NAME.rs` or a folder `cli/NAME/` (its files are that command).
    let mut commands: Vec<String> = std::fs::read_dir(&dir)
        .expect("src/cli")
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.is_dir() {
                return Some(p.file_name()?.to_str()?.to_owned());
            }
            let stem = p.file_stem()?.to_str()?.to_owned();
            (p.extension()? == "rs").then_some(stem)
        })
        .filter(|s| s != "mod" && s != "args")
        .collect();
    commands.sort();
    let mut found = BTreeSet::new();
    for from in &commands {
        let folder = dir.join(from);
        let text = if folder.is_dir() {
            let mut files = Vec::new();
            rust_files(&folder, &mut files);
            files.iter().map(|f| code(f)).collect::<Vec<_>>().join("\n")
        } else {
            code(&dir.join(format!("{from}.rs")))
        };
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

/// Import circles between files that remain (issue 19): each as its files, sorted, joined by
/// spaces. None is left; a new one fails.
const CYCLE_BREAKS: &[&str] = &[];

/// The module path of a source file (`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`).
fn module_of(root: &Path, path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(root).unwrap_or(path).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The paths a file names: `crate::a::b` (and `crate::a::{b, c::d}`), `super::x`, made absolute.
fn named_paths(text: &str, me: &[String]) -> Vec<Vec<String>> {
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|p| {
                p.trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|p| !p.is_empty())
            .collect()
    };
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices("crate::") {
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        let head = ident(rest);
        let after = &rest[head
            .iter()
            .map(|h| h.len() + 2)
            .sum::<usize>()
            .min(rest.len())..];
        if after.starts_with('{') || rest.starts_with('{') {
            let inner = if rest.starts_with('{') { rest } else { after };
            let inner = &inner[1..inner.find('}').unwrap_or(inner.len())];
            for part in inner.split(',') {
                let mut p = head.clone();
                p.extend(ident(part.trim()).into_iter().filter(|s| s != "self"));
                out.push(p);
            }
        }
        out.push(head);
    }
    for (i, _) in text.match_indices("super::") {
        if i > 0
            && (bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':')
        {
            continue;
        }
        let mut rest = &text[i..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        // In `a/b.rs` and in `a/b/mod.rs` (both the module a::b) `super` is `a`.
        let base = &me[..me.len().saturating_sub(ups)];
        let mut p: Vec<String> = base.to_vec();
        p.extend(ident(rest));
        out.push(p);
    }
    out
}

/// Strongly connected components of more than one file in the file import graph.
fn import_circles() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = all_files();
    let by_module: std::collections::BTreeMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (module_of(&root, f), i))
        .collect();
    let resolve = |segs: &[String]| -> Option<usize> {
        (0..=segs.len())
            .rev()
            .find_map(|n| by_module.get(&segs[..n]).copied())
    };
    let edges: Vec<BTreeSet<usize>> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let me = module_of(&root, f);
            named_paths(&code(f), &me)
                .iter()
                .filter_map(|p| resolve(p))
                .filter(|&j| j != i)
                .collect()
        })
        .collect();
    // Tarjan's algorithm, iterative enough for a few hundred files.
    struct T<'a> {
        edges: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on: Vec<bool>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(t: &mut T, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in t.edges[v].clone().iter() {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let n = files.len();
    let mut t = T {
        edges: &edges,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on: vec![false; n],
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    t.out
        .iter()
        .map(|comp| {
            let mut names: Vec<String> = comp.iter().map(|&i| rel(&files[i])).collect();
            names.sort();
            names.join(" ")
        })
        .collect()
}

/// No two files import each other, directly or round a circle (measured on `crate::` and
/// `super::` paths; a parent's own `mod child;` declarations are not imports).
#[test]
fn no_import_circle_between_files() {
    ratchet(
        "import circles between files",
        import_circles(),
        CYCLE_BREAKS,
    );
}

/// The libraries' order, high to low: a library imports only libraries below it.
const LIBRARY_ORDER: &[(&str, u8)] = &[
    ("provision", 5),
    ("rotation", 4),
    ("sinks", 3),
    ("schedule", 3),
    ("validation", 3),
    ("vault", 2),
    ("gitlab", 1),
    ("probe", 1),
];

#[test]
fn libraries_import_only_lower_libraries() {
    let rank = |m: &str| LIBRARY_ORDER.iter().find(|(n, _)| *n == m).map(|(_, r)| *r);
    let mut found = BTreeSet::new();
    for file in all_files() {
        let r = rel(&file);
        let Some(own) = r
            .strip_prefix("src/")
            .and_then(|s| s.split(['/', '.']).next())
        else {
            continue;
        };
        let Some(mine) = rank(own) else { continue };
        for used in crate_uses(&code(&file)) {
            if let Some(theirs) = rank(&used)
                && used != own
                && theirs >= mine
            {
                found.insert(format!("{r} -> {used}"));
            }
        }
    }
    ratchet("library imports pointing up or sideways", found, &[]);
}

/// The shared layer below the commands (`session/`) serves them and never imports them.
#[test]
fn the_shared_layer_does_not_import_cli() {
    ratchet(
        "session files importing cli",
        importing_cli("src/session/"),
        &[],
    );
}

/// The circle measure sees a `super::` path and a braced `crate::` import.
#[test]
fn the_circle_measure_resolves_paths() {
    let me = vec!["rotation".to_owned(), "steps".to_owned()];
    let paths = named_paths(
        "use super::automatic::Stage;\nuse crate::{vault::kv::Kv, strings};",
        &me,
    );
    assert!(
        paths.contains(&vec!["rotation".into(), "automatic".into(), "Stage".into()]),
        "{paths:?}"
    );
    assert!(
        paths.contains(&vec!["vault".into(), "kv".into(), "Kv".into()]),
        "{paths:?}"
    );
    assert!(paths.contains(&vec!["strings".into()]), "{paths:?}");
}
