//! `update`: the one way state changes. Keys go through the keymap (`keys`); store answers,
//! the tick and the mouse change the state here and return effects for the runtime.

use chrono::Duration;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::layout;
use super::msg::{Effect, Msg};
use super::state::{State, Tab};
use super::{backlog, board, chat, dashboard, detail, filter, prompt, proposals, sync};

/// Effects to run when the UI starts: the first query (from `SQLite`) and source freshness.
pub fn init(state: &mut State) -> Vec<Effect> {
    sync::schedule_first(state);
    let mut effects = backlog::reload(state);
    effects.push(Effect::LoadFreshness);
    if state.tab != Tab::Proposals {
        // The tab's badge counts pending proposals from the start.
        effects.push(proposals::load(state));
    }
    effects.extend(entered_tab(state));
    effects
}

/// Switches tab and loads what the new tab shows.
pub(super) fn switch_tab(state: &mut State, tab: Tab) -> Vec<Effect> {
    state.tab = tab;
    state.dirty = true;
    entered_tab(state)
}

/// Reloads what is shown from the database and starts a sync pass (when this UI syncs).
pub(super) fn refresh(state: &mut State) -> Vec<Effect> {
    let mut effects = backlog::reload(state);
    effects.push(Effect::LoadFreshness);
    effects.extend(detail::reload(state));
    if state.tab == Tab::Dashboard {
        effects.extend(dashboard::load(state));
    }
    if state.tab == Tab::Board {
        effects.extend(board::load(state));
    }
    let syncing = sync::start(state);
    let done = if syncing.is_empty() && !state.sync.running {
        "reloaded"
    } else {
        "reloaded; syncing the sources"
    };
    effects.extend(syncing);
    flash(state, done, false);
    effects
}

fn entered_tab(state: &mut State) -> Vec<Effect> {
    if state.tab == Tab::Dashboard && state.dashboard.report.is_none() {
        return dashboard::load(state);
    }
    if state.tab == Tab::Board && !state.board.loaded {
        return board::load(state);
    }
    if state.tab == Tab::Chat {
        return chat::on_enter(state);
    }
    if state.tab == Tab::Proposals {
        return vec![proposals::load(state)];
    }
    Vec::new()
}

fn on_tick(state: &mut State, now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
    state.now = now;
    if state.flash.as_ref().is_some_and(|f| f.until <= now) {
        state.flash = None;
    }
    // Relative times ("3 min ago") move on.
    state.dirty = true;
    sync::on_tick(state, now)
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => super::keys::on_key(state, key),
        Msg::Mouse(mouse) => on_mouse(state, mouse),
        Msg::Paste(text) => on_paste(state, &text),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            let selected = state.backlog.selected;
            backlog::select(state, selected)
        }
        Msg::FocusGained => vec![Effect::LoadFreshness],
        Msg::FocusLost => Vec::new(),
        Msg::Tick(now) => on_tick(state, now),
        Msg::Sync(event) => {
            sync::on_event(state, event);
            Vec::new()
        }
        Msg::SyncDone(results) => sync::on_done(state, results),
        Msg::ChatEvents { turn, events } => chat::on_events(state, turn, events),
        Msg::ChatSaved(result) => chat::on_saved(state, result),
        Msg::ChatLoaded { found, reopen } => chat::on_loaded(state, found, reopen),
        Msg::Conversations(result) => chat::on_conversations(state, result),
        Msg::PromptRendered(result) => prompt::on_rendered(state, result),
        msg @ (Msg::ProposalsLoaded { .. } | Msg::AuditLoaded(_) | Msg::ProposalDone { .. }) => {
            proposals::on_msg(state, msg)
        }
        msg @ (Msg::GeneratorProgress { .. }
        | Msg::GeneratorDone { .. }
        | Msg::GeneratorChecked { .. }
        | Msg::Edited(_)) => super::generator::on_msg(state, msg),
        Msg::PromptStats(result) => {
            prompt::on_stats(state, result);
            Vec::new()
        }
        Msg::IssueFound { key, issue_id } => detail::open_found(state, &key, issue_id),
        Msg::SyncRuns(result) => {
            sync::on_runs(state, result);
            Vec::new()
        }
        Msg::BacklogLoaded { generation, result } => backlog::on_loaded(state, generation, result),
        Msg::WindowLoaded {
            generation,
            start,
            result,
        } => backlog::on_window(state, generation, start, result),
        Msg::DetailLoaded { generation, result } => {
            detail::on_loaded(state, generation, result);
            Vec::new()
        }
        Msg::OverrideSaved {
            issue_id,
            field,
            result,
        } => detail::on_saved(state, issue_id, field, result),
        Msg::BoardLoaded { generation, result } => {
            board::on_loaded(state, generation, result);
            Vec::new()
        }
        Msg::CardMoved {
            key,
            target,
            result,
        } => {
            match result {
                Ok(()) => flash(
                    state,
                    &format!(
                        "{key} → {target} (pending push: write-back to the tracker comes with proposals)"
                    ),
                    false,
                ),
                Err(e) => flash(state, &e, true),
            }
            board::load(state)
        }
        Msg::DashboardLoaded { generation, result } => {
            dashboard::on_loaded(state, generation, result);
            Vec::new()
        }
        Msg::DashboardSnapshot { generation, report } => {
            dashboard::on_snapshot(state, generation, report);
            Vec::new()
        }
        Msg::Freshness(list) => {
            state.freshness = list;
            state.dirty = true;
            Vec::new()
        }
        Msg::Notice { text, error } => {
            if !text.is_empty() {
                flash(state, &text, error);
            }
            Vec::new()
        }
    }
}

/// A message in the status bar for a few seconds.
pub fn flash(state: &mut State, text: &str, error: bool) {
    state.flash = Some(super::state::Flash {
        text: crate::domain::text::SafeText::line(text),
        error,
        until: state.now + Duration::seconds(4),
    });
    state.dirty = true;
}

fn on_paste(state: &mut State, text: &str) -> Vec<Effect> {
    if prompt::on_paste(state, &crate::domain::text::sanitize(text, true)) {
        return Vec::new();
    }
    let clean = crate::domain::text::sanitize(text, false);
    if let Some(editor) = state.detail.as_mut().and_then(|d| d.editing.as_mut()) {
        editor.input.insert_str(&clean);
        state.dirty = true;
        return Vec::new();
    }
    if state.filter.open {
        state.filter.input.insert_str(&clean);
        return filter::live(state);
    }
    Vec::new()
}

fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    if state.too_small() || state.help {
        return Vec::new();
    }
    match mouse.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta = if mouse.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            if state.tab != Tab::Backlog {
                return Vec::new();
            }
            if state.detail.is_some() {
                detail::scroll(state, delta);
                return Vec::new();
            }
            backlog::move_by(state, delta as isize)
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if mouse.row == 0 {
                if let Some(tab) = layout::tab_at(mouse.column) {
                    return switch_tab(state, tab);
                }
                return Vec::new();
            }
            if state.tab != Tab::Backlog || state.detail.is_some() {
                return Vec::new();
            }
            let table = layout::areas(state).table;
            if mouse.row > table.y && mouse.row < table.y + table.height {
                let index = state.backlog.offset + usize::from(mouse.row - table.y - 1);
                if index < state.backlog.display_len() {
                    return backlog::select(state, index);
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}
