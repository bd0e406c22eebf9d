//! The first sync of a Jira Cloud source: the matching issues' ids in large id-only pages, kept
//! in the store's queue with the time they were listed, then their fields in batches of 100
//! fetched `concurrency` at a time and written in order, each batch leaving the queue in the
//! transaction that stores it. A first sync that stopped (killed, or a failed pass) keeps what
//! it wrote; the next one fetches what is left in the queue instead of starting over, and the
//! cursor it leaves makes the pass after it read what changed since the listing.

use futures_util::{StreamExt, stream};
use serde_json::json;

use super::Jira;
use super::api::with_hint;
use super::pages::{ID_PAGE, PAGE, Sink, map_answer};
use crate::domain::time::to_db;
use crate::store::{Store, sync_queue, sync_state};
use crate::sync::SyncError;
use crate::sync::http::HttpError;

/// The cursor scope that says a first sync listed its issues at this time and has not
/// finished fetching them.
pub(super) const LISTED: &str = "bootstrap_listed";

impl Jira {
    /// Whether a first sync of this source stopped before it finished (the next pass resumes it).
    pub(super) async fn resuming(&self, store: &Store) -> Result<bool, SyncError> {
        Ok(sync_state::cursor(store.pool(), &self.name, LISTED)
            .await?
            .is_some())
    }

    /// Bootstrap on Cloud (see the module's doc). Where bulk fetch is missing, full search
    /// pages instead.
    pub(super) async fn bootstrap(&self, jql: &str, sink: &mut Sink<'_>) -> Result<(), SyncError> {
        let (store, options) = (sink.store, sink.options);
        let listed_at = if options.full {
            None
        } else {
            sync_state::cursor(store.pool(), &self.name, LISTED)
                .await?
                .and_then(|at| crate::sync::time::parse(&at))
        };
        let ids = if listed_at.is_some() {
            sync_queue::queued(store.pool(), &self.name).await?
        } else {
            let ids = self.list_ids(jql).await?;
            let (source, listed, now) = (self.name.clone(), ids.clone(), options.now);
            store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        sync_queue::clear(c, &source).await?;
                        sync_queue::enqueue(c, &source, &listed).await?;
                        sync_state::set_cursor(c, &source, LISTED, &to_db(now), now).await
                    })
                })
                .await?;
            ids
        };
        if ids.is_empty() && listed_at.is_none() {
            sink.write(self, Vec::new()).await?;
        } else if self.fetch_listed(&ids, sink).await? {
            self.paged_search(jql, sink).await?;
        }
        // Issues fetched early may have changed while the rest were fetched (or, after a stop,
        // before the pass that resumed): the cursor goes back to the listing, so the next
        // incremental pass reads those changes. Within the listing's filter anyway: what
        // changed since it is newer than the closed window.
        let listed = listed_at.unwrap_or(options.now);
        let reached = sync_state::cursor(store.pool(), &self.name, "issues")
            .await?
            .and_then(|c| crate::sync::time::parse(&c));
        let back = reached.filter(|r| *r > listed).map(|_| to_db(listed));
        let (source, now) = (self.name.clone(), options.now);
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    if let Some(listed) = &back {
                        sync_state::set_cursor(c, &source, "issues", listed, now).await?;
                    }
                    sync_queue::clear(c, &source).await?;
                    sync_state::forget_cursor(c, &source, LISTED).await
                })
            })
            .await?;
        Ok(())
    }

    /// The ids the JQL finds, in its order: only ids are asked for, so pages are large (rule
    /// JR-SRCH-4: up to 5,000 when nothing but `id`/`key` is requested, far fewer with fields).
    async fn list_ids(&self, jql: &str) -> Result<Vec<String>, SyncError> {
        let mut ids = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = self
                .search_page(jql, &["id".to_owned()], ID_PAGE, token)
                .await?;
            // Bulk fetch takes ids or keys; an answer without the id still names the issue.
            ids.extend(
                page.iter()
                    .filter_map(|i| i.get("id").or_else(|| i.get("key"))?.as_str())
                    .map(str::to_owned),
            );
            match next {
                Some(t) => token = Some(t),
                None => return Ok(ids),
            }
        }
    }

    /// Fetches and writes `ids` in batches; true when bulk fetch is missing (the caller falls
    /// back to search pages).
    async fn fetch_listed(&self, ids: &[String], sink: &mut Sink<'_>) -> Result<bool, SyncError> {
        let (fields, options) = (sink.fields, sink.options);
        let wanted = fields.wanted();
        let url = self.url("rest/api/3/issue/bulkfetch");
        let batches = stream::iter(ids.chunks(PAGE).map(<[String]>::to_vec))
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
                    Ok::<_, HttpError>((chunk, mapped))
                }
            })
            // Bulk fetch is light on Jira's side: twice the configured concurrency.
            .buffered(options.concurrency.max(1) * 2);
        // Fetching runs beside the writes (one task, joined), so the next batches arrive while
        // one is being stored. Little is held beyond the requests in flight: what was fetched
        // and not stored is fetched again after a stop, and it is memory.
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let producer = async move {
            let mut batches = std::pin::pin!(batches);
            while let Some(answer) = batches.next().await {
                if tx.send(answer).await.is_err() {
                    break;
                }
            }
        };
        // The receiver moves in, so a consumer that stops early drops it and the producer's
        // next send fails instead of waiting for room forever.
        let consumer = async move {
            while let Some(answer) = rx.recv().await {
                match answer {
                    // Ids bulk fetch did not return (deleted or hidden since the listing) leave
                    // the queue with the batch.
                    Ok((chunk, mapped)) => {
                        sink.write_mapped(self, mapped??, Vec::new(), chunk).await?;
                    }
                    Err(HttpError::NotFound { .. } | HttpError::Client { status: 405, .. }) => {
                        return Ok(true);
                    }
                    Err(e) => return Err(SyncError::from(with_hint(e))),
                }
            }
            Ok(false)
        };
        let ((), fallback) = tokio::join!(producer, consumer);
        fallback
    }
}
