//! The sprint board: loading a sprint's cards, sorting them into columns (status categories, or
//! the shown project's workflow statuses), the cursor, and card moves.

use std::fmt::Write as _;

use super::msg::{BoardData, Effect};
use super::state::{BOARD_COLUMNS, BoardColumn, State, Swimlanes, Tab};
use super::{detail, flash};
use crate::domain::StatusCategory;
use crate::domain::text::{Safe, SafeText};
use crate::keymap::Action;
use crate::store::read::IssueRow;

/// Loads the chosen sprint's issues (the active one by default), most urgent first, for the
/// chosen project or all of them.
pub fn load(state: &mut State) -> Vec<Effect> {
    let b = &state.board;
    let mut text = match &b.sprint {
        Some(name) => format!("sprint:\"{}\"", name.replace('"', "")),
        None => "sprint:current".to_owned(),
    };
    if let Some(project) = &b.project {
        let _ = write!(text, " project:\"{}\"", project.replace('"', ""));
    }
    text.push_str(" sort:priority");
    let query = crate::domain::query::parse(&text).unwrap_or_default();
    let ctx = crate::store::filter::FilterContext {
        now: state.now,
        me: state.settings.me.clone(),
    };
    match crate::store::filter::compile(&query, &ctx) {
        Ok(filter) => {
            state.board.generation += 1;
            let workflow_project = state
                .board
                .project
                .clone()
                .filter(|p| workflow(state, p).is_some());
            vec![Effect::LoadBoard {
                generation: state.board.generation,
                filter,
                workflow_project,
            }]
        }
        Err(e) => {
            state.board.error = Some(e.to_string().into());
            Vec::new()
        }
    }
}

/// The configured workflow of `project` (matched by key or path, any case).
fn workflow<'a>(state: &'a State, project: &str) -> Option<&'a [String]> {
    state
        .settings
        .workflows
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(project))
        .map(|(_, statuses)| statuses.as_slice())
}

pub fn on_loaded(state: &mut State, generation: u64, result: Result<BoardData, String>) {
    if generation != state.board.generation {
        return;
    }
    match result {
        Ok(data) => {
            state.board.pending = data.pending;
            state.board.sprints = data.sprints;
            state.board.categories = data.categories;
            if state.board.project.is_none() {
                let mut projects: Vec<String> =
                    data.rows.iter().map(|r| r.project_key.clone()).collect();
                projects.sort_unstable();
                projects.dedup();
                state.board.projects = projects;
            }
            fill(state, data.rows);
        }
        Err(e) => state.board.error = Some(e.into()),
    }
    state.dirty = true;
}

/// The columns for the rows: the project's workflow when one project is shown and it has one,
/// otherwise the three status categories. Keeps each column's selection where it can.
fn fill(state: &mut State, rows: Vec<IssueRow>) {
    let rows: Vec<Safe<IssueRow>> = rows.into_iter().map(Safe::new).collect();
    let shown = state.board.project.clone().or_else(|| {
        let first = rows.first()?.project_key.clone();
        rows.iter().all(|r| r.project_key == first).then_some(first)
    });
    let mut columns = match shown.as_deref().and_then(|p| workflow(state, p)) {
        Some(statuses) => workflow_columns(statuses, &state.board.categories),
        None => category_columns(),
    };
    for row in rows {
        let at = columns
            .iter()
            .position(|c| match &c.status {
                Some(status) => status.eq_ignore_ascii_case(&row.status),
                None => !c.other && c.category.as_str() == row.status_category,
            })
            .or_else(|| columns.iter().position(|c| c.other))
            .unwrap_or(0);
        columns[at].cards.push(row);
    }
    columns.retain(|c| !c.other || !c.cards.is_empty());
    let b = &mut state.board;
    // Lanes keep cards of one lane together; the sort is stable, so priority order stays inside.
    if b.swimlanes != Swimlanes::Off {
        for column in &mut columns {
            column
                .cards
                .sort_by_cached_key(|card| b.swimlanes.lane(card));
        }
    }
    for column in &mut columns {
        let before = b
            .columns
            .iter()
            .find(|c| c.title == column.title)
            .map_or(0, |c| c.selected);
        column.selected = before.min(column.cards.len().saturating_sub(1));
    }
    b.column = b.column.min(columns.len().saturating_sub(1));
    b.columns = columns;
    b.heading = SafeText::line(&format!(
        "{} · {}",
        b.project.as_deref().unwrap_or("all projects"),
        b.shown_sprint().unwrap_or_else(|| "no sprint".to_owned())
    ));
    b.loaded = true;
    b.error = None;
}

fn category_columns() -> Vec<BoardColumn> {
    BOARD_COLUMNS
        .iter()
        .map(|(key, title, category)| BoardColumn {
            title: SafeText::line(title),
            limit_key: (*key).to_owned(),
            category: *category,
            status: None,
            other: false,
            cards: Vec::new(),
            selected: 0,
        })
        .collect()
}

/// One column per workflow status, then an "other" column for statuses outside it. A status's
/// category is the one the data gives it; unseen, the first status is to do, the last done.
fn workflow_columns(
    statuses: &[String],
    known: &[(String, String, StatusCategory)],
) -> Vec<BoardColumn> {
    let last = statuses.len().saturating_sub(1);
    let mut columns: Vec<BoardColumn> = statuses
        .iter()
        .enumerate()
        .map(|(i, status)| {
            let seen = known
                .iter()
                .find(|(_, s, _)| s.eq_ignore_ascii_case(status))
                .map(|(_, _, c)| *c);
            let guess = match i {
                0 => StatusCategory::Todo,
                i if i == last => StatusCategory::Done,
                _ => StatusCategory::InProgress,
            };
            BoardColumn {
                title: SafeText::line(status),
                limit_key: status.clone(),
                category: seen.unwrap_or(guess),
                status: Some(status.clone()),
                other: false,
                cards: Vec::new(),
                selected: 0,
            }
        })
        .collect();
    columns.push(BoardColumn {
        title: SafeText::line("Other"),
        limit_key: "other".to_owned(),
        category: StatusCategory::Todo,
        status: None,
        other: true,
        cards: Vec::new(),
        selected: 0,
    });
    columns
}

pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let b = &mut state.board;
    let column = b.column;
    match action {
        Action::Left => b.column = column.saturating_sub(1),
        Action::Right => b.column = (column + 1).min(b.columns.len().saturating_sub(1)),
        Action::Up => {
            if let Some(c) = b.columns.get_mut(column) {
                c.selected = c.selected.saturating_sub(1);
            }
        }
        Action::Down => {
            if let Some(c) = b.columns.get_mut(column) {
                c.selected = (c.selected + 1).min(c.cards.len().saturating_sub(1));
            }
        }
        Action::Open => {
            if let Some(id) = b.selected().map(|r| r.id) {
                state.tab = Tab::Backlog;
                return detail::open(state, id, Vec::new());
            }
        }
        Action::MoveLeft | Action::MoveRight => {
            return move_card(state, action == Action::MoveRight);
        }
        Action::PrevSprint | Action::NextSprint => {
            let shown = b.shown_sprint();
            let step = if action == Action::NextSprint { 1 } else { -1 };
            if let Some(next) = step_sprint(&b.sprints, shown.as_deref(), step) {
                flash(state, &format!("board: {next}"), false);
                state.board.sprint = Some(next);
                return load(state);
            }
        }
        Action::NextProject => return next_project(state),
        Action::GroupNext => {
            b.swimlanes = b.swimlanes.next();
            let label = match b.swimlanes {
                Swimlanes::Off => "no swimlanes",
                Swimlanes::Assignee => "swimlanes by assignee",
                Swimlanes::Parent => "swimlanes by parent",
            };
            flash(state, label, false);
            // Reloaded rather than re-sorted here, so switching lanes off restores priority order.
            return load(state);
        }
        _ => {}
    }
    Vec::new()
}

/// All projects → each project on the board in turn → all projects.
fn next_project(state: &mut State) -> Vec<Effect> {
    let b = &mut state.board;
    let next = match &b.project {
        None => b.projects.first().cloned(),
        Some(p) => b
            .projects
            .iter()
            .position(|x| x == p)
            .and_then(|i| b.projects.get(i + 1))
            .cloned(),
    };
    b.project = next;
    b.column = 0;
    let label = match &state.board.project {
        Some(p) if workflow(state, p).is_some() => format!("board: {p} (its workflow)"),
        Some(p) => format!("board: {p}"),
        None => "board: every project".to_owned(),
    };
    flash(state, &label, false);
    load(state)
}

/// The sprint `step` places before or after `current` in `names` (clamped at the ends).
pub fn step_sprint(names: &[String], current: Option<&str>, step: isize) -> Option<String> {
    let here = current.and_then(|c| names.iter().position(|n| n == c))?;
    let there = here
        .saturating_add_signed(step)
        .min(names.len().saturating_sub(1));
    names.get(there).cloned()
}

/// Moves the selected card one column, expecting the status it shows. A workflow column gives
/// its status; a category column the status cards of the same project already use there, so the
/// tracker knows it.
fn move_card(state: &mut State, right: bool) -> Vec<Effect> {
    let b = &state.board;
    let from = b.column;
    let to = if right {
        from + 1
    } else {
        from.wrapping_sub(1)
    };
    let (Some(card), Some(target)) = (b.selected(), b.columns.get(to)) else {
        return Vec::new();
    };
    if target.other {
        flash(
            state,
            "\"Other\" holds statuses outside the workflow; nothing moves into it",
            true,
        );
        return Vec::new();
    }
    let status = target.status.clone().unwrap_or_else(|| {
        let mut names: Vec<&str> = target
            .cards
            .iter()
            .filter(|c| c.project_key == card.project_key)
            .map(|c| c.status.as_str())
            .collect();
        names.sort_unstable();
        names
            .chunk_by(|a, b| a == b)
            .max_by_key(|run| run.len())
            .and_then(|run| run.first())
            .map_or_else(|| default_status(target.category), |s| (*s).to_owned())
    });
    vec![Effect::MoveCard(crate::store::moves::CardMove {
        issue_id: card.id,
        key: card.key.clone(),
        expected_status: card.status.clone(),
        target_status: status,
        target_category: target.category,
    })]
}

/// The status a category column gives a card when no card of its project shows one there.
fn default_status(category: StatusCategory) -> String {
    match category {
        StatusCategory::Todo => "To Do",
        StatusCategory::InProgress => "In Progress",
        StatusCategory::Done => "Done",
    }
    .to_owned()
}
