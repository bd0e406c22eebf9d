//! The headless report for managers: the dashboard's numbers from the same metric functions, as
//! JSON (schema in `docs/report.schema.json`), CSV, Markdown or an 80-column table.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::metrics::{self, MetricSprint, Unit, WorkingDays};
use crate::domain::time::{date_to_db, to_db};
use crate::store::metrics::MetricsInput;

mod format;

pub use format::{csv, json, markdown, table};

/// Bumped when a field is renamed or removed; adding fields keeps it.
pub const VERSION: u32 = 1;

pub struct Options {
    pub now: DateTime<Utc>,
    /// `None`: the active sprint.
    pub sprint: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub working_days: WorkingDays,
    pub aging_days: u32,
    pub capacity: BTreeMap<String, f64>,
    /// For people with no capacity anywhere else.
    pub default_capacity: Option<f64>,
    pub workspace: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub generated_at: String,
    pub workspace: String,
    /// Every sprint's name, oldest first (what `--sprint` accepts).
    pub sprints: Vec<String>,
    pub range: Range,
    pub sprint: Option<SprintPart>,
    pub counts: CountsPart,
    pub cycle_time_days: Stats,
    pub lead_time_days: Stats,
    pub throughput: Vec<Week>,
    pub velocity: VelocityPart,
    pub aging_wip: Vec<Aging>,
    pub people: Vec<Person>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Range {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SprintPart {
    pub name: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub days_left: Option<usize>,
    /// `points`, or `issues` when nothing in the sprint is estimated.
    pub unit: String,
    pub committed: f64,
    pub added: f64,
    pub removed: f64,
    pub completed: f64,
    pub remaining: f64,
    pub carry_over: Vec<String>,
    pub burndown: Vec<BurndownDay>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BurndownDay {
    pub day: String,
    pub remaining: f64,
    pub ideal: f64,
    pub scope_change: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Count {
    pub count: usize,
    pub keys: Vec<String>,
}

impl From<Vec<String>> for Count {
    fn from(keys: Vec<String>) -> Self {
        Self {
            count: keys.len(),
            keys,
        }
    }
}

/// Change against the previous sprint, each tile as it stood at that sprint's end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deltas {
    pub against: String,
    pub in_progress: i64,
    pub completed: i64,
    pub overdue: i64,
    pub not_started: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountsPart {
    /// Over the sprint's issues when there is a sprint, otherwise over everything.
    pub scope: String,
    /// Against the previous sprint; `null` without one (blocking has no history: no delta).
    pub deltas: Option<Deltas>,
    pub in_progress: Count,
    pub completed: Count,
    pub overdue: Count,
    pub not_started: Count,
    pub blocked: Count,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stats {
    pub count: usize,
    pub p50: Option<f64>,
    pub p85: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Week {
    pub week_of: String,
    pub completed: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VelocityPart {
    pub sprints: Vec<SprintPoints>,
    pub mean: Option<f64>,
    pub spread: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SprintPoints {
    pub name: String,
    pub points: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aging {
    pub key: String,
    pub days: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Person {
    pub person: String,
    pub open: usize,
    pub in_progress: usize,
    pub sprint_points: f64,
    pub capacity: Option<f64>,
    pub over_capacity: bool,
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn round_opt(v: Option<f64>) -> Option<f64> {
    v.map(round)
}

/// Loads the inputs (one project, or all) and builds the report. Capacities stored with people
/// are the base; `options.capacity` (the config's `[people]`) overrides them.
pub async fn from_store(
    pool: &sqlx::SqlitePool,
    project: Option<&str>,
    mut options: Options,
) -> Result<Option<Report>, ReportError> {
    let input = crate::store::metrics::load_project(pool, project).await?;
    if input.issues.is_empty() {
        return Ok(None);
    }
    // Stored capacity, else `[people] default_capacity`, and `[people] capacity` over both.
    let mut capacity: BTreeMap<String, f64> = crate::store::metrics::capacities(pool)
        .await?
        .into_iter()
        .filter_map(|(person, stored)| stored.or(options.default_capacity).map(|c| (person, c)))
        .collect();
    capacity.append(&mut options.capacity);
    options.capacity = capacity;
    build(&input, &options)
        .map(Some)
        .map_err(ReportError::Input)
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Input(String),
}

fn signed(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The tiles of the sprint before `current`, at its end, subtracted from the current ones.
fn deltas(
    input: &MetricsInput,
    current: &MetricSprint,
    now_counts: &metrics::Counts,
) -> Option<Deltas> {
    let previous = input
        .sprints
        .iter()
        .filter(|s| s.closed && s.start.is_some() && s.start < current.start)
        .max_by_key(|s| s.start)?;
    let (start, end) = (previous.start?, previous.end?);
    let ids: HashSet<i64> = input
        .memberships
        .iter()
        .filter(|m| {
            m.sprint_id == previous.id && m.added_at <= end && m.removed_at.is_none_or(|r| r > end)
        })
        .map(|m| m.issue_id)
        .collect();
    let members: Vec<&metrics::MetricIssue> = input
        .issues
        .iter()
        .filter(|i| ids.contains(&i.id))
        .collect();
    let then = metrics::counts_at(&members, end, start, end);
    Some(Deltas {
        against: previous.name.clone(),
        in_progress: signed(now_counts.in_progress.len()) - signed(then.in_progress.len()),
        completed: signed(now_counts.completed.len()) - signed(then.completed.len()),
        overdue: signed(now_counts.overdue.len()) - signed(then.overdue.len()),
        not_started: signed(now_counts.not_started.len()) - signed(then.not_started.len()),
    })
}

/// Finds the sprint to report on: by name, or the active one (started, not closed).
pub fn pick_sprint<'a>(
    sprints: &'a [MetricSprint],
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<&'a MetricSprint>, String> {
    match name {
        Some(name) => sprints
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .map(Some)
            .ok_or_else(|| {
                let names: Vec<&str> = sprints.iter().map(|s| s.name.as_str()).collect();
                format!(
                    "no sprint named {name:?}; sprints are: {}",
                    names.join(", ")
                )
            }),
        None => Ok(sprints
            .iter()
            .filter(|s| !s.closed && s.start.is_some_and(|st| st <= now))
            .max_by_key(|s| s.start)),
    }
}

fn sprint_part(s: &MetricSprint, input: &MetricsInput, options: &Options) -> SprintPart {
    let now = options.now;
    let summary = metrics::summary(s, &input.memberships, &input.issues, now);
    let burndown = metrics::burndown(
        s,
        &input.memberships,
        &input.issues,
        &options.working_days,
        now,
    );
    SprintPart {
        name: s.name.clone(),
        start: s.start.map(to_db),
        end: s.end.map(to_db),
        days_left: burndown.as_ref().map(|b| b.days_left),
        unit: match summary.unit {
            Unit::Points => "points",
            Unit::Issues => "issues",
        }
        .to_owned(),
        committed: round(summary.committed),
        added: round(summary.added),
        removed: round(summary.removed),
        completed: round(summary.completed),
        remaining: round(summary.remaining()),
        carry_over: summary.carry_over_keys.clone(),
        burndown: burndown
            .map(|b| {
                b.points
                    .iter()
                    .map(|p| BurndownDay {
                        day: date_to_db(p.day),
                        remaining: round(p.remaining),
                        ideal: round(p.ideal),
                        scope_change: p.scope_change,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub fn build(input: &MetricsInput, options: &Options) -> Result<Report, String> {
    let now = options.now;
    let sprint = pick_sprint(&input.sprints, options.sprint.as_deref(), now)?;
    let from = options
        .from
        .or_else(|| sprint.and_then(|s| s.start))
        .unwrap_or(now - chrono::Duration::days(14));
    let to = options.to.unwrap_or(now);
    let member_ids: HashSet<i64> = sprint.map_or_else(HashSet::new, |s| {
        input
            .memberships
            .iter()
            .filter(|m| m.sprint_id == s.id && m.removed_at.is_none())
            .map(|m| m.issue_id)
            .collect()
    });
    let in_sprint: Vec<&metrics::MetricIssue> = input
        .issues
        .iter()
        .filter(|i| member_ids.contains(&i.id))
        .collect();
    let scope: Vec<&metrics::MetricIssue> = if sprint.is_some() {
        in_sprint.clone()
    } else {
        input.issues.iter().collect()
    };
    let counts = metrics::counts(&scope, now, from, to);
    let stats = |d: metrics::Durations| Stats {
        count: d.count,
        p50: round_opt(d.p50),
        p85: round_opt(d.p85),
        max: round_opt(d.max),
    };
    let velocity = metrics::velocity(&input.sprints, &input.memberships, &input.issues, now, 7);
    let sprint_part = sprint.map(|s| sprint_part(s, input, options));
    Ok(Report {
        version: VERSION,
        generated_at: to_db(now),
        workspace: options.workspace.clone(),
        sprints: input.sprints.iter().map(|s| s.name.clone()).collect(),
        range: Range {
            from: to_db(from),
            to: to_db(to),
        },
        sprint: sprint_part,
        counts: CountsPart {
            scope: if sprint.is_some() { "sprint" } else { "all" }.to_owned(),
            deltas: sprint.and_then(|s| deltas(input, s, &counts)),
            in_progress: counts.in_progress.into(),
            completed: counts.completed.into(),
            overdue: counts.overdue.into(),
            not_started: counts.not_started.into(),
            blocked: counts.blocked.into(),
        },
        cycle_time_days: stats(metrics::cycle_times(&input.issues, from, to)),
        lead_time_days: stats(metrics::lead_times(&input.issues, from, to)),
        throughput: metrics::throughput(&input.issues, now, 12)
            .into_iter()
            .map(|(week, n)| Week {
                week_of: date_to_db(week),
                completed: n,
            })
            .collect(),
        velocity: VelocityPart {
            sprints: velocity
                .sprints
                .into_iter()
                .map(|(name, points)| SprintPoints {
                    name,
                    points: round(points),
                })
                .collect(),
            mean: round_opt(velocity.mean),
            spread: round_opt(velocity.spread),
        },
        aging_wip: metrics::aging_wip(&input.issues, now, options.aging_days)
            .into_iter()
            .take(20)
            .map(|(key, days)| Aging {
                key,
                days: round(days),
            })
            .collect(),
        people: metrics::load(&input.issues, &in_sprint, &options.capacity)
            .into_iter()
            .map(|p| Person {
                over_capacity: p.over_capacity(),
                person: p.person,
                open: p.open,
                in_progress: p.in_progress,
                sprint_points: round(p.sprint_points),
                capacity: p.capacity,
            })
            .collect(),
    })
}
