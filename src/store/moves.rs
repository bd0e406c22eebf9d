//! Board moves by hand: a local status change checked against the status the card showed, with
//! its history event and an outbox row for the tracker (pushed by the proposals/outbox issue).

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::{Result, StoreError, queries};
use crate::domain::StatusCategory;
use crate::domain::time::to_db;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardMove {
    pub issue_id: i64,
    pub key: String,
    /// The status the card showed when the user moved it.
    pub expected_status: String,
    pub target_status: String,
    pub target_category: StatusCategory,
}

/// Applies a move in the writer's transaction; refuses it whole when the issue changed since
/// the board was loaded (for example by a sync).
pub async fn move_card(
    conn: &mut SqliteConnection,
    m: &CardMove,
    now: DateTime<Utc>,
) -> Result<()> {
    let current: Option<(String, String, String)> = sqlx::query_as(queries::MOVE_CURRENT)
        .bind(m.issue_id)
        .fetch_optional(&mut *conn)
        .await?;
    let (status, category, source_name) =
        current.ok_or_else(|| StoreError::Conflict(format!("{} no longer exists", m.key)))?;
    if status != m.expected_status {
        return Err(StoreError::Conflict(format!(
            "{} changed since the board was loaded: it is now {status:?}, not {:?}; nothing was moved (ctrl-r reloads)",
            m.key, m.expected_status
        )));
    }
    let at = to_db(now);
    let closed_at = (m.target_category == StatusCategory::Done).then(|| at.clone());
    sqlx::query("UPDATE issues SET status = ?, status_category = ?, updated_at = ?, closed_at = ? WHERE id = ?")
        .bind(&m.target_status)
        .bind(m.target_category.as_str())
        .bind(&at)
        .bind(&closed_at)
        .bind(m.issue_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO status_events (issue_id, from_status, to_status, from_category, to_category, at, source) \
         VALUES (?, ?, ?, ?, ?, ?, 'manual')",
    )
    .bind(m.issue_id)
    .bind(&status)
    .bind(&m.target_status)
    .bind(&category)
    .bind(m.target_category.as_str())
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    let payload =
        serde_json::json!({ "key": m.key, "from": status, "to": m.target_status }).to_string();
    sqlx::query(
        "INSERT INTO outbox (issue_id, source_name, operation, payload_json, state, created_at, updated_at) \
         VALUES (?, ?, 'set_status', ?, 'pending', ?, ?)",
    )
    .bind(m.issue_id)
    .bind(&source_name)
    .bind(payload)
    .bind(&at)
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Issues with a local change not yet pushed to their tracker.
pub async fn pending_pushes(pool: &SqlitePool) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(queries::PENDING_PUSHES)
        .fetch_all(pool)
        .await?)
}
