//! Screens 5-10: role, generate, paste, validate, save, done.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::body::{self, Part};
use super::{spinner, status_span};
use crate::gitlab::access::Role;
use crate::gitlab::types::format_date;
use crate::strings::{vault as vault_text, wizard as text};
use crate::theme::current;
use crate::wizard::{Owner, SaveError, State};

pub fn role(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let needed = state.profile.as_ref().map_or(Role::Reporter, |p| p.role);
    let account = match state.owner {
        Owner::ServiceAccount => text::ACCOUNT_SA,
        Owner::Personal | Owner::Browser => text::ACCOUNT_ME,
    };
    let link = state.link();
    let mut intro = vec![Line::from(text::role_intro(needed.name()))];
    if let Some(path) = state.place_choice() {
        let project = state.target_place == crate::gitlab::links::Place::Project;
        intro.push(Line::from(Span::styled(
            text::place_line(&path, project),
            theme.muted,
        )));
    }
    intro.push(Line::default());
    let mut parts = vec![Part::Text(intro)];
    parts.extend(body::parts(
        text::role_steps(link.is_some(), needed.name(), account),
        link.as_deref(),
    ));
    let mut lines = vec![Line::default()];
    for role in [Role::Reporter, Role::Developer, Role::Maintainer] {
        let style = if role == needed {
            theme.accent
        } else {
            theme.muted
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<11}({}) ", role.name(), role.access_level()),
                style,
            ),
            Span::styled(
                role.allows(),
                if role == needed {
                    theme.text
                } else {
                    theme.muted
                },
            ),
        ]));
    }
    parts.push(Part::Text(lines));
    body::render_scrolled(parts, frame, area, theme, state.scrolled());
}

pub fn generate(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let fine = state.fine_grained();
    let intro = match state.owner {
        _ if fine => crate::strings::granular::GENERATE_INTRO,
        Owner::Personal | Owner::Browser => text::generate_intro_personal(),
        Owner::ServiceAccount => text::generate_intro_service_account(),
    };
    let mut lines = Vec::new();
    if let Some(r) = &state.replacing {
        let expires = r.entry.expires_at.as_deref().unwrap_or("never");
        lines.push(Line::from(Span::styled(
            text::replacing_intro(&r.entry.account, expires),
            theme.accent,
        )));
        lines.push(Line::from(Span::styled(
            text::old_token_line(r.old.result.as_ref()),
            theme.muted,
        )));
    }
    lines.extend([Line::from(intro), Line::default()]);
    let mut parts = Vec::new();
    if let Some(link) = state.link() {
        parts.push(Part::Text(std::mem::take(&mut lines)));
        parts.push(Part::Url(link));
        if let Some(old) = state.link_before_18_9() {
            parts.push(Part::Text(vec![Line::from(Span::styled(
                text::BEFORE_18_9,
                theme.muted,
            ))]));
            parts.push(Part::Url(old));
        }
        lines.push(Line::from(Span::styled(text::SSH_NOTE, theme.muted)));
        lines.push(Line::default());
    }
    if state.profile.is_some() {
        lines.push(Line::from(Span::styled(
            crate::strings::granular::kind_line(fine, state.kind_offer()),
            theme.muted,
        )));
        lines.push(Line::from(vec![
            Span::styled("Name:   ", theme.accent),
            Span::raw(state.token_name()),
        ]));
        if fine {
            lines.extend(permission_lines(state, theme));
        } else {
            lines.push(Line::from(vec![
                Span::styled("Scopes: ", theme.accent),
                Span::raw(state.needs().scopes.join(", ")),
            ]));
        }
    }
    let expiry = state.today + time::Duration::days(i64::from(state.expiry_days));
    lines.push(Line::from(text::expiry_line(
        state.expiry_days,
        &format_date(expiry),
    )));
    parts.push(Part::Text(lines));
    body::render_scrolled(parts, frame, area, theme, state.scrolled());
}

/// A fine-grained token's permissions on the token step: one line per boundary, or with `w`
/// one line per permission with why it is needed.
fn permission_lines<'a>(state: &State, theme: &crate::theme::Theme) -> Vec<Line<'a>> {
    use crate::gitlab::granular::On;
    use crate::strings::granular as g;
    let needs = state.needs();
    let target = needs.target.clone();
    let mut lines = Vec::new();
    if state.kind.show_why {
        lines.push(Line::from(Span::styled(g::WHY_HEADING, theme.accent)));
        let profile = state.profile.as_ref();
        for need in &needs.permissions {
            let why = profile
                .and_then(|p| {
                    p.permissions
                        .iter()
                        .find(|n| n.permission == need.permission && n.on == need.on)
                })
                .map_or(g::tool_why(&need.permission), |n| n.why.as_str());
            // The source in brackets is for the profile's readers, not this screen.
            let why = why.split(" (").next().unwrap_or(why).to_owned();
            lines.push(Line::from(format!(
                "  {} ({}): {why}",
                need.permission,
                g::on(need.on)
            )));
        }
        return lines;
    }
    for on in [On::User, On::Memberships] {
        let names: Vec<&str> = needs
            .permissions
            .iter()
            .filter(|n| n.on == on)
            .map(|n| n.permission.as_str())
            .collect();
        if !names.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(g::boundary_heading(on, target.as_deref()), theme.accent),
                Span::raw(names.join(", ")),
            ]));
        }
    }
    lines
}

pub fn paste(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let shown = if state.secret.is_empty() {
        text::PASTE_EMPTY.to_owned()
    } else {
        state.token().masked()
    };
    let mut lines = vec![
        Line::from(text::PASTE_INTRO),
        Line::default(),
        Line::from(vec![
            Span::styled("Token: ", theme.accent),
            Span::raw(shown),
        ]),
    ];
    // A notice about the pasted token sits right under it, not at the bottom.
    if notice_at_field(state)
        && let Some(n) = &state.notice
    {
        lines.push(Line::from(Span::styled(n.as_str(), theme.warn)));
    }
    if !state.secret.is_empty() {
        let kind = state.token().kind();
        let style = if kind == crate::token::TokenKind::PersonalAccess {
            theme.ok
        } else {
            theme.warn
        };
        lines.push(Line::from(Span::styled(
            crate::strings::validation::kind_line(kind),
            style,
        )));
        if let Some(warning) = crate::strings::validation::kind_warning(kind) {
            lines.push(Line::from(Span::styled(warning, theme.warn)));
        }
    }
    super::body::render(vec![Part::Text(lines)], frame, area, theme);
}

/// Whether the notice concerns the token field of the paste screen (drawn there, not at the bottom).
pub(super) fn notice_at_field(state: &State) -> bool {
    state.step == crate::wizard::Step::Paste
        && state.notice.as_deref().is_some_and(|n| {
            n == text::PASTE_FIRST
                || n == text::SAME_AS_OLD
                || state
                    .token()
                    .format_problem()
                    .is_some_and(|p| n == text::not_a_token(p))
        })
}

pub fn validate(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let mut lines = Vec::new();
    match &state.validation.result {
        None => lines.push(Line::from(vec![
            Span::styled(format!("{} ", spinner(state)), theme.accent),
            Span::raw(text::waiting(
                text::VALIDATING,
                state.validation.waited_secs(),
            )),
        ])),
        Some(v) => {
            // The answer first (the verdict and what to fix), then each check: a long list
            // scrolls, the verdict stays where a hurried reader looks.
            let verdict = if v.ok() && state.target().is_none() {
                (crate::strings::validation::VALID_ROLE_UNCHECKED, theme.ok)
            } else if v.ok() {
                (text::VALID, theme.ok)
            } else {
                (text::INVALID, theme.fail)
            };
            lines.push(Line::from(Span::styled(verdict.0, verdict.1)));
            let problems = crate::strings::validation::problems(v);
            for p in problems.iter().filter(|p| !p.kind.is_warning()) {
                lines.push(Line::from(vec![
                    Span::styled("Fix: ", theme.accent),
                    Span::raw(p.fix.clone()),
                ]));
            }
            lines.push(Line::default());
            for (status, line) in crate::strings::validation::lines(v) {
                lines.push(Line::from(vec![
                    status_span(status, theme),
                    Span::raw(line),
                ]));
            }
        }
    }
    super::body::render_scrolled(
        vec![Part::Text(lines)],
        frame,
        area,
        theme,
        state.scrolled(),
    );
}

pub fn save(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let mut lines = Vec::new();
    match &state.save.result {
        None | Some(Ok(_)) => lines.push(Line::from(vec![
            Span::styled(format!("{} ", spinner(state)), theme.accent),
            Span::raw(text::waiting(text::SAVING, state.save.waited_secs())),
        ])),
        Some(Err(SaveError::Keychain(e))) => {
            let p = vault_text::problem(e);
            lines.push(Line::from(Span::styled(p.message, theme.fail)));
            lines.push(Line::from(vec![
                Span::styled("Fix: ", theme.accent),
                Span::raw(p.fix),
            ]));
            lines.push(Line::default());
            lines.push(Line::from(text::SAVE_FAILED));
        }
        Some(Err(SaveError::Metadata(detail))) => {
            lines.push(Line::from(Span::styled(
                vault_text::metadata_failed(detail),
                theme.warn,
            )));
        }
    }
    super::body::render(vec![Part::Text(lines)], frame, area, theme);
}

pub fn done(state: &State, frame: &mut Frame, area: Rect) {
    let theme = current();
    let Some(Ok(saved)) = &state.save.result else {
        return;
    };
    let expires = state
        .validation
        .result
        .as_ref()
        .and_then(|v| v.token.as_ref())
        .and_then(|t| t.expires_at.clone())
        .unwrap_or_else(|| "never".into());
    let verify = state
        .instance
        .as_ref()
        .map(|i| {
            format!(
                "gitlab-token verify --host {} --name {}",
                i.base_url(),
                state.name
            )
        })
        .unwrap_or_default();
    let path = saved.metadata_path.display().to_string();
    let mut done = text::done_lines(&saved.account, &saved.store, &path, &expires, &verify);
    if state.signed_in() {
        // The expiry line: a browser sign-in renews itself.
        for line in done.iter_mut().filter(|l| l.starts_with("Expires: ")) {
            *line = crate::strings::signin::refreshes();
        }
    }
    let mut lines: Vec<Line> = done
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                Line::from(Span::styled(l, theme.ok))
            } else {
                Line::from(l)
            }
        })
        .collect();
    // After "Expires: ...": whether something renews it before then (a sign-in renews itself;
    // the daily rotation only what rotates itself).
    let renewal = state.renewal();
    let renewal_line = match (&state.done.schedule, state.instance.as_ref()) {
        _ if state.signed_in() => None,
        (Some(line), _) if renewal.unattended() => Some(line.clone()),
        (_, Some(_)) if !renewal.unattended() => Some(crate::strings::renewal::renewal_short(
            renewal,
            &saved.account,
        )),
        _ => None,
    };
    if let Some(line) = &renewal_line {
        lines.insert(lines.len().min(4), Line::from(line.clone()));
    }
    // Where each rotation delivers the new value (sinks), or how to add such a place.
    if !state.signed_in() {
        let sinks: Vec<&str> = state
            .done
            .sinks
            .iter()
            .filter(|(account, _)| *account == saved.account)
            .map(|(_, target)| target.as_str())
            .collect();
        // Right after the expiry (and the schedule) line.
        let at = lines
            .iter()
            .position(|l| l.to_string().starts_with("Expires"))
            .map_or(lines.len(), |i| i + 1 + usize::from(renewal_line.is_some()))
            .min(lines.len());
        lines.insert(at, Line::from(text::done_sinks(&sinks)));
    }
    if let Some(instance) = &state.instance {
        let style = match &state.done.git_setup.result {
            Some(Ok(crate::wizard::GitOutcome::Done)) => theme.ok,
            Some(Ok(crate::wizard::GitOutcome::Elsewhere(_))) => theme.warn,
            Some(Err(_)) => theme.fail,
            None => theme.text,
        };
        let host = instance.key();
        let host = host.split('/').next().unwrap_or_default();
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            text::git_line(
                state.done.git_setup.result.as_ref(),
                state.done.git_setup.running(),
                host,
            ),
            style,
        )));
    }
    // The next thing to do, so near the top: hand the token to the integration.
    let at = lines.len().min(2);
    lines.splice(at..at, handover_lines(state));
    if let Some(r) = &state.replacing {
        let style = match &r.revoke.result {
            Some(Ok(())) => theme.ok,
            Some(Err(_)) => theme.fail,
            None => theme.warn,
        };
        let revoke = text::revoke_line(r.revoke.result.as_ref(), r.revoke.running());
        lines.insert(0, Line::from(Span::styled(revoke, style)));
    }
    super::body::render_scrolled(
        vec![Part::Text(lines)],
        frame,
        area,
        theme,
        state.scrolled(),
    );
}

/// The hand-over's lines on the Done screen: the offer to copy the token, the countdown while it
/// is on the clipboard, what stays after it is cleared; the integration's settings page.
fn handover_lines(state: &State) -> Vec<Line<'static>> {
    use crate::wizard::handover::Handover;
    let theme = current();
    let said = match state.done.handover {
        Handover::Offered if state.can_copy_token() => {
            Some((text::HANDOVER_OFFER.to_owned(), theme.text))
        }
        Handover::Offered => None,
        Handover::Counting { left } => Some((text::handover_counting(left), theme.warn)),
        Handover::Cleared => Some((text::HANDOVER_CLEARED.to_owned(), theme.muted)),
    };
    let mut lines = Vec::new();
    if let Some((words, style)) = said {
        lines.push(Line::from(Span::styled(words, style)));
    }
    if let Some(url) = state.integration_link() {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", text::HANDOVER_SETTINGS), theme.muted),
            Span::styled(url, theme.link),
        ]));
    }
    lines
}
