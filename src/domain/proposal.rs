//! Proposals: changes the machine (or a person) suggests, applied only when someone decides to.
//! Every change that modifies something carries the value it expects to replace, so applying
//! a proposal made before a sync changed the issue is refused instead of overwriting.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    SprintPlan,
    Insight,
    Backlog,
    Chat,
    Manual,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SprintPlan => "sprint_plan",
            Self::Insight => "insight",
            Self::Backlog => "backlog",
            Self::Chat => "chat",
            Self::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::SprintPlan,
            Self::Insight,
            Self::Backlog,
            Self::Chat,
            Self::Manual,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    Pending,
    Applied,
    Rejected,
    Expired,
    Conflicted,
}

impl ProposalState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Conflicted => "conflicted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Applied,
            Self::Rejected,
            Self::Expired,
            Self::Conflicted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A field a change sets, with values as text: points `"5"`, labels comma-separated in order,
/// due dates `YYYY-MM-DD`, assignee a username; `None` is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Assignee,
    Points,
    Priority,
    Labels,
    Due,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assignee => "assignee",
            Self::Points => "points",
            Self::Priority => "priority",
            Self::Labels => "labels",
            Self::Due => "due",
        }
    }
}

/// One change. Issues are named by key; an issue created by the same proposal is named by its
/// `temp_key` (e.g. `new-1`) until it exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    Create {
        temp_key: String,
        project: String,
        issue_type: String,
        title: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        acceptance_criteria: Vec<String>,
        points: Option<f64>,
        #[serde(default)]
        labels: Vec<String>,
        sprint: Option<String>,
        parent: Option<String>,
    },
    /// Undoes a `Create` of an issue that was never pushed.
    Remove {
        key: String,
        title: String,
    },
    SetStatus {
        key: String,
        from: String,
        to: String,
        /// `todo`, `in_progress` or `done`.
        to_category: String,
    },
    SetField {
        key: String,
        field: Field,
        from: Option<String>,
        to: Option<String>,
    },
    /// Into `to` (out of `from`, when it was in one).
    MoveToSprint {
        key: String,
        from: Option<String>,
        to: String,
    },
    RemoveFromSprint {
        key: String,
        from: String,
    },
    /// `from` blocks `to`; expects no such link yet.
    Link {
        from: String,
        to: String,
    },
    Unlink {
        from: String,
        to: String,
    },
    Comment {
        key: String,
        body: String,
    },
}

impl Change {
    /// The issue it is about (the new one's temp key for a create).
    pub fn key(&self) -> &str {
        match self {
            Self::Create { temp_key, .. } => temp_key,
            Self::Remove { key, .. }
            | Self::SetStatus { key, .. }
            | Self::SetField { key, .. }
            | Self::MoveToSprint { key, .. }
            | Self::RemoveFromSprint { key, .. }
            | Self::Comment { key, .. } => key,
            Self::Link { from, .. } | Self::Unlink { from, .. } => from,
        }
    }

    /// One line, as the diff shows it: `OPS-12  status: In Progress → Review`.
    pub fn describe(&self) -> String {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
        match self {
            Self::Create {
                temp_key,
                project,
                issue_type,
                title,
                points,
                parent,
                sprint,
                ..
            } => {
                let mut line = format!("+ {temp_key}  new {issue_type} in {project}: {title}");
                if let Some(p) = points {
                    let _ = write!(line, " · {p} points");
                }
                if let Some(p) = parent {
                    let _ = write!(line, " · under {p}");
                }
                if let Some(s) = sprint {
                    let _ = write!(line, " · into {s}");
                }
                line
            }
            Self::Remove { key, title } => {
                format!("- {key}  remove the unpushed issue \"{title}\"")
            }
            Self::SetStatus { key, from, to, .. } => format!("  {key}  status: {from} → {to}"),
            Self::SetField {
                key,
                field,
                from,
                to,
            } => format!("  {key}  {}: {} → {}", field.as_str(), show(from), show(to)),
            Self::MoveToSprint { key, from, to } => {
                format!("  {key}  sprint: {} → {to}", show(from))
            }
            Self::RemoveFromSprint { key, from } => format!("  {key}  sprint: {from} → —"),
            Self::Link { from, to } => format!("  {from}  now blocks {to}"),
            Self::Unlink { from, to } => format!("  {from}  no longer blocks {to}"),
            Self::Comment { key, body } => {
                let short: String = body.chars().take(60).collect();
                format!("  {key}  comment: {short}")
            }
        }
    }
}
