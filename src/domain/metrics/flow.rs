//! Flow metrics: how long work takes and how much gets done.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::{MetricIssue, percentile};

/// Durations in days over a set of issues, with the keys behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct Durations {
    pub count: usize,
    pub p50: Option<f64>,
    pub p85: Option<f64>,
    pub max: Option<f64>,
    pub keys: Vec<String>,
}

fn durations(mut samples: Vec<(f64, String)>) -> Durations {
    samples.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let values: Vec<f64> = samples.iter().map(|(d, _)| *d).collect();
    Durations {
        count: values.len(),
        p50: percentile(&values, 50.0),
        p85: percentile(&values, 85.0),
        max: values.last().copied(),
        keys: samples.into_iter().map(|(_, k)| k).collect(),
    }
}

fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let secs = (to - from).num_seconds().max(0) as f64;
    secs / 86_400.0
}

/// First entry into in progress → final done, for issues completed in `[from, to)`. Issues done
/// without ever being in progress have no cycle time and are left out.
pub fn cycle_times(issues: &[MetricIssue], from: DateTime<Utc>, to: DateTime<Utc>) -> Durations {
    durations(
        issues
            .iter()
            .filter_map(|i| {
                let done = i.done_at().filter(|d| *d >= from && *d < to)?;
                let start = i.started_at().filter(|s| *s <= done)?;
                Some((days(start, done), i.key.clone()))
            })
            .collect(),
    )
}

/// Created → final done, for issues completed in `[from, to)`.
pub fn lead_times(issues: &[MetricIssue], from: DateTime<Utc>, to: DateTime<Utc>) -> Durations {
    durations(
        issues
            .iter()
            .filter_map(|i| {
                let done = i.done_at().filter(|d| *d >= from && *d < to)?;
                Some((days(i.created_at, done), i.key.clone()))
            })
            .collect(),
    )
}

/// Issues completed per week (Monday to Sunday) for the `weeks` weeks ending with the current
/// one, oldest first: (Monday of the week, count).
pub fn throughput(
    issues: &[MetricIssue],
    now: DateTime<Utc>,
    weeks: u32,
) -> Vec<(NaiveDate, usize)> {
    let today = now.date_naive();
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let first = this_monday - Duration::weeks(i64::from(weeks.saturating_sub(1)));
    let mut counts: Vec<(NaiveDate, usize)> = (0..weeks)
        .map(|w| (first + Duration::weeks(i64::from(w)), 0))
        .collect();
    for issue in issues {
        let Some(done) = issue.done_at().filter(|d| *d <= now) else {
            continue;
        };
        let day = done.date_naive();
        if day < first {
            continue;
        }
        let week = usize::try_from((day - first).num_days() / 7).unwrap_or(usize::MAX);
        if let Some(slot) = counts.get_mut(week) {
            slot.1 += 1;
        }
    }
    counts
}

/// In progress for longer than `min_days`, oldest first: (key, days in progress).
pub fn aging_wip(issues: &[MetricIssue], now: DateTime<Utc>, min_days: u32) -> Vec<(String, f64)> {
    let mut aging: Vec<(String, f64)> = issues
        .iter()
        .filter_map(|i| {
            let since = i.in_progress_since()?;
            let age = days(since, now);
            (age > f64::from(min_days)).then(|| (i.key.clone(), age))
        })
        .collect();
    aging.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    aging
}
