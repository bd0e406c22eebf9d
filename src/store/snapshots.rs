//! The last computed report per view, so a large workspace's dashboard draws at once on start
//! and is replaced when the fresh one is ready (stale-while-revalidate).

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::{Result, queries};
use crate::domain::time::to_db;

/// The default dashboard: the active sprint over every project.
pub const DASHBOARD: &str = "dashboard";

/// The stored report of `view` as JSON, if one was saved.
pub async fn load(pool: &SqlitePool, view: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(queries::SNAPSHOT_GET)
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
    sqlx::query(queries::SNAPSHOT_PUT)
        .bind(view)
        .bind(to_db(now))
        .bind(json)
        .execute(conn)
        .await?;
    Ok(())
}
