//! What shell completion reads: issue keys, from a database opened read-only (completion must
//! never create, migrate or lock a workspace).

use std::path::Path;

use sqlx::ConnectOptions as _;
use sqlx::sqlite::SqliteConnectOptions;

use super::Result;
use super::sql::statements;

statements! {
    /// Issue keys for shell completion: a `LIKE` prefix, then the most issues to offer.
    COMPLETE_KEYS = "SELECT key, title FROM issues WHERE gone_at IS NULL \
        AND key LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT ?";
}

/// Live issue keys starting with `prefix` (case-insensitive), most recently updated first, with
/// their titles.
pub async fn issue_keys(db: &Path, prefix: &str, limit: i64) -> Result<Vec<(String, String)>> {
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await?;
    let pattern = format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let keys = sqlx::query_as(COMPLETE_KEYS)
        .bind(pattern)
        .bind(limit)
        .fetch_all(&mut conn)
        .await?;
    let _ = sqlx::Connection::close(conn).await;
    Ok(keys)
}
