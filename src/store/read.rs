//! Read models over the pool. Rows keep the database's text forms; callers format them.

use serde::Serialize;
use sqlx::sqlite::SqliteArguments;
use sqlx::{AssertSqlSafe, FromRow, SqlitePool};

use super::filter::{Bind, GroupBy, Grouping, NO_GROUP, SqlFilter};
use super::{Result, StoreError};
use crate::store::sql::{Statement, fragments, statements};

statements! {
    /// The backlog read model; callers restrict it to a page of ids (see `read::backlog`).
    BACKLOG_SELECT = "SELECT i.id, i.key, p.key AS project_key, i.issue_type, i.title, \
        i.status, i.status_category, i.priority, i.priority_rank, i.story_points, i.due_date, \
        i.created_at, i.updated_at, i.closed_at, i.web_url, par.key AS parent_key, \
        (SELECT group_concat(pe.username, ', ' ORDER BY pe.username) FROM issue_assignees ia \
        JOIN people pe ON pe.id = ia.person_id WHERE ia.issue_id = i.id) AS assignees, \
        (SELECT group_concat(l.name, ', ' ORDER BY l.name) FROM issue_labels il \
        JOIN labels l ON l.id = il.label_id WHERE il.issue_id = i.id) AS labels, \
        (SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
        WHERE si.issue_id = i.id AND si.removed_at IS NULL \
        ORDER BY s.start_at DESC NULLS LAST, s.id DESC LIMIT 1) AS sprint, \
        EXISTS (SELECT 1 FROM issue_links lk JOIN issues b ON b.id = lk.from_issue_id \
        WHERE lk.to_issue_id = i.id AND lk.kind = 'blocks' AND b.status_category <> 'done') AS blocked \
        FROM issues i JOIN projects p ON p.id = i.project_id LEFT JOIN issues par ON par.id = i.parent_id";
    /// Matching ids only; a compiled filter appends `WHERE … ORDER BY …`.
    BACKLOG_IDS = "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id";
    /// The same without the projects join, for filters and orders that never mention `p`: the join
    /// costs a lookup per issue.
    BACKLOG_IDS_NO_PROJECT = "SELECT i.id FROM issues i";
    BACKLOG_COUNT = "SELECT count(*) FROM issues i JOIN projects p ON p.id = i.project_id";
    BACKLOG_COUNT_NO_PROJECT = "SELECT count(*) FROM issues i";
    /// Counting every live issue through the small partial index is several times faster than a
    /// table scan; the planner does not pick it by itself. (`INDEXED BY` is for this database only.)
    BACKLOG_COUNT_ALL = "SELECT count(*) FROM issues i INDEXED BY issues_updated WHERE i.gone_at IS NULL";
    SUMMARY = "SELECT \
        (SELECT count(*) FROM projects WHERE kind = 'project') AS projects, \
        (SELECT count(*) FROM issues WHERE gone_at IS NULL) AS issues, \
        (SELECT count(*) FROM people) AS people, \
        (SELECT count(*) FROM sprints) AS sprints, \
        (SELECT count(*) FROM status_events) AS status_events, \
        (SELECT count(*) FROM issue_links) AS links, \
        (SELECT count(*) FROM proposals WHERE state = 'pending') AS pending_proposals";
    META_GET = "SELECT value FROM workspace_meta WHERE key = ?";
    SCHEMA_VERSION = "SELECT coalesce(max(version), 0) FROM _sqlx_migrations";
    LAST_SYNC = "SELECT source_name, max(finished_at) AS finished_at FROM sync_runs \
        WHERE state = 'ok' GROUP BY source_name ORDER BY source_name";
    STATUS_CATEGORIES = "SELECT p.key, i.status, i.status_category FROM issues i \
        JOIN projects p ON p.id = i.project_id \
        WHERE i.gone_at IS NULL AND lower(p.key) = lower(?) \
        GROUP BY p.key, i.status, i.status_category ORDER BY count(*) DESC";
    SPRINT_NAMES = "SELECT name FROM sprints ORDER BY start_at, id";
    ISSUE_ID_BY_KEY = "SELECT id FROM issues WHERE key = ?";
}

fragments! {
    /// Restricts a select over `i` to the ids of a JSON array.
    BY_ID_LIST = " WHERE i.id IN (SELECT value FROM json_each(?))";
}

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
    let sql = page_sql(filter, grouping, &mut binds);
    binds.push(Bind::Int(limit));
    binds.push(Bind::Int(offset));
    Ok(
        sqlx::query_as_with::<_, IssueRow, _>(AssertSqlSafe(sql), arguments(&binds))
            .fetch_all(pool)
            .await?,
    )
}

/// A page's SQL; `binds` (the filter's) gain the collapsed groups, and the caller adds the
/// limit and the offset.
fn page_sql(filter: &SqlFilter, grouping: &Grouping, binds: &mut Vec<Bind>) -> String {
    let (extra, order) = grouping_sql(grouping, &filter.order_sql, binds);
    format!(
        "{select} JOIN ({ids} WHERE {filter}{extra} ORDER BY {order} LIMIT ? OFFSET ?) page \
         ON page.id = i.id ORDER BY {order}",
        select = BACKLOG_SELECT,
        ids = ids_select(filter),
        filter = filter.where_sql,
    )
}

fn ids_select(filter: &SqlFilter) -> &'static str {
    if filter.uses_project() {
        BACKLOG_IDS
    } else {
        BACKLOG_IDS_NO_PROJECT
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
    let Some(sql) = groups_sql(filter, by) else {
        return Ok(Vec::new());
    };
    Ok(sqlx::query_as_with::<_, (Option<String>, i64), _>(
        AssertSqlSafe(sql),
        arguments(&filter.binds),
    )
    .fetch_all(pool)
    .await?)
}

fn groups_sql(filter: &SqlFilter, by: GroupBy) -> Option<String> {
    let group = by.sql()?;
    Some(format!(
        "SELECT {group} AS g, count(*) FROM issues i JOIN projects p ON p.id = i.project_id \
         WHERE {} GROUP BY g ORDER BY g IS NULL, g",
        filter.where_sql
    ))
}

/// Ids of every matching issue, in the filter's order: cheap enough per keystroke at 100k.
pub async fn backlog_ids(pool: &SqlitePool, filter: &SqlFilter) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar_with::<_, i64, _>(
        AssertSqlSafe(ids_sql(filter)),
        arguments(&filter.binds),
    )
    .fetch_all(pool)
    .await?)
}

fn ids_sql(filter: &SqlFilter) -> String {
    format!(
        "{} WHERE {} ORDER BY {}",
        ids_select(filter),
        filter.where_sql,
        filter.order_sql
    )
}

/// Rows for the given ids, in the given order (ids not found are skipped).
pub async fn rows_by_ids(pool: &SqlitePool, ids: &[i64]) -> Result<Vec<IssueRow>> {
    let list = serde_json::to_string(ids).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut rows: Vec<IssueRow> = sqlx::query_as(AssertSqlSafe(rows_by_ids_sql()))
        .bind(list)
        .fetch_all(pool)
        .await?;
    let position: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
    rows.sort_by_key(|r| position.get(&r.id).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// Backlog rows whose ids are in the JSON array bound.
fn rows_by_ids_sql() -> String {
    format!("{BACKLOG_SELECT}{BY_ID_LIST}")
}

pub async fn backlog_count(pool: &SqlitePool, filter: &SqlFilter) -> Result<i64> {
    let Some(sql) = count_sql(filter) else {
        return Ok(sqlx::query_scalar(BACKLOG_COUNT_ALL)
            .fetch_one(pool)
            .await?);
    };
    Ok(
        sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(sql), arguments(&filter.binds))
            .fetch_one(pool)
            .await?,
    )
}

/// The count of a filter's matches; `None`: every live issue ([`BACKLOG_COUNT_ALL`]).
fn count_sql(filter: &SqlFilter) -> Option<String> {
    if filter.is_unfiltered() {
        return None;
    }
    let count = if filter.uses_project() {
        BACKLOG_COUNT
    } else {
        BACKLOG_COUNT_NO_PROJECT
    };
    Some(format!("{count} WHERE {}", filter.where_sql))
}

pub async fn summary(pool: &SqlitePool) -> Result<Summary> {
    Ok(sqlx::query_as(SUMMARY).fetch_one(pool).await?)
}

pub async fn meta(pool: &SqlitePool, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(META_GET)
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

pub async fn schema_version(pool: &SqlitePool) -> Result<i64> {
    Ok(sqlx::query_scalar(SCHEMA_VERSION).fetch_one(pool).await?)
}

pub async fn last_sync(pool: &SqlitePool) -> Result<Vec<(String, Option<String>)>> {
    Ok(sqlx::query_as(LAST_SYNC).fetch_all(pool).await?)
}

/// Every sprint's name, oldest first.
/// Each status of a project (by key) with the category its issues have, most used first
/// when a status appears under several.
pub async fn status_categories(
    pool: &SqlitePool,
    project: &str,
) -> Result<Vec<(String, String, crate::domain::StatusCategory)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(STATUS_CATEGORIES)
        .bind(project)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, s, c)| Some((p, s, c.parse().ok()?)))
        .collect())
}

pub async fn sprint_names(pool: &SqlitePool) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(SPRINT_NAMES).fetch_all(pool).await?)
}

/// The issue with this key (keys are unique across sources), if this database has it.
pub async fn issue_id_by_key(pool: &SqlitePool, key: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(ISSUE_ID_BY_KEY)
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

/// A filter that uses every operator, for the examples: each one's SQL is in it.
const EXAMPLE_FILTER: &str = "word \"a phrase\" status:doing assignee:me assignee:none label:x \
    project:OPS type:bug sprint:current sprint:next sprint:none epic:OPS-1 priority:high \
    is:open is:overdue is:blocked is:unestimated points:>=5 -label:y key:A-1,B-2 created:>7d \
    due:<7d in-progress:>5d sort:sprint";

/// Instances of this module's dynamic statements (and of the filter language's SQL), for the
/// schema check: every backlog read with an unfiltered and a rich filter, grouped every way.
pub(crate) fn examples() -> Vec<Statement> {
    let ctx = super::filter::FilterContext {
        now: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        me: Some("me".to_owned()),
    };
    let example = |name, sql| Statement::example(module_path!(), name, sql);
    let mut out = vec![example("rows_by_ids", rows_by_ids_sql())];
    for text in ["", EXAMPLE_FILTER] {
        let compiled = crate::domain::query::parse(text)
            .map_err(|e| e.to_string())
            .and_then(|q| super::filter::compile(&q, &ctx).map_err(|e| e.to_string()));
        let filter = match compiled {
            Ok(filter) => filter,
            Err(e) => {
                // Not SQL: fails the schema check with the reason.
                out.push(example(
                    "example_filter",
                    format!("{text:?} does not compile: {e}"),
                ));
                continue;
            }
        };
        let filter = &filter;
        out.push(example("backlog_ids", ids_sql(filter)));
        out.extend(count_sql(filter).map(|sql| example("backlog_count", sql)));
        for by in [
            GroupBy::Nothing,
            GroupBy::Epic,
            GroupBy::Assignee,
            GroupBy::Sprint,
        ] {
            let grouping = Grouping {
                by,
                collapsed: vec![Some("x".to_owned()), None],
            };
            out.push(example(
                "grouped_page",
                page_sql(filter, &grouping, &mut Vec::new()),
            ));
            out.extend(groups_sql(filter, by).map(|sql| example("backlog_groups", sql)));
        }
    }
    out
}
