//! The outbox as write-back reads and records it: rows waiting for a push, the issue each is
//! about as its tracker knows it, a row sent (a created issue taking its real key) or failed,
//! and pushed changes confirmed or found overwritten after the next sync. Rows are queued by
//! the apply engine (`proposals`).

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::statements;

statements! {
    /// Rows waiting for a push (new or failed before), oldest first.
    PENDING = "SELECT id, issue_id, source_name, operation, payload_json, attempts FROM outbox \
        WHERE state IN ('pending', 'failed') ORDER BY id";
    /// An issue's key with its project's remote id and key.
    TARGET = "SELECT i.key, p.remote_id, p.key FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE i.id = ?";
    MARK_SENT = "UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_error = NULL, \
        remote_id = ?, updated_at = ? WHERE id = ?";
    /// A created issue's identity on its tracker, so the next sync finds it.
    SET_REMOTE_IDENTITY = "UPDATE issues SET remote_id = ?, key = ? WHERE id = ?";
    MARK_FAILED = "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, \
        updated_at = ? WHERE id = ?";
    /// Status and field changes of source `?1` sent before `?2` and not confirmed yet.
    SENT_UNCONFIRMED = "SELECT id, issue_id, operation, payload_json FROM outbox \
        WHERE source_name = ? AND state = 'sent' AND confirmed_at IS NULL \
        AND operation IN ('set_status', 'set_field') AND updated_at < ?";
    CONFIRM = "UPDATE outbox SET confirmed_at = ? WHERE id = ?";
    /// A pushed change the tracker no longer holds: failed, with what it holds instead.
    OVERWRITTEN = "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?";
    /// The parent of issue `?`: key, type, title, and whether it exists on the tracker.
    PARENT_OF = "SELECT p.key, p.issue_type, p.title, p.remote_id NOT LIKE 'local:%' FROM issues c \
        JOIN issues p ON p.id = c.parent_id WHERE c.id = ?";
}

/// One row waiting for a push.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub issue_id: Option<i64>,
    pub source_name: String,
    pub operation: String,
    pub payload_json: String,
    pub attempts: i64,
}

/// A sent change to check: row id, issue id, operation, payload.
pub type Sent = (i64, Option<i64>, String, String);

/// Every row waiting for a push, oldest first.
pub async fn pending(pool: &SqlitePool) -> Result<Vec<Row>> {
    Ok(sqlx::query_as(PENDING).fetch_all(pool).await?)
}

/// The issue's key, its project's remote id and key.
pub async fn target(pool: &SqlitePool, issue: i64) -> Result<Option<(String, String, String)>> {
    Ok(sqlx::query_as(TARGET)
        .bind(issue)
        .fetch_optional(pool)
        .await?)
}

/// The row was sent; a created issue (`created`: remote id and key) takes its real identity.
pub async fn mark_sent(
    conn: &mut SqliteConnection,
    id: i64,
    issue: Option<i64>,
    created: Option<(String, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(MARK_SENT)
        .bind(created.as_ref().map(|(r, _)| r.clone()))
        .bind(to_db(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if let (Some((remote, key)), Some(issue)) = (created, issue) {
        sqlx::query(SET_REMOTE_IDENTITY)
            .bind(remote)
            .bind(key)
            .bind(issue)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The row failed for `reason`; the next push tries it again.
pub async fn mark_failed(
    conn: &mut SqliteConnection,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(MARK_FAILED)
        .bind(reason)
        .bind(to_db(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Status and field changes of `source` sent before `before`, not confirmed yet.
pub async fn sent_unconfirmed(
    pool: &SqlitePool,
    source: &str,
    before: DateTime<Utc>,
) -> Result<Vec<Sent>> {
    Ok(sqlx::query_as(SENT_UNCONFIRMED)
        .bind(source)
        .bind(to_db(before))
        .fetch_all(pool)
        .await?)
}

/// The tracker holds what row `id` pushed (as of `at`).
pub async fn confirm(conn: &mut SqliteConnection, id: i64, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(CONFIRM)
        .bind(to_db(at))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The tracker holds something else than row `id` pushed: a conflict, saying `why`.
pub async fn overwritten(
    conn: &mut SqliteConnection,
    id: i64,
    why: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(OVERWRITTEN)
        .bind(why)
        .bind(to_db(at))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The parent of an issue: key, type, title, and whether it is on the tracker.
pub async fn parent_of(
    pool: &SqlitePool,
    issue: i64,
) -> Result<Option<(String, String, String, bool)>> {
    Ok(sqlx::query_as(PARENT_OF)
        .bind(issue)
        .fetch_optional(pool)
        .await?)
}
