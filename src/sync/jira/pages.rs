//! Issue listings, written page by page with the cursor that covers them: token pages for
//! incremental passes (the Cloud bootstrap is in `bootstrap`), Data Center's
//! `startAt` pages fetched concurrently once the total is known, and the boards' sprints.

use std::collections::HashMap;

use futures_util::{StreamExt, stream};
use serde_json::Value;

use super::fields::FieldIds;
use super::{Jira, changelog, map, sprints};
use crate::domain::StatusCategory;
use crate::domain::records::Batch;
use crate::domain::time::to_db;
use crate::store::{Store, import, sync_queue, sync_state};
use crate::sync::{Counts, Options, Progress, SyncError, SyncEvent, report};

/// Issues per search page with all fields, and per bulk fetch.
pub(super) const PAGE: usize = 100;
/// Issues per id-only search page (the endpoint allows large pages without fields).
pub(super) const ID_PAGE: usize = 5000;

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
    /// Stays in sprints left before the sprint field showed them.
    stays: Vec<sync_state::PastStay>,
}

impl Jira {
    /// Full search pages, one after another (incremental passes, and where bulk fetch is
    /// missing). An empty answer is still one page: the pass asked and found nothing new.
    pub(super) async fn paged_search(
        &self,
        jql: &str,
        sink: &mut Sink<'_>,
    ) -> Result<(), SyncError> {
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
    pub(super) async fn classic_pages(
        &self,
        jql: &str,
        sink: &mut Sink<'_>,
    ) -> Result<(), SyncError> {
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
    pub(super) async fn known_categories(
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
        let mut stays = Vec::new();
        for (key, histories) in logs {
            let h = changelog::read(&key, &histories, fields.sprint.as_deref(), &category);
            stays.extend(
                h.ended()
                    .into_iter()
                    .map(|(s, joined, at)| (key.clone(), s, joined, at)),
            );
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
            stays,
        })
    }

    /// Writes a page with the cursor it reaches; `fetched` (the ids a bootstrap asked for, found
    /// or not) leave the bootstrap's queue in the same transaction.
    async fn write(
        &self,
        store: &Store,
        page: Prepared,
        fetched: Vec<String>,
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
            stays,
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
                    sync_queue::dequeue(c, &source, &fetched).await?;
                    sync_state::mark_history_keys(c, &history_keys).await?;
                    sync_state::set_membership_times(c, &source, &left, false).await?;
                    sync_state::add_past_memberships(c, &source, &stays).await?;
                    sync_state::count_page(c, run, seen, changed).await
                })
            })
            .await?;
        Ok(())
    }

    /// Sprints of the configured boards (closed ones kept for velocity), with their dates.
    pub(super) async fn board_sprints(&self, store: &Store) -> Result<(), SyncError> {
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
}

/// Changelogs that came inside the issues (`expand=changelog`).
pub(super) fn inline_changelogs(issues: &[Value]) -> Vec<(String, Vec<Value>)> {
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
pub(super) fn map_answer(
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
pub(super) struct Sink<'a> {
    pub(super) store: &'a Store,
    pub(super) fields: &'a FieldIds,
    pub(super) categories: HashMap<String, StatusCategory>,
    pub(super) run: i64,
    pub(super) options: &'a Options,
    pub(super) counts: &'a mut Counts,
    pub(super) progress: Option<&'a Progress>,
}

impl Sink<'_> {
    pub(super) async fn write(&mut self, jira: &Jira, page: Vec<Value>) -> Result<(), SyncError> {
        let batch = map::batch(
            &jira.name,
            &jira.web_base(),
            &page,
            self.fields,
            self.options.now,
        )
        .map_err(|e| SyncError::Data(format!("{}: {e}", jira.name)))?;
        self.write_mapped(jira, batch, inline_changelogs(&page), Vec::new())
            .await
    }

    pub(super) async fn write_mapped(
        &mut self,
        jira: &Jira,
        batch: Batch,
        inline: Vec<(String, Vec<Value>)>,
        fetched: Vec<String>,
    ) -> Result<(), SyncError> {
        let prepared = jira
            .prepare(self.store, self.fields, &self.categories, batch, inline)
            .await?;
        let (seen, changed) = (prepared.seen, prepared.changed);
        for issue in &prepared.batch.issues {
            self.categories
                .insert(issue.status.to_lowercase(), issue.status_category);
        }
        jira.write(self.store, prepared, fetched, self.run, self.options)
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
