use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sprintdeck::clock::parse_instant;
use sprintdeck::demo::{self, DemoSpec};
use sprintdeck::domain::query;
use sprintdeck::store::filter::{self, FilterContext};
use sprintdeck::store::read::{self, IssueRow};
use sprintdeck::store::{Create, Store};

/// A Wednesday: the demo's active sprint is in its first week.
pub const NOW: &str = "2026-11-18T12:00:00Z";

pub fn now() -> DateTime<Utc> {
    parse_instant(NOW).expect("NOW parses")
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub async fn empty_store(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("test.db"), Create::IfMissing)
        .await
        .expect("store opens")
}

/// The demo workspace (1,500 issues) in a temp file, frozen at [`NOW`].
pub async fn demo_store(dir: &tempfile::TempDir) -> Store {
    let store = empty_store(dir).await;
    demo::write(
        &store,
        DemoSpec::new(demo::DEFAULT_ISSUES, demo::DEFAULT_SEED, now()),
    )
    .await
    .expect("demo writes");
    store
}

/// Runs a backlog query at [`NOW`], as `me` (if any), returning up to `limit` rows.
pub async fn query_rows(
    store: &Store,
    text: &str,
    me: Option<&str>,
    limit: Option<i64>,
) -> Vec<IssueRow> {
    let ctx = FilterContext {
        now: now(),
        me: me.map(str::to_owned),
    };
    let compiled = filter::compile(&query::parse(text).expect("parses"), &ctx).expect("compiles");
    read::backlog(store.pool(), &compiled, limit)
        .await
        .expect("runs")
}
