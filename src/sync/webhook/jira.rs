//! Jira webhook deliveries: issue created/updated (the issue, and its changelog as status
//! events), deleted (marked gone), and sprint events. Signed with the source's secret
//! (`X-Hub-Signature: sha256=<hex HMAC>`).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::domain::StatusCategory;
use crate::domain::records::Batch;
use crate::sync::jira::fields::FieldIds;
use crate::sync::jira::{changelog, map, sprints};

/// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`; compared in
/// constant time.
pub fn signed(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Some(hex) = signature.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// What a delivery asks for.
pub enum Change {
    Store(Batch),
    /// Issue keys deleted in Jira.
    Gone(Vec<String>),
    Nothing,
}

pub fn change(
    source_name: &str,
    base_url: &str,
    body: &[u8],
    fields: &FieldIds,
    now: DateTime<Utc>,
) -> Result<Change, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("not a Jira webhook delivery: {e}"))?;
    let event = v
        .get("webhookEvent")
        .and_then(Value::as_str)
        .ok_or("not a Jira webhook delivery: no webhookEvent")?;
    match event {
        "jira:issue_deleted" => {
            let key = v
                .pointer("/issue/key")
                .and_then(Value::as_str)
                .ok_or("an issue_deleted delivery without the issue key")?;
            Ok(Change::Gone(vec![key.to_owned()]))
        }
        "jira:issue_created" | "jira:issue_updated" => {
            let issue = v
                .get("issue")
                .ok_or("an issue delivery without the issue")?;
            let mut batch = map::batch(
                source_name,
                base_url,
                std::slice::from_ref(issue),
                fields,
                now,
            )?;
            // Without a known sprint field the delivery says nothing about sprints.
            if fields.sprint.is_none() {
                batch.observed_at = None;
            }
            if let (Some(log), Some(key)) =
                (v.get("changelog"), issue.get("key").and_then(Value::as_str))
            {
                let at = v
                    .get("timestamp")
                    .and_then(Value::as_i64)
                    .and_then(DateTime::from_timestamp_millis)
                    .unwrap_or(now);
                let mut entry = log.clone();
                entry["created"] = Value::from(at.to_rfc3339());
                let statuses: Vec<(String, StatusCategory)> = batch
                    .issues
                    .iter()
                    .map(|i| (i.status.to_lowercase(), i.status_category))
                    .collect();
                let category = |name: &str| {
                    statuses
                        .iter()
                        .find(|(s, _)| *s == name.to_lowercase())
                        .map_or_else(|| map::category_of_name(name), |(_, c)| *c)
                };
                let history = changelog::read(key, &[entry], fields.sprint.as_deref(), &category);
                batch.events.extend(history.events.into_iter().map(|mut e| {
                    e.source = crate::domain::issue::EventSource::Webhook;
                    e
                }));
            }
            Ok(Change::Store(batch))
        }
        e if e.starts_with("sprint_") => {
            let sprint = v
                .get("sprint")
                .and_then(sprints::from_object)
                .ok_or("a sprint delivery without the sprint")?;
            Ok(Change::Store(Batch {
                source_name: source_name.to_owned(),
                sprints: vec![sprint],
                ..Batch::default()
            }))
        }
        _ => Ok(Change::Nothing),
    }
}
