//! Write-back to GitLab: state and status labels, weight, assignee, labels, due date, blocking
//! links, notes, and new issues (found again by their marker before any second attempt).

use serde_json::{Value, json};

use super::Gitlab;
use crate::store::{Store, issues, people, sprints};
use crate::sync::SyncError;
use crate::sync::writeback::{self, Pushed, Row, Target, text, unsupported, write};

impl Gitlab {
    pub(crate) async fn push(
        &self,
        store: &Store,
        row: &Row,
        t: &Target,
        payload: &Value,
        dry_run: bool,
    ) -> Result<Pushed, SyncError> {
        let mut out = Pushed::default();
        let iid = || {
            t.iid
                .map(|n| n.to_string())
                .ok_or_else(|| SyncError::Data(format!("{} is not a GitLab issue key", t.key)))
        };
        match row.operation.as_str() {
            "set_status" => {
                self.expect_remote(t, payload).await?;
                let body = status_body(store, row, payload).await?;
                let url = self.url(&["projects", &t.project, "issues", &iid()?]);
                write(&self.http, dry_run, &mut out.writes, "PUT", url, body).await?;
            }
            "set_field" => {
                if self.field_there(t, payload).await? {
                    return Ok(out);
                }
                let body = field_body(store, payload).await?;
                let url = self.url(&["projects", &t.project, "issues", &iid()?]);
                write(&self.http, dry_run, &mut out.writes, "PUT", url, body).await?;
            }
            "comment" => {
                let url = self.url(&["projects", &t.project, "issues", &iid()?, "notes"]);
                let body = json!({ "body": text(payload, "body").unwrap_or_default() });
                write(&self.http, dry_run, &mut out.writes, "POST", url, body).await?;
            }
            "link" => {
                let other = text(payload, "blocks").unwrap_or_default();
                let (path, number) = other
                    .rsplit_once('#')
                    .ok_or_else(|| SyncError::Data(format!("{other} is not a GitLab issue key")))?;
                let url = self.url(&["projects", &t.project, "issues", &iid()?, "links"]);
                let body = json!({
                    "target_project_id": path,
                    "target_issue_iid": number,
                    "link_type": "blocks",
                });
                write(&self.http, dry_run, &mut out.writes, "POST", url, body).await?;
            }
            "create_issue" => {
                out.created = Some(
                    self.create(store, row, t, payload, dry_run, &mut out.writes)
                        .await?,
                );
            }
            "set_sprint" => {
                let milestone = match text(payload, "to") {
                    Some(name) => Some(milestone_of(store, &row.source_name, &name).await?),
                    None => None,
                };
                let url = self.url(&["projects", &t.project, "issues", &iid()?]);
                // Zero takes the milestone away.
                let body = json!({ "milestone_id": milestone.unwrap_or(0) });
                write(&self.http, dry_run, &mut out.writes, "PUT", url, body).await?;
            }
            "unlink" => {
                let other = text(payload, "blocks").unwrap_or_default();
                let links_url = self.url(&["projects", &t.project, "issues", &iid()?, "links"]);
                let links: Vec<Value> = self.get_json(links_url).await?;
                let number: Option<u64> = other.rsplit_once('#').and_then(|(_, n)| n.parse().ok());
                // The link to that issue, as GitLab lists it (the linked issue, with the link's id).
                let link = links
                    .iter()
                    .find(|l| {
                        l.get("iid").and_then(Value::as_u64) == number
                            && l.get("link_type").and_then(Value::as_str) == Some("blocks")
                    })
                    .and_then(|l| l.get("issue_link_id"))
                    .ok_or_else(|| {
                        SyncError::Data(format!("{} does not block {other} on GitLab", t.key))
                    })?;
                let url = self.url(&[
                    "projects",
                    &t.project,
                    "issues",
                    &iid()?,
                    "links",
                    &link.to_string(),
                ]);
                write(
                    &self.http,
                    dry_run,
                    &mut out.writes,
                    "DELETE",
                    url,
                    json!(null),
                )
                .await?;
            }
            other => return Err(SyncError::Data(format!("unknown operation {other}"))),
        }
        Ok(out)
    }

    /// Whether GitLab already holds the field's new value; a conflict when it holds neither
    /// that nor the one the change replaced.
    async fn field_there(&self, t: &Target, payload: &Value) -> Result<bool, SyncError> {
        let Some(iid) = t.iid else {
            return Ok(false);
        };
        let issue: Value = self
            .get_json(self.url(&["projects", &t.project, "issues", &iid.to_string()]))
            .await?;
        let usernames: Vec<String> = issue
            .get("assignees")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.get("username").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let field = text(payload, "field").unwrap_or_default();
        let remote = match field.as_str() {
            "points" => issue.get("weight").and_then(writeback::number_text),
            "due" => text(&issue, "due_date"),
            "labels" => writeback::names_text(writeback::strings(&issue, "labels")),
            "assignee" => writeback::names_text(usernames),
            _ => return Ok(false),
        };
        writeback::expect_field(&t.key, "GitLab", &field, remote.as_deref(), payload)
    }

    /// Refuses to push a status over one someone changed on GitLab since: the issue there must
    /// still show the status this change replaced.
    async fn expect_remote(&self, t: &Target, payload: &Value) -> Result<(), SyncError> {
        let from = text(payload, "from").unwrap_or_default();
        let Some(iid) = t.iid else {
            return Ok(());
        };
        let issue: Value = self
            .get_json(self.url(&["projects", &t.project, "issues", &iid.to_string()]))
            .await?;
        let closed = issue.get("state").and_then(Value::as_str) == Some("closed");
        let labels: Vec<&str> = issue
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let matches = if from.contains("::") {
            labels.contains(&from.as_str())
        } else if from.eq_ignore_ascii_case("closed") {
            closed
        } else {
            !closed
        };
        if matches {
            Ok(())
        } else {
            let shown = if closed { "closed" } else { "open" };
            Err(SyncError::Data(format!(
                "conflict: {} changed on GitLab (it is {shown}, labels {}), not {from:?} as when the change was made; not pushed",
                t.key,
                labels.join(", ")
            )))
        }
    }

    async fn create(
        &self,
        store: &Store,
        row: &Row,
        t: &Target,
        payload: &Value,
        dry_run: bool,
        writes: &mut Vec<String>,
    ) -> Result<(String, String), SyncError> {
        let marker = writeback::marker(row.id);
        let description = writeback::create_description(
            payload,
            "\n\n## Acceptance criteria\n\n",
            &format!("<!-- {marker} -->"),
        );
        let parent = writeback::parent_of(store, row, dry_run).await?;
        let mut labels = writeback::strings(payload, "labels");
        // Without GitLab's epics (a paid tier's), the hierarchy is labels and a link.
        match (text(payload, "issue_type").as_deref(), &parent) {
            (Some("epic"), _) => labels.push("epic".to_owned()),
            (_, Some(p)) if p.issue_type == "epic" => labels.push(format!("epic::{}", p.title)),
            _ => {}
        }
        let mut body = json!({
            "title": text(payload, "title").unwrap_or_default(),
            "description": description,
            "labels": labels.join(","),
        });
        if let Some(points) = payload.get("points").and_then(Value::as_f64) {
            // GitLab's weight is a whole number.
            #[allow(clippy::cast_possible_truncation)]
            let weight = points.round() as i64;
            body["weight"] = json!(weight);
        }
        if let Some(sprint) = text(payload, "sprint") {
            body["milestone_id"] = json!(milestone_of(store, &row.source_name, &sprint).await?);
        }
        let url = self.url(&["projects", &t.project, "issues"]);
        let mut search = self.url(&["projects", &t.project, "issues"]);
        search
            .query_pairs_mut()
            .append_pair("search", &marker)
            .append_pair("in", "description");
        let find = || -> futures_util::future::BoxFuture<'_, Result<Option<(String, String)>, SyncError>> {
            let search = search.clone();
            Box::pin(async move {
                let found: Vec<Value> = self.get_json(search).await?;
                Ok(found.first().and_then(key_of))
            })
        };
        let made =
            writeback::create_once(&self.http, (url, body), dry_run, writes, find, key_of).await?;
        // The parent link: the new issue relates to its parent (GitLab Free has no hierarchy).
        if let Some(p) = &parent
            && let (Some((path, number)), Some((_, iid))) =
                (p.key.rsplit_once('#'), made.1.rsplit_once('#'))
        {
            let url = self.url(&["projects", &t.project, "issues", iid, "links"]);
            let body = json!({
                "target_project_id": path,
                "target_issue_iid": number,
                "link_type": "relates_to",
            });
            write(&self.http, dry_run, writes, "POST", url, body).await?;
        }
        Ok(made)
    }
}

/// The GitLab milestone behind a sprint. Iterations cannot be set over the REST API: those
/// moves are refused (and stay local) rather than sent wrong.
async fn milestone_of(store: &Store, source: &str, sprint: &str) -> Result<u64, SyncError> {
    let remote = sprints::remote_id(store.pool(), source, sprint).await?;
    let remote = remote.ok_or_else(|| SyncError::Data(format!("no GitLab sprint {sprint}")))?;
    remote
        .strip_prefix("milestone:")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            unsupported(
                "GitLab",
                "REST call that sets an iteration (set it in GitLab)",
            )
        })
}

/// `state_event` for a move into or out of done; scoped status labels swapped for the rest.
async fn status_body(store: &Store, row: &Row, payload: &Value) -> Result<Value, SyncError> {
    let category = match row.issue_id {
        Some(id) => issues::category(store.pool(), id).await?,
        None => None,
    };
    let from = text(payload, "from").unwrap_or_default();
    let to = text(payload, "to").unwrap_or_default();
    let mut body = json!({});
    if category.as_deref() == Some("done") {
        body["state_event"] = json!("close");
    } else if from.eq_ignore_ascii_case("closed") {
        body["state_event"] = json!("reopen");
    }
    if to.contains("::") {
        body["add_labels"] = json!(to);
    }
    if from.contains("::") {
        body["remove_labels"] = json!(from);
    }
    Ok(body)
}

async fn field_body(store: &Store, payload: &Value) -> Result<Value, SyncError> {
    let to = text(payload, "to");
    Ok(match text(payload, "field").as_deref() {
        Some("points") => {
            json!({ "weight": to.and_then(|v| v.parse::<f64>().ok()).map(f64::round) })
        }
        Some("labels") => json!({ "labels": to.unwrap_or_default() }),
        Some("due") => json!({ "due_date": to }),
        Some("assignee") => {
            let mut ids = Vec::new();
            for name in to.iter().flat_map(|v| v.split(',')) {
                let id = people::remote_id_of(store.pool(), name.trim()).await?;
                let id = id.ok_or_else(|| SyncError::Data(format!("no GitLab user {name}")))?;
                ids.push(json!(id.parse::<u64>().unwrap_or_default()));
            }
            json!({ "assignee_ids": ids })
        }
        Some("priority") => return Err(unsupported("GitLab", "priority field")),
        other => return Err(SyncError::Data(format!("unknown field {other:?}"))),
    })
}

/// A GitLab issue's id and full reference (`group/project#12`).
fn key_of(issue: &Value) -> Option<(String, String)> {
    let id = issue.get("id")?.as_u64()?.to_string();
    let full = issue.pointer("/references/full").and_then(Value::as_str)?;
    Some((id, full.to_owned()))
}
