//! Jira issues (API v3 on Cloud, v2 on Data Center) into records. Custom fields are read by the
//! ids found in field discovery; descriptions in ADF become text; the sprint field gives
//! sprints and membership; "Blocks" links become blocking links.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fields::FieldIds;
use super::{adf, sprints};
use crate::domain::StatusCategory;
use crate::domain::issue::{IssueType, LinkKind, Source};
use crate::domain::records::{
    Batch, IssueRecord, LinkRecord, MembershipRecord, PersonRecord, ProjectKind, ProjectRecord,
};
use crate::sync::time::{parse, parse_date};

/// Jira's status category keys; without one, the name decides.
pub fn category(status: &Value) -> StatusCategory {
    match status
        .pointer("/statusCategory/key")
        .and_then(Value::as_str)
    {
        Some("done") => StatusCategory::Done,
        Some("indeterminate") => StatusCategory::InProgress,
        Some("new" | "undefined") => StatusCategory::Todo,
        _ => category_of_name(status.get("name").and_then(Value::as_str).unwrap_or("")),
    }
}

/// A guess from the status name, for statuses seen without their category (changelogs, trimmed
/// answers).
pub fn category_of_name(name: &str) -> StatusCategory {
    let lower = name.to_lowercase();
    if [
        "done",
        "closed",
        "resolved",
        "complete",
        "completed",
        "released",
        "won't do",
    ]
    .contains(&lower.as_str())
    {
        StatusCategory::Done
    } else if lower.contains("progress")
        || lower.contains("review")
        || lower.contains("testing")
        || lower == "doing"
        || lower == "qa"
    {
        StatusCategory::InProgress
    } else {
        StatusCategory::Todo
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// A person's stable id (account id on Cloud, user name on Data Center, else the display name)
/// and the name shown.
fn person(v: &Value) -> Option<PersonRecord> {
    if v.is_null() {
        return None;
    }
    let display = text(v, "/displayName").map(str::to_owned);
    let id = text(v, "/accountId")
        .or_else(|| text(v, "/name"))
        .or_else(|| text(v, "/key"))
        .map(str::to_owned)
        .or_else(|| display.clone())?;
    let username = text(v, "/name")
        .map(str::to_owned)
        .or_else(|| display.clone())
        .unwrap_or_else(|| id.clone());
    Some(PersonRecord {
        remote_id: id,
        display_name: display.unwrap_or_else(|| username.clone()),
        username,
        capacity: None,
    })
}

fn issue_type(name: &str) -> IssueType {
    match name.to_lowercase().as_str() {
        "epic" => IssueType::Epic,
        "bug" | "defect" | "incident" => IssueType::Bug,
        "story" | "user story" => IssueType::Story,
        _ => IssueType::Task,
    }
}

/// One page of issues as a batch; `base_url` makes the browse links.
pub fn batch(
    source_name: &str,
    base_url: &str,
    issues: &[Value],
    fields: &FieldIds,
    now: DateTime<Utc>,
) -> Result<Batch, String> {
    let mut b = Batch {
        source_name: source_name.to_owned(),
        observed_at: Some(now),
        ..Batch::default()
    };
    for v in issues {
        add_issue(&mut b, base_url, v, fields, now)?;
    }
    Ok(b)
}

fn add_issue(
    b: &mut Batch,
    base_url: &str,
    v: &Value,
    fields: &FieldIds,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let key = text(v, "/key").ok_or("an issue without a key")?.to_owned();
    let f = v.get("fields").ok_or_else(|| format!("{key}: no fields"))?;
    let project = project(&key, f.get("project"));
    let project_key = project.key.clone();
    if !b.projects.iter().any(|p| p.remote_id == project.remote_id) {
        b.projects.push(project.clone());
    }
    // Trimmed answers (the Agile API's examples) may lack times: updated, else now.
    let updated = text(f, "/updated").and_then(parse);
    let created = text(f, "/created")
        .and_then(parse)
        .or(updated)
        .unwrap_or(now);
    let updated = updated.unwrap_or(created);
    let mut people = |p: Option<&Value>| {
        let record = p.and_then(person)?;
        let id = record.remote_id.clone();
        if !b.people.iter().any(|x| x.remote_id == id) {
            b.people.push(record);
        }
        Some(id)
    };
    let assignee = people(f.get("assignee"));
    let reporter = people(f.get("reporter"));
    let status = f.get("status").cloned().unwrap_or(Value::Null);
    let field = |id: &Option<String>| id.as_ref().and_then(|i| f.get(i.as_str()));
    let parent = text(f, "/parent/key").map(str::to_owned).or_else(|| {
        field(&fields.epic_link)
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    // The sprint field (found by discovery), or the Agile API's own `sprint` and `closedSprints`.
    let mut found = field(&fields.sprint)
        .map(sprints::from_field)
        .unwrap_or_default();
    if found.is_empty() {
        found.extend(f.get("sprint").and_then(sprints::from_object));
        found.extend(
            f.get("closedSprints")
                .map(sprints::from_field)
                .unwrap_or_default(),
        );
    }
    for sprint in found {
        let listed = b
            .memberships
            .iter()
            .any(|m| m.issue_key == key && m.sprint_remote_id == sprint.remote_id);
        if listed {
            continue;
        }
        b.memberships.push(MembershipRecord {
            sprint_remote_id: sprint.remote_id.clone(),
            issue_key: key.clone(),
            added_at: created,
            removed_at: None,
        });
        if !b.sprints.iter().any(|s| s.remote_id == sprint.remote_id) {
            b.sprints.push(sprint);
        }
    }
    links(b, &key, f.get("issuelinks"));
    b.issues.push(IssueRecord {
        source: Source::Jira,
        project_remote_id: project.remote_id,
        remote_id: text(v, "/id").unwrap_or(&key).to_owned(),
        key: key.clone(),
        issue_type: issue_type(text(f, "/issuetype/name").unwrap_or("Task")),
        title: text(f, "/summary").unwrap_or_default().to_owned(),
        description: f.get("description").map(adf::to_text).unwrap_or_default(),
        status: text(&status, "/name").unwrap_or("Unknown").to_owned(),
        status_category: text(&status, "/id")
            .and_then(|id| fields.status_columns.get(id).copied())
            .unwrap_or_else(|| category(&status)),
        reporter,
        assignees: assignee.into_iter().collect(),
        labels: f
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        priority: text(f, "/priority/name").map(str::to_owned),
        story_points: fields.points_of(&project_key, f),
        parent_key: parent,
        due_date: text(f, "/duedate").and_then(parse_date),
        created_at: created,
        updated_at: updated,
        closed_at: text(f, "/resolutiondate").and_then(parse),
        web_url: Some(format!("{}/browse/{key}", base_url.trim_end_matches('/'))),
        raw_json: Some(v.to_string()),
    });
    Ok(())
}

fn project(key: &str, p: Option<&Value>) -> ProjectRecord {
    let project_key = p.and_then(|p| text(p, "/key")).map_or_else(
        || key.rsplit_once('-').map_or(key, |(k, _)| k).to_owned(),
        str::to_owned,
    );
    ProjectRecord {
        source: Source::Jira,
        remote_id: p
            .and_then(|p| text(p, "/id"))
            .map_or_else(|| project_key.clone(), str::to_owned),
        name: p
            .and_then(|p| text(p, "/name"))
            .map_or_else(|| project_key.clone(), str::to_owned),
        key: project_key,
        web_url: None,
        kind: ProjectKind::Project,
    }
}

/// "Blocks" links, each way round; other link types relate.
fn links(b: &mut Batch, key: &str, list: Option<&Value>) {
    for link in list.and_then(Value::as_array).into_iter().flatten() {
        let blocks = text(link, "/type/name").is_some_and(|n| n.eq_ignore_ascii_case("blocks"));
        let kind = if blocks {
            LinkKind::Blocks
        } else {
            LinkKind::Relates
        };
        if let Some(other) = text(link, "/outwardIssue/key") {
            b.links.push(LinkRecord {
                from_key: key.to_owned(),
                to_key: other.to_owned(),
                kind,
            });
        } else if let Some(other) = text(link, "/inwardIssue/key") {
            b.links.push(LinkRecord {
                from_key: other.to_owned(),
                to_key: key.to_owned(),
                kind,
            });
        }
    }
}
