//! GitLab and Jira at once, into one store: two sources side by side, the same people under
//! their two trackers' names, links within each tracker.

use super::check::{Diff, compare};
use super::{Trackers, assert_ok, expected, first_pass, world};
use crate::common::now;

#[tokio::test]
async fn both_trackers_at_once_reproduce_the_world() {
    let (_dir, store, sim, results) = first_pass(world(300, 300), Trackers::Both).await;
    assert_ok(&results);
    let diff = compare(store.pool(), &expected(&sim, Trackers::Both, now())).await;
    diff.assert_clean(Diff::all());
}

/// One source failing leaves the other's pass whole.
#[tokio::test]
async fn both_trackers_at_once_keep_jira_whole_whatever_gitlab_does() {
    let (_dir, store, sim, results) = first_pass(world(300, 300), Trackers::Both).await;
    let jira = results
        .iter()
        .find(|(n, _)| n == "acme-jira")
        .expect("jira ran");
    assert!(jira.1.is_ok(), "{jira:?}");
    let want = expected(&sim, Trackers::Jira, now());
    // GitLab's rows are there too, whatever its pass did: `compare` looks at Jira's.
    let diff = compare(store.pool(), &want).await;
    diff.assert_clean(&[
        "issues",
        "fields",
        "links",
        "sprints",
        "histories",
        "people",
    ]);
    let people: Vec<(String, String)> = sqlx::query_as(
        "SELECT source_name, display_name FROM people WHERE display_name LIKE 'Zo%'",
    )
    .fetch_all(store.pool())
    .await
    .expect("people");
    assert!(
        people.contains(&("acme-jira".to_owned(), "Zoë Ångström".to_owned())),
        "{people:?}"
    );
}
