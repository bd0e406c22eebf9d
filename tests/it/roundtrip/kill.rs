//! The real binary's `sync --once`, killed at a point in the pass, then run again: the result is
//! the same world; the extra requests the kill cost are counted against a clean run.

use std::path::PathBuf;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use sprintdeck::store::{Create, Store};

use super::check::compare;
use super::{Trackers, expected, world};
use crate::common::{NOW, now};
use crate::sim::{Options, RequestLog, Simulator};

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
    /// The clean run's requests.
    pub clean_log: RequestLog,
    /// Requests when the kill landed.
    pub at: usize,
    /// Requests of the killed run and the run after it.
    pub total: usize,
    /// Issues the killed run had stored.
    pub kept: i64,
    pub store: Store,
    pub sim: Simulator,
    _env: Env,
}

/// A clean run for the count, then a run killed after a seeded-random share (35–80 %) of the
/// clean run's requests, then a run to the end.
pub async fn kill_and_resume(which: Trackers, gitlab: usize, jira: usize, seed: u64) -> Killed {
    let latency = Duration::from_millis(15);
    let clean_sim = simulator(which, gitlab, jira, latency).await;
    Env::new(&clean_sim, which).sync().await;
    let clean_log = clean_sim.log();
    let clean = clean_log.total();
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
    // Requests the killed run had in flight are still answered (and logged) by the simulator.
    tokio::time::sleep(latency * 10).await;
    let at = sim.log().total();
    let kept = stored_issues(&env.db()).await;
    env.sync().await;
    let total = sim.log().total();
    let store = Store::open(&env.db(), Create::MustExist)
        .await
        .expect("the synced database");
    Killed {
        clean,
        clean_log,
        at,
        total,
        kept,
        store,
        sim,
        _env: env,
    }
}

/// Issues in the database a run left (none when it never made one).
async fn stored_issues(db: &std::path::Path) -> i64 {
    if !db.exists() {
        return 0;
    }
    let store = Store::open(db, Create::MustExist)
        .await
        .expect("the killed run's database opens");
    sqlx::query_scalar("SELECT count(*) FROM issues")
        .fetch_one(store.pool())
        .await
        .expect("count")
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
async fn jira_killed_first_sync_resumes_instead_of_starting_over() {
    let k = kill_and_resume(Trackers::Jira, 0, 3000, 7).await;
    assert!(
        k.kept > 0,
        "the killed run kept what it fetched (killed at request {} of {})",
        k.at,
        k.clean
    );
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
    // The run after the kill resumes: fewer requests than a clean run (starting over), and one
    // bulk fetch fewer for every hundred issues the killed run had stored.
    let log = k.sim.log();
    let resumed = k.total - k.at;
    assert!(
        resumed < k.clean,
        "the run after a kill at request {} sent {resumed}, a clean run {}\n{}",
        k.at,
        k.clean,
        log.summary()
    );
    let bulk = |entries: &[crate::sim::Entry]| {
        entries
            .iter()
            .filter(|e| e.endpoint == "POST /rest/api/3/issue/bulkfetch")
            .count()
    };
    let kept_batches = usize::try_from(k.kept).unwrap_or(0) / 100;
    assert!(
        bulk(&log.entries[k.at..]) + kept_batches <= bulk(&k.clean_log.entries),
        "{} bulk fetches after a kill that kept {} issues; {} in a clean run",
        bulk(&log.entries[k.at..]),
        k.kept,
        bulk(&k.clean_log.entries)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_killed_mid_sync_then_run_again_reproduces_the_world() {
    let k = kill_and_resume(Trackers::Gitlab, 300, 0, 5).await;
    compare(k.store.pool(), &expected(&k.sim, Trackers::Gitlab, now()))
        .await
        .assert_clean(&["issues", "fields", "points", "parents", "people"]);
    assert!(k.kept > 0, "the killed run kept what it fetched");
    let resumed = k.total - k.at;
    assert!(
        resumed < k.clean,
        "the run after a kill at request {} sent {resumed}, a clean run {}\nclean:\n{}\nboth:\n{}",
        k.at,
        k.clean,
        k.clean_log.summary(),
        k.sim.log().summary()
    );
}
