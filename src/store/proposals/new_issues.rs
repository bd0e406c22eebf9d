//! Issues a proposal creates (with a local key until the tracker gives the real one), and their
//! removal by an undo while they exist only here.

use std::fmt::Write as _;

use super::changes::{Apply, Target, conflict};
use crate::domain::proposal::Change;
use crate::store::sql::statements;
use crate::store::{Result, StoreError};

statements! {
    /// A project (not a group: new issues go into projects).
    PROJECT_BY_KEY_OR_NAME = "SELECT id, source, source_name, key FROM projects \
        WHERE (key = ? OR name = ?) AND kind = 'project' LIMIT 1";
    /// A new issue to do, with a local key and remote id until the tracker gives the real ones.
    NEW_ISSUE = "INSERT INTO issues (project_id, source, remote_id, key, issue_type, title, description, \
        status, status_category, story_points, parent_id, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?, ?, ?, 'To Do', 'todo', ?, ?, ?, ?) RETURNING id";
    ADD_TO_SPRINT = "INSERT INTO sprint_issues (sprint_id, issue_id, added_at) VALUES (?, ?, ?)";
    IS_LOCAL = "SELECT remote_id LIKE 'local:%' FROM issues WHERE id = ?";
    /// Whether the issue's create reached the tracker.
    CREATE_SENT = "SELECT EXISTS (SELECT 1 FROM outbox WHERE issue_id = ? AND operation = 'create_issue' AND state = 'sent')";
    DROP_PENDING_PUSHES = "UPDATE outbox SET state = 'skipped', updated_at = ? WHERE issue_id = ? AND state = 'pending'";
    DELETE_ISSUE = "DELETE FROM issues WHERE id = ?";
}

impl Apply<'_> {
    pub(super) async fn create(&mut self, change: &Change) -> Result<Vec<Change>> {
        let Change::Create {
            temp_key,
            project,
            issue_type,
            title,
            description,
            acceptance_criteria,
            points,
            labels,
            sprint,
            parent,
        } = change
        else {
            return Ok(Vec::new());
        };
        let row: Option<(i64, String, String, String)> = sqlx::query_as(PROJECT_BY_KEY_OR_NAME)
            .bind(project)
            .bind(project)
            .fetch_optional(&mut *self.conn)
            .await?;
        let (project_id, source, source_name, project_key) =
            row.ok_or_else(|| conflict(format!("there is no project {project:?}")))?;
        let parent_id = match parent {
            Some(p) => Some(self.issue(p).await?.id),
            None => None,
        };
        let mut text = description.clone();
        if !acceptance_criteria.is_empty() {
            text.push_str("\n\n## Acceptance criteria\n\n");
            for c in acceptance_criteria {
                let _ = writeln!(text, "- {c}");
            }
        }
        // A local key until the tracker gives the real one (the outbox records it).
        let key = format!(
            "{project_key}-new-{}-{}",
            self.proposal,
            self.temp.len() + 1
        );
        let id: i64 = sqlx::query_scalar(NEW_ISSUE)
            .bind(project_id)
            .bind(&source)
            .bind(format!("local:{key}"))
            .bind(&key)
            .bind(issue_type)
            .bind(title)
            .bind(text.trim())
            .bind(points)
            .bind(parent_id)
            .bind(&self.at)
            .bind(&self.at)
            .fetch_one(&mut *self.conn)
            .await
            .map_err(|e| StoreError::Invalid(format!("cannot create {temp_key}: {e}")))?;
        for l in labels {
            self.add_label(id, l).await?;
        }
        self.temp.insert(temp_key.clone(), (id, key.clone()));
        let t = Target {
            id,
            key: key.clone(),
            source_name,
        };
        if let Some(name) = sprint {
            let sprint_id = self.sprint_named(name, &t).await?;
            sqlx::query(ADD_TO_SPRINT)
                .bind(sprint_id)
                .bind(id)
                .bind(&self.at)
                .execute(&mut *self.conn)
                .await?;
        }
        self.queue(
            &t,
            "create_issue",
            serde_json::to_value(change).unwrap_or_default(),
        )
        .await?;
        Ok(vec![Change::Remove {
            key,
            title: title.clone(),
        }])
    }

    /// Removes an issue created here and not yet pushed (its create is dropped from the outbox).
    pub(super) async fn remove(&mut self, key: &str, title: &str) -> Result<Vec<Change>> {
        let t = self.issue(key).await?;
        let local: bool = sqlx::query_scalar(IS_LOCAL)
            .bind(t.id)
            .fetch_one(&mut *self.conn)
            .await?;
        let pushed: bool = sqlx::query_scalar(CREATE_SENT)
            .bind(t.id)
            .fetch_one(&mut *self.conn)
            .await?;
        if !local || pushed {
            return Err(conflict(format!(
                "{key} ({title}) is on the tracker already; close it there instead"
            )));
        }
        sqlx::query(DROP_PENDING_PUSHES)
            .bind(&self.at)
            .bind(t.id)
            .execute(&mut *self.conn)
            .await?;
        sqlx::query(DELETE_ISSUE)
            .bind(t.id)
            .execute(&mut *self.conn)
            .await?;
        Ok(Vec::new())
    }
}
