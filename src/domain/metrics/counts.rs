//! The dashboard's tiles and each person's load.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::MetricIssue;
use crate::domain::StatusCategory;

/// Counts over a set of issues (a sprint's members, or everything), each with its keys so the
/// number can be opened as a filtered backlog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub in_progress: Vec<String>,
    pub completed: Vec<String>,
    pub overdue: Vec<String>,
    pub not_started: Vec<String>,
    pub blocked: Vec<String>,
}

/// The same counts as they stood at `at` (from the histories), for comparing with an earlier
/// sprint. Blocking has no history, so `blocked` is left empty.
pub fn counts_at(
    issues: &[&MetricIssue],
    at: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Counts {
    let day = at.date_naive();
    let mut c = Counts::default();
    for i in issues {
        let Some(category) = i.category_at(at) else {
            continue;
        };
        match category {
            StatusCategory::InProgress => c.in_progress.push(i.key.clone()),
            StatusCategory::Todo => c.not_started.push(i.key.clone()),
            StatusCategory::Done => {}
        }
        if i.events
            .iter()
            .any(|(t, cat)| *cat == StatusCategory::Done && *t >= from && *t < to)
            && i.done_by(to)
        {
            c.completed.push(i.key.clone());
        }
        if category != StatusCategory::Done && i.due_date.is_some_and(|d| d < day) {
            c.overdue.push(i.key.clone());
        }
    }
    for list in [
        &mut c.in_progress,
        &mut c.completed,
        &mut c.overdue,
        &mut c.not_started,
    ] {
        list.sort();
    }
    c
}

/// `completed` counts issues whose final completion falls in `[from, to)`.
pub fn counts(
    issues: &[&MetricIssue],
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Counts {
    let today = now.date_naive();
    let mut c = Counts::default();
    for i in issues {
        let key = || i.key.clone();
        let done = i.category == StatusCategory::Done;
        match i.category {
            StatusCategory::InProgress => c.in_progress.push(key()),
            StatusCategory::Todo => c.not_started.push(key()),
            StatusCategory::Done => {}
        }
        if i.done_at().is_some_and(|d| d >= from && d < to) {
            c.completed.push(key());
        }
        if !done && i.due_date.is_some_and(|d| d < today) {
            c.overdue.push(key());
        }
        if !done && i.blocked {
            c.blocked.push(key());
        }
    }
    for list in [
        &mut c.in_progress,
        &mut c.completed,
        &mut c.overdue,
        &mut c.not_started,
        &mut c.blocked,
    ] {
        list.sort();
    }
    c
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonLoad {
    pub person: String,
    pub open: usize,
    pub in_progress: usize,
    /// Points of open and done work assigned to them in the sprint.
    pub sprint_points: f64,
    pub capacity: Option<f64>,
}

impl PersonLoad {
    /// Over capacity: more points than capacity; with capacity 0, any points at all.
    pub fn over_capacity(&self) -> bool {
        self.capacity.is_some_and(|c| self.sprint_points > c)
    }
}

/// Per person: open and in-progress issues overall, and points in the sprint (`sprint_issues`)
/// against capacity. People listed in `capacity` appear even with nothing assigned.
pub fn load(
    issues: &[MetricIssue],
    sprint_issues: &[&MetricIssue],
    capacity: &BTreeMap<String, f64>,
) -> Vec<PersonLoad> {
    let mut people: BTreeMap<String, PersonLoad> = capacity
        .iter()
        .map(|(p, c)| {
            let mut person = blank(p);
            person.capacity = Some(*c);
            (p.clone(), person)
        })
        .collect();
    for i in issues.iter().filter(|i| i.category != StatusCategory::Done) {
        for p in &i.assignees {
            let person = people.entry(p.clone()).or_insert_with(|| blank(p));
            person.open += 1;
            if i.category == StatusCategory::InProgress {
                person.in_progress += 1;
            }
        }
    }
    for i in sprint_issues {
        for p in &i.assignees {
            let person = people.entry(p.clone()).or_insert_with(|| blank(p));
            person.sprint_points += i.points.unwrap_or(0.0);
        }
    }
    people.into_values().collect()
}

fn blank(person: &str) -> PersonLoad {
    PersonLoad {
        person: person.to_owned(),
        open: 0,
        in_progress: 0,
        sprint_points: 0.0,
        capacity: None,
    }
}
