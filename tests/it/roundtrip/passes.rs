//! A second pass after the trackers changed, deleted and moved issues: the store follows the
//! changed world, and reconcile marks gone exactly what no longer exists where it was stored
//! (deleted issues, and the old keys of Jira issues moved to another project: same id, new
//! key). A GitLab move leaves the original in place, closed, with `moved_to_id`: it stays, closed.

use std::collections::BTreeSet;

use chrono::Duration;
use sprintdeck::demo::teams::mutate::Churn;
use sprintdeck::store::Store;
use sprintdeck::sync::Counts;

use super::check::compare;
use super::{Trackers, assert_ok, expected, first_pass, sync, world};
use crate::common::now;
use crate::sim::Simulator;

pub struct SecondPass {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub sim: Simulator,
    pub churn: Churn,
    pub results: Vec<(String, Result<Counts, String>)>,
}

/// A first pass, the trackers' changes half an hour later, and a pass with reconcile an hour
/// after the first.
pub async fn second_pass(which: Trackers, gitlab: usize, jira: usize) -> SecondPass {
    let (dir, store, sim, results) = first_pass(world(gitlab, jira), which).await;
    assert_ok(&results);
    let churn = sim.mutate(|w| w.churn(now() + Duration::minutes(30), 5));
    let later = now() + Duration::hours(1);
    sim.set_now(later);
    sim.reset_log();
    let results = sync(&store, &sim, which, later, true).await;
    SecondPass {
        _dir: dir,
        store,
        sim,
        churn,
        results,
    }
}

async fn gone(store: &Store) -> BTreeSet<String> {
    sqlx::query_scalar("SELECT key FROM issues WHERE gone_at IS NOT NULL")
        .fetch_all(store.pool())
        .await
        .expect("gone")
        .into_iter()
        .collect()
}

/// Deleted issues, and the old keys of Jira moves.
fn vanished(churn: &Churn) -> BTreeSet<String> {
    churn
        .deleted
        .iter()
        .cloned()
        .chain(
            churn
                .moved
                .iter()
                .filter(|(old, _)| !old.contains('#'))
                .map(|(old, _)| old.clone()),
        )
        .collect()
}

#[tokio::test]
async fn jira_second_pass_follows_changes_deletions_and_moves() {
    let p = second_pass(Trackers::Jira, 0, 300).await;
    assert_ok(&p.results);
    assert!(
        !p.churn.deleted.is_empty() && !p.churn.moved.is_empty(),
        "{:?}",
        p.churn
    );
    compare(p.store.pool(), &expected(&p.sim, Trackers::Jira, now()))
        .await
        .assert_clean(&[
            "issues",
            "fields",
            "links",
            "sprints",
            "histories",
            "people",
        ]);
    let want = vanished(&p.churn);
    assert_eq!(
        gone(&p.store).await,
        want,
        "reconcile marks gone what vanished, nothing else"
    );
    let counted = p.results[0].1.as_ref().map(|c| c.gone).unwrap_or_default();
    assert_eq!(counted, want.len());
    for (_, new) in &p.churn.moved {
        let live: i64 =
            sqlx::query_scalar("SELECT count(*) FROM issues WHERE key = ? AND gone_at IS NULL")
                .bind(new)
                .fetch_one(p.store.pool())
                .await
                .expect("count");
        assert_eq!(live, 1, "{new} is stored, once");
    }
    // Nothing changed is fetched again: the pass costs a handful of requests.
    let log = p.sim.log();
    assert!(
        log.count("POST /rest/api/3/issue/bulkfetch") == 0,
        "{}",
        log.summary()
    );
    assert!(log.total() < 20, "{}", log.summary());
}

#[tokio::test]
async fn gitlab_second_pass_follows_changes_deletions_and_moves() {
    let p = second_pass(Trackers::Gitlab, 300, 0).await;
    assert_ok(&p.results);
    compare(p.store.pool(), &expected(&p.sim, Trackers::Gitlab, now()))
        .await
        .assert_clean(&["issues", "fields", "points", "parents", "sprints", "people"]);
    let want = vanished(&p.churn);
    assert_eq!(
        gone(&p.store).await,
        want,
        "reconcile marks gone the deleted issues, no epic"
    );
    for (old, _) in &p.churn.moved {
        let state: String =
            sqlx::query_scalar("SELECT status FROM issues WHERE key = ? AND gone_at IS NULL")
                .bind(old)
                .fetch_one(p.store.pool())
                .await
                .expect("the moved-away original stays");
        assert_eq!(state, "Closed");
    }
}

#[tokio::test]
async fn both_trackers_second_pass_reconcile_finds_exactly_what_vanished() {
    let p = second_pass(Trackers::Both, 300, 300).await;
    assert_ok(&p.results);
    assert_eq!(gone(&p.store).await, vanished(&p.churn));
}
