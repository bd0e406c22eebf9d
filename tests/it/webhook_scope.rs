//! Webhooks respect the configured scope (issue 17 point 6): a group hook or a site-wide hook
//! delivers for projects nobody configured; such a delivery is answered 200 and ignored (logged),
//! and creates nothing. A project a poll stored is in scope whatever the config names.

use std::sync::Arc;

use hmac::Mac;
use serde_json::json;
use sprintdeck::clock::Clock;
use sprintdeck::config::secrets::Secret;
use sprintdeck::domain::issue::Source;
use sprintdeck::domain::records::{Batch, ProjectKind, ProjectRecord};
use sprintdeck::store::{Store, import};
use sprintdeck::sync::gitlab::status::StatusMap;
use sprintdeck::sync::webhook::{self, HookSource, JiraHook, Receiver, Scope};

use crate::common::{empty_store, fixture, now};
use crate::fake_jira::read;

async fn serve(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, webhook::router(Arc::new(receiver))).await;
    });
    url
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

async fn gitlab(scope: Scope) -> (tempfile::TempDir, Arc<Store>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(empty_store(&dir).await);
    let url = serve(Receiver {
        store: Arc::clone(&store),
        gitlab: vec![HookSource {
            name: "work".into(),
            secret: Secret::new("hook-token"),
            statuses: StatusMap::default(),
            scope,
        }],
        jira: Vec::new(),
        clock: Clock::frozen(now()),
    })
    .await;
    (dir, store, url)
}

/// The fixture's delivery (project `gitlab-org/hello-world`, id 4861503).
async fn deliver_gitlab(url: &str) -> (u16, String) {
    let body = std::fs::read(fixture("gitlab/issue-hook.open.gitlab-com-2017.drone.json"))
        .expect("fixture");
    let answer = reqwest::Client::new()
        .post(format!("{url}/webhooks/gitlab"))
        .header("content-type", "application/json")
        .header("x-gitlab-event", "Issue Hook")
        .header("x-gitlab-token", "hook-token")
        .body(body)
        .send()
        .await
        .expect("answer");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_gitlab_delivery_for_an_unconfigured_project_creates_nothing() {
    for scope in [
        Scope {
            projects: vec!["gitlab-org/other".into(), "99".into()],
            ..Scope::default()
        },
        // A group of a similar name, and the right group without its subgroups for a project
        // deeper down are tried in the unit tests; here a sibling group.
        Scope {
            groups: vec!["gitlab-com".into()],
            include_subgroups: true,
            ..Scope::default()
        },
    ] {
        let (_dir, store, url) = gitlab(scope).await;
        let (status, text) = deliver_gitlab(&url).await;
        assert_eq!(status, 200, "{text}");
        assert!(
            text.contains("ignored") && text.contains("gitlab-org/hello-world"),
            "{text}"
        );
        assert_eq!(count(&store, "SELECT count(*) FROM issues").await, 0);
        assert_eq!(count(&store, "SELECT count(*) FROM projects").await, 0);
    }
}

#[tokio::test]
async fn a_gitlab_delivery_is_stored_for_a_configured_project_group_or_a_synced_one() {
    for scope in [
        Scope {
            projects: vec!["Gitlab-Org/Hello-World".into()],
            ..Scope::default()
        },
        Scope {
            projects: vec!["4861503".into()],
            ..Scope::default()
        },
        Scope {
            groups: vec!["gitlab-org".into()],
            ..Scope::default()
        },
    ] {
        let (_dir, store, url) = gitlab(scope.clone()).await;
        let (status, text) = deliver_gitlab(&url).await;
        assert_eq!((status, text.trim()), (200, "stored"), "{scope:?}");
        assert_eq!(count(&store, "SELECT count(*) FROM issues").await, 1);
    }
    // Configured by a group id the delivery cannot be matched with: a project a poll stored
    // is in scope.
    let (_dir, store, url) = gitlab(Scope {
        groups: vec!["9970".into()],
        ..Scope::default()
    })
    .await;
    assert!(deliver_gitlab(&url).await.1.contains("ignored"));
    let synced = Batch {
        source_name: "work".into(),
        projects: vec![ProjectRecord {
            source: Source::Gitlab,
            remote_id: "4861503".into(),
            key: "gitlab-org/hello-world".into(),
            name: "hello-world".into(),
            web_url: None,
            kind: ProjectKind::Project,
        }],
        ..Batch::default()
    };
    store
        .writer()
        .transaction(move |c| Box::pin(async move { import::write_batch(c, &synced).await }))
        .await
        .expect("a synced project");
    assert_eq!(deliver_gitlab(&url).await.1.trim(), "stored");
}

#[tokio::test]
async fn a_jira_delivery_for_an_unconfigured_project_or_board_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(empty_store(&dir).await);
    let url = serve(Receiver {
        store: Arc::clone(&store),
        gitlab: Vec::new(),
        jira: vec![JiraHook {
            name: "jira".into(),
            secret: Secret::new("hook-secret"),
            base_url: "https://example.atlassian.net".into(),
            scope: Scope {
                projects: vec!["TEAM".into()],
                boards: vec![7],
                ..Scope::default()
            },
        }],
        clock: Clock::frozen(now()),
    })
    .await;
    let send = |body: serde_json::Value| {
        let body = serde_json::to_vec(&body).expect("body");
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"hook-secret").expect("key");
        mac.update(&body);
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let url = format!("{url}/webhooks/jira");
        async move {
            let answer = reqwest::Client::new()
                .post(url)
                .header("content-type", "application/json")
                .header("x-hub-signature", signature)
                .body(body)
                .send()
                .await
                .expect("answer");
            (
                answer.status().as_u16(),
                answer.text().await.unwrap_or_default(),
            )
        }
    };
    // The fixture's issue is SCRUM-10, project SCRUM: not configured.
    let (status, text) = send(json!({
        "timestamp": 1_752_100_000_000_i64,
        "webhookEvent": "jira:issue_created",
        "issue": read("jira/issue-cloud-2025-no-adf.json"),
    }))
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ignored") && text.contains("SCRUM"), "{text}");
    let sprint = |board: u64| {
        json!({
            "timestamp": 1_752_100_000_000_i64,
            "webhookEvent": "sprint_started",
            "sprint": { "id": 31, "self": "https://example.atlassian.net/rest/agile/1.0/sprint/31",
                "state": "active", "name": "Rival sprint 4", "originBoardId": board,
                "startDate": "2025-07-01T09:00:00.000Z", "endDate": "2025-07-15T09:00:00.000Z" }
        })
    };
    let (status, text) = send(sprint(12)).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ignored"), "{text}");
    for table in [
        "SELECT count(*) FROM issues",
        "SELECT count(*) FROM projects",
        "SELECT count(*) FROM sprints",
        "SELECT count(*) FROM people",
    ] {
        assert_eq!(count(&store, table).await, 0, "{table}");
    }
    // The configured board's sprint is stored.
    let (status, text) = send(sprint(7)).await;
    assert_eq!((status, text.trim()), (200, "stored"));
    assert_eq!(count(&store, "SELECT count(*) FROM sprints").await, 1);
}
