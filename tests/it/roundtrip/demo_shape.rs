//! `demo --shape teams` writes the world as a correct sync would store it: the checker finds
//! nothing to say about it (which also checks the checker against the store's own writer).

use sprintdeck::demo::teams::records::{self, Target};
use sprintdeck::demo::teams::{CLOSED_WINDOW_DAYS, GITLAB_URL, JIRA_URL, World, WorldSpec};

use super::check::{Diff, compare};
use crate::common::{empty_store, now};

#[tokio::test]
async fn the_teams_demo_is_the_world_as_a_correct_sync_stores_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let spec = WorldSpec::new(0, 11, now())
        .gitlab_issues(300)
        .jira_issues(300);
    sprintdeck::demo::teams::write(&store, &spec)
        .await
        .expect("writes");
    let world = World::generate(&spec);
    let target = Target {
        gitlab_url: GITLAB_URL,
        jira_url: JIRA_URL,
        now: world.anchor,
        closed_window_days: CLOSED_WINDOW_DAYS,
    };
    let want = [
        records::gitlab(&world, &target),
        records::jira(&world, &target),
    ];
    compare(store.pool(), &want).await.assert_clean(Diff::all());
    // And it is not an empty comparison: both trackers, every kind of row.
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM issues WHERE key LIKE 'acme&%' OR key LIKE 'acme/platform&%'",
    )
    .fetch_one(store.pool())
    .await
    .expect("epics");
    assert_eq!(usize::try_from(n).expect("count"), world.gitlab.epics.len());
    assert!(!want[0].links.is_empty() && !want[1].links.is_empty());
    assert!(want[1].memberships.iter().any(|m| m.removed_at.is_some()));
}
