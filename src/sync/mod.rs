//! Sync: trackers into `SQLite`. One task per source pages through the tracker's API, maps each
//! page into records and writes it through the single writer together with the cursor that
//! covers it, so a killed sync resumes where it stopped and never duplicates anything. Progress
//! goes out as [`SyncEvent`]s (status bar, progress bar); every run is logged in `sync_runs`.
//!
//! A tracker is a module shaped like `gitlab/` and `jira/`: `mod.rs` (connect, a pass,
//! reconcile), `api` (its REST answers or calls), `pages` (listings written page by page with
//! the cursor), `map` (answers into records), `history` (status histories), `push` (write-back
//! of outbox rows); `run` and `writeback` pick the tracker by source. Time comes from
//! [`Options::clock`], never the system clock.

pub mod gitlab;
pub mod http;
pub mod jira;
pub mod links;
pub mod run;
pub mod time;
pub mod webhook;
pub mod writeback;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::Clock;

/// What a sync pass should do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Ignore cursors: list everything again (then reconcile).
    pub full: bool,
    /// Re-list open issues to find deleted, moved or hidden ones.
    pub reconcile: bool,
    pub concurrency: usize,
    pub per_page: u32,
    pub closed_window_days: u32,
    pub timeout: Duration,
    /// Retries of a failed request (5xx, timeouts, answers cut short) before giving up.
    pub retries: usize,
    /// What the pass may spend waiting out rate limits, every request of a source together.
    pub rate_limit_wait: Duration,
    /// When the pass started: what its runs, cursors and "gone" marks are stamped with.
    pub now: DateTime<Utc>,
    /// The injected clock, read while the pass runs (a rate limit's reset time, say).
    pub clock: Clock,
}

impl Options {
    /// A pass starting now on `clock`.
    pub fn new(config: &crate::config::SyncConfig, clock: Clock) -> Self {
        Self {
            full: false,
            reconcile: false,
            concurrency: usize::from(config.concurrency.max(1)),
            per_page: 100,
            closed_window_days: config.closed_window_days,
            timeout: Duration::from_secs(u64::from(config.timeout_secs.max(1))),
            retries: 4,
            rate_limit_wait: Duration::from_secs(u64::from(config.rate_limit_wait_minutes) * 60),
            now: clock.now(),
            clock,
        }
    }
}

/// Progress of one source, for the status bar and the headless progress bar.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    Started {
        source: String,
        kind: String,
    },
    /// A page stored; `total` when the tracker says how many there are.
    Page {
        source: String,
        done: usize,
        total: Option<usize>,
        issues: usize,
    },
    /// Status histories fetched for `done` of `total` issues.
    History {
        source: String,
        done: usize,
        total: usize,
    },
    /// Waiting before a retry (rate limit or backoff).
    Waiting {
        source: String,
        seconds: u64,
        reason: String,
    },
    Finished {
        source: String,
        result: Result<Counts, String>,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pages: usize,
    pub seen: usize,
    pub changed: usize,
    pub gone: usize,
}

pub type Progress = tokio::sync::mpsc::UnboundedSender<SyncEvent>;

/// Sends progress when someone listens; a closed channel is not an error.
pub(crate) fn report(progress: Option<&Progress>, event: SyncEvent) {
    if let Some(p) = progress {
        let _ = p.send(event);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Http(#[from] http::HttpError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Setup(String),
    #[error("{0}")]
    Data(String),
}

/// The HTTP client of a source: its timeout, extra CA and retries from the options, waits
/// reported as progress (`Waiting`) under the source's name.
pub(crate) fn source_http(
    name: &str,
    auth: http::Auth,
    ca_file: Option<&std::path::Path>,
    options: &Options,
    sleeper: Option<http::Sleeper>,
    progress: Option<Progress>,
) -> Result<http::Http, SyncError> {
    let mut http_options = http::HttpOptions::new(options.timeout, options.clock);
    http_options.ca_file = ca_file.map(std::path::Path::to_path_buf);
    http_options.retry.retries = options.retries;
    http_options.retry.wait_budget = options.rate_limit_wait;
    if let Some(s) = sleeper {
        http_options.sleeper = s;
    }
    let source = name.to_owned();
    Ok(http::Http::new(auth, http_options)
        .map_err(|e| SyncError::Setup(format!("{name}: {e}")))?
        .on_wait(move |e, wait| {
            report(
                progress.as_ref(),
                SyncEvent::Waiting {
                    source: source.clone(),
                    seconds: wait.as_secs(),
                    reason: e.to_string(),
                },
            );
        }))
}

/// Runs `pass` as one logged run of `source` in `sync_runs`: started as `kind`, finished ok or
/// failed with the error's text.
pub(crate) async fn logged_run<F>(
    store: &crate::store::Store,
    source: &str,
    kind: &str,
    now: DateTime<Utc>,
    pass: impl FnOnce(i64) -> F,
) -> Result<(), SyncError>
where
    F: std::future::Future<Output = Result<(), SyncError>>,
{
    use crate::store::sync_state;
    let (name, kind_text) = (source.to_owned(), kind.to_owned());
    let run = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move { sync_state::start_run(c, &name, &kind_text, now).await })
        })
        .await?;
    let result = pass(run).await;
    let error = result.as_ref().err().map(ToString::to_string);
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move { sync_state::finish_run(c, run, error.as_deref(), now).await })
        })
        .await?;
    result
}
