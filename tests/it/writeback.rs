//! Write-back of applied proposals against a fake GitLab and a fake Jira on 127.0.0.1: the
//! request shapes, a create that timed out made once, the Jira transition chosen by its target
//! status, and a dry run that sends nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use sprintdeck::domain::proposal::{Change, Kind};
use sprintdeck::store::Store;
use sprintdeck::store::proposals::{self, NewProposal};
use sprintdeck::sync::writeback;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{empty_store, now};
use crate::fake_gitlab::{FakeGitlab, PROJECT_PATH, Paging, issue};
use crate::gitlab_sync::{options, recording_sleeper, run};

fn proposal(changes: Vec<Change>) -> NewProposal {
    NewProposal {
        kind: Kind::Manual,
        title: "write-back".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes,
        author: "ana.souza".into(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    }
}

async fn one(store: &Store, sql: &'static str) -> String {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

/// Answers the create slowly (the client gives up) but remembers it happened.
struct SlowCreate(Arc<AtomicBool>);

impl Respond for SlowCreate {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.store(true, Ordering::SeqCst);
        ResponseTemplate::new(201)
            .set_body_json(created())
            .set_delay(Duration::from_secs(3))
    }
}

fn created() -> Value {
    let mut v = issue(77, now(), false, &["finance"]);
    v["title"] = json!("Write the CSV writer");
    v
}

/// The marker search: nothing until the create went through, then the new issue.
struct Search(Arc<AtomicBool>);

impl Respond for Search {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let found = if self.0.load(Ordering::SeqCst) {
            json!([created()])
        } else {
            json!([])
        };
        ResponseTemplate::new(200).set_body_json(found)
    }
}

#[tokio::test]
async fn gitlab_gets_state_notes_and_one_issue_for_a_create_that_timed_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let t = now() - chrono::Duration::hours(3);
    let fake = FakeGitlab::start(
        vec![issue(1, t, false, &[]), issue(2, t, false, &[])],
        Paging::Keyset,
    )
    .await;
    run(&store, &fake, &options()).await.expect("sync");
    let status = one(&store, "SELECT status FROM issues WHERE key LIKE '%#1'").await;
    let project = one(&store, "SELECT key FROM projects LIMIT 1").await;
    let changes = vec![
        Change::SetStatus {
            key: format!("{PROJECT_PATH}#1"),
            from: status,
            to: "Closed".into(),
            to_category: "done".into(),
        },
        Change::Comment {
            key: format!("{PROJECT_PATH}#2"),
            body: "Moved out of the sprint: blocked on the vendor.".into(),
        },
        Change::Create {
            temp_key: "new-1".into(),
            project,
            issue_type: "task".into(),
            title: "Write the CSV writer".into(),
            description: "Export invoices.".into(),
            acceptance_criteria: vec!["A CSV per month".into()],
            points: Some(2.0),
            labels: vec!["finance".into()],
            sprint: None,
            parent: None,
        },
    ];
    proposals::create_and_apply(&store, proposal(changes), true, now())
        .await
        .expect("applies");
    let happened = Arc::new(AtomicBool::new(false));
    // The issue as GitLab shows it now: still open, as when the change was made.
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues/1$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue(1, t, false, &[])))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("PUT"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues/1$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues/2/notes$"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 1 })))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues$"))
        .and(query_param("in", "description"))
        .respond_with(Search(Arc::clone(&happened)))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues$"))
        .respond_with(SlowCreate(Arc::clone(&happened)))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let mut config = crate::gitlab_sync::config(&fake.server.uri());
    config.sync.timeout_secs = 1;
    let (sleeper, _) = recording_sleeper();
    let outcomes = writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        Some(sleeper),
    )
    .await
    .expect("pushes");
    assert_eq!(outcomes.len(), 3);
    for o in &outcomes {
        assert!(o.result.is_ok(), "{o:?}");
    }
    let requests = fake.server.received_requests().await.unwrap_or_default();
    let body = |m: &str, p: &str| -> Vec<Value> {
        requests
            .iter()
            .filter(|r| r.method.as_str() == m && r.url.path().ends_with(p))
            .map(|r| serde_json::from_slice(&r.body).expect("json body"))
            .collect()
    };
    assert_eq!(
        body("PUT", "/issues/1"),
        [json!({ "state_event": "close" })]
    );
    assert_eq!(
        body("POST", "/issues/2/notes"),
        [json!({ "body": "Moved out of the sprint: blocked on the vendor." })]
    );
    let creates = body("POST", "/issues");
    assert_eq!(
        creates.len(),
        1,
        "a create that timed out is not sent again"
    );
    let searches = requests
        .iter()
        .filter(|r| {
            r.method.as_str() == "GET"
                && r.url.query().is_some_and(|q| q.contains("in=description"))
        })
        .count();
    assert_eq!(
        searches, 2,
        "looked for before the create and again after it timed out"
    );
    assert_eq!(creates[0]["title"], "Write the CSV writer");
    assert_eq!(creates[0]["weight"], 2);
    assert_eq!(creates[0]["labels"], "finance");
    let description = creates[0]["description"].as_str().expect("description");
    assert!(description.contains("- A CSV per month"), "{description}");
    assert!(
        description.contains("<!-- sprintdeck-outbox-"),
        "{description}"
    );
    // The local issue now has the tracker's identity, so the next sync updates it in place.
    let key = one(
        &store,
        "SELECT key FROM issues WHERE title = 'Write the CSV writer'",
    )
    .await;
    assert_eq!(key, format!("{PROJECT_PATH}#77"));
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'sent'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(sent, 3);
    let again = writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    assert!(again.is_empty(), "sent rows are not sent twice");
}

pub async fn jira_store(dir: &tempfile::TempDir) -> Store {
    let store = empty_store(dir).await;
    store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                for sql in [
                    "INSERT INTO projects (source, source_name, remote_id, key, name) VALUES ('jira', 'cloud', '10000', 'SCRUM', 'Scrum')",
                    "INSERT INTO issues (project_id, source, remote_id, key, issue_type, title, status, status_category, created_at, updated_at) \
                     VALUES (1, 'jira', '10001', 'SCRUM-1', 'story', 'Checkout', 'In Progress', 'in_progress', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                ] {
                    sqlx::query(sql).execute(&mut *c).await?;
                }
                Ok(())
            })
        })
        .await
        .expect("rows");
    store
}

/// Applies `changes` as a proposal and pushes them to the fake Jira.
async fn apply_and_push(
    store: &Store,
    server: &MockServer,
    changes: Vec<Change>,
) -> Vec<writeback::Outcome> {
    proposals::create_and_apply(store, proposal(changes), true, now())
        .await
        .expect("applies");
    writeback::push(
        store,
        &jira_config(&server.uri()),
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes")
}

pub fn jira_config(url: &str) -> sprintdeck::config::Config {
    toml::from_str(&format!(
        "[[jira]]\nname = \"cloud\"\nbase_url = \"{url}\"\ndeployment = \"cloud\"\nemail = \"a@example.com\"\nprojects = [\"SCRUM\"]\ntoken = \"t\"\n"
    ))
    .expect("config")
}

#[tokio::test]
async fn jira_takes_the_transition_whose_target_is_the_status_and_comments_in_adf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    let server = MockServer::start().await;
    let transitions: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::fixture(
            "jira/rest-api-3-issue-key-transitions.GET.200.json",
        ))
        .expect("fixture"),
    )
    .expect("json");
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1/transitions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(transitions))
        .mount(&server)
        .await;
    mount_status(&server, "In Progress").await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/search/jql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "issues": [] })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({ "id": "10002", "key": "SCRUM-2", "self": "https://x/rest/api/3/issue/10002" }),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let changes = vec![
        Change::SetStatus {
            key: "SCRUM-1".into(),
            from: "In Progress".into(),
            to: "Closed".into(),
            to_category: "done".into(),
        },
        Change::Comment {
            key: "SCRUM-1".into(),
            body: "Shipped.\n\nSee the release notes.".into(),
        },
        Change::Create {
            temp_key: "new-1".into(),
            project: "SCRUM".into(),
            issue_type: "story".into(),
            title: "Export invoices".into(),
            description: "As an accountant I want a CSV.".into(),
            acceptance_criteria: vec!["One file per month".into()],
            points: None,
            labels: vec!["finance".into()],
            sprint: None,
            parent: None,
        },
    ];
    proposals::create_and_apply(&store, proposal(changes), true, now())
        .await
        .expect("applies");
    // A dry run reads the transitions but writes nothing.
    let config = jira_config(&server.uri());
    let dry = writeback::push(
        &store,
        &config,
        None,
        true,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("dry run");
    let listed: Vec<String> = dry
        .iter()
        .flat_map(|o| o.result.as_ref().expect("ok").writes.clone())
        .collect();
    assert_eq!(listed.len(), 3);
    assert!(
        listed[0].starts_with("POST ") && listed[0].contains("\"711\""),
        "{listed:?}"
    );
    // Writes only: the marker search is a POST that reads.
    let posts = |reqs: &[Request]| {
        reqs.iter()
            .filter(|r| r.method.as_str() == "POST" && !r.url.path().ends_with("/search/jql"))
            .count()
    };
    assert_eq!(
        posts(&server.received_requests().await.unwrap_or_default()),
        0,
        "a dry run sends nothing"
    );
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'pending'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(pending, 3, "and records nothing");
    let outcomes = writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    let requests = server.received_requests().await.unwrap_or_default();
    let bodies: Vec<(String, Value)> = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST" && !r.url.path().ends_with("/search/jql"))
        .map(|r| {
            (
                r.url.path().to_owned(),
                serde_json::from_slice(&r.body).expect("json"),
            )
        })
        .collect();
    // Every body matches the request schema Jira's OpenAPI spec gives for its endpoint (which
    // does reject a wrong shape).
    assert!(!spec_errors("IssueUpdateDetails", &json!({ "transition": "711" })).is_empty());
    for (path, body) in &bodies {
        let schema = if path.ends_with("/comment") {
            "Comment"
        } else {
            "IssueUpdateDetails"
        };
        let errors = spec_errors(schema, body);
        assert!(errors.is_empty(), "{path}: {errors:?}");
    }
    let create = &bodies[2];
    assert_eq!(create.0, "/rest/api/3/issue");
    assert_eq!(create.1["fields"]["project"], json!({ "key": "SCRUM" }));
    assert_eq!(create.1["fields"]["issuetype"], json!({ "name": "Story" }));
    assert_eq!(create.1["fields"]["description"]["type"], "doc");
    let created = one(
        &store,
        "SELECT key FROM issues WHERE title = 'Export invoices'",
    )
    .await;
    assert_eq!(
        created, "SCRUM-2",
        "the local issue takes the tracker's key"
    );
    // "QA Review" (711) leads to Closed; "Close Issue" (2) leads to In Progress.
    assert_eq!(
        bodies[0],
        (
            "/rest/api/3/issue/SCRUM-1/transitions".to_owned(),
            json!({ "transition": { "id": "711" } })
        )
    );
    assert_eq!(bodies[1].0, "/rest/api/3/issue/SCRUM-1/comment");
    assert_eq!(
        bodies[1].1,
        json!({ "body": { "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [{ "type": "text", "text": "Shipped." }] },
            { "type": "paragraph", "content": [{ "type": "text", "text": "See the release notes." }] }
        ] } })
    );
}

#[tokio::test]
async fn a_status_the_workflow_cannot_reach_fails_the_row_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1/transitions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "transitions": [
            { "id": "5", "name": "Start", "to": { "name": "In Progress" } }
        ] })),
        )
        .mount(&server)
        .await;
    mount_status(&server, "In Progress").await;
    let change = Change::SetStatus {
        key: "SCRUM-1".into(),
        from: "In Progress".into(),
        to: "Done".into(),
        to_category: "done".into(),
    };
    let outcomes = apply_and_push(&store, &server, vec![change]).await;
    let err = outcomes[0].result.clone().expect_err("no way there");
    assert!(
        err.contains("no transition to \"Done\"") && err.contains("In Progress"),
        "{err}"
    );
    let (state, why): (String, String) =
        sqlx::query_as("SELECT state, last_error FROM outbox LIMIT 1")
            .fetch_one(store.pool())
            .await
            .expect("row");
    assert_eq!(state, "failed");
    assert!(why.contains("no transition"), "{why}");
    // The issue's detail says so too.
    let id: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE key = 'SCRUM-1'")
        .fetch_one(store.pool())
        .await
        .expect("id");
    let detail = sprintdeck::store::detail::issue_detail(store.pool(), id)
        .await
        .expect("detail");
    assert!(
        detail
            .pushes
            .iter()
            .any(|p| p.starts_with("set_status: failed") && p.contains("no transition")),
        "{:?}",
        detail.pushes
    );
}

/// Jira's answer to `GET /issue/SCRUM-1?fields=status`.
async fn mount_status(server: &MockServer, status: &str) {
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({ "key": "SCRUM-1", "fields": { "status": { "name": status } } }),
            ),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_status_changed_on_the_tracker_since_is_a_conflict_not_an_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    let server = MockServer::start().await;
    // Someone closed it in Jira after the proposal was applied here.
    mount_status(&server, "Done").await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let change = Change::SetStatus {
        key: "SCRUM-1".into(),
        from: "In Progress".into(),
        to: "In Review".into(),
        to_category: "in_progress".into(),
    };
    let outcomes = apply_and_push(&store, &server, vec![change]).await;
    let err = outcomes[0].result.clone().expect_err("a conflict");
    assert!(
        err.contains("conflict") && err.contains("\"Done\""),
        "{err}"
    );
    let writes = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .count();
    assert_eq!(writes, 0, "nothing overwritten");
}

#[tokio::test]
async fn the_next_sync_confirms_a_push_or_marks_a_differing_tracker_as_a_conflict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    let server = MockServer::start().await;
    mount_status(&server, "In Progress").await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1/transitions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "transitions": [
            { "id": "5", "name": "Review", "to": { "name": "In Review" } }
        ] })),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let config = jira_config(&server.uri());
    let to_review = |from: &str, to: &str| Change::SetStatus {
        key: "SCRUM-1".into(),
        from: from.into(),
        to: to.into(),
        to_category: "in_progress".into(),
    };
    proposals::create_and_apply(
        &store,
        proposal(vec![to_review("In Progress", "In Review")]),
        true,
        now(),
    )
    .await
    .expect("applies");
    writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    // A sync that started after the push finds the tracker as pushed: confirmed.
    let later = now() + chrono::Duration::minutes(5);
    assert_eq!(
        writeback::confirm(&store, "cloud", later)
            .await
            .expect("confirm"),
        (1, 0)
    );
    let confirmed: Option<String> = sqlx::query_scalar("SELECT confirmed_at FROM outbox")
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert!(confirmed.is_some());
    // Someone moves it on the tracker after a second push; the sync brings that value.
    proposals::create_and_apply(
        &store,
        proposal(vec![to_review("In Review", "In Progress")]),
        true,
        now(),
    )
    .await
    .expect("applies");
    // (The tracker is still at In Review, the value this change replaces.)
    server.reset().await;
    mount_status(&server, "In Review").await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1/transitions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "transitions": [
            { "id": "7", "name": "Back", "to": { "name": "In Progress" } }
        ] })),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                sqlx::query("UPDATE issues SET status = 'Blocked' WHERE key = 'SCRUM-1'")
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("a sync's update");
    assert_eq!(
        writeback::confirm(&store, "cloud", later)
            .await
            .expect("confirm"),
        (0, 1)
    );
    let (state, why): (String, String) = sqlx::query_as(
        "SELECT state, last_error FROM outbox WHERE confirmed_at IS NULL AND operation = 'set_status'",
    )
    .fetch_one(store.pool())
    .await
    .expect("row");
    assert_eq!(state, "failed");
    assert!(
        why.contains("the tracker shows Blocked, not In Progress"),
        "{why}"
    );
    // Pushing again does not overwrite: the tracker no longer shows what the change replaced.
    server.reset().await;
    mount_status(&server, "Blocked").await;
    let again = writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    assert!(
        again[0]
            .result
            .as_ref()
            .is_err_and(|e| e.contains("conflict")),
        "{again:?}"
    );
    let writes = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .count();
    assert_eq!(writes, 0);
}

/// What is wrong with `body` by the Jira Cloud `OpenAPI` schema named `name`.
pub fn spec_errors(name: &str, body: &Value) -> Vec<String> {
    let mut spec: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::fixture(
            "jira/openapi-write-schemas.DERIVED.json",
        ))
        .expect("fixture"),
    )
    .expect("json");
    spec["$ref"] = json!(format!("#/components/schemas/{name}"));
    let validator = jsonschema::validator_for(&spec).expect("a schema");
    validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[tokio::test]
async fn a_gitlab_sprint_move_sets_the_milestone_and_an_iteration_stays_local() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let t = now() - chrono::Duration::hours(3);
    let fake = FakeGitlab::start(
        vec![issue(1, t, false, &[]), issue(2, t, false, &[])],
        Paging::Keyset,
    )
    .await;
    run(&store, &fake, &options()).await.expect("sync");
    store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                for (remote, name) in [("milestone:42", "Release 3"), ("iteration:7", "Iteration 7")] {
                    sqlx::query(
                        "INSERT INTO sprints (source, source_name, remote_id, name, state) VALUES ('gitlab', 'work', ?, ?, 'future')",
                    )
                    .bind(remote)
                    .bind(name)
                    .execute(&mut *c)
                    .await?;
                }
                Ok(())
            })
        })
        .await
        .expect("sprints");
    let current = |n: u32| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT (SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
                 WHERE si.issue_id = i.id AND si.removed_at IS NULL AND s.state != 'closed' ORDER BY s.start_at DESC LIMIT 1) \
                 FROM issues i WHERE i.key LIKE '%#' || ?",
            )
            .bind(n)
            .fetch_one(&pool)
            .await
            .expect("sprint")
        }
    };
    let changes = vec![
        Change::MoveToSprint {
            key: format!("{PROJECT_PATH}#1"),
            from: current(1).await,
            to: "Release 3".into(),
        },
        Change::MoveToSprint {
            key: format!("{PROJECT_PATH}#2"),
            from: current(2).await,
            to: "Iteration 7".into(),
        },
    ];
    proposals::create_and_apply(&store, proposal(changes), true, now())
        .await
        .expect("applies");
    let config = crate::gitlab_sync::config(&fake.server.uri());
    let outcomes = writeback::push(
        &store,
        &config,
        None,
        true,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("dry run");
    let writes = &outcomes[0].result.as_ref().expect("a milestone").writes;
    assert_eq!(writes.len(), 1);
    assert!(
        writes[0].starts_with("PUT ") && writes[0].ends_with("{\"milestone_id\":42}"),
        "{writes:?}"
    );
    let err = outcomes[1].result.clone().expect_err("an iteration");
    assert!(
        err.contains("iteration") && err.contains("stays local"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unlink_deletes_the_blocks_link_jira_lists_for_the_issue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                for sql in [
                    "INSERT INTO issues (project_id, source, remote_id, key, issue_type, title, status, status_category, created_at, updated_at) \
                     VALUES (1, 'jira', '10005', 'SCRUM-9', 'task', 'Rate limiting', 'In Progress', 'in_progress', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                    "INSERT INTO issue_links (from_issue_id, to_issue_id, kind) VALUES (1, 2, 'blocks')",
                ] {
                    sqlx::query(sql).execute(&mut *c).await?;
                }
                Ok(())
            })
        })
        .await
        .expect("rows");
    // The recorded issue, its first link (to SCRUM-9) made a Blocks link for this case.
    let mut recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::fixture(
            "jira/issue-cloud-2025-adf-sprint-timetracking.json",
        ))
        .expect("fixture"),
    )
    .expect("json");
    recorded["fields"]["issuelinks"][0]["type"]["name"] = json!("Blocks");
    let link_id = recorded["fields"]["issuelinks"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let unlink = Change::Unlink {
        from: "SCRUM-1".into(),
        to: "SCRUM-9".into(),
    };
    let outcomes = apply_and_push(&store, &server, vec![unlink]).await;
    assert!(outcomes[0].result.is_ok(), "{outcomes:?}");
    let deleted: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(deleted, [format!("/rest/api/3/issueLink/{link_id}")]);
}

#[tokio::test]
async fn a_gitlab_unlink_deletes_the_relation_gitlab_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let t = now() - chrono::Duration::hours(3);
    let fake = FakeGitlab::start(
        vec![issue(1, t, false, &[]), issue(2, t, false, &[])],
        Paging::Keyset,
    )
    .await;
    run(&store, &fake, &options()).await.expect("sync");
    store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO issue_links (from_issue_id, to_issue_id, kind) \
                     SELECT a.id, b.id, 'blocks' FROM issues a, issues b WHERE a.key LIKE '%#1' AND b.key LIKE '%#2'",
                )
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .expect("link");
    // "List issue relations": the linked issue with the relation's id and type (the item schema
    // of listIssueRelationsResponse in GitLab's OpenAPI spec).
    let mut related = issue(2, t, false, &[]);
    related["issue_link_id"] = json!(55);
    related["link_type"] = json!("blocks");
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues/1/links$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([related])))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&fake.server)
        .await;
    let unlink = Change::Unlink {
        from: format!("{PROJECT_PATH}#1"),
        to: format!("{PROJECT_PATH}#2"),
    };
    proposals::create_and_apply(&store, proposal(vec![unlink]), true, now())
        .await
        .expect("applies");
    let config = crate::gitlab_sync::config(&fake.server.uri());
    let outcomes = writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    assert!(outcomes[0].result.is_ok(), "{outcomes:?}");
    let deleted: Vec<String> = fake
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].ends_with("/issues/1/links/55"), "{deleted:?}");
}

#[tokio::test]
async fn story_points_changed_in_jira_since_are_a_conflict_and_equal_ones_are_not_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    let server = MockServer::start().await;
    let fields: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::fixture("jira/fields.assembled.json"))
            .expect("fixture"),
    )
    .expect("json");
    Mock::given(method("GET"))
        .and(path("/rest/api/3/field"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fields))
        .mount(&server)
        .await;
    // Someone estimated it 8 in Jira; sprintdeck's change was from nothing to 5.
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "key": "SCRUM-1", "fields": { "customfield_10016": 8 } })),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let points = |to: &str| Change::SetField {
        key: "SCRUM-1".into(),
        field: sprintdeck::domain::proposal::Field::Points,
        from: None,
        to: Some(to.into()),
    };
    proposals::create_and_apply(&store, proposal(vec![points("5")]), true, now())
        .await
        .expect("applies");
    let config = jira_config(&server.uri());
    let outcomes = writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    let err = outcomes[0].result.clone().expect_err("a conflict");
    assert!(err.contains("points is 8 in Jira, not empty"), "{err}");
    let puts = |reqs: Vec<Request>| reqs.iter().filter(|r| r.method.as_str() == "PUT").count();
    assert_eq!(
        puts(server.received_requests().await.unwrap_or_default()),
        0
    );
    // Someone set it to 5 in Jira too: the failed row goes through without sending anything.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/SCRUM-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "key": "SCRUM-1", "fields": { "customfield_10016": 5.0 } })),
        )
        .mount(&server)
        .await;
    let again = writeback::push(
        &store,
        &config,
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    assert!(again[0].result.is_ok(), "{again:?}");
    assert_eq!(
        puts(server.received_requests().await.unwrap_or_default()),
        0
    );
}
