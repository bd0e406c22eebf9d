//! What a template sees of an issue: its fields, the acceptance criteria found in its
//! description, its parent, links and recent comments.

use serde::Serialize;
use sqlx::SqlitePool;

use crate::store::{Result, detail, issues};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IssueVars {
    pub key: String,
    pub title: String,
    pub description: String,
    pub acceptance_criteria: Vec<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub parent: Option<Parent>,
    pub links: Vec<Link>,
    pub comments: Vec<Comment>,
    pub project: String,
    pub sprint: Option<String>,
    #[serde(rename = "type")]
    pub issue_type: String,
    pub status: String,
    pub priority: Option<String>,
    /// "3" or "0.5": as a person would write it.
    pub points: Option<String>,
    pub due: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Parent {
    pub key: String,
    pub title: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Link {
    pub relation: String,
    pub key: String,
    pub title: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub author: String,
    pub created: String,
    pub body: String,
}

/// How many comments a prompt carries: the latest ones.
const RECENT_COMMENTS: usize = 5;

/// The issue with this id, as templates see it; `None` when there is no such issue.
pub async fn load(pool: &SqlitePool, issue_id: i64) -> Result<Option<IssueVars>> {
    let d = detail::issue_detail(pool, issue_id).await?;
    let parent = match d.extra.parent_id {
        Some(pid) => issues::key_title_status(pool, pid)
            .await?
            .map(|(key, title, status)| Parent { key, title, status }),
        None => None,
    };
    let raw = issues::raw_json(pool, issue_id).await?;
    let split = |s: &Option<String>| -> Vec<String> {
        s.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    };
    let r = &d.row;
    let (description, criteria) = acceptance_criteria(&d.extra.description);
    Ok(Some(IssueVars {
        key: r.key.clone(),
        title: r.title.clone(),
        acceptance_criteria: criteria,
        description,
        labels: split(&r.labels),
        assignees: split(&r.assignees),
        parent,
        links: d
            .links
            .iter()
            .map(|l| Link {
                relation: l.relation.clone(),
                key: l.key.clone(),
                title: l.title.clone(),
                status: l.status_category.replace('_', " "),
            })
            .collect(),
        comments: raw.as_deref().map(comments).unwrap_or_default(),
        project: r.project_key.clone(),
        sprint: r.sprint.clone(),
        issue_type: r.issue_type.clone(),
        status: r.status.clone(),
        priority: r.priority.clone(),
        points: r.story_points.map(|p| {
            if p.fract() == 0.0 {
                format!("{p:.0}")
            } else {
                p.to_string()
            }
        }),
        due: r.due_date.clone(),
        url: r.web_url.clone(),
    }))
}

/// The list items (or lines) under a heading or bold line named "Acceptance criteria", up to
/// the next heading; and the description without that section (so a template that shows both
/// does not repeat them).
pub fn acceptance_criteria(description: &str) -> (String, Vec<String>) {
    let mut inside = false;
    let mut items = Vec::new();
    let mut rest: Vec<&str> = Vec::new();
    for line in description.lines() {
        let t = line.trim();
        let heading = t.starts_with('#') || (t.starts_with("**") && t.ends_with("**"));
        let name = t
            .trim_start_matches('#')
            .trim_matches('*')
            .trim()
            .trim_end_matches(':')
            .to_ascii_lowercase();
        if heading || name == "acceptance criteria" {
            inside = name == "acceptance criteria";
            if !inside {
                rest.push(line);
            }
            continue;
        }
        if !inside {
            rest.push(line);
            continue;
        }
        if t.is_empty() {
            continue;
        }
        let item = t
            .strip_prefix("- ")
            .or_else(|| t.strip_prefix("* "))
            .or_else(|| t.strip_prefix("- [ ] "))
            .unwrap_or(t);
        let item = item.strip_prefix("[ ] ").unwrap_or(item);
        items.push(item.trim().to_owned());
    }
    if items.is_empty() {
        return (description.trim_end().to_owned(), items);
    }
    (rest.join("\n").trim_end().to_owned(), items)
}

/// Jira's `fields.comment.comments` when the issue was fetched with them (ADF bodies as text).
fn comments(raw: &str) -> Vec<Comment> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(raw) else {
        return Vec::new();
    };
    let Some(list) = v
        .pointer("/fields/comment/comments")
        .and_then(serde_json::Value::as_array)
    else {
        return Vec::new();
    };
    let all: Vec<Comment> = list
        .iter()
        .map(|c| Comment {
            author: c
                .pointer("/author/displayName")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("someone")
                .to_owned(),
            created: c
                .get("created")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            body: match c.get("body") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(adf) => crate::sync::jira::adf::to_text(adf),
                None => String::new(),
            },
        })
        .collect();
    let skip = all.len().saturating_sub(RECENT_COMMENTS);
    all.into_iter().skip(skip).collect()
}
