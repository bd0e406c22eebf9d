//! Sprint metrics: commitment, scope change, completion, carry-over, velocity and burndown.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};

use super::{MetricIssue, WorkingDays};

#[derive(Debug, Clone, PartialEq)]
pub struct MetricSprint {
    pub id: i64,
    pub name: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub closed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub sprint_id: i64,
    pub issue_id: i64,
    pub added_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
}

/// Points when anything in the sprint is estimated; otherwise issue counts (and said so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Points,
    Issues,
}

impl Unit {
    fn value(self, issue: &MetricIssue) -> f64 {
        match self {
            Self::Points => issue.points.unwrap_or(0.0),
            Self::Issues => 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SprintSummary {
    pub unit: Unit,
    pub committed: f64,
    pub added: f64,
    pub removed: f64,
    pub completed: f64,
    pub committed_keys: Vec<String>,
    pub added_keys: Vec<String>,
    pub removed_keys: Vec<String>,
    pub completed_keys: Vec<String>,
    /// Closed sprints: members not done at the end.
    pub carry_over_keys: Vec<String>,
}

impl SprintSummary {
    /// What was left when the sprint ended (or now, for the active one).
    pub fn remaining(&self) -> f64 {
        self.committed + self.added - self.removed - self.completed
    }
}

fn members<'a>(
    sprint: &MetricSprint,
    memberships: &'a [Membership],
    issues: &'a HashMap<i64, &'a MetricIssue>,
) -> Vec<(&'a Membership, &'a MetricIssue)> {
    let mut list: Vec<_> = memberships
        .iter()
        .filter(|m| m.sprint_id == sprint.id)
        .filter_map(|m| issues.get(&m.issue_id).map(|i| (m, *i)))
        .collect();
    list.sort_by(|a, b| a.1.key.cmp(&b.1.key));
    list
}

fn unit_of(members: &[(&Membership, &MetricIssue)]) -> Unit {
    if members.iter().any(|(_, i)| i.points.is_some()) {
        Unit::Points
    } else {
        Unit::Issues
    }
}

fn present(m: &Membership, t: DateTime<Utc>) -> bool {
    m.added_at <= t && m.removed_at.is_none_or(|r| r > t)
}

pub fn summary(
    sprint: &MetricSprint,
    memberships: &[Membership],
    issues: &[MetricIssue],
    now: DateTime<Utc>,
) -> SprintSummary {
    let by_id: HashMap<i64, &MetricIssue> = issues.iter().map(|i| (i.id, i)).collect();
    let members = members(sprint, memberships, &by_id);
    let unit = unit_of(&members);
    let end = sprint.end.map_or(now, |e| e.min(now));
    let mut s = SprintSummary {
        unit,
        committed: 0.0,
        added: 0.0,
        removed: 0.0,
        completed: 0.0,
        committed_keys: Vec::new(),
        added_keys: Vec::new(),
        removed_keys: Vec::new(),
        completed_keys: Vec::new(),
        carry_over_keys: Vec::new(),
    };
    for (m, issue) in members {
        let value = unit.value(issue);
        let key = issue.key.clone();
        // Without a start date every member counts as committed.
        let at_start = sprint.start.is_none_or(|start| present(m, start));
        let added = sprint
            .start
            .is_some_and(|start| m.added_at > start && m.added_at <= end);
        if at_start {
            s.committed += value;
            s.committed_keys.push(key.clone());
        } else if added {
            s.added += value;
            s.added_keys.push(key.clone());
        } else {
            continue;
        }
        if m.removed_at.is_some_and(|r| r <= end) {
            s.removed += value;
            s.removed_keys.push(key);
            continue;
        }
        if issue.done_by(end) {
            s.completed += value;
            s.completed_keys.push(key);
        } else if sprint.closed {
            s.carry_over_keys.push(key);
        }
    }
    s
}

#[derive(Debug, Clone, PartialEq)]
pub struct Velocity {
    /// (sprint name, completed points), oldest first.
    pub sprints: Vec<(String, f64)>,
    pub mean: Option<f64>,
    /// Population standard deviation.
    pub spread: Option<f64>,
}

/// Completed points of the last `n` closed sprints (by start date).
pub fn velocity(
    sprints: &[MetricSprint],
    memberships: &[Membership],
    issues: &[MetricIssue],
    now: DateTime<Utc>,
    n: usize,
) -> Velocity {
    let mut closed: Vec<&MetricSprint> = sprints.iter().filter(|s| s.closed).collect();
    closed.sort_by_key(|s| (s.start, s.id));
    let recent = &closed[closed.len().saturating_sub(n)..];
    let values: Vec<(String, f64)> = recent
        .iter()
        .map(|s| {
            let summary = summary(s, memberships, issues, now);
            let points = if summary.unit == Unit::Points {
                summary.completed
            } else {
                0.0
            };
            (s.name.clone(), points)
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let count = values.len() as f64;
    let mean = (!values.is_empty()).then(|| values.iter().map(|(_, v)| v).sum::<f64>() / count);
    let spread =
        mean.map(|m| (values.iter().map(|(_, v)| (v - m).powi(2)).sum::<f64>() / count).sqrt());
    Velocity {
        sprints: values,
        mean,
        spread,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BurndownPoint {
    pub day: chrono::NaiveDate,
    pub remaining: f64,
    pub ideal: f64,
    /// Scope was added or removed on this day.
    pub scope_change: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Burndown {
    pub unit: Unit,
    pub committed: f64,
    pub points: Vec<BurndownPoint>,
    /// Working days from today to the end (0 once it has ended).
    pub days_left: usize,
}

/// Remaining work at the end of each working day so far; the ideal line runs from the
/// commitment to zero over all the sprint's working days. `None` when the sprint has no dates.
pub fn burndown(
    sprint: &MetricSprint,
    memberships: &[Membership],
    issues: &[MetricIssue],
    days: &WorkingDays,
    now: DateTime<Utc>,
) -> Option<Burndown> {
    let (start, end) = (sprint.start?, sprint.end?);
    let by_id: HashMap<i64, &MetricIssue> = issues.iter().map(|i| (i.id, i)).collect();
    let members = members(sprint, memberships, &by_id);
    let unit = unit_of(&members);
    let committed: f64 = members
        .iter()
        .filter(|(m, _)| present(m, start))
        .map(|(_, i)| unit.value(i))
        .sum();
    let all_days = days.between(start.date_naive(), end.date_naive());
    let span = all_days.len().saturating_sub(1).max(1);
    let today = now.date_naive();
    let mut points = Vec::new();
    for (n, day) in all_days.iter().enumerate() {
        if *day > today {
            break;
        }
        let end_of_day = day
            .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
            .and_utc();
        let t = end_of_day.min(now).min(end);
        let remaining = members
            .iter()
            .filter(|(m, i)| present(m, t) && !i.done_by(t))
            .map(|(_, i)| unit.value(i))
            .sum();
        let scope_change = members.iter().any(|(m, _)| {
            (m.added_at > start && m.added_at.date_naive() == *day)
                || m.removed_at
                    .is_some_and(|r| r > start && r.date_naive() == *day)
        });
        #[allow(clippy::cast_precision_loss)]
        let ideal = committed * (1.0 - n as f64 / span as f64);
        points.push(BurndownPoint {
            day: *day,
            remaining,
            ideal: ideal.max(0.0),
            scope_change,
        });
    }
    let days_left = all_days.iter().filter(|d| **d > today).count();
    Some(Burndown {
        unit,
        committed,
        points,
        days_left,
    })
}
