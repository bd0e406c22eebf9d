//! GitLab issues into the domain's records: status from state and labels, weight (or a
//! `points::N` label) as points, an iteration (or else a milestone) as the sprint, the epic as
//! the parent, assignees, labels, due date, web URL; the raw payload is kept with the issue.
//! Groups are rows of their own (remote id `group:ID`, key the full path): their epics,
//! iterations and group milestones belong to them, whichever project names them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::api::{self, Issue, IterationState, User};
use super::status::StatusMap;
use crate::domain::issue::{IssueType, Source, SprintState};
use crate::domain::records::{
    Batch, IssueRecord, MembershipRecord, PersonRecord, ProjectKind, ProjectRecord, SprintOrigin,
    SprintRecord,
};
use crate::sync::time::{parse, parse_date};

/// The project the issues belong to, as stored.
#[derive(Debug, Clone)]
pub struct ProjectInfo {
    pub remote_id: String,
    pub path: String,
    pub name: String,
    pub web_url: Option<String>,
    /// The group the project lives in (none for a user's own project).
    pub group: Option<GroupInfo>,
}

/// A group as stored: a row of its own that holds its epics, iterations and milestones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub id: u64,
    /// The full path: `acme/platform`.
    pub path: String,
    pub name: String,
    pub web_url: Option<String>,
}

impl GroupInfo {
    /// The remote id of a group's row: `group:ID` (a project's is its numeric id).
    pub fn remote_id(id: u64) -> String {
        format!("group:{id}")
    }

    pub fn from_api(g: &api::Group) -> Self {
        Self {
            id: g.id,
            name: g.name.clone().unwrap_or_else(|| g.full_path.clone()),
            path: g.full_path.clone(),
            web_url: g.web_url.clone(),
        }
    }

    /// A project's namespace, when it is a group.
    pub fn from_namespace(n: &api::Namespace) -> Option<Self> {
        if n.kind.as_deref() != Some("group") {
            return None;
        }
        let path = n.full_path.clone()?;
        Some(Self {
            id: n.id,
            name: n.name.clone().unwrap_or_else(|| path.clone()),
            path,
            web_url: n.web_url.clone(),
        })
    }

    pub fn record(&self) -> ProjectRecord {
        ProjectRecord {
            source: Source::Gitlab,
            remote_id: Self::remote_id(self.id),
            key: self.path.clone(),
            name: self.name.clone(),
            web_url: self.web_url.clone(),
            kind: ProjectKind::Group,
        }
    }
}

/// What mapping knows beyond the page: epics' keys by id (from their groups' listings) and the
/// groups by id. Without them an epic's key comes from its page's path.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub epics: HashMap<u64, String>,
    pub groups: HashMap<u64, GroupInfo>,
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
            group: p.namespace().as_ref().and_then(GroupInfo::from_namespace),
        }
    }

    pub fn record(&self) -> ProjectRecord {
        ProjectRecord {
            source: Source::Gitlab,
            remote_id: self.remote_id.clone(),
            key: self.path.clone(),
            name: self.name.clone(),
            web_url: self.web_url.clone(),
            kind: ProjectKind::Project,
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
    batch_with(
        source_name,
        project,
        issues,
        statuses,
        now,
        &Known::default(),
    )
}

/// [`batch`], with the epics and groups known so far. Sprints name the row they belong to
/// (`group:ID` for an iteration or a group milestone): the caller makes sure that row exists.
pub fn batch_with(
    source_name: &str,
    project: &ProjectInfo,
    issues: &[(Issue, String)],
    statuses: &StatusMap,
    now: DateTime<Utc>,
    known: &Known,
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
                b.people.push(person(user));
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
        record.parent_key = epic_key(issue, known);
        b.issues.push(record);
    }
    Ok(b)
}

/// The key of the issue's epic (Premium tiers): `group-path&iid`. The epic itself is stored
/// from its group's listing, once, whichever projects its children are in.
fn epic_key(issue: &Issue, known: &Known) -> Option<String> {
    let e = issue.epic.as_ref()?;
    if let Some(key) = e.id.and_then(|id| known.epics.get(&id)) {
        return Some(key.clone());
    }
    let iid = e.iid?;
    let group = e.url.as_deref().and_then(group_of_epic_url).or_else(|| {
        e.group_id
            .and_then(|g| known.groups.get(&g))
            .map(|g| g.path.clone())
    })?;
    Some(format!("{group}&{iid}"))
}

/// `/groups/acme/platform/-/epics/5` (or the full URL) → `acme/platform`.
fn group_of_epic_url(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("/groups/")?;
    let (group, _) = rest.split_once("/-/")?;
    (!group.is_empty()).then(|| group.to_owned())
}

/// A group epic (`GET /groups/:id/epics`) as an issue of type epic in its group's row.
pub fn epic_record(e: &api::GroupEpic, known: &Known) -> Result<IssueRecord, MapError> {
    let bad = |message: String| MapError { id: e.id, message };
    let created_at = parse(&e.created_at)
        .ok_or_else(|| bad(format!("created_at {:?} is not a time", e.created_at)))?;
    let updated_at = parse(&e.updated_at)
        .ok_or_else(|| bad(format!("updated_at {:?} is not a time", e.updated_at)))?;
    let key = e
        .references
        .as_ref()
        .and_then(|r| r.full.clone())
        .filter(|k| k.contains('&'))
        .or_else(|| {
            known
                .groups
                .get(&e.group_id)
                .map(|g| format!("{}&{}", g.path, e.iid))
        })
        .ok_or_else(|| bad("no reference and an unknown group".to_owned()))?;
    let closed = e.state.as_deref() == Some("closed");
    Ok(IssueRecord {
        source: Source::Gitlab,
        project_remote_id: GroupInfo::remote_id(e.group_id),
        remote_id: format!("epic:{}", e.id),
        key,
        issue_type: IssueType::Epic,
        title: e.title.clone(),
        description: e.description.clone().unwrap_or_default(),
        status: if closed {
            super::status::CLOSED
        } else {
            super::status::OPEN
        }
        .to_owned(),
        status_category: if closed {
            crate::domain::StatusCategory::Done
        } else {
            crate::domain::StatusCategory::Todo
        },
        reporter: e.author.as_ref().map(|u| u.id.to_string()),
        assignees: Vec::new(),
        labels: e.labels.clone(),
        priority: None,
        story_points: None,
        parent_key: None,
        due_date: None,
        created_at,
        updated_at,
        closed_at: e.closed_at.as_deref().and_then(parse),
        web_url: e.web_url.clone(),
        raw_json: None,
    })
}

/// A person as an issue or epic names them.
pub fn person(user: &User) -> PersonRecord {
    PersonRecord {
        remote_id: user.id.to_string(),
        username: user.handle(),
        display_name: user.name.clone().unwrap_or_else(|| user.handle()),
        capacity: None,
    }
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

/// The iteration the issue is in, else its milestone, as a sprint of the row it belongs to: an
/// iteration to its cadence's group, a milestone to its project or group (rules GL-ISS-10,
/// GL-ISS-11). Milestones are only `active` or `closed`: one not closed is active (or future,
/// before its start) whatever its dates, as GitLab shows it.
fn sprint(project: &ProjectInfo, issue: &Issue, now: DateTime<Utc>) -> Option<SprintRecord> {
    let fallback = || {
        project
            .group
            .as_ref()
            .map_or_else(|| project.remote_id.clone(), |g| GroupInfo::remote_id(g.id))
    };
    let owner;
    let (remote_id, name, start, end, state) = if let Some(it) = &issue.iteration {
        owner = it.group_id.map_or_else(fallback, GroupInfo::remote_id);
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
        owner = match (m.project_id, m.group_id) {
            (Some(p), _) => p.to_string(),
            (None, Some(g)) => GroupInfo::remote_id(g),
            (None, None) => project.remote_id.clone(),
        };
        let start = m.start_date.as_deref().and_then(parse);
        let end = m.due_date.as_deref().and_then(parse);
        let state = Some(match m.state.as_deref() {
            Some("closed") => SprintState::Closed,
            _ if start.is_some_and(|s| s > now) => SprintState::Future,
            _ => SprintState::Active,
        });
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
    // An iteration whose state is missing or unknown: its dates decide.
    let state = state.unwrap_or(match (start, end) {
        (Some(s), _) if s > now => SprintState::Future,
        (_, Some(e)) if e + chrono::Duration::days(1) <= now => SprintState::Closed,
        _ => SprintState::Active,
    });
    Some(SprintRecord {
        origin: SprintOrigin::Tracker(Source::Gitlab),
        remote_id,
        project_remote_id: Some(owner),
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
