//! Status histories and sprint joins from changelogs: on Cloud fetched in bulk after the issues
//! (1000 per request, per issue where bulk fetch is missing), each chunk written with its
//! "fetched" marks so a stopped sync resumes where it was. Data Center's come inline with the
//! pages.

use std::collections::HashMap;

use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use super::api::with_hint;
use super::fields::FieldIds;
use super::pages::Sink;
use super::{Jira, changelog, map};
use crate::domain::records::Batch;
use crate::store::{import, sync_state};
use crate::sync::http::HttpError;
use crate::sync::{Progress, SyncError, SyncEvent, report};

impl Jira {
    /// Histories of `keys` in one bulk request per 1000 issues (Cloud), or per issue where bulk
    /// fetch is missing. Bulk answers name issues by id; the caller maps ids to keys.
    pub(super) async fn changelogs(
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
    pub(super) async fn backfill_history(
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
        let consumer = async move {
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

    pub(super) async fn write_history(
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
        let mut stays = Vec::new();
        for (id, histories) in logs {
            let Some(key) = key_of.get(id.as_str()).copied() else {
                continue;
            };
            let h = changelog::read(key, &histories, sink.fields.sprint.as_deref(), &category);
            stays.extend(
                h.ended()
                    .into_iter()
                    .map(|(s, joined, left)| (key.to_owned(), s, joined, left)),
            );
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
                    sync_state::add_past_memberships(c, &source, &stays).await?;
                    sync_state::mark_history(c, &marks).await
                })
            })
            .await?;
        Ok(())
    }

    pub(super) async fn changelog_each(
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
}
