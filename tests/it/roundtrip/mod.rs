//! The round-trip invariant: `sync(simulator(world))` reproduces the world, for GitLab alone,
//! Jira alone and both at once; after the trackers change, delete and move issues; with faults;
//! and after a kill. What "reproduces" means is worked out from the world itself
//! (`demo::teams::records`), never through the sync's mapping.
//!
//! Tests that today's sync fails only because of a bug listed in issue 17 are ignored with the
//! point they wait for; tests that fail because of a bug the simulator found beyond that list
//! say so in their ignore reason.

mod both;
mod check;
mod demo_shape;
mod faults;
mod figures;
mod gitlab;
mod jira;
mod kill;
mod no_points;
mod passes;
mod writeback;

use chrono::{DateTime, Utc};
use sprintdeck::config::Config;
use sprintdeck::demo::teams::records::{self, Target};
use sprintdeck::demo::teams::{CLOSED_WINDOW_DAYS, World, WorldSpec};
use sprintdeck::domain::records::Batch;
use sprintdeck::store::Store;
use sprintdeck::sync::{self, Counts, Options};

use crate::common::{empty_store, now};
use crate::gitlab_sync::recording_sleeper;
use crate::sim::Simulator;

/// A world of this many issues per tracker, fixed seed.
pub fn world(gitlab: usize, jira: usize) -> World {
    World::generate(
        &WorldSpec::new(0, 11, now())
            .gitlab_issues(gitlab)
            .jira_issues(jira),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trackers {
    Gitlab,
    Jira,
    Both,
}

impl Trackers {
    fn gitlab(self) -> bool {
        self != Self::Jira
    }

    fn jira(self) -> bool {
        self != Self::Gitlab
    }
}

/// What a correct sync stores, at `at`, for the trackers synced.
pub fn expected(sim: &Simulator, which: Trackers, at: DateTime<Utc>) -> Vec<Batch> {
    let target = Target {
        gitlab_url: &sim.gitlab_url,
        jira_url: &sim.jira_url,
        now: at,
        closed_window_days: CLOSED_WINDOW_DAYS,
    };
    sim.world(|w| {
        let mut out = Vec::new();
        if which.gitlab() {
            out.push(records::gitlab(w, &target));
        }
        if which.jira() {
            out.push(records::jira(w, &target));
        }
        out
    })
}

pub fn config(sim: &Simulator, which: Trackers) -> Config {
    toml::from_str(&sim.config_with(which.gitlab(), which.jira(), 4))
        .expect("the world's config parses")
}

/// One in-process pass of every configured source at `at`; waits are recorded, not slept.
pub async fn sync(
    store: &Store,
    sim: &Simulator,
    which: Trackers,
    at: DateTime<Utc>,
    reconcile: bool,
) -> Vec<(String, Result<Counts, String>)> {
    let config = config(sim, which);
    let mut options = Options::new(&config.sync, sprintdeck::clock::Clock::frozen(at));
    options.reconcile = reconcile;
    let (sleeper, _) = recording_sleeper();
    sync::run::pass(store, &config, None, &options, Some(sleeper), None)
        .await
        .expect("sources configured")
}

/// Every source's pass succeeded.
pub fn assert_ok(results: &[(String, Result<Counts, String>)]) {
    for (name, r) in results {
        assert!(r.is_ok(), "{name}: {r:?}");
    }
}

/// A fresh store, a simulator serving `world`, and one pass of `which`.
pub async fn first_pass(
    world: World,
    which: Trackers,
) -> (
    tempfile::TempDir,
    Store,
    Simulator,
    Vec<(String, Result<Counts, String>)>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let sim = Simulator::start(world).await;
    // The trackers' clock is the sync's: JQL's relative dates are read against it.
    sim.set_now(now());
    let results = sync(&store, &sim, which, now(), false).await;
    (dir, store, sim, results)
}
