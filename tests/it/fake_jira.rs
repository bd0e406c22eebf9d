//! A fake Jira on 127.0.0.1 (wiremock) replaying the fixtures: `search/jql` pages chained by
//! their `nextPageToken`, bulk fetch and changelog bulk fetch answered from the same issues,
//! the field list, board sprints, and Data Center's `startAt` search; scripted faults.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{fixture, now};
use crate::fake_gitlab::Fault;

pub fn read(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(rel)).expect("fixture")).expect("json")
}

pub struct State {
    /// `search/jql` answers in order; the first has no token, each next one is asked for by
    /// the previous page's `nextPageToken`.
    pub pages: Vec<Value>,
    pub faults: VecDeque<Fault>,
    /// Per-page fault by index in `pages`.
    pub page_faults: std::collections::HashMap<usize, Fault>,
    /// Whether `issue/bulkfetch` exists on this "site".
    pub bulkfetch: bool,
}

impl State {
    pub fn issues(&self) -> Vec<Value> {
        self.pages
            .iter()
            .flat_map(|p| p["issues"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

pub struct FakeJira {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

fn fault_response(fault: &Fault) -> ResponseTemplate {
    match fault {
        Fault::Status(code, headers) => {
            let mut r = ResponseTemplate::new(*code)
                .set_body_json(read("jira/put-issue-400-errorMessages.json"));
            for (k, v) in headers {
                r = r.insert_header(*k, v.as_str());
            }
            r
        }
        Fault::Malformed => ResponseTemplate::new(200).set_body_string(r#"{"issues": [{"key": "#),
        Fault::Delay(d) => ResponseTemplate::new(200)
            .set_body_json(read("jira/search_empty.json"))
            .set_delay(*d),
    }
}

/// `updated >= "-Nm"` in the JQL: only issues updated within N minutes of the test's now.
fn updated_within(jql: &str) -> Option<chrono::Duration> {
    let i = jql.find("updated >= \"-")?;
    let rest = &jql[i + 13..];
    let minutes: i64 = rest.split('m').next()?.parse().ok()?;
    Some(chrono::Duration::minutes(minutes))
}

fn recent(issue: &Value, within: chrono::Duration) -> bool {
    issue["fields"]["updated"]
        .as_str()
        .and_then(sprintdeck::sync::time::parse)
        .is_some_and(|at| at >= now() - within)
}

struct Search(Arc<Mutex<State>>);

impl Respond for Search {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().expect("lock");
        if let Some(f) = state.faults.pop_front() {
            return fault_response(&f);
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let jql = body["jql"].as_str().unwrap_or_default();
        if let Some(within) = updated_within(jql) {
            let issues: Vec<Value> = state
                .issues()
                .into_iter()
                .filter(|i| recent(i, within))
                .collect();
            return ResponseTemplate::new(200)
                .set_body_json(json!({"issues": issues, "isLast": true}));
        }
        let index = match body["nextPageToken"].as_str() {
            None => 0,
            Some(token) => state
                .pages
                .iter()
                .position(|p| p["nextPageToken"] == token)
                .map_or(usize::MAX, |i| i + 1),
        };
        if let Some(f) = state.page_faults.get(&index) {
            return fault_response(f);
        }
        match state.pages.get(index) {
            Some(page) => ResponseTemplate::new(200).set_body_json(page),
            None => ResponseTemplate::new(400)
                .set_body_json(read("jira/put-issue-400-errorMessages.json")),
        }
    }
}

struct BulkFetch(Arc<Mutex<State>>);

impl Respond for BulkFetch {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let state = self.0.lock().expect("lock");
        if !state.bulkfetch {
            return ResponseTemplate::new(404)
                .set_body_json(read("jira/put-issue-400-errorMessages.json"));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let wanted: Vec<&str> = body["issueIdsOrKeys"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut issues: Vec<Value> = state
            .issues()
            .into_iter()
            // Ids or keys, as Jira takes them (rule JR-BULK-1).
            .filter(|i| {
                [&i["key"], &i["id"]]
                    .iter()
                    .any(|v| v.as_str().is_some_and(|k| wanted.contains(&k)))
            })
            .collect();
        // Bulk fetch answers in no particular order.
        issues.reverse();
        ResponseTemplate::new(200).set_body_json(json!({ "issues": issues, "issueErrors": [] }))
    }
}

struct ChangelogBulk;

impl Respond for ChangelogBulk {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let log = read("jira/changelog-status-and-sprint.derived.json");
        let logs: Vec<Value> = body["issueIdsOrKeys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|k| json!({ "issueId": k, "changeHistories": log["values"] }))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "issueChangeLogs": logs }))
    }
}

/// Data Center: `startAt` pages of two (a server may cap `maxResults`), with the total.
struct ClassicSearch(Arc<Mutex<State>>);

impl Respond for ClassicSearch {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().expect("lock");
        if let Some(f) = state.faults.pop_front() {
            return fault_response(&f);
        }
        let q: std::collections::HashMap<String, String> = req
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let start: usize = q.get("startAt").and_then(|s| s.parse().ok()).unwrap_or(0);
        if let Some(f) = state.page_faults.get(&(start / 2)) {
            return fault_response(f);
        }
        let mut all = state.issues();
        if let Some(within) = q.get("jql").and_then(|j| updated_within(j)) {
            all.retain(|i| recent(i, within));
        }
        // `expand=changelog`: each issue with its (derived) changelog inline.
        let histories = read("jira/changelog-status-and-sprint.derived.json")["values"].clone();
        let page: Vec<Value> = all
            .iter()
            .skip(start)
            .take(2)
            .cloned()
            .map(|mut i| {
                i["changelog"] = json!({ "startAt": 0, "total": 2, "histories": histories });
                i
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "startAt": start, "maxResults": 2, "total": all.len(), "issues": page
        }))
    }
}

impl FakeJira {
    pub async fn start(pages: Vec<Value>) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            pages,
            faults: VecDeque::new(),
            page_faults: std::collections::HashMap::new(),
            bulkfetch: true,
        }));
        let json_file = |rel: &str| ResponseTemplate::new(200).set_body_json(read(rel));
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(Search(Arc::clone(&state)))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/rest/api/3/issue/bulkfetch"))
            .respond_with(BulkFetch(Arc::clone(&state)))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/rest/api/3/changelog/bulkfetch"))
            .respond_with(ChangelogBulk)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/rest/api/[23]/field$"))
            .respond_with(json_file("jira/fields.assembled.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/rest/api/[23]/myself$"))
            .respond_with(json_file("jira/myself.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/rest/api/[23]/project/[A-Z]+$"))
            .respond_with(json_file("jira/project.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/rest/agile/1.0/board/\d+/configuration$"))
            .respond_with(json_file(
                "jira/rest-agile-1.0-board-id-configuration.GET.200.json",
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/rest/agile/1.0/board/\d+/sprint$"))
            .respond_with(json_file("jira/sprints.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/rest/api/2/search"))
            .respond_with(ClassicSearch(Arc::clone(&state)))
            .mount(&server)
            .await;
        Self { server, state }
    }

    pub async fn count(&self, p: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == p)
            .count()
    }
}

/// The three chained search pages (TEST-1 … TEST-4) from the fixtures; `last_token` is how the
/// last page says it is last: `""` (as captured), absent, or `null`.
pub fn three_pages(last_token: Option<Value>) -> Vec<Value> {
    let mut last = read("jira/search_page3.json");
    match last_token {
        Some(v) => last["nextPageToken"] = v,
        None => {
            last.as_object_mut().map(|o| o.remove("nextPageToken"));
        }
    }
    vec![
        read("jira/search_page1.json"),
        read("jira/search_page2_mid.json"),
        last,
    ]
}
