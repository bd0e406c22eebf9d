//! Effects of the backlog and the issue detail: a query's first page and later windows, an
//! issue's detail and its local fields, the filter history, how fresh each source is.

use super::EffectIo;
use crate::app::msg::{BacklogPage, BacklogRequest, Effect, Msg, SourceFreshness};
use crate::clock::parse_instant;
use crate::store::{Store, StoreError, detail, read};

/// The backlog's and the detail's effects.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::LoadBacklog {
            generation,
            request,
            window: (start, len),
        } => {
            let result = load_page(store, &request, start, len)
                .await
                .map_err(|e| e.to_string());
            Msg::BacklogLoaded { generation, result }
        }
        Effect::LoadWindow {
            generation,
            request,
            start,
            len,
        } => {
            let result = read::grouped_page(
                store.pool(),
                &request.filter,
                &request.grouping,
                to_i64(start),
                to_i64(len),
            )
            .await
            .map_err(|e| e.to_string());
            Msg::WindowLoaded {
                generation,
                start,
                result,
            }
        }
        Effect::LoadDetail {
            generation,
            issue_id,
        } => {
            let result = detail::issue_detail(store.pool(), issue_id)
                .await
                .map(Box::new)
                .map_err(|e| e.to_string());
            Msg::DetailLoaded { generation, result }
        }
        Effect::SaveOverride {
            issue_id,
            field,
            value,
        } => save_override(store, io, issue_id, field, value).await,
        Effect::SaveHistory(history) => return save_history(io, &history).await,
        Effect::LoadFreshness => freshness(store, io).await,
        _ => return None,
    })
}

async fn load_page(
    store: &Store,
    request: &BacklogRequest,
    start: usize,
    len: usize,
) -> Result<BacklogPage, StoreError> {
    let pool = store.pool();
    let (groups, count, rows) = tokio::join!(
        read::backlog_groups(pool, &request.filter, request.grouping.by),
        read::backlog_count(pool, &request.filter),
        read::grouped_page(
            pool,
            &request.filter,
            &request.grouping,
            to_i64(start),
            to_i64(len)
        ),
    );
    Ok(BacklogPage {
        matches: usize::try_from(count?).unwrap_or(0),
        groups: groups?
            .into_iter()
            .map(|(k, n)| (k, usize::try_from(n).unwrap_or(0)))
            .collect(),
        window_start: start,
        rows: rows?,
    })
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn save_override(
    store: &Store,
    io: &EffectIo,
    issue_id: i64,
    field: crate::domain::overrides::OverrideField,
    value: Option<String>,
) -> Msg {
    let now = io.clock.now();
    let result = store
        .writer()
        .transaction(move |conn| {
            Box::pin(async move {
                detail::set_override(conn, issue_id, field, value.as_deref(), now).await
            })
        })
        .await
        .map_err(|e| e.to_string());
    Msg::OverrideSaved {
        issue_id,
        field,
        result,
    }
}

async fn save_history(io: &EffectIo, history: &[String]) -> Option<Msg> {
    let mut text = history.join("\n");
    text.push('\n');
    if let Some(dir) = io.history_path.parent() {
        let _ = tokio::fs::create_dir_all(dir).await;
    }
    match tokio::fs::write(&io.history_path, text).await {
        Ok(()) => None,
        Err(e) => Some(Msg::Notice {
            text: format!("could not save filter history: {e}"),
            error: true,
        }),
    }
}

async fn freshness(store: &Store, io: &EffectIo) -> Msg {
    let synced = read::last_sync(store.pool()).await.unwrap_or_default();
    Msg::Freshness(
        io.sources
            .iter()
            .map(|name| {
                let last_ok = synced
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, at)| at.as_deref().and_then(parse_instant));
                SourceFreshness {
                    name: name.into(),
                    last_ok,
                }
            })
            .collect(),
    )
}
