//! Write-back: the outbox rows applied proposals left, pushed to their trackers in order. Each
//! row is sent once it succeeds (`sent`, with the remote id of a created issue), or marked
//! `failed` with the reason and tried again on the next push. A create is never sent twice:
//! its description carries a marker the tracker is searched for before each attempt. A dry run
//! reads what it must (transitions, the created issue's marker) and lists the writes instead.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::http::Sleeper;
use super::{Options, SyncError};
use crate::clock::Clock;
use crate::config::Config;
use crate::store::{Store, outbox};

/// One pending row.
pub use crate::store::outbox::Row;

/// The issue a row is about, as the tracker knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub key: String,
    /// GitLab: the project's id; Jira: the project key.
    pub project: String,
    /// GitLab's issue number in its project.
    pub iid: Option<u64>,
}

/// What pushing a row did: the writes (sent, or listed in a dry run) and a created issue's
/// remote id and key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pushed {
    pub writes: Vec<String>,
    pub created: Option<(String, String)>,
}

/// Text that marks an issue as created from outbox row `id` (searchable on both trackers).
pub fn marker(id: i64) -> String {
    format!("sprintdeck-outbox-{id}")
}

/// Sends a write, or in a dry run only lists it. Either way it is listed in `writes`.
pub(crate) async fn write(
    http: &super::http::Http,
    dry_run: bool,
    writes: &mut Vec<String>,
    method: &str,
    url: reqwest::Url,
    body: Value,
) -> Result<Option<Value>, SyncError> {
    writes.push(format!(
        "{method} {} {}",
        super::http::redact_url(&url),
        body
    ));
    if dry_run {
        return Ok(None);
    }
    let answer = match method {
        "PUT" => http.put_json(url, body).await?,
        "DELETE" => http.delete(url).await?,
        _ => http.post_json(url, body).await?,
    };
    Ok(serde_json::from_slice(&answer.body).ok())
}

/// Creates with `create` unless `find` sees the marker already; a transient failure is looked
/// for again before the next attempt, so a create that timed out but happened is kept once.
/// The POST is listed in `writes`; a dry run only looks for the marker. `key_of` reads the
/// created issue's remote id and key from the tracker's answer.
pub(crate) async fn create_once<'a, F>(
    http: &super::http::Http,
    (url, body): (reqwest::Url, Value),
    dry_run: bool,
    writes: &mut Vec<String>,
    find: F,
    key_of: fn(&Value) -> Option<(String, String)>,
) -> Result<(String, String), SyncError>
where
    F: Fn() -> futures_util::future::BoxFuture<'a, Result<Option<(String, String)>, SyncError>>,
{
    writes.push(format!("POST {} {body}", super::http::redact_url(&url)));
    if dry_run {
        return Ok(find().await?.unwrap_or_default());
    }
    let create = || async {
        let answer = http.post_once(url.clone(), body.clone()).await?;
        let created: Value = answer.json()?;
        key_of(&created).ok_or_else(|| {
            SyncError::Data("the tracker answered without the new issue's id and key".into())
        })
    };
    let mut delays = http.delays();
    loop {
        if let Some(found) = find().await? {
            return Ok(found);
        }
        match create().await {
            Err(SyncError::Http(e)) if e.is_transient() => {
                let Some(delay) = delays.next() else {
                    return Err(SyncError::Http(e));
                };
                tracing::warn!(error = %e, "create failed; looking for it before trying again");
                http.wait(delay).await;
            }
            other => return other,
        }
    }
}

/// The rows waiting for a push, oldest first, for the configured sources only.
async fn pending(store: &Store, sources: &[String]) -> Result<Vec<Row>, SyncError> {
    Ok(outbox::pending(store.pool())
        .await?
        .into_iter()
        .filter(|r| sources.contains(&r.source_name))
        .collect())
}

async fn target(store: &Store, issue_id: i64) -> Result<Target, SyncError> {
    let (key, project_id, project_key) = outbox::target(store.pool(), issue_id)
        .await?
        .ok_or_else(|| SyncError::Data(format!("issue {issue_id} no longer exists")))?;
    let iid = key.rsplit_once('#').and_then(|(_, n)| n.parse().ok());
    Ok(Target {
        project: if iid.is_some() {
            project_id
        } else {
            project_key
        },
        key,
        iid,
    })
}

/// What a push did, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub row: i64,
    pub operation: String,
    pub result: Result<Pushed, String>,
}

/// Pushes every pending row of the configured sources (one source: `only`), on `clock`.
pub async fn push(
    store: &Store,
    config: &Config,
    only: Option<&str>,
    dry_run: bool,
    clock: Clock,
    sleeper: Option<Sleeper>,
) -> Result<Vec<Outcome>, SyncError> {
    let options = Options::new(&config.sync, clock);
    push_with(store, config, only, dry_run, &options, sleeper).await
}

async fn push_with(
    store: &Store,
    config: &Config,
    only: Option<&str>,
    dry_run: bool,
    options: &Options,
    sleeper: Option<Sleeper>,
) -> Result<Vec<Outcome>, SyncError> {
    let now = options.now;
    let names: Vec<String> = config
        .gitlab
        .iter()
        .map(|s| s.name.clone())
        .chain(config.jira.iter().map(|s| s.name.clone()))
        .filter(|n| only.is_none_or(|o| o == n))
        .collect();
    let rows = pending(store, &names).await?;
    let mut outcomes = Vec::new();
    let mut gitlabs = std::collections::HashMap::new();
    let mut jiras = std::collections::HashMap::new();
    for row in rows {
        let result = async {
            let issue = row
                .issue_id
                .ok_or_else(|| SyncError::Data("the row names no issue".to_owned()))?;
            let t = target(store, issue).await?;
            let payload: Value = serde_json::from_str(&row.payload_json)
                .map_err(|e| SyncError::Data(format!("bad payload: {e}")))?;
            if let Some(source) = config.gitlab.iter().find(|s| s.name == row.source_name) {
                if !gitlabs.contains_key(&source.name) {
                    let g = super::gitlab::Gitlab::connect(source, options, sleeper.clone(), None)
                        .await?;
                    gitlabs.insert(source.name.clone(), g);
                }
                let g = &gitlabs[&source.name];
                g.push(store, &row, &t, &payload, dry_run).await
            } else if let Some(source) = config.jira.iter().find(|s| s.name == row.source_name) {
                if !jiras.contains_key(&source.name) {
                    let j =
                        super::jira::Jira::connect(source, options, sleeper.clone(), None).await?;
                    jiras.insert(source.name.clone(), j);
                }
                let j = &jiras[&source.name];
                j.push(store, &row, &t, &payload, dry_run).await
            } else {
                Err(SyncError::Setup(format!(
                    "no source named {}",
                    row.source_name
                )))
            }
        }
        .await;
        if !dry_run {
            record(store, &row, &result, now).await?;
        }
        let stop = matches!(&result, Err(SyncError::Http(e)) if e.is_auth());
        outcomes.push(Outcome {
            row: row.id,
            operation: row.operation.clone(),
            result: result.map_err(|e| e.to_string()),
        });
        // A refused token refuses the rest too: stop rather than fail every row the same way.
        if stop {
            break;
        }
    }
    Ok(outcomes)
}

/// Marks the row sent (and gives a created issue its real key and id) or failed.
async fn record(
    store: &Store,
    row: &Row,
    result: &Result<Pushed, SyncError>,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    let (id, issue) = (row.id, row.issue_id);
    let outcome: Result<Option<(String, String)>, String> = match result {
        Ok(p) => Ok(p.created.clone()),
        Err(e) => Err(e.to_string()),
    };
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                match outcome {
                    Ok(created) => outbox::mark_sent(c, id, issue, created, now).await,
                    Err(reason) => outbox::mark_failed(c, id, &reason, now).await,
                }
            })
        })
        .await?;
    Ok(())
}

/// A permanent refusal for operations a tracker has no place for.
pub(crate) fn unsupported(tracker: &str, what: &str) -> SyncError {
    SyncError::Data(format!("{tracker} has no {what}: the change stays local"))
}

pub(crate) fn text(payload: &Value, name: &str) -> Option<String> {
    payload.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// After a sync of `source` that started at `since`: each change pushed before it is confirmed
/// when the tracker holds what was pushed, and becomes a conflict (failed, with what the
/// tracker shows) when it holds something else — a later push then refuses to overwrite it.
/// Returns (confirmed, conflicts).
pub async fn confirm(
    store: &Store,
    source: &str,
    since: DateTime<Utc>,
) -> Result<(usize, usize), SyncError> {
    use crate::domain::proposal::Field;
    let rows = outbox::sent_unconfirmed(store.pool(), source, since).await?;
    let mut verdicts: Vec<(i64, Option<String>)> = Vec::new();
    for (id, issue, operation, payload) in rows {
        let (Some(issue), Ok(payload)) = (issue, serde_json::from_str::<Value>(&payload)) else {
            continue;
        };
        let pushed = text(&payload, "to");
        let field = match text(&payload, "field").as_deref() {
            Some("points") => Some(Field::Points),
            Some("assignee") => Some(Field::Assignee),
            Some("labels") => Some(Field::Labels),
            Some("due") => Some(Field::Due),
            Some("priority") => Some(Field::Priority),
            _ => None,
        };
        let now: Option<String> = match (operation.as_str(), field) {
            ("set_status", _) => crate::store::issues::status(store.pool(), issue).await?,
            (_, Some(f)) => crate::store::proposals::field_value(store.pool(), issue, f).await?,
            _ => continue,
        };
        let same = match (&now, &pushed) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        };
        let conflict = (!same).then(|| {
            format!(
                "conflict: after the push the tracker shows {}, not {}; check it there",
                now.as_deref().unwrap_or("nothing"),
                pushed.as_deref().unwrap_or("nothing")
            )
        });
        verdicts.push((id, conflict));
    }
    let conflicts = verdicts.iter().filter(|(_, c)| c.is_some()).count();
    let confirmed = verdicts.len() - conflicts;
    if verdicts.is_empty() {
        return Ok((0, 0));
    }
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                for (id, conflict) in verdicts {
                    match conflict {
                        None => outbox::confirm(c, id, since).await?,
                        Some(why) => outbox::overwritten(c, id, &why, since).await?,
                    }
                }
                Ok(())
            })
        })
        .await?;
    Ok((confirmed, conflicts))
}

/// Before a field is pushed: the tracker must still hold the value the change replaced.
/// `Ok(true)`: it already holds the new one (nothing to send); a third value is a conflict.
pub(crate) fn expect_field(
    key: &str,
    tracker: &str,
    field: &str,
    remote: Option<&str>,
    payload: &Value,
) -> Result<bool, SyncError> {
    let norm = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase)
    };
    let remote = norm(remote);
    let from = norm(text(payload, "from").as_deref());
    let to = norm(text(payload, "to").as_deref());
    if remote == to {
        return Ok(true);
    }
    if remote == from {
        return Ok(false);
    }
    Err(SyncError::Data(format!(
        "conflict: {key}'s {field} is {} in {tracker}, not {} as when the change was made; not pushed",
        remote.as_deref().unwrap_or("empty"),
        from.as_deref().unwrap_or("empty"),
    )))
}

/// A number as changes write it: `5`, `2.5`.
pub(crate) fn number_text(v: &Value) -> Option<String> {
    let n = v.as_f64()?;
    Some(if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        n.to_string()
    })
}

/// A list of names as changes write it: sorted, comma-separated.
pub(crate) fn names_text(names: Vec<String>) -> Option<String> {
    let mut names = names;
    names.sort();
    (!names.is_empty()).then(|| names.join(","))
}

/// The strings of the array `name` in `v` (missing or not an array: none).
pub(crate) fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A created issue's description: the text, its acceptance criteria as a list under
/// `heading`, and the marker line it is found again by.
pub(crate) fn create_description(payload: &Value, heading: &str, marker_line: &str) -> String {
    let mut description = text(payload, "description").unwrap_or_default();
    let criteria = strings(payload, "acceptance_criteria");
    if !criteria.is_empty() {
        description.push_str(heading);
        let items: Vec<String> = criteria.iter().map(|c| format!("- {c}")).collect();
        description.push_str(&items.join("\n"));
    }
    description.push_str("\n\n");
    description.push_str(marker_line);
    description
}

/// The parent of an issue being created, as the store knows it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Parent {
    /// Its real key once created on the tracker (the local one until then).
    pub key: String,
    pub issue_type: String,
    pub title: String,
    /// It exists on the tracker (not only here).
    pub pushed: bool,
}

/// The parent of the issue `row` creates, if it has one. A parent not on the tracker yet fails
/// the create (it is tried again after the parent's), except in a dry run, which shows it.
pub async fn parent_of(
    store: &Store,
    row: &Row,
    dry_run: bool,
) -> Result<Option<Parent>, SyncError> {
    let Some(issue) = row.issue_id else {
        return Ok(None);
    };
    let found = outbox::parent_of(store.pool(), issue).await?;
    let parent = found.map(|(key, issue_type, title, pushed)| Parent {
        key,
        issue_type,
        title,
        pushed,
    });
    if let Some(p) = &parent
        && !p.pushed
        && !dry_run
    {
        return Err(SyncError::Data(format!(
            "its parent {} is not on the tracker yet; it goes after the parent's create",
            p.key
        )));
    }
    Ok(parent)
}
