//! Backlog exports: CSV for spreadsheets, JSON for scripts (with a schema version), Markdown for
//! pasting into a wiki or a sprint review. Pure formatting over read-model rows.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::text::sanitize;
use crate::domain::time::to_db;
use crate::store::read::IssueRow;

/// Bumped when a field is renamed or removed; adding fields keeps it.
pub const JSON_VERSION: u32 = 1;

const CSV_HEADER: [&str; 17] = [
    "key",
    "project",
    "type",
    "title",
    "status",
    "category",
    "assignees",
    "points",
    "sprint",
    "priority",
    "labels",
    "parent",
    "due",
    "created",
    "updated",
    "url",
    "blocked",
];

fn points(p: Option<f64>) -> String {
    p.map(|v| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v}")
        }
    })
    .unwrap_or_default()
}

fn opt(v: Option<&String>) -> String {
    v.map(|s| sanitize(s, false)).unwrap_or_default()
}

pub fn csv(rows: &[IssueRow]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    for r in rows {
        w.write_record([
            sanitize(&r.key, false),
            sanitize(&r.project_key, false),
            r.issue_type.clone(),
            sanitize(&r.title, false),
            sanitize(&r.status, false),
            r.status_category.clone(),
            opt(r.assignees.as_ref()),
            points(r.story_points),
            opt(r.sprint.as_ref()),
            opt(r.priority.as_ref()),
            opt(r.labels.as_ref()),
            opt(r.parent_key.as_ref()),
            opt(r.due_date.as_ref()),
            r.created_at.clone(),
            r.updated_at.clone(),
            opt(r.web_url.as_ref()),
            r.blocked.to_string(),
        ])?;
    }
    let bytes = w.into_inner().map_err(csv::IntoInnerError::into_error)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Serialize)]
struct JsonExport<'a> {
    version: u32,
    generated_at: String,
    query: &'a str,
    count: usize,
    issues: &'a [IssueRow],
}

pub fn json(
    rows: &[IssueRow],
    query: &str,
    now: DateTime<Utc>,
) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&JsonExport {
        version: JSON_VERSION,
        generated_at: to_db(now),
        query,
        count: rows.len(),
        issues: rows,
    })?;
    text.push('\n');
    Ok(text)
}

/// A cell that cannot break the table: no pipes, no newlines, no escape sequences.
fn cell(text: &str) -> String {
    sanitize(text, false).replace('|', "\\|")
}

pub fn markdown(rows: &[IssueRow], query: &str) -> String {
    let mut out = String::new();
    let what = if query.trim().is_empty() {
        String::new()
    } else {
        format!(" matching `{}`", query.replace('`', "'"))
    };
    let _ = write!(
        out,
        "{} issue{}{what}\n\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    out.push_str(
        "| Key | Type | Title | Status | Assignee | Points | Sprint | Priority | Due | Updated |\n",
    );
    out.push_str("|---|---|---|---|---|---:|---|---|---|---|\n");
    for r in rows {
        let key = match &r.web_url {
            Some(url) => format!("[{}]({})", cell(&r.key), cell(url)),
            None => cell(&r.key),
        };
        let _ = writeln!(
            out,
            "| {key} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.issue_type,
            cell(&r.title),
            cell(&r.status),
            cell(r.assignees.as_deref().unwrap_or("")),
            points(r.story_points),
            cell(r.sprint.as_deref().unwrap_or("")),
            cell(r.priority.as_deref().unwrap_or("")),
            r.due_date.as_deref().unwrap_or(""),
            r.updated_at.get(..10).unwrap_or(&r.updated_at),
        );
    }
    out
}
