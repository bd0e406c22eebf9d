//! The demo workspace: a deterministic, seeded team history (3 projects, 8 people, 8 sprints,
//! complete status histories) with dates relative to the injected clock, so the demo always has
//! an active sprint. The same generator makes 100k-issue data sets for benchmarks.

mod generator;
pub mod teams;
mod timeline;
pub mod vocab;

use std::path::Path;

use chrono::{DateTime, NaiveTime, Utc};

pub use generator::generate;

use crate::store::{Create, Store, StoreError, import};

/// The `source_name` of demo records.
pub const SOURCE_NAME: &str = "demo";
pub const DEFAULT_ISSUES: usize = 1500;
pub const DEFAULT_SEED: u64 = 42;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSpec {
    pub issues: usize,
    pub seed: u64,
    /// The demo's "now": all history lies before it, the active sprint around it.
    pub anchor: DateTime<Utc>,
}

impl DemoSpec {
    /// Anchors at 09:00 UTC of the clock's day, so regenerating on the same day is identical.
    pub fn new(issues: usize, seed: u64, now: DateTime<Utc>) -> Self {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
        let anchor = now.date_naive().and_time(nine).and_utc();
        Self {
            issues,
            seed,
            anchor: anchor.min(now),
        }
    }

    fn fingerprint(&self) -> String {
        format!(
            "issues={} seed={} anchor={}",
            self.issues,
            self.seed,
            crate::domain::time::to_db(self.anchor)
        )
    }
}

/// What `write` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Generated,
    UpToDate,
}

/// Makes sure `path` holds the demo for `spec`: regenerates when it was made for another day,
/// seed or size (the demo's dates must follow the clock), otherwise leaves it alone.
pub async fn ensure(path: &Path, spec: DemoSpec) -> Result<(Store, Outcome), StoreError> {
    let store = Store::open(path, Create::IfMissing).await?;
    let current = crate::store::read::meta(store.pool(), "demo").await?;
    if current.as_deref() == Some(spec.fingerprint().as_str()) {
        return Ok((store, Outcome::UpToDate));
    }
    write(&store, spec).await?;
    Ok((store, Outcome::Generated))
}

/// Replaces the demo data in `store` with a freshly generated workspace, in one transaction.
pub async fn write(store: &Store, spec: DemoSpec) -> Result<(), StoreError> {
    let batch = generate(&spec);
    let fingerprint = spec.fingerprint();
    let anchor = crate::domain::time::to_db(spec.anchor);
    store
        .writer()
        .transaction(move |conn| {
            Box::pin(async move {
                // A demo file may hold the teams world instead: one shape at a time.
                for source in [SOURCE_NAME, teams::GITLAB_SOURCE, teams::JIRA_SOURCE] {
                    import::clear_source(conn, source).await?;
                }
                import::write_batch(conn, &batch).await?;
                import::set_meta(conn, "demo", &fingerprint).await?;
                import::set_meta(conn, "demo_me", vocab::DEMO_ME).await?;
                import::set_meta(conn, "workspace", "demo").await?;
                import::set_meta(conn, "data_as_of", &anchor).await?;
                import::after_bulk_write(conn).await
            })
        })
        .await
}
