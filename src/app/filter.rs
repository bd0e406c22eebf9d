//! The backlog's filter input: results follow every keystroke, enter keeps the query (and its
//! history), esc restores the one before, up and down walk the history.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::backlog;
use super::msg::Effect;
use super::state::State;
use crate::domain::query;
use crate::keymap::{Action, Key, KeyName};

/// `/` in the backlog: the input opens on the query shown.
pub fn open(state: &mut State) -> Vec<Effect> {
    let f = &mut state.filter;
    f.open = true;
    f.previous = state.backlog.query_text.to_string();
    f.input = TextArea::new(vec![state.backlog.query_text.to_string()]);
    f.input.move_cursor(ratatui_textarea::CursorMove::End);
    f.error = None;
    f.history_pos = None;
    Vec::new()
}

pub fn act(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    match action {
        Action::Apply | Action::Cancel | Action::HistoryPrev | Action::HistoryNext => {
            Some(decide(state, action))
        }
        _ => None,
    }
}

fn decide(state: &mut State, action: Action) -> Vec<Effect> {
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
            if state.backlog.query_text == previous {
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
                    return live(state);
                }
                (_, Some(p)) => p + 1,
            };
            f.history_pos = Some(pos);
            f.input = TextArea::new(vec![f.history[pos].clone()]);
            f.input.move_cursor(ratatui_textarea::CursorMove::End);
            live(state)
        }
        _ => Vec::new(),
    }
}

/// A key typed into the filter.
pub fn type_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    // A single-line input: no enter of any kind inserts a newline (plain enter applies).
    if Key::from_event(&key).is_some_and(|k| k.code == KeyName::Enter) {
        return Vec::new();
    }
    if state.filter.input.input(key) {
        state.dirty = true;
        return live(state);
    }
    Vec::new()
}

/// Results follow every keystroke; a parse error is shown and the last good results stay.
pub fn live(state: &mut State) -> Vec<Effect> {
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
