//! GitLab issues into the domain's records: status from state and labels, weight (or a
//! `points::N` label) as points, an iteration (or else a milestone) as the sprint, assignees,
//! labels, due date, web URL; the raw payload is kept with the issue.

use chrono::{DateTime, Utc};

use super::api::{self, Issue, IterationState};
use super::status::StatusMap;
use crate::domain::issue::{IssueType, Source, SprintState};
use crate::domain::records::{
    Batch, IssueRecord, MembershipRecord, PersonRecord, ProjectRecord, SprintOrigin, SprintRecord,
};
use crate::sync::time::{parse, parse_date};

/// The project the issues belong to, as stored.
#[derive(Debug, Clone)]
pub struct ProjectInfo {
    pub remote_id: String,
    pub path: String,
    pub name: String,
    pub web_url: Option<String>,
}

impl ProjectInfo {
    pub fn from_api(p: &api::Project) -> Self {
        let path = p
            .path_with_namespace
            .clone()
            .unwrap_or_else(|| p.id.to_string());
        Self {
            remote_id: p.id.to_string(),
            name: p.name.clone().unwrap_or_else(|| path.clone()),
            path,
            web_url: p.web_url.clone(),
        }
    }

    pub fn record(&self) -> ProjectRecord {
        ProjectRecord {
            source: Source::Gitlab,
            remote_id: self.remote_id.clone(),
            key: self.path.clone(),
            name: self.name.clone(),
            web_url: self.web_url.clone(),
        }
    }
}

/// The key an issue is known by: `group/project#12`.
pub fn key(project: &ProjectInfo, issue: &Issue) -> String {
    issue
        .references
        .as_ref()
        .and_then(|r| r.full.clone())
        .filter(|k| k.contains('#'))
        .unwrap_or_else(|| format!("{}#{}", project.path, issue.number()))
}

#[derive(Debug, thiserror::Error)]
#[error("issue {id}: {message}")]
pub struct MapError {
    pub id: u64,
    pub message: String,
}

/// One page of issues (each with its raw JSON) as a batch for the store.
pub fn batch(
    source_name: &str,
    project: &ProjectInfo,
    issues: &[(Issue, String)],
    statuses: &StatusMap,
    now: DateTime<Utc>,
) -> Result<Batch, MapError> {
    let mut b = Batch {
        source_name: source_name.to_owned(),
        observed_at: Some(now),
        projects: vec![project.record()],
        ..Batch::default()
    };
    for (issue, raw) in issues {
        let record = issue_record(project, issue, raw, statuses)?;
        for user in issue
            .assignees
            .iter()
            .chain(issue.assignee.iter())
            .chain(issue.author.iter())
        {
            if !b.people.iter().any(|p| p.remote_id == user.id.to_string()) {
                b.people.push(PersonRecord {
                    remote_id: user.id.to_string(),
                    username: user.handle(),
                    display_name: user.name.clone().unwrap_or_else(|| user.handle()),
                    capacity: None,
                });
            }
        }
        if let Some(sprint) = sprint(project, issue, now) {
            b.memberships.push(MembershipRecord {
                sprint_remote_id: sprint.remote_id.clone(),
                issue_key: record.key.clone(),
                // GitLab does not say when the issue joined; its creation is the earliest it can
                // have been.
                added_at: record.created_at,
                removed_at: None,
            });
            if !b.sprints.iter().any(|s| s.remote_id == sprint.remote_id) {
                b.sprints.push(sprint);
            }
        }
        let mut record = record;
        if let Some(epic) = epic(project, issue, &record) {
            record.parent_key = Some(epic.key.clone());
            if !b.issues.iter().any(|i| i.key == epic.key) {
                b.issues.push(epic);
            }
        }
        b.issues.push(record);
    }
    Ok(b)
}

/// The issue's epic (Premium tiers), as a parent of type epic. GitLab names epics `group&5`; the
/// epic is taken to live in the project's group. Its own state is not in the issue: "Open".
fn epic(project: &ProjectInfo, issue: &Issue, child: &IssueRecord) -> Option<IssueRecord> {
    let e = issue.epic.as_ref()?;
    let iid = e.iid.or(e.id)?;
    let group = project
        .path
        .rsplit_once('/')
        .map_or(project.path.as_str(), |(g, _)| g);
    Some(IssueRecord {
        source: Source::Gitlab,
        project_remote_id: project.remote_id.clone(),
        remote_id: format!("epic:{}", e.id.unwrap_or(iid)),
        key: format!("{group}&{iid}"),
        issue_type: IssueType::Epic,
        title: e.title.clone().unwrap_or_else(|| format!("Epic {iid}")),
        description: String::new(),
        status: super::status::OPEN.to_owned(),
        status_category: crate::domain::StatusCategory::Todo,
        reporter: None,
        assignees: Vec::new(),
        labels: Vec::new(),
        priority: None,
        story_points: None,
        parent_key: None,
        due_date: None,
        created_at: child.created_at,
        updated_at: child.created_at,
        closed_at: None,
        web_url: e.url.clone(),
        raw_json: None,
    })
}

fn issue_record(
    project: &ProjectInfo,
    issue: &Issue,
    raw: &str,
    statuses: &StatusMap,
) -> Result<IssueRecord, MapError> {
    let bad = |message: String| MapError {
        id: issue.id,
        message,
    };
    let created_at = parse(&issue.created_at)
        .ok_or_else(|| bad(format!("created_at {:?} is not a time", issue.created_at)))?;
    let updated_at = parse(&issue.updated_at)
        .ok_or_else(|| bad(format!("updated_at {:?} is not a time", issue.updated_at)))?;
    let (status, status_category) = statuses.status(issue.is_closed(), &issue.labels);
    let mut assignees: Vec<String> = issue.assignees.iter().map(|u| u.id.to_string()).collect();
    if assignees.is_empty() {
        assignees.extend(issue.assignee.iter().map(|u| u.id.to_string()));
    }
    Ok(IssueRecord {
        source: Source::Gitlab,
        project_remote_id: project.remote_id.clone(),
        remote_id: issue.id.to_string(),
        key: key(project, issue),
        issue_type: issue_type(issue),
        title: issue.title.clone(),
        description: issue.description.clone().unwrap_or_default(),
        status,
        status_category,
        reporter: issue.author.as_ref().map(|u| u.id.to_string()),
        assignees,
        labels: issue.labels.clone(),
        priority: priority(&issue.labels),
        story_points: issue.weight.or_else(|| points_label(&issue.labels)),
        parent_key: None,
        due_date: issue.due_date.as_deref().and_then(parse_date),
        created_at,
        updated_at,
        closed_at: issue.closed_at.as_deref().and_then(parse),
        web_url: issue.web_url.clone(),
        raw_json: Some(raw.to_owned()),
    })
}

fn issue_type(issue: &Issue) -> IssueType {
    let labelled = |names: &[&str]| {
        issue
            .labels
            .iter()
            .any(|l| names.iter().any(|n| l.eq_ignore_ascii_case(n)))
    };
    match issue.issue_type.as_deref() {
        Some("incident") => IssueType::Bug,
        Some("task") => IssueType::Task,
        _ if labelled(&["bug", "type::bug", "kind::bug"]) => IssueType::Bug,
        _ if labelled(&["task", "type::task"]) => IssueType::Task,
        _ => IssueType::Story,
    }
}

/// `points::5` (or `story points::5`) when the tier has no weight.
fn points_label(labels: &[String]) -> Option<f64> {
    labels.iter().find_map(|l| {
        let lower = l.to_lowercase();
        let value = lower
            .strip_prefix("points::")
            .or_else(|| lower.strip_prefix("story points::"))?;
        value.trim().parse().ok()
    })
}

/// `priority::high` or `P1`-style labels.
fn priority(labels: &[String]) -> Option<String> {
    labels.iter().find_map(|l| {
        let lower = l.to_lowercase();
        let value = lower.strip_prefix("priority::").unwrap_or(&lower);
        crate::domain::issue::priority_rank(value).map(|_| value.to_owned())
    })
}

/// The iteration the issue is in, else its milestone, as a sprint.
fn sprint(project: &ProjectInfo, issue: &Issue, now: DateTime<Utc>) -> Option<SprintRecord> {
    let (remote_id, name, start, end, state) = if let Some(it) = &issue.iteration {
        let start = it.start_date.as_deref().and_then(parse);
        let end = it.due_date.as_deref().and_then(parse);
        let state = match &it.state {
            Some(IterationState::Code(1)) => Some(SprintState::Future),
            Some(IterationState::Code(2)) => Some(SprintState::Active),
            Some(IterationState::Code(_)) => Some(SprintState::Closed),
            Some(IterationState::Name(n)) => match n.as_str() {
                "upcoming" | "opened" => Some(SprintState::Future),
                "current" | "started" => Some(SprintState::Active),
                "closed" => Some(SprintState::Closed),
                _ => None,
            },
            None => None,
        };
        let name = it
            .title
            .clone()
            .or_else(|| it.iid.map(|n| format!("Iteration {n}")))
            .unwrap_or_else(|| format!("Iteration {}", it.id));
        (format!("iteration:{}", it.id), name, start, end, state)
    } else {
        let m = issue.milestone.as_ref()?;
        let start = m.start_date.as_deref().and_then(parse);
        let end = m.due_date.as_deref().and_then(parse);
        let state = (m.state.as_deref() == Some("closed")).then_some(SprintState::Closed);
        (
            format!("milestone:{}", m.id),
            m.title.clone(),
            start,
            end,
            state,
        )
    };
    // A due date before the start (it happens) is no end at all.
    let end = end.filter(|e| start.is_none_or(|s| *e >= s));
    // Without a state from GitLab (milestones are only active or closed), the dates decide.
    let state = state.unwrap_or(match (start, end) {
        (Some(s), _) if s > now => SprintState::Future,
        (_, Some(e)) if e + chrono::Duration::days(1) <= now => SprintState::Closed,
        _ => SprintState::Active,
    });
    Some(SprintRecord {
        origin: SprintOrigin::Tracker(Source::Gitlab),
        remote_id,
        project_remote_id: Some(project.remote_id.clone()),
        name,
        state,
        start_at: start,
        // A due date is the last day of the sprint: it ends at the close of that day.
        end_at: end.map(|e| e + chrono::Duration::days(1)),
        completed_at: None,
        goal: None,
        capacity: None,
    })
}
