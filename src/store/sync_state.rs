//! What sync remembers between runs: a cursor per source and scope (advanced in the same
//! transaction as the batch it covers), and the `sync_runs` log the status bar and the Sync
//! view read.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;

pub async fn cursor(pool: &SqlitePool, source: &str, scope: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT cursor FROM sync_cursors WHERE source_name = ? AND scope = ?")
            .bind(source)
            .bind(scope)
            .fetch_optional(pool)
            .await?,
    )
}

/// Moves the cursor forward (never back: pages written out of order cannot rewind it).
pub async fn advance_cursor(
    conn: &mut SqliteConnection,
    source: &str,
    scope: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_cursors (source_name, scope, cursor, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (source_name, scope) DO UPDATE SET cursor = excluded.cursor, \
         updated_at = excluded.updated_at WHERE excluded.cursor > sync_cursors.cursor",
    )
    .bind(source)
    .bind(scope)
    .bind(cursor)
    .bind(to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a remembered value (not an ordered cursor: it may go back).
pub async fn set_cursor(
    conn: &mut SqliteConnection,
    source: &str,
    scope: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_cursors (source_name, scope, cursor, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (source_name, scope) DO UPDATE SET cursor = excluded.cursor, \
         updated_at = excluded.updated_at",
    )
    .bind(source)
    .bind(scope)
    .bind(value)
    .bind(to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts a run; runs of this source left `running` by a killed process become `cancelled`.
pub async fn start_run(
    conn: &mut SqliteConnection,
    source: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    sqlx::query(
        "UPDATE sync_runs SET state = 'cancelled', finished_at = ?, \
         error = coalesce(error, 'stopped before it finished') \
         WHERE source_name = ? AND state = 'running'",
    )
    .bind(to_db(now))
    .bind(source)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO sync_runs (source_name, kind, started_at, state) VALUES (?, ?, ?, 'running') \
         RETURNING id",
    )
    .bind(source)
    .bind(kind)
    .bind(to_db(now))
    .fetch_one(conn)
    .await?)
}

/// Adds a stored page's counts to the run (in the page's transaction).
pub async fn count_page(
    conn: &mut SqliteConnection,
    run: i64,
    seen: usize,
    changed: usize,
) -> Result<()> {
    sqlx::query(
        "UPDATE sync_runs SET pages = pages + 1, issues_seen = issues_seen + ?, \
         issues_changed = issues_changed + ? WHERE id = ?",
    )
    .bind(i64::try_from(seen).unwrap_or(i64::MAX))
    .bind(i64::try_from(changed).unwrap_or(i64::MAX))
    .bind(run)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn finish_run(
    conn: &mut SqliteConnection,
    run: i64,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE sync_runs SET state = ?, finished_at = ?, error = ? WHERE id = ?")
        .bind(if error.is_some() { "failed" } else { "ok" })
        .bind(to_db(now))
        .bind(error)
        .bind(run)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks issues the tracker no longer shows; their rows and history stay.
pub async fn mark_gone(conn: &mut SqliteConnection, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
    for id in ids {
        sqlx::query("UPDATE issues SET gone_at = ? WHERE id = ? AND gone_at IS NULL")
            .bind(to_db(now))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks issues gone by key (a tracker said they were deleted).
pub async fn mark_gone_keys(
    conn: &mut SqliteConnection,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    for key in keys {
        sqlx::query("UPDATE issues SET gone_at = ? WHERE key = ? AND gone_at IS NULL")
            .bind(to_db(now))
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `updated_at` of the stored issues among `keys` (to fetch history only for changed ones).
pub async fn stored_updated_at(
    pool: &SqlitePool,
    keys: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in keys.chunks(500) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT key, updated_at FROM issues WHERE gone_at IS NULL AND key IN (",
        );
        let mut list = q.separated(", ");
        for k in chunk {
            list.push_bind(k);
        }
        q.push(")");
        let rows: Vec<(String, String)> = q.build_query_as().fetch_all(pool).await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Issues of a project whose status history is missing or older than the issue: (id, key,
/// `updated_at`), oldest change first. Never-fetched issues still to do are left out.
pub async fn history_due(
    pool: &SqlitePool,
    source: &str,
    project_remote_id: &str,
) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.key, i.updated_at FROM issues i JOIN projects p ON p.id = i.project_id \
         WHERE p.source_name = ? AND p.remote_id = ? AND i.gone_at IS NULL \
         AND (i.history_synced_at IS NULL OR i.history_synced_at < i.updated_at) \
         AND (i.status_category <> 'todo' OR i.history_synced_at IS NOT NULL) \
         ORDER BY i.updated_at, i.id",
    )
    .bind(source)
    .bind(project_remote_id)
    .fetch_all(pool)
    .await?)
}

/// An issue whose history is due: id, key, `updated_at`, remote id.
pub type DueIssue = (i64, String, String, Option<String>);

/// Issues of a source whose status history is missing or older than the issue: (id, key,
/// `updated_at`, remote id), oldest change first. For trackers whose history comes in bulk, so
/// issues still to do are included.
pub async fn history_due_source(pool: &SqlitePool, source: &str) -> Result<Vec<DueIssue>> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.key, i.updated_at, i.remote_id FROM issues i \
         JOIN projects p ON p.id = i.project_id \
         WHERE p.source_name = ? AND i.gone_at IS NULL \
         AND (i.history_synced_at IS NULL OR i.history_synced_at < i.updated_at) \
         ORDER BY i.updated_at, i.id",
    )
    .bind(source)
    .fetch_all(pool)
    .await?)
}

/// Marks the histories of these issues fetched as of their current `updated_at`.
pub async fn mark_history_keys(conn: &mut SqliteConnection, keys: &[String]) -> Result<()> {
    for key in keys {
        sqlx::query("UPDATE issues SET history_synced_at = updated_at WHERE key = ?")
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Membership times from changelogs, 500 per statement: `(issue key, sprint remote id, time)`
/// sets `added_at` (joins) or, on memberships already ended, `removed_at` (departures).
pub async fn set_membership_times(
    conn: &mut SqliteConnection,
    source: &str,
    times: &[(String, String, DateTime<Utc>)],
    joined: bool,
) -> Result<()> {
    let (column, only) = if joined {
        ("added_at", "")
    } else {
        ("removed_at", " AND removed_at IS NOT NULL")
    };
    for chunk in times.chunks(500) {
        let mut q =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("WITH j(key, sprint, at) AS (SELECT * FROM (");
        q.push_values(chunk, |mut row, (key, sprint, at)| {
            row.push_bind(key).push_bind(sprint).push_bind(to_db(*at));
        });
        q.push(
            ")), t(issue_id, sprint_id, at) AS (SELECT i.id, s.id, j.at FROM j \
             JOIN issues i ON i.key = j.key JOIN sprints s ON s.remote_id = j.sprint \
             AND s.source_name = ",
        );
        q.push_bind(source);
        q.push(format!(
            ") UPDATE sprint_issues SET {column} = (SELECT t.at FROM t \
             WHERE t.issue_id = sprint_issues.issue_id AND t.sprint_id = sprint_issues.sprint_id) \
             WHERE (issue_id, sprint_id) IN (SELECT issue_id, sprint_id FROM t){only}"
        ));
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records that these issues' histories were fetched as of their `updated_at` then.
pub async fn mark_history(conn: &mut SqliteConnection, marks: &[(i64, String)]) -> Result<()> {
    // One UPDATE per 500 issues through a VALUES table, not one statement each.
    for chunk in marks.chunks(500) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new("WITH m(id, at) AS (SELECT * FROM (");
        q.push_values(chunk, |mut row, (id, at)| {
            row.push_bind(*id).push_bind(at);
        });
        q.push(
            ")) UPDATE issues SET history_synced_at = (SELECT at FROM m WHERE m.id = issues.id) \
             WHERE id IN (SELECT id FROM m)",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Live issues of a project that are open here: reconcile checks each against the tracker.
pub async fn open_issues(
    pool: &SqlitePool,
    source: &str,
    project_remote_id: &str,
) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.remote_id, i.key FROM issues i JOIN projects p ON p.id = i.project_id \
         WHERE p.source_name = ? AND p.remote_id = ? AND i.gone_at IS NULL \
         AND i.status_category <> 'done'",
    )
    .bind(source)
    .bind(project_remote_id)
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub source_name: String,
    pub kind: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub state: String,
    pub pages: i64,
    pub issues_seen: i64,
    pub issues_changed: i64,
    pub error: Option<String>,
}

/// The newest runs first.
pub async fn recent_runs(pool: &SqlitePool, limit: i64) -> Result<Vec<RunRow>> {
    Ok(sqlx::query_as(
        "SELECT id, source_name, kind, started_at, finished_at, state, pages, issues_seen, \
         issues_changed, error FROM sync_runs ORDER BY id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
