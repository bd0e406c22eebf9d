//! The Proposals pane's actions: the queue, the reason for a rejection, editing a proposal's
//! changes before applying, the audit log.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::{keys_of, load};
use crate::app::msg::Effect;
use crate::app::state::{ProposalEdit, State};
use crate::app::update::flash;
use crate::domain::proposal::{Change, Field, ProposalState};
use crate::keymap::{Action, Context};

/// The pane's answer to `action` in `context`; `None`: not one of its keys.
pub fn act(state: &mut State, context: Context, action: Action) -> Option<Vec<Effect>> {
    match context {
        Context::ProposalReject => reject_action(state, action),
        Context::ProposalEdit => edit_action(state, action),
        Context::Audit => audit_action(state, action),
        _ => queue_action(state, action),
    }
}

fn queue_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let pane = &mut state.proposals;
    let count = pane.list.len();
    let selected = pane.list.get(pane.selected).cloned();
    let pending = selected
        .as_ref()
        .is_some_and(|p| p.state == ProposalState::Pending);
    Some(match action {
        Action::Down | Action::Up => {
            pane.selected = if action == Action::Down {
                (pane.selected + 1).min(count.saturating_sub(1))
            } else {
                pane.selected.saturating_sub(1)
            };
            pane.scroll = 0;
            pane.key_cursor = None;
            Vec::new()
        }
        Action::NextIssue => {
            // Through the issues the proposal names; after the last, the next tab.
            let keys = selected.as_ref().map(keys_of).unwrap_or_default();
            let next = pane.key_cursor.map_or(0, |i| i + 1);
            if next >= keys.len() {
                pane.key_cursor = None;
                return Some(crate::app::keys::act(state, Action::NextTab));
            }
            pane.key_cursor = Some(next);
            Vec::new()
        }
        Action::PageDown => {
            pane.scroll = pane.scroll.saturating_add(10);
            Vec::new()
        }
        Action::PageUp => {
            pane.scroll = pane.scroll.saturating_sub(10);
            Vec::new()
        }
        Action::ShowAll => {
            pane.all = !pane.all;
            pane.selected = 0;
            vec![load(state)]
        }
        Action::AuditLog => vec![Effect::LoadAudit],
        Action::Generator => crate::app::generator::open(state),
        Action::Undo => vec![Effect::UndoProposal],
        Action::PlanSprint => vec![Effect::RunPlanner],
        Action::Push => vec![Effect::PushOutbox],
        Action::FindRisks => vec![Effect::RunAnalyst],
        Action::ApplyProposal | Action::Reject | Action::Edit if !pending => {
            flash(state, "only a pending proposal can be decided", true);
            Vec::new()
        }
        Action::ApplyProposal => selected
            .map(|p| Effect::ApplyProposal {
                id: p.id,
                changes: None,
            })
            .into_iter()
            .collect(),
        Action::Reject => {
            pane.rejecting = Some(TextArea::default());
            Vec::new()
        }
        Action::Edit => {
            if let Some(p) = selected {
                pane.editing = Some(ProposalEdit {
                    keep: vec![true; p.changes.len()],
                    shown: super::show_changes(&p.changes),
                    changes: p.changes,
                    cursor: 0,
                });
            }
            Vec::new()
        }
        Action::Open => open_issue(state, selected.as_ref()),
        _ => return None,
    })
}

fn edit_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let edit = state.proposals.editing.as_mut()?;
    let count = edit.changes.len();
    match action {
        Action::Cancel | Action::Back => state.proposals.editing = None,
        Action::Down => edit.cursor = (edit.cursor + 1).min(count.saturating_sub(1)),
        Action::Up => edit.cursor = edit.cursor.saturating_sub(1),
        Action::ToggleChange => {
            if let Some(k) = edit.keep.get_mut(edit.cursor) {
                *k = !*k;
            }
        }
        Action::MorePoints | Action::FewerPoints => {
            if let Some(change) = edit.changes.get_mut(edit.cursor) {
                bump_points(
                    change,
                    if action == Action::MorePoints {
                        1.0
                    } else {
                        -1.0
                    },
                );
                edit.shown = super::show_changes(&edit.changes);
            }
        }
        Action::ApplyProposal => return Some(apply_edited(state)),
        _ => return None,
    }
    Some(Vec::new())
}

/// The kept changes, applied in place of the proposal's own.
fn apply_edited(state: &mut State) -> Vec<Effect> {
    let Some(edit) = state.proposals.editing.as_ref() else {
        return Vec::new();
    };
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
    vec![Effect::ApplyProposal {
        id,
        changes: Some(changes),
    }]
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

/// The reason for a rejection: the reject key sends it, cancel keeps the proposal.
fn reject_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let pane = &mut state.proposals;
    let reason = pane.rejecting.as_ref()?;
    Some(match action {
        Action::Cancel | Action::Back => {
            pane.rejecting = None;
            Vec::new()
        }
        Action::Reject => {
            let text = reason.lines().join(" ").trim().to_owned();
            pane.rejecting = None;
            let Some(id) = pane.list.get(pane.selected).map(|p| p.id) else {
                return Some(Vec::new());
            };
            vec![Effect::RejectProposal {
                id,
                reason: (!text.is_empty()).then_some(text),
            }]
        }
        _ => return None,
    })
}

/// A key typed into the reason for a rejection.
pub fn type_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Some(reason) = state.proposals.rejecting.as_mut() {
        reason.input(key);
    }
    Vec::new()
}

/// The audit log: scroll, or close it.
fn audit_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let pane = &mut state.proposals;
    match action {
        Action::Close | Action::Back => pane.audit = None,
        Action::Down => pane.scroll = pane.scroll.saturating_add(1),
        Action::Up => pane.scroll = pane.scroll.saturating_sub(1),
        _ => return None,
    }
    Some(Vec::new())
}
