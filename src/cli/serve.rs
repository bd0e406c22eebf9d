//! `sprintdeck serve`: the webhook receiver and, unless `--no-poll`, the polling loop, until
//! ctrl-c.

use std::net::SocketAddr;
use std::sync::Arc;

use super::commands::Context;
use super::output;
use super::sync::{Args, keep_syncing, synced_workspace};
use crate::Error;
use crate::sync::webhook;

pub async fn run(ctx: &Context, listen: SocketAddr, poll: bool) -> Result<(), Error> {
    let ws = synced_workspace(ctx, None).await?;
    let store = Arc::new(ws.store);
    let receiver = webhook::receiver(&ctx.config, Arc::clone(&store), ctx.clock)
        .await
        .map_err(Error::Usage)?;
    if receiver.gitlab.is_empty() && receiver.jira.is_empty() {
        output::warn(
            "no source has webhook_secret_env: every delivery will be refused (401); polling only",
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Usage(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener.local_addr()?;
    output::note(&format!(
        "receiving webhooks on http://{bound}/webhooks/gitlab and /webhooks/jira (health: /healthz)"
    ));
    let app = webhook::router(Arc::new(receiver));
    let server = axum::serve(listener, app).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    let args = Args {
        source: None,
        once: false,
        full: false,
        reconcile: false,
    };
    let result = if poll {
        tokio::select! {
            outcome = server => outcome.map_err(Error::from),
            polled = keep_syncing(ctx, &store, &args) => polled,
        }
    } else {
        server.await.map_err(Error::from)
    };
    // The server's tasks hold the store until they end; close it when they have.
    if let Ok(store) = Arc::try_unwrap(store) {
        store.close().await?;
    }
    result
}
