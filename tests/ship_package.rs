//! What `cargo package` (and so `cargo install gitlab-token` from crates.io) ships: the
//! sources, the embedded profiles, the licences and the README; no tests, snapshots or CI files.

use std::path::Path;
use std::process::{Command, Stdio};

fn package_list() -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline", "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("run cargo package --list");
    assert!(
        out.status.success(),
        "cargo package --list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.replace('\\', "/"))
        .collect()
}

/// Every file under `dir` (relative to the crate root, with `/`).
fn files_under(dir: &str) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    walk(root, &root.join(dir), &mut out);
    out
}

#[test]
fn the_package_holds_what_a_build_needs_and_nothing_else() {
    let list = package_list();
    for path in &list {
        for banned in ["tests/", ".ci/", ".github/", "target/", "snapshots/"] {
            assert!(
                !path.starts_with(banned) && !path.contains(&format!("/{banned}")),
                "{path} should not be in the package"
            );
        }
        assert!(
            !path.ends_with(".snap"),
            "{path}: a snapshot in the package"
        );
    }
    // Everything the build reads (include_str! reaches into assets/).
    for path in files_under("src").iter().chain(&files_under("assets")) {
        assert!(list.contains(path), "{path} is missing from the package");
    }
    for path in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "CHANGELOG.md",
        "assets/licenses/LICENSE-MIT",
        "assets/licenses/LICENSE-APACHE",
    ] {
        assert!(list.iter().any(|p| p == path), "{path} is missing");
    }
}
