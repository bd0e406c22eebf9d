//! Sprints as Jira gives them: objects from the Agile API and in the sprint field on Cloud, or
//! the legacy `com.atlassian.greenhopper.service.sprint.Sprint@…[id=1,state=CLOSED,…]` strings
//! older servers put in the sprint field.

use serde_json::Value;

use crate::domain::issue::{Source, SprintState};
use crate::domain::records::{SprintOrigin, SprintRecord};
use crate::sync::time::parse;

/// Every sprint in a sprint-field value (an array of objects or of legacy strings).
pub fn from_field(value: &Value) -> Vec<SprintRecord> {
    match value {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

fn one(value: &Value) -> Option<SprintRecord> {
    match value {
        Value::Object(_) => from_object(value),
        Value::String(s) => from_legacy(s),
        _ => None,
    }
}

/// An Agile API sprint (or a sprint-field object).
pub fn from_object(v: &Value) -> Option<SprintRecord> {
    let id = v.get("id").and_then(|i| {
        i.as_u64()
            .map(|n| n.to_string())
            .or_else(|| i.as_str().map(str::to_owned))
    })?;
    let text = |k: &str| v.get(k).and_then(Value::as_str);
    Some(record(
        &id,
        text("name").unwrap_or("Sprint"),
        text("state"),
        text("startDate"),
        text("endDate"),
        text("completeDate"),
        text("goal"),
    ))
}

/// Keys of a legacy sprint string, in the order they come.
const KEYS: [&str; 9] = [
    "id",
    "rapidViewId",
    "state",
    "name",
    "goal",
    "startDate",
    "endDate",
    "completeDate",
    "sequence",
];

/// `…Sprint@1bf75fd[id=1,rapidViewId=1,state=CLOSED,name=Sprint 1,goal=…,startDate=…,…]`.
/// Values may contain commas (names, goals), so each key is found by the known keys after it.
pub fn from_legacy(text: &str) -> Option<SprintRecord> {
    let inner = text.split_once('[')?.1.strip_suffix(']')?;
    let mut starts: Vec<(usize, &str)> = KEYS
        .iter()
        .filter_map(|k| {
            let needle = format!("{k}=");
            let at = if inner.starts_with(&needle) {
                Some(0)
            } else {
                inner.find(&format!(",{needle}")).map(|i| i + 1)
            }?;
            Some((at, *k))
        })
        .collect();
    starts.sort_unstable();
    let value = |key: &str| -> Option<&str> {
        let pos = starts.iter().position(|(_, k)| *k == key)?;
        let begin = starts[pos].0 + key.len() + 1;
        let end = starts.get(pos + 1).map_or(inner.len(), |(at, _)| at - 1);
        let v = inner.get(begin..end)?;
        (v != "<null>" && !v.is_empty()).then_some(v)
    };
    Some(record(
        value("id")?,
        value("name").unwrap_or("Sprint"),
        value("state"),
        value("startDate"),
        value("endDate"),
        value("completeDate"),
        value("goal"),
    ))
}

fn record(
    id: &str,
    name: &str,
    state: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
    complete: Option<&str>,
    goal: Option<&str>,
) -> SprintRecord {
    let state = match state.map(str::to_ascii_lowercase).as_deref() {
        Some("active") => SprintState::Active,
        Some("closed") => SprintState::Closed,
        _ => SprintState::Future,
    };
    SprintRecord {
        origin: SprintOrigin::Tracker(Source::Jira),
        remote_id: id.to_owned(),
        project_remote_id: None,
        name: name.to_owned(),
        state,
        start_at: start.and_then(parse),
        end_at: end.and_then(parse),
        completed_at: complete.and_then(parse),
        goal: goal.filter(|g| !g.is_empty()).map(str::to_owned),
        capacity: None,
    }
}
