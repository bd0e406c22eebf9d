//! The background sync as the status bar and the sync runs show it.

use chrono::{DateTime, Utc};

use crate::domain::text::{Safe, SafeText};

/// The background sync as the status bar and the Sync view show it.
#[derive(Debug, Clone, Default)]
pub struct SyncState {
    pub running: bool,
    /// When the next pass starts.
    pub next_at: Option<DateTime<Utc>>,
    /// Failed passes in a row (the retry delay doubles with each).
    pub failures: u32,
    /// What each source is doing now; absent means idle.
    pub phases: Vec<(String, SyncPhase)>,
    /// The Sync view (recent runs), when open.
    pub view: Option<SyncView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncPhase {
    Syncing {
        pages: usize,
        total: Option<usize>,
    },
    History {
        done: usize,
        total: usize,
    },
    Waiting {
        until: DateTime<Utc>,
        reason: SafeText,
    },
    Failed {
        reason: SafeText,
    },
}

impl SyncState {
    pub fn phase(&self, source: &str) -> Option<&SyncPhase> {
        self.phases
            .iter()
            .find(|(s, _)| s == source)
            .map(|(_, p)| p)
    }

    pub fn set_phase(&mut self, source: &str, phase: Option<SyncPhase>) {
        self.phases.retain(|(s, _)| s != source);
        if let Some(p) = phase {
            self.phases.push((source.to_owned(), p));
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SyncView {
    pub runs: Vec<Safe<crate::store::sync_state::RunRow>>,
    pub loaded: bool,
    pub error: Option<SafeText>,
    pub scroll: u16,
}
