//! Team metrics as pure functions over issues, sprints, sprint membership and status events,
//! with "now" passed in. Definitions are in `docs/metrics.md`; every number can be traced back
//! to the issues behind it (functions return keys, not only counts).

mod counts;
mod flow;
mod sprint;

use chrono::{DateTime, NaiveDate, Utc, Weekday};

pub use counts::{Counts, PersonLoad, counts, counts_at, load};
pub use flow::{Durations, aging_wip, cycle_times, lead_times, throughput};
pub use sprint::{
    Burndown, BurndownPoint, Membership, MetricSprint, SprintSummary, Unit, Velocity, burndown,
    summary, velocity,
};

use super::StatusCategory;

/// What the metrics need to know about one issue.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricIssue {
    pub id: i64,
    pub key: String,
    pub category: StatusCategory,
    pub points: Option<f64>,
    pub created_at: DateTime<Utc>,
    /// Status changes in time order.
    pub events: Vec<(DateTime<Utc>, StatusCategory)>,
    pub due_date: Option<NaiveDate>,
    /// Blocked by an issue that is not done.
    pub blocked: bool,
    /// Usernames.
    pub assignees: Vec<String>,
}

impl MetricIssue {
    /// When the issue last became done, if it is done now. A re-opened issue counts once, at
    /// its final completion.
    pub fn done_at(&self) -> Option<DateTime<Utc>> {
        if self.category != StatusCategory::Done {
            return None;
        }
        let mut at = None;
        let mut previous = None;
        for (t, c) in &self.events {
            if *c == StatusCategory::Done && previous != Some(StatusCategory::Done) {
                at = Some(*t);
            }
            previous = Some(*c);
        }
        at.or(Some(self.created_at))
    }

    /// Was it done at `t`? Follows the history, so re-opened work is open again after the re-open.
    pub fn done_by(&self, t: DateTime<Utc>) -> bool {
        let state = self
            .events
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map(|(_, c)| *c);
        match state {
            Some(c) => c == StatusCategory::Done,
            // No history: trust the current category only if it was created by then.
            None => {
                self.category == StatusCategory::Done
                    && self.events.is_empty()
                    && self.created_at <= t
            }
        }
    }

    /// The status category at time `t`, from the history (`None` before it existed).
    pub fn category_at(&self, t: DateTime<Utc>) -> Option<StatusCategory> {
        if self.created_at > t {
            return None;
        }
        self.events
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map(|(_, c)| *c)
            .or(Some(if self.events.is_empty() {
                self.category
            } else {
                StatusCategory::Todo
            }))
    }

    /// First time the issue entered an in-progress status.
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.events
            .iter()
            .find(|(_, c)| *c == StatusCategory::InProgress)
            .map(|(t, _)| *t)
    }

    /// The last time it entered in progress, if it is in progress now.
    pub fn in_progress_since(&self) -> Option<DateTime<Utc>> {
        if self.category != StatusCategory::InProgress {
            return None;
        }
        let mut since = None;
        let mut previous = None;
        for (t, c) in &self.events {
            if *c == StatusCategory::InProgress && previous != Some(StatusCategory::InProgress) {
                since = Some(*t);
            }
            previous = Some(*c);
        }
        since
    }
}

/// Which days count (burndown steps, working-day spans).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingDays(pub Vec<Weekday>);

impl Default for WorkingDays {
    fn default() -> Self {
        Self(vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ])
    }
}

impl WorkingDays {
    /// From config names (`mon` … `sun`); unknown names are skipped (config validation rejects them).
    pub fn from_names(names: &[String]) -> Self {
        Self(
            names
                .iter()
                .filter_map(|n| match n.to_ascii_lowercase().as_str() {
                    "mon" => Some(Weekday::Mon),
                    "tue" => Some(Weekday::Tue),
                    "wed" => Some(Weekday::Wed),
                    "thu" => Some(Weekday::Thu),
                    "fri" => Some(Weekday::Fri),
                    "sat" => Some(Weekday::Sat),
                    "sun" => Some(Weekday::Sun),
                    _ => None,
                })
                .collect(),
        )
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        use chrono::Datelike;
        self.0.contains(&day.weekday())
    }

    /// Working days from `from` to `to`, both included.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.contains(*d))
            .collect()
    }
}

/// Nearest-rank percentile of sorted values (`p` in 0..=100).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Counts of issues are far below 2^52, so the conversions are exact.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let index =
        (((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize).min(sorted.len()) - 1;
    sorted.get(index).copied()
}
