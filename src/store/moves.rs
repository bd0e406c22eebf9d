//! Board moves by hand (applied as manual proposals: see `proposals`), and which issues have a
//! local change not yet pushed.

use sqlx::SqlitePool;

use super::Result;
use crate::domain::StatusCategory;
use crate::store::sql::statements;

statements! {
    PENDING_PUSHES = "SELECT DISTINCT issue_id FROM outbox WHERE state IN ('pending', 'failed') AND issue_id IS NOT NULL";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardMove {
    pub issue_id: i64,
    pub key: String,
    /// The status the card showed when the user moved it.
    pub expected_status: String,
    pub target_status: String,
    pub target_category: StatusCategory,
}

/// Issues with a local change not yet pushed to their tracker.
pub async fn pending_pushes(pool: &SqlitePool) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(PENDING_PUSHES).fetch_all(pool).await?)
}
