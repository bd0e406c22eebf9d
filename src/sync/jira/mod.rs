//! Jira sync, Cloud and Data Center. Issues come from JQL (`updated` order, the cursor moving
//! with each page written): on Cloud through `POST /rest/api/3/search/jql` with
//! `nextPageToken`, bootstrapping with id pages and concurrent `issue/bulkfetch` batches; on
//! Data Center through `/rest/api/2/search` with `startAt`. Custom fields are discovered once
//! and remembered; changelogs give status history and sprint joins.

pub mod adf;
pub mod changelog;
pub mod fields;
pub mod map;
mod push;
pub mod sprints;

use std::collections::{HashMap, HashSet};

use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::Url;
use serde_json::{Value, json};

use self::fields::FieldIds;
use super::http::{Auth, Http, HttpError, Sleeper};
use super::{Counts, Options, Progress, SyncError, SyncEvent, report};
use crate::config::{JiraDeployment, JiraSource};
use crate::domain::StatusCategory;
use crate::domain::records::Batch;
use crate::domain::time::to_db;
use crate::store::{Store, import, sync_state};

/// Issues per search page with all fields, and per bulk fetch.
const PAGE: usize = 100;
/// Issues per id-only search page (the endpoint allows large pages without fields).
const ID_PAGE: usize = 5000;

pub struct Jira {
    name: String,
    base: Url,
    http: Http,
    source: JiraSource,
    cloud: bool,
    /// Stamps what a pass remembers outside its page writes (field ids, board filters).
    clock: crate::clock::Clock,
}

/// One page of issues on its way to the store.
struct Prepared {
    batch: Batch,
    seen: usize,
    changed: usize,
    max_updated: Option<chrono::DateTime<chrono::Utc>>,
    /// Issues whose history came with the page (inline changelogs).
    history_keys: Vec<String>,
    /// (issue, sprint, when it left) from those histories.
    left: Vec<(String, String, chrono::DateTime<chrono::Utc>)>,
}

impl Jira {
    pub async fn connect(
        source: &JiraSource,
        options: &Options,
        sleeper: Option<Sleeper>,
        progress: Option<Progress>,
    ) -> Result<Self, SyncError> {
        let setup = |m: String| SyncError::Setup(format!("{}: {m}", source.name));
        let token = crate::config::secrets::resolve(source.secret())
            .await
            .map_err(|e| setup(e.to_string()))?;
        let cloud = source.deployment == JiraDeployment::Cloud;
        let auth = if cloud {
            let user = source.email.clone().ok_or_else(|| {
                setup("Jira Cloud needs `email` (the account the API token belongs to)".into())
            })?;
            Auth::Basic { user, token }
        } else {
            Auth::Bearer(token)
        };
        let http = super::source_http(
            &source.name,
            auth,
            source.ca_file.as_deref(),
            options,
            sleeper,
            progress,
        )?;
        let base = Url::parse(&format!("{}/", source.base_url.trim_end_matches('/')))
            .map_err(|e| setup(format!("base_url: {e}")))?;
        if source.projects.is_empty() && source.jql.is_none() && source.boards.is_empty() {
            return Err(setup(
                "set projects, jql or boards to say what to sync".into(),
            ));
        }
        Ok(Self {
            name: source.name.clone(),
            base,
            http,
            source: source.clone(),
            cloud,
            clock: options.clock,
        })
    }

    fn url(&self, path: &str) -> Url {
        let version = if self.cloud { "3" } else { "2" };
        let path = path.replace("{v}", version);
        self.base
            .join(path.trim_start_matches('/'))
            .unwrap_or_else(|_| self.base.clone())
    }

    fn web_base(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }

    async fn get_json(&self, url: Url) -> Result<Value, SyncError> {
        Ok(self.http.get(url).await.map_err(with_hint)?.json()?)
    }

    async fn post_json(&self, url: Url, body: Value) -> Result<Value, SyncError> {
        Ok(self
            .http
            .post_json(url, body)
            .await
            .map_err(with_hint)?
            .json()?)
    }

    /// Field ids: remembered from an earlier pass, found again with `full`.
    pub async fn fields(&self, store: &Store, refresh: bool) -> Result<FieldIds, SyncError> {
        if !refresh
            && let Some(saved) = sync_state::cursor(store.pool(), &self.name, "fields").await?
            && let Ok(ids) = serde_json::from_str::<FieldIds>(&saved)
        {
            return Ok(ids);
        }
        let mut ids = self.discover_fields().await?;
        for board in &self.source.boards {
            let url = self
                .base
                .join(&format!("rest/agile/1.0/board/{board}/configuration"))
                .unwrap_or_else(|_| self.base.clone());
            ids.status_columns
                .extend(fields::board_columns(&self.get_json(url).await?));
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
    async fn scope(&self, store: &Store, refresh: bool) -> Result<String, SyncError> {
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

    fn configured_scope(&self) -> String {
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

    pub async fn sync(
        &self,
        store: &Store,
        options: &Options,
        progress: Option<&Progress>,
    ) -> Result<Counts, SyncError> {
        let fields = self.fields(store, options.full).await?;
        let cursor = if options.full {
            None
        } else {
            sync_state::cursor(store.pool(), &self.name, "issues").await?
        };
        let kind = if cursor.is_none() {
            "bootstrap"
        } else {
            "incremental"
        };
        report(
            progress,
            SyncEvent::Started {
                source: self.name.clone(),
                kind: kind.to_owned(),
            },
        );
        let mut counts = Counts::default();
        super::logged_run(store, &self.name, kind, options.now, |run| {
            self.pass(
                store,
                options,
                &fields,
                cursor.as_deref(),
                run,
                &mut counts,
                progress,
            )
        })
        .await?;
        Ok(counts)
    }

    #[allow(clippy::too_many_arguments)]
    async fn pass(
        &self,
        store: &Store,
        options: &Options,
        fields: &FieldIds,
        cursor: Option<&str>,
        run: i64,
        counts: &mut Counts,
        progress: Option<&Progress>,
    ) -> Result<(), SyncError> {
        self.board_sprints(store).await?;
        let scope = self.scope(store, options.full).await?;
        let jql = match cursor.and_then(crate::sync::time::parse) {
            Some(at) => {
                // Relative minutes, because JQL dates are read in the account's time zone; one
                // minute of overlap, de-duplicated by the upsert.
                let minutes = (options.now - at).num_minutes().max(0) + 1;
                format!("({scope}) AND updated >= \"-{minutes}m\" ORDER BY updated ASC")
            }
            None => format!(
                "({scope}) AND (statusCategory != Done OR updated >= \"-{}d\") ORDER BY updated ASC",
                options.closed_window_days
            ),
        };
        let mut sink = Sink {
            store,
            fields,
            categories: self.known_categories(store).await?,
            run,
            options,
            counts,
            progress,
        };
        if self.cloud {
            if cursor.is_some() {
                self.paged_search(&jql, &mut sink).await?;
            } else {
                self.bootstrap(&jql, &mut sink).await?;
            }
            self.backfill_history(&sink, progress).await?;
        } else {
            self.classic_pages(&jql, &mut sink).await?;
        }
        if options.reconcile || options.full {
            sink.counts.gone += self.reconcile(store, options).await?;
        }
        Ok(())
    }
}

impl Jira {
    /// One page of `search/jql`: issues, and the next token (`None` on the last page, whether
    /// the token is absent, null or empty).
    async fn search_page(
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

    /// Bootstrap on Cloud: the matching issues' keys in large id-only pages, then their fields
    /// in batches of 100 fetched `concurrency` at a time (written in order). Where bulk fetch
    /// is missing, full search pages instead.
    async fn bootstrap(&self, jql: &str, sink: &mut Sink<'_>) -> Result<(), SyncError> {
        let (fields, options) = (sink.fields, sink.options);
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = self
                .search_page(jql, &["updated".to_owned()], ID_PAGE, token)
                .await?;
            keys.extend(
                page.iter()
                    .filter_map(|i| i.get("key").and_then(Value::as_str))
                    .map(str::to_owned),
            );
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        if keys.is_empty() {
            return sink.write(self, Vec::new()).await;
        }
        let wanted = fields.wanted();
        let url = self.url("rest/api/3/issue/bulkfetch");
        let batches = stream::iter(keys.chunks(PAGE).map(<[String]>::to_vec))
            .map(|chunk| {
                let body = json!({ "issueIdsOrKeys": chunk, "fields": wanted });
                let url = url.clone();
                async move {
                    let answer = self.http.post_json(url, body).await?;
                    let (source, base, fields, now) =
                        (self.name.clone(), self.web_base(), fields.clone(), options.now);
                    let mapped = tokio::task::spawn_blocking(move || {
                        map_answer(&answer.body, &source, &base, &fields, now)
                    })
                    .await
                    .map_err(|e| SyncError::Data(format!("mapping stopped: {e}")));
                    Ok::<_, HttpError>(mapped)
                }
            })
            // Bulk fetch is light on Jira's side: twice the configured concurrency.
            .buffered(options.concurrency.max(1) * 2);
        // Fetching runs beside the writes (one task, joined), so the next batches arrive while
        // one is being stored.
        let (tx, mut rx) = tokio::sync::mpsc::channel(options.concurrency.max(1) * 2);
        let producer = async move {
            let mut batches = std::pin::pin!(batches);
            while let Some(answer) = batches.next().await {
                if tx.send(answer).await.is_err() {
                    break;
                }
            }
        };
        let consumer = async {
            while let Some(answer) = rx.recv().await {
                match answer {
                    Ok(mapped) => sink.write_mapped(self, mapped??, Vec::new()).await?,
                    Err(HttpError::NotFound { .. } | HttpError::Client { status: 405, .. }) => {
                        return Ok(true);
                    }
                    Err(e) => return Err(SyncError::from(with_hint(e))),
                }
            }
            Ok(false)
        };
        let ((), fallback) = tokio::join!(producer, consumer);
        if fallback? {
            return self.paged_search(jql, sink).await;
        }
        Ok(())
    }

    /// Full search pages, one after another (incremental passes, and where bulk fetch is
    /// missing). An empty answer is still one page: the pass asked and found nothing new.
    async fn paged_search(&self, jql: &str, sink: &mut Sink<'_>) -> Result<(), SyncError> {
        let mut token = None;
        loop {
            let (issues, next) = self
                .search_page(jql, &sink.fields.wanted(), PAGE, token)
                .await?;
            sink.write(self, issues).await?;
            match next {
                Some(t) => token = Some(t),
                None => return Ok(()),
            }
        }
    }

    /// Data Center: `/rest/api/2/search` by `startAt`; once the first page gives the total,
    /// the rest are fetched `concurrency` at a time (written in order). Changelogs come inline.
    async fn classic_pages(&self, jql: &str, sink: &mut Sink<'_>) -> Result<(), SyncError> {
        let (fields, options) = (sink.fields, sink.options);
        let wanted = fields.wanted().join(",");
        let page_url = |start: usize| {
            let mut url = self.url("rest/api/2/search");
            url.query_pairs_mut()
                .append_pair("jql", jql)
                .append_pair("fields", &wanted)
                .append_pair("expand", "changelog")
                .append_pair("startAt", &start.to_string())
                .append_pair("maxResults", &PAGE.to_string());
            url
        };
        let first = self.get_json(page_url(0)).await?;
        let total = first
            .get("total")
            .and_then(Value::as_u64)
            .map_or(0, |t| usize::try_from(t).unwrap_or(0));
        let issues = |v: &Value| {
            v.get("issues")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let got = issues(&first).len();
        sink.write(self, issues(&first)).await?;
        if got == 0 {
            return Ok(());
        }
        let starts: Vec<usize> = (got..total).step_by(got).collect();
        let mut rest = stream::iter(starts)
            .map(|s| self.get_json(page_url(s)))
            .buffered(options.concurrency.max(1));
        while let Some(page) = rest.next().await {
            sink.write(self, issues(&page?)).await?;
        }
        Ok(())
    }

    /// Status name → category for the statuses stored from this source (changelogs name
    /// statuses without their category).
    async fn known_categories(
        &self,
        store: &Store,
    ) -> Result<HashMap<String, StatusCategory>, SyncError> {
        let rows = sync_state::status_categories(store.pool(), &self.name).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, c)| Some((s.to_lowercase(), c.parse().ok()?)))
            .collect())
    }

    /// A mapped page: which issues changed, their inline history, the cursor it reaches.
    async fn prepare(
        &self,
        store: &Store,
        fields: &FieldIds,
        known: &HashMap<String, StatusCategory>,
        mut batch: Batch,
        inline: Vec<(String, Vec<Value>)>,
    ) -> Result<Prepared, SyncError> {
        let keys: Vec<String> = batch.issues.iter().map(|i| i.key.clone()).collect();
        let stored = sync_state::stored_updated_at(store.pool(), &keys).await?;
        let changed: Vec<String> = batch
            .issues
            .iter()
            .filter(|r| stored.get(&r.key) != Some(&to_db(r.updated_at)))
            .map(|r| r.key.clone())
            .collect();
        let mut categories = known.clone();
        for i in &batch.issues {
            categories.insert(i.status.to_lowercase(), i.status_category);
        }
        let category = |name: &str| {
            categories
                .get(&name.to_lowercase())
                .copied()
                .unwrap_or_else(|| map::category_of_name(name))
        };
        // Data Center sends changelogs inline (`expand=changelog`); Cloud's come in bulk after
        // the issues (`backfill_history`).
        let logs: Vec<(String, Vec<Value>)> = inline
            .into_iter()
            .filter(|(k, _)| changed.contains(k))
            .collect();
        let history_keys: Vec<String> = logs.iter().map(|(k, _)| k.clone()).collect();
        let mut left = Vec::new();
        for (key, histories) in logs {
            let h = changelog::read(&key, &histories, fields.sprint.as_deref(), &category);
            batch.events.extend(h.events);
            left.extend(h.left.into_iter().map(|(s, at)| (key.clone(), s, at)));
            for (sprint, at) in h.joined {
                if let Some(m) = batch
                    .memberships
                    .iter_mut()
                    .find(|m| m.issue_key == key && m.sprint_remote_id == sprint)
                {
                    m.added_at = at;
                }
            }
        }
        let max_updated = batch.issues.iter().map(|i| i.updated_at).max();
        Ok(Prepared {
            seen: batch.issues.len(),
            changed: changed.len(),
            batch,
            max_updated,
            history_keys,
            left,
        })
    }

    /// Histories of `keys` in one bulk request per 1000 issues (Cloud), or per issue where bulk
    /// fetch is missing. Bulk answers name issues by id; the caller maps ids to keys.
    async fn changelogs(
        &self,
        keys: &[String],
        fields: &FieldIds,
    ) -> Result<Vec<(String, Vec<Value>)>, SyncError> {
        let changed = keys;
        let mut field_ids = vec!["status".to_owned()];
        field_ids.extend(fields.sprint.clone());
        let mut out: HashMap<String, Vec<Value>> = HashMap::new();
        let mut token: Option<String> = None;
        loop {
            let mut body =
                json!({ "issueIdsOrKeys": changed, "fieldIds": field_ids, "maxResults": 1000 });
            if let Some(t) = &token {
                body["nextPageToken"] = Value::from(t.clone());
            }
            match self
                .http
                .post_json(self.url("rest/api/3/changelog/bulkfetch"), body)
                .await
            {
                Ok(answer) => {
                    let v: Value = answer.json()?;
                    for log in v
                        .get("issueChangeLogs")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let id = log
                            .get("issueId")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        out.entry(id.to_owned())
                            .or_default()
                            .extend(changelog::histories(log));
                    }
                    token = v
                        .get("nextPageToken")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned);
                    if token.is_none() {
                        return Ok(out.into_iter().collect());
                    }
                }
                Err(HttpError::NotFound { .. } | HttpError::Client { status: 405, .. }) => {
                    return self.changelog_each(changed).await;
                }
                Err(e) => return Err(with_hint(e).into()),
            }
        }
    }

    /// Status histories and sprint joins of the issues whose history is missing or older than
    /// the issue, 1000 per bulk request, each chunk written with its "fetched" marks so a stopped
    /// sync resumes here.
    async fn backfill_history(
        &self,
        sink: &Sink<'_>,
        progress: Option<&Progress>,
    ) -> Result<(), SyncError> {
        let due = sync_state::history_due_source(sink.store.pool(), &self.name).await?;
        let total = due.len();
        let mut done = 0;
        let chunks: Vec<Vec<sync_state::DueIssue>> = due.chunks(1000).map(<[_]>::to_vec).collect();
        let fetched = stream::iter(chunks)
            .map(|chunk| async move {
                let keys: Vec<String> = chunk.iter().map(|(_, k, _, _)| k.clone()).collect();
                let logs = self.changelogs(&keys, sink.fields).await?;
                Ok::<_, SyncError>((chunk, logs))
            })
            .buffer_unordered(sink.options.concurrency.max(1));
        // As for issues: the next changelogs are fetched while one chunk is written.
        let (tx, mut rx) = tokio::sync::mpsc::channel(sink.options.concurrency.max(1));
        let producer = async move {
            let mut fetched = std::pin::pin!(fetched);
            while let Some(result) = fetched.next().await {
                if tx.send(result).await.is_err() {
                    break;
                }
            }
        };
        let consumer = async {
            while let Some(result) = rx.recv().await {
                let (chunk, logs) = result?;
                done += chunk.len();
                self.write_history(sink, chunk, logs).await?;
                report(
                    progress,
                    SyncEvent::History {
                        source: self.name.clone(),
                        done,
                        total,
                    },
                );
            }
            Ok::<(), SyncError>(())
        };
        let ((), result) = tokio::join!(producer, consumer);
        result?;
        Ok(())
    }

    async fn write_history(
        &self,
        sink: &Sink<'_>,
        chunk: Vec<sync_state::DueIssue>,
        logs: Vec<(String, Vec<Value>)>,
    ) -> Result<(), SyncError> {
        // Bulk answers name issues by id, per-issue ones by key.
        let mut key_of: HashMap<&str, &str> = HashMap::new();
        for (_, key, _, remote) in &chunk {
            key_of.insert(key, key);
            if let Some(r) = remote {
                key_of.insert(r, key);
            }
        }
        let category = |name: &str| {
            sink.categories
                .get(&name.to_lowercase())
                .copied()
                .unwrap_or_else(|| map::category_of_name(name))
        };
        let mut batch = Batch {
            source_name: self.name.clone(),
            ..Batch::default()
        };
        let mut joins = Vec::new();
        let mut departures = Vec::new();
        for (id, histories) in logs {
            let Some(key) = key_of.get(id.as_str()).copied() else {
                continue;
            };
            let h = changelog::read(key, &histories, sink.fields.sprint.as_deref(), &category);
            batch.events.extend(h.events);
            joins.extend(h.joined.into_iter().map(|(s, at)| (key.to_owned(), s, at)));
            departures.extend(h.left.into_iter().map(|(s, at)| (key.to_owned(), s, at)));
        }
        let marks: Vec<(i64, String)> = chunk
            .into_iter()
            .map(|(id, _, updated, _)| (id, updated))
            .collect();
        let source = self.name.clone();
        sink.store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    import::write_batch(c, &batch).await?;
                    sync_state::set_membership_times(c, &source, &joins, true).await?;
                    sync_state::set_membership_times(c, &source, &departures, false).await?;
                    sync_state::mark_history(c, &marks).await
                })
            })
            .await?;
        Ok(())
    }

    async fn changelog_each(
        &self,
        keys: &[String],
    ) -> Result<Vec<(String, Vec<Value>)>, SyncError> {
        stream::iter(keys.iter().cloned())
            .map(|key| async move {
                let mut all = Vec::new();
                let mut start = 0usize;
                loop {
                    let mut url = self.url(&format!("rest/api/3/issue/{key}/changelog"));
                    url.query_pairs_mut()
                        .append_pair("startAt", &start.to_string())
                        .append_pair("maxResults", "100");
                    let page = self.get_json(url).await?;
                    let values = changelog::histories(&page);
                    start += values.len();
                    all.extend(values);
                    let last = page.get("isLast").and_then(Value::as_bool).unwrap_or(true);
                    if last || start == 0 {
                        return Ok::<_, SyncError>((key, all));
                    }
                }
            })
            .buffer_unordered(4)
            .try_collect()
            .await
    }

    async fn write(
        &self,
        store: &Store,
        page: Prepared,
        run: i64,
        options: &Options,
    ) -> Result<(), SyncError> {
        let cursor = page.max_updated.map(to_db);
        let (source, now) = (self.name.clone(), options.now);
        let Prepared {
            batch,
            seen,
            changed,
            history_keys,
            left,
            ..
        } = page;
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    import::write_batch(c, &batch).await?;
                    if let Some(cursor) = &cursor {
                        sync_state::advance_cursor(c, &source, "issues", cursor, now).await?;
                    }
                    sync_state::mark_history_keys(c, &history_keys).await?;
                    sync_state::set_membership_times(c, &source, &left, false).await?;
                    sync_state::count_page(c, run, seen, changed).await
                })
            })
            .await?;
        Ok(())
    }

    /// Sprints of the configured boards (closed ones kept for velocity), with their dates.
    async fn board_sprints(&self, store: &Store) -> Result<(), SyncError> {
        let mut batch = Batch {
            source_name: self.name.clone(),
            ..Batch::default()
        };
        for board in &self.source.boards {
            let mut start = 0usize;
            loop {
                let mut url = self
                    .base
                    .join(&format!("rest/agile/1.0/board/{board}/sprint"))
                    .unwrap_or_else(|_| self.base.clone());
                url.query_pairs_mut()
                    .append_pair("startAt", &start.to_string())
                    .append_pair("maxResults", "50");
                let page = self.get_json(url).await?;
                let values = page
                    .get("values")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                start += values.len();
                batch
                    .sprints
                    .extend(values.iter().filter_map(sprints::from_object));
                let last = page.get("isLast").and_then(Value::as_bool).unwrap_or(true);
                if last || values.is_empty() {
                    break;
                }
            }
        }
        if batch.sprints.is_empty() {
            return Ok(());
        }
        store
            .writer()
            .transaction(move |c| Box::pin(async move { import::write_batch(c, &batch).await }))
            .await?;
        Ok(())
    }

    /// Open issues stored here that the scope's JQL no longer finds open: asked for one by
    /// one; deleted (404), moved to another key or out of scope are marked gone.
    async fn reconcile(&self, store: &Store, options: &Options) -> Result<usize, SyncError> {
        let jql = format!(
            "({}) AND statusCategory != Done",
            self.scope(store, false).await?
        );
        let mut listed = HashSet::new();
        let mut token = None;
        loop {
            let (page, next) = if self.cloud {
                self.search_page(&jql, &["updated".to_owned()], ID_PAGE, token)
                    .await?
            } else {
                let mut url = self.url("rest/api/2/search");
                url.query_pairs_mut()
                    .append_pair("jql", &jql)
                    .append_pair("fields", "updated")
                    .append_pair("startAt", &listed.len().to_string())
                    .append_pair("maxResults", &ID_PAGE.to_string());
                let v = self.get_json(url).await?;
                let issues = v
                    .get("issues")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let total = v.get("total").and_then(Value::as_u64).unwrap_or(0);
                let more = !issues.is_empty()
                    && (listed.len() + issues.len()) < usize::try_from(total).unwrap_or(0);
                (issues, more.then(String::new))
            };
            listed.extend(
                page.iter()
                    .filter_map(|i| i.get("key").and_then(Value::as_str))
                    .map(str::to_owned),
            );
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let open = sync_state::open_issues_of_source(store.pool(), &self.name).await?;
        let mut gone = Vec::new();
        for (id, key) in open.into_iter().filter(|(_, k)| !listed.contains(k)) {
            let mut url = self.url(&format!("rest/api/{{v}}/issue/{key}"));
            url.query_pairs_mut().append_pair("fields", "status");
            match self.http.get(url).await {
                // Asked by its old key, a moved issue answers with its new one.
                Ok(a) => {
                    let v: Value = a.json()?;
                    if v.get("key").and_then(Value::as_str) != Some(key.as_str()) {
                        gone.push(id);
                    }
                }
                Err(HttpError::NotFound { .. } | HttpError::Auth { status: 403, .. }) => {
                    gone.push(id);
                }
                Err(e) => return Err(with_hint(e).into()),
            }
        }
        let n = gone.len();
        let now = options.now;
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move { sync_state::mark_gone(c, &gone, now).await })
            })
            .await?;
        Ok(n)
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

/// Changelogs that came inside the issues (`expand=changelog`).
fn inline_changelogs(issues: &[Value]) -> Vec<(String, Vec<Value>)> {
    issues
        .iter()
        .filter_map(|i| {
            let key = i.get("key")?.as_str()?;
            let log = i.get("changelog")?;
            Some((key.to_owned(), changelog::histories(log)))
        })
        .collect()
}

/// A bulk fetch answer, parsed and mapped off the async threads (it is most of the CPU time of
/// a bootstrap), oldest change first so the cursor written with it is its newest.
fn map_answer(
    body: &[u8],
    source: &str,
    base: &str,
    fields: &FieldIds,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Batch, SyncError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| SyncError::Data(format!("{source}: a bulk fetch answer is not JSON ({e})")))?;
    let mut issues = match v {
        Value::Object(mut answer) => match answer.remove("issues") {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    issues.sort_by_key(|i| {
        i.pointer("/fields/updated")
            .and_then(Value::as_str)
            .and_then(crate::sync::time::parse)
    });
    map::batch(source, base, &issues, fields, now)
        .map_err(|e| SyncError::Data(format!("{source}: {e}")))
}

/// Where pages go: mapped with their history and written with the cursor, one transaction each.
struct Sink<'a> {
    store: &'a Store,
    fields: &'a FieldIds,
    categories: HashMap<String, StatusCategory>,
    run: i64,
    options: &'a Options,
    counts: &'a mut Counts,
    progress: Option<&'a Progress>,
}

impl Sink<'_> {
    async fn write(&mut self, jira: &Jira, page: Vec<Value>) -> Result<(), SyncError> {
        let batch = map::batch(
            &jira.name,
            &jira.web_base(),
            &page,
            self.fields,
            self.options.now,
        )
        .map_err(|e| SyncError::Data(format!("{}: {e}", jira.name)))?;
        self.write_mapped(jira, batch, inline_changelogs(&page))
            .await
    }

    async fn write_mapped(
        &mut self,
        jira: &Jira,
        batch: Batch,
        inline: Vec<(String, Vec<Value>)>,
    ) -> Result<(), SyncError> {
        let prepared = jira
            .prepare(self.store, self.fields, &self.categories, batch, inline)
            .await?;
        let (seen, changed) = (prepared.seen, prepared.changed);
        for issue in &prepared.batch.issues {
            self.categories
                .insert(issue.status.to_lowercase(), issue.status_category);
        }
        jira.write(self.store, prepared, self.run, self.options)
            .await?;
        self.counts.pages += 1;
        self.counts.seen += seen;
        self.counts.changed += changed;
        report(
            self.progress,
            SyncEvent::Page {
                source: jira.name.clone(),
                done: self.counts.pages,
                total: None,
                issues: self.counts.seen,
            },
        );
        Ok(())
    }
}

/// 401/403 and 410 say what to do.
fn with_hint(e: HttpError) -> HttpError {
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
