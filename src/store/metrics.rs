//! Loads what the metrics need: every live issue with its status history, sprints and
//! membership. Two ordered scans, stitched in memory.

use std::collections::HashMap;

use sqlx::{FromRow, SqlitePool};

use super::{Result, queries};
use crate::clock::parse_instant;
use crate::domain::StatusCategory;
use crate::domain::metrics::{Membership, MetricIssue, MetricSprint};

/// Capacities stored with people (from the tracker or the demo), by username.
pub async fn capacities(pool: &SqlitePool) -> Result<Vec<(String, Option<f64>)>> {
    Ok(sqlx::query_as(queries::PEOPLE_CAPACITY)
        .fetch_all(pool)
        .await?)
}

/// When the data was last known fresh: the last successful sync, or the demo's "now".
pub async fn data_as_of(pool: &SqlitePool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(queries::DATA_AS_OF)
        .fetch_one(pool)
        .await?)
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
    let facts: Vec<IssueFacts> = sqlx::query_as(queries::METRIC_ISSUES)
        .bind(project)
        .bind(project)
        .fetch_all(pool)
        .await?;
    let events: Vec<EventFacts> = sqlx::query_as(queries::METRIC_EVENTS)
        .fetch_all(pool)
        .await?;
    let sprints: Vec<SprintFacts> = sqlx::query_as(queries::METRIC_SPRINTS)
        .fetch_all(pool)
        .await?;
    let members: Vec<MemberFacts> = sqlx::query_as(queries::METRIC_MEMBERS)
        .fetch_all(pool)
        .await?;

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
