//! The dashboard's range picker and the stored snapshot that draws it at once on start.

use crossterm::event::KeyCode;
use sprintdeck::app::runtime::perform;
use sprintdeck::app::state::{State, Tab};
use sprintdeck::app::{Effect, Msg, init, update};
use sprintdeck::domain::time::to_db;

use crate::common::now;
use crate::tui::{Harness, settings};

async fn stored(h: &Harness) -> Option<String> {
    sqlx::query_scalar("SELECT report_json FROM report_snapshots WHERE view = 'dashboard'")
        .fetch_optional(h.store.pool())
        .await
        .expect("query")
}

#[tokio::test]
async fn r_steps_the_completion_range_and_the_report_follows() {
    let mut h = Harness::with(settings(), (120, 40), Tab::Dashboard).await;
    let sprint = h.state.dashboard.report.clone().expect("loaded");
    let mut completed = Vec::new();
    for days in [14, 30, 90, 180] {
        h.key(KeyCode::Char('r')).await;
        let report = h.state.dashboard.report.clone().expect("reloaded");
        assert_eq!(
            report.range.from,
            to_db(now() - chrono::Duration::days(days)),
            "{days} days back"
        );
        let screen = crate::panes::text(&crate::panes::draw(&h.state));
        assert!(screen.contains(&format!("completed {days}d")), "{screen}");
        completed.push(report.counts.completed.count);
    }
    let mut sorted = completed.clone();
    sorted.sort_unstable();
    assert_eq!(completed, sorted, "a longer range never completes less");
    h.key(KeyCode::Char('r')).await;
    let back = h.state.dashboard.report.clone().expect("reloaded");
    assert_eq!(back.range.from, sprint.range.from, "round to the sprint");
    h.key(KeyCode::Char('R')).await;
    assert_eq!(
        h.state
            .dashboard
            .report
            .as_ref()
            .map(|r| r.range.from.clone()),
        Some(to_db(now() - chrono::Duration::days(180))),
        "R goes back"
    );
}

#[tokio::test]
async fn the_next_start_draws_the_stored_report_first_then_the_fresh_one() {
    let h = Harness::with(settings(), (120, 40), Tab::Dashboard).await;
    let json = stored(&h).await.expect("the default view was stored");
    assert!(json.contains("\"version\":1"), "{json}");
    // Mark the stored copy so the test can tell it from a freshly computed one.
    h.store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE report_snapshots SET report_json = \
                     json_set(report_json, '$.generated_at', '2001-01-01T00:00:00Z')",
                )
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .expect("marked");
    let io = h.io.clone();
    let (store, _dir) = h.into_parts();
    let mut state = State::new(settings(), now(), (120, 40), Tab::Dashboard);
    let effects = init(&mut state);
    let snapshot = effects
        .iter()
        .find(|e| matches!(e, Effect::LoadDashboardSnapshot { .. }))
        .cloned()
        .expect("the snapshot is asked for");
    let fresh = effects
        .iter()
        .find(|e| matches!(e, Effect::LoadDashboard { .. }))
        .cloned()
        .expect("and the fresh report");
    let msg = perform(&store, &io, snapshot).await.expect("answer");
    update(&mut state, msg.clone());
    let shown = state
        .dashboard
        .report
        .clone()
        .expect("the snapshot is drawn");
    assert_eq!(shown.generated_at, "2001-01-01T00:00:00Z");
    let screen = crate::panes::text(&crate::panes::draw(&state));
    assert!(screen.contains("refreshing…"), "{screen}");
    let loaded = perform(&store, &io, fresh).await.expect("answer");
    update(&mut state, loaded);
    let report = state.dashboard.report.clone().expect("fresh");
    assert_ne!(report.generated_at, "2001-01-01T00:00:00Z");
    assert!(!state.dashboard.from_snapshot && !state.dashboard.refreshing);
    // A late snapshot never replaces the fresh report.
    update(&mut state, msg);
    assert_eq!(
        state
            .dashboard
            .report
            .as_ref()
            .map(|r| r.generated_at.clone()),
        Some(report.generated_at.clone())
    );
    let screen = crate::panes::text(&crate::panes::draw(&state));
    assert!(!screen.contains("refreshing…"), "{screen}");
}

#[tokio::test]
async fn read_only_and_other_views_store_nothing() {
    let mut s = settings();
    s.read_only = true;
    let h = Harness::with(s, (120, 40), Tab::Dashboard).await;
    assert!(h.state.dashboard.report.is_some());
    assert_eq!(stored(&h).await, None, "read-only writes nothing");
    let mut h = Harness::with(settings(), (120, 40), Tab::Backlog).await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.tab, Tab::Dashboard);
    h.key(KeyCode::Char('[')).await; // the previous sprint: not the default view
    let before = stored(&h).await.expect("the default view was stored");
    h.key(KeyCode::Char('r')).await;
    assert_eq!(
        stored(&h).await,
        Some(before),
        "only the default view is stored"
    );
}

#[tokio::test]
async fn a_snapshot_from_another_build_is_not_shown() {
    let h = Harness::with(settings(), (120, 40), Tab::Dashboard).await;
    h.store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                sqlx::query("UPDATE report_snapshots SET report_json = '{\"version\": 99}'")
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("replaced");
    let msg = perform(
        &h.store,
        &h.io,
        Effect::LoadDashboardSnapshot { generation: 1 },
    )
    .await;
    assert!(
        matches!(msg, Some(Msg::DashboardSnapshot { report: None, .. })),
        "{msg:?}"
    );
}
