//! `update`: the one way state changes. Keys become actions through the keymap; actions and
//! store answers change the state and return effects for the runtime.

use chrono::Duration;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui_textarea::TextArea;

use super::layout;
use super::msg::{Effect, Msg};
use super::state::{Item, State, Tab};
use super::{backlog, board, chat, dashboard, detail, prompt, proposals, sync};
use crate::domain::query;
use crate::keymap::{Action, Context, Key, Lookup};

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
fn switch_tab(state: &mut State, tab: Tab) -> Vec<Effect> {
    state.tab = tab;
    state.dirty = true;
    entered_tab(state)
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
        Msg::Key(key) => on_key(state, key),
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
        text: crate::domain::text::sanitize(text, false),
        error,
        until: state.now + Duration::seconds(4),
    });
    state.dirty = true;
}

/// The keymap context the keyboard is in now.
pub fn context(state: &State) -> Context {
    if state.filter.open {
        return Context::Filter;
    }
    match state.tab {
        Tab::Backlog if state.detail.is_some() => Context::Detail,
        Tab::Backlog => Context::Backlog,
        Tab::Dashboard => Context::Dashboard,
        Tab::Board => Context::Board,
        Tab::Chat => Context::Chat,
        Tab::Proposals => Context::Proposals,
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // ctrl-c quits from anywhere, text inputs included.
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        state.quit = true;
        return Vec::new();
    }
    if state.too_small() {
        state.quit = key.code == KeyCode::Char('q');
        return Vec::new();
    }
    if let Some(view) = state.sync.view.as_mut() {
        state.dirty = true;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q' | 'U') => state.sync.view = None,
            KeyCode::Char('j') | KeyCode::Down => view.scroll = view.scroll.saturating_add(1),
            KeyCode::Char('k') | KeyCode::Up => view.scroll = view.scroll.saturating_sub(1),
            _ => {}
        }
        return Vec::new();
    }
    if state.help {
        state.dirty = true;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q' | '?') => state.help = false,
            KeyCode::Char('j') | KeyCode::Down => {
                state.help_scroll = state.help_scroll.saturating_add(1);
            }
            KeyCode::Char('k') | KeyCode::Up => {
                state.help_scroll = state.help_scroll.saturating_sub(1);
            }
            KeyCode::PageDown => state.help_scroll = state.help_scroll.saturating_add(10),
            KeyCode::PageUp => state.help_scroll = state.help_scroll.saturating_sub(10),
            _ => {}
        }
        return Vec::new();
    }
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    if state.prompt.is_some() && !ctrl_c {
        return prompt::on_key(state, key);
    }
    if let Some(editor) = state.detail.as_mut().and_then(|d| d.editing.as_mut()) {
        state.dirty = true;
        return match key.code {
            KeyCode::Enter => detail::save(state),
            KeyCode::Esc => detail::back(state),
            _ => {
                editor.input.input(key);
                editor.error = None;
                Vec::new()
            }
        };
    }
    if state.tab == Tab::Chat
        && state.settings.llm_name.is_some()
        && let Some(effects) = chat::on_key(state, key)
    {
        return effects;
    }
    if state.tab == Tab::Proposals
        && state.proposals.generator_shown
        && let Some(effects) = super::generator::on_key(state, key)
    {
        return effects;
    }
    if state.tab == Tab::Proposals
        && !state.proposals.generator_shown
        && let Some(effects) = proposals::on_key(state, key)
    {
        return effects;
    }
    let Some(pressed) = Key::from_event(&key) else {
        return Vec::new();
    };
    let context = context(state);
    let mut keys = std::mem::take(&mut state.pending_keys);
    keys.push(pressed);
    let mut lookup = state.settings.keymap.lookup(context, &keys);
    if lookup == Lookup::Unbound && keys.len() > 1 {
        // An abandoned chord: the last key counts on its own.
        lookup = state.settings.keymap.lookup(context, &[pressed]);
    }
    match lookup {
        Lookup::Pending => {
            state.pending_keys = keys;
            Vec::new()
        }
        Lookup::Action(action) if action.writes() && state.settings.read_only => {
            flash(
                state,
                &format!("read-only mode: `{}` is disabled", action.description()),
                true,
            );
            Vec::new()
        }
        Lookup::Action(action) => dispatch(state, context, action),
        Lookup::Unbound if context == Context::Filter => type_in_filter(state, key),
        Lookup::Unbound => Vec::new(),
    }
}

fn dispatch(state: &mut State, context: Context, action: Action) -> Vec<Effect> {
    state.dirty = true;
    match action {
        Action::Quit => {
            state.quit = true;
            Vec::new()
        }
        Action::Help => {
            state.help = true;
            state.help_scroll = 0;
            Vec::new()
        }
        Action::SyncView => sync::toggle_view(state),
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == state.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = if action == Action::NextTab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            switch_tab(state, Tab::ALL[next])
        }
        Action::Refresh => {
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
        _ => match context {
            Context::Backlog => backlog_action(state, action),
            Context::Detail => detail_action(state, action),
            Context::Filter => filter_action(state, action),
            Context::Dashboard => dashboard::action(state, action),
            Context::Board => board::action(state, action),
            _ => Vec::new(),
        },
    }
}

fn backlog_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Down => backlog::move_by(state, 1),
        Action::Up => backlog::move_by(state, -1),
        Action::Top => backlog::select(state, 0),
        Action::Bottom => {
            let last = state.backlog.display_len().saturating_sub(1);
            backlog::select(state, last)
        }
        Action::PageDown => {
            let page = backlog::page(state);
            backlog::move_by(state, page)
        }
        Action::PageUp => {
            let page = backlog::page(state);
            backlog::move_by(state, -page)
        }
        Action::Open => match state.backlog.item(state.backlog.selected) {
            Some(Item::Header(_)) => backlog::toggle_group(state),
            Some(Item::Row(_)) => match state.backlog.selected_row() {
                Some(row) => {
                    let id = row.id;
                    detail::open(state, id, Vec::new())
                }
                None => Vec::new(),
            },
            None => Vec::new(),
        },
        Action::Filter => {
            let f = &mut state.filter;
            f.open = true;
            f.previous = state.backlog.query_text.clone();
            f.input = TextArea::new(vec![state.backlog.query_text.clone()]);
            f.input.move_cursor(ratatui_textarea::CursorMove::End);
            f.error = None;
            f.history_pos = None;
            Vec::new()
        }
        Action::ClearFilter => {
            if state.backlog.query_text.is_empty() {
                return Vec::new();
            }
            backlog::set_query(state, "").unwrap_or_default()
        }
        Action::SortNext => backlog::sort_next(state),
        Action::SortReverse => backlog::sort_reverse(state),
        Action::GroupNext => {
            let effects = backlog::group_next(state);
            let label = state.backlog.grouping.by.label();
            flash(state, &format!("group by {label}"), false);
            effects
        }
        Action::ToggleGroup => backlog::toggle_group(state),
        Action::View(n) => backlog::apply_view(state, n),
        Action::OpenUrl | Action::CopyKey | Action::CopyUrl => {
            let target = state
                .backlog
                .selected_row()
                .map(|r| (r.key.clone(), r.web_url.clone()));
            issue_output(state, action, target)
        }
        Action::Prompt => {
            let Some((id, key)) = state.backlog.selected_row().map(|r| (r.id, r.key.clone()))
            else {
                flash(state, "no issue selected", true);
                return Vec::new();
            };
            prompt::open(state, id, key)
        }
        _ => Vec::new(),
    }
}

fn detail_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Back => detail::back(state),
        Action::Down => {
            detail::move_cursor(state, 1);
            Vec::new()
        }
        Action::Up => {
            detail::move_cursor(state, -1);
            Vec::new()
        }
        Action::PageDown => {
            detail::scroll(state, 10);
            Vec::new()
        }
        Action::PageUp => {
            detail::scroll(state, -10);
            Vec::new()
        }
        Action::Open => detail::activate(state),
        Action::Edit => detail::edit(state),
        Action::OpenUrl | Action::CopyKey | Action::CopyUrl => {
            let target = state
                .detail
                .as_ref()
                .and_then(|d| d.data.as_ref())
                .map(|d| (d.row.key.clone(), d.row.web_url.clone()));
            issue_output(state, action, target)
        }
        Action::Prompt => {
            let issue = state
                .detail
                .as_ref()
                .and_then(|d| d.data.as_ref())
                .map(|d| (d.row.id, d.row.key.clone()));
            match issue {
                Some((id, key)) => prompt::open(state, id, key),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// Open in the browser or copy the key or URL of an issue.
fn issue_output(
    state: &mut State,
    action: Action,
    target: Option<(String, Option<String>)>,
) -> Vec<Effect> {
    let Some((key, url)) = target else {
        flash(state, "no issue selected", true);
        return Vec::new();
    };
    match (action, url) {
        (Action::CopyKey, _) => vec![Effect::Copy {
            what: format!("key {key}"),
            text: key,
        }],
        (Action::CopyUrl, Some(url)) => vec![Effect::Copy {
            what: format!("URL of {key}"),
            text: url,
        }],
        (Action::OpenUrl, Some(url)) => vec![Effect::OpenUrl(url)],
        _ => {
            flash(state, &format!("{key} has no web URL"), true);
            Vec::new()
        }
    }
}

fn filter_action(state: &mut State, action: Action) -> Vec<Effect> {
    let f = &mut state.filter;
    match action {
        Action::Apply => {
            if f.error.is_some() {
                // Keep the input open: Enter on a broken query would silently drop it.
                return Vec::new();
            }
            f.open = false;
            let text = f.text().trim().to_owned();
            if !text.is_empty() {
                f.history.retain(|h| *h != text);
                f.history.push(text);
                let keep = f.history.len().saturating_sub(100);
                f.history.drain(..keep);
                return vec![Effect::SaveHistory(f.history.clone())];
            }
            Vec::new()
        }
        Action::Cancel => {
            f.open = false;
            f.error = None;
            let previous = f.previous.clone();
            if previous == state.backlog.query_text {
                return Vec::new();
            }
            backlog::set_query(state, &previous).unwrap_or_default()
        }
        Action::HistoryPrev | Action::HistoryNext => {
            if f.history.is_empty() {
                return Vec::new();
            }
            let last = f.history.len() - 1;
            let pos = match (action, f.history_pos) {
                (Action::HistoryPrev, None) => last,
                (Action::HistoryPrev, Some(p)) => p.saturating_sub(1),
                (_, None) => return Vec::new(),
                (_, Some(p)) if p >= last => {
                    f.history_pos = None;
                    let previous = f.previous.clone();
                    f.input = TextArea::new(vec![previous]);
                    f.input.move_cursor(ratatui_textarea::CursorMove::End);
                    return live_filter(state);
                }
                (_, Some(p)) => p + 1,
            };
            f.history_pos = Some(pos);
            f.input = TextArea::new(vec![f.history[pos].clone()]);
            f.input.move_cursor(ratatui_textarea::CursorMove::End);
            live_filter(state)
        }
        _ => Vec::new(),
    }
}

fn type_in_filter(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    // A single-line input: Enter never inserts a newline (it is bound to apply anyway).
    if key.code == KeyCode::Enter {
        return Vec::new();
    }
    if state.filter.input.input(key) {
        state.dirty = true;
        return live_filter(state);
    }
    Vec::new()
}

/// Results follow every keystroke; a parse error is shown and the last good results stay.
fn live_filter(state: &mut State) -> Vec<Effect> {
    state.dirty = true;
    let text = state.filter.text();
    match query::parse(&text) {
        Ok(_) => {
            state.filter.error = None;
            backlog::set_query(state, &text).unwrap_or_default()
        }
        Err(e) => {
            state.filter.error = Some(e);
            Vec::new()
        }
    }
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
        return live_filter(state);
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
