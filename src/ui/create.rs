//! The "Create it for me" screens: authorize, plan, progress and what was created. Pure rendering.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::body::{self, Part};
use crate::provision::{
    AccountOutcome, Candidate, Discovery, Kind, MembershipOutcome, Request, Stage, TokenOutcome,
};
use crate::strings::create_wizard as text;
use crate::strings::provision_notes as notes;
use crate::theme::{Theme, current};
use crate::wizard::State;
use crate::wizard::create::{Creating, Method, Phase};

/// The header's title for the phase ("Create it for me 2/4  Plan").
pub fn title(c: &Creating) -> String {
    let (n, what) = match c.phase {
        Phase::Authorize | Phase::Pasting | Phase::SigningIn | Phase::Leaving => {
            (1, text::H_AUTHORIZE)
        }
        Phase::Discovering | Phase::Plan => (2, text::H_PLAN),
        Phase::Options => (2, crate::strings::create_options::H_OPTIONS),
        Phase::Executing => (3, text::H_CREATE),
        Phase::Finished => (4, text::H_DONE),
    };
    text::header(n, what)
}

/// Draws the current "Create it for me" screen in `area` (the body, inside its margin).
pub fn render(state: &State, c: &Creating, frame: &mut Frame, area: Rect) {
    let theme = current();
    let spin = super::spinner(state);
    let parts = match c.phase {
        Phase::Authorize => authorize(state, c, theme),
        Phase::Pasting => pasting(c, theme),
        Phase::SigningIn => {
            if let Some(s) = &c.signin {
                super::signin::render(s, frame, area, spin);
            }
            return;
        }
        Phase::Discovering => {
            let what = if c.load.running() {
                text::LOADING_STORED
            } else {
                text::DISCOVERING
            };
            let waited = c.load.waited_secs() + c.discovery.waited_secs();
            vec![Part::Text(vec![Line::from(format!(
                "{spin} {}",
                crate::strings::wizard::waiting(what, waited)
            ))])]
        }
        Phase::Plan => {
            // The reasons whole when they fit; else each "why not" is cut to its first sentence.
            let full = plan(state, c, theme, None);
            let rows: u16 = full.iter().map(|p| rows(p, area.width)).sum();
            if rows <= area.height {
                full
            } else {
                plan(state, c, theme, Some(area.width))
            }
        }
        Phase::Options => {
            if let Some(form) = &c.form {
                super::create_options::render(state, form, frame, area);
            }
            return;
        }
        Phase::Executing => progress(c, spin, theme),
        Phase::Finished => finished(state, c, theme),
        Phase::Leaving => vec![Part::Text(vec![Line::from(format!(
            "{spin} {}",
            text::LEAVING
        ))])],
    };
    // The plan and the end grow with what they report: they scroll (PgDn / PgUp).
    if matches!(c.phase, Phase::Plan | Phase::Finished) {
        body::render_scrolled(parts, frame, area, theme, state.scrolled());
    } else {
        body::render(parts, frame, area, theme);
    }
}

fn authorize<'a>(state: &State, c: &'a Creating, theme: &Theme) -> Vec<Part<'a>> {
    let mut lines = vec![
        Line::from(text::AUTHORIZE_INTRO),
        Line::from(Span::styled(text::NOT_KEPT, theme.accent)),
        Line::default(),
    ];
    for (i, m) in c.methods.iter().enumerate() {
        let label = match m {
            Method::Browser => text::M_BROWSER.to_owned(),
            Method::Paste => text::M_PASTE.to_owned(),
            Method::Stored(account) => text::m_stored(account),
        };
        lines.push(if i == c.cursor {
            Line::from(Span::styled(format!("▸ {label}"), theme.selected))
        } else {
            Line::from(format!("  {label}"))
        });
    }
    let browser = c.methods.get(c.cursor) == Some(&Method::Browser);
    if browser && state.app_id_for_host().is_none() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(text::NO_APP_NOTE, theme.muted)));
    }
    let mut tail = Vec::new();
    if let Some(e) = &c.error {
        tail.push(Line::from(Span::styled(e.clone(), theme.fail)));
    }
    if c.revoke.running() {
        let spin = super::spinner(state);
        tail.push(Line::from(format!("{spin} {}", text::REVOKING)));
    } else if let Some(r) = &c.revoke.result {
        tail.push(revoked_line(r, theme));
    }
    vec![Part::Text(lines), Part::Tail(tail)]
}

fn pasting<'a>(c: &'a Creating, theme: &Theme) -> Vec<Part<'a>> {
    let n = c.paste.chars().count();
    let shown = if n == 0 {
        String::new()
    } else {
        format!("{} ({n} characters)", "•".repeat(n.min(24)))
    };
    let mut lines = vec![
        Line::from(text::PASTE_HINT),
        Line::default(),
        Line::from(vec![
            Span::styled(format!("{}: ", text::PASTE_FIELD), theme.accent),
            Span::raw(shown),
        ]),
    ];
    if let Some(e) = &c.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.fail)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(text::PASTE_NOT_KEPT, theme.accent)));
    vec![Part::Text(lines)]
}

fn label<'a>(name: &str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<13} "), theme.accent),
        Span::raw(value),
    ])
}

/// Rows a text part takes at `width`.
fn rows(part: &Part<'_>, width: u16) -> u16 {
    match part {
        Part::Text(lines) | Part::Tail(lines) => {
            super::paragraph(lines.clone()).line_count(width) as u16
        }
        Part::Url(_) => 1,
        Part::From(lines, skip) => {
            (super::paragraph(lines.clone()).line_count(width) as u16).saturating_sub(*skip)
        }
    }
}

/// The first sentence of a reason (what is wrong, without what to do instead).
fn first_sentence(reason: &str) -> &str {
    match reason.find(". ") {
        Some(i) => &reason[..=i],
        None => reason,
    }
}

/// `short`: the width to fit each alternative (why, or why not) into one row (the screen is too
/// small for all).
fn plan<'a>(state: &State, c: &'a Creating, theme: &Theme, short: Option<u16>) -> Vec<Part<'a>> {
    let (Some(request), Some(result)) = (c.request.as_ref(), c.discovery.result.as_ref()) else {
        return Vec::new();
    };
    let d = match result {
        Ok(d) => d,
        Err(e) => {
            return vec![Part::Text(vec![
                Line::from(Span::styled(text::DISCOVERY_FAILED, theme.fail)),
                Line::from(e.clone()),
            ])];
        }
    };
    let mut lines = vec![Line::from(text::authorized_as(
        &d.caller.username,
        d.caller.is_admin,
    ))];
    let options: &[Candidate] = c.choice.as_ref().map_or(&[], |ch| &ch.options);
    let Some(kind) = c.kind else {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(text::NOTHING_POSSIBLE, theme.fail)));
        for o in options {
            if let Err(r) = &o.verdict {
                lines.push(Line::from(format!(
                    "✗ {}: {}",
                    text::kind_name(o.kind),
                    notes::refusal(r)
                )));
            }
        }
        let tail = vec![Line::from(Span::styled(text::GUIDE_OFFER, theme.accent))];
        return vec![Part::Text(lines), Part::Tail(tail)];
    };
    lines.push(Line::default());
    let best = c.choice.as_ref().and_then(|ch| ch.best) == Some(kind);
    let heading = if state.create_reuses().is_some() {
        text::REUSES
    } else if best {
        text::BEST
    } else {
        text::CHOSEN
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{heading}: "), theme.accent),
        Span::styled(text::kind_name(kind), theme.title),
    ]));
    if let Some(Ok(why)) = options.iter().find(|o| o.kind == kind).map(|o| &o.verdict) {
        lines.push(Line::from(Span::styled(notes::why(why), theme.muted)));
    }
    if short.is_none() {
        lines.push(Line::default());
    }
    lines.extend(details(state, request, d, kind, theme));
    let mut parts = vec![Part::Text(lines)];
    parts.extend(alternatives(options, kind, short, theme));
    parts
}

/// The other kinds: possible ones (pick with ↑↓) and refused ones, each with why; `short`: one
/// row each, cut to the first sentence (the screen is too small for all).
fn alternatives<'a>(
    options: &[Candidate],
    kind: Kind,
    short: Option<u16>,
    theme: &Theme,
) -> Vec<Part<'a>> {
    let one_row = |name: &str, r: &str| {
        let line = match short {
            Some(_) => format!("{name}: {}", first_sentence(r)),
            None => format!("{name}: {r}"),
        };
        let room = short.map_or(usize::MAX, |w| usize::from(w).saturating_sub(3));
        if line.chars().count() > room {
            let cut: String = line.chars().take(room.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            line
        }
    };
    let mut parts = Vec::new();
    let also: Vec<Line> = options
        .iter()
        .filter(|o| o.kind != kind)
        .filter_map(|o| o.verdict.as_ref().ok().map(|why| (o.kind, why)))
        .map(|(k, why)| {
            Line::from(vec![
                Span::styled("✓ ", theme.ok),
                Span::raw(one_row(text::kind_name(k), &notes::why(why))),
            ])
        })
        .collect();
    let not: Vec<Line> = options
        .iter()
        .filter_map(|o| o.verdict.as_ref().err().map(|r| (o.kind, r)))
        .map(|(k, r)| {
            Line::from(vec![
                Span::styled("✗ ", theme.muted),
                Span::raw(one_row(text::kind_name(k), &notes::refusal(r))),
            ])
        })
        .collect();
    for (title, rows) in [(text::ALSO, also), (text::NOT_POSSIBLE, not)] {
        if !rows.is_empty() {
            let heading = Line::from(Span::styled(format!("{title}:"), theme.accent));
            let mut block = vec![heading];
            if short.is_none() {
                block.insert(0, Line::default());
            }
            block.extend(rows);
            parts.push(Part::Text(block));
        }
    }
    parts
}

/// Account, targets and role, scopes, expiry and where it is stored.
fn details<'a>(
    state: &State,
    request: &Request,
    d: &Discovery,
    kind: Kind,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let role = request.profile.role.name();
    let scopes = crate::provision::token_scopes(request, d);
    let expires = state.today + time::Duration::days(i64::from(request.expires_in_days));
    let account = crate::vault::account(&request.name, &request.instance.key());
    let mut lines = vec![
        label(
            text::L_ACCOUNT,
            match state.create_reuses() {
                Some(made) => text::account_made_before(&made.account_username),
                None => text::account_plan(kind, request.service_account.as_deref()),
            },
            theme,
        ),
        label(
            text::L_TARGETS,
            match kind {
                Kind::OwnToken => crate::strings::provision_own::roles_kept(&request.targets),
                _ if request.raise_role => format!(
                    "{} {}",
                    text::role_on(role, &request.targets),
                    crate::strings::create_options::RAISED_NOTE
                ),
                _ => text::role_on(role, &request.targets),
            },
            theme,
        ),
    ];
    if let Some(granular) = crate::provision::token_permissions(kind, request, d) {
        use crate::strings::provision_own as own;
        lines.push(label(
            own::L_PERMISSIONS,
            own::permissions_plan(&granular),
            theme,
        ));
        lines.push(Line::from(Span::styled(
            format!("{:<13} {}", "", own::ROTATES_ITSELF),
            theme.muted,
        )));
    } else {
        lines.extend(legacy_lines(request, d, kind, &scopes, theme));
    }
    lines.push(label(
        text::L_EXPIRES,
        text::expires_on(&expires.to_string(), request.expires_in_days),
        theme,
    ));
    lines.push(label(text::L_STORED, account.clone(), theme));
    if let Some(t) = state.existing.stored.iter().find(|t| t.account == account) {
        let words = if state.create_needs_consent() {
            text::holds_another(&account, &t.username)
        } else if state.existing.replace_ok.as_deref() == Some(&account) {
            text::replace_agreed(&account)
        } else {
            text::replaces(&account)
        };
        lines.push(Line::from(Span::styled(words, theme.warn)));
    }
    lines
}

/// The plan's lines of a legacy token: its scopes, self_rotate or not, and why not fine-grained.
fn legacy_lines<'a>(
    request: &Request,
    d: &Discovery,
    kind: Kind,
    scopes: &[String],
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    out.push(label(text::L_SCOPES, scopes.join(", "), theme));
    let why = if scopes.iter().any(|s| s == "self_rotate") {
        text::SELF_ROTATE_WHY.to_owned()
    } else {
        text::no_self_rotate(kind)
    };
    out.push(Line::from(Span::styled(
        format!("{:<13} {why}", ""),
        theme.muted,
    )));
    // Where fine-grained tokens exist (19.2+), why this one is not.
    if !request.profile.permissions.is_empty() && crate::gitlab::granular::available(d.version) {
        out.push(Line::from(Span::styled(
            format!(
                "{:<13} {}",
                "",
                crate::strings::provision::legacy_because(kind)
            ),
            theme.muted,
        )));
    }
    out
}

/// The stages in order, for the progress list: memberships run together.
fn stages(c: &Creating) -> Vec<Stage> {
    let mut all = Vec::new();
    let recovering = c.stage == Some(Stage::Recovering) || c.passed.contains(&Stage::Recovering);
    if recovering {
        all.push(Stage::Recovering);
    }
    // Your own token makes no account and no membership.
    if c.kind != Some(crate::provision::Kind::OwnToken) {
        all.push(Stage::Account);
        all.extend(c.targets.iter().map(|t| Stage::Membership(t.clone())));
    }
    all.extend([Stage::Token, Stage::Checking, Stage::Storing]);
    all
}

fn progress<'a>(c: &'a Creating, spin: &str, theme: &Theme) -> Vec<Part<'a>> {
    let membership = |s: &Stage| matches!(s, Stage::Membership(_));
    let current = c.stage.as_ref();
    let mut lines = Vec::new();
    for s in stages(c) {
        let running = match current {
            Some(cur) if membership(cur) && membership(&s) => true,
            Some(cur) => *cur == s,
            None => false,
        };
        let done = !running
            && (c.passed.contains(&s)
                || (membership(&s)
                    && c.passed.iter().any(membership)
                    && !current.is_some_and(membership)));
        let mark = if running {
            Span::styled(format!("{spin} "), theme.accent)
        } else if done {
            Span::styled("✓ ", theme.ok)
        } else {
            Span::styled("· ", theme.muted)
        };
        let style = if running { theme.title } else { theme.text };
        lines.push(Line::from(vec![mark, Span::styled(text::stage(&s), style)]));
    }
    if current.is_none() {
        lines.insert(0, Line::from(format!("{spin} {}", text::STARTING)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(text::IRREVERSIBLE, theme.warn)));
    vec![Part::Text(lines)]
}

fn revoked_line<'a>(result: &Result<(), String>, theme: &Theme) -> Line<'a> {
    match result {
        Ok(()) => Line::from(Span::styled(text::REVOKED, theme.ok)),
        Err(e) => Line::from(Span::styled(text::revoke_failed(e), theme.warn)),
    }
}

/// Where the owner's credential is now, for the Done screen.
fn credential_lines<'a>(c: &Creating, spin: &str, theme: &Theme) -> Vec<Line<'a>> {
    if c.revoke.running() {
        return vec![Line::from(format!("{spin} {}", text::REVOKING))];
    }
    text::credential_lines(c)
        .into_iter()
        .map(|l| {
            let style = match &c.revoke.result {
                Some(Ok(())) if l == text::REVOKED => theme.ok,
                Some(Err(e)) if l == text::revoke_failed(e) => theme.warn,
                _ => theme.muted,
            };
            Line::from(Span::styled(l, style))
        })
        .collect()
}

fn finished<'a>(state: &State, c: &'a Creating, theme: &Theme) -> Vec<Part<'a>> {
    let spin = super::spinner(state);
    let Some(result) = c.execution.result.as_ref() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let (account, memberships, token, problems, stored) = match result {
        Ok(o) => {
            let nothing_new = !o.account.created && o.memberships.iter().all(|m| !m.created);
            let headline = if nothing_new && !o.token.created {
                Span::styled(text::NOTHING_NEW, theme.ok)
            } else {
                Span::styled(text::CREATED, theme.ok)
            };
            lines.push(Line::from(headline));
            (
                Some(&o.account),
                &o.memberships,
                Some(&o.token),
                &o.problems,
                Some(o.stored_as.clone()),
            )
        }
        Err(f) => {
            lines.push(Line::from(Span::styled(text::FAILED, theme.fail)));
            if let Some(first) = f.problems.first() {
                lines.push(Line::from(notes::note(first)));
            }
            lines.push(Line::from(Span::styled(text::DONE_SO_FAR, theme.accent)));
            (
                f.done.account.as_ref(),
                &f.done.memberships,
                f.done.token.as_ref(),
                &f.problems,
                None,
            )
        }
    };
    lines.extend(made_lines(account, memberships, token, theme));
    if let Some(s) = stored {
        lines.push(label(text::L_STORED, s, theme));
    }
    let skip = usize::from(result.is_err());
    let rest: Vec<_> = problems.iter().skip(skip).collect();
    if !rest.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("{}:", text::PROBLEMS),
            theme.warn,
        )));
        for p in rest {
            lines.push(Line::from(format!("! {}", notes::note(p))));
        }
    }
    let mut tail: Vec<Line> = credential_lines(c, spin, theme);
    if let (Ok(_), Some(instance)) = (result, &state.instance) {
        let style = match &state.done.git_setup.result {
            Some(Ok(crate::wizard::GitOutcome::Done)) => theme.ok,
            Some(Ok(crate::wizard::GitOutcome::Elsewhere(_))) => theme.warn,
            Some(Err(_)) => theme.fail,
            None => theme.text,
        };
        let host = instance.key();
        let host = host.split('/').next().unwrap_or_default().to_owned();
        let running = state.done.git_setup.running();
        let line =
            crate::strings::wizard::git_line(state.done.git_setup.result.as_ref(), running, &host);
        tail.push(Line::from(Span::styled(line, style)));
    }
    vec![Part::Text(lines), Part::Tail(tail)]
}

/// What was made (or found): the account, its memberships and the token, one labelled row each.
fn made_lines<'a>(
    account: Option<&AccountOutcome>,
    memberships: &[MembershipOutcome],
    token: Option<&TokenOutcome>,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let role_of = |level: u32| {
        crate::gitlab::access::Role::from_access_level(level)
            .map_or_else(|| level.to_string(), |r| r.name().to_owned())
    };
    let mut lines = Vec::new();
    if let Some(a) = account {
        lines.push(label(
            text::L_ACCOUNT,
            format!(
                "{} ({}, id {}, {})",
                a.username,
                text::kind_name(a.kind),
                a.id,
                text::made(a.created)
            ),
            theme,
        ));
    }
    for m in memberships {
        lines.push(label(
            text::L_TARGETS,
            text::membership(
                &m.target,
                &role_of(m.access_level),
                m.created,
                m.pending_approval,
            ),
            theme,
        ));
    }
    if let Some(t) = token {
        lines.push(label(text::L_TOKEN, text::token_line(t.id), theme));
        lines.push(label(text::L_SCOPES, t.scopes.join(", "), theme));
        if let Some(e) = &t.expires_at {
            lines.push(label(text::L_EXPIRES, e.clone(), theme));
        }
    }
    lines
}
