//! Builds an issue's status history in time order, never past the demo's "now".

use chrono::{DateTime, Utc};

use crate::domain::StatusCategory;

/// The four steps of the demo workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Todo,
    Doing,
    Review,
    Done,
}

impl Step {
    pub fn category(self) -> StatusCategory {
        match self {
            Self::Todo => StatusCategory::Todo,
            Self::Doing | Self::Review => StatusCategory::InProgress,
            Self::Done => StatusCategory::Done,
        }
    }
}

pub struct Timeline {
    anchor: DateTime<Utc>,
    pub events: Vec<(DateTime<Utc>, Step)>,
}

impl Timeline {
    pub fn new(created: DateTime<Utc>, anchor: DateTime<Utc>) -> Self {
        Self {
            anchor,
            events: vec![(created, Step::Todo)],
        }
    }

    /// Appends a step if it is later than the last one and not in the future; returns whether
    /// it was kept, so callers stop a history that would run past "now".
    pub fn push(&mut self, at: DateTime<Utc>, step: Step) -> bool {
        let last = self.events.last().map_or(at, |(t, _)| *t);
        if at <= last || at > self.anchor {
            return false;
        }
        self.events.push((at, step));
        true
    }

    pub fn last(&self) -> (DateTime<Utc>, Step) {
        self.events
            .last()
            .copied()
            .unwrap_or((self.anchor, Step::Todo))
    }

    /// When the issue last became done, if it is done now.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        match self.last() {
            (at, Step::Done) => Some(at),
            _ => None,
        }
    }
}
