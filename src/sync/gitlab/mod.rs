//! GitLab sync. First the groups and their epics (`groups`), then per project: a bootstrap
//! (open issues, and everything updated within `[sync] closed_window_days`), then incremental
//! passes (`updated_after = cursor`, oldest first); each page is written with the cursor in one
//! transaction, then the changed issues' histories and links are read. Reconcile re-lists open
//! issues and marks the ones GitLab no longer shows as gone (epics: the ones their groups no
//! longer list).

pub mod api;
mod groups;
pub mod history;
mod issue_links;
pub mod map;
pub mod pages;
mod push;
pub mod status;

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

use futures_util::{StreamExt, TryStreamExt};
use reqwest::Url;

use self::map::{Known, ProjectInfo};
use self::status::StatusMap;
use super::http::{Auth, Http, HttpError, Sleeper};
use super::{Counts, Options, Progress, SyncError, SyncEvent, report};
use crate::config::{GitlabAuth, GitlabSource, ProjectRef};
use crate::domain::records::Batch;
use crate::domain::time::to_db;
use crate::store::{Store, import, sync_state};

/// One configured GitLab source, ready to sync.
pub struct Gitlab {
    name: String,
    api: Url,
    http: Http,
    source: GitlabSource,
    statuses: StatusMap,
    /// Groups and epics seen in this pass, for mapping issues.
    known: Mutex<Known>,
}

impl Gitlab {
    /// Resolves the token and builds the client; fails with a message naming what to fix.
    pub async fn connect(
        source: &GitlabSource,
        options: &Options,
        sleeper: Option<Sleeper>,
        progress: Option<Progress>,
    ) -> Result<Self, SyncError> {
        let token = crate::config::secrets::resolve(source.secret())
            .await
            .map_err(|e| SyncError::Setup(format!("{}: {e}", source.name)))?;
        let auth = match source.auth {
            GitlabAuth::PrivateToken => Auth::PrivateToken(token),
            GitlabAuth::Oauth => Auth::Bearer(token),
        };
        let http = super::source_http(
            &source.name,
            auth,
            source.ca_file.as_deref(),
            options,
            sleeper,
            progress,
        )?;
        let api = api_root(&source.base_url)
            .map_err(|e| SyncError::Setup(format!("{}: base_url: {e}", source.name)))?;
        let statuses = StatusMap::new(&source.status_labels)
            .map_err(|e| SyncError::Setup(format!("{}: {e}", source.name)))?;
        Ok(Self {
            name: source.name.clone(),
            api,
            http,
            source: source.clone(),
            statuses,
            known: Mutex::new(Known::default()),
        })
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for s in segments {
                // A project path becomes one segment: `group%2Fproject`.
                path.push(s);
            }
        }
        url
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, SyncError> {
        let answer = self.http.get(url).await.map_err(with_hint)?;
        Ok(answer.json()?)
    }

    /// The configured projects, and every project of the configured groups.
    pub async fn projects(&self) -> Result<Vec<ProjectInfo>, SyncError> {
        let mut out: Vec<ProjectInfo> = Vec::new();
        for p in &self.source.projects {
            let id = match p {
                ProjectRef::Id(id) => id.to_string(),
                ProjectRef::Path(path) => path.clone(),
            };
            let project: api::Project = self.get_json(self.url(&["projects", &id])).await?;
            out.push(ProjectInfo::from_api(&project));
        }
        for group in &self.source.groups {
            let mut url = self.url(&["groups", group, "projects"]);
            url.query_pairs_mut()
                .append_pair(
                    "include_subgroups",
                    &self.source.include_subgroups.to_string(),
                )
                .append_pair("with_issues_enabled", "true")
                .append_pair("archived", "false")
                .append_pair("per_page", "100")
                .append_pair("order_by", "id")
                .append_pair("sort", "asc")
                .append_pair("pagination", "keyset");
            let answers: Vec<pages::Page> = pages::all(&self.http, url, 4)
                .try_collect()
                .await
                .map_err(with_hint)?;
            for a in answers {
                let list: Vec<api::Project> = a.answer.json()?;
                out.extend(list.iter().map(ProjectInfo::from_api));
            }
        }
        let mut seen = HashSet::new();
        out.retain(|p| seen.insert(p.remote_id.clone()));
        Ok(out)
    }

    /// What `doctor` reports: who the token signs in as, its scopes (where GitLab says), and the
    /// projects it can see. An error names what failed.
    pub async fn check(&self) -> Result<Vec<String>, SyncError> {
        let user: api::User = self.get_json(self.url(&["user"])).await?;
        let mut lines = vec![format!(
            "reachable; the token signs in as {}",
            user.handle()
        )];
        match self
            .http
            .get(self.url(&["personal_access_tokens", "self"]))
            .await
        {
            Ok(answer) => {
                let scopes: Vec<String> = answer
                    .json::<serde_json::Value>()?
                    .get("scopes")
                    .and_then(|s| serde_json::from_value(s.clone()).ok())
                    .unwrap_or_default();
                let readable = scopes.iter().any(|s| s == "read_api" || s == "api");
                lines.push(if readable {
                    format!("scopes: {}", scopes.join(", "))
                } else {
                    format!(
                        "scopes: {} — missing read_api: sync will be refused",
                        scopes.join(", ")
                    )
                });
            }
            // OAuth, group or project tokens and older GitLab do not answer this.
            Err(_) => lines.push("scopes: not reported for this kind of token".to_owned()),
        }
        let projects = self.projects().await?;
        let names: Vec<&str> = projects.iter().map(|p| p.path.as_str()).collect();
        lines.push(match names.len() {
            0 => "no projects visible: check projects/groups in the config".to_owned(),
            1 => format!("1 project visible: {}", names[0]),
            n => format!("{n} projects visible: {}", names.join(", ")),
        });
        Ok(lines)
    }

    /// One pass over every project: bootstrap or incremental, then reconcile when asked.
    pub async fn sync(
        &self,
        store: &Store,
        options: &Options,
        progress: Option<&Progress>,
    ) -> Result<Counts, SyncError> {
        let projects = self.projects().await?;
        let mut bootstrap = options.full;
        for p in &projects {
            let cursor = sync_state::cursor(store.pool(), &self.name, &scope(p)).await?;
            bootstrap |= cursor.is_none();
        }
        let kind = if bootstrap {
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
        let counts_ref = &mut counts;
        let projects = &projects;
        super::logged_run(store, &self.name, kind, options.now, |run| async move {
            counts_ref.gone += self.sync_groups(store, projects, options).await?;
            for project in projects {
                self.sync_project(store, project, options, run, counts_ref, progress)
                    .await?;
                if options.reconcile || options.full {
                    counts_ref.gone += self.reconcile(store, project, options).await?;
                }
            }
            Ok(())
        })
        .await?;
        Ok(counts)
    }

    async fn sync_project(
        &self,
        store: &Store,
        project: &ProjectInfo,
        options: &Options,
        run: i64,
        counts: &mut Counts,
        progress: Option<&Progress>,
    ) -> Result<(), SyncError> {
        let scope = scope(project);
        let cursor = if options.full {
            None
        } else {
            sync_state::cursor(store.pool(), &self.name, &scope).await?
        };
        let listings = self.listings(project, options, cursor.as_deref());
        for (url, advances) in listings {
            let ctx = PageContext {
                project,
                scope: &scope,
                advances,
                run,
                options,
            };
            let mut prepared = pages::all(&self.http, url, options.concurrency)
                .map_err(|e| SyncError::Http(with_hint(e)))
                .map_ok(|answer| self.prepare(store, &ctx, answer))
                .try_buffered(options.concurrency);
            while let Some(page) = prepared.next().await {
                let page = page?;
                let (seen, changed, total) = (page.seen, page.changed, page.total);
                self.write(store, &ctx, page).await?;
                counts.pages += 1;
                counts.seen += seen;
                counts.changed += changed;
                report(
                    progress,
                    SyncEvent::Page {
                        source: self.name.clone(),
                        done: counts.pages,
                        total,
                        issues: counts.seen,
                    },
                );
            }
        }
        self.backfill_history(store, project, options, progress)
            .await?;
        self.read_links(store, project, options).await
    }

    /// What to list: since the cursor; or, without one, old open issues (not moving the
    /// cursor) and then everything updated within the closed window (moving it).
    fn listings(
        &self,
        project: &ProjectInfo,
        options: &Options,
        cursor: Option<&str>,
    ) -> Vec<(Url, bool)> {
        if let Some(cursor) = cursor {
            return vec![(
                self.issues_url(project, options, &[("updated_after", cursor)]),
                true,
            )];
        }
        let window =
            to_db(options.now - chrono::Duration::days(i64::from(options.closed_window_days)));
        vec![
            // Open issues untouched since before the window: the cursor cannot cover them, so
            // it starts moving only with the second listing.
            (
                self.issues_url(
                    project,
                    options,
                    &[("state", "opened"), ("updated_before", &window)],
                ),
                false,
            ),
            (
                self.issues_url(project, options, &[("updated_after", &window)]),
                true,
            ),
        ]
    }

    fn issues_url(
        &self,
        project: &ProjectInfo,
        options: &Options,
        filters: &[(&str, &str)],
    ) -> Url {
        let mut url = self.url(&["projects", &project.remote_id, "issues"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("scope", "all")
                .append_pair("order_by", "updated_at")
                .append_pair("sort", "asc")
                .append_pair("per_page", &options.per_page.to_string())
                // GitLab 18.3+ answers with a keyset cursor; older ones ignore it and page by
                // offset, which `pages` follows too.
                .append_pair("pagination", "keyset");
            for (k, v) in filters {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// Maps a page and counts the issues in it that changed since stored.
    async fn prepare(
        &self,
        store: &Store,
        ctx: &PageContext<'_>,
        answer: pages::Page,
    ) -> Result<Prepared, SyncError> {
        let values: Vec<serde_json::Value> = answer.answer.json()?;
        let mut issues = Vec::with_capacity(values.len());
        for v in values {
            let raw = v.to_string();
            let issue: api::Issue = serde_json::from_value(v).map_err(|e| {
                SyncError::Data(format!(
                    "{}: an issue on page {} does not look like a GitLab issue ({e})",
                    ctx.project.path, answer.number
                ))
            })?;
            issues.push((issue, raw));
        }
        let mut batch = map::batch_with(
            &self.name,
            ctx.project,
            &issues,
            &self.statuses,
            ctx.options.now,
            &self.known(),
        )
        .map_err(|e| SyncError::Data(format!("{}: {e}", ctx.project.path)))?;
        self.add_owners(&mut batch).await?;
        let keys: Vec<String> = batch.issues.iter().map(|i| i.key.clone()).collect();
        let stored = sync_state::stored_updated_at(store.pool(), &keys).await?;
        let changed = batch
            .issues
            .iter()
            .filter(|record| stored.get(&record.key) != Some(&to_db(record.updated_at)))
            .count();
        let max_updated = batch.issues.iter().map(|i| i.updated_at).max();
        Ok(Prepared {
            seen: batch.issues.len(),
            changed,
            total: answer.total,
            batch,
            max_updated,
        })
    }

    async fn write(
        &self,
        store: &Store,
        ctx: &PageContext<'_>,
        page: Prepared,
    ) -> Result<(), SyncError> {
        let cursor = page.max_updated.filter(|_| ctx.advances).map(to_db);
        let (source, scope, run, now) = (
            self.name.clone(),
            ctx.scope.to_owned(),
            ctx.run,
            ctx.options.now,
        );
        let Prepared {
            batch,
            seen,
            changed,
            ..
        } = page;
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    import::write_batch(c, &batch).await?;
                    if let Some(cursor) = &cursor {
                        sync_state::advance_cursor(c, &source, &scope, cursor, now).await?;
                    }
                    sync_state::count_page(c, run, seen, changed).await
                })
            })
            .await?;
        Ok(())
    }

    /// Open issues stored here that GitLab no longer lists as open: each is asked for; gone
    /// (404) or made confidential is marked gone; closed meanwhile, or moved to another project
    /// (GitLab closes the original and keeps it, with `moved_to_id`: rule GL-ISS-15), is stored
    /// as it is now.
    async fn reconcile(
        &self,
        store: &Store,
        project: &ProjectInfo,
        options: &Options,
    ) -> Result<usize, SyncError> {
        let url = self.issues_url(project, options, &[("state", "opened")]);
        let answers: Vec<pages::Page> = pages::all(&self.http, url, options.concurrency)
            .try_collect()
            .await
            .map_err(with_hint)?;
        let mut listed = HashSet::new();
        for a in answers {
            let list: Vec<serde_json::Value> = a.answer.json()?;
            listed.extend(
                list.iter()
                    .filter_map(|v| v.get("id")?.as_u64())
                    .map(|id| id.to_string()),
            );
        }
        let here = sync_state::open_issues(store.pool(), &self.name, &project.remote_id).await?;
        let mut gone = Vec::new();
        let mut refreshed = Vec::new();
        for (id, remote_id, key) in here.into_iter().filter(|(_, r, _)| !listed.contains(r)) {
            let iid = key.rsplit('#').next().unwrap_or_default().to_owned();
            let url = self.url(&["projects", &project.remote_id, "issues", &iid]);
            match self.http.get(url).await {
                Ok(answer) => {
                    let value: serde_json::Value = answer.json()?;
                    let issue: Option<api::Issue> = serde_json::from_value(value.clone()).ok();
                    match issue {
                        Some(i) if i.id.to_string() == remote_id => {
                            refreshed.push((i, value.to_string()));
                        }
                        _ => gone.push(id),
                    }
                }
                Err(HttpError::NotFound { .. } | HttpError::Auth { status: 403, .. }) => {
                    gone.push(id);
                }
                Err(e) => return Err(with_hint(e).into()),
            }
        }
        let batch = if refreshed.is_empty() {
            None
        } else {
            let mut batch = map::batch_with(
                &self.name,
                project,
                &refreshed,
                &self.statuses,
                options.now,
                &self.known(),
            )
            .map_err(|e| SyncError::Data(e.to_string()))?;
            self.add_owners(&mut batch).await?;
            Some(batch)
        };
        let n = gone.len();
        let now = options.now;
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    if let Some(batch) = &batch {
                        import::write_batch(c, batch).await?;
                    }
                    sync_state::mark_gone(c, &gone, now).await
                })
            })
            .await?;
        Ok(n)
    }
}

impl Gitlab {
    /// The rows of the groups the batch's sprints belong to (iterations, group milestones).
    async fn add_owners(&self, batch: &mut Batch) -> Result<(), SyncError> {
        let wanted: BTreeSet<u64> = batch
            .sprints
            .iter()
            .filter_map(|s| s.project_remote_id.as_deref()?.strip_prefix("group:"))
            .filter_map(|id| id.parse().ok())
            .collect();
        if !wanted.is_empty() {
            batch.projects.extend(self.group_rows(wanted).await?);
        }
        Ok(())
    }
}

struct PageContext<'a> {
    project: &'a ProjectInfo,
    scope: &'a str,
    /// Whether this listing moves the cursor (it is sorted by `updated_at` from the cursor on).
    advances: bool,
    run: i64,
    options: &'a Options,
}

struct Prepared {
    batch: Batch,
    seen: usize,
    changed: usize,
    total: Option<usize>,
    max_updated: Option<chrono::DateTime<chrono::Utc>>,
}

fn scope(project: &ProjectInfo) -> String {
    format!("project:{}", project.remote_id)
}

/// `https://gitlab.example.com` (or with `/api/v4`) → the API root.
fn api_root(base: &str) -> Result<Url, String> {
    let trimmed = base.trim_end_matches('/');
    let root = if trimmed.ends_with("/api/v4") {
        format!("{trimmed}/")
    } else {
        format!("{trimmed}/api/v4/")
    };
    Url::parse(&root).map_err(|e| format!("`{base}` is not a URL ({e})"))
}

/// GitLab's 401/403 say little; name the usual cause.
fn with_hint(e: HttpError) -> HttpError {
    match e {
        HttpError::Auth {
            status,
            url,
            message,
        } => {
            let hint = if status == 401 {
                "the token is invalid, expired or revoked"
            } else {
                "the token lacks the read_api scope, or cannot see this project"
            };
            HttpError::Auth {
                status,
                url,
                message: format!("{message} ({hint})"),
            }
        }
        other => other,
    }
}
