//! GitLab alone: group `acme` with subgroup `acme/platform`, five projects, group epics whose
//! children live in several projects, one iteration cadence per group, project and group
//! milestones.

use super::check::{Diff, compare};
use super::{Trackers, assert_ok, expected, first_pass, world};
use crate::common::now;

async fn synced() -> Diff {
    let (_dir, store, sim, results) = first_pass(world(300, 0), Trackers::Gitlab).await;
    assert_ok(&results);
    compare(store.pool(), &expected(&sim, Trackers::Gitlab, now())).await
}

#[tokio::test]
async fn gitlab_group_sync_stores_every_issue_and_each_epic_once_in_its_group() {
    synced()
        .await
        .assert_clean(&["issues", "fields", "points", "parents", "people"]);
}

#[tokio::test]
async fn gitlab_issue_links_within_and_across_projects() {
    synced().await.assert_clean(&["links"]);
}

#[tokio::test]
async fn gitlab_iterations_and_milestones_belong_to_their_group_or_project() {
    synced().await.assert_clean(&["sprints", "removals"]);
}

#[tokio::test]
async fn gitlab_status_histories_from_state_and_label_events() {
    synced().await.assert_clean(&["histories"]);
}
