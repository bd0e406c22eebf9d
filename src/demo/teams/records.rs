//! What a correct sync stores for the world, one [`Batch`] per source, worked out from the
//! world itself (not through the sync's mapping): the demo writes it, and round-trip tests
//! compare a synced store with it.
//!
//! The shape, where today's sync differs (issue 17): a GitLab group is a project row of its own
//! (remote id `group:ID`, key its full path) holding the group's epics, each epic once (key
//! `group&iid`, absolute web URL), whatever projects its children are in; iterations belong to
//! their group's row, milestones to their project's (or group's). Issues are the ones a first
//! sync fetches: open ones, and closed ones updated within the closed window. Cross-tracker
//! remote links are not stored (sync does not read Jira remote links).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::lookup::{self, gitlab_status};
use super::model::{
    self, Epic, GitlabIssue, GitlabKind, GitlabLinkType, JiraIssue, JiraLinkType, JiraType,
    MilestoneOwner, Step, World,
};
use super::{GITLAB_SOURCE, JIRA_SOURCE};
use crate::domain::StatusCategory;
use crate::domain::issue::{EventSource, IssueType, LinkKind, Source, SprintState};
use crate::domain::records::{
    Batch, IssueRecord, LinkRecord, MembershipRecord, PersonRecord, ProjectKind, ProjectRecord,
    SprintOrigin, SprintRecord, StatusEventRecord,
};

/// Where the trackers are and when the sync looks.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub gitlab_url: &'a str,
    pub jira_url: &'a str,
    pub now: DateTime<Utc>,
    pub closed_window_days: u32,
}

impl Target<'_> {
    fn window(&self) -> DateTime<Utc> {
        self.now - Duration::days(i64::from(self.closed_window_days))
    }
}

pub fn category(step: Step) -> StatusCategory {
    match step {
        Step::Todo => StatusCategory::Todo,
        Step::Doing | Step::Review => StatusCategory::InProgress,
        Step::Done => StatusCategory::Done,
    }
}

/// Whether a first sync fetches an issue: open, or touched within the closed window.
fn fetched(step: Step, updated: DateTime<Utc>, t: &Target) -> bool {
    step != Step::Done || updated >= t.window()
}

/// The GitLab issues a sync stores (moved-away originals included: GitLab still lists them,
/// closed).
pub fn gitlab_issues<'w>(world: &'w World, t: &Target) -> Vec<&'w GitlabIssue> {
    world
        .gitlab
        .issues
        .iter()
        .filter(|i| fetched(model::current(&i.history), i.updated_at, t))
        .collect()
}

pub fn jira_issues<'w>(world: &'w World, t: &Target) -> Vec<&'w JiraIssue> {
    world
        .jira
        .issues
        .iter()
        .filter(|i| fetched(model::current(&i.history), i.updated, t))
        .collect()
}

fn date_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

pub fn gitlab_type(issue: &GitlabIssue) -> IssueType {
    match issue.kind {
        GitlabKind::Task => IssueType::Task,
        GitlabKind::Incident => IssueType::Bug,
        GitlabKind::Issue if issue.labels.iter().any(|l| l == "type::bug") => IssueType::Bug,
        GitlabKind::Issue => IssueType::Story,
    }
}

/// Every label GitLab shows on the issue: its own and the workflow label.
pub fn gitlab_labels(issue: &GitlabIssue) -> Vec<String> {
    let mut labels = issue.labels.clone();
    if let Some(w) = lookup::workflow_label(&issue.history) {
        labels.push(w.to_owned());
    }
    labels.sort();
    labels
}

fn gitlab_person(world: &World, p: usize) -> Option<PersonRecord> {
    let u = world.people.get(p)?.gitlab.as_ref()?;
    Some(PersonRecord {
        remote_id: u.id.to_string(),
        username: u.username.clone(),
        display_name: u.name.clone(),
        capacity: None,
    })
}

pub fn gitlab_group_row(world: &World, group: u64, url: &str) -> Option<ProjectRecord> {
    let g = world.gitlab.group(group)?;
    Some(ProjectRecord {
        source: Source::Gitlab,
        remote_id: format!("group:{}", g.id),
        key: g.full_path.clone(),
        name: g.name.clone(),
        web_url: Some(format!("{url}/groups/{}", g.full_path)),
        kind: ProjectKind::Group,
    })
}

pub fn epic_record(world: &World, e: &Epic, url: &str) -> IssueRecord {
    let gl = &world.gitlab;
    IssueRecord {
        source: Source::Gitlab,
        project_remote_id: format!("group:{}", e.group_id),
        remote_id: format!("epic:{}", e.id),
        key: gl.epic_key(e),
        issue_type: IssueType::Epic,
        title: e.title.clone(),
        description: e.description.clone(),
        status: if e.closed_at.is_some() {
            "Closed"
        } else {
            "Open"
        }
        .to_owned(),
        status_category: if e.closed_at.is_some() {
            StatusCategory::Done
        } else {
            StatusCategory::Todo
        },
        reporter: world.people[e.author]
            .gitlab
            .as_ref()
            .map(|u| u.id.to_string()),
        assignees: Vec::new(),
        labels: e.labels.clone(),
        priority: None,
        story_points: None,
        parent_key: None,
        due_date: None,
        created_at: e.created_at,
        updated_at: e.updated_at,
        closed_at: e.closed_at,
        web_url: Some(format!("{url}{}", gl.epic_path(e))),
        raw_json: None,
    }
}

/// The GitLab source's batch: the groups (epics' home) and projects, people, sprints, issues
/// with their memberships, status events and links.
pub fn gitlab(world: &World, t: &Target) -> Batch {
    let gl = &world.gitlab;
    let url = t.gitlab_url.trim_end_matches('/');
    let mut b = Batch {
        source_name: GITLAB_SOURCE.to_owned(),
        ..Batch::default()
    };
    for g in &gl.groups {
        b.projects.extend(gitlab_group_row(world, g.id, url));
    }
    for p in &gl.projects {
        b.projects.push(ProjectRecord {
            source: Source::Gitlab,
            remote_id: p.id.to_string(),
            key: p.full_path.clone(),
            name: p.name.clone(),
            web_url: Some(format!("{url}/{}", p.full_path)),
            kind: ProjectKind::Project,
        });
    }
    let issues = gitlab_issues(world, t);
    let mut people: BTreeSet<usize> = BTreeSet::new();
    let mut sprints: BTreeSet<(bool, u64)> = BTreeSet::new();
    let epic_keys: HashMap<u64, String> = gl.epics.iter().map(|e| (e.id, gl.epic_key(e))).collect();
    for e in &gl.epics {
        people.insert(e.author);
        b.issues.push(epic_record(world, e, url));
    }
    for i in &issues {
        people.insert(i.author);
        people.extend(i.assignees.iter().copied());
        let key = gl.key(i);
        if let Some(it) = i.iteration_id {
            sprints.insert((true, it));
        } else if let Some(m) = i.milestone_id {
            sprints.insert((false, m));
        }
        let sprint = i
            .iteration_id
            .map(|id| format!("iteration:{id}"))
            .or_else(|| i.milestone_id.map(|id| format!("milestone:{id}")));
        if let Some(sprint) = sprint {
            // GitLab does not say when an issue joined: its creation is the earliest it can have.
            b.memberships.push(MembershipRecord {
                sprint_remote_id: sprint,
                issue_key: key.clone(),
                added_at: i.created_at,
                removed_at: None,
            });
        }
        b.events.extend(gitlab_events(i, &key));
        let epic = i.epic_id.and_then(|e| epic_keys.get(&e)).cloned();
        b.issues.push(gitlab_issue(world, i, key, epic, url));
    }
    b.people = people
        .into_iter()
        .filter_map(|p| gitlab_person(world, p))
        .collect();
    for (iteration, id) in sprints {
        b.sprints.extend(gitlab_sprint(world, iteration, id, t.now));
    }
    let here: HashMap<u64, &GitlabIssue> = issues.iter().map(|i| (i.id, *i)).collect();
    for l in &gl.links {
        let (Some(a), Some(z)) = (here.get(&l.source_issue_id), here.get(&l.target_issue_id))
        else {
            continue;
        };
        b.links.push(LinkRecord {
            from_key: gl.key(a),
            to_key: gl.key(z),
            kind: match l.link_type {
                GitlabLinkType::Blocks => LinkKind::Blocks,
                GitlabLinkType::RelatesTo => LinkKind::Relates,
            },
        });
    }
    b
}

/// The status events a sync reads from GitLab's resource events for the issue.
fn gitlab_events(i: &GitlabIssue, key: &str) -> Vec<StatusEventRecord> {
    let mut out = Vec::with_capacity(i.history.len());
    let events = lookup::gitlab_events(i);
    let mut prev = Step::Todo;
    for (c, cause) in i.history.iter().zip(events.causes) {
        out.push(StatusEventRecord {
            issue_key: key.to_owned(),
            from_status: Some(gitlab_status(prev).to_owned()),
            to_status: gitlab_status(c.to).to_owned(),
            from_category: Some(category(prev)),
            to_category: category(c.to),
            at: c.at,
            source: EventSource::Poll,
            remote_id: Some(cause),
        });
        prev = c.to;
    }
    out
}

fn gitlab_issue(
    world: &World,
    i: &GitlabIssue,
    key: String,
    epic_key: Option<String>,
    url: &str,
) -> IssueRecord {
    let gl = &world.gitlab;
    let step = model::current(&i.history);
    let labels = gitlab_labels(i);
    IssueRecord {
        source: Source::Gitlab,
        project_remote_id: i.project_id.to_string(),
        remote_id: i.id.to_string(),
        key,
        issue_type: gitlab_type(i),
        title: i.title.clone(),
        description: i.description.clone(),
        status: gitlab_status(step).to_owned(),
        status_category: category(step),
        reporter: gitlab_person(world, i.author).map(|p| p.remote_id),
        assignees: i
            .assignees
            .iter()
            .filter_map(|p| gitlab_person(world, *p).map(|p| p.remote_id))
            .collect(),
        priority: labels
            .iter()
            .find_map(|l| l.strip_prefix("priority::"))
            .map(str::to_owned),
        labels,
        story_points: i.weight.map(f64::from),
        parent_key: epic_key,
        due_date: i.due_date,
        created_at: i.created_at,
        updated_at: i.updated_at,
        closed_at: model::closed_at(&i.history),
        web_url: Some(format!("{url}{}", gl.issue_path(i))),
        raw_json: None,
    }
}

/// An iteration or milestone as the sprint it is: it belongs to its group's (or project's)
/// row; the end is the close of its last day.
pub fn gitlab_sprint(
    world: &World,
    iteration: bool,
    id: u64,
    now: DateTime<Utc>,
) -> Option<SprintRecord> {
    let gl = &world.gitlab;
    let today = now.date_naive();
    let (remote_id, owner, name, start, due, state) = if iteration {
        let it = gl.iteration(id)?;
        let state = match lookup::iteration_state(it, today) {
            1 => SprintState::Future,
            2 => SprintState::Active,
            _ => SprintState::Closed,
        };
        (
            format!("iteration:{id}"),
            format!("group:{}", it.group_id),
            // An untitled (automatically scheduled) iteration is named by its number.
            it.title
                .clone()
                .unwrap_or_else(|| format!("Iteration {}", it.iid)),
            it.start_date,
            it.due_date,
            state,
        )
    } else {
        let m = gl.milestone(id)?;
        let state = if m.closed {
            SprintState::Closed
        } else if m.start_date > today {
            SprintState::Future
        } else {
            SprintState::Active
        };
        let owner = match m.owner {
            MilestoneOwner::Project(p) => p.to_string(),
            MilestoneOwner::Group(g) => format!("group:{g}"),
        };
        (
            format!("milestone:{id}"),
            owner,
            m.title.clone(),
            m.start_date,
            m.due_date,
            state,
        )
    };
    Some(SprintRecord {
        origin: SprintOrigin::Tracker(Source::Gitlab),
        remote_id,
        project_remote_id: Some(owner),
        name,
        state,
        start_at: Some(date_start(start)),
        end_at: Some(date_start(due) + Duration::days(1)),
        completed_at: None,
        goal: None,
        capacity: None,
    })
}

pub fn jira_type(t: JiraType) -> IssueType {
    match t {
        JiraType::Epic => IssueType::Epic,
        JiraType::Story => IssueType::Story,
        JiraType::Bug => IssueType::Bug,
        JiraType::Task | JiraType::Subtask => IssueType::Task,
    }
}

fn jira_person(world: &World, p: usize) -> Option<PersonRecord> {
    let u = world.people.get(p)?.jira.as_ref()?;
    Some(PersonRecord {
        remote_id: u.account_id.clone(),
        // Cloud has no user names: the display name stands in.
        username: u.display_name.clone(),
        display_name: u.display_name.clone(),
        capacity: None,
    })
}

pub fn jira_sprint_state(s: model::SprintState) -> SprintState {
    match s {
        model::SprintState::Future => SprintState::Future,
        model::SprintState::Active => SprintState::Active,
        model::SprintState::Closed => SprintState::Closed,
    }
}

/// The Jira source's batch: projects, people, the boards' sprints, issues with their sprint
/// stays (joined and left times from the changelog), status events and links.
pub fn jira(world: &World, t: &Target) -> Batch {
    let jr = &world.jira;
    let url = t.jira_url.trim_end_matches('/');
    let mut b = Batch {
        source_name: JIRA_SOURCE.to_owned(),
        ..Batch::default()
    };
    for p in &jr.projects {
        b.projects.push(ProjectRecord {
            source: Source::Jira,
            remote_id: p.id.clone(),
            key: p.key.clone(),
            name: p.name.clone(),
            web_url: None,
            kind: ProjectKind::Project,
        });
    }
    for s in &jr.sprints {
        b.sprints.push(SprintRecord {
            origin: SprintOrigin::Tracker(Source::Jira),
            remote_id: s.id.to_string(),
            project_remote_id: None,
            name: s.name.clone(),
            state: jira_sprint_state(s.state),
            start_at: s.start,
            end_at: s.end,
            completed_at: s.complete,
            goal: (!s.goal.is_empty()).then(|| s.goal.clone()),
            capacity: None,
        });
    }
    let issues = jira_issues(world, t);
    let keys: HashMap<u64, &str> = jr.issues.iter().map(|i| (i.id, i.key.as_str())).collect();
    let mut people: BTreeSet<usize> = BTreeSet::new();
    for i in &issues {
        people.insert(i.reporter);
        people.extend(i.assignee);
        for s in &i.sprints {
            b.memberships.push(MembershipRecord {
                sprint_remote_id: s.sprint_id.to_string(),
                issue_key: i.key.clone(),
                added_at: s.joined,
                removed_at: s.left,
            });
        }
        b.events.extend(jira_events(world, i));
        let parent = i
            .parent_id
            .and_then(|p| keys.get(&p))
            .map(|k| (*k).to_owned());
        b.issues.push(jira_issue(world, i, parent, url));
    }
    b.people = people
        .into_iter()
        .filter_map(|p| jira_person(world, p))
        .collect();
    let here: HashMap<u64, &JiraIssue> = issues.iter().map(|i| (i.id, *i)).collect();
    for l in &jr.links {
        let (Some(a), Some(z)) = (here.get(&l.outward_issue_id), here.get(&l.inward_issue_id))
        else {
            continue;
        };
        b.links.push(LinkRecord {
            from_key: a.key.clone(),
            to_key: z.key.clone(),
            kind: match l.link_type {
                JiraLinkType::Blocks => LinkKind::Blocks,
                JiraLinkType::Relates | JiraLinkType::Duplicates => LinkKind::Relates,
            },
        });
    }
    b
}

/// The status events a sync reads from the issue's changelog.
fn jira_events(world: &World, i: &JiraIssue) -> Vec<StatusEventRecord> {
    let jr = &world.jira;
    let mut out = Vec::with_capacity(i.history.len());
    let histories = lookup::changelog(world, i);
    let mut prev = Step::Todo;
    let mut statuses = histories.iter().filter_map(|h| {
        let n = h.items.iter().position(|it| it.field == "status")?;
        Some(format!("changelog:{}:{n}", h.id))
    });
    for c in &i.history {
        let (from, to) = (
            jr.status_at(i, prev, c.at - Duration::seconds(1)),
            jr.status_at(i, c.to, c.at),
        );
        out.push(StatusEventRecord {
            issue_key: i.key.clone(),
            from_status: Some(from.name.clone()),
            to_status: to.name.clone(),
            from_category: Some(category(prev)),
            to_category: category(c.to),
            at: c.at,
            source: EventSource::Poll,
            remote_id: statuses.next(),
        });
        prev = c.to;
    }
    out
}

fn jira_issue(world: &World, i: &JiraIssue, parent_key: Option<String>, url: &str) -> IssueRecord {
    let jr = &world.jira;
    let status = jr.status(i);
    IssueRecord {
        source: Source::Jira,
        project_remote_id: jr.projects[i.project].id.clone(),
        remote_id: i.id.to_string(),
        key: i.key.clone(),
        issue_type: jira_type(i.issue_type),
        title: i.summary.clone(),
        description: i.description.clone(),
        status: status.name.clone(),
        status_category: category(status.step),
        reporter: jira_person(world, i.reporter).map(|p| p.remote_id),
        assignees: i
            .assignee
            .and_then(|p| jira_person(world, p))
            .map(|p| p.remote_id)
            .into_iter()
            .collect(),
        labels: i.labels.clone(),
        priority: Some(i.priority.to_owned()),
        story_points: i.points,
        parent_key,
        due_date: i.due_date,
        created_at: i.created,
        updated_at: i.updated,
        closed_at: model::closed_at(&i.history),
        web_url: Some(format!("{url}/browse/{}", i.key)),
        raw_json: None,
    }
}
