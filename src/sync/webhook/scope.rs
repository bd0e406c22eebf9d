//! What a source's webhook deliveries may change: the projects, groups and boards its config
//! names, and whatever a poll of that scope has already stored. A group hook (GitLab) or a
//! site-wide hook (Jira) also delivers for projects nobody configured; those deliveries are
//! answered 200 (the tracker is not asked to retry, nor told the hook is failing) and change
//! nothing.

use serde_json::Value;

use crate::config::{GitlabSource, JiraSource, ProjectRef};
use crate::domain::records::{Batch, ProjectKind};
use crate::store::{Store, StoreError, webhooks};

/// The configured scope of one source.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// GitLab project ids or paths, Jira project keys or ids.
    pub projects: Vec<String>,
    /// GitLab group paths (or ids): their projects are in scope.
    pub groups: Vec<String>,
    /// Whether a group's subgroups' projects are too.
    pub include_subgroups: bool,
    /// Jira boards: their sprints are in scope.
    pub boards: Vec<u64>,
}

impl Scope {
    pub fn gitlab(source: &GitlabSource) -> Self {
        Self {
            projects: source
                .projects
                .iter()
                .map(|p| match p {
                    ProjectRef::Id(id) => id.to_string(),
                    ProjectRef::Path(path) => path.clone(),
                })
                .collect(),
            groups: source.groups.clone(),
            include_subgroups: source.include_subgroups,
            boards: Vec::new(),
        }
    }

    pub fn jira(source: &JiraSource) -> Self {
        Self {
            projects: source.projects.clone(),
            groups: Vec::new(),
            include_subgroups: false,
            boards: source.boards.clone(),
        }
    }

    /// Whether the config names this project (by id, path or key), or a group it is in.
    fn names(&self, remote_id: &str, key: &str) -> bool {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        if self
            .projects
            .iter()
            .any(|p| same(p, remote_id) || same(p, key))
        {
            return true;
        }
        let key = key.to_lowercase();
        self.groups.iter().any(|g| {
            let prefix = format!("{}/", g.trim_matches('/').to_lowercase());
            key.strip_prefix(&prefix)
                .is_some_and(|rest| self.include_subgroups || !rest.contains('/'))
        })
    }
}

/// Why the change a delivery carries lies outside `scope` (a sentence for the log and the
/// answer), or `None` when it is inside. `body` is the delivery, for what the change does not
/// keep (the board a sprint event comes from).
pub async fn outside(
    store: &Store,
    source: &str,
    scope: &Scope,
    batch: &Batch,
    body: &[u8],
) -> Result<Option<String>, StoreError> {
    for p in batch
        .projects
        .iter()
        .filter(|p| p.kind == ProjectKind::Project)
    {
        if !scope.names(&p.remote_id, &p.key)
            && !webhooks::known_project(store.pool(), source, &p.remote_id).await?
        {
            return Ok(Some(format!(
                "project {} is not in the configured scope",
                p.key
            )));
        }
    }
    // A sprint event: its board, or a sprint a poll stored.
    if batch.issues.is_empty() {
        let board = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.pointer("/sprint/originBoardId").and_then(Value::as_u64));
        for s in &batch.sprints {
            if !board.is_some_and(|b| scope.boards.contains(&b))
                && !webhooks::known_sprint(store.pool(), source, &s.remote_id).await?
            {
                return Ok(Some(format!("sprint {} is on no configured board", s.name)));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn groups_cover_their_projects_and_subgroups_when_asked() {
        let mut scope = Scope {
            projects: vec!["42".into(), "Other/Tool".into()],
            groups: vec!["acme".into()],
            include_subgroups: true,
            boards: Vec::new(),
        };
        assert!(scope.names("42", "someone/else"));
        assert!(scope.names("7", "other/tool"));
        assert!(scope.names("8", "acme/backend"));
        assert!(scope.names("9", "acme/platform/api"));
        assert!(!scope.names("10", "acme-labs/web"));
        assert!(!scope.names("11", "rival/backend"));
        scope.include_subgroups = false;
        assert!(!scope.names("9", "acme/platform/api"));
    }
}
