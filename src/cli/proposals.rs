//! `sprintdeck proposals …`, `plan` and `analyze`: the approval queue without the UI.

use std::fmt::Write as _;

use super::args::ProposalsCommand;
use super::commands::Context;
use super::output;
use crate::Error;
use crate::domain::proposal::ProposalState;
use crate::store::proposals::{self, Proposal};

async fn open(ctx: &Context) -> Result<super::workspace::Workspace, Error> {
    super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Usage(e.to_string()))
}

/// Who decides: `[ui] me`, else the login name.
fn actor(ws: &super::workspace::Workspace) -> String {
    crate::prompt::author(ws.me.as_deref())
}

pub async fn run(ctx: &Context, command: &ProposalsCommand) -> Result<(), Error> {
    let ws = open(ctx).await?;
    let now = ctx.clock.now();
    let write_back = ctx.config.proposals.write_back;
    let text = match command {
        ProposalsCommand::List { all, json: as_json } => list(&ws, *all, *as_json, now).await?,
        ProposalsCommand::Show { id, json: as_json } => {
            let p = proposals::get(ws.store.pool(), *id)
                .await?
                .ok_or_else(|| Error::Usage(format!("no proposal {id}")))?;
            if *as_json { json(&p)? } else { show(&p) }
        }
        ProposalsCommand::Apply { id } => {
            let applied = proposals::apply_or_mark(&ws.store, *id, &actor(&ws), write_back, now)
                .await
                .map_err(|e| Error::Usage(format!("not applied: {e}")))?;
            format!(
                "applied proposal {id}: {} remote write(s) queued{}\n",
                applied.outbox,
                if write_back {
                    ""
                } else {
                    " as skipped ([proposals] write_back = false)"
                }
            )
        }
        ProposalsCommand::Reject { id, reason } => {
            let (id, who, reason) = (*id, actor(&ws), reason.clone());
            ws.store
                .writer()
                .transaction(move |c| {
                    Box::pin(
                        async move { proposals::reject(c, id, &who, reason.as_deref(), now).await },
                    )
                })
                .await
                .map_err(|e| Error::Usage(e.to_string()))?;
            format!("rejected proposal {id}\n")
        }
        ProposalsCommand::Undo => {
            let (undo, of) = proposals::undo_last(&ws.store, &actor(&ws), write_back, now)
                .await
                .map_err(|e| Error::Usage(format!("not undone: {e}")))?;
            format!("undid proposal {of} (as proposal {undo})\n")
        }
        ProposalsCommand::Audit {
            limit,
            json: as_json,
        } => {
            let rows = proposals::audit_log(ws.store.pool(), *limit).await?;
            if *as_json {
                json(&rows)?
            } else {
                let mut text = String::new();
                for r in &rows {
                    let _ = writeln!(
                        text,
                        "{}  {:<12} {:<7} #{:<5} {}",
                        r.at,
                        r.actor,
                        r.action,
                        r.proposal_id
                            .map_or_else(|| "-".to_owned(), |i| i.to_string()),
                        r.title.as_deref().unwrap_or("")
                    );
                    if let Some(run) = &r.run {
                        let _ = writeln!(text, "    {run}");
                    }
                }
                text
            }
        }
    };
    output::out(&text)?;
    ws.store.close().await?;
    Ok(())
}

/// A proposal as the terminal shows it: header, explanation, evidence, the changes as a diff.
pub fn show(p: &Proposal) -> String {
    let mut text = format!(
        "#{} {} · {} · {} · by {} · {}\n",
        p.id,
        p.title,
        p.kind.as_str(),
        p.state.as_str(),
        p.author,
        p.created_at
    );
    if let Some(s) = &p.severity {
        let _ = writeln!(text, "severity: {s}");
    }
    if let Some(r) = &p.decision_reason {
        let _ = writeln!(text, "reason: {r}");
    }
    if !p.explanation.is_empty() {
        let _ = writeln!(text, "\n{}", p.explanation.trim_end());
    }
    if !p.evidence.is_empty() {
        let _ = writeln!(text, "\nevidence: {}", p.evidence.join("; "));
    }
    if !p.changes.is_empty() {
        text.push_str("\nchanges:\n");
        for c in &p.changes {
            let _ = writeln!(text, "{}", c.describe());
        }
    }
    text
}

pub async fn plan(ctx: &Context, sprint: &str, as_json: bool) -> Result<(), Error> {
    let ws = open(ctx).await?;
    let Some((id, plan)) =
        crate::planning::run_planner(&ws.store, &ctx.config, sprint, ctx.clock.now()).await?
    else {
        return Err(Error::Usage(format!(
            "no sprint to plan: {}",
            if sprint == "next" {
                "there is no future sprint".to_owned()
            } else {
                format!("no sprint named {sprint:?}")
            }
        )));
    };
    let p = proposals::get(ws.store.pool(), id)
        .await?
        .ok_or_else(|| Error::Usage(format!("proposal {id} vanished")))?;
    let text = if as_json { json(&p)? } else { show(&p) };
    output::out(&text)?;
    if !as_json {
        output::note(&format!(
            "{} changes proposed for {}; apply with `sprintdeck proposals apply {id}` or `a` in the Proposals tab",
            plan.changes.len(),
            plan.target
        ));
    }
    ws.store.close().await?;
    Ok(())
}

pub async fn analyze(ctx: &Context, as_json: bool) -> Result<(), Error> {
    let ws = open(ctx).await?;
    let raised = crate::planning::run_analyst(&ws.store, &ctx.config, ctx.clock.now()).await?;
    let mut list = Vec::new();
    for (id, _) in &raised {
        if let Some(p) = proposals::get(ws.store.pool(), *id).await? {
            list.push(p);
        }
    }
    let text = if as_json {
        json(&list)?
    } else if list.is_empty() {
        "no new findings\n".to_owned()
    } else {
        list.iter().map(show).collect::<Vec<_>>().join("\n")
    };
    output::out(&text)?;
    ws.store.close().await?;
    Ok(())
}

async fn list(
    ws: &super::workspace::Workspace,
    all: bool,
    as_json: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, Error> {
    let state = (!all).then_some(ProposalState::Pending);
    let list = proposals::list(ws.store.pool(), state, now).await?;
    Ok(if as_json {
        json(&list)?
    } else if list.is_empty() {
        "no pending proposals (sprintdeck plan, sprintdeck analyze)\n".to_owned()
    } else {
        let mut text = String::new();
        for p in &list {
            let _ = writeln!(
                text,
                "{:>5}  {:<10} {:<11} {:<9} {:>3} changes  {}  ({})",
                p.id,
                p.state.as_str(),
                p.kind.as_str(),
                p.severity.as_deref().unwrap_or(""),
                p.changes.len(),
                p.title,
                p.author
            );
        }
        text
    })
}

pub async fn push(ctx: &Context, source: Option<&str>, dry_run: bool) -> Result<(), Error> {
    if !ctx.config.proposals.write_back && !dry_run {
        return Err(Error::Usage(
            "[proposals] write_back = false: changes stay local (--dry-run shows what would be sent)"
                .to_owned(),
        ));
    }
    let ws = open(ctx).await?;
    let outcomes =
        crate::sync::writeback::push(&ws.store, &ctx.config, source, dry_run, ctx.clock, None)
            .await
            .map_err(|e| Error::Sync(e.to_string()))?;
    let mut text = String::new();
    let mut failed = 0;
    for o in &outcomes {
        match &o.result {
            Ok(p) => {
                let _ = writeln!(
                    text,
                    "#{} {}: {}",
                    o.row,
                    o.operation,
                    if dry_run { "would send" } else { "sent" }
                );
                for w in &p.writes {
                    let _ = writeln!(text, "    {w}");
                }
                if let Some((_, key)) = p.created.as_ref().filter(|(id, _)| !id.is_empty()) {
                    let _ = writeln!(text, "    created {key}");
                }
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(text, "#{} {}: failed: {e}", o.row, o.operation);
            }
        }
    }
    if outcomes.is_empty() {
        text.push_str("nothing to push\n");
    }
    output::out(&text)?;
    ws.store.close().await?;
    if failed > 0 {
        return Err(Error::Sync(format!(
            "{failed} change(s) could not be pushed; they are tried again next time"
        )));
    }
    Ok(())
}
