//! What the user sees in the wizard, continued: links on rows of their own, copying (OSC 52) and
//! OSC 8, the CA file prompt, `g` for git, waiting times, scrolling, and the summary after exit.

mod drive;
mod ux_support;

use crossterm::event::KeyCode;
use drive::*;
use gitlab_token::wizard::{Effect, Msg, update};
use ux_support::*;

#[test]
fn a_long_link_is_on_rows_of_its_own_from_the_first_column() {
    let s = generate_personal();
    let url = s.link().unwrap();
    for width in [60u16, 80, 120] {
        let shown = screen_at(&s, width, 24);
        let rows: Vec<String> = shown
            .lines()
            .map(|r| r.trim_matches('"').to_owned())
            .collect();
        let first = rows
            .iter()
            .position(|r| r.starts_with("https://"))
            .unwrap_or_else(|| panic!("{width}: the link does not start a row:\n{shown}"));
        // Joining the rows (trailing blanks of the last one dropped) gives the link back whole.
        let n = url.chars().count().div_ceil(width as usize);
        let joined: String = rows[first..first + n].concat();
        assert_eq!(joined.trim_end(), url, "{width}:\n{shown}");
    }
}

#[test]
fn c_copies_the_link_through_the_runtime() {
    let mut s = generate_personal();
    let effects = key(&mut s, KeyCode::Char('c'));
    match effects.as_slice() {
        [Effect::Copy(text)] => assert_eq!(Some(text.clone()), s.link()),
        other => panic!("expected a Copy effect, got {other:?}"),
    }
    assert!(s.notice.as_deref().unwrap().contains("clipboard"));
    // Without a link, c does nothing (and is not offered).
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    assert!(key(&mut s, KeyCode::Char('c')).is_empty());
    assert!(!help_text(&s).contains("copy"));
}

#[test]
fn osc52_is_what_terminals_expect() {
    assert_eq!(
        gitlab_token::ui::links::osc52("https://gitlab.com"),
        "\x1b]52;c;aHR0cHM6Ly9naXRsYWIuY29t\x07"
    );
}

#[test]
fn hyperlink_cells_carry_osc_8_and_keep_their_width() {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    let mut buf = Buffer::with_lines(["https://x.io/a  "]);
    gitlab_token::ui::links::hyperlink(&mut buf, Rect::new(0, 0, 14, 1), "https://x.io/a");
    let cell = &buf[(0, 0)];
    assert_eq!(cell.symbol(), "\x1b]8;;https://x.io/a\x1b\\h\x1b]8;;\x1b\\");
    assert_eq!(buf[(14, 0)].symbol(), " ");
    assert!(matches!(
        cell.diff_option,
        ratatui::buffer::CellDiffOption::ForcedWidth(w) if w.get() == 1
    ));
}

#[test]
fn content_that_does_not_fit_says_so() {
    let s = generate_personal();
    // The token step scrolls: what is below is one PgDn away.
    let shown = screen_at(&s, 60, 12);
    assert!(shown.contains("more below: PgDn"), "{shown}");
    let shown = screen_at(&s, 80, 24);
    assert!(!shown.contains("more below"), "{shown}");
}

#[test]
fn g_on_the_done_screen_sets_up_git() {
    let mut s = done();
    assert!(help_text(&s).contains("g set up git"));
    let effects = key(&mut s, KeyCode::Char('g'));
    let ticket = match effects.as_slice() {
        [
            Effect::SetupGit {
                ticket,
                host,
                name,
                repoint: false,
            },
        ] => {
            assert_eq!(host, "gitlab.example.com");
            assert_eq!(name, "repo-scanner");
            *ticket
        }
        other => panic!("expected SetupGit, got {other:?}"),
    };
    assert!(
        !help_text(&s).contains("set up git"),
        "offered while running"
    );
    update(
        &mut s,
        Msg::GitSetUp(ticket, Err("git config failed".into())),
    );
    assert!(screen(&s).contains("Setting up git failed: git config failed"));
    assert!(
        help_text(&s).contains("g set up git"),
        "offered again after a failure"
    );
    let t2 = match key(&mut s, KeyCode::Char('g')).as_slice() {
        [
            Effect::SetupGit {
                ticket,
                repoint: false,
                ..
            },
        ] => *ticket,
        other => panic!("{other:?}"),
    };
    // Issue 21.13: git used another helper: nothing changed, said, and `g` again re-points.
    let before = "the credential helper `store`".to_owned();
    update(
        &mut s,
        Msg::GitSetUp(t2, Ok(gitlab_token::wizard::GitOutcome::Elsewhere(before))),
    );
    assert!(
        screen(&s).contains("git uses the credential helper `store`"),
        "{}",
        screen(&s)
    );
    assert!(
        help_text(&s).contains("g set up git"),
        "offered to re-point"
    );
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(summary.contains("setup-git"), "not set up: {summary}");
    let t2 = match key(&mut s, KeyCode::Char('g')).as_slice() {
        [
            Effect::SetupGit {
                ticket,
                repoint: true,
                ..
            },
        ] => *ticket,
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Msg::GitSetUp(t2, Ok(gitlab_token::wizard::GitOutcome::Done)),
    );
    assert!(screen(&s).contains("git now asks gitlab-token"));
    assert!(!help_text(&s).contains("set up git"));
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(
        summary.contains("git uses it for https://gitlab.example.com"),
        "{summary}"
    );
}

#[test]
fn the_summary_after_saving_says_where_and_how_to_use_it() {
    let s = done();
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    for needle in [
        "saved repo-scanner@gitlab.example.com.",
        "In the Secret Service",
        "Expires 2027-02-21",
        "gitlab-token rotate --host gitlab.example.com --name repo-scanner",
        "gitlab-token get --host gitlab.example.com --name repo-scanner",
        "gitlab-token setup-git --host gitlab.example.com --name repo-scanner",
    ] {
        assert!(
            summary.contains(needle),
            "missing {needle:?} in:\n{summary}"
        );
    }
    assert!(!summary.contains("TESTONLY"));
}

#[test]
fn the_summary_after_quitting_says_what_was_abandoned() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    paste(&mut s, TOKEN);
    let summary = gitlab_token::strings::summary::after_wizard(&s, true);
    assert!(
        summary.contains("interrupted by a signal at step 7/10"),
        "{summary}"
    );
    assert!(summary.contains("Nothing was saved"), "{summary}");
    assert!(summary.contains("pasted token was discarded"), "{summary}");
    assert!(!summary.contains("TESTONLY"), "{summary}");
    let summary = gitlab_token::strings::summary::after_wizard(&new_state(), false);
    assert!(summary.contains("stopped at step 1/10"), "{summary}");
    assert!(!summary.contains("pasted"), "{summary}");
}

#[test]
fn the_summary_of_check_my_instance_is_the_report() {
    let mut s = new_state();
    for _ in 0..s.pick.profiles.len() {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert!(
        summary.contains("Checking https://gitlab.example.com"),
        "{summary}"
    );
    assert!(summary.contains("✗ TLS"), "{summary}");
    assert!(
        summary.contains("Fix: If your company runs its own CA"),
        "{summary}"
    );
    assert!(
        summary.contains("gitlab-token check https://gitlab.example.com"),
        "{summary}"
    );
}

#[test]
fn a_ca_file_given_after_an_unknown_issuer_is_checked_used_and_saved() {
    let mut s = failed_check();
    assert!(
        help_text(&s).contains("f use a CA file"),
        "{}",
        help_text(&s)
    );
    assert!(screen(&s).contains("Press f to trust"));
    key(&mut s, KeyCode::Char('f'));
    assert!(screen(&s).contains("CA file (PEM):"));
    assert_eq!(
        help_text(&s),
        "type the path  Enter check with it  Esc cancel  Ctrl-C quit"
    );
    // Enter on an empty path says what to do, right under the field.
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    let shown = screen(&s);
    let rows: Vec<&str> = shown.lines().collect();
    let field = rows
        .iter()
        .position(|r| r.contains("CA file (PEM):"))
        .unwrap();
    assert!(rows[field + 1].contains("Type the path"), "{shown}");
    type_text(&mut s, "/etc/ssl/acme-root.pem");
    let effects = key(&mut s, KeyCode::Enter);
    let t = match effects.as_slice() {
        [
            Effect::Probe {
                ticket, ca_file, ..
            },
        ] => {
            assert_eq!(
                ca_file.as_deref(),
                Some(std::path::Path::new("/etc/ssl/acme-root.pem"))
            );
            *ticket
        }
        other => panic!("expected a new check, got {other:?}"),
    };
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.example.com")),
    );
    assert!(screen(&s).contains("Trusting the CA file /etc/ssl/acme-root.pem"));
    key(&mut s, KeyCode::Enter); // owner
    key(&mut s, KeyCode::Down); // my own account
    type_text(&mut s, "acme");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    let effects = key(&mut s, KeyCode::Enter);
    let t = match effects.as_slice() {
        [
            Effect::Validate {
                ticket, ca_file, ..
            },
        ] => {
            assert!(ca_file.is_some(), "validation trusts the CA file");
            *ticket
        }
        other => panic!("{other:?}"),
    };
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(
            t,
            Box::new(validation_for(&needs, &["read_api", "read_repository"])),
            "t".into(),
        ),
    );
    match key(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Save { entry, .. }] => assert_eq!(
            entry.ca_file.as_deref(),
            Some(std::path::Path::new("/etc/ssl/acme-root.pem")),
            "saved with the token"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn esc_closes_the_ca_prompt_and_f_is_not_offered_for_other_failures() {
    let mut s = failed_check();
    key(&mut s, KeyCode::Char('f'));
    type_text(&mut s, "/tmp/x.pem");
    key(&mut s, KeyCode::Esc);
    assert!(s.reach.ca_prompt.is_none());
    assert!(s.ca_file.is_none(), "cancelled: nothing trusted");
    assert_eq!(s.step, gitlab_token::wizard::Step::Reachability);
    // A DNS failure is not fixed by a CA file.
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let mut report = failed_report("https://gitlab.example.com");
    report.problems[0].kind = gitlab_token::problem::ProblemKind::DnsFailed;
    update(&mut s, Msg::ProbeDone(t, report));
    assert!(!help_text(&s).contains("CA file"));
    assert!(key(&mut s, KeyCode::Char('f')).is_empty());
    assert!(s.reach.ca_prompt.is_none());
}

#[test]
fn a_slow_check_shows_how_long_it_has_waited() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    assert!(screen(&s).contains("Checking…"));
    let ticks = 5000_usize.div_ceil(gitlab_token::wizard::TICK.as_millis() as usize);
    for _ in 0..ticks {
        update(&mut s, Msg::Tick);
    }
    assert_eq!(s.reach.probe.waited_secs(), 5);
    assert!(screen(&s).contains("Checking… 5 s"), "{}", screen(&s));
    let timeout =
        gitlab_token::strings::probe::timeout("the HTTP answer", std::time::Duration::from_secs(8));
    assert_eq!(
        timeout.message,
        "Gave up waiting for the HTTP answer after 8 s: no answer."
    );
}

#[test]
fn the_custom_scope_list_scrolls_to_the_cursor_on_a_small_terminal() {
    let mut s = new_state();
    let custom = s.pick.profiles.iter().position(|p| p.custom).unwrap();
    for _ in 0..custom {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    assert!(
        screen_at(&s, 60, 20).contains("↓"),
        "says more rows are below"
    );
    for _ in 0..40 {
        key(&mut s, KeyCode::Down);
    }
    let shown = screen_at(&s, 60, 20);
    assert!(
        shown
            .lines()
            .any(|l| l.contains('▸') && l.contains("Minimum role")),
        "the role row is in view once chosen:\n{shown}"
    );
    assert!(shown.contains("↑"), "{shown}");
}

#[test]
fn the_check_verdict_stays_in_view_on_a_small_terminal() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, healthy_report("https://gitlab.example.com")),
    );
    let shown = screen_at(&s, 60, 15);
    assert!(shown.contains("Reachable over valid TLS"), "{shown}");
    assert!(shown.contains("more not shown"), "{shown}");
    let s = failed_check();
    let shown = screen_at(&s, 60, 16);
    assert!(shown.contains("Fix: If your company"), "{shown}");
    assert!(shown.contains("Press f to trust"), "{shown}");
}

#[test]
fn leaving_check_my_instance_early_says_so() {
    let mut s = new_state();
    for _ in 0..s.pick.profiles.len() {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    let summary = gitlab_token::strings::summary::after_wizard(&s, false);
    assert_eq!(
        summary,
        "gitlab-token: the instance check was stopped before it finished.\n  Run it with: gitlab-token check URL"
    );
}
