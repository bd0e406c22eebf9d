//! The generator's own costs, without a model: parsing the answer live as it streams (every
//! piece re-parses what came so far), the rules with the duplicate search over a generated
//! 100k-issue database, and applying the backlog as a proposal.
//! `cargo bench --bench generator`; `SPRINTDECK_BENCH_ISSUES` changes the size.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::time::Instant;

use sprintdeck::clock::parse_instant;
use sprintdeck::domain::proposal::Kind;
use sprintdeck::generator::{Backlog, Epic, Rules, Story, Task, live, run};
use sprintdeck::store::proposals::{self, NewProposal};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: &str = "2026-11-18T12:00:00Z";

/// A backlog of `epics` × 6 stories × 3 tasks with realistic text.
fn backlog(epics: usize) -> Backlog {
    Backlog {
        project: "OPS".to_owned(),
        questions: Vec::new(),
        epics: (0..epics)
            .map(|e| Epic {
                title: format!("Invoice export, part {e}"),
                description: "Accountants get their invoices out of the shop, every month.".to_owned(),
                stories: (0..6)
                    .map(|s| Story {
                        title: format!("Export invoices of kind {s} for accountants in epic {e}"),
                        description: "As an accountant I want a CSV of a month's invoices so that I can book them.".to_owned(),
                        acceptance_criteria: vec![
                            "Given invoices in March, when I export March, then I get one CSV with each of them".to_owned(),
                            "Amounts use a dot as the decimal separator".to_owned(),
                        ],
                        points: Some(5.0),
                        labels: vec!["finance".to_owned()],
                        tasks: (0..3)
                            .map(|t| Task {
                                title: format!("Task {t} of story {s}"),
                                description: "Write it, test it, ship it.".to_owned(),
                                points: Some(2.0),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

mod support;
use support::{median, percentile};

fn live_parsing(epics: usize) {
    let text = serde_json::to_string_pretty(&backlog(epics)).unwrap();
    let chars: Vec<char> = text.chars().collect();
    // Pieces of 40 characters, as the mock provider streams them; each re-parses the answer.
    let mut so_far = String::new();
    let mut each = Vec::new();
    let start = Instant::now();
    for piece in chars.chunks(40) {
        so_far.extend(piece);
        let t = Instant::now();
        let tree = live::partial(&so_far);
        each.push(t.elapsed());
        std::hint::black_box(tree);
    }
    let total = start.elapsed();
    println!(
        "live parse, {} KiB answer ({} stories), {} pieces: total {total:.1?}, per piece median {:.1?}, p95 {:.1?}, max {:.1?}",
        text.len() / 1024,
        epics * 6,
        each.len(),
        percentile(each.clone(), 0.5),
        percentile(each.clone(), 0.95),
        percentile(each, 1.0),
    );
}

fn main() {
    for epics in [2, 10, 40] {
        live_parsing(epics);
    }
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
        let rules = Rules::default();
        let b = backlog(10);
        let mut checks = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let v = run::check(store.pool(), &b, &rules, "OPS").await.unwrap();
            checks.push(t.elapsed());
            std::hint::black_box(v);
        }
        println!(
            "rules with the duplicate search, 60 stories: median {:.1?} (5 runs)",
            median(checks)
        );
        let mut applies = Vec::new();
        for _ in 0..5 {
            let proposal = NewProposal {
                kind: Kind::Backlog,
                title: "Backlog: bench".to_owned(),
                explanation: String::new(),
                evidence: Vec::new(),
                changes: b.changes(None),
                author: "bench".to_owned(),
                expires_at: None,
                fingerprint: None,
                severity: None,
            };
            let t = Instant::now();
            proposals::create_and_apply(&store, proposal, true, now)
                .await
                .unwrap();
            applies.push(t.elapsed());
        }
        println!(
            "applying a generated backlog (10 epics, 60 stories, 180 tasks = 250 creates): median {:.1?} (5 runs)",
            median(applies)
        );
    });
}
