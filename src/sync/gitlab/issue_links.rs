//! Issue links: GitLab lists them per issue (`GET /projects/:id/issues/:iid/links`, the whole
//! list in one answer, rules GL-LNK-1..4), so they are read for the issues that changed since
//! they were last read, after the issues themselves, in chunks each written with its marks (a
//! stopped sync resumes here). A read replaces the issue's links: a link removed in GitLab goes.

use futures_util::{StreamExt, TryStreamExt, stream};

use super::map::ProjectInfo;
use super::{Gitlab, api, with_hint};
use crate::domain::issue::LinkKind;
use crate::domain::records::{Batch, LinkRecord};
use crate::store::{Store, import, links};
use crate::sync::http::HttpError;
use crate::sync::{Options, SyncError};

impl Gitlab {
    /// Reads the links of the project's issues whose links are due.
    pub(super) async fn read_links(
        &self,
        store: &Store,
        project: &ProjectInfo,
        options: &Options,
    ) -> Result<(), SyncError> {
        let due = links::links_due(store.pool(), &self.name, &project.remote_id).await?;
        for chunk in due.chunks(100) {
            let read: Vec<(i64, String, Vec<LinkRecord>)> = stream::iter(chunk.iter().cloned())
                .map(|(id, key, updated_at)| async move {
                    let found = self.links_of(project, &key).await?;
                    Ok::<_, SyncError>((id, updated_at, found))
                })
                .buffer_unordered(options.concurrency.max(1) * 2)
                .try_collect()
                .await?;
            let mut batch = Batch {
                source_name: self.name.clone(),
                ..Batch::default()
            };
            let mut ids = Vec::with_capacity(read.len());
            let mut marks = Vec::with_capacity(read.len());
            for (id, updated_at, found) in read {
                ids.push(id);
                marks.push((id, updated_at));
                for l in found {
                    if !batch.links.contains(&l) {
                        batch.links.push(l);
                    }
                }
            }
            store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        links::clear_links(c, &ids).await?;
                        import::write_batch(c, &batch).await?;
                        links::mark_links_read(c, &marks).await
                    })
                })
                .await?;
        }
        Ok(())
    }

    /// One issue's links as records: `blocks` from it, `is_blocked_by` to it, `relates_to`
    /// either way (stored in key order, so both ends' lists give one row). A deleted issue has
    /// none.
    async fn links_of(
        &self,
        project: &ProjectInfo,
        key: &str,
    ) -> Result<Vec<LinkRecord>, SyncError> {
        let Some(iid) = key.rsplit('#').next().filter(|n| n.parse::<u64>().is_ok()) else {
            return Ok(Vec::new());
        };
        let url = self.url(&["projects", &project.remote_id, "issues", iid, "links"]);
        let list: Vec<api::LinkedIssue> = match self.http.get(url).await {
            Ok(a) => a.json()?,
            Err(HttpError::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(with_hint(e).into()),
        };
        Ok(list
            .iter()
            .filter_map(|other| {
                let other_key = other
                    .references
                    .as_ref()
                    .and_then(|r| r.full.clone())
                    .filter(|k| k.contains('#'))?;
                Some(link(key, &other_key, &other.link_type))
            })
            .collect())
    }
}

/// A link seen from `key`'s list (rule GL-LNK-2: the type is relative to the issue asked).
fn link(key: &str, other: &str, link_type: &str) -> LinkRecord {
    let (from, to, kind) = match link_type {
        "blocks" => (key, other, LinkKind::Blocks),
        "is_blocked_by" => (other, key, LinkKind::Blocks),
        _ if key <= other => (key, other, LinkKind::Relates),
        _ => (other, key, LinkKind::Relates),
    };
    LinkRecord {
        from_key: from.to_owned(),
        to_key: to.to_owned(),
        kind,
    }
}
