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
#[serde(deny_unknown_fields)]
struct Call {
    title: String,
    #[serde(default)]
    explanation: String,
    changes: Vec<Requested>,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
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
        /// Present, and `null` to empty the field.
        #[serde(deserialize_with = "nullable")]
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

fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// The limits of the tool's schema that types do not carry.
const MAX_TITLE_CHARS: usize = 150;
const MAX_CHANGES: usize = 200;
const ISSUE_TYPES: &[&str] = &["epic", "story", "task", "bug"];

/// The arguments as a call, or what is wrong with them (every limit broken, with where).
fn checked(arguments: &str) -> Result<Call, Vec<String>> {
    let call: Call = super::strict::parse(arguments).map_err(|e| vec![e])?;
    let mut p = super::strict::Problems::default();
    p.non_empty("title", &call.title);
    if call.title.chars().count() > MAX_TITLE_CHARS {
        p.push(format!("longer than {MAX_TITLE_CHARS} characters at title"));
    }
    if call.changes.is_empty() || call.changes.len() > MAX_CHANGES {
        p.push(format!(
            "{} changes at changes: give 1 to {MAX_CHANGES}",
            call.changes.len()
        ));
    }
    for (n, change) in call.changes.iter().enumerate() {
        let at = format!("changes[{n}]");
        match change {
            Requested::Create {
                temp_key,
                issue_type,
                title,
                points,
                ..
            } => {
                let number = temp_key.strip_prefix("new-").unwrap_or_default();
                if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                    p.push(format!("{temp_key:?} is not new-N at {at}.temp_key"));
                }
                if !ISSUE_TYPES.contains(&issue_type.as_str()) {
                    p.push(format!(
                        "{issue_type:?} is not one of {} at {at}.issue_type",
                        ISSUE_TYPES.join(", ")
                    ));
                }
                p.non_empty(&format!("{at}.title"), title);
                p.not_negative(&format!("{at}.points"), *points);
            }
            Requested::Comment { body, .. } => p.non_empty(&format!("{at}.body"), body),
            _ => {}
        }
    }
    if p.0.is_empty() { Ok(call) } else { Err(p.0) }
}

/// What is wrong with a call's arguments (none: the tool takes them).
pub fn problems(arguments: &str) -> Vec<String> {
    checked(arguments).err().unwrap_or_default()
}

/// A call's arguments as a pending proposal by `author`, or why it cannot be one (the model's
/// JSON, an issue, status or sprint that does not exist).
pub async fn proposal(
    pool: &SqlitePool,
    arguments: &str,
    author: &str,
) -> Result<NewProposal, String> {
    serde_json::from_str::<serde::de::IgnoredAny>(arguments)
        .map_err(|e| format!("the model's changes are not JSON: {e}"))?;
    let call = checked(arguments).map_err(|problems| {
        format!(
            "the model's changes do not match the tool: {}",
            problems.join("; ")
        )
    })?;
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
