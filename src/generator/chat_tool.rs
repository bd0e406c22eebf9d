//! The chat's `propose_changes` tool. The model names what it wants changed (without the
//! current values, which it cannot be trusted to know); the call is checked against the tool's
//! schema, each change is completed with the value it replaces from the store, and the result is
//! a pending `chat` proposal. Nothing is applied: a person decides in the Proposals tab.

use serde::Deserialize;
use serde_json::Value;
use sqlx::SqlitePool;

use crate::domain::proposal::{Change, Field, Kind};
use crate::llm::Tool;
use crate::store::proposals::{NewProposal, field_value};
use crate::store::{issues, sprints};

pub const NAME: &str = "propose_changes";

/// The arguments' schema, as published to the model.
pub const SCHEMA: &str = include_str!("../../assets/prompts/chat/propose_changes.schema.json");

/// The tool as the chat offers it.
pub fn tool() -> Tool {
    let parameters: Value = serde_json::from_str(SCHEMA).unwrap_or(Value::Null);
    Tool {
        name: NAME.to_owned(),
        description: parameters
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("Propose changes to issues for a person to apply.")
            .to_owned(),
        parameters,
    }
}

#[derive(Deserialize)]
struct Call {
    title: String,
    #[serde(default)]
    explanation: String,
    changes: Vec<Requested>,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Requested {
    Create {
        temp_key: String,
        project: Option<String>,
        issue_type: String,
        title: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        acceptance_criteria: Vec<String>,
        points: Option<f64>,
        #[serde(default)]
        labels: Vec<String>,
        parent: Option<String>,
    },
    SetStatus {
        key: String,
        to: String,
    },
    SetField {
        key: String,
        field: Field,
        to: Option<String>,
    },
    MoveToSprint {
        key: String,
        to: String,
    },
    RemoveFromSprint {
        key: String,
    },
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

/// What is wrong with the arguments, from the schema (every message, with where).
fn schema_problems(value: &Value) -> Vec<String> {
    let Ok(schema) = serde_json::from_str::<Value>(SCHEMA) else {
        return vec!["the tool's schema does not parse".to_owned()];
    };
    match jsonschema::validator_for(&schema) {
        Ok(v) => v
            .iter_errors(value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// A call's arguments as a pending proposal by `author`, or why it cannot be one (the model's
/// JSON, an issue, status or sprint that does not exist).
pub async fn proposal(
    pool: &SqlitePool,
    arguments: &str,
    author: &str,
) -> Result<NewProposal, String> {
    let value: Value = serde_json::from_str(arguments)
        .map_err(|e| format!("the model's changes are not JSON: {e}"))?;
    let problems = schema_problems(&value);
    if !problems.is_empty() {
        return Err(format!(
            "the model's changes do not match the tool: {}",
            problems.join("; ")
        ));
    }
    let call: Call = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let mut changes = Vec::with_capacity(call.changes.len());
    let mut created: Vec<(String, String)> = Vec::new();
    for (n, requested) in call.changes.into_iter().enumerate() {
        let change = complete(pool, requested, &created)
            .await
            .map_err(|e| format!("change {}: {e}", n + 1))?;
        if let Change::Create {
            temp_key, project, ..
        } = &change
        {
            created.push((temp_key.clone(), project.clone()));
        }
        changes.push(change);
    }
    Ok(NewProposal {
        kind: Kind::Chat,
        title: crate::domain::text::sanitize(&call.title, false),
        explanation: crate::domain::text::sanitize(&call.explanation, true),
        evidence: vec!["proposed by the chat's model through the propose_changes tool".to_owned()],
        changes,
        author: author.to_owned(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    })
}

/// An existing issue's id and project key.
async fn issue(pool: &SqlitePool, key: &str) -> Result<(i64, String), String> {
    issues::live_with_project(pool, key)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("there is no issue {key}"))
}

/// A key an earlier create of the same call names, or an existing issue.
async fn exists(pool: &SqlitePool, key: &str, created: &[(String, String)]) -> Result<(), String> {
    if created.iter().any(|(k, _)| k == key) {
        return Ok(());
    }
    issue(pool, key).await.map(|_| ())
}

async fn current_sprint(pool: &SqlitePool, id: i64) -> Result<Option<String>, String> {
    Ok(sprints::open_sprint_of(pool, id)
        .await
        .map_err(|e| e.to_string())?
        .map(|(_, name)| name))
}

/// The change the request means, with the value it replaces read from the store.
async fn complete(
    pool: &SqlitePool,
    requested: Requested,
    created: &[(String, String)],
) -> Result<Change, String> {
    Ok(match requested {
        create @ Requested::Create { .. } => return new_issue(pool, create, created).await,
        Requested::SetStatus { key, to } => status(pool, key, to).await?,
        Requested::SetField { key, field, to } => {
            let (id, _) = issue(pool, &key).await?;
            let from = field_value(pool, id, field)
                .await
                .map_err(|e| e.to_string())?;
            Change::SetField {
                key,
                field,
                from,
                to: to.filter(|v| !v.trim().is_empty()),
            }
        }
        Requested::MoveToSprint { key, to } => {
            let (id, _) = issue(pool, &key).await?;
            let known = sprints::exists(pool, &to)
                .await
                .map_err(|e| e.to_string())?;
            if !known {
                return Err(format!("there is no sprint {to:?}"));
            }
            Change::MoveToSprint {
                from: current_sprint(pool, id).await?,
                key,
                to,
            }
        }
        Requested::RemoveFromSprint { key } => {
            let (id, _) = issue(pool, &key).await?;
            let from = current_sprint(pool, id)
                .await?
                .ok_or_else(|| format!("{key} is in no sprint"))?;
            Change::RemoveFromSprint { key, from }
        }
        Requested::Link { from, to } => {
            exists(pool, &from, created).await?;
            exists(pool, &to, created).await?;
            Change::Link { from, to }
        }
        Requested::Unlink { from, to } => {
            issue(pool, &from).await?;
            issue(pool, &to).await?;
            Change::Unlink { from, to }
        }
        Requested::Comment { key, body } => {
            exists(pool, &key, created).await?;
            Change::Comment { key, body }
        }
    })
}

async fn new_issue(
    pool: &SqlitePool,
    requested: Requested,
    created: &[(String, String)],
) -> Result<Change, String> {
    let Requested::Create {
        temp_key,
        project,
        issue_type,
        title,
        description,
        acceptance_criteria,
        points,
        labels,
        parent,
    } = requested
    else {
        return Err("not a new issue".to_owned());
    };
    if created.iter().any(|(k, _)| *k == temp_key) {
        return Err(format!("{temp_key} is created twice"));
    }
    let parent_project = match &parent {
        None => None,
        Some(p) => match created.iter().find(|(k, _)| k == p) {
            Some((_, project)) => Some(project.clone()),
            None => Some(issue(pool, p).await?.1),
        },
    };
    let project = project
        .or(parent_project)
        .ok_or("a new issue needs a project or a parent")?;
    Ok(Change::Create {
        temp_key,
        project,
        issue_type,
        title: crate::domain::text::sanitize(&title, false),
        description,
        acceptance_criteria,
        points,
        labels,
        sprint: None,
        parent,
    })
}

/// A status change, from the issue's status now, to a status whose category the data knows.
async fn status(pool: &SqlitePool, key: String, to: String) -> Result<Change, String> {
    let db = |e: crate::store::StoreError| e.to_string();
    let (id, _) = issue(pool, &key).await?;
    let from = issues::status(pool, id)
        .await
        .map_err(db)?
        .ok_or_else(|| format!("there is no issue {key}"))?;
    // The category the data gives that status, in this issue's project first.
    let to_category = issues::category_of_status(pool, &to, id)
        .await
        .map_err(db)?
        .ok_or_else(|| format!("no issue has the status {to:?}"))?;
    Ok(Change::SetStatus {
        key,
        from,
        to,
        to_category,
    })
}
