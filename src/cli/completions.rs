//! `gitlab-token completions SHELL` and `gitlab-token man --out-dir DIR`: shell completion
//! scripts and man pages, both generated from the same clap definitions as the parser.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use super::{Args, ManArgs, exit};
use crate::problem::ProblemKind;
use crate::strings::manual;

/// Prints the completion script for `shell` on standard output.
pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut cmd = Args::command();
    // Into memory first: clap_complete panics when its writer fails (a closed stdout).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "gitlab-token", &mut script);
    if shell == clap_complete::Shell::Bash {
        script = fix_bash_labels(script);
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Ok(()) => exit::OK,
        // Nobody reads it (a closed pipe): nothing to say on that stream.
        Err(_) => exit::CHECK_FAILED,
    }
}

/// clap_complete (4.6.11) spells the state of a subcommand of a hyphenated binary two ways in
/// its bash script: the loop sets `gitlab__token__subcmd__rotate`, the case arms test
/// `gitlab__subcmd__token__subcmd__rotate`, so no option after a subcommand ever completes
/// (clap-rs/clap#6421, #6529, open). Spell the arms the way the loop does.
fn fix_bash_labels(script: Vec<u8>) -> Vec<u8> {
    String::from_utf8(script)
        .map(|s| {
            s.replace("gitlab__subcmd__token", "gitlab__token")
                .into_bytes()
        })
        .unwrap_or_else(|e| e.into_bytes())
}

/// Writes one man page per command into `--out-dir` and prints their paths.
pub fn man(args: ManArgs) -> u8 {
    match write_pages(&args.out_dir) {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!(
                "gitlab-token: cannot write the man pages into {}: {e}",
                args.out_dir.display()
            );
            exit::USAGE
        }
    }
}

/// The pages: `gitlab-token.1` (with EXIT STATUS and PROBLEM KINDS) and `gitlab-token-CMD.1`
/// for each visible command; returns their paths.
pub fn write_pages(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = Args::command().disable_help_subcommand(true);
    cmd.build();
    let mut paths = Vec::new();
    let mut pages = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let page = Man::new(sub.clone());
        let mut text = Vec::new();
        page.render(&mut text)?;
        text.extend(exit_status(false).render().into_bytes());
        text.extend(see_also(&["gitlab-token".to_owned()]).render().into_bytes());
        paths.push(write(dir, &page.get_filename(), &text)?);
        pages.push(format!("gitlab-token-{}", sub.get_name()));
    }
    let page = Man::new(cmd);
    let mut text = Vec::new();
    page.render(&mut text)?;
    text.extend(exit_status(true).render().into_bytes());
    text.extend(problem_kinds().render().into_bytes());
    text.extend(files().render().into_bytes());
    text.extend(see_also(&pages).render().into_bytes());
    paths.push(write(dir, &page.get_filename(), &text)?);
    Ok(paths)
}

fn write(dir: &Path, name: &str, text: &[u8]) -> std::io::Result<std::path::PathBuf> {
    let path = dir.join(name);
    // Never through a symbolic link left in the output directory.
    crate::files::write_regular(&path, text, 0o644)?;
    Ok(path)
}

/// EXIT STATUS: every code; on a command's page, said to be the common meaning.
fn exit_status(main: bool) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    if !main {
        roff.text([roman(
            "The codes every command shares (the command's description above says which apply):",
        )]);
    }
    for (code, meaning) in manual::EXIT_STATUS {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(*meaning)]);
    }
    roff
}

/// PROBLEM KINDS: the `kind` values of `--json` output, a fixed vocabulary.
fn problem_kinds() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["PROBLEM KINDS"]);
    roff.text([roman(
        "The kind of each problem in --json output (verify, check, add, rotate); a fixed \
         vocabulary, never renamed. Warnings do not fail a check.",
    )]);
    for kind in ProblemKind::ALL {
        roff.control("TP", []);
        roff.text([bold(kind.as_str())]);
        roff.text([roman(manual::kind_meaning(*kind).replace('`', ""))]);
    }
    roff
}

fn files() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["FILES"]);
    for (path, what) in manual::FILES {
        roff.control("TP", []);
        roff.text([bold(*path)]);
        roff.text([roman(*what)]);
    }
    roff
}

/// SEE ALSO: `name(1), name(1)`.
fn see_also(pages: &[String]) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["SEE ALSO"]);
    // Page names neither hyphenated ("git-lab-token-...") nor spread out.
    roff.control("nh", []);
    roff.control("ad", ["l"]);
    let mut line = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let sep = if i + 1 < pages.len() { "(1), " } else { "(1)" };
        line.push(bold(page.as_str()));
        line.push(roman(sep));
    }
    roff.text(line);
    roff.control("ad", ["b"]);
    roff.control("hy", []);
    roff
}
