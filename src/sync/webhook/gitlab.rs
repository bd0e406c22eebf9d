//! GitLab Issue Hook and Note Hook deliveries into records. The issue in a delivery is read as
//! the same [`api::Issue`] the REST API returns, so the mapping is shared; `changes` gives the
//! status before and after, recorded as a `webhook` status event.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::issue::EventSource;
use crate::domain::records::{Batch, StatusEventRecord};
use crate::sync::gitlab::api::{self, Issue, User};
use crate::sync::gitlab::map::{self, ProjectInfo};
use crate::sync::gitlab::status::StatusMap;
use crate::sync::time::parse;

#[derive(Debug, Deserialize)]
struct Delivery {
    object_kind: String,
    project: api::Project,
    #[serde(default)]
    object_attributes: Value,
    #[serde(default)]
    labels: Vec<LabelRef>,
    #[serde(default)]
    assignees: Vec<HookUser>,
    #[serde(default)]
    changes: Value,
}

#[derive(Debug, Deserialize)]
struct LabelRef {
    title: String,
}

#[derive(Debug, Deserialize)]
struct HookUser {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// What a delivery holds, or why it is refused (400).
pub fn batch(
    source_name: &str,
    body: &[u8],
    statuses: &StatusMap,
    now: DateTime<Utc>,
) -> Result<Option<Batch>, String> {
    let d: Delivery =
        serde_json::from_slice(body).map_err(|e| format!("not a GitLab webhook delivery: {e}"))?;
    // A comment (Note Hook) changes nothing sprintdeck stores: the next poll brings the
    // issue's new `updated_at`. Other kinds are not ours.
    if d.object_kind != "issue" {
        return Ok(None);
    }
    let attributes = d.object_attributes.clone();
    let mut issue: Issue = serde_json::from_value(with_labels(attributes, &d.labels))
        .map_err(|e| format!("the issue in the delivery is incomplete: {e}"))?;
    issue.assignees = assignees(&d);
    let project = ProjectInfo::from_api(&d.project);
    let raw = serde_json::to_string(&d.object_attributes).unwrap_or_default();
    let mut b = map::batch(
        source_name,
        &project,
        &[(issue.clone(), raw)],
        statuses,
        now,
    )
    .map_err(|e| e.to_string())?;
    // A delivery names the milestone by id only: memberships stay as the last poll left them.
    b.observed_at = None;
    b.sprints.clear();
    b.memberships.clear();
    if let Some(event) = status_change(&d, &issue, &project, statuses) {
        b.events.push(event);
    }
    Ok(Some(b))
}

/// Issue Hooks list labels beside the issue (objects with `title`); the API has names.
fn with_labels(mut attributes: Value, labels: &[LabelRef]) -> Value {
    let names: Vec<Value> = if labels.is_empty() {
        attributes
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(|x| x.get("title").cloned()).collect())
            .unwrap_or_default()
    } else {
        labels
            .iter()
            .map(|l| Value::from(l.title.clone()))
            .collect()
    };
    attributes["labels"] = Value::Array(names);
    attributes
}

/// Hook assignees carry no id; `assignee_ids` (same order) does. When the two lists do not
/// line up the assignees cannot be told apart, and the next poll sets them.
fn assignees(d: &Delivery) -> Vec<User> {
    let ids: Vec<u64> = d
        .object_attributes
        .get("assignee_ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    if ids.len() != d.assignees.len() {
        return Vec::new();
    }
    ids.into_iter()
        .zip(&d.assignees)
        .map(|(id, u)| User {
            id,
            username: u.username.clone(),
            name: u.name.clone(),
        })
        .collect()
}

/// The status before (from `changes`) and after; an event when they differ.
fn status_change(
    d: &Delivery,
    issue: &Issue,
    project: &ProjectInfo,
    statuses: &StatusMap,
) -> Option<StatusEventRecord> {
    let changes = &d.changes;
    let state_changed = changes.get("state_id").is_some() || changes.get("state").is_some();
    let labels_changed = changes.get("labels").is_some();
    if !state_changed && !labels_changed {
        return None;
    }
    let previous_labels: Vec<String> = match changes.pointer("/labels/previous") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|l| l.get("title").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        _ => issue.labels.clone(),
    };
    let was_closed = match changes
        .pointer("/state_id/previous")
        .and_then(Value::as_u64)
    {
        // GitLab's state ids: 1 opened, 2 closed.
        Some(id) => id == 2,
        None => match changes.pointer("/state/previous").and_then(Value::as_str) {
            Some(s) => s == "closed",
            None => issue.is_closed(),
        },
    };
    let before = statuses.status(was_closed, &previous_labels);
    let after = statuses.status(issue.is_closed(), &issue.labels);
    if before == after {
        return None;
    }
    let at = parse(&issue.updated_at)?;
    Some(StatusEventRecord {
        issue_key: map::key(project, issue),
        from_status: Some(before.0),
        to_status: after.0,
        from_category: Some(before.1),
        to_category: after.1,
        at,
        source: EventSource::Webhook,
        remote_id: Some(format!("hook:{}:{}", issue.id, issue.updated_at)),
    })
}
