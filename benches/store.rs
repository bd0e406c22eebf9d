//! Store benchmarks on generated data sets: demo generation (1.5k and 100k issues), database
//! size, and backlog queries at 100k. Run with `cargo bench --bench store`; set
//! `SPRINTDECK_BENCH_ISSUES` to change the large size.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

use sprintdeck::clock::parse_instant;
use sprintdeck::demo::{self, DemoSpec};
use sprintdeck::domain::query;
use sprintdeck::store::filter::{self, FilterContext};
use sprintdeck::store::{Create, Store, read};

mod support;
use support::median;

async fn generate(dir: &std::path::Path, issues: usize) -> (Store, Duration, u64) {
    let path = dir.join(format!("bench-{issues}.db"));
    let now = parse_instant("2026-11-18T12:00:00Z").unwrap();
    let t = Instant::now();
    let batch = demo::generate(&DemoSpec::new(issues, 7, now));
    println!(
        "  in-memory generation of {issues} issues: {:.2?} ({} events)",
        t.elapsed(),
        batch.events.len()
    );
    drop(batch);
    let started = Instant::now();
    let store = Store::open(&path, Create::IfMissing).await.unwrap();
    demo::write(&store, DemoSpec::new(issues, 7, now))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    store.close().await.unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    (
        Store::open(&path, Create::MustExist).await.unwrap(),
        elapsed,
        size,
    )
}

async fn time_query(store: &Store, text: &str, runs: usize) -> (Duration, Duration, Duration, i64) {
    let ctx = FilterContext {
        now: parse_instant("2026-11-18T12:00:00Z").unwrap(),
        me: Some("ana.souza".into()),
    };
    let compiled = filter::compile(&query::parse(text).unwrap(), &ctx).unwrap();
    let mut counts = Vec::new();
    let mut pages = Vec::new();
    let mut all_ids = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        n = read::backlog_count(store.pool(), &compiled).await.unwrap();
        counts.push(t.elapsed());
        let t = Instant::now();
        let rows = read::backlog(store.pool(), &compiled, Some(60))
            .await
            .unwrap();
        pages.push(t.elapsed());
        assert!(rows.len() <= 60);
        let t = Instant::now();
        let ids = read::backlog_ids(store.pool(), &compiled).await.unwrap();
        let visible = read::rows_by_ids(store.pool(), &ids[..ids.len().min(60)])
            .await
            .unwrap();
        all_ids.push(t.elapsed());
        assert_eq!(visible.len(), rows.len());
    }
    (median(counts), median(pages), median(all_ids), n)
}

fn main() {
    let large = support::issues(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        for issues in [demo::DEFAULT_ISSUES, large] {
            let (store, took, size) = generate(dir.path(), issues).await;
            let summary = read::summary(store.pool()).await.unwrap();
            println!(
                "generate {issues:>7} issues: {:>8.2?}  ({} status events, {} links)  db {:.1} MiB",
                took,
                summary.status_events,
                summary.links,
                size as f64 / 1_048_576.0
            );
            if issues == large {
                for q in [
                    "",
                    "checkout",
                    "check",
                    "\"dark mode\"",
                    "status:doing",
                    "status:doing assignee:@me",
                    "is:open label:infra sort:priority",
                    "is:blocked",
                    "sprint:current",
                    "updated:<7d sort:points-desc",
                ] {
                    let (count, page, ids, n) = time_query(&store, q, 15).await;
                    println!(
                        "query {:<38} matches {n:>6}  count {count:>8.2?}  first 60 rows {page:>8.2?}  all ids + 60 rows {ids:>8.2?}",
                        format!("{q:?}")
                    );
                }
                let t = Instant::now();
                let input = sprintdeck::store::metrics::load(store.pool()).await.unwrap();
                let loaded = t.elapsed();
                let now = parse_instant("2026-11-18T12:00:00Z").unwrap();
                let t = Instant::now();
                let days = sprintdeck::domain::metrics::WorkingDays::default();
                let mut checksum = 0.0;
                for s in &input.sprints {
                    checksum += sprintdeck::domain::metrics::summary(s, &input.memberships, &input.issues, now).completed;
                    if let Some(b) = sprintdeck::domain::metrics::burndown(s, &input.memberships, &input.issues, &days, now) {
                        checksum += b.committed;
                    }
                }
                let from = now - chrono::Duration::days(90);
                let cycle = sprintdeck::domain::metrics::cycle_times(&input.issues, from, now);
                let lead = sprintdeck::domain::metrics::lead_times(&input.issues, from, now);
                let weeks = sprintdeck::domain::metrics::throughput(&input.issues, now, 12);
                let aging = sprintdeck::domain::metrics::aging_wip(&input.issues, now, 5);
                let velocity = sprintdeck::domain::metrics::velocity(&input.sprints, &input.memberships, &input.issues, now, 7);
                println!(
                    "metrics: load {loaded:.2?} ({} issues, {} events), compute all {:.2?} (cycle n={}, lead n={}, {} weeks, {} aging, velocity {:?}, checksum {checksum})",
                    input.issues.len(),
                    input.issues.iter().map(|i| i.events.len()).sum::<usize>(),
                    t.elapsed(),
                    cycle.count,
                    lead.count,
                    weeks.len(),
                    aging.len(),
                    velocity.mean
                );
                let all = filter::compile(&query::Query::default(), &FilterContext {
                    now: parse_instant("2026-11-18T12:00:00Z").unwrap(),
                    me: None,
                })
                .unwrap();
                let t = Instant::now();
                let rows = read::backlog(store.pool(), &all, None).await.unwrap();
                let loaded = t.elapsed();
                let t = Instant::now();
                let json = sprintdeck::export::json(&rows, "", parse_instant("2026-11-18").unwrap()).unwrap();
                println!(
                    "export all {} rows: load {loaded:.2?}, JSON {:.2?} ({:.1} MiB)",
                    rows.len(),
                    t.elapsed(),
                    json.len() as f64 / 1_048_576.0
                );
            }
            store.close().await.unwrap();
        }
    });
}
