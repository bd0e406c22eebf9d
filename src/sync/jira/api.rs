//! The Jira REST calls sprintdeck makes, v3 on Cloud and v2 on Data Center: JSON in and out
//! (errors with a hint of what to do), search pages, field discovery, the scope's JQL and the
//! `doctor` check.

use reqwest::Url;
use serde_json::{Value, json};

use super::Jira;
use super::fields::{self, FieldIds};
use crate::store::{Store, sync_state};
use crate::sync::SyncError;
use crate::sync::http::HttpError;

impl Jira {
    pub(super) fn url(&self, path: &str) -> Url {
        let version = if self.cloud { "3" } else { "2" };
        let path = path.replace("{v}", version);
        self.base
            .join(path.trim_start_matches('/'))
            .unwrap_or_else(|_| self.base.clone())
    }

    pub(super) fn web_base(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }

    pub(super) async fn get_json(&self, url: Url) -> Result<Value, SyncError> {
        Ok(self.http.get(url).await.map_err(with_hint)?.json()?)
    }

    pub(super) async fn post_json(&self, url: Url, body: Value) -> Result<Value, SyncError> {
        Ok(self
            .http
            .post_json(url, body)
            .await
            .map_err(with_hint)?
            .json()?)
    }

    /// One page of `search/jql`: issues, and the next token (`None` on the last page, whether
    /// the token is absent, null or empty).
    pub(super) async fn search_page(
        &self,
        jql: &str,
        fields: &[String],
        max: usize,
        token: Option<String>,
    ) -> Result<(Vec<Value>, Option<String>), SyncError> {
        let mut body = json!({ "jql": jql, "fields": fields, "maxResults": max });
        if let Some(t) = token {
            body["nextPageToken"] = Value::from(t);
        }
        let answer = self
            .post_json(self.url("rest/api/3/search/jql"), body)
            .await?;
        let issues = answer
            .get("issues")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| {
                SyncError::Data(format!("{}: a search answer without issues", self.name))
            })?;
        let last = answer
            .get("isLast")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let next = answer
            .get("nextPageToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty() && !last)
            .map(str::to_owned);
        Ok((issues, next))
    }

    /// Field ids: remembered from an earlier pass, found again with `full`.
    pub async fn fields(&self, store: &Store, refresh: bool) -> Result<FieldIds, SyncError> {
        if !refresh
            && let Some(saved) = sync_state::cursor(store.pool(), &self.name, "fields").await?
            && let Ok(ids) = serde_json::from_str::<FieldIds>(&saved)
            && ids.version >= fields::DISCOVERY_VERSION
        {
            return Ok(ids);
        }
        let mut ids = self.discover_fields().await?;
        let overridden = self.source.fields.contains_key("story_points");
        for board in &self.source.boards {
            let url = self
                .base
                .join(&format!("rest/agile/1.0/board/{board}/configuration"))
                .unwrap_or_else(|_| self.base.clone());
            let config = self.get_json(url).await?;
            ids.status_columns.extend(fields::board_columns(&config));
            if let Some((project, field)) = fields::board_estimation(&config)
                && !overridden
            {
                ids.points_by_project.entry(project).or_insert(field);
            }
        }
        let (name, json, now) = (
            self.name.clone(),
            serde_json::to_string(&ids).unwrap_or_default(),
            self.clock.now(),
        );
        store
            .writer()
            .transaction(move |c| {
                Box::pin(
                    async move { sync_state::set_cursor(c, &name, "fields", &json, now).await },
                )
            })
            .await?;
        Ok(ids)
    }

    /// The field ids as the site's field list gives them (with the config's overrides).
    pub async fn discover_fields(&self) -> Result<FieldIds, SyncError> {
        let list: Vec<fields::FieldDef> =
            serde_json::from_value(self.get_json(self.url("rest/api/{v}/field")).await?)
                .map_err(|e| SyncError::Data(format!("{}: field list: {e}", self.name)))?;
        Ok(fields::discover(&list, &self.source.fields))
    }

    /// The JQL that says what this source covers. A source given by boards only is their saved
    /// filters (`filter = ID`), read from each board's configuration and remembered.
    pub(super) async fn scope(&self, store: &Store, refresh: bool) -> Result<String, SyncError> {
        if !self.source.projects.is_empty() || self.source.jql.is_some() {
            return Ok(self.configured_scope());
        }
        if !refresh
            && let Some(saved) =
                sync_state::cursor(store.pool(), &self.name, "board-filters").await?
        {
            return Ok(saved);
        }
        let mut filters = Vec::new();
        for board in &self.source.boards {
            let url = self
                .base
                .join(&format!("rest/agile/1.0/board/{board}/configuration"))
                .unwrap_or_else(|_| self.base.clone());
            let config = self.get_json(url).await?;
            let id = config
                .pointer("/filter/id")
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .or_else(|| v.as_u64().map(|n| n.to_string()))
                })
                .ok_or_else(|| {
                    SyncError::Data(format!("{}: board {board} has no filter", self.name))
                })?;
            filters.push(format!("filter = {id}"));
        }
        let jql = filters.join(" OR ");
        let (name, value, now) = (self.name.clone(), jql.clone(), self.clock.now());
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    sync_state::set_cursor(c, &name, "board-filters", &value, now).await
                })
            })
            .await?;
        Ok(jql)
    }

    pub(super) fn configured_scope(&self) -> String {
        let mut parts = Vec::new();
        if !self.source.projects.is_empty() {
            let keys: Vec<String> = self
                .source
                .projects
                .iter()
                .map(|k| format!("\"{}\"", k.replace('"', "")))
                .collect();
            parts.push(format!("project in ({})", keys.join(", ")));
        }
        if let Some(jql) = &self.source.jql {
            parts.push(format!("({jql})"));
        }
        parts.join(" AND ")
    }

    /// What `doctor` reports: who the token signs in as, the projects and boards it sees, and
    /// the fields found.
    pub async fn check(&self) -> Result<Vec<String>, SyncError> {
        let me = self.get_json(self.url("rest/api/{v}/myself")).await?;
        let who = me
            .get("displayName")
            .or_else(|| me.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");
        let mut lines = vec![format!("reachable; signed in as {who}")];
        for key in &self.source.projects {
            let url = self.url(&format!("rest/api/{{v}}/project/{key}"));
            lines.push(match self.http.get(url).await {
                Ok(_) => format!("project {key} visible"),
                Err(e) => format!("project {key}: {e}"),
            });
        }
        for board in &self.source.boards {
            let url = self
                .base
                .join(&format!("rest/agile/1.0/board/{board}"))
                .unwrap_or_else(|_| self.base.clone());
            lines.push(match self.http.get(url).await {
                Ok(_) => format!("board {board} visible"),
                Err(e) => format!("board {board}: {e}"),
            });
        }
        let ids = self.discover_fields().await?;
        let show = |o: &Option<String>| o.clone().unwrap_or_else(|| "not found".to_owned());
        lines.push(format!(
            "fields: story points {}, sprint {}, epic link {}, start date {}",
            show(&ids.story_points),
            show(&ids.sprint),
            show(&ids.epic_link),
            show(&ids.start_date)
        ));
        Ok(lines)
    }
}

/// 401/403 and 410 say what to do.
pub(super) fn with_hint(e: HttpError) -> HttpError {
    match e {
        HttpError::Auth {
            status,
            url,
            message,
        } => {
            let hint = if status == 401 {
                "check the e-mail and API token (Cloud) or the personal access token (Data Center)"
            } else {
                "the account cannot see this project, board or endpoint"
            };
            HttpError::Auth {
                status,
                url,
                message: format!("{message} ({hint})"),
            }
        }
        HttpError::Gone { url, message } => HttpError::Gone {
            message: format!(
                "{message}{}this endpoint was retired; Jira Cloud searches with POST /rest/api/3/search/jql (set deployment = \"cloud\")",
                if message.is_empty() { "" } else { " — " }
            ),
            url,
        },
        other => other,
    }
}
