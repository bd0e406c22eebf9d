//! The real binary's `sync --once`, killed at a point in the pass, then run again: the result is
//! the same world; the extra requests the kill cost are counted against a clean run.

use std::path::PathBuf;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use sprintdeck::store::{Create, Store};

use super::check::compare;
use super::{Trackers, expected, world};
use crate::common::{NOW, now};
use crate::sim::{Options, Simulator};

/// A data dir and config for the binary, pointing at `sim`.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(sim: &Simulator, which: Trackers) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = sim.config_with(which != Trackers::Jira, which != Trackers::Gitlab, 4);
        std::fs::write(dir.path().join("config.toml"), config).expect("config");
        Self { dir }
    }

    fn command(&self) -> tokio::process::Command {
        let dir = self.dir.path();
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_sprintdeck"));
        c.args(["sync", "--once"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env("SPRINTDECK_DATA_DIR", dir.join("data"))
            .env("SPRINTDECK_CONFIG", dir.join("config.toml"))
            .env("SPRINTDECK_NOW", NOW)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        c
    }

    async fn sync(&self) {
        let out = self.command().output().await.expect("runs");
        assert!(
            out.status.success(),
            "sync failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("data").join("sprintdeck.db")
    }
}

async fn simulator(which: Trackers, gitlab: usize, jira: usize, latency: Duration) -> Simulator {
    let sim = Simulator::start_with(
        world(gitlab, jira),
        Options {
            latency,
            ..Options::default()
        },
    )
    .await;
    sim.set_now(now());
    let _ = which;
    sim
}

pub struct Killed {
    pub clean: usize,
    /// Requests when the kill landed.
    pub at: usize,
    /// Requests of the killed run and the run after it.
    pub total: usize,
    pub store: Store,
    pub sim: Simulator,
    _env: Env,
}

/// A clean run for the count, then a run killed after a seeded-random share (35–80 %) of the
/// clean run's requests, then a run to the end.
async fn kill_and_resume(which: Trackers, gitlab: usize, jira: usize, seed: u64) -> Killed {
    let latency = Duration::from_millis(15);
    let clean_sim = simulator(which, gitlab, jira, latency).await;
    Env::new(&clean_sim, which).sync().await;
    let clean = clean_sim.log().total();
    drop(clean_sim);
    let sim = simulator(which, gitlab, jira, latency).await;
    let env = Env::new(&sim, which);
    let share = rand_chacha::ChaCha8Rng::seed_from_u64(seed).random_range(35..=80);
    let at = (clean * share / 100).max(1);
    let mut child = env.command().spawn().expect("spawns");
    loop {
        if sim.log().total() >= at {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the sync ended ({status}) before the kill at request {at} of {clean}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.start_kill().expect("kill");
    child.wait().await.expect("reaped");
    let at = sim.log().total();
    env.sync().await;
    let total = sim.log().total();
    let store = Store::open(&env.db(), Create::MustExist)
        .await
        .expect("the synced database");
    Killed {
        clean,
        at,
        total,
        store,
        sim,
        _env: env,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jira_killed_mid_sync_then_run_again_reproduces_the_world() {
    let k = kill_and_resume(Trackers::Jira, 0, 600, 3).await;
    assert!(k.at < k.clean, "the kill landed before the end");
    compare(k.store.pool(), &expected(&k.sim, Trackers::Jira, now()))
        .await
        .assert_clean(&[
            "issues",
            "fields",
            "links",
            "sprints",
            "histories",
            "people",
        ]);
    assert!(
        k.total > k.clean,
        "the kill cost requests: {} then {}",
        k.clean,
        k.total
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "issue 17 point 5: a killed Jira first sync keeps nothing (no issue is written until every id page is listed), so the next run starts over"]
async fn jira_killed_first_sync_resumes_instead_of_starting_over() {
    let k = kill_and_resume(Trackers::Jira, 0, 3000, 7).await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM issues")
        .fetch_one(k.store.pool())
        .await
        .expect("count");
    assert!(rows > 0);
    // Issue 19's bar: the run after a kill sends at most 10 % more than one clean run.
    assert!(
        k.total * 10 <= k.clean * 11,
        "{} requests after a kill at {} against {} clean",
        k.total,
        k.at,
        k.clean
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_killed_mid_sync_then_run_again_reproduces_the_world() {
    let k = kill_and_resume(Trackers::Gitlab, 300, 0, 5).await;
    compare(k.store.pool(), &expected(&k.sim, Trackers::Gitlab, now()))
        .await
        .assert_clean(&["issues", "fields", "points", "parents", "people"]);
}
