//! The proposal queue: proposals kept, read, listed, expired, rejected, edited and superseded,
//! and the audit log every decision writes to.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use crate::domain::proposal::{Change, Kind, ProposalState};
use crate::domain::time::to_db;
use crate::store::sql::statements;
use crate::store::{Result, StoreError};

statements! {
    /// One proposal by id (the apply reads it inside its transaction too).
    pub(super) PROPOSAL = "SELECT id, kind, title, explanation, evidence_json, changes_json, author, \
        created_at, expires_at, state, decided_by, decided_at, decision_reason, severity \
        FROM proposals WHERE id = ?";
    CREATE = "INSERT INTO proposals (kind, title, explanation, evidence_json, changes_json, author, \
        created_at, expires_at, state, fingerprint, severity) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id";
    /// Proposals in state `?1` (all when null), newest first; pending ones past their expiry read as
    /// expired at `?2`.
    LIST = "SELECT * FROM (SELECT id, kind, title, explanation, evidence_json, changes_json, author, \
        created_at, expires_at, \
        CASE WHEN state = 'pending' AND expires_at IS NOT NULL AND expires_at < ?2 \
        THEN 'expired' ELSE state END AS state, \
        decided_by, decided_at, decision_reason, severity FROM proposals) \
        WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT 500";
    EXPIRE = "UPDATE proposals SET state = 'expired', decided_at = ?1 \
        WHERE state = 'pending' AND expires_at IS NOT NULL AND expires_at < ?1";
    REJECT = "UPDATE proposals SET state = 'rejected', decided_by = ?, decided_at = ?, \
        decision_reason = ? WHERE id = ? AND state = 'pending'";
    AUDIT = "INSERT INTO audit_log (at, actor, action, proposal_id, detail_json) VALUES (?, ?, ?, ?, ?)";
    AUDIT_LOG = "SELECT a.id, a.at, a.actor, a.action, a.proposal_id, p.title, a.detail_json \
        FROM audit_log a LEFT JOIN proposals p ON p.id = a.proposal_id ORDER BY a.id DESC LIMIT ?";
    RAISED = "SELECT EXISTS (SELECT 1 FROM proposals WHERE fingerprint = ? AND state != 'expired')";
    /// New changes; with `?3` true, a new explanation (`?2`) and severity (`?4`) too.
    /// Pending plans titled like `?3` other than `?4` are rejected by the planner at `?1`, with
    /// the reason `?2`.
    SUPERSEDE_PLANS = "UPDATE proposals SET state = 'rejected', decided_by = 'planner', decided_at = ?, \
        decision_reason = ? WHERE kind = 'sprint_plan' AND state = 'pending' AND title LIKE ? AND id != ?";
    UPDATE_PENDING = "UPDATE proposals SET changes_json = ?, explanation = coalesce(?, explanation), \
        severity = CASE WHEN ? THEN ? ELSE severity END WHERE id = ? AND state = 'pending'";
}

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
pub(super) struct Row {
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

impl Row {
    pub(super) fn into_proposal(self) -> Result<Proposal> {
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
    Ok(sqlx::query_scalar(CREATE)
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
    let row: Option<Row> = sqlx::query_as(PROPOSAL)
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
    let rows: Vec<Row> = sqlx::query_as(LIST)
        .bind(state.map(ProposalState::as_str))
        .bind(to_db(now))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Row::into_proposal).collect()
}

/// Pending proposals past their `expires_at` become expired; returns how many.
pub async fn expire(conn: &mut SqliteConnection, now: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query(EXPIRE)
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
    let updated = sqlx::query(REJECT)
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
    sqlx::query(AUDIT)
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
    let mut rows: Vec<AuditRow> = sqlx::query_as(AUDIT_LOG)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    for r in &mut rows {
        r.run = crate::store::runs::summary(&r.action, &r.detail_json);
    }
    Ok(rows)
}

/// Whether a finding with this fingerprint was raised already and is pending, decided or
/// applied (an expired one may be raised again).
pub async fn raised(conn: &mut SqliteConnection, fingerprint: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(RAISED)
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
    let updated = sqlx::query(UPDATE_PENDING)
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

/// The planner's newer plan `id` replaces the pending plans whose title matches `title_like`
/// (a `LIKE` pattern): they are rejected as superseded.
pub async fn supersede_plans(
    conn: &mut SqliteConnection,
    title_like: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(SUPERSEDE_PLANS)
        .bind(to_db(now))
        .bind(format!("superseded by proposal {id}"))
        .bind(title_like)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
