//! What sync remembers between runs: a cursor per source and scope (advanced in the same
//! transaction as the batch it covers), and the `sync_runs` log the status bar and the Sync
//! view read.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::{Statement, fragments, statements};

statements! {
    CURSOR = "SELECT cursor FROM sync_cursors WHERE source_name = ? AND scope = ?";
    /// Never moves a cursor back.
    ADVANCE_CURSOR = "INSERT INTO sync_cursors (source_name, scope, cursor, updated_at) VALUES (?, ?, ?, ?) \
        ON CONFLICT (source_name, scope) DO UPDATE SET cursor = excluded.cursor, \
        updated_at = excluded.updated_at WHERE excluded.cursor > sync_cursors.cursor";
    CANCEL_LEFT_RUNNING = "UPDATE sync_runs SET state = 'cancelled', finished_at = ?, \
        error = coalesce(error, 'stopped before it finished') \
        WHERE source_name = ? AND state = 'running'";
    START_RUN = "INSERT INTO sync_runs (source_name, kind, started_at, state) VALUES (?, ?, ?, 'running') \
        RETURNING id";
    COUNT_PAGE = "UPDATE sync_runs SET pages = pages + 1, issues_seen = issues_seen + ?, \
        issues_changed = issues_changed + ? WHERE id = ?";
    FINISH_RUN = "UPDATE sync_runs SET state = ?, finished_at = ?, error = ? WHERE id = ?";
    MARK_GONE = "UPDATE issues SET gone_at = ? WHERE id = ? AND gone_at IS NULL";
    MARK_GONE_KEY = "UPDATE issues SET gone_at = ? WHERE key = ? AND gone_at IS NULL";
    HISTORY_DUE = "SELECT i.id, i.key, i.updated_at FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE p.source_name = ? AND p.remote_id = ? AND i.gone_at IS NULL \
        AND (i.history_synced_at IS NULL OR i.history_synced_at < i.updated_at) \
        AND (i.status_category <> 'todo' OR i.history_synced_at IS NOT NULL \
        OR i.updated_at > i.created_at) \
        ORDER BY i.updated_at, i.id";
    HISTORY_DUE_SOURCE = "SELECT i.id, i.key, i.updated_at, i.remote_id FROM issues i \
        JOIN projects p ON p.id = i.project_id \
        WHERE p.source_name = ? AND i.gone_at IS NULL \
        AND (i.history_synced_at IS NULL OR i.history_synced_at < i.updated_at) \
        ORDER BY i.updated_at, i.id";
    MARK_HISTORY_KEY = "UPDATE issues SET history_synced_at = updated_at WHERE key = ?";
    OPEN_ISSUES = "SELECT i.id, i.remote_id, i.key FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE p.source_name = ? AND p.remote_id = ? AND i.gone_at IS NULL \
        AND i.status_category <> 'done'";
    /// Live open issues of a source: id and key.
    OPEN_ISSUES_OF_SOURCE = "SELECT i.id, i.key FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE p.source_name = ? AND i.gone_at IS NULL AND i.status_category <> 'done'";
    /// Each status stored from a source with its category.
    STATUS_CATEGORIES_OF_SOURCE = "SELECT DISTINCT i.status, i.status_category FROM issues i \
        JOIN projects p ON p.id = i.project_id WHERE p.source_name = ?";
    RECENT_RUNS = "SELECT id, source_name, kind, started_at, finished_at, state, pages, issues_seen, \
        issues_changed, error FROM sync_runs ORDER BY id DESC LIMIT ?";
    FORGET_CURSOR = "DELETE FROM sync_cursors WHERE source_name = ? AND scope = ?";
    /// Any value, forward or back.
    SET_CURSOR = "INSERT INTO sync_cursors (source_name, scope, cursor, updated_at) VALUES (?, ?, ?, ?) \
        ON CONFLICT (source_name, scope) DO UPDATE SET cursor = excluded.cursor, \
        updated_at = excluded.updated_at";
}

fragments! {
    /// `updated_at` of live issues by key: an `IN` list follows.
    STORED_UPDATED_AT_HEAD = "SELECT key, updated_at FROM issues WHERE gone_at IS NULL AND key IN (";
    /// Membership times by (issue key, sprint remote id): rows of `VALUES`, then the source.
    MEMBERSHIP_TIMES_HEAD = "WITH j(key, sprint, at) AS (SELECT * FROM (";
    MEMBERSHIP_TIMES_JOIN = ")), t(issue_id, sprint_id, at) AS (SELECT i.id, s.id, j.at FROM j \
        JOIN issues i ON i.key = j.key JOIN sprints s ON s.remote_id = j.sprint \
        AND s.source_name = ";
    /// Joins set when the membership began.
    MEMBERSHIP_JOINED_TAIL = ") UPDATE sprint_issues SET added_at = (SELECT t.at FROM t \
        WHERE t.issue_id = sprint_issues.issue_id AND t.sprint_id = sprint_issues.sprint_id) \
        WHERE (issue_id, sprint_id) IN (SELECT issue_id, sprint_id FROM t)";
    /// Departures set when an ended membership ended.
    MEMBERSHIP_LEFT_TAIL = ") UPDATE sprint_issues SET removed_at = (SELECT t.at FROM t \
        WHERE t.issue_id = sprint_issues.issue_id AND t.sprint_id = sprint_issues.sprint_id) \
        WHERE (issue_id, sprint_id) IN (SELECT issue_id, sprint_id FROM t) AND removed_at IS NOT NULL";
    /// Stays in sprints an issue has left, by (issue key, sprint remote id, joined or NULL,
    /// left): rows of `VALUES`, then the source, then the tail.
    PAST_MEMBERSHIPS_HEAD = "WITH j(key, sprint, added, removed) AS (SELECT * FROM (";
    PAST_MEMBERSHIPS_JOIN = ")) INSERT OR IGNORE INTO sprint_issues (sprint_id, issue_id, added_at, removed_at) \
        SELECT s.id, i.id, coalesce(j.added, i.created_at), j.removed FROM j \
        JOIN issues i ON i.key = j.key JOIN sprints s ON s.remote_id = j.sprint AND s.source_name = ";
    /// History marks by issue id: rows of `VALUES`, then the tail.
    MARK_HISTORY_HEAD = "WITH m(id, at) AS (SELECT * FROM (";
    MARK_HISTORY_TAIL = ")) UPDATE issues SET history_synced_at = (SELECT at FROM m WHERE m.id = issues.id) \
        WHERE id IN (SELECT id FROM m)";
}

pub async fn cursor(pool: &SqlitePool, source: &str, scope: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(CURSOR)
        .bind(source)
        .bind(scope)
        .fetch_optional(pool)
        .await?)
}

/// Moves the cursor forward (never back: pages written out of order cannot rewind it).
pub async fn advance_cursor(
    conn: &mut SqliteConnection,
    source: &str,
    scope: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(ADVANCE_CURSOR)
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
    sqlx::query(SET_CURSOR)
        .bind(source)
        .bind(scope)
        .bind(value)
        .bind(to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a remembered value.
pub async fn forget_cursor(conn: &mut SqliteConnection, source: &str, scope: &str) -> Result<()> {
    sqlx::query(FORGET_CURSOR)
        .bind(source)
        .bind(scope)
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
    sqlx::query(CANCEL_LEFT_RUNNING)
        .bind(to_db(now))
        .bind(source)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_scalar(START_RUN)
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
    sqlx::query(COUNT_PAGE)
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
    sqlx::query(FINISH_RUN)
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
        sqlx::query(MARK_GONE)
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
        sqlx::query(MARK_GONE_KEY)
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
        let rows: Vec<(String, String)> = stored_updated_at_query(chunk)
            .build_query_as()
            .fetch_all(pool)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

fn stored_updated_at_query(keys: &[String]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(STORED_UPDATED_AT_HEAD);
    let mut list = q.separated(", ");
    for k in keys {
        list.push_bind(k);
    }
    q.push(")");
    q
}

/// Issues of a project whose status history is missing or older than the issue: (id, key,
/// `updated_at`), oldest change first. Issues still to do and untouched since they were made
/// (never fetched) are left out: they cannot have a history.
pub async fn history_due(
    pool: &SqlitePool,
    source: &str,
    project_remote_id: &str,
) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(HISTORY_DUE)
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
    Ok(sqlx::query_as(HISTORY_DUE_SOURCE)
        .bind(source)
        .fetch_all(pool)
        .await?)
}

/// Marks the histories of these issues fetched as of their current `updated_at`.
pub async fn mark_history_keys(conn: &mut SqliteConnection, keys: &[String]) -> Result<()> {
    for key in keys {
        sqlx::query(MARK_HISTORY_KEY)
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
    for chunk in times.chunks(500) {
        membership_times_query(source, chunk, joined)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn membership_times_query(
    source: &str,
    times: &[(String, String, DateTime<Utc>)],
    joined: bool,
) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(MEMBERSHIP_TIMES_HEAD);
    q.push_values(times, |mut row, (key, sprint, at)| {
        row.push_bind(key).push_bind(sprint).push_bind(to_db(*at));
    });
    q.push(MEMBERSHIP_TIMES_JOIN);
    q.push_bind(source);
    q.push(if joined {
        MEMBERSHIP_JOINED_TAIL
    } else {
        MEMBERSHIP_LEFT_TAIL
    });
    q
}

/// A stay in a sprint that ended: issue key, sprint remote id, joined (`None`: when the issue
/// was made), left.
pub type PastStay = (String, String, Option<DateTime<Utc>>, DateTime<Utc>);

/// Adds stays in sprints that issues left before sync first saw them (scope removed: the sprint
/// field no longer names the sprint); a stay already stored is left as it is.
pub async fn add_past_memberships(
    conn: &mut SqliteConnection,
    source: &str,
    stays: &[PastStay],
) -> Result<()> {
    for chunk in stays.chunks(500) {
        past_memberships_query(source, chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn past_memberships_query(source: &str, stays: &[PastStay]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(PAST_MEMBERSHIPS_HEAD);
    q.push_values(stays, |mut row, (key, sprint, joined, left)| {
        row.push_bind(key)
            .push_bind(sprint)
            .push_bind(joined.map(to_db))
            .push_bind(to_db(*left));
    });
    q.push(PAST_MEMBERSHIPS_JOIN);
    q.push_bind(source);
    q
}

/// Records that these issues' histories were fetched as of their `updated_at` then.
pub async fn mark_history(conn: &mut SqliteConnection, marks: &[(i64, String)]) -> Result<()> {
    // One UPDATE per 500 issues through a VALUES table, not one statement each.
    for chunk in marks.chunks(500) {
        mark_history_query(chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn mark_history_query(marks: &[(i64, String)]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(MARK_HISTORY_HEAD);
    q.push_values(marks, |mut row, (id, at)| {
        row.push_bind(*id).push_bind(at);
    });
    q.push(MARK_HISTORY_TAIL);
    q
}

/// Instances of this module's dynamic statements, for the schema check.
pub(crate) fn examples() -> Vec<Statement> {
    let at = DateTime::<Utc>::UNIX_EPOCH;
    let keys = ["A-1".to_owned(), "A-2".to_owned()];
    let times = [("A-1".to_owned(), "7".to_owned(), at)];
    let example =
        |name, q: QueryBuilder<Sqlite>| Statement::example(module_path!(), name, q.into_string());
    vec![
        example("stored_updated_at", stored_updated_at_query(&keys)),
        example(
            "membership_joined",
            membership_times_query("jira", &times, true),
        ),
        example(
            "membership_left",
            membership_times_query("jira", &times, false),
        ),
        example("mark_history", mark_history_query(&[(1, "x".to_owned())])),
        example(
            "past_memberships",
            past_memberships_query("jira", &[("A-1".to_owned(), "7".to_owned(), None, at)]),
        ),
    ]
}

/// Live issues of a project that are open here: reconcile checks each against the tracker.
pub async fn open_issues(
    pool: &SqlitePool,
    source: &str,
    project_remote_id: &str,
) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(OPEN_ISSUES)
        .bind(source)
        .bind(project_remote_id)
        .fetch_all(pool)
        .await?)
}

/// Live issues of a source that are open here: reconcile checks each against the tracker.
pub async fn open_issues_of_source(pool: &SqlitePool, source: &str) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(OPEN_ISSUES_OF_SOURCE)
        .bind(source)
        .fetch_all(pool)
        .await?)
}

/// Each status stored from `source` with its category (as stored: `todo`, `in_progress`,
/// `done`).
pub async fn status_categories(pool: &SqlitePool, source: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(STATUS_CATEGORIES_OF_SOURCE)
        .bind(source)
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
    Ok(sqlx::query_as(RECENT_RUNS)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}
