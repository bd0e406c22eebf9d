//! Finding things in the world and deriving what each tracker shows of them: keys, status names,
//! GitLab's resource events and Jira's changelog entries (with ids), iteration states. The
//! simulator serves these; [`super::records`] reads them to say what a sync must store.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{
    Change, Epic, Gitlab, GitlabIssue, Group, Iteration, Jira, JiraIssue, JiraProject, JiraSprint,
    JiraStatus, Milestone, MilestoneOwner, PersonId, Project, Step, World,
};

pub use super::changelog::{
    EPIC_LINK_FIELD, History, Item, SPRINT_FIELD, START_DATE_FIELD, STORY_POINT_ESTIMATE_FIELD,
    STORY_POINTS_FIELD, changelog,
};

impl Gitlab {
    pub fn group(&self, id: u64) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn project(&self, id: u64) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    /// A project by numeric id or full path (`acme/backend`), as the API accepts either.
    pub fn project_by_ref(&self, r: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.id.to_string() == r || p.full_path == r)
    }

    pub fn group_by_ref(&self, r: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.id.to_string() == r || g.full_path == r)
    }

    /// The group and its descendants.
    pub fn subtree(&self, group: u64) -> Vec<u64> {
        let mut out = vec![group];
        let mut i = 0;
        while i < out.len() {
            let parent = out[i];
            out.extend(
                self.groups
                    .iter()
                    .filter(|g| g.parent_id == Some(parent))
                    .map(|g| g.id),
            );
            i += 1;
        }
        out
    }

    pub fn issue(&self, id: u64) -> Option<&GitlabIssue> {
        self.issues.iter().find(|i| i.id == id)
    }

    pub fn issue_by_key(&self, key: &str) -> Option<&GitlabIssue> {
        let (path, iid) = key.rsplit_once('#')?;
        let project = self.projects.iter().find(|p| p.full_path == path)?;
        let iid: u64 = iid.parse().ok()?;
        self.issues
            .iter()
            .find(|i| i.project_id == project.id && i.iid == iid)
    }

    pub fn epic(&self, id: u64) -> Option<&Epic> {
        self.epics.iter().find(|e| e.id == id)
    }

    pub fn iteration(&self, id: u64) -> Option<&Iteration> {
        self.iterations.iter().find(|i| i.id == id)
    }

    pub fn milestone(&self, id: u64) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.id == id)
    }

    /// `acme/backend#12`.
    pub fn key(&self, issue: &GitlabIssue) -> String {
        let path = self
            .project(issue.project_id)
            .map_or("", |p| p.full_path.as_str());
        format!("{path}#{}", issue.iid)
    }

    /// `acme&29`: an epic is named by its group's full path.
    pub fn epic_key(&self, epic: &Epic) -> String {
        let path = self
            .group(epic.group_id)
            .map_or("", |g| g.full_path.as_str());
        format!("{path}&{}", epic.iid)
    }

    /// The path of the issue's web page (`/acme/backend/-/issues/12`).
    pub fn issue_path(&self, issue: &GitlabIssue) -> String {
        let path = self
            .project(issue.project_id)
            .map_or("", |p| p.full_path.as_str());
        format!("/{path}/-/issues/{}", issue.iid)
    }

    pub fn epic_path(&self, epic: &Epic) -> String {
        let path = self
            .group(epic.group_id)
            .map_or("", |g| g.full_path.as_str());
        format!("/groups/{path}/-/epics/{}", epic.iid)
    }

    /// Where a milestone lives in web paths: `acme/backend` or `groups/acme`.
    pub fn milestone_owner_path(&self, m: &Milestone) -> String {
        match m.owner {
            MilestoneOwner::Project(p) => self
                .project(p)
                .map_or_else(String::new, |p| p.full_path.clone()),
            MilestoneOwner::Group(g) => self
                .group(g)
                .map_or_else(String::new, |g| format!("groups/{}", g.full_path)),
        }
    }
}

/// GitLab's status for a step: open issues take their workflow label, closed ones are closed.
pub fn gitlab_status(step: Step) -> &'static str {
    match step {
        Step::Todo => "Open",
        Step::Doing => "workflow::doing",
        Step::Review => "workflow::review",
        Step::Done => "Closed",
    }
}

/// The workflow label an issue carries after `history` (kept while it is closed).
pub fn workflow_label(history: &[Change]) -> Option<&'static str> {
    let mut label = None;
    for c in history {
        match c.to {
            Step::Todo => label = None,
            Step::Doing => label = Some("workflow::doing"),
            Step::Review => label = Some("workflow::review"),
            Step::Done => {}
        }
    }
    label
}

/// An iteration's state on `today`: 1 upcoming, 2 current, 3 closed (GitLab's integer codes).
pub fn iteration_state(it: &Iteration, today: NaiveDate) -> u8 {
    if it.due_date < today {
        3
    } else if it.start_date > today {
        1
    } else {
        2
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateEvent {
    pub id: u64,
    pub at: DateTime<Utc>,
    /// `closed` or `reopened`.
    pub state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelEvent {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub label: String,
    pub add: bool,
}

/// What GitLab records of an issue's history, and for each status change the event that made
/// it (`state:ID` or `label:ID`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitlabEvents {
    pub states: Vec<StateEvent>,
    pub labels: Vec<LabelEvent>,
    pub causes: Vec<String>,
}

/// Resource events of an issue: its other labels added when it was created, then per status
/// change a state event (close, reopen) or the new workflow label added and the old one removed
/// at the same instant (added first, as GitLab inserts them).
pub fn gitlab_events(issue: &GitlabIssue) -> GitlabEvents {
    let mut out = GitlabEvents::default();
    let mut next = issue.id * 1000;
    let mut id = || {
        next += 1;
        next
    };
    for label in &issue.labels {
        out.labels.push(LabelEvent {
            id: id(),
            at: issue.created_at,
            label: label.clone(),
            add: true,
        });
    }
    let mut prev = Step::Todo;
    let mut label: Option<&'static str> = None;
    for c in &issue.history {
        let cause = if c.to == Step::Done {
            let e = id();
            out.states.push(StateEvent {
                id: e,
                at: c.at,
                state: "closed",
            });
            format!("state:{e}")
        } else if prev == Step::Done {
            let e = id();
            out.states.push(StateEvent {
                id: e,
                at: c.at,
                state: "reopened",
            });
            format!("state:{e}")
        } else {
            let wanted = match c.to {
                Step::Doing => Some("workflow::doing"),
                Step::Review => Some("workflow::review"),
                _ => None,
            };
            let mut cause = String::new();
            if let Some(w) = wanted {
                let e = id();
                out.labels.push(LabelEvent {
                    id: e,
                    at: c.at,
                    label: w.to_owned(),
                    add: true,
                });
                cause = format!("label:{e}");
            }
            if let Some(old) = label {
                let e = id();
                out.labels.push(LabelEvent {
                    id: e,
                    at: c.at,
                    label: old.to_owned(),
                    add: false,
                });
                if cause.is_empty() {
                    cause = format!("label:{e}");
                }
            }
            label = wanted;
            cause
        };
        out.causes.push(cause);
        prev = c.to;
    }
    out
}

impl Jira {
    pub fn issue(&self, id: u64) -> Option<&JiraIssue> {
        self.issues.iter().find(|i| i.id == id)
    }

    /// By id, current key, or a key it had before a move (Jira follows moved issues).
    pub fn issue_by_ref(&self, r: &str) -> Option<&JiraIssue> {
        if let Ok(id) = r.parse::<u64>() {
            return self.issue(id);
        }
        let upper = r.to_ascii_uppercase();
        self.issues.iter().find(|i| i.key == upper).or_else(|| {
            self.issues
                .iter()
                .find(|i| i.moves.iter().any(|m| m.from_key == upper))
        })
    }

    pub fn project_by_ref(&self, r: &str) -> Option<&JiraProject> {
        self.projects
            .iter()
            .find(|p| p.id == r || p.key.eq_ignore_ascii_case(r))
    }

    pub fn sprint(&self, id: u64) -> Option<&JiraSprint> {
        self.sprints.iter().find(|s| s.id == id)
    }

    /// The project the issue was in at `at` (before or after its moves).
    pub fn project_at(&self, issue: &JiraIssue, at: DateTime<Utc>) -> &JiraProject {
        let index = issue
            .moves
            .iter()
            .find(|m| at < m.at)
            .map_or(issue.project, |m| m.from_project);
        &self.projects[index]
    }

    pub fn status_at(&self, issue: &JiraIssue, step: Step, at: DateTime<Utc>) -> &JiraStatus {
        self.project_at(issue, at).status(step)
    }

    /// The issue's status now.
    pub fn status(&self, issue: &JiraIssue) -> &JiraStatus {
        self.projects[issue.project].status(super::model::current(&issue.history))
    }
}

impl World {
    pub fn person_name_in_jira(&self, p: PersonId) -> Option<(&str, &str)> {
        let u = self.people.get(p)?.jira.as_ref()?;
        Some((u.account_id.as_str(), u.display_name.as_str()))
    }
}
