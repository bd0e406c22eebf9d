//! Jira sync against the fake Jira replaying the fixtures, and the pieces it is made of: field
//! discovery, ADF, sprint values, changelogs, webhook signatures.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sprintdeck::config::Config;
use sprintdeck::domain::StatusCategory;
use sprintdeck::domain::issue::SprintState;
use sprintdeck::store::Store;
use sprintdeck::sync::jira::fields::{self, FieldDef};
use sprintdeck::sync::jira::{adf, changelog, map, sprints};
use sprintdeck::sync::{self, Counts, SyncEvent};

use crate::common::{empty_store, now};
use crate::fake_gitlab::Fault;
use crate::fake_jira::{FakeJira, read, three_pages};
use crate::gitlab_sync::{options, recording_sleeper};

fn config(url: &str, extra: &str) -> Config {
    toml::from_str(&format!(
        "[[jira]]\nname = \"jira\"\nbase_url = \"{url}\"\nemail = \"me@example.com\"\nprojects = [\"TEST\"]\ntoken = \"atlassian-token\"\n{extra}"
    ))
    .expect("config")
}

async fn run(store: &Store, config: &Config, o: &sync::Options) -> Result<Counts, String> {
    let (sleeper, _) = recording_sleeper();
    let mut r = sync::run::pass(store, config, None, o, Some(sleeper), None)
        .await
        .expect("a source");
    r.remove(0).1
}

async fn scalar(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

#[tokio::test]
async fn token_pages_run_to_is_last_whatever_form_the_last_token_takes() {
    for last in [Some(Value::from("")), None, Some(Value::Null)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir).await;
        let fake = FakeJira::start(three_pages(last.clone())).await;
        let counts = run(&store, &config(&fake.server.uri(), ""), &options())
            .await
            .expect("bootstrap");
        assert_eq!(counts.seen, 4, "last token {last:?}");
        assert_eq!(
            fake.count("/rest/api/3/search/jql").await,
            3,
            "three id pages"
        );
        assert_eq!(
            fake.count("/rest/api/3/issue/bulkfetch").await,
            1,
            "one batch of four"
        );
        let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM issues ORDER BY key")
            .fetch_all(store.pool())
            .await
            .expect("keys");
        assert_eq!(keys, ["TEST-1", "TEST-2", "TEST-3", "TEST-4"]);
    }
}

#[tokio::test]
async fn what_a_pass_remembers_is_stamped_with_the_injected_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    run(&store, &config(&fake.server.uri(), ""), &options())
        .await
        .expect("bootstrap");
    let frozen = sprintdeck::domain::time::to_db(now());
    let stamps: Vec<(String, String)> =
        sqlx::query_as("SELECT scope, updated_at FROM sync_cursors ORDER BY scope")
            .fetch_all(store.pool())
            .await
            .expect("cursors");
    assert!(
        stamps.iter().any(|(scope, _)| scope == "fields"),
        "the field ids are remembered: {stamps:?}"
    );
    for (scope, at) in &stamps {
        assert_eq!(at, &frozen, "cursor {scope}");
    }
    let (started, finished): (String, Option<String>) =
        sqlx::query_as("SELECT started_at, finished_at FROM sync_runs")
            .fetch_one(store.pool())
            .await
            .expect("run");
    assert_eq!((started, finished), (frozen.clone(), Some(frozen)));
}

#[tokio::test]
async fn bootstrap_maps_issues_history_and_then_nothing_changed_costs_one_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    let config = config(&fake.server.uri(), "boards = [734]\n");
    run(&store, &config, &options()).await.expect("bootstrap");
    let (status, category, web): (String, String, String) =
        sqlx::query_as("SELECT status, status_category, web_url FROM issues WHERE key = 'TEST-2'")
            .fetch_one(store.pool())
            .await
            .expect("TEST-2");
    assert_eq!(
        (status.as_str(), category.as_str()),
        ("In Progress", "in_progress"),
        "a status without its category is read by name"
    );
    assert!(web.ends_with("/browse/TEST-2"), "{web}");
    // The (derived) changelog: To Do → In Progress → Done, once per issue, never twice.
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM status_events").await,
        8
    );
    let to: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_status, to_category FROM status_events e JOIN issues i ON i.id = e.issue_id \
         WHERE i.key = 'TEST-1' ORDER BY e.at",
    )
    .fetch_all(store.pool())
    .await
    .expect("events");
    assert_eq!(
        to,
        [
            ("In Progress".to_owned(), "in_progress".to_owned()),
            ("Done".to_owned(), "done".to_owned())
        ]
    );
    // Board sprints, closed ones kept with their dates.
    let (closed, dated): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'closed'), count(*) FILTER (WHERE start_at IS NOT NULL) FROM sprints",
    )
    .fetch_one(store.pool())
    .await
    .expect("sprints");
    assert!(closed >= 3 && dated >= 3, "{closed} closed, {dated} dated");
    let (searches, fields) = (
        fake.count("/rest/api/3/search/jql").await,
        fake.count("/rest/api/3/field").await,
    );
    let logs = fake.count("/rest/api/3/changelog/bulkfetch").await;
    let counts = run(&store, &config, &options()).await.expect("incremental");
    assert_eq!(
        fake.count("/rest/api/3/search/jql").await - searches,
        1,
        "one search"
    );
    assert_eq!(
        fake.count("/rest/api/3/field").await - fields,
        0,
        "fields remembered"
    );
    // The minute of overlap brings back the issues updated at the cursor; unchanged, they
    // cost no history request.
    assert_eq!(counts.changed, 0);
    assert_eq!(fake.count("/rest/api/3/changelog/bulkfetch").await, logs);
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM status_events").await,
        8
    );
}

#[tokio::test]
async fn without_bulk_fetch_full_search_pages_are_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    fake.state.lock().expect("lock").bulkfetch = false;
    let counts = run(&store, &config(&fake.server.uri(), ""), &options())
        .await
        .expect("bootstrap");
    assert_eq!(counts.seen, 4);
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 4);
}

#[tokio::test]
async fn data_center_pages_by_start_at_with_changelogs_inline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    let config = config(&fake.server.uri(), "deployment = \"data_center\"\n");
    let counts = run(&store, &config, &options()).await.expect("bootstrap");
    assert_eq!(counts.seen, 4);
    assert_eq!(
        fake.count("/rest/api/2/search").await,
        2,
        "two pages of two"
    );
    assert_eq!(fake.count("/rest/api/3/search/jql").await, 0);
}

#[tokio::test]
async fn rate_limit_then_success_and_a_retired_endpoint_and_a_refused_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    fake.state
        .lock()
        .expect("lock")
        .faults
        .push_back(Fault::Status(429, vec![("retry-after", "2".into())]));
    let (sleeper, waits) = recording_sleeper();
    let config_cloud = config(&fake.server.uri(), "");
    let r = sync::run::pass(&store, &config_cloud, None, &options(), Some(sleeper), None)
        .await
        .expect("a source");
    assert!(r[0].1.is_ok(), "{:?}", r[0].1);
    assert_eq!(
        waits.lock().expect("lock").first(),
        Some(&Duration::from_secs(2))
    );

    // A Cloud site configured as Data Center: the old search answers 410.
    fake.state
        .lock()
        .expect("lock")
        .faults
        .push_back(Fault::Status(410, vec![]));
    let dc = config(&fake.server.uri(), "deployment = \"data_center\"\n");
    let err = run(&store, &dc, &options()).await.expect_err("gone");
    assert!(
        err.contains("410") && err.contains("/rest/api/3/search/jql"),
        "{err}"
    );

    fake.state
        .lock()
        .expect("lock")
        .faults
        .push_back(Fault::Status(401, vec![]));
    let (sleeper, waits) = recording_sleeper();
    let mut o = options();
    o.full = false;
    let r = sync::run::pass(&store, &config_cloud, None, &o, Some(sleeper), None)
        .await
        .expect("a source");
    let err = r[0].1.clone().expect_err("refused");
    assert!(err.contains("401") && err.contains("API token"), "{err}");
    assert!(!err.contains("atlassian-token"));
    assert!(waits.lock().expect("lock").is_empty(), "no retry on 401");
}

#[tokio::test]
async fn a_malformed_answer_fails_the_pass_and_keeps_what_was_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    let config = config(&fake.server.uri(), "");
    run(&store, &config, &options()).await.expect("bootstrap");
    let before = sprintdeck::store::sync_state::cursor(store.pool(), "jira", "issues")
        .await
        .expect("cursor");
    fake.state
        .lock()
        .expect("lock")
        .faults
        .push_back(Fault::Malformed);
    let err = run(&store, &config, &options())
        .await
        .expect_err("malformed");
    assert!(err.contains("unexpected answer"), "{err}");
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM issues WHERE gone_at IS NULL").await,
        4
    );
    assert_eq!(
        sprintdeck::store::sync_state::cursor(store.pool(), "jira", "issues")
            .await
            .expect("cursor"),
        before
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM sync_runs WHERE state = 'failed'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_sync_stopped_midway_resumes_without_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(empty_store(&dir).await);
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    fake.state
        .lock()
        .expect("lock")
        .page_faults
        .insert(1, Fault::Delay(Duration::from_secs(30)));
    let config = config(&fake.server.uri(), "deployment = \"data_center\"\n");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = {
        let (store, config) = (Arc::clone(&store), config.clone());
        tokio::spawn(async move {
            let (sleeper, _) = recording_sleeper();
            let _ =
                sync::run::pass(&store, &config, None, &options(), Some(sleeper), Some(&tx)).await;
        })
    };
    while let Some(e) = rx.recv().await {
        if matches!(e, SyncEvent::Page { issues: 2, .. }) {
            break;
        }
    }
    task.abort();
    let _ = task.await;
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 2);
    fake.state.lock().expect("lock").page_faults.clear();
    run(&store, &config, &options()).await.expect("resumes");
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 4);
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM status_events").await,
        8
    );
}

#[test]
fn field_discovery_finds_points_and_sprint_by_name_and_schema_and_the_config_wins() {
    let list: Vec<FieldDef> =
        serde_json::from_value(read("jira/fields.assembled.json")).expect("fields");
    let found = fields::discover(&list, &std::collections::BTreeMap::default());
    assert_eq!(
        found.story_points.as_deref(),
        Some("customfield_10016"),
        "not 'Original story points'"
    );
    assert_eq!(found.sprint.as_deref(), Some("customfield_10020"));
    assert_eq!(found.epic_link.as_deref(), Some("customfield_10014"));
    let overrides = [("story_points".to_owned(), "customfield_10111".to_owned())].into();
    let chosen = fields::discover(&list, &overrides);
    assert_eq!(chosen.story_points.as_deref(), Some("customfield_10111"));
    assert_eq!(chosen.points_fields, ["customfield_10111"]);
    let none = fields::discover(&[], &std::collections::BTreeMap::default());
    assert_eq!(
        none,
        fields::FieldIds {
            version: fields::DISCOVERY_VERSION,
            ..fields::FieldIds::default()
        }
    );
}

#[test]
fn adf_converts_to_stable_text() {
    let text = adf::to_text(&read("jira/adf-document-many-node-types.json"));
    for expected in ["| ---", "```", "> **", "- ", "1. ", "**"] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
    insta::assert_snapshot!("adf_many_node_types", text);
    assert_eq!(adf::to_text(&json!("plain")), "plain");
    assert_eq!(
        adf::to_text(
            &json!({"type": "doc", "content": [{"type": "weird", "content": [{"type": "text", "text": "kept"}]}]})
        ),
        "kept"
    );
}

#[test]
fn the_2025_cloud_issue_maps_with_its_sprint_parent_and_adf_description() {
    let list: Vec<FieldDef> =
        serde_json::from_value(read("jira/fields.assembled.json")).expect("fields");
    let ids = fields::discover(&list, &std::collections::BTreeMap::default());
    let issue = read("jira/issue-cloud-2025-adf-sprint-timetracking.json");
    let b = map::batch(
        "jira",
        "https://example.atlassian.net",
        &[issue],
        &ids,
        now(),
    )
    .expect("maps");
    let i = &b.issues[0];
    assert_eq!(i.key, "SCRUM-10");
    assert_eq!(i.status_category, StatusCategory::InProgress);
    assert_eq!(i.parent_key.as_deref(), Some("SCRUM-1"));
    assert!(
        i.description.starts_with("Create a logging system"),
        "{}",
        i.description
    );
    assert_eq!(
        i.due_date.map(|d| d.to_string()).as_deref(),
        Some("2025-12-31")
    );
    assert_eq!(b.sprints.len(), 1);
    let s = &b.sprints[0];
    assert_eq!(
        (s.name.as_str(), s.state),
        ("SCRUM Sprint 0", SprintState::Active)
    );
    assert!(s.start_at.is_some() && s.end_at.is_some());
    assert_eq!(b.memberships.len(), 1);
    let plain = read("jira/issue-cloud-2025-no-adf.json");
    let b = map::batch(
        "jira",
        "https://example.atlassian.net",
        &[plain],
        &ids,
        now(),
    )
    .expect("maps");
    assert!(!b.issues[0].description.is_empty());
}

#[test]
fn legacy_sprint_strings_parse() {
    let v = read("jira/legacy-sprint-field.derived.json");
    let list = sprints::from_field(&v["customfield_11458"]);
    assert_eq!(list.len(), 2);
    assert_eq!(
        (
            list[0].remote_id.as_str(),
            list[0].name.as_str(),
            list[0].state
        ),
        ("1", "Sprint 1", SprintState::Closed)
    );
    assert_eq!(list[0].goal.as_deref(), Some("Sprint 1 goal"));
    assert_eq!(
        list[0].start_at.map(|t| t.to_rfc3339()),
        Some("2016-06-06T11:30:53.537+00:00".to_owned())
    );
    assert_eq!(
        (list[1].state, list[1].start_at),
        (SprintState::Future, None)
    );
}

#[test]
fn changelog_gives_status_events_and_sprint_joins() {
    let log = read("jira/changelog-status-and-sprint.derived.json");
    let h = changelog::read(
        "TT-1",
        &changelog::histories(&log),
        Some("customfield_10020"),
        &map::category_of_name,
    );
    let steps: Vec<(Option<&str>, &str, StatusCategory)> = h
        .events
        .iter()
        .map(|e| {
            (
                e.from_status.as_deref(),
                e.to_status.as_str(),
                e.to_category,
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (Some("To Do"), "In Progress", StatusCategory::InProgress),
            (Some("In Progress"), "Done", StatusCategory::Done)
        ]
    );
    assert_eq!(h.joined.len(), 1);
    assert_eq!(h.joined[0].0, "2");
    assert!(h.left.is_empty());
    // The same change read backwards (the issue taken out of sprint 2) is a departure.
    let mut back = log.clone();
    let item = &mut back["values"][1]["items"][1];
    item["from"] = Value::from("2");
    item["to"] = Value::from("");
    let h = changelog::read(
        "TT-1",
        &changelog::histories(&back),
        Some("customfield_10020"),
        &map::category_of_name,
    );
    assert_eq!(h.left.len(), 1);
    assert_eq!(h.left[0].0, "2");
    assert_eq!(h.events[0].remote_id.as_deref(), Some("changelog:10001:0"));
}

#[tokio::test]
async fn webhooks_with_a_good_signature_are_stored_and_a_bad_one_is_refused() {
    use hmac::Mac;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(empty_store(&dir).await);
    let receiver = sprintdeck::sync::webhook::Receiver {
        store: Arc::clone(&store),
        gitlab: Vec::new(),
        jira: vec![sprintdeck::sync::webhook::JiraHook {
            name: "jira".into(),
            secret: sprintdeck::config::secrets::Secret::new("hook-secret"),
            base_url: "https://example.atlassian.net".into(),
            scope: sprintdeck::sync::webhook::Scope {
                projects: vec!["SCRUM".into()],
                ..Default::default()
            },
        }],
        clock: sprintdeck::clock::Clock::frozen(now()),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/webhooks/jira",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            sprintdeck::sync::webhook::router(Arc::new(receiver)),
        )
        .await;
    });
    // The documented delivery envelope around the 2025 issue fixture, with a status change.
    let body = serde_json::to_vec(&json!({
        "timestamp": 1_752_100_000_000_i64,
        "webhookEvent": "jira:issue_updated",
        "issue": read("jira/issue-cloud-2025-no-adf.json"),
        "changelog": { "id": "20001", "items": [
            { "field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10000",
              "fromString": "To Do", "to": "10001", "toString": "In Progress" }
        ]}
    }))
    .expect("body");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"hook-secret").expect("key");
    mac.update(&body);
    let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let client = reqwest::Client::new();
    let send = |sig: String| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-hub-signature", sig)
            .header("x-atlassian-webhook-identifier", "delivery-1")
            .body(body.clone())
            .send()
    };
    let bad = send("sha256=00".into()).await.expect("answer");
    assert_eq!(bad.status().as_u16(), 401);
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 0);
    let ok = send(good.clone()).await.expect("answer");
    assert_eq!(ok.status().as_u16(), 200, "{:?}", ok.text().await);
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 1);
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM status_events WHERE source = 'webhook'"
        )
        .await,
        1
    );
    let again = send(good).await.expect("answer");
    assert!(again.text().await.unwrap_or_default().contains("duplicate"));
}

/// `doctor` asks the Jira source who the token is, whether the projects are visible, and which
/// fields hold points and sprints; `sync --once` from the binary stores the issues.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_and_sync_once_from_the_command_line() {
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    let env = crate::common::BinaryEnv::new(
        &format!(
            "[[jira]]\nname = \"jira\"\nbase_url = \"{}\"\nemail = \"me@example.com\"\nprojects = [\"TEST\"]\ntoken_env = \"SD_JIRA_TOKEN\"\n",
            fake.server.uri()
        ),
        ("SD_JIRA_TOKEN", "atlassian-secret"),
    );
    let run = |args: &'static [&'static str]| env.run(args);
    let o = run(&["doctor"]).await;
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("signed in as Person A"), "{out}");
    assert!(out.contains("project TEST visible"), "{out}");
    assert!(
        out.contains("story points customfield_10016, sprint customfield_10020"),
        "{out}"
    );
    let o = run(&["sync", "--once"]).await;
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("jira: done: ") && err.contains("4 issues seen"),
        "{err}"
    );
    assert!(!err.contains("atlassian-secret"));
}

#[tokio::test]
async fn a_board_only_source_searches_by_the_board_filter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeJira::start(three_pages(Some(Value::from("")))).await;
    let config: Config = toml::from_str(&format!(
        "[[jira]]\nname = \"jira\"\nbase_url = \"{}\"\nemail = \"me@example.com\"\nboards = [84]\ntoken = \"t\"\n",
        fake.server.uri()
    ))
    .expect("config");
    run(&store, &config, &options()).await.expect("sync");
    let requests = fake.server.received_requests().await.unwrap_or_default();
    let jql: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/rest/api/3/search/jql")
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter_map(|b| b["jql"].as_str().map(str::to_owned))
        .collect();
    assert!(!jql.is_empty());
    assert!(
        jql.iter().all(|j| j.starts_with("(filter = 1001)")),
        "{jql:?}"
    );
    // Remembered: the next pass asks for the board configuration no more.
    let asked = fake.count("/rest/agile/1.0/board/84/configuration").await;
    run(&store, &config, &options()).await.expect("sync");
    assert_eq!(
        fake.count("/rest/agile/1.0/board/84/configuration").await,
        asked
    );
}

#[test]
fn board_columns_give_status_categories_by_position() {
    let config = read("jira/rest-agile-1.0-board-id-configuration.GET.200.json");
    let columns = fields::board_columns(&config);
    assert_eq!(columns.get("1"), Some(&StatusCategory::Todo));
    assert_eq!(columns.get("4"), Some(&StatusCategory::Todo));
    assert_eq!(columns.get("3"), Some(&StatusCategory::InProgress));
    assert_eq!(columns.get("5"), Some(&StatusCategory::Done));
    // The board wins over the category Jira gives the status.
    let ids = fields::FieldIds {
        status_columns: columns,
        ..fields::FieldIds::default()
    };
    let issue = json!({"key": "PROJ-1", "fields": {
        "summary": "s", "created": "2025-07-05T14:34:59",
        "status": {"id": "3", "name": "Review", "statusCategory": {"key": "new"}}
    }});
    let b = map::batch("jira", "https://x", &[issue], &ids, now()).expect("maps");
    assert_eq!(b.issues[0].status_category, StatusCategory::InProgress);
}

#[test]
fn an_agile_api_issue_gives_its_sprint_and_closed_sprints() {
    let issue = read("jira/rest-agile-1.0-sprint-id-issue.GET.200.json");
    let b = map::batch(
        "jira",
        "https://x",
        &[issue],
        &fields::FieldIds::default(),
        now(),
    )
    .expect("maps");
    // The documented example gives its current and its closed sprint the same id (37): one
    // sprint, one membership; the closed sprint's own fields still parse.
    assert_eq!(b.sprints.len(), 1);
    assert_eq!(
        (b.sprints[0].name.as_str(), b.sprints[0].state),
        ("sprint 2", SprintState::Future)
    );
    assert_eq!(b.memberships.len(), 1);
    let closed = sprints::from_field(
        &read("jira/rest-agile-1.0-sprint-id-issue.GET.200.json")["fields"]["closedSprints"],
    );
    assert_eq!(
        (closed[0].name.as_str(), closed[0].state),
        ("sprint 1", SprintState::Closed)
    );
    assert!(closed[0].start_at.is_some() && closed[0].completed_at.is_some());
}

/// The changelog's sprint change sets when the issue joined the sprint its sprint field names.
#[tokio::test]
async fn a_sprint_join_in_the_changelog_dates_the_membership() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let page = json!({
        "isLast": true,
        "nextPageToken": "",
        "issues": [read("jira/issue-cloud-2025-adf-sprint-timetracking.json")]
    });
    let fake = FakeJira::start(vec![page]).await;
    run(&store, &config(&fake.server.uri(), ""), &options())
        .await
        .expect("bootstrap");
    let (sprint, added): (String, String) = sqlx::query_as(
        "SELECT s.name, m.added_at FROM sprint_issues m JOIN sprints s ON s.id = m.sprint_id",
    )
    .fetch_one(store.pool())
    .await
    .expect("a membership");
    assert_eq!(sprint, "SCRUM Sprint 0");
    // The derived changelog adds the issue to sprint 2 at 1970-01-18T06:27:51.429+0000.
    assert_eq!(added, "1970-01-18T06:27:51Z");
}
