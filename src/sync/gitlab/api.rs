//! GitLab REST v4 answers, as far as sprintdeck reads them. Every field not always present is
//! optional, so older instances (and the 2012-era shapes some still return) parse too.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    pub id: u64,
    #[serde(default)]
    pub path_with_namespace: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    /// The group (or user) the project lives in: an object in the REST API, the name alone in
    /// webhook deliveries.
    #[serde(default)]
    pub namespace: Option<serde_json::Value>,
}

impl Project {
    /// The namespace, when the answer describes it.
    pub fn namespace(&self) -> Option<Namespace> {
        serde_json::from_value(self.namespace.clone()?).ok()
    }
}

/// A project's namespace: a group (`kind: "group"`) or a user.
#[derive(Debug, Clone, Deserialize)]
pub struct Namespace {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub full_path: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// `GET /groups/:id`.
#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    pub full_path: String,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// A group epic as `GET /groups/:id/epics` lists it (doc/api/epics.md).
#[derive(Debug, Clone, Deserialize)]
pub struct GroupEpic {
    pub id: u64,
    pub iid: u64,
    pub group_id: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `opened` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub references: Option<References>,
    #[serde(default)]
    pub author: Option<User>,
    #[serde(default)]
    pub labels: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub closed_at: Option<String>,
}

/// One entry of `GET /projects/:id/issues/:iid/links`: the linked issue, with the link's type
/// as seen from the issue asked about (`relates_to`, `blocks`, `is_blocked_by`).
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedIssue {
    pub id: u64,
    #[serde(default)]
    pub iid: Option<u64>,
    pub project_id: u64,
    #[serde(default)]
    pub references: Option<References>,
    #[serde(default)]
    pub web_url: Option<String>,
    pub link_type: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: u64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl User {
    pub fn handle(&self) -> String {
        self.username
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| format!("user-{}", self.id))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Milestone {
    pub id: u64,
    pub title: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub project_id: Option<u64>,
    /// Set instead of `project_id` on a group milestone.
    #[serde(default)]
    pub group_id: Option<u64>,
}

/// Iteration state: a string on current GitLab, an integer (1 upcoming, 2 current, 3 closed)
/// on older ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum IterationState {
    Code(u8),
    Name(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Iteration {
    pub id: u64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub iid: Option<u64>,
    /// The group whose cadence it belongs to.
    #[serde(default)]
    pub group_id: Option<u64>,
    #[serde(default)]
    pub state: Option<IterationState>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Epic {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub iid: Option<u64>,
    #[serde(default)]
    pub title: Option<String>,
    /// The epic's page, a path (`/groups/acme/-/epics/5`) on current GitLab.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub group_id: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct References {
    #[serde(default)]
    pub full: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub id: u64,
    #[serde(default)]
    pub iid: Option<u64>,
    pub project_id: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `opened` or `closed`; 2012-era answers have a boolean `closed` instead.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub closed: Option<bool>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub milestone: Option<Milestone>,
    #[serde(default)]
    pub iteration: Option<Iteration>,
    #[serde(default)]
    pub assignees: Vec<User>,
    #[serde(default)]
    pub assignee: Option<User>,
    #[serde(default)]
    pub author: Option<User>,
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub references: Option<References>,
    #[serde(default)]
    pub issue_type: Option<String>,
    #[serde(default)]
    pub epic: Option<Epic>,
    #[serde(default)]
    pub moved_to_id: Option<u64>,
}

impl Issue {
    pub fn is_closed(&self) -> bool {
        match &self.state {
            Some(s) => s == "closed",
            None => self.closed.unwrap_or(false),
        }
    }

    pub fn number(&self) -> u64 {
        self.iid.unwrap_or(self.id)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct StateEvent {
    pub id: u64,
    pub created_at: String,
    /// `opened`, `closed`, `reopened`.
    pub state: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LabelRef {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LabelEvent {
    pub id: u64,
    pub created_at: String,
    /// A deleted label comes back as `null`.
    #[serde(default)]
    pub label: Option<LabelRef>,
    /// `add` or `remove`.
    pub action: String,
}
