//! People look-ups: tracker account ids by username and back, the capacity their source gave
//! them, and what each completed in recent sprints.

use sqlx::SqlitePool;

use super::Result;
use crate::store::sql::statements;

statements! {
    /// The largest capacity a source gave each username (a person may come from several).
    CAPACITIES = "SELECT username, max(capacity) FROM people GROUP BY username";
    /// Completed points per person over the last three closed sprints, per sprint.
    RECENT_VELOCITY = "WITH last AS (SELECT id, end_at FROM sprints WHERE state = 'closed' \
        ORDER BY end_at DESC LIMIT 3) \
        SELECT pe.username, sum(i.story_points) / 3.0 FROM last s \
        JOIN sprint_issues si ON si.sprint_id = s.id JOIN issues i ON i.id = si.issue_id \
        JOIN issue_assignees ia ON ia.issue_id = i.id JOIN people pe ON pe.id = ia.person_id \
        WHERE i.status_category = 'done' AND i.story_points IS NOT NULL GROUP BY pe.username";
    REMOTE_ID_OF = "SELECT remote_id FROM people WHERE username = ? LIMIT 1";
    USERNAME_OF = "SELECT username FROM people WHERE remote_id = ? LIMIT 1";
}

/// The capacity stored for each username, if any source gave one.
pub async fn capacities(pool: &SqlitePool) -> Result<Vec<(String, Option<f64>)>> {
    Ok(sqlx::query_as(CAPACITIES).fetch_all(pool).await?)
}

/// Average completed points per person over the last three closed sprints.
pub async fn recent_velocity(pool: &SqlitePool) -> Result<Vec<(String, f64)>> {
    Ok(sqlx::query_as(RECENT_VELOCITY).fetch_all(pool).await?)
}

/// A person's account id on their tracker.
pub async fn remote_id_of(pool: &SqlitePool, username: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(REMOTE_ID_OF)
        .bind(username)
        .fetch_optional(pool)
        .await?)
}

/// The username of a tracker account.
pub async fn username_of(pool: &SqlitePool, remote_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(USERNAME_OF)
        .bind(remote_id)
        .fetch_optional(pool)
        .await?)
}
