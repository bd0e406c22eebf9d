//! Effects of the dashboard: the report for a view, and the stored snapshot that the next
//! start draws first.

use chrono::{DateTime, Utc};

use super::EffectIo;
use crate::app::msg::{DashboardView, Effect, Msg};
use crate::store::{Store, snapshots};

/// The dashboard's effects.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::LoadDashboard { generation, view } => dashboard(store, io, generation, view).await,
        Effect::LoadDashboardSnapshot { generation } => Msg::DashboardSnapshot {
            generation,
            report: stored_dashboard(store).await,
        },
        _ => return None,
    })
}

async fn dashboard(store: &Store, io: &EffectIo, generation: u64, view: DashboardView) -> Msg {
    let now = io.clock.now();
    let options = crate::report::Options {
        now,
        sprint: view.sprint,
        from: view
            .range_days
            .map(|d| now - chrono::Duration::days(i64::from(d))),
        to: None,
        working_days: crate::domain::metrics::WorkingDays::from_names(&view.metrics.working_days),
        aging_days: view.metrics.aging_days,
        capacity: view.metrics.capacity,
        default_capacity: view.metrics.default_capacity,
        workspace: view.workspace,
    };
    let result = match crate::report::from_store(store.pool(), None, options).await {
        Ok(Some(report)) => Ok(Box::new(report)),
        Ok(None) => Err("no issues yet: nothing to measure".to_owned()),
        Err(e) => Err(e.to_string()),
    };
    if let (Ok(report), true) = (&result, view.save_snapshot) {
        save_snapshot(store, report, now).await;
    }
    Msg::DashboardLoaded { generation, result }
}

/// The default view's report stored by an earlier run. One from an older build that no longer
/// parses is simply not shown.
async fn stored_dashboard(store: &Store) -> Option<Box<crate::report::Report>> {
    let json = snapshots::load(store.pool(), snapshots::DASHBOARD)
        .await
        .ok()??;
    serde_json::from_str::<crate::report::Report>(&json)
        .ok()
        .filter(|r| r.version == crate::report::VERSION)
        .map(Box::new)
}

/// Stores the default view's report for the next start. A failure costs only the head start,
/// so it is logged, not shown.
async fn save_snapshot(store: &Store, report: &crate::report::Report, now: DateTime<Utc>) {
    let Ok(json) = serde_json::to_string(report) else {
        return;
    };
    let saved = store
        .writer()
        .transaction(move |conn| {
            Box::pin(async move { snapshots::save(conn, snapshots::DASHBOARD, &json, now).await })
        })
        .await;
    if let Err(e) = saved {
        tracing::warn!("could not store the dashboard snapshot: {e}");
    }
}
