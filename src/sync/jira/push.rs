//! Write-back to Jira: status through the transition whose target is the status wanted,
//! story points through the discovered field, assignee by account id, labels, due date,
//! priority, sprint through the Agile API, blocking links, comments and new issues in Atlassian
//! document format (v3; plain text on Data Center's v2), a new issue found again by its marker
//! before any second attempt.

use serde_json::{Value, json};

use super::Jira;
use crate::store::{Store, people, sprints};
use crate::sync::SyncError;
use crate::sync::writeback::{self, Pushed, Row, Target, text, write};

impl Jira {
    /// Rich text as this deployment takes it.
    fn rich(&self, body: &str) -> Value {
        if self.cloud {
            super::adf::from_text(body)
        } else {
            json!(body)
        }
    }

    pub(crate) async fn push(
        &self,
        store: &Store,
        row: &Row,
        t: &Target,
        payload: &Value,
        dry_run: bool,
    ) -> Result<Pushed, SyncError> {
        let mut out = Pushed::default();
        let issue = format!("/rest/api/{{v}}/issue/{}", t.key);
        match row.operation.as_str() {
            "set_status" => {
                self.transition(&issue, t, payload, dry_run, &mut out.writes)
                    .await?;
            }
            "set_field" => {
                self.set_field(store, &issue, payload, dry_run, &mut out.writes)
                    .await?;
            }
            "set_sprint" => {
                let to = text(payload, "to");
                let (url, body) = match to {
                    Some(name) => {
                        let id = jira_sprint(store, &row.source_name, &name).await?;
                        (
                            format!("/rest/agile/1.0/sprint/{id}/issue"),
                            json!({ "issues": [t.key] }),
                        )
                    }
                    None => (
                        "/rest/agile/1.0/backlog/issue".to_owned(),
                        json!({ "issues": [t.key] }),
                    ),
                };
                write(
                    &self.http,
                    dry_run,
                    &mut out.writes,
                    "POST",
                    self.url(&url),
                    body,
                )
                .await?;
            }
            "link" => {
                let body = json!({
                    "type": { "name": "Blocks" },
                    "outwardIssue": { "key": t.key },
                    "inwardIssue": { "key": text(payload, "blocks") },
                });
                let url = self.url("/rest/api/{v}/issueLink");
                write(&self.http, dry_run, &mut out.writes, "POST", url, body).await?;
            }
            "comment" => {
                let body = json!({ "body": self.rich(&text(payload, "body").unwrap_or_default()) });
                let url = self.url(&format!("{issue}/comment"));
                write(&self.http, dry_run, &mut out.writes, "POST", url, body).await?;
            }
            "create_issue" => {
                out.created = Some(
                    self.create(store, row, t, payload, dry_run, &mut out.writes)
                        .await?,
                );
            }
            "unlink" => {
                let other = text(payload, "blocks").unwrap_or_default();
                let mut url = self.url(&issue);
                url.query_pairs_mut().append_pair("fields", "issuelinks");
                let found = self.get_json(url).await?;
                // This issue blocks the other one: the link whose outward issue is it.
                let link = found
                    .pointer("/fields/issuelinks")
                    .and_then(Value::as_array)
                    .and_then(|links| {
                        links.iter().find(|l| {
                            l.pointer("/type/name").and_then(Value::as_str) == Some("Blocks")
                                && l.pointer("/outwardIssue/key").and_then(Value::as_str)
                                    == Some(other.as_str())
                        })
                    })
                    .and_then(|l| l.get("id").and_then(Value::as_str))
                    .ok_or_else(|| {
                        SyncError::Data(format!("{} does not block {other} in Jira", t.key))
                    })?;
                let url = self.url(&format!("/rest/api/{{v}}/issueLink/{link}"));
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

    /// Moves the issue to the status through the transition that leads there.
    async fn transition(
        &self,
        issue: &str,
        t: &Target,
        payload: &Value,
        dry_run: bool,
        writes: &mut Vec<String>,
    ) -> Result<(), SyncError> {
        let to = text(payload, "to").unwrap_or_default();
        // Never over someone else's change: Jira must still show the status this one replaced.
        let from = text(payload, "from").unwrap_or_default();
        let mut current = self.url(issue);
        current.query_pairs_mut().append_pair("fields", "status");
        let now = self.get_json(current).await?;
        let shown = now
            .pointer("/fields/status/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if shown.eq_ignore_ascii_case(&to) {
            // Already there (someone did the same, or an earlier push got through).
            return Ok(());
        }
        if !shown.eq_ignore_ascii_case(&from) {
            return Err(SyncError::Data(format!(
                "conflict: {} is {shown:?} in Jira, not {from:?} as when the change was made; not pushed",
                t.key
            )));
        }
        let listed = self
            .get_json(self.url(&format!("{issue}/transitions")))
            .await?;
        let transitions = listed
            .get("transitions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // The transition's target status decides, not its name ("QA Review" may lead to
        // "Closed"); an answer without targets (some servers) falls back to the name.
        let name = |t: &Value| {
            t.pointer("/to/name")
                .or_else(|| t.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let available = |t: &&Value| t.get("isAvailable").and_then(Value::as_bool) != Some(false);
        let chosen = transitions
            .iter()
            .filter(available)
            .find(|t| name(t).eq_ignore_ascii_case(&to))
            .ok_or_else(|| {
                let offered: Vec<String> = transitions.iter().map(name).collect();
                SyncError::Data(format!(
                    "{} has no transition to {to:?} from its status (offered: {})",
                    t.key,
                    offered.join(", ")
                ))
            })?;
        let body = json!({ "transition": { "id": chosen.get("id").cloned().unwrap_or_default() } });
        let url = self.url(&format!("{issue}/transitions"));
        write(&self.http, dry_run, writes, "POST", url, body).await?;
        Ok(())
    }

    /// Whether Jira already holds the field's new value; a conflict when it holds neither that
    /// nor the one the change replaced.
    async fn field_there(
        &self,
        store: &Store,
        issue: &str,
        key: &str,
        payload: &Value,
    ) -> Result<bool, SyncError> {
        let field = text(payload, "field").unwrap_or_default();
        let points = if field == "points" {
            self.points_field_for(store, issue, key).await?
        } else {
            None
        };
        let mut url = self.url(issue);
        let wanted = match field.as_str() {
            "points" => points.clone().unwrap_or_default(),
            "due" => "duedate".to_owned(),
            other => other.to_owned(),
        };
        url.query_pairs_mut().append_pair("fields", &wanted);
        let found = self.get_json(url).await?;
        let f = found.get("fields").cloned().unwrap_or_default();
        let remote = match field.as_str() {
            "points" => f.get(&wanted).and_then(writeback::number_text),
            "due" => text(&f, "duedate"),
            "priority" => f
                .pointer("/priority/name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            "labels" => writeback::names_text(writeback::strings(&f, "labels")),
            "assignee" => {
                let account = f.pointer("/assignee/accountId").and_then(Value::as_str);
                match account {
                    Some(id) => people::username_of(store.pool(), id).await?,
                    None => None,
                }
            }
            _ => return Ok(false),
        };
        writeback::expect_field(key, "Jira", &field, remote.as_deref(), payload)
    }

    /// The field an issue's points go in: its project's board's; for a project no configured
    /// board covers, the points field its edit screen offers (`editmeta`); else the one
    /// discovery prefers. A company-managed project's screens refuse the team-managed field.
    async fn points_field_for(
        &self,
        store: &Store,
        issue: &str,
        key: &str,
    ) -> Result<Option<String>, SyncError> {
        let ids = self.fields(store, false).await?;
        let project = key.rsplit_once('-').map_or(key, |(p, _)| p);
        if let Some(id) = ids.points_by_project.get(project) {
            return Ok(Some(id.clone()));
        }
        if ids.points_fields.len() > 1
            && let Ok(answer) = self.http.get(self.url(&format!("{issue}/editmeta"))).await
        {
            let meta: Value = answer.json()?;
            if let Some(id) = ids
                .points_fields
                .iter()
                .find(|id| meta.pointer(&format!("/fields/{id}")).is_some())
            {
                return Ok(Some(id.clone()));
            }
        }
        Ok(ids.story_points.clone())
    }

    async fn set_field(
        &self,
        store: &Store,
        issue: &str,
        payload: &Value,
        dry_run: bool,
        writes: &mut Vec<String>,
    ) -> Result<(), SyncError> {
        let key = issue.rsplit('/').next().unwrap_or_default().to_owned();
        if self.field_there(store, issue, &key, payload).await? {
            return Ok(());
        }
        let to = text(payload, "to");
        let field = text(payload, "field").unwrap_or_default();
        if field == "assignee" {
            let name = to.unwrap_or_default();
            let first = name.split(',').next().unwrap_or_default().trim();
            let account = people::remote_id_of(store.pool(), first).await?;
            let body = json!({ "accountId": account });
            let url = self.url(&format!("{issue}/assignee"));
            write(&self.http, dry_run, writes, "PUT", url, body).await?;
            return Ok(());
        }
        let fields = match field.as_str() {
            "points" => {
                let id = self
                    .points_field_for(store, issue, &key)
                    .await?
                    .ok_or_else(|| {
                        SyncError::Data("no story point field found in this Jira".to_owned())
                    })?;
                json!({ id: to.and_then(|v| v.parse::<f64>().ok()) })
            }
            "labels" => {
                json!({ "labels": to.map(|v| v.split(',').map(str::trim).map(str::to_owned).collect::<Vec<_>>()).unwrap_or_default() })
            }
            "due" => json!({ "duedate": to }),
            "priority" => json!({ "priority": { "name": to } }),
            other => return Err(SyncError::Data(format!("unknown field {other:?}"))),
        };
        let url = self.url(issue);
        write(
            &self.http,
            dry_run,
            writes,
            "PUT",
            url,
            json!({ "fields": fields }),
        )
        .await?;
        Ok(())
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
        let description =
            writeback::create_description(payload, "\n\nAcceptance criteria:\n", &marker);
        let parent = writeback::parent_of(store, row, dry_run).await?;
        // Epic → Story → Sub-task: a task under a story is the story's sub-task.
        let kind = match (text(payload, "issue_type").as_deref(), &parent) {
            (Some("epic"), _) => "Epic",
            (Some("bug"), _) => "Bug",
            (Some("task"), Some(p)) if p.issue_type == "story" => "Sub-task",
            (Some("task"), _) => "Task",
            _ => "Story",
        };
        let mut fields = json!({
            "project": { "key": t.project },
            "summary": text(payload, "title").unwrap_or_default(),
            "issuetype": { "name": kind },
            "description": self.rich(&description),
            "labels": payload.get("labels").cloned().unwrap_or_else(|| json!([])),
        });
        if let Some(p) = &parent {
            fields["parent"] = json!({ "key": p.key });
        }
        let body = json!({ "fields": fields });
        let url = self.url("/rest/api/{v}/issue");
        let find = || -> futures_util::future::BoxFuture<'_, Result<Option<(String, String)>, SyncError>> {
            let jql = format!("text ~ \"{marker}\"");
            Box::pin(async move {
                let found = if self.cloud {
                    self.post_json(
                        self.url("/rest/api/3/search/jql"),
                        json!({ "jql": jql, "fields": ["key"], "maxResults": 1 }),
                    )
                    .await?
                } else {
                    let mut url = self.url("/rest/api/2/search");
                    url.query_pairs_mut()
                        .append_pair("jql", &jql)
                        .append_pair("fields", "key")
                        .append_pair("maxResults", "1");
                    self.get_json(url).await?
                };
                Ok(found.pointer("/issues/0").and_then(id_and_key))
            })
        };
        let made =
            writeback::create_once(&self.http, (url, body), dry_run, writes, find, id_and_key)
                .await?;
        // The sprint is the Agile API's to set, once the issue exists (not in a dry run).
        if let Some(sprint) = text(payload, "sprint").filter(|_| !dry_run) {
            let id = jira_sprint(store, &row.source_name, &sprint).await?;
            let url = self.url(&format!("/rest/agile/1.0/sprint/{id}/issue"));
            write(
                &self.http,
                false,
                writes,
                "POST",
                url,
                json!({ "issues": [made.1] }),
            )
            .await?;
        }
        Ok(made)
    }
}

fn id_and_key(issue: &Value) -> Option<(String, String)> {
    Some((
        issue.get("id")?.as_str()?.to_owned(),
        issue.get("key")?.as_str()?.to_owned(),
    ))
}

/// A sprint's id in Jira.
async fn jira_sprint(store: &Store, source: &str, name: &str) -> Result<String, SyncError> {
    let id = sprints::remote_id(store.pool(), source, name).await?;
    id.ok_or_else(|| SyncError::Data(format!("no Jira sprint {name}")))
}
