//! Groups and their epics. Epics live in groups, never in projects (rule GL-EP-1): each is
//! listed once from its group (`GET /groups/:id/epics`, the configured groups with their
//! subgroups, and the groups of projects configured one by one with their ancestors) and stored
//! in its group's row, whatever projects its children are in. Groups are rows of their own
//! (`group:ID`, key the full path); iterations and group milestones belong to them too.

use std::collections::{BTreeSet, HashMap};

use futures_util::TryStreamExt;

use super::map::{self, GroupInfo, Known};
use super::{Gitlab, api, pages, with_hint};
use crate::domain::records::{Batch, ProjectRecord};
use crate::domain::time::to_db;
use crate::store::{Store, groups, import, sync_state};
use crate::sync::http::HttpError;
use crate::sync::{Options, SyncError};

/// A group whose epics are listed, and how far the listing reaches.
struct Listing {
    group: GroupInfo,
    descendants: bool,
    ancestors: bool,
}

impl Gitlab {
    /// Writes the rows of the groups this pass touches and their epics (new or changed since
    /// the last pass; all of them with reconcile, when the ones no longer listed are marked
    /// gone), before the projects' issues, so those find their epics. Returns how many epics
    /// were marked gone.
    pub(super) async fn sync_groups(
        &self,
        store: &Store,
        projects: &[map::ProjectInfo],
        options: &Options,
    ) -> Result<usize, SyncError> {
        let mut listings: Vec<Listing> = Vec::new();
        for path in &self.source.groups {
            let group: api::Group = self.get_json(self.url(&["groups", path])).await?;
            let group = GroupInfo::from_api(&group);
            self.remember_group(&group);
            listings.push(Listing {
                group,
                descendants: self.source.include_subgroups,
                ancestors: false,
            });
        }
        for p in projects {
            let Some(g) = &p.group else { continue };
            self.remember_group(g);
            let covered = listings.iter().any(|l| {
                l.group.path == g.path
                    || (l.descendants && g.path.starts_with(&format!("{}/", l.group.path)))
            });
            if !covered {
                // A project configured by itself: its epics are in its group or above.
                listings.push(Listing {
                    group: g.clone(),
                    descendants: false,
                    ancestors: true,
                });
            }
        }
        let everything = options.full || options.reconcile;
        let mut epics: HashMap<u64, api::GroupEpic> = HashMap::new();
        let mut cursors = Vec::new();
        let mut listed_all = true;
        for l in &listings {
            let scope = format!("epics:{}", l.group.id);
            let cursor = if everything {
                None
            } else {
                sync_state::cursor(store.pool(), &self.name, &scope).await?
            };
            match self.epics_of(l, cursor.as_deref()).await? {
                Some(list) => {
                    let newest = list.iter().map(|e| e.updated_at.clone()).max();
                    epics.extend(list.into_iter().map(|e| (e.id, e)));
                    cursors.extend(newest.map(|n| (scope, n)));
                }
                None => listed_all = false,
            }
        }
        self.write_epics(store, epics, cursors, options, everything && listed_all)
            .await
    }

    /// One group's epics, updated since `cursor` (all without one); `None` where the tier has
    /// no epics (403, rule GL-EP-1) or the group cannot be seen.
    async fn epics_of(
        &self,
        l: &Listing,
        cursor: Option<&str>,
    ) -> Result<Option<Vec<api::GroupEpic>>, SyncError> {
        let mut url = self.url(&["groups", &l.group.id.to_string(), "epics"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("state", "all")
                .append_pair("order_by", "updated_at")
                .append_pair("sort", "asc")
                .append_pair("per_page", "100")
                .append_pair("include_descendant_groups", &l.descendants.to_string())
                .append_pair("include_ancestor_groups", &l.ancestors.to_string());
            if let Some(c) = cursor {
                q.append_pair("updated_after", c);
            }
        }
        let answers: Result<Vec<pages::Page>, HttpError> =
            pages::all(&self.http, url, 1).try_collect().await;
        let answers = match answers {
            Ok(a) => a,
            Err(HttpError::Auth { status: 403, .. } | HttpError::NotFound { .. }) => {
                return Ok(None);
            }
            Err(e) => return Err(with_hint(e).into()),
        };
        let mut out = Vec::new();
        for a in answers {
            out.extend(a.answer.json::<Vec<api::GroupEpic>>()?);
        }
        Ok(Some(out))
    }

    /// Stores the epics in their groups' rows (moving any an older version stored under a
    /// project), with the listings' cursors; with `reconcile`, marks gone the stored epics no
    /// listing showed.
    async fn write_epics(
        &self,
        store: &Store,
        epics: HashMap<u64, api::GroupEpic>,
        cursors: Vec<(String, String)>,
        options: &Options,
        reconcile: bool,
    ) -> Result<usize, SyncError> {
        let wanted: BTreeSet<u64> = epics.values().map(|e| e.group_id).collect();
        let mut rows = Batch {
            source_name: self.name.clone(),
            projects: self.group_rows(wanted).await?,
            ..Batch::default()
        };
        let known = self.known();
        let mut batch = Batch {
            source_name: self.name.clone(),
            projects: rows.projects.clone(),
            ..Batch::default()
        };
        let mut keys = Vec::with_capacity(epics.len());
        for e in epics.values() {
            let record = map::epic_record(e, &known)
                .map_err(|err| SyncError::Data(format!("{}: epic {err}", self.name)))?;
            keys.push((e.id, record.key.clone()));
            if let Some(author) = &e.author
                && !rows
                    .people
                    .iter()
                    .any(|p| p.remote_id == author.id.to_string())
            {
                rows.people.push(map::person(author));
            }
            batch.issues.push(record);
        }
        self.remember_epics(keys);
        let listed: BTreeSet<String> = batch.issues.iter().map(|i| i.remote_id.clone()).collect();
        let gone: Vec<i64> = if reconcile {
            groups::live_group_issues(store.pool(), &self.name)
                .await?
                .into_iter()
                .filter(|(_, remote)| !listed.contains(remote))
                .map(|(id, _)| id)
                .collect()
        } else {
            Vec::new()
        };
        let n = gone.len();
        let adopt: Vec<(String, String)> = batch
            .issues
            .iter()
            .map(|i| (i.remote_id.clone(), i.project_remote_id.clone()))
            .collect();
        let (source, now) = (self.name.clone(), options.now);
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    import::write_batch(c, &rows).await?;
                    groups::adopt_into_groups(c, &source, &adopt).await?;
                    import::write_batch(c, &batch).await?;
                    for (scope, cursor) in &cursors {
                        let at =
                            crate::sync::time::parse(cursor).map_or_else(|| cursor.clone(), to_db);
                        sync_state::advance_cursor(c, &source, scope, &at, now).await?;
                    }
                    sync_state::mark_gone(c, &gone, now).await
                })
            })
            .await?;
        Ok(n)
    }

    /// Rows for these groups: the known ones, the others asked for (an ancestor whose cadence
    /// or milestones a project uses, a subgroup whose epics a listing showed). One that cannot
    /// be seen is left out: what belongs to it is stored without its row.
    pub(super) async fn group_rows(
        &self,
        ids: BTreeSet<u64>,
    ) -> Result<Vec<ProjectRecord>, SyncError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let known = self.known().groups.get(&id).cloned();
            let group = match known {
                Some(g) => g,
                None => match self.http.get(self.url(&["groups", &id.to_string()])).await {
                    Ok(a) => {
                        let g = GroupInfo::from_api(&a.json::<api::Group>()?);
                        self.remember_group(&g);
                        g
                    }
                    Err(HttpError::NotFound { .. } | HttpError::Auth { status: 403, .. }) => {
                        continue;
                    }
                    Err(e) => return Err(with_hint(e).into()),
                },
            };
            out.push(group.record());
        }
        Ok(out)
    }

    /// What mapping knows so far: the groups and epics seen this pass.
    pub(super) fn known(&self) -> Known {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn remember_group(&self, g: &GroupInfo) {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .groups
            .insert(g.id, g.clone());
    }

    fn remember_epics(&self, keys: Vec<(u64, String)>) {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .epics
            .extend(keys);
    }
}
