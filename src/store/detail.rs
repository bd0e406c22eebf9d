//! The issue detail read model and the one write the detail view makes: local overrides.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;
use sqlx::{AssertSqlSafe, FromRow, SqlitePool};

use super::read::{IssueRow, rows_by_ids};
use super::{Result, StoreError};
use crate::domain::overrides::OverrideField;
use crate::domain::time::to_db;
use crate::store::sql::{Statement, statements};

statements! {
    DETAIL_EXTRA = "SELECT i.description, \
        (SELECT display_name FROM people WHERE id = i.reporter_id) AS reporter, \
        par.id AS parent_id, par.key AS parent_key, par.title AS parent_title \
        FROM issues i LEFT JOIN issues par ON par.id = i.parent_id WHERE i.id = ?";
    /// Links seen from one issue (bound four times).
    DETAIL_LINKS = "SELECT o.id AS issue_id, o.key, o.title, o.status_category, \
        CASE WHEN l.kind = 'relates' THEN 'relates to' WHEN l.from_issue_id = ? THEN 'blocks' ELSE 'blocked by' END AS relation \
        FROM issue_links l JOIN issues o ON o.id = CASE WHEN l.from_issue_id = ? THEN l.to_issue_id ELSE l.from_issue_id END \
        WHERE l.from_issue_id = ? OR l.to_issue_id = ? ORDER BY relation, o.key";
    DETAIL_EVENTS = "SELECT from_status, to_status, to_category, at FROM status_events \
        WHERE issue_id = ? ORDER BY at, id";
    DETAIL_OVERRIDES = "SELECT internal_status, notes, target_date, internal_priority \
        FROM overrides WHERE issue_id = ?";
    /// Prompts rendered from the issue, newest first.
    DETAIL_PROMPTS = "SELECT v.id, v.template, v.tokens, v.author, v.created_at, \
        (SELECT count(*) FROM prompt_outputs o WHERE o.version_id = v.id) AS outputs \
        FROM prompt_versions v WHERE v.issue_id = ? ORDER BY v.id DESC LIMIT 20";
    /// The issue's changes waiting for the tracker.
    DETAIL_PUSHES = "SELECT operation, state, last_error FROM outbox \
        WHERE issue_id = ? AND state IN ('pending', 'failed') ORDER BY id";
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct DetailExtra {
    pub description: String,
    pub reporter: Option<String>,
    pub parent_id: Option<i64>,
    pub parent_key: Option<String>,
    pub parent_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LinkRow {
    pub issue_id: i64,
    pub key: String,
    pub title: String,
    pub status_category: String,
    /// `blocks`, `blocked by` or `relates to`, seen from this issue.
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EventRow {
    pub from_status: Option<String>,
    pub to_status: String,
    pub to_category: String,
    pub at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, FromRow)]
pub struct Overrides {
    pub internal_status: Option<String>,
    pub notes: Option<String>,
    pub target_date: Option<String>,
    pub internal_priority: Option<String>,
}

impl Overrides {
    pub fn get(&self, field: OverrideField) -> Option<&str> {
        match field {
            OverrideField::InternalStatus => self.internal_status.as_deref(),
            OverrideField::Notes => self.notes.as_deref(),
            OverrideField::TargetDate => self.target_date.as_deref(),
            OverrideField::InternalPriority => self.internal_priority.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssueDetail {
    pub row: IssueRow,
    pub extra: DetailExtra,
    pub links: Vec<LinkRow>,
    pub events: Vec<EventRow>,
    pub overrides: Overrides,
    /// Prompts rendered from it (`p`), newest first.
    pub prompt_versions: Vec<PromptVersionRow>,
    /// Its changes waiting for the tracker ("operation: state, reason").
    pub pushes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PromptVersionRow {
    pub id: i64,
    pub template: String,
    pub tokens: i64,
    pub author: String,
    pub created_at: String,
    pub outputs: i64,
}

pub async fn issue_detail(pool: &SqlitePool, id: i64) -> Result<IssueDetail> {
    let row = rows_by_ids(pool, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Invalid(format!("issue {id} no longer exists")))?;
    let extra = sqlx::query_as(DETAIL_EXTRA)
        .bind(id)
        .fetch_one(pool)
        .await?;
    let links = sqlx::query_as(DETAIL_LINKS)
        .bind(id)
        .bind(id)
        .bind(id)
        .bind(id)
        .fetch_all(pool)
        .await?;
    let events = sqlx::query_as(DETAIL_EVENTS)
        .bind(id)
        .fetch_all(pool)
        .await?;
    let overrides = sqlx::query_as(DETAIL_OVERRIDES)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .unwrap_or_default();
    let prompt_versions = sqlx::query_as(DETAIL_PROMPTS)
        .bind(id)
        .fetch_all(pool)
        .await?;
    let pushes: Vec<(String, String, Option<String>)> = sqlx::query_as(DETAIL_PUSHES)
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(IssueDetail {
        row,
        extra,
        links,
        events,
        overrides,
        prompt_versions,
        pushes: pushes
            .into_iter()
            .map(|(op, state, why)| match why {
                Some(w) if state == "failed" => format!("{op}: failed, {w}"),
                _ => format!("{op}: {state}"),
            })
            .collect(),
    })
}

/// Sets (or, with `None`, clears) one local field.
pub async fn set_override(
    conn: &mut SqliteConnection,
    issue_id: i64,
    field: OverrideField,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(AssertSqlSafe(override_sql(field)))
        .bind(issue_id)
        .bind(value)
        .bind(to_db(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets one override column (the others stay).
fn override_sql(field: OverrideField) -> String {
    let column = field.column();
    format!(
        "INSERT INTO overrides (issue_id, {column}, updated_at) VALUES (?, ?, ?) \
         ON CONFLICT (issue_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at"
    )
}

/// Instances of this module's dynamic statements, for the schema check: one per override.
pub(crate) fn examples() -> Vec<Statement> {
    OverrideField::ALL
        .iter()
        .map(|f| Statement::example(module_path!(), "set_override", override_sql(*f)))
        .collect()
}
