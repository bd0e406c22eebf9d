//! One change of a proposal at a time, inside the apply's transaction: the value it expects is
//! checked, the new one written, the issue touched and the remote write queued in the outbox;
//! each returns the changes that undo it.

use std::collections::HashMap;

use sqlx::sqlite::SqliteConnection;

use crate::domain::proposal::{Change, Field};
use crate::store::sql::statements;
use crate::store::{Result, StoreError};

statements! {
    SOURCE_OF_ISSUE = "SELECT p.source_name FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = ?";
    /// A live issue by key, with its source.
    LIVE_ISSUE_BY_KEY = "SELECT i.id, i.key, p.source_name FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE i.key = ? AND i.gone_at IS NULL";
    QUEUE_PUSH = "INSERT INTO outbox (proposal_id, issue_id, source_name, operation, payload_json, state, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    TOUCH = "UPDATE issues SET updated_at = ? WHERE id = ?";
    STATUS_OF = "SELECT status, status_category FROM issues WHERE id = ?";
    SET_STATUS = "UPDATE issues SET status = ?, status_category = ?, updated_at = ?, closed_at = ? WHERE id = ?";
    STATUS_EVENT = "INSERT INTO status_events (issue_id, from_status, to_status, from_category, to_category, at, source) \
        VALUES (?, ?, ?, ?, ?, ?, 'manual')";
    /// Usernames, sorted, comma-separated.
    ASSIGNEES_OF = "SELECT group_concat(username, ',') FROM (SELECT pe.username FROM issue_assignees ia \
        JOIN people pe ON pe.id = ia.person_id WHERE ia.issue_id = ? ORDER BY pe.username)";
    /// Points as changes write them: `5`, `2.5`.
    POINTS_OF = "SELECT CASE WHEN story_points IS NULL THEN NULL \
        WHEN story_points = CAST(story_points AS INTEGER) THEN CAST(CAST(story_points AS INTEGER) AS TEXT) \
        ELSE CAST(story_points AS TEXT) END FROM issues WHERE id = ?";
    PRIORITY_OF = "SELECT priority FROM issues WHERE id = ?";
    /// Label names, sorted, comma-separated.
    LABELS_OF = "SELECT group_concat(name, ',') FROM (SELECT l.name FROM issue_labels il \
        JOIN labels l ON l.id = il.label_id WHERE il.issue_id = ? ORDER BY l.name)";
    DUE_OF = "SELECT due_date FROM issues WHERE id = ?";
    SET_POINTS = "UPDATE issues SET story_points = ? WHERE id = ?";
    SET_PRIORITY = "UPDATE issues SET priority = ?, priority_rank = ? WHERE id = ?";
    SET_DUE = "UPDATE issues SET due_date = ? WHERE id = ?";
    CLEAR_ASSIGNEES = "DELETE FROM issue_assignees WHERE issue_id = ?";
    PERSON_BY_USERNAME = "SELECT id FROM people WHERE username = ? LIMIT 1";
    ADD_ASSIGNEE = "INSERT INTO issue_assignees (issue_id, person_id) VALUES (?, ?)";
    CLEAR_LABELS = "DELETE FROM issue_labels WHERE issue_id = ?";
    NEW_LABEL = "INSERT OR IGNORE INTO labels (name) VALUES (?)";
    ADD_LABEL = "INSERT OR IGNORE INTO issue_labels (issue_id, label_id) SELECT ?, id FROM labels WHERE name = ?";
    /// A sprint by name, the issue's source (`?2`) first.
    SPRINT_BY_NAME = "SELECT id FROM sprints WHERE name = ? ORDER BY source_name = ? DESC, state = 'closed' LIMIT 1";
    LEAVE_SPRINT = "UPDATE sprint_issues SET removed_at = ? WHERE sprint_id = ? AND issue_id = ?";
    /// Back in a sprint it had left: the membership starts again.
    JOIN_SPRINT = "INSERT INTO sprint_issues (sprint_id, issue_id, added_at) VALUES (?, ?, ?) \
        ON CONFLICT (sprint_id, issue_id) DO UPDATE SET added_at = excluded.added_at, removed_at = NULL";
    ADD_BLOCK = "INSERT INTO issue_links (from_issue_id, to_issue_id, kind) VALUES (?, ?, 'blocks')";
    REMOVE_BLOCK = "DELETE FROM issue_links WHERE from_issue_id = ? AND to_issue_id = ? AND kind = 'blocks'";
    BLOCKS = "SELECT EXISTS (SELECT 1 FROM issue_links WHERE from_issue_id = ? AND to_issue_id = ? AND kind = 'blocks')";
}

/// One apply in progress: the connection, and the issues created so far (temp key → id, key).
pub(super) struct Apply<'c> {
    pub(super) conn: &'c mut SqliteConnection,
    pub(super) proposal: i64,
    pub(super) at: String,
    pub(super) outbox_state: &'static str,
    pub(super) temp: HashMap<String, (i64, String)>,
    pub(super) outbox: usize,
}

/// An issue as a change finds it.
pub(super) struct Target {
    pub(super) id: i64,
    pub(super) key: String,
    pub(super) source_name: String,
}

pub(super) fn conflict(message: String) -> StoreError {
    StoreError::Conflict(message)
}

impl Apply<'_> {
    pub(super) async fn issue(&mut self, key: &str) -> Result<Target> {
        if let Some((id, real)) = self.temp.get(key) {
            let source_name: String = sqlx::query_scalar(SOURCE_OF_ISSUE)
                .bind(id)
                .fetch_one(&mut *self.conn)
                .await?;
            return Ok(Target {
                id: *id,
                key: real.clone(),
                source_name,
            });
        }
        let row: Option<(i64, String, String)> = sqlx::query_as(LIVE_ISSUE_BY_KEY)
            .bind(key)
            .fetch_optional(&mut *self.conn)
            .await?;
        let (id, key, source_name) =
            row.ok_or_else(|| conflict(format!("{key} does not exist (any more)")))?;
        Ok(Target {
            id,
            key,
            source_name,
        })
    }

    pub(super) async fn queue(
        &mut self,
        t: &Target,
        operation: &str,
        payload: serde_json::Value,
    ) -> Result<()> {
        sqlx::query(QUEUE_PUSH)
            .bind(self.proposal)
            .bind(t.id)
            .bind(&t.source_name)
            .bind(operation)
            .bind(payload.to_string())
            .bind(self.outbox_state)
            .bind(&self.at)
            .bind(&self.at)
            .execute(&mut *self.conn)
            .await?;
        self.outbox += 1;
        Ok(())
    }

    async fn touch(&mut self, id: i64) -> Result<()> {
        sqlx::query(TOUCH)
            .bind(&self.at)
            .bind(id)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// Applies one change; returns the changes that undo it.
    pub(super) async fn change(&mut self, change: &Change) -> Result<Vec<Change>> {
        match change {
            Change::SetStatus {
                key,
                from,
                to,
                to_category,
            } => self.set_status(key, from, to, to_category).await,
            Change::SetField {
                key,
                field,
                from,
                to,
            } => {
                self.set_field(key, *field, from.as_deref(), to.as_deref())
                    .await
            }
            Change::MoveToSprint { key, from, to } => {
                self.move_to_sprint(key, from.as_deref(), Some(to)).await
            }
            Change::RemoveFromSprint { key, from } => {
                self.move_to_sprint(key, Some(from), None).await
            }
            Change::Link { from, to } => self.link(from, to, true).await,
            Change::Unlink { from, to } => self.link(from, to, false).await,
            Change::Comment { key, body } => {
                let t = self.issue(key).await?;
                self.queue(
                    &t,
                    "comment",
                    serde_json::json!({ "key": t.key, "body": body }),
                )
                .await?;
                Ok(Vec::new())
            }
            Change::Create { .. } => self.create(change).await,
            Change::Remove { key, title } => self.remove(key, title).await,
        }
    }

    async fn set_status(
        &mut self,
        key: &str,
        from: &str,
        to: &str,
        to_category: &str,
    ) -> Result<Vec<Change>> {
        let t = self.issue(key).await?;
        let (status, category): (String, String) = sqlx::query_as(STATUS_OF)
            .bind(t.id)
            .fetch_one(&mut *self.conn)
            .await?;
        if status != from {
            return Err(conflict(format!(
                "expected status {from:?}, it is now {status:?}"
            )));
        }
        if !matches!(to_category, "todo" | "in_progress" | "done") {
            return Err(StoreError::Invalid(format!(
                "unknown status category {to_category:?}"
            )));
        }
        let closed_at = (to_category == "done").then(|| self.at.clone());
        sqlx::query(SET_STATUS)
            .bind(to)
            .bind(to_category)
            .bind(&self.at)
            .bind(&closed_at)
            .bind(t.id)
            .execute(&mut *self.conn)
            .await?;
        sqlx::query(STATUS_EVENT)
            .bind(t.id)
            .bind(&status)
            .bind(to)
            .bind(&category)
            .bind(to_category)
            .bind(&self.at)
            .execute(&mut *self.conn)
            .await?;
        self.queue(
            &t,
            "set_status",
            serde_json::json!({ "key": t.key, "from": status, "to": to }),
        )
        .await?;
        Ok(vec![Change::SetStatus {
            key: t.key,
            from: to.to_owned(),
            to: status,
            to_category: category,
        }])
    }

    async fn field_value(&mut self, id: i64, field: Field) -> Result<Option<String>> {
        field_value(&mut *self.conn, id, field).await
    }
}

/// A field's value as changes name it: points `"5"`, labels and assignees comma-separated in
/// order, `None` when empty.
pub async fn field_value<'c, E>(conn: E, id: i64, field: Field) -> Result<Option<String>>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    {
        let sql = match field {
            Field::Assignee => ASSIGNEES_OF,
            Field::Points => POINTS_OF,
            Field::Priority => PRIORITY_OF,
            Field::Labels => LABELS_OF,
            Field::Due => DUE_OF,
        };
        Ok(sqlx::query_scalar::<_, Option<String>>(sql)
            .bind(id)
            .fetch_one(conn)
            .await?
            .filter(|v| !v.is_empty()))
    }
}

impl Apply<'_> {
    async fn set_field(
        &mut self,
        key: &str,
        field: Field,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<Change>> {
        let t = self.issue(key).await?;
        let current = self.field_value(t.id, field).await?;
        if current.as_deref() != from {
            return Err(conflict(format!(
                "expected {} {}, it is now {}",
                field.as_str(),
                from.map_or_else(|| "empty".to_owned(), |v| format!("{v:?}")),
                current
                    .as_deref()
                    .map_or_else(|| "empty".to_owned(), |v| format!("{v:?}"))
            )));
        }
        self.write_field(t.id, field, to).await?;
        self.touch(t.id).await?;
        self.queue(
            &t,
            "set_field",
            serde_json::json!({ "key": t.key, "field": field.as_str(), "from": from, "to": to }),
        )
        .await?;
        Ok(vec![Change::SetField {
            key: t.key,
            field,
            from: to.map(str::to_owned),
            to: current,
        }])
    }

    async fn write_field(&mut self, id: i64, field: Field, to: Option<&str>) -> Result<()> {
        match field {
            Field::Points => {
                let points = to
                    .map(|v| {
                        v.trim().parse::<f64>().map_err(|_| {
                            StoreError::Invalid(format!("points {v:?} is not a number"))
                        })
                    })
                    .transpose()?;
                sqlx::query(SET_POINTS)
                    .bind(points)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
            }
            Field::Priority => {
                sqlx::query(SET_PRIORITY)
                    .bind(to)
                    .bind(to.and_then(crate::domain::issue::priority_rank))
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
            }
            Field::Due => {
                sqlx::query(SET_DUE)
                    .bind(to)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
            }
            Field::Assignee => {
                sqlx::query(CLEAR_ASSIGNEES)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
                for name in to.into_iter().flat_map(|v| v.split(',')).map(str::trim) {
                    let person: Option<i64> = sqlx::query_scalar(PERSON_BY_USERNAME)
                        .bind(name)
                        .fetch_optional(&mut *self.conn)
                        .await?;
                    let person =
                        person.ok_or_else(|| conflict(format!("nobody is called {name:?}")))?;
                    sqlx::query(ADD_ASSIGNEE)
                        .bind(id)
                        .bind(person)
                        .execute(&mut *self.conn)
                        .await?;
                }
            }
            Field::Labels => {
                sqlx::query(CLEAR_LABELS)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
                for name in to.into_iter().flat_map(|v| v.split(',')).map(str::trim) {
                    if name.is_empty() {
                        continue;
                    }
                    self.add_label(id, name).await?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn add_label(&mut self, issue: i64, name: &str) -> Result<()> {
        sqlx::query(NEW_LABEL)
            .bind(name)
            .execute(&mut *self.conn)
            .await?;
        sqlx::query(ADD_LABEL)
            .bind(issue)
            .bind(name)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// The open sprint (not closed) the issue is in, if any.
    async fn current_sprint(&mut self, id: i64) -> Result<Option<(i64, String)>> {
        crate::store::sprints::open_sprint_of(&mut *self.conn, id).await
    }

    pub(super) async fn sprint_named(&mut self, name: &str, t: &Target) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar(SPRINT_BY_NAME)
            .bind(name)
            .bind(&t.source_name)
            .fetch_optional(&mut *self.conn)
            .await?;
        id.ok_or_else(|| conflict(format!("there is no sprint {name:?}")))
    }

    /// Moves into `to` (or out of every sprint with `None`), expecting to find it in `from`.
    async fn move_to_sprint(
        &mut self,
        key: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<Change>> {
        let t = self.issue(key).await?;
        let current = self.current_sprint(t.id).await?;
        if current.as_ref().map(|(_, n)| n.as_str()) != from {
            return Err(conflict(format!(
                "expected sprint {}, it is now in {}",
                from.unwrap_or("none"),
                current.as_ref().map_or("none", |(_, n)| n.as_str())
            )));
        }
        if let Some((sprint, _)) = &current {
            sqlx::query(LEAVE_SPRINT)
                .bind(&self.at)
                .bind(sprint)
                .bind(t.id)
                .execute(&mut *self.conn)
                .await?;
        }
        if let Some(name) = to {
            let sprint = self.sprint_named(name, &t).await?;
            sqlx::query(JOIN_SPRINT)
                .bind(sprint)
                .bind(t.id)
                .bind(&self.at)
                .execute(&mut *self.conn)
                .await?;
        }
        self.touch(t.id).await?;
        self.queue(
            &t,
            "set_sprint",
            serde_json::json!({ "key": t.key, "from": from, "to": to }),
        )
        .await?;
        let undo = match (from, to) {
            (Some(f), Some(n)) => Change::MoveToSprint {
                key: t.key,
                from: Some(n.to_owned()),
                to: f.to_owned(),
            },
            (None, Some(n)) => Change::RemoveFromSprint {
                key: t.key,
                from: n.to_owned(),
            },
            (Some(f), None) => Change::MoveToSprint {
                key: t.key,
                from: None,
                to: f.to_owned(),
            },
            (None, None) => return Ok(Vec::new()),
        };
        Ok(vec![undo])
    }

    async fn link(&mut self, from: &str, to: &str, add: bool) -> Result<Vec<Change>> {
        let a = self.issue(from).await?;
        let b = self.issue(to).await?;
        let exists: bool = sqlx::query_scalar(BLOCKS)
            .bind(a.id)
            .bind(b.id)
            .fetch_one(&mut *self.conn)
            .await?;
        if exists == add {
            return Err(conflict(if add {
                format!("{} already blocks {}", a.key, b.key)
            } else {
                format!("{} does not block {}", a.key, b.key)
            }));
        }
        sqlx::query(if add { ADD_BLOCK } else { REMOVE_BLOCK })
            .bind(a.id)
            .bind(b.id)
            .execute(&mut *self.conn)
            .await?;
        self.touch(a.id).await?;
        self.queue(
            &a,
            if add { "link" } else { "unlink" },
            serde_json::json!({ "key": a.key, "blocks": b.key }),
        )
        .await?;
        Ok(vec![if add {
            Change::Unlink {
                from: a.key,
                to: b.key,
            }
        } else {
            Change::Link {
                from: a.key,
                to: b.key,
            }
        }])
    }
}
