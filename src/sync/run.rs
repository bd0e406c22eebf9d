//! One pass over the configured sources, each in its own task, for `sprintdeck sync`, `serve`
//! and the TUI's background sync.

use futures_util::future::join_all;

use super::gitlab::Gitlab;
use super::http::Sleeper;
use super::{Counts, Options, Progress, SyncError, SyncEvent, report};
use crate::config::Config;
use crate::store::Store;

/// Names of the sources a pass covers (`only` picks one), or why none.
pub fn selected(config: &Config, only: Option<&str>) -> Result<Vec<String>, String> {
    let all: Vec<String> = config
        .gitlab
        .iter()
        .map(|s| s.name.clone())
        .chain(config.jira.iter().map(|s| s.name.clone()))
        .collect();
    if all.is_empty() {
        return Err(
            "no sources configured: add [[gitlab]] or [[jira]] (see config.example.toml)"
                .to_owned(),
        );
    }
    match only {
        None => Ok(all),
        Some(name) if all.iter().any(|n| n == name) => Ok(vec![name.to_owned()]),
        Some(name) => Err(format!(
            "no source named `{name}`; configured: {}",
            all.join(", ")
        )),
    }
}

/// Syncs every selected source concurrently; one failing does not stop the others.
pub async fn pass(
    store: &Store,
    config: &Config,
    only: Option<&str>,
    options: &Options,
    sleeper: Option<Sleeper>,
    progress: Option<&Progress>,
) -> Result<Vec<(String, Result<Counts, String>)>, String> {
    let names = selected(config, only)?;
    let tasks = names.iter().map(|name| {
        let sleeper = sleeper.clone();
        async move {
            let result = one(store, config, name, options, sleeper, progress).await;
            let result = result.map_err(|e| e.to_string());
            report(
                progress,
                SyncEvent::Finished {
                    source: name.clone(),
                    result: result.clone(),
                },
            );
            (name.clone(), result)
        }
    });
    Ok(join_all(tasks).await)
}

async fn one(
    store: &Store,
    config: &Config,
    name: &str,
    options: &Options,
    sleeper: Option<Sleeper>,
    progress: Option<&Progress>,
) -> Result<Counts, SyncError> {
    let counts = synced(store, config, name, options, sleeper, progress).await?;
    // What was pushed before this pass started can now be checked against the tracker.
    if let Err(e) = super::writeback::confirm(store, name, options.now).await {
        tracing::warn!(source = name, error = %e, "could not check pushed changes");
    }
    Ok(counts)
}

async fn synced(
    store: &Store,
    config: &Config,
    name: &str,
    options: &Options,
    sleeper: Option<Sleeper>,
    progress: Option<&Progress>,
) -> Result<Counts, SyncError> {
    if let Some(source) = config.gitlab.iter().find(|s| s.name == name) {
        let gitlab = Gitlab::connect(source, options, sleeper, progress.cloned()).await?;
        return gitlab.sync(store, options, progress).await;
    }
    let source = config
        .jira
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| SyncError::Setup(format!("no source named {name}")))?;
    let jira = super::jira::Jira::connect(source, options, sleeper, progress.cloned()).await?;
    jira.sync(store, options, progress).await
}
