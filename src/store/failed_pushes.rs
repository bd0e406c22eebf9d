//! Outbox rows the trackers refused, as the Proposals pane lists them (`R` pushes again).

use sqlx::SqlitePool;

use super::StoreError;
use super::sql::statements;

statements! {
    /// Key (or `?` when the issue is gone), operation, why it failed; oldest first, at most 20.
    pub FAILED_PUSHES = "SELECT coalesce(i.key, '?'), o.operation, coalesce(o.last_error, '') \
        FROM outbox o LEFT JOIN issues i ON i.id = o.issue_id WHERE o.state = 'failed' ORDER BY o.id LIMIT 20";
}

/// The refused pushes as "KEY operation: reason".
pub async fn list(pool: &SqlitePool) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(FAILED_PUSHES).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(key, operation, why)| format!("{key} {operation}: {why}"))
        .collect())
}
