//! Sync: trackers into `SQLite`. One task per source pages through the tracker's API, maps each
//! page into records and writes it through the single writer together with the cursor that
//! covers it, so a killed sync resumes where it stopped and never duplicates anything. Progress
//! goes out as [`SyncEvent`]s (status bar, progress bar); every run is logged in `sync_runs`.

pub mod gitlab;
pub mod http;
pub mod jira;
pub mod links;
pub mod run;
pub mod time;
pub mod webhook;

use std::time::Duration;

use chrono::{DateTime, Utc};

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
    /// Retries of a failed request (rate limits, 5xx, timeouts) before giving up.
    pub retries: usize,
    pub now: DateTime<Utc>,
}

impl Options {
    pub fn from_config(config: &crate::config::SyncConfig, now: DateTime<Utc>) -> Self {
        Self {
            full: false,
            reconcile: false,
            concurrency: usize::from(config.concurrency.max(1)),
            per_page: 100,
            closed_window_days: config.closed_window_days,
            timeout: Duration::from_secs(u64::from(config.timeout_secs.max(1))),
            retries: 4,
            now,
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
