//! What stays on the terminal after the wizard leaves the alternate screen: what was saved where
//! and how to use it, the check's report, or what was abandoned. Pure: built from the state.

use crate::strings::probe::ShownReport;
use crate::strings::shell::{command, shell_arg};
use crate::strings::{check, wizard as text};
use crate::wizard::{State, Step};

/// The summary printed after the wizard ends; `signalled` when a signal ended it.
pub fn after_wizard(state: &State, signalled: bool) -> String {
    let mut out = Vec::new();
    if let Some(r) = &state.rotation.task.result {
        out.push(format!("gitlab-token: {}", text::rotated(r)));
    }
    if let Some(c) = &state.creating {
        out.extend(super::create_wizard::summary(
            c,
            signalled,
            &state.done.git_setup.result,
        ));
        return out.join("\n");
    }
    if let (Some(Ok(saved)), Some(instance)) = (&state.save.result, &state.instance) {
        let host = instance.key();
        let expires = state
            .validation
            .result
            .as_ref()
            .and_then(|v| v.token.as_ref())
            .and_then(|t| t.expires_at.clone());
        out.push(format!("gitlab-token: saved {}.", saved.account));
        out.push(format!(
            "  In the {}, service \"gitlab-token\".",
            saved.store
        ));
        if state.signed_in() {
            // A browser sign-in renews itself: nothing to rotate.
            out.push(format!("  {}", super::signin::refreshes()));
        } else {
            out.push(match &expires {
                Some(date) => format!("  Expires {date}. Rotate it before then:"),
                None => "  It does not expire. Rotate it from time to time:".into(),
            });
            let renewal = state.renewal();
            let account = saved.account.as_str();
            if let Some(cmd) = super::renewal::renewal_command(renewal, &host, &state.name) {
                out.push(format!("    {cmd}"));
            }
            if !renewal.unattended() {
                let line = super::renewal::renewal_line(renewal, account, &host, &state.name);
                out.push(format!("  {line}"));
            }
        }
        out.push("  Use it in scripts:".into());
        out.push(format!("    {}", command("get", &host, &state.name)));
        match &state.done.git_setup.result {
            Some(Ok(crate::wizard::GitOutcome::Done)) => {
                out.push(format!("  git uses it for https://{}.", host_only(&host)))
            }
            _ => {
                out.push("  Let git use it for HTTPS:".into());
                out.push(format!("    {}", command("setup-git", &host, &state.name)));
            }
        }
        // What the Done screen showed about the replaced token and its sinks is said again.
        if let Some(r) = &state.replacing {
            out.push(match r.revoke.result {
                Some(Ok(())) => "  The replaced token was revoked on GitLab.".to_owned(),
                _ => format!(
                    "  The replaced token was not revoked: it works until it expires ({}).",
                    r.entry.expires_at.as_deref().unwrap_or("never")
                ),
            });
        }
        if let Some(delivered) = &state.done.delivered {
            out.push(format!("  {}", text::sinks_delivered(delivered)));
        }
        out.push(format!(
            "  Facts about it (no secret): {}",
            saved.metadata_path.display()
        ));
        return out.join("\n");
    }
    if state.check_only
        && let Some(report) = &state.reach.probe.result
    {
        out.extend(check_report(report));
        return out.join("\n");
    }
    let why = if signalled {
        "interrupted by a signal"
    } else {
        "stopped"
    };
    if state.check_only {
        out.push(format!(
            "gitlab-token: the instance check was {why} before it finished."
        ));
        out.push("  Run it with: gitlab-token check URL".into());
        return out.join("\n");
    }
    if state.rotation.task.result.is_none() || state.step != Step::Profile {
        let at = format!(
            "step {}/{}, {}",
            state.step.number(),
            Step::ALL.len(),
            if state.on_signin_screen() {
                super::signin::DOING
            } else {
                doing(state.step)
            }
        );
        out.push(format!("gitlab-token: setup {why} at {at}."));
        out.push("  Nothing was saved.".into());
        if !state.secret.is_empty() {
            out.push(
                "  The pasted token was discarded. It still exists on GitLab: paste it into \
                 `gitlab-token setup` again, or revoke it on GitLab's access tokens page."
                    .into(),
            );
        }
        out.push("  Start again with: gitlab-token setup".into());
    }
    out.join("\n")
}

/// What the user was doing at `step`, for "setup stopped at step 7/10, pasting the token".
fn doing(step: Step) -> &'static str {
    match step {
        Step::Profile => "choosing what the token is for",
        Step::Host => "choosing the GitLab address",
        Step::Reachability => "checking the instance",
        Step::Owner => "choosing who owns the token",
        Step::Role => "granting the role",
        Step::Generate => "creating the token on GitLab",
        Step::Paste => "pasting the token",
        Step::Validate => "checking the token",
        Step::Save => "saving it",
        Step::Done => "done",
    }
}

/// The host without a relative URL root (`example.com:8443` of `example.com:8443/gitlab`).
fn host_only(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

/// The reachability check as `gitlab-token check` reports it, for "Check my instance".
pub fn check_report(report: &ShownReport) -> Vec<String> {
    let mut out = vec![format!("gitlab-token: {}", check::checking(&report.url))];
    for s in &report.stages {
        let (mark, detail) = if s.ok {
            ("✓", s.detail.as_str())
        } else {
            // The problem below says what failed and how to fix it.
            ("✗", text::STAGE_FAILED)
        };
        out.push(format!(
            "  {mark} {:<6}{detail}",
            check::stage_name(s.stage)
        ));
    }
    if let Some(c) = &report.certificate {
        out.push(format!("  {}", check::certificate_summary(c)));
    }
    if report.ok {
        out.push(format!("  {}", check::ALL_GOOD));
    }
    for p in &report.problems {
        out.push(format!("  {}", p.message));
        out.push(format!("    Fix: {}", p.fix));
    }
    out.push(format!(
        "  Run it again: gitlab-token check {}",
        shell_arg(&report.url)
    ));
    out.join("\n").lines().map(str::to_owned).collect()
}
