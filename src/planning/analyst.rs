//! The risk analyst: plain rules over the store, each finding an `insight` proposal with a
//! severity, its evidence and, where the fix is obvious, the changes that make it. A finding
//! carries a fingerprint of its rule, subject and evidence: it is not raised again while
//! pending, after a decision, or once applied — only when its evidence changes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::domain::proposal::{Change, Kind};
use crate::store::planning::{self, Late};
use crate::store::proposals::NewProposal;
use crate::store::{Result, sprints};

/// The thresholds (`[analyst]` may change them one day; these are the defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub blocked_days: i64,
    pub scope_added_pct: f64,
    pub stale_days: i64,
    pub velocity_drop_pct: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            blocked_days: 5,
            scope_added_pct: 20.0,
            stale_days: 10,
            velocity_drop_pct: 25.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Issue {
    pub key: String,
    pub title: String,
    pub issue_type: String,
    pub status: String,
    pub category: String,
    pub priority_rank: Option<i64>,
    pub points: Option<f64>,
    pub assignee: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub due: Option<String>,
    pub parent: Option<String>,
    /// The open sprint it is in.
    pub sprint: Option<String>,
    /// Open issues blocking it.
    pub blocked_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActiveSprint {
    pub name: String,
    /// Points in the sprint when it started.
    pub committed: f64,
    /// Points added after it started (still in it).
    pub added: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Input {
    pub now: DateTime<Utc>,
    pub issues: Vec<Issue>,
    pub active: Option<ActiveSprint>,
    pub next: Option<String>,
    pub capacity: BTreeMap<String, f64>,
    /// Completed points of the last closed sprints, oldest first (name, points).
    pub velocity: Vec<(String, f64)>,
    /// The status name a done epic gets (the latest completion's).
    pub done_status: Option<String>,
    /// Points per person in the active sprint, finished work included.
    pub sprint_load: BTreeMap<String, f64>,
    /// Open epics whose children are all done, with how many children they have.
    pub finished_epics: Vec<(Issue, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: &'static str,
    pub title: String,
    pub evidence: Vec<String>,
    pub explanation: String,
    pub changes: Vec<Change>,
}

impl Finding {
    /// Rule, title and evidence: the same finding with the same evidence has the same print.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.rule.as_bytes());
        h.update(self.title.as_bytes());
        for e in &self.evidence {
            h.update(b"\0");
            h.update(e.as_bytes());
        }
        format!("{}:{}", self.rule, &hex::encode(h.finalize())[..16])
    }

    pub fn proposal(&self, expires_at: Option<DateTime<Utc>>) -> NewProposal {
        NewProposal {
            kind: Kind::Insight,
            title: self.title.clone(),
            explanation: self.explanation.clone(),
            evidence: self.evidence.clone(),
            changes: self.changes.clone(),
            author: "analyst".to_owned(),
            expires_at,
            fingerprint: Some(self.fingerprint()),
            severity: Some(self.severity.to_owned()),
        }
    }
}

/// How many keys a grouped finding lists.
const LISTED: usize = 12;

fn list(keys: &[String]) -> String {
    let mut text = keys
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > LISTED {
        let _ = write!(text, " and {} more", keys.len() - LISTED);
    }
    text
}

/// Every rule over the input, in a fixed order.
pub fn analyze(input: &Input, rules: &Rules) -> Vec<Finding> {
    let mut out = Vec::new();
    blocked(input, rules, &mut out);
    scope(input, rules, &mut out);
    over_capacity(input, &mut out);
    overdue(input, &mut out);
    stale(input, rules, &mut out);
    velocity(input, rules, &mut out);
    finished_epics(input, &mut out);
    unestimated(input, &mut out);
    out
}

fn open(i: &Issue) -> bool {
    i.category != "done"
}

/// The longest-blocked issues one by one (each needs chasing); past that, one finding lists the
/// rest, so a large backlog does not bury the queue.
const BLOCKED_ONE_BY_ONE: usize = 5;

fn blocked(input: &Input, rules: &Rules, out: &mut Vec<Finding>) {
    let limit = input.now - Duration::days(rules.blocked_days);
    // Work someone means to do now: in an open sprint, or started. A blocked idea deep in the
    // backlog is not a risk yet.
    let mut stuck: Vec<&Issue> = input
        .issues
        .iter()
        .filter(|i| {
            open(i)
                && !i.blocked_by.is_empty()
                && i.updated_at < limit
                && (i.sprint.is_some() || i.category == "in_progress")
        })
        .collect();
    stuck.sort_by(|a, b| {
        a.updated_at
            .cmp(&b.updated_at)
            .then_with(|| a.key.cmp(&b.key))
    });
    for i in stuck.iter().take(BLOCKED_ONE_BY_ONE) {
        let days = (input.now - i.updated_at).num_days();
        out.push(Finding {
            rule: "blocked",
            severity: if days > 2 * rules.blocked_days { "high" } else { "medium" },
            title: format!("{} blocked for {days} days", i.key),
            evidence: vec![
                i.key.clone(),
                format!("blocked by {}", i.blocked_by.join(", ")),
                format!("no update for {days} days"),
            ],
            explanation: format!(
                "{} ({}) waits on {} and has not moved for {days} days (more than {}). Chase the blocker or take it out of the sprint.",
                i.key,
                i.title,
                i.blocked_by.join(", "),
                rules.blocked_days
            ),
            changes: Vec::new(),
        });
    }
    let rest: Vec<String> = stuck
        .iter()
        .skip(BLOCKED_ONE_BY_ONE)
        .map(|i| i.key.clone())
        .collect();
    if !rest.is_empty() {
        out.push(Finding {
            rule: "blocked",
            severity: "medium",
            title: format!(
                "{} more issues blocked for over {} days",
                rest.len(),
                rules.blocked_days
            ),
            explanation: format!("Also waiting on open blockers: {}.", list(&rest)),
            evidence: rest,
            changes: Vec::new(),
        });
    }
}

fn scope(input: &Input, rules: &Rules, out: &mut Vec<Finding>) {
    let Some(s) = &input.active else {
        return;
    };
    if s.committed <= 0.0 {
        return;
    }
    let pct = s.added / s.committed * 100.0;
    if pct > rules.scope_added_pct {
        out.push(Finding {
            rule: "scope",
            severity: if pct > 2.0 * rules.scope_added_pct { "high" } else { "medium" },
            title: format!("{}: scope grew {pct:.0}% since it started", s.name),
            evidence: vec![
                format!("committed {} points", s.committed),
                format!("added {} points", s.added),
            ],
            explanation: format!(
                "{} points were added to {} after it started, {pct:.0}% of the {} committed (threshold {}%). Agree what leaves the sprint.",
                s.added, s.name, s.committed, rules.scope_added_pct
            ),
            changes: Vec::new(),
        });
    }
}

fn over_capacity(input: &Input, out: &mut Vec<Finding>) {
    let Some(s) = &input.active else {
        return;
    };
    for (person, points) in &input.sprint_load {
        let (person, points) = (person.as_str(), *points);
        let Some(cap) = input.capacity.get(person).copied() else {
            continue;
        };
        if points <= cap {
            continue;
        }
        // The least urgent item not started yet is the obvious one to move.
        let candidate = input
            .issues
            .iter()
            .filter(|i| {
                i.sprint.as_deref() == Some(s.name.as_str())
                    && i.assignee.as_deref() == Some(person)
                    && i.category == "todo"
            })
            .max_by_key(|i| (i.priority_rank.unwrap_or(i64::MAX), i.key.clone()));
        let changes = candidate
            .map(|i| match &input.next {
                Some(next) => Change::MoveToSprint {
                    key: i.key.clone(),
                    from: Some(s.name.clone()),
                    to: next.clone(),
                },
                None => Change::RemoveFromSprint {
                    key: i.key.clone(),
                    from: s.name.clone(),
                },
            })
            .into_iter()
            .collect();
        out.push(Finding {
            rule: "over_capacity",
            severity: "high",
            title: format!("{person} is over capacity in {}", s.name),
            evidence: vec![format!("{person}: {points} of {cap} points")],
            explanation: format!(
                "{person} has {points} points in {} against a capacity of {cap}.{}",
                s.name,
                candidate.map_or_else(String::new, |i| format!(
                    " {} ({}, not started, lowest priority) can move {}.",
                    i.key,
                    i.title,
                    input
                        .next
                        .as_deref()
                        .map_or_else(|| "out of the sprint".to_owned(), |n| format!("to {n}"))
                ))
            ),
            changes,
        });
    }
}

fn overdue(input: &Input, out: &mut Vec<Finding>) {
    let today = input.now.date_naive().to_string();
    let mut keys: Vec<String> = input
        .issues
        .iter()
        .filter(|i| open(i) && i.due.as_deref().is_some_and(|d| d < today.as_str()))
        .map(|i| i.key.clone())
        .collect();
    if keys.is_empty() {
        return;
    }
    keys.sort();
    out.push(Finding {
        rule: "overdue",
        severity: if keys.len() > 5 { "high" } else { "medium" },
        title: format!("{} overdue issues", keys.len()),
        explanation: format!("Open issues past their due date: {}.", list(&keys)),
        evidence: keys,
        changes: Vec::new(),
    });
}

fn stale(input: &Input, rules: &Rules, out: &mut Vec<Finding>) {
    let limit = input.now - Duration::days(rules.stale_days);
    let mut keys: Vec<String> = input
        .issues
        .iter()
        .filter(|i| i.category == "in_progress" && i.updated_at < limit)
        .map(|i| i.key.clone())
        .collect();
    if keys.is_empty() {
        return;
    }
    keys.sort();
    out.push(Finding {
        rule: "stale",
        severity: "medium",
        title: format!(
            "{} issues in progress with no update for {} days",
            keys.len(),
            rules.stale_days
        ),
        explanation: format!(
            "In progress but untouched for more than {} days: {}. Are they stuck, or done?",
            rules.stale_days,
            list(&keys)
        ),
        evidence: keys,
        changes: Vec::new(),
    });
}

fn velocity(input: &Input, rules: &Rules, out: &mut Vec<Finding>) {
    let v = &input.velocity;
    if v.len() < 4 {
        return;
    }
    let (last_name, last) = &v[v.len() - 1];
    let before = &v[v.len() - 4..v.len() - 1];
    #[allow(clippy::cast_precision_loss)]
    let mean = before.iter().map(|(_, p)| p).sum::<f64>() / before.len() as f64;
    if mean <= 0.0 {
        return;
    }
    let drop = (mean - last) / mean * 100.0;
    if drop > rules.velocity_drop_pct {
        out.push(Finding {
            rule: "velocity",
            severity: "medium",
            title: format!("Velocity fell {drop:.0}% in {last_name}"),
            evidence: v.iter().map(|(n, p)| format!("{n}: {p}")).collect(),
            explanation: format!(
                "{last_name} completed {last} points against {mean:.1} on average over the 3 sprints before (threshold {}%). Plan the next sprint on the lower figure.",
                rules.velocity_drop_pct
            ),
            changes: Vec::new(),
        });
    }
}

fn finished_epics(input: &Input, out: &mut Vec<Finding>) {
    for (epic, total) in &input.finished_epics {
        let changes = input
            .done_status
            .iter()
            .map(|status| Change::SetStatus {
                key: epic.key.clone(),
                from: epic.status.clone(),
                to: status.clone(),
                to_category: "done".to_owned(),
            })
            .collect();
        out.push(Finding {
            rule: "epic_done",
            severity: "low",
            title: format!("{} is open but all {total} children are done", epic.key),
            evidence: vec![epic.key.clone(), format!("{total}/{total} children done")],
            explanation: format!(
                "{} ({}) has nothing left to do: close it.",
                epic.key, epic.title
            ),
            changes,
        });
    }
}

fn unestimated(input: &Input, out: &mut Vec<Finding>) {
    let Some(next) = &input.next else {
        return;
    };
    let mut keys: Vec<String> = input
        .issues
        .iter()
        .filter(|i| {
            open(i)
                && i.sprint.as_deref() == Some(next.as_str())
                && i.points.is_none()
                && i.issue_type != "epic"
        })
        .map(|i| i.key.clone())
        .collect();
    if keys.is_empty() {
        return;
    }
    keys.sort();
    out.push(Finding {
        rule: "unestimated",
        severity: "low",
        title: format!("{} unestimated issues in {next}", keys.len()),
        explanation: format!("Estimate before planning: {}.", list(&keys)),
        evidence: keys,
        changes: Vec::new(),
    });
}

/// Reads what the rules need: only issues some rule can be about — blocked or in an open
/// sprint (whole), overdue or stale (key and dates).
pub async fn load(
    pool: &SqlitePool,
    config: &crate::config::Config,
    now: DateTime<Utc>,
) -> Result<Input> {
    let today = now.date_naive().to_string();
    let stale = crate::domain::time::to_db(now - Duration::days(Rules::default().stale_days));
    // The reads are independent: on separate pooled connections they overlap.
    let (rows, late, blockers, history, capacity, loads) = tokio::join!(
        planning::at_risk(pool),
        planning::late_work(pool, &today, &stale),
        planning::open_blockers(pool),
        sprints_and_history(pool),
        super::planner::capacities(pool, config),
        load_and_epics(pool, now),
    );
    let mut blockers = blockers?;
    let (active, next, velocity, done_status) = history?;
    let (capacity, _) = capacity?;
    let (sprint_load, epics) = loads?;
    let mut issues: Vec<Issue> = rows?
        .into_iter()
        .map(|r| Issue {
            blocked_by: blockers.remove(&r.id).unwrap_or_default(),
            updated_at: crate::clock::parse_instant(&r.updated_at).unwrap_or(now),
            assignee: r.assignee,
            sprint: r.sprint,
            key: r.key,
            title: r.title,
            issue_type: r.issue_type,
            status: r.status,
            category: r.status_category,
            priority_rank: r.priority_rank,
            points: r.story_points,
            due: r.due_date,
            parent: None,
        })
        .collect();
    add_late(&mut issues, late?, now);
    Ok(Input {
        sprint_load: sprint_load.into_iter().collect(),
        finished_epics: epics,
        now,
        issues,
        active,
        next,
        capacity,
        velocity,
        done_status,
    })
}

/// The active sprint's scope, the next sprint, recent velocity and the usual done status.
async fn sprints_and_history(
    pool: &SqlitePool,
) -> Result<(
    Option<ActiveSprint>,
    Option<String>,
    Vec<(String, f64)>,
    Option<String>,
)> {
    let active = match sprints::active(pool).await? {
        Some((id, name, start)) => {
            let (committed, added) =
                sprints::scope_change(pool, id, &start.unwrap_or_default()).await?;
            Some(ActiveSprint {
                name,
                committed: committed.unwrap_or(0.0),
                added: added.unwrap_or(0.0),
            })
        }
        None => None,
    };
    let next = sprints::next(pool).await?;
    let velocity = sprints::velocity(pool).await?;
    let done_status = planning::done_status(pool).await?;
    Ok((active, next, velocity, done_status))
}

/// Points per person in the active sprint, and open epics whose children are all done (as
/// issues, with their number of children).
async fn load_and_epics(
    pool: &SqlitePool,
    now: DateTime<Utc>,
) -> Result<(Vec<(String, f64)>, Vec<(Issue, usize)>)> {
    let sprint_load = sprints::active_load(pool).await?;
    let epics = planning::finished_epics(pool)
        .await?
        .into_iter()
        .map(|(key, title, status, n)| {
            let epic = Issue {
                key,
                title,
                status,
                issue_type: "epic".to_owned(),
                category: "todo".to_owned(),
                updated_at: now,
                ..Issue::default()
            };
            (epic, usize::try_from(n).unwrap_or(0))
        })
        .collect();
    Ok((sprint_load, epics))
}

/// Overdue and stale issues not already read whole join the list with what their rules need.
fn add_late(issues: &mut Vec<Issue>, late: Vec<Late>, now: DateTime<Utc>) {
    let known: std::collections::HashSet<String> = issues.iter().map(|i| i.key.clone()).collect();
    issues.extend(
        late.into_iter()
            .filter(|(key, ..)| !known.contains(key))
            .map(|(key, category, due, updated)| Issue {
                updated_at: crate::clock::parse_instant(&updated).unwrap_or(now),
                key,
                category,
                due,
                ..Issue::default()
            }),
    );
}
