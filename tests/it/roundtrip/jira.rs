//! Jira alone: a company-managed project (`BENCH`, "Story Points", `Sub-task`, a parallel
//! sprint) and a team-managed one (`MOB`, "Story point estimate", `Subtask`), two boards.

use super::check::compare;
use super::{Trackers, assert_ok, expected, first_pass, world};
use crate::common::now;

async fn synced() -> super::check::Diff {
    let (_dir, store, sim, results) = first_pass(world(0, 300), Trackers::Jira).await;
    assert_ok(&results);
    compare(store.pool(), &expected(&sim, Trackers::Jira, now())).await
}

#[tokio::test]
async fn jira_first_sync_stores_every_issue_its_links_sprints_histories_and_people() {
    synced().await.assert_clean(&[
        "issues",
        "fields",
        "links",
        "sprints",
        "histories",
        "people",
    ]);
}

#[tokio::test]
async fn jira_story_points_come_from_each_boards_estimation_field() {
    synced().await.assert_clean(&["points"]);
}

#[tokio::test]
async fn jira_parents_are_linked_whatever_order_the_pages_come_in() {
    synced().await.assert_clean(&["parents"]);
}

#[tokio::test]
async fn jira_scope_removed_from_a_sprint_is_kept_with_its_time() {
    synced().await.assert_clean(&["removals"]);
}
