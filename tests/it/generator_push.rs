//! An applied generated backlog goes to the trackers as a hierarchy: Jira gets Epic → Story →
//! Sub-task with parent keys and ADF descriptions (checked against its published request
//! schema); GitLab gets labelled issues linked to their parents. Children wait for parents.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use sprintdeck::domain::proposal::Kind;
use sprintdeck::generator::Backlog;
use sprintdeck::store::Store;
use sprintdeck::store::proposals::{self, NewProposal};
use sprintdeck::sync::writeback;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{empty_store, now};
use crate::fake_gitlab::{FakeGitlab, PROJECT_PATH, Paging, issue};
use crate::writeback::{jira_config, jira_store, spec_errors};

fn backlog(project: &str) -> Backlog {
    let mut b: Backlog =
        serde_json::from_str(&crate::generator::text_of("valid")).expect("backlog");
    project.clone_into(&mut b.project);
    b
}

async fn apply(store: &Store, backlog: &Backlog) {
    let proposal = NewProposal {
        kind: Kind::Backlog,
        title: "Backlog: Invoice export".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes: backlog.changes(None),
        author: "llm:test".into(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    };
    proposals::create_and_apply(store, proposal, true, now())
        .await
        .expect("applies");
}

/// Jira's create answer: the next key each time.
struct JiraCreate(Arc<AtomicU64>);

impl Respond for JiraCreate {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(201).set_body_json(json!({
            "id": (20_000 + n).to_string(),
            "key": format!("SCRUM-{n}"),
            "self": format!("https://x/rest/api/3/issue/{}", 20_000 + n),
        }))
    }
}

/// GitLab's create answer: the next issue number each time.
struct GitlabCreate(Arc<AtomicU64>);

impl Respond for GitlabCreate {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(201).set_body_json(issue(n, now(), false, &[]))
    }
}

fn bodies(requests: &[Request], m: &str, suffix: &str) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r.method.as_str() == m && r.url.path().ends_with(suffix))
        .map(|r| serde_json::from_slice(&r.body).expect("json body"))
        .collect()
}

#[tokio::test]
async fn jira_gets_epic_story_and_sub_tasks_with_parents_and_adf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/search/jql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "issues": [] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue"))
        .respond_with(JiraCreate(Arc::new(AtomicU64::new(10))))
        .mount(&server)
        .await;
    apply(&store, &backlog("SCRUM")).await;
    // The hierarchy exists locally at once.
    let local: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT c.issue_type, p.issue_type FROM issues c LEFT JOIN issues p ON p.id = c.parent_id \
         WHERE c.remote_id LIKE 'local:%' ORDER BY c.id",
    )
    .fetch_all(store.pool())
    .await
    .expect("rows");
    assert_eq!(
        local,
        [
            ("epic".to_owned(), None),
            ("story".to_owned(), Some("epic".to_owned())),
            ("task".to_owned(), Some("story".to_owned())),
            ("task".to_owned(), Some("story".to_owned())),
        ]
    );
    let outcomes = writeback::push(
        &store,
        &jira_config(&server.uri()),
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    let requests = server.received_requests().await.unwrap_or_default();
    let creates = bodies(&requests, "POST", "/rest/api/3/issue");
    let shape: Vec<(Value, Value)> = creates
        .iter()
        .map(|b| {
            (
                b["fields"]["issuetype"]["name"].clone(),
                b["fields"]["parent"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (json!("Epic"), Value::Null),
            (json!("Story"), json!({ "key": "SCRUM-10" })),
            (json!("Sub-task"), json!({ "key": "SCRUM-11" })),
            (json!("Sub-task"), json!({ "key": "SCRUM-11" })),
        ]
    );
    for body in &creates {
        let errors = spec_errors("IssueUpdateDetails", body);
        assert!(errors.is_empty(), "{body}: {errors:?}");
        assert_eq!(body["fields"]["description"]["type"], "doc");
    }
    let adf = creates[1]["fields"]["description"].to_string();
    assert!(
        adf.contains("Amounts use a dot as the decimal separator"),
        "{adf}"
    );
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT key FROM issues WHERE source = 'jira' AND key != 'SCRUM-1' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .expect("keys");
    assert_eq!(keys, ["SCRUM-10", "SCRUM-11", "SCRUM-12", "SCRUM-13"]);
}

#[tokio::test]
async fn a_child_waits_while_its_parent_is_not_on_the_tracker() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = jira_store(&dir).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/search/jql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "issues": [] })))
        .mount(&server)
        .await;
    // Jira refuses the epic: the story and its tasks must not be created parentless.
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({ "errorMessages": [], "errors": { "issuetype": "Epic is not enabled" } }),
        ))
        .mount(&server)
        .await;
    apply(&store, &backlog("SCRUM")).await;
    let outcomes = writeback::push(
        &store,
        &jira_config(&server.uri()),
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes");
    assert_eq!(outcomes.len(), 4);
    for o in &outcomes[1..] {
        let e = o.result.as_ref().expect_err("waits");
        assert!(e.contains("is not on the tracker yet"), "{e}");
    }
    let sent = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/rest/api/3/issue")
        .count();
    assert_eq!(sent, 1, "only the epic was tried");
}

#[tokio::test]
async fn gitlab_gets_labelled_issues_linked_to_their_parents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let t = now() - chrono::Duration::hours(3);
    let fake = FakeGitlab::start(vec![issue(1, t, false, &[])], Paging::Keyset).await;
    crate::gitlab_sync::run(&store, &fake, &crate::gitlab_sync::options())
        .await
        .expect("sync");
    let project: String = sqlx::query_scalar("SELECT key FROM projects LIMIT 1")
        .fetch_one(store.pool())
        .await
        .expect("project");
    apply(&store, &backlog(&project)).await;
    let next = Arc::new(AtomicU64::new(50));
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues$"))
        .and(query_param("in", "description"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues$"))
        .respond_with(GitlabCreate(Arc::clone(&next)))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v4/projects/[^/]+/issues/[0-9]+/links$"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .with_priority(1)
        .mount(&fake.server)
        .await;
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
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    let requests = fake.server.received_requests().await.unwrap_or_default();
    let labels: Vec<Value> = bodies(&requests, "POST", "/issues")
        .iter()
        .map(|b| b["labels"].clone())
        .collect();
    assert_eq!(
        labels,
        [
            json!("epic"),
            json!("finance,epic::Invoice export"),
            json!(""),
            json!("")
        ]
    );
    // Each child links to its parent: the story to the epic (#50), the tasks to the story (#51).
    let links: Vec<(String, Value)> = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/links"))
        .map(|r| {
            let b: Value = serde_json::from_slice(&r.body).expect("json");
            (
                r.url
                    .path()
                    .rsplit('/')
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned(),
                json!([
                    b["target_project_id"],
                    b["target_issue_iid"],
                    b["link_type"]
                ]),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            ("51".to_owned(), json!([PROJECT_PATH, "50", "relates_to"])),
            ("52".to_owned(), json!([PROJECT_PATH, "51", "relates_to"])),
            ("53".to_owned(), json!([PROJECT_PATH, "51", "relates_to"])),
        ]
    );
}
