//! Full-text (FTS5, BM25-ranked) and key look-ups of issues: what grounds the chat's answers
//! and what a generated story may duplicate.

use sqlx::{FromRow, SqlitePool};

use super::Result;
use crate::store::sql::statements;

statements! {
    /// Live issues matching an FTS5 query, best first.
    MATCHING = "SELECT i.key, i.title, i.status, i.story_points, i.description, \
        (SELECT group_concat(pe.username, ', ') FROM issue_assignees ia JOIN people pe ON pe.id = ia.person_id \
        WHERE ia.issue_id = i.id) AS assignees \
        FROM issues_fts f JOIN issues i ON i.id = f.rowid \
        WHERE issues_fts MATCH ? AND i.gone_at IS NULL ORDER BY bm25(issues_fts) LIMIT 12";
    /// An issue by key, in any case.
    BY_KEY = "SELECT i.key, i.title, i.status, i.story_points, i.description, \
        (SELECT group_concat(pe.username, ', ') FROM issue_assignees ia JOIN people pe ON pe.id = ia.person_id \
        WHERE ia.issue_id = i.id) AS assignees \
        FROM issues i WHERE lower(i.key) = lower(?)";
    /// Keys and titles of live issues matching an FTS5 query, best first.
    TITLES_MATCHING = "SELECT i.key, i.title FROM issues_fts f JOIN issues i ON i.id = f.rowid \
        WHERE issues_fts MATCH ? AND i.gone_at IS NULL ORDER BY bm25(issues_fts) LIMIT 10";
}

/// An issue as the chat's context describes it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Hit {
    pub key: String,
    pub title: String,
    pub status: String,
    pub story_points: Option<f64>,
    pub description: String,
    pub assignees: Option<String>,
}

/// The twelve live issues that match `fts` (an FTS5 query) best.
pub async fn matching(pool: &SqlitePool, fts: &str) -> Result<Vec<Hit>> {
    Ok(sqlx::query_as(MATCHING).bind(fts).fetch_all(pool).await?)
}

/// The issue with this key (any case).
pub async fn by_key(pool: &SqlitePool, key: &str) -> Result<Option<Hit>> {
    Ok(sqlx::query_as(BY_KEY)
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

/// Key and title of the ten live issues that match `fts` best.
pub async fn titles_matching(pool: &SqlitePool, fts: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(TITLES_MATCHING)
        .bind(fts)
        .fetch_all(pool)
        .await?)
}
