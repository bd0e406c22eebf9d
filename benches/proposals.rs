//! Proposals over a generated 100k-issue database: one planner run and one analyst run (each
//! reading the store, deciding, and keeping its proposals), and applying a 200-change proposal.
//! `cargo bench --bench proposals`; `SPRINTDECK_BENCH_ISSUES` changes the size.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use sprintdeck::clock::parse_instant;
use sprintdeck::config::Config;
use sprintdeck::domain::proposal::{Change, Field, Kind};
use sprintdeck::store::Store;
use sprintdeck::store::proposals::{self, NewProposal};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: &str = "2026-11-18T12:00:00Z";

mod support;
use support::median;

fn main() {
    let issues = support::issues(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = parse_instant(NOW).unwrap();
    rt.block_on(async {
        let store = support::demo_store(&db, issues).await;
        println!("data set: {issues} issues");
        let config = Config::default();
        let mut plans = Vec::new();
        let mut changes = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let (_, plan) = sprintdeck::planning::run_planner(&store, &config, "next", now)
                .await
                .unwrap()
                .unwrap();
            plans.push(t.elapsed());
            changes = plan.changes.len();
        }
        println!(
            "planner run (read, plan, keep the proposal): median {:.1?} (5 runs; {changes} changes)",
            median(plans)
        );
        let mut runs = Vec::new();
        let mut raised = 0;
        for i in 0..5 {
            let t = Instant::now();
            // A later day each time, so findings are new and kept (the full cost).
            let at = now + chrono::Duration::days(i);
            raised = sprintdeck::planning::run_analyst(&store, &config, at).await.unwrap().len();
            runs.push(t.elapsed());
        }
        println!(
            "analyst run (read, 8 rules, keep new findings): median {:.1?} (5 runs; {raised} findings last run)",
            median(runs)
        );
        let (mut reads, mut rules) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = Instant::now();
            let input = sprintdeck::planning::analyst::load(store.pool(), &config, now)
                .await
                .unwrap();
            reads.push(t.elapsed());
            let t = Instant::now();
            let found = sprintdeck::planning::analyst::analyze(
                &input,
                &sprintdeck::planning::analyst::Rules::default(),
            );
            rules.push(t.elapsed());
            assert!(!found.is_empty());
        }
        println!(
            "  of which reading the store: median {:.1?}; the rules: median {:.1?}",
            median(reads),
            median(rules)
        );
        apply_200(&store, now).await;
        store.close().await.unwrap();
    });
}

/// Applies five 200-change proposals (points on 200 issues) and prints the median.
async fn apply_200(store: &Store, now: chrono::DateTime<chrono::Utc>) {
    let keys: Vec<(String, Option<f64>)> = sqlx::query_as(
        "SELECT key, story_points FROM issues WHERE story_points IS NOT NULL AND story_points = CAST(story_points AS INTEGER) ORDER BY id LIMIT 200",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut applies = Vec::new();
    for round in 0..5 {
        let changes: Vec<Change> = keys
            .iter()
            .map(|(key, points)| {
                let base = points.unwrap_or(0.0) + f64::from(round);
                Change::SetField {
                    key: key.clone(),
                    field: Field::Points,
                    from: Some(format!("{base:.0}")),
                    to: Some(format!("{:.0}", base + 1.0)),
                }
            })
            .collect();
        let p = NewProposal {
            kind: Kind::Manual,
            title: "200 estimates".into(),
            explanation: String::new(),
            evidence: Vec::new(),
            changes,
            author: "bench".into(),
            expires_at: None,
            fingerprint: None,
            severity: None,
        };
        let id = store
            .writer()
            .transaction(move |c| Box::pin(async move { proposals::create(c, &p, now).await }))
            .await
            .unwrap();
        let t = Instant::now();
        let outcome = proposals::apply_or_mark(store, id, "bench", true, now)
            .await
            .unwrap();
        applies.push(t.elapsed());
        assert_eq!(outcome.outbox, 200);
    }
    println!(
        "applying a 200-change proposal (check, write, audit, 200 outbox rows; one transaction): median {:.1?} (5 runs)",
        median(applies)
    );
}
