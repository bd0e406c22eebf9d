//! Look-ups of one issue by key or id: its project, status and category, the category a status
//! name has, its summary line and the tracker's raw payload.

use sqlx::SqlitePool;

use super::Result;
use crate::store::sql::statements;

statements! {
    /// A live issue by key: its id and its project's key.
    LIVE_WITH_PROJECT = "SELECT i.id, p.key FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE i.key = ? AND i.gone_at IS NULL";
    STATUS = "SELECT status FROM issues WHERE id = ?";
    CATEGORY = "SELECT status_category FROM issues WHERE id = ?";
    /// The category the data gives status `?1` (any case), in issue `?2`'s project first.
    CATEGORY_OF_STATUS = "SELECT status_category FROM issues WHERE status = ? COLLATE NOCASE \
        ORDER BY project_id = (SELECT project_id FROM issues WHERE id = ?) DESC LIMIT 1";
    KEY_TITLE_STATUS = "SELECT key, title, status FROM issues WHERE id = ?";
    RAW_JSON = "SELECT raw_json FROM issues WHERE id = ?";
}

/// A live issue's id and project key.
pub async fn live_with_project(pool: &SqlitePool, key: &str) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(LIVE_WITH_PROJECT)
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

/// An issue's status (its tracker's name for it).
pub async fn status(pool: &SqlitePool, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(STATUS)
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// An issue's status category: `todo`, `in_progress` or `done`.
pub async fn category(pool: &SqlitePool, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(CATEGORY)
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// The category issues with status `status` have, those of `near`'s project first.
pub async fn category_of_status(
    pool: &SqlitePool,
    status: &str,
    near: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(CATEGORY_OF_STATUS)
        .bind(status)
        .bind(near)
        .fetch_optional(pool)
        .await?)
}

/// Key, title and status.
pub async fn key_title_status(
    pool: &SqlitePool,
    id: i64,
) -> Result<Option<(String, String, String)>> {
    Ok(sqlx::query_as(KEY_TITLE_STATUS)
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// The tracker's payload the issue was stored from, if kept.
pub async fn raw_json(pool: &SqlitePool, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(RAW_JSON)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .flatten())
}
