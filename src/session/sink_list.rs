//! The sinks of stored tokens and whether each still waits for a value, as `sink list` and
//! `status` show them.

use std::path::Path;

use serde::Serialize;

use crate::rotation::deliveries::{self, Deliveries};
use crate::strings::sinks as text;
use crate::vault::Metadata;

/// One sink and whether it still waits for a value (`sink list --json`, `status --json`).
#[derive(Debug, Serialize)]
pub struct SinkState {
    pub account: String,
    pub id: u32,
    pub kind: &'static str,
    pub target: String,
    pub pending: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The sinks of `account` (all when `None`), with their pending state.
pub fn states(path: &Path, meta: &Metadata, account: Option<&str>) -> Vec<SinkState> {
    let pending = Deliveries::load(&deliveries::path_for(path)).unwrap_or_default();
    meta.sinks
        .iter()
        .filter(|s| account.is_none_or(|a| s.account == a))
        .map(|s| {
            let p = pending.find(&s.account, s.id);
            SinkState {
                account: s.account.clone(),
                id: s.id,
                kind: s.kind_name(),
                target: s.target(),
                pending: p.is_some(),
                since: p.map(|p| p.since.clone()),
                attempts: p.map_or(0, |p| p.attempts),
                last_error: p.and_then(|p| p.last_error.as_ref().map(text::last_error)),
            }
        })
        .collect()
}

/// One line per sink.
pub fn lines(states: &[SinkState]) -> Vec<String> {
    states
        .iter()
        .map(|s| {
            let why = s
                .pending
                .then(|| s.last_error.as_deref().unwrap_or(text::NOT_TRIED));
            text::sink_line(s.id, s.kind, &s.target, why)
        })
        .collect()
}

/// `status`'s text output: the sinks of every token, after the table (nothing without sinks).
pub fn print_for_status(path: &Path, meta: &Metadata) {
    let states = states(path, meta, None);
    if states.is_empty() {
        return;
    }
    println!();
    print_grouped(meta, &states);
}

pub fn print_grouped(meta: &Metadata, states: &[SinkState]) {
    let mut current = "";
    for (s, line) in states.iter().zip(lines(states)) {
        if s.account != current {
            current = &s.account;
            println!(
                "{}",
                text::list_heading(current, meta.find(current).is_some())
            );
        }
        println!("  {line}");
    }
}
