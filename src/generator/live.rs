//! The backlog as it streams in: the answer so far parsed leniently (jiter's partial mode closes
//! what is still open and keeps a string being written), so the tree fills in live. Missing
//! fields read as empty; the finished answer is still checked strictly against the schema.

use jiter::{JsonValue, PartialMode};
use serde_json::Value;

use super::backlog::{Backlog, Epic, Story, Task};

/// What the partial answer holds so far (`None`: no object has started).
pub fn partial(answer: &str) -> Option<Backlog> {
    let start = answer.find('{')?;
    let value = JsonValue::parse_with_config(
        &answer.as_bytes()[start..],
        false,
        PartialMode::TrailingStrings,
    )
    .ok()?;
    Some(lenient(&to_serde(&value)))
}

fn to_serde(v: &JsonValue<'_>) -> Value {
    match v {
        JsonValue::Null => Value::Null,
        JsonValue::Bool(b) => Value::Bool(*b),
        JsonValue::Int(i) => Value::from(*i),
        JsonValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        JsonValue::Str(s) => Value::String(s.to_string()),
        JsonValue::Array(items) => Value::Array(items.iter().map(to_serde).collect()),
        JsonValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), to_serde(v)))
                .collect(),
        ),
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn list<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    list(v, key)
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A backlog from whatever fields are there.
fn lenient(v: &Value) -> Backlog {
    Backlog {
        project: text(v, "project"),
        questions: strings(v, "questions"),
        epics: list(v, "epics")
            .map(|e| Epic {
                title: text(e, "title"),
                description: text(e, "description"),
                stories: list(e, "stories")
                    .map(|s| Story {
                        title: text(s, "title"),
                        description: text(s, "description"),
                        acceptance_criteria: strings(s, "acceptance_criteria"),
                        points: s.get("points").and_then(Value::as_f64),
                        labels: strings(s, "labels"),
                        tasks: list(s, "tasks")
                            .map(|t| Task {
                                title: text(t, "title"),
                                description: text(t, "description"),
                                points: t.get("points").and_then(Value::as_f64),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}
