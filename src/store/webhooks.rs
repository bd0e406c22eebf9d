//! Webhook deliveries already stored, so a redelivery changes nothing; and what a source's polls
//! stored, which its deliveries may change.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::statements;

statements! {
    RECORD_DELIVERY = "INSERT OR IGNORE INTO webhook_deliveries (delivery_id, source_name, received_at) \
        VALUES (?, ?, ?)";
    KNOWN_PROJECT = "SELECT EXISTS (SELECT 1 FROM projects WHERE source_name = ? AND remote_id = ?)";
    KNOWN_SPRINT = "SELECT EXISTS (SELECT 1 FROM sprints WHERE source_name = ? AND remote_id = ?)";
}

/// Whether `source` has stored this project (by its tracker id).
pub async fn known_project(pool: &SqlitePool, source: &str, remote_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(KNOWN_PROJECT)
        .bind(source)
        .bind(remote_id)
        .fetch_one(pool)
        .await?)
}

/// Whether `source` has stored this sprint (by its tracker id).
pub async fn known_sprint(pool: &SqlitePool, source: &str, remote_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(KNOWN_SPRINT)
        .bind(source)
        .bind(remote_id)
        .fetch_one(pool)
        .await?)
}

/// Records a delivery id of `source`; false when it was stored before (a redelivery).
pub async fn first_delivery(
    conn: &mut SqliteConnection,
    delivery: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let fresh = sqlx::query(RECORD_DELIVERY)
        .bind(delivery)
        .bind(source)
        .bind(to_db(now))
        .execute(conn)
        .await?
        .rows_affected();
    Ok(fresh > 0)
}
