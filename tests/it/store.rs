use chrono::Duration;
use sprintdeck::domain::query;
use sprintdeck::domain::records::{Batch, IssueRecord, ProjectKind, ProjectRecord};
use sprintdeck::domain::{IssueType, Source, StatusCategory};
use sprintdeck::store::filter::{self, FilterContext};
use sprintdeck::store::{Create, Store, StoreError, import, read};

use crate::common::{demo_store, empty_store, now, query_rows};

fn issue(key: &str, title: &str, labels: &[&str]) -> IssueRecord {
    IssueRecord {
        source: Source::Jira,
        project_remote_id: "1".into(),
        remote_id: key.into(),
        key: key.into(),
        issue_type: IssueType::Story,
        title: title.into(),
        description: String::new(),
        status: "To Do".into(),
        status_category: StatusCategory::Todo,
        reporter: None,
        assignees: vec![],
        labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        priority: None,
        story_points: None,
        parent_key: None,
        due_date: None,
        created_at: now() - Duration::days(3),
        updated_at: now() - Duration::days(1),
        closed_at: None,
        web_url: None,
        raw_json: None,
    }
}

fn batch(issues: Vec<IssueRecord>) -> Batch {
    Batch {
        source_name: "t".into(),
        projects: vec![ProjectRecord {
            source: Source::Jira,
            remote_id: "1".into(),
            key: "T".into(),
            name: "Test".into(),
            web_url: None,
            kind: ProjectKind::Project,
        }],
        issues,
        ..Batch::default()
    }
}

async fn insert(store: &Store, b: Batch) {
    store
        .writer()
        .transaction(move |conn| Box::pin(async move { import::write_batch(conn, &b).await }))
        .await
        .expect("batch inserts");
}

async fn fts(store: &Store, q: &str) -> Vec<String> {
    query_rows(store, q, None, None)
        .await
        .into_iter()
        .map(|r| r.key)
        .collect()
}

#[tokio::test]
async fn migrations_create_the_schema_with_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let pool = store.pool();
    assert_eq!(
        read::schema_version(pool).await.expect("version"),
        sprintdeck::store::known_schema_version()
    );
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .expect("pragma");
    assert_eq!(fk, 1);
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(pool)
            .await
            .expect("tables");
    for t in [
        "audit_log",
        "chat_messages",
        "issue_assignees",
        "issue_labels",
        "issue_links",
        "issues",
        "issues_fts",
        "labels",
        "outbox",
        "overrides",
        "people",
        "projects",
        "proposals",
        "sprint_issues",
        "sprints",
        "status_events",
        "sync_cursors",
        "sync_runs",
    ] {
        assert!(tables.iter().any(|n| n == t), "missing table {t}");
    }
    // Reads go through read-only connections: a write on the pool must fail.
    assert!(
        sqlx::query("INSERT INTO labels (name) VALUES ('x')")
            .execute(pool)
            .await
            .is_err()
    );
    store.close().await.expect("closes");
    // Reopening runs no migration twice.
    let again = Store::open(&dir.path().join("test.db"), Create::MustExist)
        .await
        .expect("reopens");
    again.close().await.expect("closes");
}

#[tokio::test]
async fn a_failed_transaction_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    // The first issue is fine, the second names a project that does not exist: all or nothing.
    let mut bad = batch(vec![issue("T-1", "first", &["a"])]);
    let mut orphan = issue("T-2", "second", &[]);
    orphan.project_remote_id = "nope".into();
    bad.issues.push(orphan);
    let err = store
        .writer()
        .transaction(move |conn| Box::pin(async move { import::write_batch(conn, &bad).await }))
        .await
        .expect_err("orphan issue is refused");
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("unknown project nope")),
        "{err}"
    );
    // A constraint violation from SQLite itself also rolls back the earlier statements.
    let err = store
        .writer()
        .transaction(|conn| {
            Box::pin(async move {
                import::set_meta(conn, "k", "v").await?;
                sqlx::query("INSERT INTO labels (id, name) VALUES (1, 'a'), (1, 'b')")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect_err("duplicate id");
    assert!(matches!(err, StoreError::Sql(_)));
    let summary = read::summary(store.pool()).await.expect("summary");
    assert_eq!((summary.projects, summary.issues), (0, 0));
    assert_eq!(read::meta(store.pool(), "k").await.expect("meta"), None);
    let fts_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM issues_fts")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(fts_rows, 0);
    // The writer is still alive after failures.
    insert(&store, batch(vec![issue("T-1", "first", &[])])).await;
    store.close().await.expect("closes");
}

#[tokio::test]
async fn full_text_index_follows_inserts_updates_and_deletes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    insert(
        &store,
        batch(vec![
            issue("T-1", "Checkout crashes", &["payments"]),
            issue("T-2", "Résumé upload", &[]),
        ]),
    )
    .await;
    let pool = store.pool();
    assert_eq!(fts(&store, "checkout").await, vec!["T-1"]);
    assert_eq!(
        fts(&store, "check").await,
        vec!["T-1"],
        "prefix match while typing"
    );
    assert_eq!(
        fts(&store, "payments").await,
        vec!["T-1"],
        "labels are indexed"
    );
    assert_eq!(fts(&store, "resume").await, vec!["T-2"], "diacritics fold");
    assert_eq!(fts(&store, "T-2").await, vec!["T-2"], "keys are indexed");

    store
        .writer()
        .transaction(|conn| {
            Box::pin(async move {
                sqlx::query("UPDATE issues SET title = 'Basket crashes' WHERE key = 'T-1'").execute(&mut *conn).await?;
                sqlx::query("INSERT INTO labels (name) VALUES ('mobile')").execute(&mut *conn).await?;
                sqlx::query("INSERT INTO issue_labels SELECT i.id, l.id FROM issues i, labels l WHERE i.key = 'T-2' AND l.name = 'mobile'")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM issue_labels WHERE issue_id = (SELECT id FROM issues WHERE key = 'T-1')")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("updates");
    assert!(
        fts(&store, "checkout").await.is_empty(),
        "old title no longer matches"
    );
    assert_eq!(fts(&store, "basket").await, vec!["T-1"]);
    assert_eq!(
        fts(&store, "mobile").await,
        vec!["T-2"],
        "added label matches"
    );
    assert!(
        fts(&store, "payments").await.is_empty(),
        "removed label no longer matches"
    );

    store
        .writer()
        .transaction(|conn| {
            Box::pin(async move {
                sqlx::query("DELETE FROM issues WHERE key = 'T-2'")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("deletes");
    assert!(fts(&store, "mobile").await.is_empty());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM issues_fts")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    store.close().await.expect("closes");
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    store
        .writer()
        .transaction(|conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (99999, 'future', '2030-01-01', 1, x'00', 0)")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("fake future migration");
    store.close().await.expect("closes");
    let err = Store::open(&dir.path().join("test.db"), Create::MustExist)
        .await
        .err()
        .expect("too new");
    assert!(
        err.to_string()
            .contains("written by a newer sprintdeck (schema 99999"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_database_is_not_created_when_it_must_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("typo.db");
    let err = Store::open(&path, Create::MustExist)
        .await
        .err()
        .expect("missing");
    assert!(err.to_string().starts_with("no database at"), "{err}");
    assert!(!path.exists());
}

#[tokio::test]
async fn demo_workspace_reads_back_through_the_backlog_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let all = filter::compile(
        &query::Query::default(),
        &FilterContext {
            now: now(),
            me: None,
        },
    )
    .expect("compiles");
    let rows = read::backlog(store.pool(), &all, Some(10))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 10);
    assert!(
        rows.windows(2).all(|w| w[0].updated_at >= w[1].updated_at),
        "default order is updated desc"
    );
    assert_eq!(
        read::backlog_count(store.pool(), &all)
            .await
            .expect("count"),
        1500
    );
    store.close().await.expect("closes");
}
