//! Screens 1-4: profile, host, reachability, owner.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::body::Part;
use super::{field, paragraph, spinner, status_span};
use crate::gitlab::access::SCOPES;
use crate::gitlab::links;
use crate::probe::Stage;
use crate::strings::wizard as text;
use crate::theme::current;
use crate::validation::Status;
use crate::wizard::{HostChoice, Owner, State};

fn choice(selected: bool, label: &str, theme: &crate::theme::Theme) -> Line<'static> {
    if selected {
        Line::from(Span::styled(format!("▸ {label}"), theme.selected))
    } else {
        Line::from(format!("  {label}"))
    }
}

/// `row` in at most `width` columns, ending in "…" when it was cut.
fn cut(row: &str, width: usize) -> String {
    if row.chars().count() <= width {
        return row.to_owned();
    }
    let mut kept: String = row.chars().take(width.saturating_sub(1)).collect();
    kept.push('…');
    kept
}

/// The rows of a list that keep row `cursor` in view within `height` rows; when some are out of
/// view, the last row says where ("↓ 5 more", "↑ 3 more").
fn scrolled<'a>(
    rows: Vec<Line<'a>>,
    cursor: usize,
    height: u16,
    theme: &crate::theme::Theme,
) -> Vec<Line<'a>> {
    let height = height as usize;
    if rows.len() <= height || height < 2 {
        return rows;
    }
    let window = height - 1;
    let offset = (cursor + 1).saturating_sub(window).min(rows.len() - window);
    let above = offset;
    let below = rows.len() - offset - window;
    let mut shown: Vec<Line> = rows.into_iter().skip(offset).take(window).collect();
    shown.push(Line::from(Span::styled(
        text::more_rows(above, below),
        theme.muted,
    )));
    shown
}

pub fn profile(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    if let Some(pick) = &state.pick.custom {
        let mut top = vec![Line::from(text::CUSTOM_INTRO)];
        // The error about the picks sits right above them, always in view.
        top.push(match &pick.error {
            Some(e) => Line::from(Span::styled(e.clone(), theme.fail)),
            None => Line::default(),
        });
        let width = area.width.saturating_sub(2) as usize;
        let mut rows: Vec<Line> = SCOPES
            .iter()
            .zip(&pick.selected)
            .enumerate()
            .map(|(i, (scope, on))| {
                let mark = if *on { "[x]" } else { "[ ]" };
                let row = format!("{mark} {:<22} {}", scope.name, scope.grants);
                choice(pick.cursor == i, &cut(&row, width), theme)
            })
            .collect();
        let role_row = format!("Minimum role: ◂ {} ▸", pick.role.name());
        rows.push(choice(pick.cursor == SCOPES.len(), &role_row, theme));
        // The chosen scope's whole description, wrapped, under the list: a row cut at the
        // window's width ("…") is never all that is said (issue 21.14).
        let detail = match SCOPES.get(pick.cursor) {
            Some(scope) => vec![Line::from(vec![
                Span::styled(format!("{}: ", scope.name), theme.accent),
                Span::raw(scope.grants),
            ])],
            None => vec![Line::from(Span::styled(
                text::CUSTOM_ROLE_DETAIL,
                theme.muted,
            ))],
        };
        let detail_rows = paragraph(detail.clone()).line_count(area.width) as u16;
        let [head, list, _, below] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(detail_rows),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(top), head);
        frame.render_widget(
            Paragraph::new(scrolled(rows, pick.cursor, list.height, theme)),
            list,
        );
        frame.render_widget(paragraph(detail), below);
        return;
    }
    let list_height = paragraph(vec![Line::from(text::CHECK_ONLY)]).line_count(area.width) as u16
        + state.pick.profiles.len() as u16
        + 1;
    let [expiring, intro, list, detail] = Layout::vertical([
        Constraint::Length(state.rotation.expiring.len().min(3) as u16),
        Constraint::Length(2),
        Constraint::Length(list_height),
        Constraint::Min(3),
    ])
    .areas(area);
    let warnings: Vec<Line> = state
        .rotation
        .expiring
        .iter()
        .enumerate()
        .map(|(i, (entry, days))| {
            Line::from(Span::styled(
                format!(
                    "{}{}",
                    super::dialogs::expiring_marker(state, i),
                    text::expiring_line(&entry.account, *days)
                ),
                theme.warn,
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(warnings), expiring);
    frame.render_widget(paragraph(vec![Line::from(text::PROFILE_INTRO)]), intro);
    let rows: Vec<Line> = state
        .pick
        .profiles
        .iter()
        .enumerate()
        .map(|(i, p)| choice(i == state.pick.cursor, &p.name, theme))
        .chain([choice(
            state.pick.cursor == state.pick.profiles.len(),
            text::CHECK_ONLY,
            theme,
        )])
        .collect();
    frame.render_widget(paragraph(rows), list);
    let Some(p) = state.pick.profiles.get(state.pick.cursor) else {
        frame.render_widget(paragraph(vec![Line::from(text::CHECK_ONLY_DETAIL)]), detail);
        return;
    };
    let mut lines = vec![Line::from(Span::styled(p.summary.as_str(), theme.text))];
    if !p.custom {
        lines.push(Line::from(vec![
            Span::styled("Minimum role: ", theme.accent),
            Span::raw(format!("{} ({})", p.role.name(), p.role.access_level())),
        ]));
        if !p.role_why.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("  why: {}", p.role_why),
                theme.muted,
            )));
        }
        for need in &p.scopes {
            lines.push(Line::from(vec![
                Span::styled(format!("{}: ", need.scope), theme.accent),
                Span::raw(need.why.as_str()),
            ]));
            if !need.without.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("  without it: {}", need.without),
                    theme.muted,
                )));
            }
        }
    }
    super::body::render(vec![Part::Text(lines)], frame, detail, theme);
}

pub fn host(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let [choices, input, below] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let rows = vec![
        choice(
            state.host.choice == HostChoice::GitLabCom,
            text::HOST_COM,
            theme,
        ),
        choice(
            state.host.choice == HostChoice::SelfHosted,
            text::HOST_SELF,
            theme,
        ),
    ];
    frame.render_widget(Paragraph::new(rows), choices);
    let cursor =
        (state.host.choice == HostChoice::SelfHosted).then(|| state.host.input.visual_cursor());
    field(
        frame,
        input,
        text::HOST_FIELD,
        state.host.input.value(),
        cursor,
        theme,
    );
    // What concerns the field sits right under it; the example follows.
    let mut lines = Vec::new();
    if let Some(e) = &state.host.error {
        lines.push(Line::from(Span::styled(e.as_str(), theme.fail)));
    } else if state.host.choice == HostChoice::SelfHosted
        && let Ok((i, Some(dropped))) =
            crate::instance::Instance::parse_noted(state.host.input.value())
    {
        lines.push(Line::from(Span::styled(
            crate::strings::instance::page_url_note(&i, &dropped),
            theme.warn,
        )));
    } else if state.host.choice == HostChoice::SelfHosted
        && let Ok(i) = crate::instance::Instance::parse(state.host.input.value())
        && let Some(root) = i.relative_root()
    {
        lines.push(Line::from(Span::styled(
            text::relative_root_note(root),
            theme.warn,
        )));
    }
    lines.push(Line::from(Span::styled(text::HOST_HINT, theme.muted)));
    frame.render_widget(paragraph(lines), below);
}

pub fn reachability(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let mut lines = vec![Line::from(vec![
        Span::styled("Checking ", theme.muted),
        Span::styled(
            state
                .instance
                .as_ref()
                .map(|i| i.base_url())
                .unwrap_or_default(),
            theme.accent,
        ),
    ])];
    lines.push(Line::default());
    for stage in Stage::ALL {
        let label = format!("{:<6}", crate::strings::check::stage_name(stage));
        match state.reach.stages.iter().find(|s| s.stage == stage) {
            Some(done) => lines.push(Line::from(vec![
                status_span(if done.ok { Status::Ok } else { Status::Fail }, theme),
                Span::styled(label, theme.accent),
                Span::raw(if done.ok {
                    format!(" {}", done.detail)
                } else {
                    format!(" {}", text::STAGE_FAILED)
                }),
                Span::styled(format!("  {} ms", done.ms), theme.muted),
            ])),
            None if state.reach.probe.running() => lines.push(Line::from(vec![
                Span::styled(format!("{} ", spinner(state)), theme.accent),
                Span::styled(label, theme.muted),
            ])),
            None => lines.push(Line::from(vec![
                Span::styled("· ", theme.muted),
                Span::styled(label, theme.muted),
            ])),
        }
    }
    lines.push(Line::default());
    // The verdict and what to do stay in view on a small terminal (a tail part).
    let mut verdict = Vec::new();
    match &state.reach.probe.result {
        None => {
            verdict.push(Line::from(Span::styled(
                text::waiting(text::PROBE_RUNNING, state.reach.probe.waited_secs()),
                theme.muted,
            )));
            if state.reach.enter_pending {
                verdict.push(Line::from(Span::styled(text::ENTER_PENDING, theme.accent)));
            }
        }
        Some(report) => {
            if let Some(c) = &report.certificate {
                lines.push(Line::from(Span::styled(
                    crate::strings::check::certificate_summary(c),
                    theme.muted,
                )));
            }
            if report.ok {
                verdict.push(Line::from(Span::styled(text::PROBE_OK, theme.ok)));
            }
            for p in &report.problems {
                let style = if p.kind.is_warning() {
                    theme.warn
                } else {
                    theme.fail
                };
                verdict.push(Line::from(Span::styled(p.message.clone(), style)));
                verdict.push(Line::from(vec![
                    Span::styled("Fix: ", theme.accent),
                    Span::raw(p.fix.clone()),
                ]));
            }
            if state.ca_prompt_offered() && state.reach.ca_prompt.is_none() {
                verdict.push(Line::default());
                verdict.push(Line::from(Span::styled(text::CA_OFFER, theme.accent)));
            }
        }
    }
    if let Some(path) = &state.ca_file {
        let path = path.display().to_string();
        let said = match &state.reach.ca_reused_from {
            Some(account) => text::ca_reused(account, &path),
            None => text::ca_in_use(&path),
        };
        lines.insert(1, Line::from(Span::styled(said, theme.muted)));
    }
    let parts = vec![Part::Text(lines), Part::Tail(verdict)];
    let Some(prompt) = &state.reach.ca_prompt else {
        super::body::render(parts, frame, area, theme);
        return;
    };
    // The prompt sits at the bottom, its error right under the field.
    let below = if prompt.error.is_some() { 3 } else { 2 };
    let [top, input, under] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(below),
    ])
    .areas(area);
    super::body::render(parts, frame, top, theme);
    field(
        frame,
        input,
        text::CA_FIELD,
        prompt.input.value(),
        Some(prompt.input.visual_cursor()),
        theme,
    );
    let mut under_lines = Vec::new();
    if let Some(e) = &prompt.error {
        under_lines.push(Line::from(Span::styled(e.as_str(), theme.fail)));
    }
    under_lines.push(Line::from(Span::styled(text::CA_HINT, theme.muted)));
    frame.render_widget(paragraph(under_lines), under);
}

pub fn owner(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let sa = state.owner == Owner::ServiceAccount;
    let [choices, input, hint, detail] = Layout::vertical([
        Constraint::Length(if sa { 6 } else { 4 }),
        Constraint::Length(1),
        Constraint::Length(if state.owner_error.is_some() { 3 } else { 2 }),
        Constraint::Min(3),
    ])
    .areas(area);
    let mut rows = vec![choice(sa, text::OWNER_SA, theme)];
    if sa {
        // The two ways to get a service account, switched with ←→.
        use crate::strings::create_wizard as create;
        for (on, label) in [
            (state.create_for_me, create::SUB_CREATE),
            (!state.create_for_me, create::SUB_GUIDE),
        ] {
            let mark = if on { "◉" } else { "○" };
            let style = if on { theme.accent } else { theme.text };
            rows.push(Line::from(Span::styled(
                format!("    {mark} {label}"),
                style,
            )));
        }
    }
    rows.extend([
        choice(state.owner == Owner::Personal, text::OWNER_ME, theme),
        choice(
            state.owner == Owner::Browser,
            crate::strings::signin::OWNER_BROWSER,
            theme,
        ),
    ]);
    frame.render_widget(Paragraph::new(rows), choices);
    let creating = sa && state.create_for_me;
    field(
        frame,
        input,
        if creating {
            crate::strings::create_wizard::TARGETS_FIELD
        } else {
            text::GROUP_FIELD
        },
        state.target_input.value(),
        Some(state.target_input.visual_cursor()),
        theme,
    );
    // An error about the group path sits right under the field.
    let mut under = Vec::new();
    if let Some(e) = &state.owner_error {
        under.push(Line::from(Span::styled(e.as_str(), theme.fail)));
    }
    under.push(Line::from(Span::styled(
        if creating {
            crate::strings::create_wizard::TARGETS_HINT
        } else {
            text::GROUP_HINT
        },
        theme.muted,
    )));
    frame.render_widget(paragraph(under), hint);
    let parts = match (state.owner, &state.instance) {
        (Owner::ServiceAccount, Some(_)) if creating => {
            let rows = crate::strings::create_wizard::create_steps();
            vec![Part::Text(rows.into_iter().map(Line::from).collect())]
        }
        (Owner::ServiceAccount, Some(instance)) => {
            let link = links::service_accounts(instance, &state.target().unwrap_or_default());
            let rows = text::service_account_steps(instance.is_gitlab_com(), link.is_some());
            super::body::parts(rows, link.as_deref())
        }
        (Owner::Browser, _) => vec![Part::Text(vec![Line::from(
            crate::strings::signin::browser_note(),
        )])],
        _ => vec![Part::Text(vec![Line::from(text::personal_note())])],
    };
    super::body::render(parts, frame, detail, theme);
}
