//! Loads what the metrics need: every live issue with its status history, sprints and
//! membership. Two ordered scans, stitched in memory.

use std::collections::HashMap;

use sqlx::{FromRow, SqlitePool};

use super::Result;
use crate::clock::parse_instant;
use crate::domain::StatusCategory;
use crate::domain::metrics::{Membership, MetricIssue, MetricSprint};
use crate::store::sql::statements;

statements! {
    /// Changes whenever a sync or a local edit changes what the metrics read (all index or
    /// rowid look-ups): the last event, the last issue and override updates, the gone issues,
    /// the open sprints.
    FINGERPRINT = "SELECT (SELECT max(rowid) FROM status_events), \
        (SELECT max(updated_at) FROM issues WHERE gone_at IS NULL), \
        (SELECT max(updated_at) FROM overrides), \
        (SELECT count(*) FROM issues WHERE gone_at IS NOT NULL), \
        (SELECT group_concat(id || state || ifnull(start_at, '') || ifnull(end_at, '')) \
        FROM sprints WHERE state != 'closed')";
    METRIC_ISSUES = "SELECT i.id, i.key, i.status_category, i.story_points, \
        i.created_at, i.due_date, \
        EXISTS (SELECT 1 FROM issue_links lk JOIN issues b ON b.id = lk.from_issue_id \
        WHERE lk.to_issue_id = i.id AND lk.kind = 'blocks' AND b.status_category <> 'done') AS blocked, \
        (SELECT group_concat(pe.username, ',' ORDER BY pe.username) FROM issue_assignees ia \
        JOIN people pe ON pe.id = ia.person_id WHERE ia.issue_id = i.id) AS assignees \
        FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE i.gone_at IS NULL AND (? IS NULL OR lower(p.key) = lower(?)) ORDER BY i.id";
    /// In time order per issue, so histories are built by appending.
    METRIC_EVENTS = "SELECT e.issue_id, e.at, e.to_category FROM status_events e \
        JOIN issues i ON i.id = e.issue_id WHERE i.gone_at IS NULL ORDER BY e.issue_id, e.at, e.id";
    METRIC_SPRINTS = "SELECT id, name, state, start_at, end_at FROM sprints ORDER BY start_at, id";
    METRIC_MEMBERS = "SELECT sprint_id, issue_id, added_at, removed_at FROM sprint_issues ORDER BY sprint_id, issue_id";
    /// Everyone, with the capacity their source gave them (if any).
    PEOPLE_CAPACITY = "SELECT username, capacity FROM people ORDER BY username";
    DATA_AS_OF = "SELECT max(t) FROM (\
        SELECT max(finished_at) AS t FROM sync_runs WHERE state = 'ok' \
        UNION ALL SELECT value FROM workspace_meta WHERE key = 'data_as_of')";
}

/// Capacities stored with people (from the tracker or the demo), by username.
pub async fn capacities(pool: &SqlitePool) -> Result<Vec<(String, Option<f64>)>> {
    Ok(sqlx::query_as(PEOPLE_CAPACITY).fetch_all(pool).await?)
}

/// When the data was last known fresh: the last successful sync, or the demo's "now".
pub async fn data_as_of(pool: &SqlitePool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(DATA_AS_OF).fetch_one(pool).await?)
}

/// A fingerprint of the data the metrics read: equal while it does not change.
pub async fn fingerprint(pool: &SqlitePool) -> Result<String> {
    type Row = (
        Option<i64>,
        Option<String>,
        Option<String>,
        i64,
        Option<String>,
    );
    let row: Row = sqlx::query_as(FINGERPRINT).fetch_one(pool).await?;
    Ok(format!("{row:?}"))
}

#[derive(Debug, Clone, Default)]
pub struct MetricsInput {
    pub issues: Vec<MetricIssue>,
    pub sprints: Vec<MetricSprint>,
    pub memberships: Vec<Membership>,
}

#[derive(FromRow)]
struct IssueFacts {
    id: i64,
    key: String,
    status_category: String,
    story_points: Option<f64>,
    created_at: String,
    due_date: Option<String>,
    blocked: bool,
    assignees: Option<String>,
}

#[derive(FromRow)]
struct EventFacts {
    issue_id: i64,
    at: String,
    to_category: String,
}

#[derive(FromRow)]
struct SprintFacts {
    id: i64,
    name: String,
    state: String,
    start_at: Option<String>,
    end_at: Option<String>,
}

#[derive(FromRow)]
struct MemberFacts {
    sprint_id: i64,
    issue_id: i64,
    added_at: String,
    removed_at: Option<String>,
}

fn category(text: &str) -> StatusCategory {
    text.parse().unwrap_or(StatusCategory::Todo)
}

pub async fn load(pool: &SqlitePool) -> Result<MetricsInput> {
    load_project(pool, None).await
}

/// Like [`load`], limited to one project (by key or path) when `project` is given.
pub async fn load_project(pool: &SqlitePool, project: Option<&str>) -> Result<MetricsInput> {
    let facts: Vec<IssueFacts> = sqlx::query_as(METRIC_ISSUES)
        .bind(project)
        .bind(project)
        .fetch_all(pool)
        .await?;
    let events: Vec<EventFacts> = sqlx::query_as(METRIC_EVENTS).fetch_all(pool).await?;
    let sprints: Vec<SprintFacts> = sqlx::query_as(METRIC_SPRINTS).fetch_all(pool).await?;
    let members: Vec<MemberFacts> = sqlx::query_as(METRIC_MEMBERS).fetch_all(pool).await?;

    let mut issues: Vec<MetricIssue> = facts
        .into_iter()
        .filter_map(|f| {
            Some(MetricIssue {
                id: f.id,
                key: f.key,
                category: category(&f.status_category),
                points: f.story_points,
                created_at: parse_instant(&f.created_at)?,
                events: Vec::new(),
                due_date: f
                    .due_date
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                blocked: f.blocked,
                assignees: f
                    .assignees
                    .map(|a| a.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
            })
        })
        .collect();
    let index: HashMap<i64, usize> = issues.iter().enumerate().map(|(n, i)| (i.id, n)).collect();
    for e in events {
        if let (Some(&n), Some(at)) = (index.get(&e.issue_id), parse_instant(&e.at)) {
            issues[n].events.push((at, category(&e.to_category)));
        }
    }
    Ok(MetricsInput {
        issues,
        sprints: sprints
            .into_iter()
            .map(|s| MetricSprint {
                id: s.id,
                name: s.name,
                start: s.start_at.as_deref().and_then(parse_instant),
                end: s.end_at.as_deref().and_then(parse_instant),
                closed: s.state == "closed",
            })
            .collect(),
        memberships: members
            .into_iter()
            .filter_map(|m| {
                Some(Membership {
                    sprint_id: m.sprint_id,
                    issue_id: m.issue_id,
                    added_at: parse_instant(&m.added_at)?,
                    removed_at: m.removed_at.as_deref().and_then(parse_instant),
                })
            })
            .collect(),
    })
}
