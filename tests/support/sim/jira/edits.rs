//! Issue edits and creation on Jira: only the fields on the project's screens can be set, the
//! story-point field is the project's own, rich text is ADF, a new issue takes the project's
//! own issue-type names (Jira Cloud platform spec: `PUT /rest/api/3/issue/{issueIdOrKey}`,
//! `POST /rest/api/3/issue`; field errors in the `errors` map, rule JR-ERR-3).

use serde_json::{Map, Value, json};
use sprintdeck::demo::teams::model::{JiraIssue, JiraType};

use super::super::Shared;
use super::super::served::Served;
use super::super::wire::Reply;
use super::writes::{Out, adf_text, find, no_content};
use super::{error, issue_type_of, no_issue};

/// Rule JR-ERR-3: field errors come in the `errors` map.
fn field_error(field: &str, message: &str) -> Reply {
    Reply::json(
        400,
        &json!({ "errorMessages": [], "errors": { field: message } }),
    )
}

pub fn edit(
    shared: &Shared,
    key: &str,
    b: &Map<String, Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Out<Reply> {
    if let Some(k) = b
        .keys()
        .find(|k| !["fields", "update", "notifyUsers"].contains(&k.as_str()))
    {
        return Err(error(400, &format!("Unrecognized field \"{k}\".")));
    }
    let fields = b
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let key = find(shared, key)?;
    let mut served = shared.served.write().expect("lock");
    let (points_field, parent_id) = {
        let i = served.jr_find(&key).ok_or_else(no_issue)?;
        (
            served.world.jira.projects[i.project].points_field,
            fields
                .get("parent")
                .and_then(|p| p["key"].as_str())
                .and_then(|k| served.jr_find(k).map(|x| x.id)),
        )
    };
    let mut changes: Vec<FieldChange> = Vec::new();
    for (name, v) in fields {
        changes.push(field_change(&name, &v, points_field, parent_id)?);
    }
    served.world.edit_jira(&key, now, |i| {
        for c in changes {
            c(i);
        }
    });
    served.reindex();
    Ok(no_content())
}

/// One change a field edit makes.
type FieldChange = Box<dyn FnOnce(&mut JiraIssue)>;

/// Only fields on the project's screens can be set; the story-point field is the project's own
/// (rule U-J15).
fn field_change(
    name: &str,
    v: &Value,
    points_field: &str,
    parent_id: Option<u64>,
) -> Out<FieldChange> {
    match name {
        "summary" => {
            let s = v
                .as_str()
                .filter(|s| !s.is_empty() && s.chars().count() <= 255)
                .ok_or_else(|| field_error("summary", "Summary must be less than 255 characters."))?
                .to_owned();
            Ok(Box::new(move |i| i.summary = s))
        }
        "description" => {
            let d = if v.is_null() {
                String::new()
            } else {
                adf_text(v)?
            };
            Ok(Box::new(move |i| i.description = d))
        }
        "labels" => {
            let labels: Vec<String> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if labels.iter().any(|l| l.contains(' ')) {
                return Err(field_error("labels", "The label must not contain spaces."));
            }
            Ok(Box::new(move |i| i.labels = labels))
        }
        "duedate" => {
            let d = match v.as_str() {
                None => None,
                Some(s) => Some(
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| field_error("duedate", "Error parsing date string"))?,
                ),
            };
            Ok(Box::new(move |i| i.due_date = d))
        }
        "priority" => {
            let wanted = v.get("name").and_then(Value::as_str).or_else(|| {
                v.get("id")
                    .and_then(Value::as_str)
                    .and_then(super::priority_name)
            });
            let p = super::PRIORITY_NAMES
                .iter()
                .find(|p| Some(**p) == wanted)
                .copied()
                .ok_or_else(|| field_error("priority", "Specify a valid priority."))?;
            Ok(Box::new(move |i| i.priority = p))
        }
        "parent" => match parent_id {
            Some(id) => Ok(Box::new(move |i| i.parent_id = Some(id))),
            None => Err(field_error("parent", "Could not find issue by id or key.")),
        },
        f if f == points_field => {
            let n = if v.is_null() {
                None
            } else {
                Some(
                    v.as_f64()
                        .ok_or_else(|| field_error(f, "Operation value must be a number."))?,
                )
            };
            Ok(Box::new(move |i| i.points = n))
        }
        other => Err(field_error(
            other,
            &format!(
                "Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."
            ),
        )),
    }
}

/// A new issue's fields, checked.
struct New {
    project: usize,
    summary: String,
    ty: JiraType,
    parent: Option<u64>,
    description: String,
    labels: Vec<String>,
}

fn new_issue(served: &Served, f: &Map<String, Value>) -> Out<New> {
    let project_key = f
        .get("project")
        .and_then(|p| p.get("key").or_else(|| p.get("id")))
        .and_then(Value::as_str)
        .unwrap_or("");
    let project = served
        .world
        .jira
        .projects
        .iter()
        .position(|p| p.key == project_key || p.id == project_key)
        .ok_or_else(|| field_error("project", "Specify a valid project ID or key"))?;
    let summary = f
        .get("summary")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| field_error("summary", "You must specify a summary of the issue."))?
        .to_owned();
    // The project's own issue-type names: `Sub-task` in a company-managed project, `Subtask`
    // in a team-managed one.
    let type_name = f
        .get("issuetype")
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let p = &served.world.jira.projects[project];
    let ty = [
        JiraType::Epic,
        JiraType::Story,
        JiraType::Task,
        JiraType::Bug,
        JiraType::Subtask,
    ]
    .into_iter()
    .find(|t| issue_type_of(p, *t).name == type_name)
    .ok_or_else(|| field_error("issuetype", "Specify a valid issue type"))?;
    let parent = match f.get("parent").and_then(|x| x["key"].as_str()) {
        None if ty == JiraType::Subtask => {
            return Err(field_error(
                "parent",
                "Given parent issue does not belong to appropriate hierarchy.",
            ));
        }
        None => None,
        Some(k) => Some(
            served
                .jr_find(k)
                .map(|x| x.id)
                .ok_or_else(|| field_error("parent", "Could not find issue by id or key."))?,
        ),
    };
    let description = match f.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(d) => adf_text(d)?,
    };
    let labels: Vec<String> = f
        .get("labels")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(New {
        project,
        summary,
        ty,
        parent,
        description,
        labels,
    })
}

pub fn create(
    shared: &Shared,
    b: &Map<String, Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Out<Reply> {
    let f = b
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut served = shared.served.write().expect("lock");
    let New {
        project,
        summary,
        ty,
        parent,
        description,
        labels,
    } = new_issue(&served, &f)?;
    let id = served
        .world
        .jira
        .issues
        .iter()
        .map(|i| i.id)
        .max()
        .unwrap_or(10_099)
        + 1;
    served.world.jira.projects[project].last_number += 1;
    let key = format!(
        "{}-{}",
        served.world.jira.projects[project].key, served.world.jira.projects[project].last_number
    );
    let reporter = served
        .world
        .people
        .iter()
        .position(|p| p.jira.is_some())
        .unwrap_or(0);
    served.world.jira.issues.push(JiraIssue {
        id,
        project,
        key: key.clone(),
        moves: Vec::new(),
        issue_type: ty,
        summary,
        description,
        reporter,
        assignee: None,
        priority: "Medium",
        labels,
        points: None,
        parent_id: parent,
        due_date: None,
        created: now,
        updated: now,
        history: Vec::new(),
        sprints: Vec::new(),
        reassigned: Vec::new(),
        comments: Vec::new(),
    });
    served.reindex();
    Ok(Reply::json(
        201,
        &json!({ "id": id.to_string(), "key": key, "self": format!("{}/rest/api/3/issue/{id}", shared.jira_url) }),
    ))
}
