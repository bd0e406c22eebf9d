//! What a tracker (or the demo generator) hands to the store: records that refer to each other
//! by remote ids and keys, never by database ids, so producers need no database access.

use chrono::{DateTime, NaiveDate, Utc};

use super::issue::{EventSource, IssueType, LinkKind, Source, SprintState, StatusCategory};

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    pub source: Source,
    pub remote_id: String,
    pub key: String,
    pub name: String,
    pub web_url: Option<String>,
    pub kind: ProjectKind,
}

/// A project holds issues; a group (GitLab) holds what its projects share: epics, iterations,
/// group milestones. Both are rows of `projects`; lists and counts of projects leave groups out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProjectKind {
    #[default]
    Project,
    Group,
}

impl ProjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Group => "group",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub remote_id: String,
    pub username: String,
    pub display_name: String,
    pub capacity: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssueRecord {
    pub source: Source,
    pub project_remote_id: String,
    pub remote_id: String,
    pub key: String,
    pub issue_type: IssueType,
    pub title: String,
    pub description: String,
    pub status: String,
    pub status_category: StatusCategory,
    /// Remote ids of people.
    pub reporter: Option<String>,
    pub assignees: Vec<String>,
    pub labels: Vec<String>,
    pub priority: Option<String>,
    pub story_points: Option<f64>,
    pub parent_key: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub web_url: Option<String>,
    pub raw_json: Option<String>,
}

/// Where a sprint is defined: a tracker, or locally (the demo, or a team planning here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SprintOrigin {
    Tracker(Source),
    Local,
}

impl SprintOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tracker(s) => s.as_str(),
            Self::Local => "local",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SprintRecord {
    pub origin: SprintOrigin,
    pub remote_id: String,
    pub project_remote_id: Option<String>,
    pub name: String,
    pub state: SprintState,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub goal: Option<String>,
    pub capacity: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MembershipRecord {
    pub sprint_remote_id: String,
    pub issue_key: String,
    pub added_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusEventRecord {
    pub issue_key: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub from_category: Option<StatusCategory>,
    pub to_category: StatusCategory,
    pub at: DateTime<Utc>,
    pub source: EventSource,
    pub remote_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecord {
    pub from_key: String,
    pub to_key: String,
    pub kind: LinkKind,
}

/// Everything one source delivers; `source_name` scopes remote ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub source_name: String,
    /// When set, the batch's memberships are each issue's current sprints: its other open
    /// memberships in this source's sprints end at this time (sync). `None`: memberships are
    /// complete histories (the demo).
    pub observed_at: Option<DateTime<Utc>>,
    pub projects: Vec<ProjectRecord>,
    pub people: Vec<PersonRecord>,
    pub sprints: Vec<SprintRecord>,
    pub issues: Vec<IssueRecord>,
    pub memberships: Vec<MembershipRecord>,
    pub events: Vec<StatusEventRecord>,
    pub links: Vec<LinkRecord>,
}
