//! Changelogs into history: status changes become status events (ids from the changelog, so a
//! re-fetch adds nothing), sprint-field changes give the time an issue joined each sprint.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::StatusCategory;
use crate::domain::issue::EventSource;
use crate::domain::records::StatusEventRecord;
use crate::sync::time::parse;

/// The histories of one issue in any of Jira's envelopes: a page of `values` (the per-issue
/// endpoint), `changeHistories` (bulk fetch), or `histories` (`expand=changelog`).
pub fn histories(v: &Value) -> Vec<Value> {
    for key in ["values", "changeHistories", "histories"] {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            return list.clone();
        }
    }
    Vec::new()
}

pub struct History {
    pub events: Vec<StatusEventRecord>,
    /// Sprint id → when the issue last joined it.
    pub joined: Vec<(String, DateTime<Utc>)>,
    /// Sprint id → when the issue last left it (scope removed, or moved on).
    pub left: Vec<(String, DateTime<Utc>)>,
}

/// A stay in a sprint the issue has left: sprint id, when it joined (when the changelog says;
/// Jira records no change for a sprint set when the issue was made), when it left.
pub type Ended = (String, Option<DateTime<Utc>>, DateTime<Utc>);

impl History {
    /// The sprints left, with the join before each departure: the issue's sprint field no longer
    /// names a sprint left before it closed (scope removed), so only the changelog remembers.
    pub fn ended(&self) -> Vec<Ended> {
        self.left
            .iter()
            .map(|(sprint, left)| {
                let joined = self
                    .joined
                    .iter()
                    .find(|(s, at)| s == sprint && at <= left)
                    .map(|(_, at)| *at);
                (sprint.clone(), joined, *left)
            })
            .collect()
    }
}

pub fn read(
    issue_key: &str,
    histories: &[Value],
    sprint_field: Option<&str>,
    category: &dyn Fn(&str) -> StatusCategory,
) -> History {
    let mut entries: Vec<(DateTime<Utc>, &Value)> = histories
        .iter()
        .filter_map(|h| Some((parse(h.get("created")?.as_str()?)?, h)))
        .collect();
    entries.sort_by_key(|(at, h)| {
        (
            *at,
            h.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
        )
    });
    let mut out = History {
        events: Vec::new(),
        joined: Vec::new(),
        left: Vec::new(),
    };
    for (at, h) in entries {
        let id = h.get("id").and_then(Value::as_str).unwrap_or("");
        let items = h.get("items").and_then(Value::as_array);
        for (n, item) in items.into_iter().flatten().enumerate() {
            let field = item.get("field").and_then(Value::as_str).unwrap_or("");
            let field_id = item.get("fieldId").and_then(Value::as_str).unwrap_or("");
            let text = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            if field.eq_ignore_ascii_case("status") || field_id == "status" {
                let (from, to) = (text("fromString"), text("toString"));
                if to.is_empty() {
                    continue;
                }
                out.events.push(StatusEventRecord {
                    issue_key: issue_key.to_owned(),
                    from_category: (!from.is_empty()).then(|| category(&from)),
                    from_status: (!from.is_empty()).then_some(from),
                    to_category: category(&to),
                    to_status: to,
                    at,
                    source: EventSource::Poll,
                    remote_id: Some(format!("changelog:{id}:{n}")),
                });
            } else if field.eq_ignore_ascii_case("sprint") || Some(field_id) == sprint_field {
                let ids = |k: &str| -> Vec<String> {
                    text(k)
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                };
                let (before, after) = (ids("from"), ids("to"));
                for sprint in &after {
                    if !before.contains(sprint) {
                        out.joined.retain(|(s, _)| s != sprint);
                        out.joined.push((sprint.clone(), at));
                    }
                }
                for sprint in before {
                    if !after.contains(&sprint) {
                        out.left.retain(|(s, _)| *s != sprint);
                        out.left.push((sprint, at));
                    }
                }
            }
        }
    }
    out
}
