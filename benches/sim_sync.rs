//! Sync against the tracker simulator, which follows the services' documented page rules
//! (Jira: 100 issues a page once fields are asked, 5,000 for ids alone; GitLab: 100 a page),
//! at 0 ms and 50 ms per request: wall time, requests per endpoint, and the world's size.
//! `cargo bench --bench sim_sync`; `SPRINTDECK_BENCH_ISSUES` sets the issues per tracker
//! (default 50,000), `SPRINTDECK_BENCH_TRACKERS` `jira` (default), `gitlab` or `both`,
//! `SPRINTDECK_BENCH_LATENCY_MS` one latency instead of 0 and 50.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

#[path = "../tests/support/sim/mod.rs"]
mod sim;

use std::time::{Duration, Instant};

use sprintdeck::demo::teams::{World, WorldSpec};
use sprintdeck::store::{Create, Store};
use sprintdeck::sync::{self, Options};

/// The binary's allocator, so the figures are the shipped program's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: &str = "2026-11-18T12:00:00Z";

/// `VmRSS` of this process (Linux), in MiB; 0 elsewhere.
fn resident_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("SPRINTDECK_BENCH_ISSUES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let trackers = std::env::var("SPRINTDECK_BENCH_TRACKERS").unwrap_or_else(|_| "jira".into());
    let (gitlab, jira) = (trackers != "jira", trackers != "gitlab");
    let latencies: Vec<u64> = std::env::var("SPRINTDECK_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or_else(|| vec![0, 50], |ms| vec![ms]);
    let now = sprintdeck::clock::parse_instant(NOW).unwrap();
    let spec = WorldSpec::new(0, 7, now)
        .gitlab_issues(if gitlab { n } else { 0 })
        .jira_issues(if jira { n } else { 0 });
    let started = Instant::now();
    let world = World::generate(&spec);
    println!(
        "world: {} GitLab and {} Jira issues, generated in {:.2}s; resident {} MiB",
        world.gitlab.issues.len(),
        world.jira.issues.len(),
        started.elapsed().as_secs_f64(),
        resident_mib()
    );
    for ms in latencies {
        let sim = sim::Simulator::start_with(
            world.clone(),
            sim::Options {
                latency: Duration::from_millis(ms),
                ..sim::Options::default()
            },
        )
        .await;
        sim.set_now(now);
        let config: sprintdeck::config::Config =
            toml::from_str(&sim.config_with(gitlab, jira, 4)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("bench.db"), Create::IfMissing)
            .await
            .unwrap();
        let options = Options::new(&config.sync, sprintdeck::clock::Clock::frozen(now));
        let started = Instant::now();
        let results = sync::run::pass(&store, &config, None, &options, None, None)
            .await
            .unwrap();
        let elapsed = started.elapsed();
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM issues")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let log = sim.log();
        println!(
            "\n{ms} ms per request: {stored} issues stored in {:.2}s, {} requests",
            elapsed.as_secs_f64(),
            log.total()
        );
        for (source, result) in &results {
            println!("  {source}: {result:?}");
        }
        println!("{}", log.summary());
    }
}
