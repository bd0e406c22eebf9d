//! Faults on: 429 bursts (with each service's rate-limit headers), 5xx, a truncated 200, a
//! refused token. The pass still reproduces the world, and each fault costs exactly the one
//! request that repeats it.

use super::check::compare;
use super::{Trackers, assert_ok, expected, first_pass, world};
use crate::common::now;
use crate::sim::Fault;

/// Requests of a clean first pass over the same world.
async fn clean_requests(which: Trackers, gitlab: usize, jira: usize) -> usize {
    let (_dir, _store, sim, results) = first_pass(world(gitlab, jira), which).await;
    assert_ok(&results);
    sim.log().total()
}

/// A first pass with `faults` armed before it starts; checks the world and the extra requests.
async fn faulted(
    which: Trackers,
    gitlab: usize,
    jira: usize,
    faults: Vec<Fault>,
    aspects: &[&str],
) {
    let clean = clean_requests(which, gitlab, jira).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::common::empty_store(&dir).await;
    let sim = crate::sim::Simulator::start(world(gitlab, jira)).await;
    sim.set_now(now());
    for f in faults {
        sim.inject(f);
    }
    let results = super::sync(&store, &sim, which, now(), false).await;
    assert_ok(&results);
    compare(store.pool(), &expected(&sim, which, now()))
        .await
        .assert_clean(aspects);
    let fired: usize = sim.faults_fired().iter().sum();
    assert!(
        sim.faults_fired().iter().all(|n| *n > 0),
        "every fault was met: {:?}",
        sim.faults_fired()
    );
    let total = sim.log().total();
    assert_eq!(
        total - clean,
        fired,
        "each fault costs the one request that repeats it ({clean} clean, {total} with {fired} faults)\n{}",
        sim.log().summary()
    );
}

const JIRA_ASPECTS: &[&str] = &[
    "issues",
    "fields",
    "links",
    "sprints",
    "histories",
    "people",
];

#[tokio::test]
async fn jira_429_burst_within_the_retries_with_atlassians_headers() {
    faulted(
        Trackers::Jira,
        0,
        300,
        vec![Fault::rate_limited(2).jira().on("search/jql").times(3)],
        JIRA_ASPECTS,
    )
    .await;
}

#[tokio::test]
async fn jira_5xx_and_503_with_retry_after_are_retried() {
    faulted(
        Trackers::Jira,
        0,
        300,
        vec![
            Fault::server_error(502)
                .jira()
                .on("issue/bulkfetch")
                .after(1)
                .times(2),
            Fault::server_error(503).jira().on("changelog/bulkfetch"),
        ],
        JIRA_ASPECTS,
    )
    .await;
}

#[tokio::test]
async fn jira_truncated_page_is_retried() {
    faulted(
        Trackers::Jira,
        0,
        300,
        vec![Fault::truncated().jira().on("issue/bulkfetch").after(1)],
        JIRA_ASPECTS,
    )
    .await;
}

#[tokio::test]
async fn jira_long_429_burst_is_waited_out() {
    faulted(
        Trackers::Jira,
        0,
        300,
        // The search is sequential: the burst meets one request, over and over.
        vec![Fault::rate_limited(1).jira().on("search/jql").times(6)],
        JIRA_ASPECTS,
    )
    .await;
}

#[tokio::test]
async fn gitlab_429_burst_5xx_and_a_truncated_page() {
    faulted(
        Trackers::Gitlab,
        300,
        0,
        vec![
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
        &["issues", "fields", "points", "parents", "people"],
    )
    .await;
}

/// A refused token stops the source at once, saying so, and is not retried: one request.
#[tokio::test]
async fn a_refused_token_stops_the_source_without_retrying() {
    for which in [Trackers::Jira, Trackers::Gitlab] {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::common::empty_store(&dir).await;
        let sim = crate::sim::Simulator::start(world(30, 30)).await;
        sim.inject(Fault::unauthorized().times(100));
        let results = super::sync(&store, &sim, which, now(), false).await;
        let error = results[0].1.as_ref().expect_err("refused");
        assert!(error.contains("401"), "{error}");
        assert_eq!(sim.log().total(), 1, "{which:?}: {}", sim.log().summary());
    }
}

/// A batch refused in the middle of a first sync stops the source with the refusal, while the
/// fetches after it are still coming in: the pass ends, it does not wait for room to hand them
/// over.
#[tokio::test]
async fn a_refusal_mid_bootstrap_ends_the_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::common::empty_store(&dir).await;
    let sim = crate::sim::Simulator::start(world(0, 3000)).await;
    sim.set_now(now());
    sim.inject(
        Fault::unauthorized()
            .jira()
            .on("issue/bulkfetch")
            .after(2)
            .times(1000),
    );
    let pass = super::sync(&store, &sim, Trackers::Jira, now(), false);
    let results = tokio::time::timeout(std::time::Duration::from_mins(1), pass)
        .await
        .expect("the pass ends");
    let error = results[0].1.as_ref().expect_err("refused");
    assert!(error.contains("401"), "{error}");
}
