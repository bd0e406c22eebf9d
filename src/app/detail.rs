//! The issue detail view: loading, following links, editing local fields.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::{Detail, Editor, State, TimelineEntry};
use super::update::flash;
use crate::clock::parse_instant;
use crate::domain::markdown;
use crate::domain::overrides::OverrideField;
use crate::domain::text::{Safe, SafeText};
use crate::keymap::{Action, Context};
use crate::store::detail::{EventRow, IssueDetail};

pub fn open(state: &mut State, issue_id: i64, trail: Vec<i64>) -> Vec<Effect> {
    state.detail_generation += 1;
    let mut detail = Detail::new(issue_id, state.detail_generation);
    detail.trail = trail;
    state.detail = Some(detail);
    state.dirty = true;
    vec![Effect::LoadDetail {
        generation: state.detail_generation,
        issue_id,
    }]
}

pub fn reload(state: &mut State) -> Vec<Effect> {
    let Some(d) = &state.detail else {
        return Vec::new();
    };
    vec![Effect::LoadDetail {
        generation: d.generation,
        issue_id: d.issue_id,
    }]
}

pub fn on_loaded(state: &mut State, generation: u64, result: Result<Box<IssueDetail>, String>) {
    let now = state.now;
    let Some(d) = state.detail.as_mut().filter(|d| d.generation == generation) else {
        return;
    };
    match result {
        Ok(data) => {
            d.timeline = timeline(&data.events, now);
            d.description = markdown::parse(&data.extra.description);
            d.cursor = d
                .cursor
                .min(data.links.len() + OverrideField::ALL.len() - 1);
            d.data = Some(Safe::new(data));
            d.error = None;
        }
        Err(e) => d.error = Some(e.into()),
    }
    state.dirty = true;
}

/// Durations per status: from entering it until the next change (or now).
pub fn timeline(events: &[EventRow], now: DateTime<Utc>) -> Vec<TimelineEntry> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let start = parse_instant(&e.at);
            let end = events
                .get(i + 1)
                .and_then(|n| parse_instant(&n.at))
                .unwrap_or(now);
            let duration =
                start.map_or_else(String::new, |s| human_duration((end - s).num_seconds()));
            TimelineEntry {
                at: e
                    .at
                    .replace('T', " ")
                    .trim_end_matches('Z')
                    .get(..16)
                    .unwrap_or(&e.at)
                    .to_owned(),
                status: SafeText::line(&e.to_status),
                category: e.to_category.clone(),
                duration: if i + 1 == events.len() {
                    format!("{duration} so far")
                } else {
                    duration
                },
            }
        })
        .collect()
}

fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

pub fn move_cursor(state: &mut State, delta: isize) {
    if let Some(d) = state.detail.as_mut() {
        let max = d.selectable().saturating_sub(1);
        d.cursor = d.cursor.saturating_add_signed(delta).min(max);
        state.dirty = true;
    }
}

pub fn scroll(state: &mut State, delta: i32) {
    if let Some(d) = state.detail.as_mut() {
        d.scroll = u16::try_from((i32::from(d.scroll) + delta).max(0)).unwrap_or(u16::MAX);
        state.dirty = true;
    }
}

/// Enter: follow the selected link, or edit the selected local field.
pub fn activate(state: &mut State) -> Vec<Effect> {
    let Some(d) = &state.detail else {
        return Vec::new();
    };
    if d.selected_field().is_some() {
        return edit(state);
    }
    let Some(link) = d.data.as_ref().and_then(|data| data.links.get(d.cursor)) else {
        return Vec::new();
    };
    let target = link.issue_id;
    let mut trail = d.trail.clone();
    trail.push(d.issue_id);
    open(state, target, trail)
}

/// Esc: leave the editor, go back along followed links, or close the detail view.
pub fn back(state: &mut State) -> Vec<Effect> {
    let Some(d) = state.detail.as_mut() else {
        return Vec::new();
    };
    state.dirty = true;
    if d.editing.take().is_some() {
        return Vec::new();
    }
    let mut trail = std::mem::take(&mut d.trail);
    if let Some(previous) = trail.pop() {
        open(state, previous, trail)
    } else {
        state.detail = None;
        Vec::new()
    }
}

pub fn edit(state: &mut State) -> Vec<Effect> {
    // Enter on a field comes here too: the same gate as `e`.
    if super::keys::refused(state, Action::Edit) {
        return Vec::new();
    }
    let Some(d) = state.detail.as_mut() else {
        return Vec::new();
    };
    let Some(field) = d.selected_field() else {
        flash(
            state,
            "select a local field (internal status, notes, target date, internal priority) to edit",
            true,
        );
        return Vec::new();
    };
    let current = d
        .data
        .as_ref()
        .and_then(|data| data.overrides.get(field))
        .unwrap_or("");
    let mut input = TextArea::new(vec![current.to_owned()]);
    input.move_cursor(ratatui_textarea::CursorMove::End);
    d.editing = Some(Editor {
        field,
        input,
        error: None,
    });
    state.dirty = true;
    Vec::new()
}

/// Enter in the editor: validate, then save through the writer.
pub fn save(state: &mut State) -> Vec<Effect> {
    let Some(d) = state.detail.as_mut() else {
        return Vec::new();
    };
    let Some(editor) = d.editing.as_mut() else {
        return Vec::new();
    };
    state.dirty = true;
    match editor.field.validate(&editor.input.lines().join(" ")) {
        Ok(value) => {
            let field = editor.field;
            d.editing = None;
            vec![Effect::SaveOverride {
                issue_id: d.issue_id,
                field,
                value,
            }]
        }
        Err(e) => {
            editor.error = Some(e);
            Vec::new()
        }
    }
}

pub fn on_saved(
    state: &mut State,
    issue_id: i64,
    field: OverrideField,
    result: Result<(), String>,
) -> Vec<Effect> {
    match result {
        Ok(()) => {
            flash(state, &format!("saved {}", field.label()), false);
            match &state.detail {
                Some(d) if d.issue_id == issue_id => reload(state),
                _ => Vec::new(),
            }
        }
        Err(e) => {
            flash(
                state,
                &format!("could not save {}: {e}", field.label()),
                true,
            );
            Vec::new()
        }
    }
}

/// Opens the issue a key was looked up for (over the backlog), or says it is not here.
pub fn open_found(state: &mut State, key: &str, issue_id: Option<i64>) -> Vec<Effect> {
    let Some(id) = issue_id else {
        flash(state, &format!("{key} is not in this database"), true);
        return Vec::new();
    };
    state.tab = super::state::Tab::Backlog;
    open(state, id, Vec::new())
}

/// The detail's keys, and the local field editor's; `None`: not one of them (typed, in the
/// editor).
pub fn act(state: &mut State, context: Context, action: Action) -> Option<Vec<Effect>> {
    if context == Context::DetailEdit {
        return match action {
            Action::Save => Some(save(state)),
            Action::Cancel | Action::Back => Some(back(state)),
            _ => None,
        };
    }
    Some(match action {
        Action::Back => back(state),
        Action::Down => {
            move_cursor(state, 1);
            Vec::new()
        }
        Action::Up => {
            move_cursor(state, -1);
            Vec::new()
        }
        Action::PageDown => {
            scroll(state, 10);
            Vec::new()
        }
        Action::PageUp => {
            scroll(state, -10);
            Vec::new()
        }
        Action::Open => activate(state),
        Action::Edit => edit(state),
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
                Some((id, key)) => super::prompt::open(state, id, key),
                None => Vec::new(),
            }
        }
        _ => return None,
    })
}

/// Open in the browser or copy the key or URL of an issue.
pub(super) fn issue_output(
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

/// A key typed into the local field's editor.
pub fn type_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Some(editor) = state.detail.as_mut().and_then(|d| d.editing.as_mut()) {
        editor.input.input(key);
        editor.error = None;
    }
    Vec::new()
}
