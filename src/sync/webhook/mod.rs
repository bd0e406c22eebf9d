//! The webhook receiver behind `sprintdeck serve`: GitLab deliveries checked against each
//! source's secret (constant time), de-duplicated by delivery id, limited to 1 MiB, stored
//! through the single writer. Wrong token → 401, bad JSON → 400, too big → 413; nothing is
//! stored then. `GET /healthz` answers `ok`.

pub mod gitlab;
pub mod jira;
pub mod scope;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use subtle::ConstantTimeEq;

use crate::clock::Clock;
use crate::config::secrets::Secret;
use crate::store::{Store, import};
use crate::sync::gitlab::status::StatusMap;
pub use scope::Scope;

/// Largest delivery accepted.
pub const BODY_LIMIT: usize = 1 << 20;

/// A source that accepts deliveries: its name, secret and status labels.
pub struct HookSource {
    pub name: String,
    pub secret: Secret,
    pub statuses: StatusMap,
    /// What its deliveries may change.
    pub scope: Scope,
}

/// A Jira source that accepts deliveries: its name, HMAC secret and site address.
pub struct JiraHook {
    pub name: String,
    pub secret: Secret,
    pub base_url: String,
    /// What its deliveries may change.
    pub scope: Scope,
}

pub struct Receiver {
    pub store: Arc<Store>,
    pub gitlab: Vec<HookSource>,
    pub jira: Vec<JiraHook>,
    pub clock: Clock,
}

pub fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/webhooks/gitlab", post(gitlab_delivery))
        .route("/webhooks/jira", post(jira_delivery))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(receiver)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn gitlab_delivery(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let token = header(&headers, "x-gitlab-token").unwrap_or_default();
    // Every secret is compared, so the time taken does not tell which one came close.
    let mut matched = None;
    for source in &receiver.gitlab {
        if bool::from(source.secret.expose().as_bytes().ct_eq(token.as_bytes())) {
            matched = Some(source);
        }
    }
    let Some(source) = matched else {
        let message = if receiver.gitlab.is_empty() {
            "no GitLab source has webhook_secret_env set\n"
        } else {
            "wrong or missing X-Gitlab-Token\n"
        };
        return (StatusCode::UNAUTHORIZED, message.to_owned());
    };
    let now = receiver.clock.now();
    let batch = match gitlab::batch(&source.name, &body, &source.statuses, now) {
        Ok(b) => b,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    if let Some(b) = &batch
        && let Some(refused) = refused(&receiver, &source.name, &source.scope, b, &body).await
    {
        return refused;
    }
    let delivery = header(&headers, "idempotency-key")
        .or_else(|| header(&headers, "x-gitlab-event-uuid"))
        .map(str::to_owned);
    let name = source.name.clone();
    let stored = receiver
        .store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                if !first_delivery(c, delivery.as_deref(), &name, now).await? {
                    return Ok("duplicate delivery: already stored");
                }
                match &batch {
                    Some(batch) => {
                        import::write_batch(c, batch).await?;
                        Ok("stored")
                    }
                    None => Ok("accepted: nothing to store"),
                }
            })
        })
        .await;
    reply(&source.name, stored)
}

async fn jira_delivery(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let signature = header(&headers, "x-hub-signature").unwrap_or_default();
    let mut matched = None;
    for source in &receiver.jira {
        if jira::signed(source.secret.expose().as_bytes(), &body, signature) {
            matched = Some(source);
        }
    }
    let Some(source) = matched else {
        let message = if receiver.jira.is_empty() {
            "no Jira source has webhook_secret_env set\n"
        } else {
            "missing or wrong X-Hub-Signature\n"
        };
        return (StatusCode::UNAUTHORIZED, message.to_owned());
    };
    let now = receiver.clock.now();
    let fields = crate::store::sync_state::cursor(receiver.store.pool(), &source.name, "fields")
        .await
        .ok()
        .flatten()
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let change = match jira::change(&source.name, &source.base_url, &body, &fields, now) {
        Ok(c) => c,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    if let jira::Change::Store(b) = &change
        && let Some(refused) = refused(&receiver, &source.name, &source.scope, b, &body).await
    {
        return refused;
    }
    let delivery = header(&headers, "x-atlassian-webhook-identifier").map(str::to_owned);
    let name = source.name.clone();
    let stored = receiver
        .store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                if !first_delivery(c, delivery.as_deref(), &name, now).await? {
                    return Ok("duplicate delivery: already stored");
                }
                match &change {
                    jira::Change::Store(batch) => {
                        import::write_batch(c, batch).await?;
                        Ok("stored")
                    }
                    jira::Change::Gone(keys) => {
                        crate::store::sync_state::mark_gone_keys(c, keys, now).await?;
                        Ok("marked gone")
                    }
                    jira::Change::Nothing => Ok("accepted: nothing to store"),
                }
            })
        })
        .await;
    reply(&source.name, stored)
}

/// The answer to a delivery outside the source's scope (logged), or `None` to store it.
async fn refused(
    receiver: &Receiver,
    source: &str,
    scope: &Scope,
    batch: &crate::domain::records::Batch,
    body: &[u8],
) -> Option<(StatusCode, String)> {
    match scope::outside(&receiver.store, source, scope, batch, body).await {
        Ok(None) => None,
        Ok(Some(why)) => {
            tracing::warn!("webhook from {source} ignored: {why}");
            Some((StatusCode::OK, format!("ignored: {why}\n")))
        }
        Err(e) => Some(reply(source, Err(e))),
    }
}

/// 200 with what was done, or 500 (logged) when the store refused it.
fn reply(
    source: &str,
    stored: Result<&'static str, crate::store::StoreError>,
) -> (StatusCode, String) {
    match stored {
        Ok(what) => (StatusCode::OK, format!("{what}\n")),
        Err(e) => {
            tracing::warn!("webhook from {source}: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not store the delivery\n".to_owned(),
            )
        }
    }
}

/// Records a delivery id; false when it was stored before (a redelivery).
async fn first_delivery(
    conn: &mut sqlx::SqliteConnection,
    delivery: Option<&str>,
    source: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, crate::store::StoreError> {
    let Some(id) = delivery else {
        return Ok(true);
    };
    crate::store::webhooks::first_delivery(conn, id, source, now).await
}

/// A source's webhook secret, from the environment variable its config names.
async fn secret_from(source: &str, env: &str) -> Result<Secret, String> {
    crate::config::secrets::resolve(crate::config::SecretRef {
        env: Some(env),
        cmd: None,
        keyring: None,
        literal: None,
    })
    .await
    .map_err(|e| format!("{source}: webhook secret: {e}"))
}

/// The receiver for the configured sources: those with a webhook secret.
pub async fn receiver(
    config: &crate::config::Config,
    store: Arc<Store>,
    clock: Clock,
) -> Result<Receiver, String> {
    let mut gitlab = Vec::new();
    for source in &config.gitlab {
        let Some(env) = &source.webhook_secret_env else {
            continue;
        };
        let secret = secret_from(&source.name, env).await?;
        let statuses =
            StatusMap::new(&source.status_labels).map_err(|e| format!("{}: {e}", source.name))?;
        gitlab.push(HookSource {
            name: source.name.clone(),
            secret,
            statuses,
            scope: Scope::gitlab(source),
        });
    }
    let mut jira = Vec::new();
    for source in &config.jira {
        let Some(env) = &source.webhook_secret_env else {
            continue;
        };
        let secret = secret_from(&source.name, env).await?;
        jira.push(JiraHook {
            name: source.name.clone(),
            secret,
            base_url: source.base_url.clone(),
            scope: Scope::jira(source),
        });
    }
    Ok(Receiver {
        store,
        gitlab,
        jira,
        clock,
    })
}
