//! Status history from resource events: state events (closed, reopened) and label events on
//! status labels, replayed in time order; every change of the resulting status is one event.
//! Ids come from GitLab's event ids, so a re-fetch inserts nothing twice. Histories are fetched
//! after the issues, for those whose history is older than the issue.

use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::Url;

use super::api::{self, LabelEvent, StateEvent};
use super::map::ProjectInfo;
use super::status::{OPEN, StatusMap};
use super::{Gitlab, pages, with_hint};
use crate::domain::StatusCategory;
use crate::domain::issue::EventSource;
use crate::domain::records::Batch;
use crate::domain::records::StatusEventRecord;
use crate::store::{Store, import, sync_state};
use crate::sync::time::parse;
use crate::sync::{Options, Progress, SyncError, SyncEvent, report};

impl Gitlab {
    /// Status histories of the issues whose history is older than the issue (or missing), in
    /// chunks, each written with its "fetched" marks, so a stopped sync resumes here. Issues to
    /// do that were never changed since they were made are skipped: they have not moved (one
    /// that went to doing and back is to do again, with a history).
    pub(super) async fn backfill_history(
        &self,
        store: &Store,
        project: &ProjectInfo,
        options: &Options,
        progress: Option<&Progress>,
    ) -> Result<(), SyncError> {
        let due = sync_state::history_due(store.pool(), &self.name, &project.remote_id).await?;
        let total = due.len();
        let mut done = 0;
        for chunk in due.chunks(100) {
            let fetched: Vec<_> = stream::iter(chunk.iter().cloned())
                .map(|(id, key, updated_at)| async move {
                    let iid = key.rsplit('#').next().and_then(|n| n.parse::<u64>().ok());
                    let events = match iid {
                        Some(iid) => self.history(project, key, iid).await?,
                        None => Vec::new(),
                    };
                    Ok::<_, SyncError>((id, updated_at, events))
                })
                .buffer_unordered(options.concurrency.max(1) * 2)
                .try_collect()
                .await?;
            let mut batch = Batch {
                source_name: self.name.clone(),
                ..Batch::default()
            };
            let mut marks = Vec::with_capacity(fetched.len());
            for (id, updated_at, events) in fetched {
                batch.events.extend(events);
                marks.push((id, updated_at));
            }
            store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        import::write_batch(c, &batch).await?;
                        sync_state::mark_history(c, &marks).await
                    })
                })
                .await?;
            done += chunk.len();
            report(
                progress,
                SyncEvent::History {
                    source: self.name.clone(),
                    done,
                    total,
                },
            );
        }
        Ok(())
    }

    async fn history(
        &self,
        project: &ProjectInfo,
        key: String,
        iid: u64,
    ) -> Result<Vec<crate::domain::records::StatusEventRecord>, SyncError> {
        let iid = iid.to_string();
        let states_url = self.url(&[
            "projects",
            &project.remote_id,
            "issues",
            &iid,
            "resource_state_events",
        ]);
        let labels_url = self.url(&[
            "projects",
            &project.remote_id,
            "issues",
            &iid,
            "resource_label_events",
        ]);
        let states: Vec<api::StateEvent> = self.all_pages(states_url).await?;
        let labels: Vec<api::LabelEvent> = self.all_pages(labels_url).await?;
        Ok(status_events(&key, &states, &labels, &self.statuses))
    }

    async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        mut url: Url,
    ) -> Result<Vec<T>, SyncError> {
        url.query_pairs_mut().append_pair("per_page", "100");
        let answers: Vec<pages::Page> = pages::all(&self.http, url, 1)
            .try_collect()
            .await
            .map_err(with_hint)?;
        let mut out = Vec::new();
        for a in answers {
            out.extend(a.answer.json::<Vec<T>>()?);
        }
        Ok(out)
    }
}

enum Step<'a> {
    State(&'a StateEvent),
    Label(&'a LabelEvent),
}

pub fn status_events(
    issue_key: &str,
    states: &[StateEvent],
    labels: &[LabelEvent],
    statuses: &StatusMap,
) -> Vec<StatusEventRecord> {
    let mut steps: Vec<(chrono::DateTime<chrono::Utc>, u64, Step)> = Vec::new();
    for s in states {
        if let Some(at) = parse(&s.created_at) {
            steps.push((at, s.id, Step::State(s)));
        }
    }
    for l in labels {
        if let Some(at) = parse(&l.created_at) {
            steps.push((at, l.id, Step::Label(l)));
        }
    }
    // Same instant: state before labels (a close with its label clean-up reads as one change).
    steps.sort_by_key(|(at, id, step)| (*at, matches!(step, Step::Label(_)), *id));
    let mut closed = false;
    // Status labels present, in the order they were added.
    let mut present: Vec<String> = Vec::new();
    let mut current = (OPEN.to_owned(), StatusCategory::Todo);
    let mut out = Vec::new();
    for (at, _, step) in steps {
        let remote_id = match step {
            Step::State(s) => {
                match s.state.as_str() {
                    "closed" => closed = true,
                    "reopened" | "opened" => closed = false,
                    _ => continue,
                }
                format!("state:{}", s.id)
            }
            Step::Label(l) => {
                let Some(name) = l.label.as_ref().map(|r| r.name.clone()) else {
                    continue;
                };
                if statuses.category(&name).is_none() {
                    continue;
                }
                present.retain(|p| *p != name);
                if l.action == "add" {
                    present.push(name);
                }
                format!("label:{}", l.id)
            }
        };
        let next = statuses.status(closed, &present);
        if next != current {
            out.push(StatusEventRecord {
                issue_key: issue_key.to_owned(),
                from_status: Some(current.0.clone()),
                to_status: next.0.clone(),
                from_category: Some(current.1),
                to_category: next.1,
                at,
                source: EventSource::Poll,
                remote_id: Some(remote_id),
            });
            current = next;
        }
    }
    out
}
