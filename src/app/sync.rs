//! The background sync in the UI: started on a timer and by ctrl-r, its progress in the status
//! bar, a failed pass retried sooner (30 s, doubling up to the interval), and the data reloaded
//! when a pass changed something, keeping the selection and the filter.

use chrono::{DateTime, Duration, Utc};

use super::msg::Effect;
use super::state::{State, SyncPhase, SyncView, Tab};
use super::{backlog, board, dashboard, detail, flash};
use crate::domain::text::Safe;
use crate::sync::{Counts, SyncEvent};

/// A pass is due: start it (at most one at a time).
pub fn on_tick(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let due = state.sync.next_at.is_some_and(|at| at <= now);
    if state.settings.sync_every.is_none() || state.sync.running || !due {
        return Vec::new();
    }
    start(state)
}

/// The first pass right after start-up: the UI draws from the database meanwhile.
pub fn schedule_first(state: &mut State) {
    if state.settings.sync_every.is_some() {
        state.sync.next_at = Some(state.now);
    }
}

pub fn start(state: &mut State) -> Vec<Effect> {
    // A read-only UI reads what another one's sync writes.
    if state.settings.sync_every.is_none() || state.settings.read_only || state.sync.running {
        return Vec::new();
    }
    state.sync.running = true;
    state.sync.next_at = None;
    vec![Effect::StartSync]
}

pub fn on_event(state: &mut State, event: SyncEvent) {
    let s = &mut state.sync;
    match event {
        SyncEvent::Started { source, .. } => {
            s.set_phase(
                &source,
                Some(SyncPhase::Syncing {
                    pages: 0,
                    total: None,
                }),
            );
        }
        SyncEvent::Page {
            source,
            done,
            total,
            ..
        } => {
            s.set_phase(&source, Some(SyncPhase::Syncing { pages: done, total }));
        }
        SyncEvent::History {
            source,
            done,
            total,
        } => {
            s.set_phase(&source, Some(SyncPhase::History { done, total }));
        }
        SyncEvent::Waiting {
            source,
            seconds,
            reason,
        } => {
            let until = state.now + Duration::seconds(i64::try_from(seconds).unwrap_or(0));
            s.set_phase(
                &source,
                Some(SyncPhase::Waiting {
                    until,
                    reason: reason.into(),
                }),
            );
        }
        // The whole pass's answer (`SyncDone`) settles each source.
        SyncEvent::Finished { .. } => {}
    }
    state.dirty = true;
}

pub fn on_done(
    state: &mut State,
    results: Vec<(String, Result<crate::sync::Counts, String>)>,
) -> Vec<Effect> {
    let mut effects = done(state, results);
    // New data: the chat's summary is ready again before the next question.
    if state.chat.loaded {
        effects.push(Effect::WarmChat);
    }
    // And the analyst looks at it (new findings only; a read-only UI does not sync).
    if !state.settings.read_only {
        effects.push(Effect::RunAnalyst);
    }
    effects
}

fn done(state: &mut State, results: Vec<(String, Result<Counts, String>)>) -> Vec<Effect> {
    let every = state
        .settings
        .sync_every
        .unwrap_or_else(|| Duration::minutes(5));
    let s = &mut state.sync;
    s.running = false;
    let mut changed = 0;
    let mut failed = Vec::new();
    for (source, result) in results {
        match result {
            Ok(counts) => {
                changed += counts.changed + counts.gone;
                s.set_phase(&source, None);
            }
            Err(reason) => {
                failed.push(format!("{source}: {reason}"));
                s.set_phase(
                    &source,
                    Some(SyncPhase::Failed {
                        reason: reason.into(),
                    }),
                );
            }
        }
    }
    let wait = if failed.is_empty() {
        s.failures = 0;
        every
    } else {
        s.failures += 1;
        // 30 s, 60 s, 120 s … but never longer than the interval.
        let backoff = Duration::seconds(30 * (1_i64 << s.failures.saturating_sub(1).min(10)));
        backoff.min(every)
    };
    s.next_at = Some(state.now + wait);
    if !failed.is_empty() {
        let retry = wait.num_seconds();
        flash(
            state,
            &format!("sync failed — {} (retry in {retry} s)", failed.join("; ")),
            true,
        );
    }
    let mut effects = vec![Effect::LoadFreshness];
    if state.sync.view.is_some() {
        effects.push(Effect::LoadSyncRuns);
    }
    if changed > 0 {
        effects.extend(reload_keeping_place(state));
    }
    effects
}

/// New and changed rows appear; the selected issue stays selected, the filter stays.
pub fn reload_keeping_place(state: &mut State) -> Vec<Effect> {
    state.backlog.keep_selected = state.backlog.selected_row().map(|r| r.id);
    let mut effects = backlog::reload(state);
    effects.extend(detail::reload(state));
    match state.tab {
        Tab::Dashboard => effects.extend(dashboard::load(state)),
        Tab::Board => effects.extend(board::load(state)),
        _ => {}
    }
    effects
}

pub fn toggle_view(state: &mut State) -> Vec<Effect> {
    if state.sync.view.take().is_some() {
        return Vec::new();
    }
    state.sync.view = Some(SyncView::default());
    vec![Effect::LoadSyncRuns]
}

pub fn on_runs(state: &mut State, result: Result<Vec<crate::store::sync_state::RunRow>, String>) {
    if let Some(view) = &mut state.sync.view {
        match result {
            Ok(runs) => {
                view.runs = runs.into_iter().map(Safe::new).collect();
                view.error = None;
            }
            Err(e) => view.error = Some(e.into()),
        }
        view.loaded = true;
        state.dirty = true;
    }
}
