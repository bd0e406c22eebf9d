//! Applying a proposal, all or nothing: every change's expected value is checked against the
//! row and written (see `changes`), with one audit row (holding the changes that undo it) and one
//! outbox row per remote write; at the first value that no longer matches everything is rolled
//! back and the proposal marked conflicted. Undo applies the inverse changes the same way.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;

use super::changes::Apply;
use super::queue::{NewProposal, PROPOSAL, Row, audit, create};
use crate::domain::proposal::{Change, Kind, ProposalState};
use crate::domain::time::to_db;
use crate::store::sql::statements;
use crate::store::{Result, Store, StoreError};

statements! {
    MARK_APPLIED = "UPDATE proposals SET state = 'applied', decided_by = ?, decided_at = ? WHERE id = ?";
    MARK_CONFLICTED = "UPDATE proposals SET state = 'conflicted', decided_at = ?, decision_reason = ? \
        WHERE id = ? AND state = 'pending'";
    /// The newest applied proposal not undone (and not itself an undo), with what undoes it.
    LAST_UNDOABLE = "SELECT a.proposal_id, a.detail_json, p.title FROM audit_log a JOIN proposals p ON p.id = a.proposal_id \
        WHERE a.action = 'apply' AND p.title NOT LIKE 'Undo #%' AND NOT EXISTS \
        (SELECT 1 FROM audit_log u WHERE u.action = 'undo' AND u.proposal_id = a.proposal_id) \
        ORDER BY a.id DESC LIMIT 1";
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
    let row: Option<Row> = sqlx::query_as(PROPOSAL)
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
    sqlx::query(MARK_APPLIED)
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
                    sqlx::query(MARK_CONFLICTED)
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
    let last: Option<(i64, String, String)> = sqlx::query_as(LAST_UNDOABLE)
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
