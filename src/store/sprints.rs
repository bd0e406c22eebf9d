//! Sprint look-ups: the active and the next sprint, a sprint by name, the open sprint an issue
//! is in, a sprint's scope change and recent velocity, and the tracker's id of a sprint.

use sqlx::SqlitePool;

use super::Result;
use crate::store::sql::statements;

statements! {
    /// The most recently started active sprint: id, name, start.
    ACTIVE = "SELECT id, name, start_at FROM sprints WHERE state = 'active' \
        ORDER BY start_at DESC LIMIT 1";
    /// The earliest future sprint.
    NEXT = "SELECT name FROM sprints WHERE state = 'future' ORDER BY start_at, id LIMIT 1";
    NAMED = "SELECT name FROM sprints WHERE name = ? LIMIT 1";
    EXISTS = "SELECT EXISTS (SELECT 1 FROM sprints WHERE name = ?)";
    /// The open sprint (not closed) an issue is in, newest first.
    OPEN_SPRINT_OF = "SELECT s.id, s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
        WHERE si.issue_id = ? AND si.removed_at IS NULL \
        ORDER BY s.state = 'closed', s.start_at DESC LIMIT 1";
    /// Points of sprint `?1` committed by its start `?2`, and added after it (still in).
    SCOPE_CHANGE = "SELECT sum(CASE WHEN si.added_at <= ?2 THEN i.story_points END), \
        sum(CASE WHEN si.added_at > ?2 AND si.removed_at IS NULL THEN i.story_points END) \
        FROM sprint_issues si JOIN issues i ON i.id = si.issue_id WHERE si.sprint_id = ?1";
    /// Points completed within each of the last four closed sprints, oldest first. A sum over
    /// no points is NULL, and `coalesce(…, 0)` an INTEGER that does not read as `f64`: the
    /// fallbacks of point sums are REAL (`0.0`).
    VELOCITY = "SELECT name, pts FROM (SELECT s.name, s.end_at, \
        coalesce((SELECT sum(i.story_points) FROM sprint_issues si JOIN issues i ON i.id = si.issue_id \
        WHERE si.sprint_id = s.id AND i.status_category = 'done' AND i.closed_at <= s.end_at), 0.0) AS pts \
        FROM sprints s WHERE s.state = 'closed' ORDER BY s.end_at DESC LIMIT 4) ORDER BY end_at";
    /// Points per person in the active sprint.
    ACTIVE_LOAD = "SELECT pe.username, coalesce(sum(i.story_points), 0.0) FROM sprints s \
        JOIN sprint_issues si ON si.sprint_id = s.id AND si.removed_at IS NULL \
        JOIN issues i ON i.id = si.issue_id AND i.gone_at IS NULL \
        JOIN issue_assignees ia ON ia.issue_id = i.id JOIN people pe ON pe.id = ia.person_id \
        WHERE s.state = 'active' GROUP BY pe.username";
    /// A sprint's id on its tracker, by name and source.
    REMOTE_ID = "SELECT remote_id FROM sprints WHERE name = ? AND source_name = ? LIMIT 1";
}

/// The active sprint (the most recently started): id, name, start.
pub async fn active(pool: &SqlitePool) -> Result<Option<(i64, String, Option<String>)>> {
    Ok(sqlx::query_as(ACTIVE).fetch_optional(pool).await?)
}

/// The earliest future sprint's name.
pub async fn next(pool: &SqlitePool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(NEXT).fetch_optional(pool).await?)
}

/// `name` when there is a sprint so named.
pub async fn named(pool: &SqlitePool, name: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(NAMED)
        .bind(name)
        .fetch_optional(pool)
        .await?)
}

pub async fn exists(pool: &SqlitePool, name: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(EXISTS)
        .bind(name)
        .fetch_one(pool)
        .await?)
}

/// The open sprint an issue is in (id and name), read on `conn` (a pool, or the connection of
/// a transaction).
pub async fn open_sprint_of<'c, E>(conn: E, issue: i64) -> Result<Option<(i64, String)>>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    Ok(sqlx::query_as(OPEN_SPRINT_OF)
        .bind(issue)
        .fetch_optional(conn)
        .await?)
}

/// Points of a sprint committed by its start and added after it.
pub async fn scope_change(
    pool: &SqlitePool,
    sprint: i64,
    start: &str,
) -> Result<(Option<f64>, Option<f64>)> {
    Ok(sqlx::query_as(SCOPE_CHANGE)
        .bind(sprint)
        .bind(start)
        .fetch_one(pool)
        .await?)
}

/// Points completed in each of the last four closed sprints, oldest first.
pub async fn velocity(pool: &SqlitePool) -> Result<Vec<(String, f64)>> {
    Ok(sqlx::query_as(VELOCITY).fetch_all(pool).await?)
}

/// Points per person in the active sprint.
pub async fn active_load(pool: &SqlitePool) -> Result<Vec<(String, f64)>> {
    Ok(sqlx::query_as(ACTIVE_LOAD).fetch_all(pool).await?)
}

/// A sprint's id on the tracker of `source`.
pub async fn remote_id(pool: &SqlitePool, source: &str, name: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(REMOTE_ID)
        .bind(name)
        .bind(source)
        .fetch_optional(pool)
        .await?)
}
