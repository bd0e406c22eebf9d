//! `sprintdeck sync`: one pass (`--once`) or a loop at `[sync] interval_minutes` with the
//! nightly reconcile, with a progress bar per source on a terminal and plain lines otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use chrono::Timelike;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::commands::Context;
use super::output;
use crate::Error;
use crate::sync::{self, SyncEvent};

pub struct Args {
    pub source: Option<String>,
    pub once: bool,
    pub full: bool,
    pub reconcile: bool,
}

pub async fn run(ctx: &Context, args: Args) -> Result<(), Error> {
    let ws = synced_workspace(ctx, args.source.as_deref()).await?;
    let result = keep_syncing(ctx, &ws.store, &args).await;
    ws.store.close().await?;
    result
}

/// The configured sources' database (never the demo).
pub async fn synced_workspace(
    ctx: &Context,
    source: Option<&str>,
) -> Result<super::workspace::Workspace, Error> {
    sync::run::selected(&ctx.config, source).map_err(Error::Usage)?;
    let ws =
        super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await?;
    if ws.is_demo {
        return Err(Error::Usage(
            "this is the demo database; sync writes to the configured one (drop --db, or point it at a synced database)".into(),
        ));
    }
    Ok(ws)
}

/// Passes until ctrl-c (or one pass with `--once`), with the nightly reconcile.
pub async fn keep_syncing(
    ctx: &Context,
    store: &crate::store::Store,
    args: &Args,
) -> Result<(), Error> {
    let mut reconciled_on = None;
    loop {
        let mut options = sync::Options::new(&ctx.config.sync, ctx.clock);
        options.full = args.full;
        let local = chrono::Local::now();
        // Nightly: the first pass at or after the reconcile hour each day.
        let nightly = !args.once
            && reconciled_on != Some(local.date_naive())
            && local.hour() >= u32::from(ctx.config.sync.reconcile_hour);
        options.reconcile = args.reconcile || nightly;
        if options.reconcile {
            reconciled_on = Some(local.date_naive());
        }
        let failed = pass(ctx, store, args, &options).await?;
        if !args.once {
            after_pass(ctx, store).await;
        }
        if args.once {
            if failed.is_empty() {
                return Ok(());
            }
            return Err(Error::Sync(format!("sync failed: {}", failed.join("; "))));
        }
        let wait = Duration::from_secs(u64::from(ctx.config.sync.interval_minutes.max(1)) * 60);
        output::note(&format!(
            "next pass in {} min (ctrl-c stops)",
            wait.as_secs() / 60
        ));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// One pass with progress; returns the failures as "source: reason".
async fn pass(
    ctx: &Context,
    store: &crate::store::Store,
    args: &Args,
    options: &sync::Options,
) -> Result<Vec<String>, Error> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(show_progress(rx, std::io::stderr().is_terminal()));
    let results = sync::run::pass(
        store,
        &ctx.config,
        args.source.as_deref(),
        options,
        None,
        Some(&tx),
    )
    .await
    .map_err(Error::Usage)?;
    drop(tx);
    let _ = printer.await;
    Ok(results
        .into_iter()
        .filter_map(|(name, r)| r.err().map(|e| format!("{name}: {e}")))
        .collect())
}

async fn show_progress(mut rx: tokio::sync::mpsc::UnboundedReceiver<SyncEvent>, tty: bool) {
    let multi = MultiProgress::new();
    let mut bars: Vec<(String, ProgressBar)> = Vec::new();
    let style = ProgressStyle::with_template("{prefix:>12} {spinner} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    while let Some(event) = rx.recv().await {
        let source = match &event {
            SyncEvent::Started { source, .. }
            | SyncEvent::Page { source, .. }
            | SyncEvent::History { source, .. }
            | SyncEvent::Waiting { source, .. }
            | SyncEvent::Finished { source, .. } => source.clone(),
        };
        let line = describe(&event);
        if !tty {
            output::note(&format!("{source}: {line}"));
            continue;
        }
        let bar = if let Some((_, b)) = bars.iter().find(|(s, _)| *s == source) {
            b.clone()
        } else {
            let b = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
            b.set_prefix(source.clone());
            b.enable_steady_tick(Duration::from_millis(120));
            bars.push((source.clone(), b.clone()));
            b
        };
        if matches!(event, SyncEvent::Finished { .. }) {
            bar.finish_with_message(line);
        } else {
            bar.set_message(line);
        }
    }
}

fn describe(event: &SyncEvent) -> String {
    match event {
        SyncEvent::Started { kind, .. } => format!("{kind} started"),
        SyncEvent::Page {
            done,
            total,
            issues,
            ..
        } => match total {
            Some(t) => format!("page {done}/{t} · {issues} issues"),
            None => format!("page {done} · {issues} issues"),
        },
        SyncEvent::History { done, total, .. } => format!("history {done}/{total} issues"),
        SyncEvent::Waiting {
            seconds, reason, ..
        } => format!("retry in {seconds}s ({reason})"),
        SyncEvent::Finished { result, .. } => match result {
            Ok(c) => format!(
                "done: {} pages, {} issues seen, {} changed{}",
                c.pages,
                c.seen,
                c.changed,
                if c.gone > 0 {
                    format!(", {} gone", c.gone)
                } else {
                    String::new()
                }
            ),
            Err(e) => format!("failed: {e}"),
        },
    }
}

/// The team's sync daemon also keeps the queue fresh (new insights) and pushes what people
/// applied; either failing is said, not fatal: the next pass tries again.
async fn after_pass(ctx: &Context, store: &crate::store::Store) {
    let now = ctx.clock.now();
    match crate::planning::run_analyst(store, &ctx.config, now).await {
        Ok(new) if !new.is_empty() => {
            output::note(&format!("{} new insight(s) to review", new.len()));
        }
        Ok(_) => {}
        Err(e) => output::warn(&format!("the analyst failed: {e}")),
    }
    if !ctx.config.proposals.write_back {
        return;
    }
    match crate::sync::writeback::push(store, &ctx.config, None, false, ctx.clock, None).await {
        Ok(outcomes) => {
            let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
            if !outcomes.is_empty() {
                output::note(&format!(
                    "pushed {} change(s){}",
                    outcomes.len() - failed,
                    if failed > 0 {
                        format!(", {failed} failed (tried again next pass)")
                    } else {
                        String::new()
                    }
                ));
            }
        }
        Err(e) => output::warn(&format!("push failed: {e}")),
    }
}
