//! What the user sees in the wizard: the key help line offers only keys that work, it fits the
//! terminal, headings, expiry steps, links and the summary left after exit.

mod drive;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use drive::*;
use gitlab_token::ui::help::{self, Hint, Key};
use gitlab_token::wizard::{Effect, Msg, Saved, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 32)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    terminal.backend().to_string()
}

/// The key events a hint stands for (any one of them must work).
fn events(key: Key) -> Vec<KeyEvent> {
    let plain = |c| KeyEvent::new(c, KeyModifiers::NONE);
    match key {
        Key::Enter => vec![plain(KeyCode::Enter)],
        Key::Esc => vec![plain(KeyCode::Esc)],
        Key::Char(c) => vec![plain(KeyCode::Char(c))],
        Key::Ctrl(c) => vec![KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)],
        Key::UpDown => vec![plain(KeyCode::Up), plain(KeyCode::Down)],
        Key::LeftRight => vec![plain(KeyCode::Left), plain(KeyCode::Right)],
        Key::Space => vec![plain(KeyCode::Char(' '))],
        Key::PlusMinus => vec![plain(KeyCode::Char('+')), plain(KeyCode::Char('-'))],
        Key::Type => vec![plain(KeyCode::Char('x'))],
    }
}

/// Every offered key does something: it starts work, quits, or changes the screen other than
/// by a notice (a notice like "fix the problem first" means the key is blocked).
fn assert_offered_keys_work(what: &str, build: &dyn Fn() -> State) {
    let hints = help::hints(&build());
    assert!(!hints.is_empty(), "{what}: no keys offered");
    for Hint { key, label } in hints {
        let works = events(key).into_iter().any(|event| {
            let mut s = build();
            let before = screen(&s);
            let effects = update(&mut s, Msg::Key(event));
            s.notice = None;
            !effects.is_empty() || s.quit || s.confirm_quit || screen(&s) != before
        });
        assert!(
            works,
            "{what}: the help line offers {key:?} ({label}) but it does nothing"
        );
    }
}

fn help_text(state: &State) -> String {
    help::rows(&help::hints(state), 200).join("  ")
}

fn failed_check() -> State {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    type_text(&mut s, "gitlab.example.com");
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::ProbeDone(t, failed_report("https://gitlab.example.com")),
    );
    s
}

fn validated(scopes: &[&str]) -> State {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    update(
        &mut s,
        Msg::Validated(t, Box::new(validation_for(&needs, scopes)), "t".into()),
    );
    s
}

fn saved() -> Saved {
    Saved {
        account: "repo-scanner@gitlab.example.com".into(),
        store: "Secret Service (GNOME Keyring / KWallet)".into(),
        metadata_path: "/home/ada/.config/gitlab-token/tokens.toml".into(),
    }
}

fn done() -> State {
    let mut s = validated(&["read_api", "read_repository"]);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(&mut s, Msg::Saved(t, Ok(saved())));
    s
}

type Builder = Box<dyn Fn() -> State>;

#[test]
fn every_key_on_the_help_line_does_something() {
    let states: Vec<(&str, Builder)> = vec![
        ("profile", Box::new(new_state)),
        (
            "custom scopes",
            Box::new(|| {
                let mut s = new_state();
                for _ in 0..3 {
                    key(&mut s, KeyCode::Down);
                }
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "expiring tokens",
            Box::new(|| {
                let mut setup = setup();
                setup.expiring = vec![(stored("2026-11-28", &["api"]), 5)];
                State::new(setup).0
            }),
        ),
        (
            "host",
            Box::new(|| {
                let mut s = new_state();
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "reachability running",
            Box::new(|| {
                let mut s = new_state();
                key(&mut s, KeyCode::Enter);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        ("reachability failed", Box::new(failed_check)),
        (
            "owner",
            Box::new(|| {
                let mut s = new_state();
                to_owner(&mut s, "gitlab.example.com");
                s
            }),
        ),
        (
            "role without a group",
            Box::new(|| {
                let mut s = new_state();
                to_owner(&mut s, "gitlab.example.com");
                key(&mut s, KeyCode::Down);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "paste, empty",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                s
            }),
        ),
        (
            "paste, filled",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                paste(&mut s, TOKEN);
                s
            }),
        ),
        (
            "validate running",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                paste(&mut s, TOKEN);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        (
            "validate ok",
            Box::new(|| validated(&["read_api", "read_repository"])),
        ),
        ("validate failed", Box::new(|| validated(&["read_api"]))),
        (
            "save running",
            Box::new(|| {
                let mut s = validated(&["read_api", "read_repository"]);
                key(&mut s, KeyCode::Enter);
                s
            }),
        ),
        ("done", Box::new(done)),
        (
            "quit dialog",
            Box::new(|| {
                let mut s = new_state();
                to_paste(&mut s, "gitlab.example.com", "acme");
                paste(&mut s, TOKEN);
                ctrl(&mut s, 'c');
                s
            }),
        ),
    ];
    for (what, build) in &states {
        assert_offered_keys_work(what, build.as_ref());
    }
}

#[test]
fn blocked_keys_are_not_offered() {
    // Enter after a failed check only says "fix it first".
    let s = failed_check();
    assert!(!help_text(&s).contains("Enter"), "{}", help_text(&s));
    // Nothing to open without a link (own account, no group).
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    assert!(s.link().is_none());
    assert!(!help_text(&s).contains("open link"), "{}", help_text(&s));
    // While the check runs, neither Enter nor r does anything.
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    assert_eq!(help_text(&s), "Esc back  q quit");
    // A passing validation saves; there is no "paste again" then.
    let s = validated(&["read_api", "read_repository"]);
    assert!(!help_text(&s).contains("paste"), "{}", help_text(&s));
    // Nothing to check before something was pasted.
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    assert!(!help_text(&s).contains("Enter"), "{}", help_text(&s));
}

#[test]
fn revoke_is_offered_only_until_the_old_token_is_revoked() {
    let mut s = replacing_state();
    key(&mut s, KeyCode::Enter);
    paste(&mut s, TOKEN);
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    let needs = s.needs();
    let v = validation_for(&needs, &["read_api", "read_repository", "read_user"]);
    update(&mut s, Msg::Validated(t, Box::new(v), "t".into()));
    let t = ticket_of(&key(&mut s, KeyCode::Enter));
    update(&mut s, Msg::Saved(t, Ok(saved())));
    assert!(help_text(&s).contains("r revoke"));
    let effects = key(&mut s, KeyCode::Char('r'));
    assert!(matches!(effects.as_slice(), [Effect::RevokeOld { .. }]));
    assert!(
        !help_text(&s).contains("r revoke"),
        "offered while revoking"
    );
    update(&mut s, Msg::OldRevoked(ticket_of_load(&effects), Ok(())));
    assert!(
        !help_text(&s).contains("r revoke"),
        "offered after revoking"
    );
}

#[test]
fn the_help_line_wraps_rather_than_being_cut() {
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme");
    let full = help_text(&s);
    for width in [40usize, 60, 80] {
        let rows = help::rows(&help::hints(&s), width);
        assert!(rows.len() <= 2, "{width}: {rows:?}");
        for r in &rows {
            assert!(r.chars().count() < width, "{width}: row too wide: {r}");
        }
        if width >= 60 {
            assert_eq!(rows.join("  "), full, "{width}: entries lost");
        }
    }
    // On screen at 60 columns, the last key of the line is still there.
    let mut terminal = Terminal::new(TestBackend::new(60, 20)).unwrap();
    terminal.draw(|f| gitlab_token::ui::render(&s, f)).unwrap();
    let shown = terminal.backend().to_string();
    assert!(shown.contains("Ctrl-C quit"), "{shown}");
}

#[test]
fn expiry_steps_return_to_ninety() {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc); // back to Generate
    assert_eq!(s.expiry_days, 90);
    for _ in 0..20 {
        key(&mut s, KeyCode::Char('+'));
    }
    assert_eq!(s.expiry_days, 365);
    let mut seen = vec![];
    for _ in 0..20 {
        key(&mut s, KeyCode::Char('-'));
        seen.push(s.expiry_days);
    }
    assert!(seen.contains(&90), "{seen:?}");
    assert_eq!(s.expiry_days, 7);
    key(&mut s, KeyCode::Char('+'));
    key(&mut s, KeyCode::Char('+'));
    key(&mut s, KeyCode::Char('+'));
    assert_eq!(s.expiry_days, 90);
}

#[test]
fn custom_scope_picks_survive_esc_back() {
    let mut s = new_state();
    let custom = s.profiles.iter().position(|p| p.custom).unwrap();
    for _ in 0..custom {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char(' ')); // the second scope
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char(' ')); // the fourth
    let picked = s.custom.as_ref().unwrap().selected.clone();
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.step, gitlab_token::wizard::Step::Host);
    key(&mut s, KeyCode::Esc);
    let back = s.custom.as_ref().expect("the custom picks are open again");
    assert_eq!(back.selected, picked);
}

#[test]
fn check_my_instance_headings_show_the_check() {
    let mut s = new_state();
    for _ in 0..s.profiles.len() {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    let shown = screen(&s);
    assert!(shown.contains("Check my instance"), "{shown}");
    assert!(!shown.contains("step 2/10"), "{shown}");
    key(&mut s, KeyCode::Enter);
    assert!(!screen(&s).contains("step 3/10"));
}

#[test]
fn the_gitlab_com_row_shows_its_address_and_nobody_invites_themselves() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    assert!(screen(&s).contains("GitLab.com (https://gitlab.com)"));
    let mut s = new_state();
    to_owner(&mut s, "gitlab.example.com");
    type_text(&mut s, "acme");
    key(&mut s, KeyCode::Down); // my own account
    key(&mut s, KeyCode::Enter);
    let shown = screen(&s);
    assert!(!shown.contains("Invite members: your"), "{shown}");
    assert!(shown.contains("ask an Owner of the group"), "{shown}");
}

#[test]
fn an_error_sits_right_under_its_field() {
    let mut s = new_state();
    key(&mut s, KeyCode::Enter);
    type_text(&mut s, "http://gitlab.example.com");
    key(&mut s, KeyCode::Enter);
    let shown = screen(&s);
    let rows: Vec<&str> = shown.lines().collect();
    let field = rows.iter().position(|r| r.contains("Address:")).unwrap();
    assert!(rows[field + 1].contains("Plain http://"), "{shown}");
}

#[test]
fn an_expired_certificate_says_how_long_ago() {
    use gitlab_token::probe::cert::CertInfo;
    use gitlab_token::problem::ProblemKind;
    let cert = CertInfo {
        subject: "CN=gitlab.example.com".into(),
        sans: vec!["gitlab.example.com".into()],
        issuer: "CN=R11".into(),
        not_before: "2026-08-01T00:00:00Z".into(),
        not_after: "2026-11-20T00:00:00Z".into(),
        days_left: -3,
        self_signed: false,
        chain_len: 2,
    };
    let p = gitlab_token::strings::probe::tls_failed(
        ProblemKind::TlsExpired,
        "gitlab.example.com",
        "certificate expired",
        Some(&cert),
        &gitlab_token::tls::Trust::with_ca_file(None),
    );
    assert!(p.message.contains("3 days ago"), "{}", p.message);
}

fn screen_at(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| gitlab_token::ui::render(state, f))
        .unwrap();
    terminal.backend().to_string()
}

/// The generate screen for a personal token, whose prefilled link is long.
fn generate_personal() -> State {
    let mut s = new_state();
    to_paste(&mut s, "gitlab.example.com", "acme");
    key(&mut s, KeyCode::Esc);
    s
}

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
    let shown = screen_at(&s, 60, 12);
    assert!(shown.contains("more below"), "{shown}");
    let shown = screen_at(&s, 80, 24);
    assert!(!shown.contains("more below"), "{shown}");
}

#[test]
fn g_on_the_done_screen_sets_up_git() {
    let mut s = done();
    assert!(help_text(&s).contains("g set up git"));
    let effects = key(&mut s, KeyCode::Char('g'));
    let ticket = match effects.as_slice() {
        [Effect::SetupGit { ticket, host, name }] => {
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
        [Effect::SetupGit { ticket, .. }] => *ticket,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::GitSetUp(t2, Ok(())));
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
        "saved repo-scanner@gitlab.example.com in the Secret Service",
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
    for _ in 0..s.profiles.len() {
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
    assert!(s.ca_prompt.is_none());
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
    assert!(s.ca_prompt.is_none());
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
    assert_eq!(s.probe.waited_secs(), 5);
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
    let custom = s.profiles.iter().position(|p| p.custom).unwrap();
    for _ in 0..custom {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    assert!(screen_at(&s, 60, 20).contains("↓"), "says more rows are below");
    for _ in 0..40 {
        key(&mut s, KeyCode::Down);
    }
    let shown = screen_at(&s, 60, 20);
    assert!(
        shown.lines().any(|l| l.contains('▸') && l.contains("Minimum role")),
        "the role row is in view once chosen:\n{shown}"
    );
    assert!(shown.contains("↑"), "{shown}");
}
