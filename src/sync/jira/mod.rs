//! Jira sync, Cloud and Data Center. Issues come from JQL (`updated` order, the cursor moving
//! with each page written): on Cloud through `POST /rest/api/3/search/jql` with
//! `nextPageToken`, bootstrapping with id pages and concurrent `issue/bulkfetch` batches; on
//! Data Center through `/rest/api/2/search` with `startAt`. Custom fields are discovered once
//! and remembered; changelogs give status history and sprint joins.
//!
//! `api` holds the REST calls, `pages` the issue listings written page by page, `history` the
//! changelogs fetched after them, `map` the issues as records, `push` the write-back.

pub mod adf;
mod api;
mod bootstrap;
pub mod changelog;
pub mod fields;
mod history;
pub mod map;
mod pages;
mod push;
pub mod sprints;

use std::collections::HashSet;

use reqwest::Url;
use serde_json::Value;

use self::api::with_hint;
use self::fields::FieldIds;
use self::pages::{ID_PAGE, Sink};
use super::http::{Auth, Http, HttpError, Sleeper};
use super::{Counts, Options, Progress, SyncError, SyncEvent, report};
use crate::config::{JiraDeployment, JiraSource};
use crate::store::{Store, sync_state};

pub struct Jira {
    name: String,
    base: Url,
    http: Http,
    source: JiraSource,
    cloud: bool,
    /// Stamps what a pass remembers outside its page writes (field ids, board filters).
    clock: crate::clock::Clock,
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

    pub async fn sync(
        &self,
        store: &Store,
        options: &Options,
        progress: Option<&Progress>,
    ) -> Result<Counts, SyncError> {
        let fields = self.fields(store, options.full).await?;
        // A first sync that stopped is resumed as one, whatever cursor its pages reached.
        let cursor = if options.full || self.resuming(store).await? {
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
                self.search_page(&jql, &["key".to_owned()], ID_PAGE, token)
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
}
