//! Effects of the approval queue: load it (with the pushes the trackers refused), apply, reject,
//! undo, plan, analyse, push.

use chrono::{DateTime, Utc};

use super::EffectIo;
use crate::app::msg::{Effect, Msg};
use crate::store::Store;

/// A proposal's changes as edited before applying; a generated backlog's rules are checked again
/// on what is left (dropping the story that broke one makes it applicable).
async fn edit_before_apply(
    store: &Store,
    io: &EffectIo,
    id: i64,
    changes: Vec<crate::domain::proposal::Change>,
    actor: &str,
) -> Result<(), String> {
    use crate::store::proposals;
    let now = io.clock.now();
    let kind = proposals::get(store.pool(), id)
        .await
        .map_err(|e| e.to_string())?
        .map(|p| p.kind);
    if kind == Some(crate::domain::proposal::Kind::Backlog) {
        let backlog = crate::generator::Backlog::from_changes(&changes);
        return crate::generator::proposal::recheck(
            store,
            id,
            &backlog,
            &io.config.generator,
            actor,
            now,
        )
        .await
        .map(|_| ());
    }
    let who = actor.to_owned();
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move { proposals::edit(c, id, &changes, &who, now).await })
        })
        .await
        .map_err(|e| e.to_string())
}

/// The queue (pending, or `all`) after expiring what is overdue, and the refused pushes.
async fn load_proposals(store: &Store, all: bool, now: DateTime<Utc>) -> Msg {
    use crate::store::proposals;
    let state = (!all).then_some(crate::domain::proposal::ProposalState::Pending);
    // The queue shows without them rather than not at all.
    let failed_pushes = crate::store::failed_pushes::list(store.pool())
        .await
        .unwrap_or_default();
    Msg::ProposalsLoaded {
        result: proposals::list(store.pool(), state, now)
            .await
            .map_err(|e| e.to_string()),
        failed_pushes,
    }
}

/// Pushes the outbox when sources are configured and write-back is on; says what happened.
async fn push_outbox(store: &Store, io: &EffectIo) -> Option<Msg> {
    let write_back = io.config.proposals.write_back;
    let done =
        |result: Result<String, String>, changed: bool| Msg::ProposalDone { result, changed };

    if !io.config.has_sources() || !write_back {
        return None;
    }
    Some(
        match crate::sync::writeback::push(store, &io.config, None, false, io.clock, None).await {
            Ok(outcomes) if outcomes.is_empty() => return None,
            Ok(outcomes) => {
                let failed: Vec<String> = outcomes
                    .iter()
                    .filter_map(|o| o.result.as_ref().err().cloned())
                    .collect();
                let sent = outcomes.len() - failed.len();
                let text = match failed.first() {
                    None => format!("pushed {sent} change(s) to the trackers"),
                    Some(why) => format!(
                        "pushed {sent}, {} failed ({why}); R in Proposals tries again",
                        failed.len()
                    ),
                };
                done(
                    if failed.is_empty() {
                        Ok(text)
                    } else {
                        Err(text)
                    },
                    false,
                )
            }
            Err(e) => done(Err(format!("push failed: {e}")), false),
        },
    )
}

/// The approval queue's effects: load, decide, plan, analyse.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    use crate::store::proposals;
    let now = io.clock.now();
    let actor = io.prompts.author.clone();
    let write_back = io.config.proposals.write_back;
    let done =
        |result: Result<String, String>, changed: bool| Msg::ProposalDone { result, changed };
    Some(match effect {
        Effect::LoadProposals { all } => load_proposals(store, all, now).await,
        Effect::LoadAudit => Msg::AuditLoaded(
            proposals::audit_log(store.pool(), 200)
                .await
                .map_err(|e| e.to_string()),
        ),
        Effect::ApplyProposal { id, changes } => {
            if let Some(changes) = changes
                && let Err(e) = edit_before_apply(store, io, id, changes, &actor).await
            {
                return Some(done(Err(format!("not applied: {e}")), false));
            }
            match proposals::apply_or_mark(store, id, &actor, write_back, now).await {
                Ok(a) => done(
                    Ok(format!(
                        "applied proposal {id}: {} change(s) queued for the tracker",
                        a.outbox
                    )),
                    true,
                ),
                Err(e) => done(Err(format!("not applied: {e}")), false),
            }
        }
        Effect::RejectProposal { id, reason } => {
            let rejected = store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        proposals::reject(c, id, &actor, reason.as_deref(), now).await
                    })
                })
                .await;
            done(
                rejected
                    .map(|()| format!("rejected proposal {id}"))
                    .map_err(|e| e.to_string()),
                false,
            )
        }
        Effect::UndoProposal => match proposals::undo_last(store, &actor, write_back, now).await {
            Ok((undo, of)) => done(Ok(format!("undid proposal {of} (as {undo})")), true),
            Err(e) => done(Err(format!("not undone: {e}")), false),
        },
        Effect::RunPlanner => {
            match crate::planning::run_planner(store, &io.config, "next", now).await {
                Ok(Some((id, plan))) => done(
                    Ok(format!(
                        "proposal {id}: a plan for {} ({} changes)",
                        plan.target,
                        plan.changes.len()
                    )),
                    false,
                ),
                Ok(None) => done(Err("no future sprint to plan".to_owned()), false),
                Err(e) => done(Err(format!("the planner failed: {e}")), false),
            }
        }
        Effect::PushOutbox => return push_outbox(store, io).await,
        Effect::RunAnalyst => match crate::planning::run_analyst(store, &io.config, now).await {
            Ok(new) if new.is_empty() => done(Ok(String::new()), false),
            Ok(new) => done(Ok(format!("{} new insight(s) to review", new.len())), false),
            Err(e) => done(Err(format!("the analyst failed: {e}")), false),
        },
        _ => return None,
    })
}
