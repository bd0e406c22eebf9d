//! The webhook receiver on 127.0.0.1 with real GitLab deliveries (the fixtures): stored through
//! the writer, checked, de-duplicated, limited.

use std::sync::Arc;

use sprintdeck::clock::Clock;
use sprintdeck::config::secrets::Secret;
use sprintdeck::store::Store;
use sprintdeck::sync::gitlab::status::StatusMap;
use sprintdeck::sync::webhook::{self, HookSource, Receiver, Scope};

use crate::common::{empty_store, fixture, now};

struct Hook {
    url: String,
    store: Arc<Store>,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Hook {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(empty_store(&dir).await);
        let receiver = Receiver {
            store: Arc::clone(&store),
            gitlab: vec![HookSource {
                name: "work".into(),
                secret: Secret::new("my-secret-token"),
                statuses: StatusMap::default(),
                // The projects of the fixtures' deliveries.
                scope: Scope {
                    projects: vec!["gitlabhq/gitlab-test".into()],
                    groups: vec!["gitlab-org".into()],
                    include_subgroups: true,
                    boards: Vec::new(),
                },
            }],
            jira: Vec::new(),
            clock: Clock::frozen(now()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, webhook::router(Arc::new(receiver))).await;
        });
        Self {
            url,
            store,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn deliver(&self, body: Vec<u8>, token: &str, delivery: Option<&str>) -> (u16, String) {
        let mut r = self
            .client
            .post(format!("{}/webhooks/gitlab", self.url))
            .header("content-type", "application/json")
            .header("x-gitlab-event", "Issue Hook")
            .header("x-gitlab-token", token)
            .body(body);
        if let Some(id) = delivery {
            r = r.header("idempotency-key", id);
        }
        let response = r.send().await.expect("answer");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.store.pool())
            .await
            .expect(sql)
    }
}

fn payload(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("gitlab/{name}"))).expect("fixture")
}

/// The secret and delivery id from the documented request headers.
fn documented_headers() -> (String, String) {
    let text = std::fs::read_to_string(fixture("gitlab/issue-hook.request-headers.http"))
        .expect("fixture");
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .expect(name)
    };
    (value("X-Gitlab-Token:"), value("Idempotency-Key:"))
}

#[tokio::test]
async fn a_delivery_is_stored_and_a_redelivery_is_not() {
    let hook = Hook::start().await;
    let (token, delivery) = documented_headers();
    let (status, text) = hook
        .deliver(
            payload("issue-hook.open.gitlab-com-2017.drone.json"),
            &token,
            Some(&delivery),
        )
        .await;
    assert_eq!((status, text.trim()), (200, "stored"));
    let (key, created): (String, String) = sqlx::query_as("SELECT key, created_at FROM issues")
        .fetch_one(hook.store.pool())
        .await
        .expect("stored");
    assert_eq!(key, "gitlab-org/hello-world#1");
    assert_eq!(created, "2017-12-10T16:37:38Z", "the `… UTC` form");
    let (status, text) = hook
        .deliver(
            payload("issue-hook.open.gitlab-com-2017.drone.json"),
            &token,
            Some(&delivery),
        )
        .await;
    assert_eq!(status, 200);
    assert!(text.contains("duplicate"), "{text}");
    assert_eq!(hook.count("SELECT count(*) FROM issues").await, 1);
    assert_eq!(
        hook.count("SELECT count(*) FROM webhook_deliveries").await,
        1
    );
}

#[tokio::test]
async fn a_close_records_a_webhook_status_event() {
    let hook = Hook::start().await;
    let (token, _) = documented_headers();
    hook.deliver(
        payload("issue-hook.open.gitlab-com-2017.drone.json"),
        &token,
        Some("a"),
    )
    .await;
    let (status, _) = hook
        .deliver(
            payload("issue-hook.close.gitlab-com-2017.drone.json"),
            &token,
            Some("b"),
        )
        .await;
    assert_eq!(status, 200);
    let (from, to, category, source, at): (String, String, String, String, String) =
        sqlx::query_as("SELECT from_status, to_status, to_category, source, at FROM status_events")
            .fetch_one(hook.store.pool())
            .await
            .expect("one event");
    assert_eq!(
        (
            from.as_str(),
            to.as_str(),
            category.as_str(),
            source.as_str(),
            at.as_str()
        ),
        ("Open", "Closed", "done", "webhook", "2017-12-10T16:41:28Z")
    );
    let (status, priority): (String, Option<String>) =
        sqlx::query_as("SELECT status, priority FROM issues")
            .fetch_one(hook.store.pool())
            .await
            .expect("issue");
    assert_eq!(
        (status.as_str(), priority.as_deref()),
        ("Closed", Some("critical"))
    );
}

#[tokio::test]
async fn iso_timestamps_and_label_objects_parse_too() {
    let hook = Hook::start().await;
    let (status, text) = hook
        .deliver(
            payload("issue-hook.go-gitlab.json"),
            "my-secret-token",
            None,
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let (key, points, labels): (String, Option<f64>, i64) = sqlx::query_as(
        "SELECT i.key, i.story_points, (SELECT count(*) FROM issue_labels l WHERE l.issue_id = i.id) FROM issues i",
    )
    .fetch_one(hook.store.pool())
    .await
    .expect("issue");
    assert_eq!(key, "gitlabhq/gitlab-test#23");
    assert_eq!(points, Some(10.0), "weight");
    assert_eq!(labels, 1);
}

#[tokio::test]
async fn wrong_token_bad_json_and_oversize_bodies_store_nothing() {
    let hook = Hook::start().await;
    let body = payload("issue-hook.open.gitlab-com-2017.drone.json");
    let (status, text) = hook.deliver(body.clone(), "guess", Some("x")).await;
    assert_eq!(status, 401, "{text}");
    let (status, _) = hook
        .deliver(b"{\"object_kind\": ".to_vec(), "my-secret-token", Some("y"))
        .await;
    assert_eq!(status, 400);
    let mut big = body.clone();
    big.resize(webhook::BODY_LIMIT + 1, b' ');
    let (status, _) = hook.deliver(big, "my-secret-token", Some("z")).await;
    assert_eq!(status, 413);
    assert_eq!(hook.count("SELECT count(*) FROM issues").await, 0);
    assert_eq!(
        hook.count("SELECT count(*) FROM webhook_deliveries").await,
        0
    );
    // A comment is accepted, and changes nothing.
    let (status, text) = hook
        .deliver(
            payload("note-hook-on-issue.go-gitlab.json"),
            "my-secret-token",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(text.contains("nothing to store"), "{text}");
    let health = reqwest::get(format!("{}/healthz", hook.url))
        .await
        .expect("answer");
    assert_eq!(health.status().as_u16(), 200);
}
