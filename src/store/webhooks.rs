//! Webhook deliveries already stored, so a redelivery changes nothing.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::statements;

statements! {
    RECORD_DELIVERY = "INSERT OR IGNORE INTO webhook_deliveries (delivery_id, source_name, received_at) \
        VALUES (?, ?, ?)";
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
