//! Read models over the pool. Rows keep the database's text forms; callers format them.

use serde::Serialize;
use sqlx::sqlite::SqliteArguments;
use sqlx::{AssertSqlSafe, FromRow, SqlitePool};

use super::filter::{Bind, GroupBy, Grouping, NO_GROUP, SqlFilter};
use super::queries;
use super::{Result, StoreError};

/// One backlog row: what the table, the exports and the detail header show.
#[derive(Debug, Clone, PartialEq, FromRow, Serialize)]
pub struct IssueRow {
    #[serde(skip)]
    pub id: i64,
    pub key: String,
    pub project_key: String,
    pub issue_type: String,
    pub title: String,
    pub status: String,
    pub status_category: String,
    pub priority: Option<String>,
    #[serde(skip)]
    pub priority_rank: Option<i64>,
    pub story_points: Option<f64>,
    pub due_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub web_url: Option<String>,
    pub parent_key: Option<String>,
    pub assignees: Option<String>,
    pub labels: Option<String>,
    pub sprint: Option<String>,
    /// Blocked by an issue that is not done.
    pub blocked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow, Serialize)]
pub struct Summary {
    pub projects: i64,
    pub issues: i64,
    pub people: i64,
    pub sprints: i64,
    pub status_events: i64,
    pub links: i64,
    pub pending_proposals: i64,
}

fn arguments(binds: &[Bind]) -> SqliteArguments {
    use sqlx::Arguments;
    let mut args = SqliteArguments::default();
    for bind in binds {
        // Adding a plain value to SQLite arguments cannot fail; a failure would surface at execute.
        let _ = match bind {
            Bind::Text(t) => args.add(t.clone()),
            Bind::Real(r) => args.add(*r),
            Bind::Int(i) => args.add(*i),
        };
    }
    args
}

/// Backlog rows matching `filter`, in its order, at most `limit` (all when `None`).
pub async fn backlog(
    pool: &SqlitePool,
    filter: &SqlFilter,
    limit: Option<i64>,
) -> Result<Vec<IssueRow>> {
    backlog_page(pool, filter, 0, limit.unwrap_or(-1)).await
}

/// One page of backlog rows. The page of ids is chosen first (an index can stop the scan early),
/// so the per-row subqueries run only for the rows returned.
pub async fn backlog_page(
    pool: &SqlitePool,
    filter: &SqlFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<IssueRow>> {
    grouped_page(pool, filter, &Grouping::default(), offset, limit).await
}

/// A page of rows ordered by group first, without the rows of collapsed groups.
pub async fn grouped_page(
    pool: &SqlitePool,
    filter: &SqlFilter,
    grouping: &Grouping,
    offset: i64,
    limit: i64,
) -> Result<Vec<IssueRow>> {
    let mut binds = filter.binds.clone();
    let (extra, order) = grouping_sql(grouping, &filter.order_sql, &mut binds);
    let sql = format!(
        "{select} JOIN ({ids} WHERE {filter}{extra} ORDER BY {order} LIMIT ? OFFSET ?) page \
         ON page.id = i.id ORDER BY {order}",
        select = queries::BACKLOG_SELECT,
        ids = ids_select(filter),
        filter = filter.where_sql,
    );
    binds.push(Bind::Int(limit));
    binds.push(Bind::Int(offset));
    Ok(
        sqlx::query_as_with::<_, IssueRow, _>(AssertSqlSafe(sql), arguments(&binds))
            .fetch_all(pool)
            .await?,
    )
}

fn ids_select(filter: &SqlFilter) -> &'static str {
    if filter.uses_project() {
        queries::BACKLOG_IDS
    } else {
        queries::BACKLOG_IDS_NO_PROJECT
    }
}

/// The condition excluding collapsed groups and the ORDER BY that keeps groups together.
fn grouping_sql(grouping: &Grouping, order: &str, binds: &mut Vec<Bind>) -> (String, String) {
    let Some(group) = grouping.by.sql() else {
        return (String::new(), order.to_owned());
    };
    let extra = if grouping.collapsed.is_empty() {
        String::new()
    } else {
        for key in &grouping.collapsed {
            binds.push(Bind::Text(
                key.clone().unwrap_or_else(|| NO_GROUP.to_owned()),
            ));
        }
        let marks = vec!["?"; grouping.collapsed.len()].join(", ");
        format!(" AND coalesce({group}, char(0)) NOT IN ({marks})")
    };
    (extra, format!("({group}) IS NULL, ({group}), {order}"))
}

/// Group keys with their number of matching issues, in display order (no group last).
pub async fn backlog_groups(
    pool: &SqlitePool,
    filter: &SqlFilter,
    by: GroupBy,
) -> Result<Vec<(Option<String>, i64)>> {
    let Some(group) = by.sql() else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {group} AS g, count(*) FROM issues i JOIN projects p ON p.id = i.project_id \
         WHERE {} GROUP BY g ORDER BY g IS NULL, g",
        filter.where_sql
    );
    Ok(sqlx::query_as_with::<_, (Option<String>, i64), _>(
        AssertSqlSafe(sql),
        arguments(&filter.binds),
    )
    .fetch_all(pool)
    .await?)
}

/// Ids of every matching issue, in the filter's order: cheap enough per keystroke at 100k.
pub async fn backlog_ids(pool: &SqlitePool, filter: &SqlFilter) -> Result<Vec<i64>> {
    let sql = format!(
        "{} WHERE {} ORDER BY {}",
        ids_select(filter),
        filter.where_sql,
        filter.order_sql
    );
    Ok(
        sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(sql), arguments(&filter.binds))
            .fetch_all(pool)
            .await?,
    )
}

/// Rows for the given ids, in the given order (ids not found are skipped).
pub async fn rows_by_ids(pool: &SqlitePool, ids: &[i64]) -> Result<Vec<IssueRow>> {
    let list = serde_json::to_string(ids).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let sql = format!(
        "{} WHERE i.id IN (SELECT value FROM json_each(?))",
        queries::BACKLOG_SELECT
    );
    let mut rows: Vec<IssueRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(list)
        .fetch_all(pool)
        .await?;
    let position: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
    rows.sort_by_key(|r| position.get(&r.id).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

pub async fn backlog_count(pool: &SqlitePool, filter: &SqlFilter) -> Result<i64> {
    if filter.is_unfiltered() {
        return Ok(sqlx::query_scalar(queries::BACKLOG_COUNT_ALL)
            .fetch_one(pool)
            .await?);
    }
    let count = if filter.uses_project() {
        queries::BACKLOG_COUNT
    } else {
        queries::BACKLOG_COUNT_NO_PROJECT
    };
    let sql = format!("{count} WHERE {}", filter.where_sql);
    Ok(
        sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(sql), arguments(&filter.binds))
            .fetch_one(pool)
            .await?,
    )
}

pub async fn summary(pool: &SqlitePool) -> Result<Summary> {
    Ok(sqlx::query_as(queries::SUMMARY).fetch_one(pool).await?)
}

pub async fn meta(pool: &SqlitePool, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(queries::META_GET)
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

pub async fn schema_version(pool: &SqlitePool) -> Result<i64> {
    Ok(sqlx::query_scalar(queries::SCHEMA_VERSION)
        .fetch_one(pool)
        .await?)
}

pub async fn last_sync(pool: &SqlitePool) -> Result<Vec<(String, Option<String>)>> {
    Ok(sqlx::query_as(queries::LAST_SYNC).fetch_all(pool).await?)
}

/// Every sprint's name, oldest first.
/// Each status of a project (by key) with the category its issues have, most used first
/// when a status appears under several.
pub async fn status_categories(
    pool: &SqlitePool,
    project: &str,
) -> Result<Vec<(String, String, crate::domain::StatusCategory)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(queries::STATUS_CATEGORIES)
        .bind(project)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, s, c)| Some((p, s, c.parse().ok()?)))
        .collect())
}

pub async fn sprint_names(pool: &SqlitePool) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(queries::SPRINT_NAMES)
        .fetch_all(pool)
        .await?)
}

/// The issue with this key (keys are unique across sources), if this database has it.
pub async fn issue_id_by_key(pool: &SqlitePool, key: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM issues WHERE key = ?")
        .bind(key)
        .fetch_optional(pool)
        .await?)
}
