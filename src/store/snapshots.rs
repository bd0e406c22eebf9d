//! The last computed report per view, so a large workspace's dashboard draws at once on start
//! and is replaced when the fresh one is ready (stale-while-revalidate).

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::statements;

statements! {
    SNAPSHOT_GET = "SELECT report_json FROM report_snapshots WHERE view = ?";
    SNAPSHOT_PUT = "INSERT INTO report_snapshots (view, computed_at, report_json) \
        VALUES (?, ?, ?) ON CONFLICT (view) DO UPDATE SET computed_at = excluded.computed_at, \
        report_json = excluded.report_json";
}

/// The default dashboard: the active sprint over every project.
pub const DASHBOARD: &str = "dashboard";

/// The stored report of `view` as JSON, if one was saved.
pub async fn load(pool: &SqlitePool, view: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(SNAPSHOT_GET)
        .bind(view)
        .fetch_optional(pool)
        .await?)
}

/// Replaces the stored report of `view` (in the writer's transaction).
pub async fn save(
    conn: &mut SqliteConnection,
    view: &str,
    json: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(SNAPSHOT_PUT)
        .bind(view)
        .bind(to_db(now))
        .bind(json)
        .execute(conn)
        .await?;
    Ok(())
}
