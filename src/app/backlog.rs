//! Backlog behaviour: queries, paging through a window of rows, groups, sorting.

use super::layout;
use super::msg::{BacklogPage, BacklogRequest, Effect};
use super::state::{GroupRow, Item, State, Window};
use super::update::flash;
use crate::domain::query::{self, Query, QueryError, Sort};
use crate::domain::text::{Safe, SafeText};
use crate::keymap::Action;
use crate::store::filter::{self, FilterContext};
use crate::store::read::IssueRow;

/// Builds the store request for the current query, sort and grouping.
pub fn request(state: &State) -> Result<BacklogRequest, String> {
    let b = &state.backlog;
    let query = Query {
        terms: b.query.terms.clone(),
        sort: Some(b.effective_sort()),
    };
    let ctx = FilterContext {
        now: state.now,
        me: state.settings.me.clone(),
    };
    let filter = filter::compile(&query, &ctx).map_err(|e| e.to_string())?;
    Ok(BacklogRequest {
        filter,
        grouping: b.grouping.clone(),
    })
}

/// Rows fetched per query: the screen and half a screen on each side. Each row costs a few
/// subqueries, so a larger window would slow every keystroke.
fn window_len(state: &State) -> usize {
    (layout::table_rows(state) * 2).max(40)
}

/// Starts a new query generation: earlier answers will be dropped when they arrive.
pub fn reload(state: &mut State) -> Vec<Effect> {
    match request(state) {
        Ok(request) => {
            state.backlog.generation += 1;
            state.backlog.window_pending = None;
            let rows = layout::table_rows(state);
            let start = state.backlog.offset.saturating_sub(rows / 2);
            vec![Effect::LoadBacklog {
                generation: state.backlog.generation,
                request,
                window: (start, window_len(state)),
            }]
        }
        Err(e) => {
            state.backlog.error = Some(e.into());
            state.dirty = true;
            Vec::new()
        }
    }
}

/// Parses and applies a query; on a parse error the current results stay.
pub fn set_query(state: &mut State, text: &str) -> Result<Vec<Effect>, QueryError> {
    let parsed = query::parse(text)?;
    let b = &mut state.backlog;
    b.query_text = SafeText::line(text.trim());
    b.query = parsed;
    b.error = None;
    b.selected = 0;
    b.offset = 0;
    Ok(reload(state))
}

pub fn on_loaded(
    state: &mut State,
    generation: u64,
    result: Result<BacklogPage, String>,
) -> Vec<Effect> {
    if generation != state.backlog.generation {
        return Vec::new();
    }
    state.dirty = true;
    let page = match result {
        Ok(page) => page,
        Err(e) => {
            state.backlog.error = Some(e.into());
            return Vec::new();
        }
    };
    let b = &mut state.backlog;
    b.loaded = true;
    b.error = None;
    b.matches = page.matches;
    b.groups.clear();
    let mut display = 0;
    let mut row = 0;
    for (key, count) in page.groups {
        let collapsed = b.grouping.collapsed.contains(&key);
        b.groups.push(GroupRow {
            label: key.as_deref().map(SafeText::line),
            key,
            count,
            collapsed,
            display_index: display,
            first_row: row,
        });
        display += 1;
        if !collapsed {
            display += count;
            row += count;
        }
    }
    b.rows_total = if b.groups.is_empty() {
        page.matches
    } else {
        row
    };
    b.window = Window {
        start: page.window_start,
        rows: page.rows.into_iter().map(Safe::new).collect(),
    };
    if let Some(id) = b.keep_selected.take()
        && !b.grouped()
        && let Some(at) = b.window.rows.iter().position(|r| r.id == id)
    {
        b.selected = b.window.start + at;
    }
    let len = b.display_len();
    b.selected = b.selected.min(len.saturating_sub(1));
    scroll_to_selection(state);
    ensure_window(state)
}

pub fn on_window(
    state: &mut State,
    generation: u64,
    start: usize,
    result: Result<Vec<IssueRow>, String>,
) -> Vec<Effect> {
    let b = &mut state.backlog;
    if generation != b.generation {
        return Vec::new();
    }
    if b.window_pending == Some(start) {
        b.window_pending = None;
    }
    match result {
        Ok(rows) => {
            b.window = Window {
                start,
                rows: rows.into_iter().map(Safe::new).collect(),
            };
        }
        Err(e) => b.error = Some(e.into()),
    }
    state.dirty = true;
    ensure_window(state)
}

fn scroll_to_selection(state: &mut State) {
    let rows = layout::table_rows(state);
    let b = &mut state.backlog;
    if b.selected < b.offset {
        b.offset = b.selected;
    } else if b.selected >= b.offset + rows {
        b.offset = b.selected + 1 - rows;
    }
    let max_offset = b.display_len().saturating_sub(rows);
    b.offset = b.offset.min(max_offset);
}

/// Asks for the rows on screen when the loaded window does not hold them.
pub fn ensure_window(state: &mut State) -> Vec<Effect> {
    let rows = layout::table_rows(state);
    let b = &state.backlog;
    let positions: Vec<usize> = (b.offset..b.offset + rows)
        .filter_map(|i| match b.item(i) {
            Some(Item::Row(pos)) => Some(pos),
            _ => None,
        })
        .collect();
    let (Some(&first), Some(&last)) = (positions.first(), positions.last()) else {
        return Vec::new();
    };
    if b.window.covers(first, last + 1) {
        return Vec::new();
    }
    let start = first.saturating_sub(rows / 2);
    if b.window_pending == Some(start) {
        return Vec::new();
    }
    let Ok(request) = request(state) else {
        return Vec::new();
    };
    let len = window_len(state);
    state.backlog.window_pending = Some(start);
    vec![Effect::LoadWindow {
        generation: state.backlog.generation,
        request,
        start,
        len,
    }]
}

/// Moves the selection by `delta` display lines (clamped) and fetches rows if needed.
pub fn move_by(state: &mut State, delta: isize) -> Vec<Effect> {
    let len = state.backlog.display_len();
    if len == 0 {
        return Vec::new();
    }
    let target = state
        .backlog
        .selected
        .saturating_add_signed(delta)
        .min(len - 1);
    select(state, target)
}

pub fn select(state: &mut State, index: usize) -> Vec<Effect> {
    let len = state.backlog.display_len();
    state.backlog.selected = index.min(len.saturating_sub(1));
    scroll_to_selection(state);
    state.dirty = true;
    ensure_window(state)
}

pub fn page(state: &State) -> isize {
    isize::try_from(layout::table_rows(state)).unwrap_or(10)
}

pub fn sort_next(state: &mut State) -> Vec<Effect> {
    let columns = &state.settings.columns;
    if columns.is_empty() {
        return Vec::new();
    }
    let current = state.backlog.effective_sort();
    let position = columns.iter().position(|c| c.sort_field() == current.field);
    let next = columns[position.map_or(0, |p| (p + 1) % columns.len())];
    state.backlog.sort_override = Some(Sort {
        field: next.sort_field(),
        descending: false,
    });
    state.backlog.selected = 0;
    state.backlog.offset = 0;
    reload(state)
}

pub fn sort_reverse(state: &mut State) -> Vec<Effect> {
    let mut sort = state.backlog.effective_sort();
    sort.descending = !sort.descending;
    state.backlog.sort_override = Some(sort);
    reload(state)
}

pub fn group_next(state: &mut State) -> Vec<Effect> {
    let g = &mut state.backlog.grouping;
    g.by = g.by.next();
    g.collapsed.clear();
    state.backlog.selected = 0;
    state.backlog.offset = 0;
    reload(state)
}

/// Folds or unfolds the group of the selected line, keeping its header selected.
pub fn toggle_group(state: &mut State) -> Vec<Effect> {
    let b = &mut state.backlog;
    let Some(item) = b.item(b.selected) else {
        return Vec::new();
    };
    let group = match item {
        Item::Header(g) => g,
        Item::Row(pos) => match b
            .groups
            .iter()
            .rposition(|g| !g.collapsed && g.first_row <= pos)
        {
            Some(g) => g,
            None => return Vec::new(),
        },
    };
    let key = b.groups[group].key.clone();
    if let Some(i) = b.grouping.collapsed.iter().position(|k| *k == key) {
        b.grouping.collapsed.remove(i);
    } else {
        b.grouping.collapsed.push(key);
    }
    b.selected = b.groups[group].display_index;
    reload(state)
}

/// Applies a query from a saved view (0 = everything) and clears any sort override.
pub fn apply_view(state: &mut State, n: u8) -> Vec<Effect> {
    let text = if n == 0 {
        String::new()
    } else if let Some(view) = state.settings.views.get(usize::from(n) - 1) {
        view.query.clone()
    } else {
        super::update::flash(
            state,
            &format!("no saved view {n}: add [[ui.views]] to the config"),
            true,
        );
        return Vec::new();
    };
    state.backlog.sort_override = None;
    match set_query(state, &text) {
        Ok(effects) => {
            if n > 0 {
                let name = state.settings.views[usize::from(n) - 1].name.clone();
                super::update::flash(state, &format!("view {n}: {name}"), false);
            }
            effects
        }
        Err(e) => {
            super::update::flash(state, &format!("saved view {n}: {e}"), true);
            Vec::new()
        }
    }
}

/// The backlog's keys; `None`: not one of them.
pub fn act(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::Down => move_by(state, 1),
        Action::Up => move_by(state, -1),
        Action::Top => select(state, 0),
        Action::Bottom => {
            let last = state.backlog.display_len().saturating_sub(1);
            select(state, last)
        }
        Action::PageDown => {
            let page = page(state);
            move_by(state, page)
        }
        Action::PageUp => {
            let page = page(state);
            move_by(state, -page)
        }
        Action::Open => match state.backlog.item(state.backlog.selected) {
            Some(Item::Header(_)) => toggle_group(state),
            Some(Item::Row(_)) => match state.backlog.selected_row() {
                Some(row) => {
                    let id = row.id;
                    super::detail::open(state, id, Vec::new())
                }
                None => Vec::new(),
            },
            None => Vec::new(),
        },
        Action::Filter => super::filter::open(state),
        Action::ClearFilter => {
            if state.backlog.query_text.is_empty() {
                return Some(Vec::new());
            }
            set_query(state, "").unwrap_or_default()
        }
        Action::SortNext => sort_next(state),
        Action::SortReverse => sort_reverse(state),
        Action::GroupNext => {
            let effects = group_next(state);
            let label = state.backlog.grouping.by.label();
            flash(state, &format!("group by {label}"), false);
            effects
        }
        Action::ToggleGroup => toggle_group(state),
        Action::View(n) => apply_view(state, n),
        Action::OpenUrl | Action::CopyKey | Action::CopyUrl => {
            let target = state
                .backlog
                .selected_row()
                .map(|r| (r.key.clone(), r.web_url.clone()));
            super::detail::issue_output(state, action, target)
        }
        Action::Prompt => {
            let Some((id, key)) = state.backlog.selected_row().map(|r| (r.id, r.key.clone()))
            else {
                flash(state, "no issue selected", true);
                return Some(Vec::new());
            };
            super::prompt::open(state, id, key)
        }
        _ => return None,
    })
}
