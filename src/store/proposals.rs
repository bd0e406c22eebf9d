//! Proposals in the database: kept, listed, expired, rejected, and applied atomically. An apply
//! checks every change's expected value against the row, writes all changes, one audit row
//! (with the changes that undo it) and one outbox row per remote write — or, at the first
//! value that no longer matches, rolls everything back and the proposal is marked conflicted.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::{Result, Store, StoreError};
use crate::domain::proposal::{Change, Field, Kind, ProposalState};
use crate::domain::time::to_db;

/// A proposal to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    pub kind: Kind,
    pub title: String,
    pub explanation: String,
    /// Issue keys and figures behind it.
    pub evidence: Vec<String>,
    pub changes: Vec<Change>,
    /// `planner`, `analyst`, `llm:MODEL` or a username.
    pub author: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// An insight's identity, so the same finding is not raised twice.
    pub fingerprint: Option<String>,
    /// An insight's weight: `low`, `medium` or `high`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub explanation: String,
    pub evidence: Vec<String>,
    pub changes: Vec<Change>,
    pub author: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub state: ProposalState,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub severity: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    title: String,
    explanation: String,
    evidence_json: String,
    changes_json: String,
    author: String,
    created_at: String,
    expires_at: Option<String>,
    state: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    decision_reason: Option<String>,
    severity: Option<String>,
}

const SELECT: &str = "SELECT id, kind, title, explanation, evidence_json, changes_json, author, \
    created_at, expires_at, state, decided_by, decided_at, decision_reason, severity FROM proposals";

impl Row {
    fn into_proposal(self) -> Result<Proposal> {
        let bad = |what: &str| StoreError::Invalid(format!("proposal {}: bad {what}", self.id));
        Ok(Proposal {
            id: self.id,
            kind: Kind::parse(&self.kind).ok_or_else(|| bad("kind"))?,
            evidence: serde_json::from_str(&self.evidence_json).map_err(|_| bad("evidence"))?,
            changes: serde_json::from_str(&self.changes_json).map_err(|_| bad("changes"))?,
            state: ProposalState::parse(&self.state).ok_or_else(|| bad("state"))?,
            title: self.title,
            explanation: self.explanation,
            author: self.author,
            created_at: self.created_at,
            expires_at: self.expires_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            decision_reason: self.decision_reason,
            severity: self.severity,
        })
    }
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

pub async fn create(
    conn: &mut SqliteConnection,
    p: &NewProposal,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO proposals (kind, title, explanation, evidence_json, changes_json, author, \
         created_at, expires_at, state, fingerprint, severity) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id",
    )
    .bind(p.kind.as_str())
    .bind(&p.title)
    .bind(&p.explanation)
    .bind(json(&p.evidence)?)
    .bind(json(&p.changes)?)
    .bind(&p.author)
    .bind(to_db(now))
    .bind(p.expires_at.map(to_db))
    .bind(&p.fingerprint)
    .bind(&p.severity)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get(pool: &SqlitePool, id: i64) -> Result<Option<Proposal>> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = ?")))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(Row::into_proposal).transpose()
}

/// Proposals in `state` (all when `None`), newest first. A pending proposal past its
/// `expires_at` is expired, whether or not a writer has marked it yet (so reading writes nothing).
pub async fn list(
    pool: &SqlitePool,
    state: Option<ProposalState>,
    now: DateTime<Utc>,
) -> Result<Vec<Proposal>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT * FROM (SELECT id, kind, title, explanation, evidence_json, changes_json, author, \
           created_at, expires_at, \
           CASE WHEN state = 'pending' AND expires_at IS NOT NULL AND expires_at < ?2 \
             THEN 'expired' ELSE state END AS state, \
           decided_by, decided_at, decision_reason, severity FROM proposals) \
         WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT 500",
    )
    .bind(state.map(ProposalState::as_str))
    .bind(to_db(now))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Row::into_proposal).collect()
}

/// Pending proposals past their `expires_at` become expired; returns how many.
pub async fn expire(conn: &mut SqliteConnection, now: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE proposals SET state = 'expired', decided_at = ?1 \
         WHERE state = 'pending' AND expires_at IS NOT NULL AND expires_at < ?1",
    )
    .bind(to_db(now))
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

pub async fn reject(
    conn: &mut SqliteConnection,
    id: i64,
    actor: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE proposals SET state = 'rejected', decided_by = ?, decided_at = ?, \
         decision_reason = ? WHERE id = ? AND state = 'pending'",
    )
    .bind(actor)
    .bind(to_db(now))
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::Conflict(format!(
            "proposal {id} is not pending: nothing to reject"
        )));
    }
    audit(
        conn,
        actor,
        "reject",
        Some(id),
        &serde_json::json!({ "reason": reason }),
        now,
    )
    .await
}

pub(crate) async fn audit(
    conn: &mut SqliteConnection,
    actor: &str,
    action: &str,
    proposal: Option<i64>,
    detail: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, proposal_id, detail_json) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(to_db(now))
    .bind(actor)
    .bind(action)
    .bind(proposal)
    .bind(detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub proposal_id: Option<i64>,
    pub title: Option<String>,
    pub detail_json: String,
    /// For a model run: what it used, in one line (model, template, documents, tokens, cost).
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

/// The audit log, newest first.
pub async fn audit_log(pool: &SqlitePool, limit: i64) -> Result<Vec<AuditRow>> {
    let mut rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT a.id, a.at, a.actor, a.action, a.proposal_id, p.title, a.detail_json \
         FROM audit_log a LEFT JOIN proposals p ON p.id = a.proposal_id ORDER BY a.id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    for r in &mut rows {
        r.run = super::runs::summary(&r.action, &r.detail_json);
    }
    Ok(rows)
}

/// What applying wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The changes that undo it (for a later undo).
    pub inverse: Vec<Change>,
    /// Outbox rows queued for the trackers.
    pub outbox: usize,
    /// Issues it created: temp key → key.
    pub created: Vec<(String, String)>,
}

/// Applies a pending proposal, all or nothing. A change whose expected value no longer matches
/// fails it with [`StoreError::Conflict`] naming the change and the current value; the caller
/// rolls back and may mark it conflicted ([`apply_or_mark`] does both).
pub async fn apply(
    conn: &mut SqliteConnection,
    id: i64,
    actor: &str,
    write_back: bool,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = ?")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let p = row
        .ok_or_else(|| StoreError::Invalid(format!("no proposal {id}")))?
        .into_proposal()?;
    // Refusals, not conflicts: nothing about the backlog changed, so the proposal stays as it is.
    if p.state != ProposalState::Pending {
        return Err(StoreError::Invalid(format!(
            "proposal {id} is {}, not pending",
            p.state.as_str()
        )));
    }
    if p.expires_at
        .as_deref()
        .is_some_and(|at| at < to_db(now).as_str())
    {
        return Err(StoreError::Invalid(format!(
            "proposal {id} expired, not pending: plan or analyse again"
        )));
    }
    if p.kind == Kind::Backlog && p.severity.as_deref() == Some("high") {
        return Err(StoreError::Invalid(format!(
            "proposal {id} breaks the [generator] rules (its explanation lists them): generate again or reject it"
        )));
    }
    let mut ctx = Apply {
        conn,
        proposal: id,
        at: to_db(now),
        outbox_state: if write_back { "pending" } else { "skipped" },
        temp: HashMap::new(),
        outbox: 0,
    };
    let mut inverse = Vec::new();
    for (i, change) in p.changes.iter().enumerate() {
        let undo = ctx.change(change).await.map_err(|e| match e {
            StoreError::Conflict(m) => StoreError::Conflict(format!(
                "change {} of {} ({}): {m}",
                i + 1,
                p.changes.len(),
                change.describe().trim()
            )),
            other => other,
        })?;
        inverse.extend(undo);
    }
    // Undo runs the inverse changes in reverse order.
    inverse.reverse();
    let created: Vec<(String, String)> = ctx
        .temp
        .iter()
        .map(|(t, (_, k))| (t.clone(), k.clone()))
        .collect();
    let outbox = ctx.outbox;
    sqlx::query(
        "UPDATE proposals SET state = 'applied', decided_by = ?, decided_at = ? WHERE id = ?",
    )
    .bind(actor)
    .bind(to_db(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    audit(
        conn,
        actor,
        "apply",
        Some(id),
        &serde_json::json!({ "changes": p.changes, "inverse": inverse, "outbox": outbox }),
        now,
    )
    .await?;
    Ok(Applied {
        inverse,
        outbox,
        created,
    })
}

/// Applies in its own transaction; on a conflict the proposal is marked conflicted (with the
/// reason) in another, and the conflict returned.
pub async fn apply_or_mark(
    store: &Store,
    id: i64,
    actor: &str,
    write_back: bool,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let who = actor.to_owned();
    let result = store
        .writer()
        .transaction(move |c| Box::pin(async move { apply(c, id, &who, write_back, now).await }))
        .await;
    if let Err(StoreError::Conflict(reason)) = &result {
        let reason = reason.clone();
        store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE proposals SET state = 'conflicted', decided_at = ?, decision_reason = ? \
                         WHERE id = ? AND state = 'pending'",
                    )
                    .bind(to_db(now))
                    .bind(&reason)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await?;
    }
    result
}

/// Creates a proposal and applies it at once (a person's own change, like a board move).
pub async fn create_and_apply(
    store: &Store,
    proposal: NewProposal,
    write_back: bool,
    now: DateTime<Utc>,
) -> Result<(i64, Applied)> {
    let actor = proposal.author.clone();
    let id = store
        .writer()
        .transaction(move |c| Box::pin(async move { create(c, &proposal, now).await }))
        .await?;
    let applied = apply_or_mark(store, id, &actor, write_back, now).await?;
    Ok((id, applied))
}

/// Undoes the most recent applied proposal not yet undone: its inverse changes become a new
/// manual proposal, applied through the same path (so a change made since is a conflict, not
/// an overwrite). Returns the new proposal's id and what the undo was of.
pub async fn undo_last(
    store: &Store,
    actor: &str,
    write_back: bool,
    now: DateTime<Utc>,
) -> Result<(i64, i64)> {
    let last: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT a.proposal_id, a.detail_json, p.title FROM audit_log a JOIN proposals p ON p.id = a.proposal_id \
         WHERE a.action = 'apply' AND p.title NOT LIKE 'Undo #%' AND NOT EXISTS \
           (SELECT 1 FROM audit_log u WHERE u.action = 'undo' AND u.proposal_id = a.proposal_id) \
        ORDER BY a.id DESC LIMIT 1",
    )
    .fetch_optional(store.pool())
    .await?;
    let (of, detail, title) =
        last.ok_or_else(|| StoreError::Conflict("nothing to undo".to_owned()))?;
    let detail: serde_json::Value =
        serde_json::from_str(&detail).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let inverse: Vec<Change> = serde_json::from_value(detail["inverse"].clone())
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    if inverse.is_empty() {
        return Err(StoreError::Conflict(format!(
            "proposal {of} cannot be undone (comments stay on the tracker)"
        )));
    }
    let undo = NewProposal {
        kind: Kind::Manual,
        title: format!("Undo #{of}: {title}"),
        explanation: format!("Restores what proposal {of} changed."),
        evidence: Vec::new(),
        changes: inverse,
        author: actor.to_owned(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    };
    let (id, _) = create_and_apply(store, undo, write_back, now).await?;
    let who = actor.to_owned();
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                audit(
                    c,
                    &who,
                    "undo",
                    Some(of),
                    &serde_json::json!({ "by": id }),
                    now,
                )
                .await
            })
        })
        .await?;
    Ok((id, of))
}

/// One apply in progress: the connection, and the issues created so far (temp key → id, key).
struct Apply<'c> {
    conn: &'c mut SqliteConnection,
    proposal: i64,
    at: String,
    outbox_state: &'static str,
    temp: HashMap<String, (i64, String)>,
    outbox: usize,
}

/// An issue as a change finds it.
struct Target {
    id: i64,
    key: String,
    source_name: String,
}

fn conflict(message: String) -> StoreError {
    StoreError::Conflict(message)
}

impl Apply<'_> {
    async fn issue(&mut self, key: &str) -> Result<Target> {
        if let Some((id, real)) = self.temp.get(key) {
            let source_name: String = sqlx::query_scalar(
                "SELECT p.source_name FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = ?",
            )
            .bind(id)
            .fetch_one(&mut *self.conn)
            .await?;
            return Ok(Target {
                id: *id,
                key: real.clone(),
                source_name,
            });
        }
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT i.id, i.key, p.source_name FROM issues i JOIN projects p ON p.id = i.project_id \
             WHERE i.key = ? AND i.gone_at IS NULL",
        )
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

    async fn queue(
        &mut self,
        t: &Target,
        operation: &str,
        payload: serde_json::Value,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO outbox (proposal_id, issue_id, source_name, operation, payload_json, state, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
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
        sqlx::query("UPDATE issues SET updated_at = ? WHERE id = ?")
            .bind(&self.at)
            .bind(id)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// Applies one change; returns the changes that undo it.
    async fn change(&mut self, change: &Change) -> Result<Vec<Change>> {
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
        let (status, category): (String, String) =
            sqlx::query_as("SELECT status, status_category FROM issues WHERE id = ?")
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
        sqlx::query(
            "UPDATE issues SET status = ?, status_category = ?, updated_at = ?, closed_at = ? WHERE id = ?",
        )
        .bind(to)
        .bind(to_category)
        .bind(&self.at)
        .bind(&closed_at)
        .bind(t.id)
        .execute(&mut *self.conn)
        .await?;
        sqlx::query(
            "INSERT INTO status_events (issue_id, from_status, to_status, from_category, to_category, at, source) \
             VALUES (?, ?, ?, ?, ?, ?, 'manual')",
        )
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
            Field::Assignee => {
                "SELECT group_concat(username, ',') FROM (SELECT pe.username FROM issue_assignees ia \
                 JOIN people pe ON pe.id = ia.person_id WHERE ia.issue_id = ? ORDER BY pe.username)"
            }
            Field::Points => {
                "SELECT CASE WHEN story_points IS NULL THEN NULL \
                 WHEN story_points = CAST(story_points AS INTEGER) THEN CAST(CAST(story_points AS INTEGER) AS TEXT) \
                 ELSE CAST(story_points AS TEXT) END FROM issues WHERE id = ?"
            }
            Field::Priority => "SELECT priority FROM issues WHERE id = ?",
            Field::Labels => {
                "SELECT group_concat(name, ',') FROM (SELECT l.name FROM issue_labels il \
                 JOIN labels l ON l.id = il.label_id WHERE il.issue_id = ? ORDER BY l.name)"
            }
            Field::Due => "SELECT due_date FROM issues WHERE id = ?",
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
                sqlx::query("UPDATE issues SET story_points = ? WHERE id = ?")
                    .bind(points)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
            }
            Field::Priority => {
                sqlx::query("UPDATE issues SET priority = ?, priority_rank = ? WHERE id = ?")
                    .bind(to)
                    .bind(to.and_then(crate::domain::issue::priority_rank))
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
            }
            Field::Due => {
                sqlx::query("UPDATE issues SET due_date = ? WHERE id = ?")
                    .bind(to)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
            }
            Field::Assignee => {
                sqlx::query("DELETE FROM issue_assignees WHERE issue_id = ?")
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
                for name in to.into_iter().flat_map(|v| v.split(',')).map(str::trim) {
                    let person: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM people WHERE username = ? LIMIT 1")
                            .bind(name)
                            .fetch_optional(&mut *self.conn)
                            .await?;
                    let person =
                        person.ok_or_else(|| conflict(format!("nobody is called {name:?}")))?;
                    sqlx::query("INSERT INTO issue_assignees (issue_id, person_id) VALUES (?, ?)")
                        .bind(id)
                        .bind(person)
                        .execute(&mut *self.conn)
                        .await?;
                }
            }
            Field::Labels => {
                sqlx::query("DELETE FROM issue_labels WHERE issue_id = ?")
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

    async fn add_label(&mut self, issue: i64, name: &str) -> Result<()> {
        sqlx::query("INSERT OR IGNORE INTO labels (name) VALUES (?)")
            .bind(name)
            .execute(&mut *self.conn)
            .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO issue_labels (issue_id, label_id) SELECT ?, id FROM labels WHERE name = ?",
        )
        .bind(issue)
        .bind(name)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    /// The open sprint (not closed) the issue is in, if any.
    async fn current_sprint(&mut self, id: i64) -> Result<Option<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
             WHERE si.issue_id = ? AND si.removed_at IS NULL \
             ORDER BY s.state = 'closed', s.start_at DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut *self.conn)
        .await?)
    }

    async fn sprint_named(&mut self, name: &str, t: &Target) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM sprints WHERE name = ? ORDER BY source_name = ? DESC, state = 'closed' LIMIT 1",
        )
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
            sqlx::query(
                "UPDATE sprint_issues SET removed_at = ? WHERE sprint_id = ? AND issue_id = ?",
            )
            .bind(&self.at)
            .bind(sprint)
            .bind(t.id)
            .execute(&mut *self.conn)
            .await?;
        }
        if let Some(name) = to {
            let sprint = self.sprint_named(name, &t).await?;
            sqlx::query(
                "INSERT INTO sprint_issues (sprint_id, issue_id, added_at) VALUES (?, ?, ?) \
                 ON CONFLICT (sprint_id, issue_id) DO UPDATE SET added_at = excluded.added_at, removed_at = NULL",
            )
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
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM issue_links WHERE from_issue_id = ? AND to_issue_id = ? AND kind = 'blocks')",
        )
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
        let sql = if add {
            "INSERT INTO issue_links (from_issue_id, to_issue_id, kind) VALUES (?, ?, 'blocks')"
        } else {
            "DELETE FROM issue_links WHERE from_issue_id = ? AND to_issue_id = ? AND kind = 'blocks'"
        };
        sqlx::query(sql)
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

    async fn create(&mut self, change: &Change) -> Result<Vec<Change>> {
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
        let row: Option<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, source, source_name, key FROM projects WHERE key = ? OR name = ? LIMIT 1",
        )
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
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO issues (project_id, source, remote_id, key, issue_type, title, description, \
             status, status_category, story_points, parent_id, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'To Do', 'todo', ?, ?, ?, ?) RETURNING id",
        )
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
            sqlx::query(
                "INSERT INTO sprint_issues (sprint_id, issue_id, added_at) VALUES (?, ?, ?)",
            )
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
    async fn remove(&mut self, key: &str, title: &str) -> Result<Vec<Change>> {
        let t = self.issue(key).await?;
        let local: bool =
            sqlx::query_scalar("SELECT remote_id LIKE 'local:%' FROM issues WHERE id = ?")
                .bind(t.id)
                .fetch_one(&mut *self.conn)
                .await?;
        let pushed: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE issue_id = ? AND operation = 'create_issue' AND state = 'sent')",
        )
        .bind(t.id)
        .fetch_one(&mut *self.conn)
        .await?;
        if !local || pushed {
            return Err(conflict(format!(
                "{key} ({title}) is on the tracker already; close it there instead"
            )));
        }
        sqlx::query("UPDATE outbox SET state = 'skipped', updated_at = ? WHERE issue_id = ? AND state = 'pending'")
            .bind(&self.at)
            .bind(t.id)
            .execute(&mut *self.conn)
            .await?;
        sqlx::query("DELETE FROM issues WHERE id = ?")
            .bind(t.id)
            .execute(&mut *self.conn)
            .await?;
        Ok(Vec::new())
    }
}

/// Whether a finding with this fingerprint was raised already and is pending, decided or
/// applied (an expired one may be raised again).
pub async fn raised(conn: &mut SqliteConnection, fingerprint: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM proposals WHERE fingerprint = ? AND state != 'expired')",
    )
    .bind(fingerprint)
    .fetch_one(&mut *conn)
    .await?)
}

/// Replaces a pending proposal's changes with an edited subset (before applying it), audited.
pub async fn edit(
    conn: &mut SqliteConnection,
    id: i64,
    changes: &[Change],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    update_pending(conn, id, changes, None, actor, now).await
}

/// A pending backlog proposal edited before applying: its changes, explanation and severity
/// (the rules checked again on the edited backlog), audited as an edit.
pub async fn revise(
    conn: &mut SqliteConnection,
    id: i64,
    changes: &[Change],
    explanation: &str,
    severity: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    update_pending(conn, id, changes, Some((explanation, severity)), actor, now).await
}

/// New changes (and explanation and severity, when given) for a pending proposal, audited.
async fn update_pending(
    conn: &mut SqliteConnection,
    id: i64,
    changes: &[Change],
    verdict: Option<(&str, Option<&str>)>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE proposals SET changes_json = ?, explanation = coalesce(?, explanation), \
         severity = CASE WHEN ? THEN ? ELSE severity END WHERE id = ? AND state = 'pending'",
    )
    .bind(json(&changes)?)
    .bind(verdict.map(|(e, _)| e))
    .bind(verdict.is_some())
    .bind(verdict.and_then(|(_, s)| s))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::Conflict(format!(
            "proposal {id} is not pending"
        )));
    }
    audit(
        conn,
        actor,
        "edit",
        Some(id),
        &serde_json::json!({ "changes": changes }),
        now,
    )
    .await
}

/// Keeps `new` in place of pending proposal `old`, which is rejected as replaced; the new id.
pub async fn supersede(
    conn: &mut SqliteConnection,
    old: i64,
    new: &NewProposal,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id = create(&mut *conn, new, now).await?;
    let reason = format!("replaced by proposal {id}");
    reject(conn, old, actor, Some(&reason), now).await?;
    Ok(id)
}
