//! The figures issue 17's note gives: the world's size, requests per pass for GitLab, Jira and
//! both (first pass, and a second pass with reconcile after the trackers changed), the extra
//! requests faults and a kill cost. Written to `roundtrip-figures.txt` in the test binary's temp
//! dir (`target/tmp`): `cargo test --locked -- roundtrip::figures` then read that file.

use std::fmt::Write as _;

use chrono::Duration;

use super::kill::kill_and_resume;
use super::{Trackers, assert_ok, first_pass, sync, world};
use crate::common::now;
use crate::sim::Fault;

const N: usize = 300;

fn faults(which: Trackers) -> Vec<Fault> {
    match which {
        Trackers::Jira => vec![
            Fault::rate_limited(2).jira().on("search/jql").times(3),
            Fault::server_error(502)
                .jira()
                .on("issue/bulkfetch")
                .after(1)
                .times(2),
            Fault::truncated().jira().on("changelog/bulkfetch"),
        ],
        Trackers::Gitlab => vec![
            Fault::rate_limited(2).gitlab().on("/issues").times(3),
            Fault::server_error(500)
                .gitlab()
                .on("resource_state_events")
                .after(5),
            Fault::truncated()
                .gitlab()
                .on("projects/:id/issues")
                .after(1),
        ],
        Trackers::Both => [faults(Trackers::Gitlab), faults(Trackers::Jira)].concat(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notes_figures() {
    let mut note = String::new();
    let w = world(N, N);
    let _ = writeln!(
        note,
        "world (seed 11, {N} issues per tracker): GitLab {} groups, {} projects, {} issues, {} epics, \
         {} iterations, {} milestones; Jira {} projects, {} boards, {} sprints, {} issues; {} people",
        w.gitlab.groups.len(),
        w.gitlab.projects.len(),
        w.gitlab.issues.len(),
        w.gitlab.epics.len(),
        w.gitlab.iterations.len(),
        w.gitlab.milestones.len(),
        w.jira.projects.len(),
        w.jira.boards.len(),
        w.jira.sprints.len(),
        w.jira.issues.len(),
        w.people.len(),
    );
    for which in [Trackers::Gitlab, Trackers::Jira, Trackers::Both] {
        let (_dir, store, sim, results) = first_pass(world(N, N), which).await;
        assert_ok(&results);
        let first = sim.log();
        sim.mutate(|w| w.churn(now() + Duration::minutes(30), 5));
        let later = now() + Duration::hours(1);
        sim.set_now(later);
        sim.reset_log();
        assert_ok(&sync(&store, &sim, which, later, true).await);
        let second = sim.log();
        // The same first pass with faults armed.
        let (_dir, _store, faulted, _) = {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = crate::common::empty_store(&dir).await;
            let sim = crate::sim::Simulator::start(world(N, N)).await;
            sim.set_now(now());
            for f in faults(which) {
                sim.inject(f);
            }
            let results = sync(&store, &sim, which, now(), false).await;
            (dir, store, sim, results)
        };
        let fired: usize = faulted.faults_fired().iter().sum();
        let extra = faulted.log().total() - first.total();
        assert_eq!(extra, fired, "{which:?}: each fault costs one request");
        let _ = writeln!(
            note,
            "{which:?}: first pass {} requests (GitLab {}, Jira {}); second pass with reconcile \
             after churn {} (GitLab {}, Jira {}); faults {fired} answered, +{extra} requests",
            first.total(),
            first.of_tracker("gitlab"),
            first.of_tracker("jira"),
            second.total(),
            second.of_tracker("gitlab"),
            second.of_tracker("jira"),
        );
    }
    for (which, gitlab, jira, seed) in [
        (Trackers::Gitlab, N, 0, 5),
        (Trackers::Jira, 0, N, 3),
        (Trackers::Jira, 0, 3000, 7),
    ] {
        let k = kill_and_resume(which, gitlab, jira, seed).await;
        let resumed = k.total - k.at;
        assert!(resumed < k.clean, "{which:?}: the run after a kill resumes");
        let _ = writeln!(
            note,
            "{which:?} kill ({gitlab}+{jira} issues, the binary, killed at request {} of {} \
             clean; {} issues kept): the next run sent {resumed}; +{} requests over one clean run",
            k.at,
            k.clean,
            k.kept,
            k.total - k.clean,
        );
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("roundtrip-figures.txt");
    std::fs::write(&path, &note).expect("figures written");
}
