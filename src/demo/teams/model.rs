//! The team-shaped world as plain data, shaped like the trackers hold it (not like sprintdeck
//! stores it): a GitLab instance with groups, projects, group epics, iteration cadences and
//! milestones; a Jira Cloud site with a company-managed and a team-managed project, boards and
//! their sprints; the people behind both. Web addresses are paths: whoever serves or stores the
//! world puts a host in front.

use chrono::{DateTime, NaiveDate, Utc};

/// The four steps every workflow here is made of; each tracker names them its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Todo,
    Doing,
    Review,
    Done,
}

/// One change of status: the issue moved to `to` at `at` (it starts in [`Step::Todo`] when it is
/// created, which no tracker records as a change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub at: DateTime<Utc>,
    pub to: Step,
}

/// The step an issue is in after `history`.
pub fn current(history: &[Change]) -> Step {
    history.last().map_or(Step::Todo, |c| c.to)
}

/// When the issue was last closed, if it is closed now.
pub fn closed_at(history: &[Change]) -> Option<DateTime<Utc>> {
    history.last().filter(|c| c.to == Step::Done).map(|c| c.at)
}

/// A person, once, with the accounts they have in each tracker.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// The name the person goes by.
    pub name: String,
    pub email: String,
    pub gitlab: Option<GitlabUser>,
    pub jira: Option<JiraUser>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GitlabUser {
    pub id: u64,
    pub username: String,
    /// GitLab's `name`: often typed without accents.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JiraUser {
    pub account_id: String,
    pub display_name: String,
    pub email: Email,
    pub active: bool,
    /// `atlassian`, or `app` for automation accounts.
    pub account_type: &'static str,
}

/// How Jira shows a user's e-mail: profile visibility may hide it, by leaving the key out or
/// by sending `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Email {
    Shown(String),
    Absent,
    Null,
}

/// An index into [`World::people`].
pub type PersonId = usize;

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: u64,
    pub author: PersonId,
    pub at: DateTime<Utc>,
    pub body: String,
}

// ---------------------------------------------------------------------------------------------
// GitLab

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: u64,
    pub name: String,
    /// `acme`, `acme/platform`.
    pub full_path: String,
    pub parent_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: u64,
    pub name: String,
    /// `acme/platform/infra`.
    pub full_path: String,
    pub group_id: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Epic {
    pub id: u64,
    /// Numbered per group: the key is `group_path&iid`.
    pub iid: u64,
    pub group_id: u64,
    pub title: String,
    pub description: String,
    pub author: PersonId,
    pub labels: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Iteration cadences belong to groups; every group here has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    pub id: u64,
    pub iid: u64,
    pub group_id: u64,
    pub cadence: String,
    /// `None` for cadences with automatic scheduling (GitLab leaves those untitled).
    pub title: Option<String>,
    pub start_date: NaiveDate,
    /// The last day of the iteration.
    pub due_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneOwner {
    Project(u64),
    Group(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    pub id: u64,
    pub iid: u64,
    pub owner: MilestoneOwner,
    pub title: String,
    pub start_date: NaiveDate,
    pub due_date: NaiveDate,
    pub closed: bool,
}

/// What GitLab calls the issue's type (`issue_type`); bugs are issues with a bug label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitlabKind {
    Issue,
    Task,
    Incident,
}

impl GitlabKind {
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Task => "task",
            Self::Incident => "incident",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GitlabIssue {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub kind: GitlabKind,
    pub title: String,
    pub description: String,
    /// Labels other than the workflow (status) label, which follows from `history`.
    pub labels: Vec<String>,
    pub author: PersonId,
    pub assignees: Vec<PersonId>,
    /// Premium's weight, used as story points.
    pub weight: Option<u32>,
    pub due_date: Option<NaiveDate>,
    pub epic_id: Option<u64>,
    pub iteration_id: Option<u64>,
    pub milestone_id: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Status changes, oldest first. A reopened issue goes back to the step it was closed from.
    pub history: Vec<Change>,
    pub comments: Vec<Comment>,
    /// Set on the old issue when it was moved to another project.
    pub moved_to_id: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitlabLinkType {
    Blocks,
    RelatesTo,
}

/// An issue link: `source` blocks (or relates to) `target`.
#[derive(Debug, Clone, PartialEq)]
pub struct GitlabLink {
    pub id: u64,
    pub source_issue_id: u64,
    pub target_issue_id: u64,
    pub link_type: GitlabLinkType,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gitlab {
    pub groups: Vec<Group>,
    pub projects: Vec<Project>,
    pub epics: Vec<Epic>,
    pub iterations: Vec<Iteration>,
    pub milestones: Vec<Milestone>,
    pub issues: Vec<GitlabIssue>,
    pub links: Vec<GitlabLink>,
    /// Next ids for issues created by moves.
    pub next_issue_id: u64,
}

// ---------------------------------------------------------------------------------------------
// Jira

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStyle {
    /// Company-managed ("classic"): site-wide issue types, `Sub-task`.
    CompanyManaged,
    /// Team-managed ("next-gen"): its own issue types and statuses, `Subtask`.
    TeamManaged,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JiraStatus {
    pub id: String,
    pub name: String,
    pub step: Step,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JiraIssueType {
    pub id: String,
    pub name: String,
    pub subtask: bool,
    /// -1 sub-task, 0 standard, 1 epic.
    pub hierarchy_level: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JiraProject {
    pub id: String,
    pub key: String,
    pub name: String,
    pub style: ProjectStyle,
    /// The story-point field of the project's board: company-managed boards estimate with
    /// "Story Points", team-managed ones with "Story point estimate".
    pub points_field: &'static str,
    pub statuses: Vec<JiraStatus>,
    pub issue_types: Vec<JiraIssueType>,
    /// Issue numbers handed out so far (moves take the next one).
    pub last_number: u64,
}

impl JiraProject {
    pub fn status(&self, step: Step) -> &JiraStatus {
        self.statuses
            .iter()
            .find(|s| s.step == step)
            .or_else(|| self.statuses.iter().find(|s| s.step == Step::Doing))
            .unwrap_or(&self.statuses[0])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub id: u64,
    pub name: String,
    pub project_key: String,
    pub filter_id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SprintState {
    Future,
    Active,
    Closed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JiraSprint {
    pub id: u64,
    pub board_id: u64,
    pub name: String,
    pub state: SprintState,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub complete: Option<DateTime<Utc>>,
    pub goal: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JiraType {
    Epic,
    Story,
    Task,
    Bug,
    Subtask,
}

/// An issue's time in a sprint. `left: None` means the sprint field still lists it (also after
/// the sprint closed with the issue unfinished and carried on into the next one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SprintStay {
    pub sprint_id: u64,
    pub joined: DateTime<Utc>,
    pub left: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JiraIssue {
    pub id: u64,
    /// The project it is in now (an index into `Jira::projects`).
    pub project: usize,
    pub key: String,
    /// Moves to other projects, oldest first: Jira still answers to the old keys.
    pub moves: Vec<JiraMove>,
    pub issue_type: JiraType,
    pub summary: String,
    /// Plain paragraphs; served as an ADF document.
    pub description: String,
    pub reporter: PersonId,
    pub assignee: Option<PersonId>,
    pub priority: &'static str,
    pub labels: Vec<String>,
    pub points: Option<f64>,
    /// The parent's issue id: an epic, or the story of a sub-task.
    pub parent_id: Option<u64>,
    pub due_date: Option<NaiveDate>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub history: Vec<Change>,
    pub sprints: Vec<SprintStay>,
    /// Assignee changes (noise in the changelog that a status filter must skip).
    pub reassigned: Vec<(DateTime<Utc>, Option<PersonId>, Option<PersonId>)>,
    pub comments: Vec<Comment>,
}

/// A move of an issue to another project: same id, new key.
#[derive(Debug, Clone, PartialEq)]
pub struct JiraMove {
    pub at: DateTime<Utc>,
    pub from_project: usize,
    pub from_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JiraLinkType {
    Blocks,
    Relates,
    Duplicates,
}

/// `outward` blocks (relates to, duplicates) `inward`.
#[derive(Debug, Clone, PartialEq)]
pub struct JiraLink {
    pub id: u64,
    pub link_type: JiraLinkType,
    pub outward_issue_id: u64,
    pub inward_issue_id: u64,
}

/// A Jira remote link to a GitLab issue: the dependency crosses trackers.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossLink {
    pub id: u64,
    pub jira_issue_id: u64,
    pub gitlab_issue_id: u64,
    /// Jira blocks GitLab when true, else they relate.
    pub blocks: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Jira {
    pub projects: Vec<JiraProject>,
    pub boards: Vec<Board>,
    pub sprints: Vec<JiraSprint>,
    pub issues: Vec<JiraIssue>,
    pub links: Vec<JiraLink>,
    pub remote_links: Vec<CrossLink>,
}

/// The whole world.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    /// The world's "now": every history lies before it, the active sprints around it.
    pub anchor: DateTime<Utc>,
    pub seed: u64,
    pub people: Vec<Person>,
    pub gitlab: Gitlab,
    pub jira: Jira,
}
