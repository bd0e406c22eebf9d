//! The background sync's effects: one pass over the configured sources, the recent runs.

use super::EffectIo;
use crate::app::msg::{Effect, Msg};
use crate::store::Store;

/// The sync's effects run whole: a pass (its progress not reported), the recent runs.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::StartSync => Msg::SyncDone(sync_pass(store, io, None).await),
        Effect::LoadSyncRuns => Msg::SyncRuns(
            crate::store::sync_state::recent_runs(store.pool(), 50)
                .await
                .map_err(|e| e.to_string()),
        ),
        _ => return None,
    })
}

/// One pass over the sources (none configured: nothing to do).
pub async fn sync_pass(
    store: &Store,
    io: &EffectIo,
    progress: Option<&crate::sync::Progress>,
) -> Vec<(String, Result<crate::sync::Counts, String>)> {
    let Some(config) = &io.sync else {
        return Vec::new();
    };
    let options = crate::sync::Options::new(&config.sync, io.clock);
    match crate::sync::run::pass(store, config, None, &options, None, progress).await {
        Ok(results) => results,
        Err(e) => vec![("sync".to_owned(), Err(e))],
    }
}
