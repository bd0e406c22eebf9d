use sha2::{Digest, Sha256};
use sprintdeck::demo::{self, DemoSpec};
use sprintdeck::store::Store;
use sqlx::Row;

use crate::common::{demo_store, empty_store, now};

/// A hash of every row of every data table, in id order: the database's logical content.
async fn content_hash(store: &Store) -> String {
    let mut hasher = Sha256::new();
    for table in [
        "projects",
        "people",
        "issues",
        "issue_assignees",
        "labels",
        "issue_labels",
        "sprints",
        "sprint_issues",
        "status_events",
        "issue_links",
        "workspace_meta",
    ] {
        let sql = format!("SELECT * FROM {table} ORDER BY 1, 2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await
            .expect("dump");
        hasher.update(table.as_bytes());
        for row in rows {
            for i in 0..row.len() {
                let text: Option<String> = row
                    .try_get::<Option<String>, _>(i)
                    .or_else(|_| {
                        row.try_get::<Option<i64>, _>(i)
                            .map(|v| v.map(|n| n.to_string()))
                    })
                    .or_else(|_| {
                        row.try_get::<Option<f64>, _>(i)
                            .map(|v| v.map(|n| n.to_string()))
                    })
                    .expect("column decodes");
                hasher.update(text.unwrap_or_else(|| "<null>".into()).as_bytes());
                hasher.update([0]);
            }
        }
    }
    format!("{:x}", hasher.finalize())
}

#[tokio::test]
async fn same_seed_same_content_other_seed_other_content() {
    let (a, b, c) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
        tempfile::tempdir().expect("c"),
    );
    let first = demo_store(&a).await;
    let second = demo_store(&b).await;
    let other = empty_store(&c).await;
    demo::write(&other, DemoSpec::new(demo::DEFAULT_ISSUES, 7, now()))
        .await
        .expect("writes");
    let (h1, h2, h3) = (
        content_hash(&first).await,
        content_hash(&second).await,
        content_hash(&other).await,
    );
    assert_eq!(h1, h2);
    assert_ne!(h1, h3);
    // Regenerating in place replaces the data instead of adding to it.
    demo::write(
        &first,
        DemoSpec::new(demo::DEFAULT_ISSUES, demo::DEFAULT_SEED, now()),
    )
    .await
    .expect("rewrites");
    assert_eq!(content_hash(&first).await, h1);
}

async fn scalar(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

#[tokio::test]
async fn demo_invariants_hold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = demo_store(&dir).await;
    assert_eq!(scalar(&s, "SELECT count(*) FROM issues").await, 1500);
    assert_eq!(scalar(&s, "SELECT count(*) FROM projects").await, 3);
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM projects WHERE source = 'gitlab'").await,
        2
    );
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM people WHERE capacity IS NOT NULL").await,
        8
    );
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM sprints WHERE state = 'closed'").await,
        6
    );
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM sprints WHERE state = 'active'").await,
        1
    );
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM sprints WHERE state = 'future'").await,
        1
    );

    // Every done issue has a done status event, and its latest event is the done one.
    assert_eq!(
        scalar(
            &s,
            "SELECT count(*) FROM issues i WHERE i.status_category = 'done' AND NOT EXISTS \
            (SELECT 1 FROM status_events e WHERE e.issue_id = i.id AND e.to_category = 'done')"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM issues i WHERE i.status_category <> (SELECT e.to_category FROM status_events e \
            WHERE e.issue_id = i.id ORDER BY e.at DESC, e.id DESC LIMIT 1)").await,
        0,
        "the current status is the last event's"
    );
    assert_eq!(
        scalar(
            &s,
            "SELECT count(*) FROM issues WHERE status_category = 'done' AND closed_at IS NULL"
        )
        .await,
        0
    );
    // Histories are in time order and never in the future.
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM status_events a JOIN status_events b ON a.issue_id = b.issue_id AND b.id = a.id + 1 WHERE b.at <= a.at").await,
        0
    );
    assert_eq!(
        scalar(
            &s,
            "SELECT count(*) FROM status_events WHERE at > '2026-11-18T12:00:00Z'"
        )
        .await,
        0
    );

    // Sprint dates are ordered, do not overlap, and the active one contains "now".
    assert_eq!(
        scalar(
            &s,
            "SELECT count(*) FROM sprints WHERE NOT (start_at < end_at)"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM sprints a JOIN sprints b ON b.start_at > a.start_at WHERE b.start_at < a.end_at").await,
        0
    );
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM sprints WHERE state = 'active' AND start_at <= '2026-11-18T12:00:00Z' AND end_at > '2026-11-18T12:00:00Z'").await,
        1
    );
    assert_eq!(scalar(&s, "SELECT count(*) FROM sprints WHERE state = 'future' AND start_at <= '2026-11-18T12:00:00Z'").await, 0);

    // No orphans anywhere, no self-links, no blocker cycles of length two.
    let orphans: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(s.pool())
        .await
        .expect("fk check");
    assert!(orphans.is_empty(), "{orphans:?}");
    assert_eq!(
        scalar(&s, "SELECT count(*) FROM issue_links a JOIN issue_links b ON a.from_issue_id = b.to_issue_id AND a.to_issue_id = b.from_issue_id AND a.kind = 'blocks' AND b.kind = 'blocks'").await,
        0
    );

    // The stories the later panes need are all there.
    assert!(scalar(&s, "SELECT count(*) FROM issues i JOIN issue_links l ON l.to_issue_id = i.id JOIN issues b ON b.id = l.from_issue_id WHERE l.kind = 'blocks' AND b.status_category <> 'done'").await > 0, "some issues are blocked");
    assert!(scalar(&s, "SELECT count(*) FROM issues WHERE due_date < '2026-11-18' AND status_category <> 'done'").await > 0, "some are overdue");
    assert!(
        scalar(
            &s,
            "SELECT count(*) FROM status_events WHERE from_category = 'done'"
        )
        .await
            > 0,
        "some were re-opened"
    );
    assert!(scalar(&s, "SELECT count(*) FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id WHERE si.added_at > s.start_at").await > 0, "scope added mid-sprint");
    assert!(
        scalar(
            &s,
            "SELECT count(*) FROM sprint_issues WHERE removed_at IS NOT NULL"
        )
        .await
            > 0,
        "scope removed"
    );
    assert!(scalar(&s, "SELECT count(*) FROM (SELECT issue_id FROM sprint_issues GROUP BY issue_id HAVING count(*) > 1)").await > 0, "carry-over");
    assert!(
        scalar(
            &s,
            "SELECT count(*) FROM issues WHERE parent_id IS NOT NULL"
        )
        .await
            > 500,
        "parents"
    );
    let estimated = scalar(
        &s,
        "SELECT count(*) FROM issues WHERE issue_type = 'story' AND story_points IS NOT NULL",
    )
    .await;
    let stories = scalar(&s, "SELECT count(*) FROM issues WHERE issue_type = 'story'").await;
    assert!(
        estimated * 10 > stories * 8,
        "most stories are estimated: {estimated}/{stories}"
    );
    for (what, pattern) in [("CJK", "%商品%"), ("emoji", "%🚀%"), ("accents", "%é%")] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM issues WHERE title LIKE ?")
            .bind(pattern)
            .fetch_one(s.pool())
            .await
            .expect("count");
        assert!(n > 0, "no {what} titles");
    }
    assert!(
        scalar(
            &s,
            "SELECT count(*) FROM issues WHERE key LIKE 'web/shop#%'"
        )
        .await
            > 0
    );
    assert!(scalar(&s, "SELECT count(*) FROM issues WHERE key LIKE 'OPS-%'").await > 0);
    s.close().await.expect("closes");
}

#[tokio::test]
async fn ensure_regenerates_only_when_the_day_or_spec_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.db");
    let spec = DemoSpec::new(200, 1, now());
    let (store, first) = demo::ensure(&path, spec).await.expect("creates");
    assert_eq!(first, demo::Outcome::Generated);
    store.close().await.expect("closes");
    let later_same_day = DemoSpec::new(200, 1, now() + chrono::Duration::hours(3));
    let (store, second) = demo::ensure(&path, later_same_day).await.expect("opens");
    assert_eq!(second, demo::Outcome::UpToDate);
    store.close().await.expect("closes");
    let next_day = DemoSpec::new(200, 1, now() + chrono::Duration::days(1));
    let (store, third) = demo::ensure(&path, next_day).await.expect("regenerates");
    assert_eq!(third, demo::Outcome::Generated);
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 200);
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM sprints WHERE state = 'active' AND start_at <= '2026-11-19T09:00:00Z' AND end_at > '2026-11-19T09:00:00Z'").await,
        1,
        "the active sprint follows the clock"
    );
    store.close().await.expect("closes");
}
