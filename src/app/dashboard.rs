//! The dashboard: loading the report (the same code as `sprintdeck report`), the stored snapshot
//! that draws it at once on start, the cursor, the sprint and range pickers, and drill-down.

use super::board::step_sprint;
use super::msg::{DashboardView, Effect};
use super::state::{DashboardItem, RANGES, State, TILES, Tab};
use super::{backlog, flash};
use crate::domain::text::Safe;
use crate::keymap::Action;
use crate::report::Report;

/// Loads the report for the chosen sprint and range. On the first load of the default view the
/// stored snapshot is asked for too, so a large workspace draws before the metrics are done.
pub fn load(state: &mut State) -> Vec<Effect> {
    let d = &mut state.dashboard;
    d.generation += 1;
    let default_view = d.sprint.is_none() && d.range == 0;
    let mut effects = Vec::new();
    if default_view && d.report.is_none() {
        effects.push(Effect::LoadDashboardSnapshot {
            generation: d.generation,
        });
    }
    d.refreshing = true;
    effects.push(Effect::LoadDashboard {
        generation: d.generation,
        view: DashboardView {
            sprint: d.sprint.clone(),
            range_days: RANGES[d.range].1,
            workspace: state.settings.workspace.to_string(),
            metrics: state.settings.metrics.clone(),
            save_snapshot: default_view && !state.settings.read_only,
        },
    });
    effects.push(Effect::LoadPromptStats);
    effects
}

pub fn on_loaded(state: &mut State, generation: u64, result: Result<Box<Report>, String>) {
    let d = &mut state.dashboard;
    if generation != d.generation {
        return;
    }
    match result {
        Ok(report) => {
            d.report = Some(Safe::new(report));
            d.error = None;
        }
        Err(e) => d.error = Some(e.into()),
    }
    d.refreshing = false;
    d.from_snapshot = false;
    state.dirty = true;
}

/// A stored snapshot is shown only while nothing fresher has arrived.
pub fn on_snapshot(state: &mut State, generation: u64, report: Option<Box<Report>>) {
    let d = &mut state.dashboard;
    if generation != d.generation || !d.refreshing || d.report.is_some() {
        return;
    }
    if let Some(report) = report {
        d.report = Some(Safe::new(report));
        d.from_snapshot = true;
        state.dirty = true;
    }
}

pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let items = state.dashboard.items();
    let last = items.len().saturating_sub(1);
    let d = &mut state.dashboard;
    match action {
        Action::Up => d.tile = d.tile.saturating_sub(1),
        Action::Down => d.tile = (d.tile + 1).min(last),
        Action::Burndown => d.full_burndown = !d.full_burndown,
        Action::Back => d.full_burndown = false,
        Action::PrevSprint | Action::NextSprint => {
            let Some(report) = &d.report else {
                return Vec::new();
            };
            let shown = report.sprint.as_ref().map(|s| s.name.clone());
            let step = if action == Action::NextSprint { 1 } else { -1 };
            if let Some(next) = step_sprint(&report.sprints, shown.as_deref(), step) {
                flash(state, &format!("dashboard: {next}"), false);
                state.dashboard.sprint = Some(next);
                return load(state);
            }
        }
        Action::NextRange | Action::PrevRange => {
            let n = RANGES.len();
            d.range = if action == Action::NextRange {
                (d.range + 1) % n
            } else {
                (d.range + n - 1) % n
            };
            let label = RANGES[d.range].0;
            flash(
                state,
                &format!("completed and cycle time over: {label}"),
                false,
            );
            return load(state);
        }
        Action::Open => return open(state, items.get(state.dashboard.tile)),
        _ => {}
    }
    Vec::new()
}

/// Every number opens the backlog filtered to exactly the issues behind it.
fn open(state: &mut State, item: Option<&DashboardItem>) -> Vec<Effect> {
    let query = match item {
        Some(DashboardItem::Tile(t)) => {
            let keys = state.dashboard.tile_keys(*t).unwrap_or_default();
            if keys.is_empty() {
                let label = TILES[*t];
                flash(state, &format!("no issues behind \"{label}\""), false);
                return Vec::new();
            }
            format!("key:{}", keys.join(","))
        }
        Some(DashboardItem::Person(name)) => format!("assignee:\"{name}\" is:open"),
        Some(DashboardItem::Aging(key)) => format!("key:{key}"),
        None => return Vec::new(),
    };
    state.tab = Tab::Backlog;
    state.detail = None;
    state.backlog.sort_override = None;
    backlog::set_query(state, &query).unwrap_or_default()
}
