//! The Proposals pane: pending proposals with the selected one as a diff; `a` applies, `r`
//! rejects (with an optional reason), `e` edits (space drops a change, +/- change points),
//! `u` undoes the last applied, `x` shows the audit log, `P` plans the next sprint, `A` runs the
//! analyst. Read-only mode shows everything and decides nothing.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::{ProposalEdit, State};
use super::update::flash;
use crate::domain::proposal::{Change, Field, ProposalState};

pub fn load(state: &State) -> Effect {
    Effect::LoadProposals {
        all: state.proposals.all,
    }
}

/// Shows proposal `id` in the Proposals tab (from the chat or the generator).
pub fn open(state: &mut State, id: i64) -> Vec<Effect> {
    state.tab = super::state::Tab::Proposals;
    state.proposals.focus = Some(id);
    state.proposals.audit = None;
    state.proposals.editing = None;
    state.dirty = true;
    vec![load(state)]
}

pub fn pending(state: &State) -> usize {
    state
        .proposals
        .list
        .iter()
        .filter(|p| p.state == ProposalState::Pending)
        .count()
}

/// Keys of the pane; `None` lets the key through to the keymap (tab, help, quit).
pub fn on_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let pane = &mut state.proposals;
    state.dirty = true;
    if pane.rejecting.is_some() {
        return Some(reject_key(state, key));
    }
    if pane.editing.is_some() {
        return Some(edit_key(state, key));
    }
    if pane.audit.is_some() {
        return audit_key(state, key);
    }
    let count = pane.list.len();
    let decides = matches!(
        key.code,
        KeyCode::Char('a' | 'r' | 'e' | 'u' | 'P' | 'A' | 'g')
    );
    if decides && state.settings.read_only {
        flash(
            state,
            "read-only mode: proposals are shown, not decided",
            true,
        );
        return Some(Vec::new());
    }
    let selected = pane.list.get(pane.selected).cloned();
    let pending = selected
        .as_ref()
        .is_some_and(|p| p.state == ProposalState::Pending);
    Some(match key.code {
        KeyCode::Char('j') | KeyCode::Down => {
            pane.selected = (pane.selected + 1).min(count.saturating_sub(1));
            pane.scroll = 0;
            pane.key_cursor = None;
            Vec::new()
        }
        KeyCode::Char('k') | KeyCode::Up => {
            pane.selected = pane.selected.saturating_sub(1);
            pane.scroll = 0;
            pane.key_cursor = None;
            Vec::new()
        }
        KeyCode::Tab => {
            // Through the issues the proposal names; after the last, tab switches panes.
            let keys = selected.as_ref().map(keys_of).unwrap_or_default();
            let next = pane.key_cursor.map_or(0, |i| i + 1);
            if next >= keys.len() {
                pane.key_cursor = None;
                return None;
            }
            pane.key_cursor = Some(next);
            Vec::new()
        }
        KeyCode::PageDown => {
            pane.scroll = pane.scroll.saturating_add(10);
            Vec::new()
        }
        KeyCode::PageUp => {
            pane.scroll = pane.scroll.saturating_sub(10);
            Vec::new()
        }
        KeyCode::Char('s') => {
            pane.all = !pane.all;
            pane.selected = 0;
            vec![load(state)]
        }
        KeyCode::Char('x') => vec![Effect::LoadAudit],
        KeyCode::Char('g') => super::generator::open(state),
        KeyCode::Char('u') => vec![Effect::UndoProposal],
        KeyCode::Char('P') => vec![Effect::RunPlanner],
        KeyCode::Char('R') => vec![Effect::PushOutbox],
        KeyCode::Char('A') => vec![Effect::RunAnalyst],
        KeyCode::Char('a' | 'r' | 'e') if !pending => {
            flash(state, "only a pending proposal can be decided", true);
            Vec::new()
        }
        KeyCode::Char('a') => selected
            .map(|p| Effect::ApplyProposal {
                id: p.id,
                changes: None,
            })
            .into_iter()
            .collect(),
        KeyCode::Char('r') => {
            pane.rejecting = Some(TextArea::default());
            Vec::new()
        }
        KeyCode::Char('e') => {
            if let Some(p) = selected {
                pane.editing = Some(ProposalEdit {
                    keep: vec![true; p.changes.len()],
                    changes: p.changes,
                    cursor: 0,
                });
            }
            Vec::new()
        }
        KeyCode::Enter => open_issue(state, selected.as_ref()),
        _ => return None,
    })
}

fn edit_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(edit) = state.proposals.editing.as_mut() else {
        return Vec::new();
    };
    let count = edit.changes.len();
    match key.code {
        KeyCode::Esc => state.proposals.editing = None,
        KeyCode::Char('j') | KeyCode::Down => {
            edit.cursor = (edit.cursor + 1).min(count.saturating_sub(1));
        }
        KeyCode::Char('k') | KeyCode::Up => edit.cursor = edit.cursor.saturating_sub(1),
        KeyCode::Char(' ') => {
            if let Some(k) = edit.keep.get_mut(edit.cursor) {
                *k = !*k;
            }
        }
        KeyCode::Char(c @ ('+' | '-')) => {
            if let Some(change) = edit.changes.get_mut(edit.cursor) {
                bump_points(change, if c == '+' { 1.0 } else { -1.0 });
            }
        }
        KeyCode::Char('a') | KeyCode::Enter => {
            let changes: Vec<Change> = edit
                .changes
                .iter()
                .zip(&edit.keep)
                .filter(|(_, keep)| **keep)
                .map(|(c, _)| c.clone())
                .collect();
            let Some(id) = state
                .proposals
                .list
                .get(state.proposals.selected)
                .map(|p| p.id)
            else {
                return Vec::new();
            };
            state.proposals.editing = None;
            if changes.is_empty() {
                flash(
                    state,
                    "every change is dropped: reject it instead (r)",
                    true,
                );
                return Vec::new();
            }
            return vec![Effect::ApplyProposal {
                id,
                changes: Some(changes),
            }];
        }
        _ => {}
    }
    Vec::new()
}

/// `+`/`-` on a points change or a new issue: the points go up or down by one (not below zero).
fn bump_points(change: &mut Change, by: f64) {
    if let Change::Create { points, .. } = change {
        *points = Some((points.unwrap_or(0.0) + by).max(0.0));
        return;
    }
    if let Change::SetField {
        field: Field::Points,
        to,
        ..
    } = change
    {
        let now: f64 = to.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let next = (now + by).max(0.0);
        *to = Some(if next.fract() == 0.0 {
            format!("{next:.0}")
        } else {
            next.to_string()
        });
    }
}

/// Enter opens the issue tab reached (else the first the proposal names).
fn open_issue(
    state: &mut State,
    selected: Option<&crate::store::proposals::Proposal>,
) -> Vec<Effect> {
    let Some(p) = selected else {
        return Vec::new();
    };
    let key = keys_of(p)
        .get(state.proposals.key_cursor.unwrap_or(0))
        .cloned();
    let Some(key) = key else {
        flash(state, "this proposal names no issue", true);
        return Vec::new();
    };
    vec![Effect::FindIssue(key)]
}

pub fn on_loaded(
    state: &mut State,
    result: Result<Vec<crate::store::proposals::Proposal>, String>,
) {
    let pane = &mut state.proposals;
    match result {
        Ok(list) => {
            pane.list = list;
            if let Some(id) = pane.focus.take()
                && let Some(at) = pane.list.iter().position(|p| p.id == id)
            {
                pane.selected = at;
                pane.scroll = 0;
                pane.key_cursor = None;
            }
            pane.selected = pane.selected.min(pane.list.len().saturating_sub(1));
            pane.error = None;
        }
        Err(e) => pane.error = Some(e),
    }
    pane.loaded = true;
    state.dirty = true;
}

pub fn on_audit(state: &mut State, result: Result<Vec<crate::store::proposals::AuditRow>, String>) {
    match result {
        Ok(rows) => {
            state.proposals.audit = Some(rows);
            state.proposals.scroll = 0;
        }
        Err(e) => flash(state, &format!("cannot read the audit log: {e}"), true),
    }
    state.dirty = true;
}

/// A decision was carried out (or not): say so, and show the data as it is now.
pub fn on_done(state: &mut State, result: Result<String, String>, changed: bool) -> Vec<Effect> {
    match result {
        Ok(text) => flash(state, &text, false),
        Err(text) => flash(state, &text, true),
    }
    let mut effects = vec![load(state)];
    if changed {
        state.board.loaded = false;
        effects.extend(super::sync::reload_keeping_place(state));
        // What was applied goes to the trackers straight away (a no-op without sources).
        effects.push(Effect::PushOutbox);
    }
    effects
}

/// Typing the reason for a rejection: Enter rejects, Esc keeps the proposal.
fn reject_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let pane = &mut state.proposals;
    let Some(reason) = pane.rejecting.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            pane.rejecting = None;
            Vec::new()
        }
        KeyCode::Enter => {
            let text = reason.lines().join(" ").trim().to_owned();
            pane.rejecting = None;
            let Some(id) = pane.list.get(pane.selected).map(|p| p.id) else {
                return Vec::new();
            };
            vec![Effect::RejectProposal {
                id,
                reason: (!text.is_empty()).then_some(text),
            }]
        }
        _ => {
            reason.input(key);
            Vec::new()
        }
    }
}

/// The audit log: scroll, or close it.
fn audit_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let pane = &mut state.proposals;
    match key.code {
        KeyCode::Esc | KeyCode::Char('x') => pane.audit = None,
        KeyCode::Char('j') | KeyCode::Down => pane.scroll = pane.scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => pane.scroll = pane.scroll.saturating_sub(1),
        _ => return None,
    }
    Some(Vec::new())
}

/// The pane's messages from the store.
pub fn on_msg(state: &mut State, msg: super::msg::Msg) -> Vec<Effect> {
    use super::msg::Msg;
    match msg {
        Msg::ProposalsLoaded {
            result,
            failed_pushes,
        } => {
            state.proposals.failed_pushes = failed_pushes;
            on_loaded(state, result);
        }
        Msg::AuditLoaded(result) => on_audit(state, result),
        Msg::ProposalDone { result, changed } => return on_done(state, result, changed),
        _ => {}
    }
    Vec::new()
}

/// The existing issues a proposal names, in order, each once: its changes', then its evidence's.
pub fn keys_of(p: &crate::store::proposals::Proposal) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let named = p
        .changes
        .iter()
        .flat_map(|c| match c {
            Change::Link { from, to } | Change::Unlink { from, to } => {
                vec![from.clone(), to.clone()]
            }
            Change::Create { parent, .. } => parent.iter().cloned().collect(),
            other => vec![other.key().to_owned()],
        })
        .chain(
            p.evidence
                .iter()
                .flat_map(|e| crate::llm::context::named_keys(e)),
        )
        .filter(|k| !k.starts_with("new-"));
    for k in named {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}
