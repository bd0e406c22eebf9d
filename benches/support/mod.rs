//! What the benches share: the data set's size, a generated demo database, and summaries of
//! timings. Each bench uses what it needs.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sprintdeck::demo::{self, DemoSpec};
use sprintdeck::store::{Create, Store};

/// The instant every bench's data is generated for.
pub const NOW: &str = "2026-11-18T12:00:00Z";

pub fn now() -> DateTime<Utc> {
    sprintdeck::clock::parse_instant(NOW).unwrap()
}

/// `SPRINTDECK_BENCH_ISSUES`, else `default`.
pub fn issues(default: usize) -> usize {
    std::env::var("SPRINTDECK_BENCH_ISSUES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A new database at `path` holding the demo data set of `issues` issues.
pub async fn demo_store(path: &Path, issues: usize) -> Store {
    let store = Store::open(path, Create::IfMissing).await.unwrap();
    demo::write(&store, DemoSpec::new(issues, 7, now()))
        .await
        .unwrap();
    store
}

pub fn median(v: Vec<Duration>) -> Duration {
    percentile(v, 0.5)
}

/// The `p` (0–1) percentile, nearest rank.
pub fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}
