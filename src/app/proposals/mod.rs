//! The Proposals pane: pending proposals with the selected one as a diff, to apply, reject
//! (with an optional reason) or edit first; undo the last applied, the audit log, the planner
//! and the analyst (keys in `keys`). Read-only mode shows everything and decides nothing.

mod keys;
mod shown;

use super::msg::Effect;
use super::state::State;
use super::update::flash;
use crate::domain::proposal::{Change, ProposalState};
use crate::domain::text::{Safe, SafeText};
use crate::keymap::Context;

pub use keys::{act, type_key};
pub use shown::{Look, ShownChange, ShownProposal, show_changes};

/// Where the pane's keys go: the generator when shown, else the mode the queue is in.
pub fn context(state: &State) -> Context {
    let pane = &state.proposals;
    if pane.generator_shown && pane.generator.is_some() {
        return super::generator::context(state);
    }
    if pane.rejecting.is_some() {
        Context::ProposalReject
    } else if pane.editing.is_some() {
        Context::ProposalEdit
    } else if pane.audit.is_some() {
        Context::Audit
    } else {
        Context::Proposals
    }
}

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

pub fn on_loaded(
    state: &mut State,
    result: Result<Vec<crate::store::proposals::Proposal>, String>,
) {
    let pane = &mut state.proposals;
    match result {
        Ok(list) => {
            pane.shown = list.iter().map(shown::show).collect();
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
        Err(e) => pane.error = Some(e.into()),
    }
    pane.loaded = true;
    state.dirty = true;
}

pub fn on_audit(state: &mut State, result: Result<Vec<crate::store::proposals::AuditRow>, String>) {
    match result {
        Ok(rows) => {
            state.proposals.audit = Some(rows.into_iter().map(Safe::new).collect());
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

/// The pane's messages from the store.
pub fn on_msg(state: &mut State, msg: super::msg::Msg) -> Vec<Effect> {
    use super::msg::Msg;
    match msg {
        Msg::ProposalsLoaded {
            result,
            failed_pushes,
        } => {
            state.proposals.failed_pushes = failed_pushes.iter().map(SafeText::from).collect();
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
