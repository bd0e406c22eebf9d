//! A world where nobody estimates (issue 17 point 8): synced, then read by the analyst and the
//! report from the command line. Every aggregate of points is empty there, which the demo, where
//! every person has points, never shows.

use sprintdeck::store::{Create, Store, people, sprints};

use super::world;
use crate::common::{BinaryEnv, now};
use crate::sim::Simulator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analyst_and_the_report_read_a_synced_world_without_story_points() {
    let sim = Simulator::start(world(150, 150)).await;
    sim.set_now(now());
    sim.mutate(|w| {
        for i in &mut w.gitlab.issues {
            i.weight = None;
        }
        for i in &mut w.jira.issues {
            i.points = None;
        }
    });
    let env = BinaryEnv::new(&sim.config(), ("SPRINTDECK_UNUSED", ""));
    let synced = env.run(&["sync", "--once"]).await;
    assert!(
        synced.status.success(),
        "sync: {}",
        String::from_utf8_lossy(&synced.stderr)
    );
    for args in [&["analyze"][..], &["report", "--format", "json"]] {
        let out = env.run(args).await;
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Every aggregate of points the store reads, on the same database.
    let db = env.dir.path().join("data").join("sprintdeck.db");
    let store = Store::open(&db, Create::MustExist).await.expect("synced");
    let pool = store.pool();
    let velocity = sprints::velocity(pool).await.expect("velocity");
    assert!(!velocity.is_empty(), "the world has closed sprints");
    assert!(velocity.iter().all(|(_, points)| *points == 0.0));
    let load = sprints::active_load(pool).await.expect("active load");
    assert!(!load.is_empty(), "people have work in active sprints");
    assert!(load.iter().all(|(_, points)| *points == 0.0));
    let (active, _, start) = sprints::active(pool).await.expect("active").expect("one");
    sprints::scope_change(pool, active, start.as_deref().unwrap_or(""))
        .await
        .expect("scope change");
    people::recent_velocity(pool)
        .await
        .expect("recent velocity");
    people::capacities(pool).await.expect("capacities");
}
