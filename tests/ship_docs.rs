//! The README's tables and the man pages come from one source (src/strings/manual.rs): the
//! README may not say something else, and `ProblemKind::ALL` may not miss a kind.

use gitlab_token::problem::ProblemKind;
use gitlab_token::strings::manual::{EXIT_STATUS, kind_meaning};

const README: &str = include_str!("../README.md");
const PROBLEM_RS: &str = include_str!("../src/problem.rs");

/// The rows `| a | b |` of the first table after the heading `heading`.
fn table_after(heading: &str) -> Vec<Vec<String>> {
    let start = README
        .lines()
        .position(|l| l.trim() == heading)
        .unwrap_or_else(|| panic!("README has no {heading:?}"));
    README
        .lines()
        .skip(start + 1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // the header and its |---| line
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn all_lists_every_declared_kind_in_order() {
    let body = PROBLEM_RS
        .split("pub enum ProblemKind {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("the enum in src/problem.rs");
    let declared: Vec<&str> = body
        .lines()
        .map(|l| l.trim().trim_end_matches(','))
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect();
    let listed: Vec<String> = ProblemKind::ALL.iter().map(|k| format!("{k:?}")).collect();
    assert_eq!(listed, declared, "ProblemKind::ALL must list every kind");
}

#[test]
fn readme_problem_kinds_table_says_what_the_man_page_says() {
    let rows = table_after("### Problem kinds");
    assert!(rows.len() > 20, "the table was not found: {rows:?}");
    for row in rows {
        let meaning = row[1].as_str();
        for name in row[0].split(" / ") {
            let name = name.trim().trim_matches('`');
            let kind = ProblemKind::ALL
                .iter()
                .find(|k| k.as_str() == name)
                .unwrap_or_else(|| panic!("README names a kind that does not exist: {name}"));
            assert_eq!(
                meaning,
                kind_meaning(*kind),
                "README and src/strings/manual.rs disagree on {name}"
            );
        }
    }
}

/// Every kind but the rotation's (listed in prose under `rotate --json`) has a row in the table.
#[test]
fn readme_problem_kinds_table_lists_every_kind() {
    let rows = table_after("### Problem kinds");
    let named: Vec<String> = rows
        .iter()
        .flat_map(|row| {
            row[0]
                .split(" / ")
                .map(|n| n.trim().trim_matches('`').to_owned())
        })
        .collect();
    for kind in ProblemKind::ALL {
        let name = kind.as_str();
        let in_prose = README.contains(&format!("`{name}`"));
        assert!(
            named.iter().any(|n| n == name) || in_prose,
            "README does not document the problem kind {name}"
        );
    }
}

#[test]
fn readme_exit_codes_are_the_ones_the_man_page_lists() {
    let readme: Vec<u8> = table_after("## Exit codes")
        .iter()
        .map(|row| row[0].parse().expect("a code"))
        .collect();
    let manual: Vec<u8> = EXIT_STATUS.iter().map(|(code, _)| *code).collect();
    assert_eq!(readme, manual);
}
