//! A fake GitLab on 127.0.0.1 (wiremock) for sync tests: one project, an issue listing built
//! from the real fixture payload (ids, numbers, titles and times changed), keyset or offset
//! paging as documented, resource events from the fixtures, and scripted faults.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::fixture;

pub const PROJECT_PATH: &str = "my-group/my-project";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// GitLab 18.3+: `Link: rel="next"` with an opaque cursor, no totals.
    Keyset,
    /// Offset pages; `totals: false` is GitLab above 10,000 records (no `x-total-pages`).
    Offset { totals: bool },
}

#[derive(Debug, Clone)]
pub enum Fault {
    Status(u16, Vec<(&'static str, String)>),
    /// A 200 whose body is cut off mid-JSON.
    Malformed,
    Delay(Duration),
}

pub struct State {
    pub issues: Vec<Value>,
    pub paging: Paging,
    /// Answered, in order, instead of the next listing requests.
    pub faults: VecDeque<Fault>,
    /// Applied every time this page (1-based) of a listing is asked for.
    pub page_faults: HashMap<usize, Fault>,
    /// `http://127.0.0.1:PORT`, for the links the server writes.
    pub base: String,
}

pub struct FakeGitlab {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).expect("fixture")
}

pub fn template() -> Value {
    serde_json::from_str(&read("gitlab/issue.full-modern.go-gitlab.json")).expect("fixture json")
}

/// Issue `n` of the project: the fixture payload with its identity and times changed.
pub fn issue(n: u64, updated: DateTime<Utc>, closed: bool, labels: &[&str]) -> Value {
    let mut v = template();
    let at = updated.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    v["id"] = json!(10_000 + n);
    v["iid"] = json!(n);
    v["project_id"] = json!(1);
    v["title"] = json!(format!("Issue number {n}"));
    v["created_at"] = json!(at);
    v["updated_at"] = json!(at);
    v["state"] = json!(if closed { "closed" } else { "opened" });
    v["closed_at"] = if closed { json!(at) } else { Value::Null };
    v["labels"] = json!(labels);
    v["references"] = json!({ "full": format!("{PROJECT_PATH}#{n}") });
    v["web_url"] = json!(format!(
        "https://gitlab.example.com/{PROJECT_PATH}/-/issues/{n}"
    ));
    v
}

struct Listing(Arc<Mutex<State>>);

fn query(req: &Request) -> HashMap<String, String> {
    req.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn fault_response(fault: &Fault) -> ResponseTemplate {
    match fault {
        Fault::Status(code, headers) => {
            let mut r = ResponseTemplate::new(*code)
                .set_body_string(r#"{"message":"injected by the test"}"#);
            for (k, v) in headers {
                r = r.insert_header(*k, v.as_str());
            }
            r
        }
        Fault::Malformed => ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(r#"[{"id": 1, "title": "cut off"#),
        Fault::Delay(d) => ResponseTemplate::new(200)
            .set_body_string("[]")
            .set_delay(*d),
    }
}

impl Respond for Listing {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().expect("lock");
        if let Some(fault) = state.faults.pop_front() {
            return fault_response(&fault);
        }
        let q = query(req);
        let mut items: Vec<&Value> = state
            .issues
            .iter()
            .filter(|i| match q.get("state").map(String::as_str) {
                Some("opened") => i["state"] == "opened",
                Some("closed") => i["state"] == "closed",
                _ => true,
            })
            .filter(|i| {
                let at = i["updated_at"].as_str().unwrap_or_default();
                q.get("updated_after").is_none_or(|a| at_ge(at, a))
                    && q.get("updated_before").is_none_or(|b| !at_ge(at, b))
            })
            .collect();
        items.sort_by(|a, b| {
            (a["updated_at"].as_str(), a["id"].as_u64())
                .cmp(&(b["updated_at"].as_str(), b["id"].as_u64()))
        });
        let per: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(20);
        let (start, page) = match state.paging {
            Paging::Keyset => {
                let start = q
                    .get("cursor")
                    .and_then(|c| c.strip_prefix('c'))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0usize);
                (start, start / per + 1)
            }
            Paging::Offset { .. } => {
                let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
                ((page - 1) * per, page)
            }
        };
        if let Some(fault) = state.page_faults.get(&page) {
            return fault_response(fault);
        }
        let body: Vec<&Value> = items.iter().skip(start).take(per).copied().collect();
        let more = start + per < items.len();
        let mut r = ResponseTemplate::new(200).set_body_json(&body);
        // wiremock's request URL lacks the port: links are built on the server's address.
        let mut next =
            reqwest::Url::parse(&format!("{}{}", state.base, req.url.path())).expect("url");
        next.set_query(req.url.query());
        match state.paging {
            Paging::Keyset => {
                if more {
                    set_param(&mut next, "cursor", &format!("c{}", start + per));
                    r = r.insert_header("link", format!("<{next}>; rel=\"next\"").as_str());
                }
            }
            Paging::Offset { totals } => {
                let pages = items.len().div_ceil(per).max(1);
                r = r
                    .insert_header("x-page", page.to_string().as_str())
                    .insert_header("x-per-page", per.to_string().as_str())
                    .insert_header(
                        "x-next-page",
                        if more {
                            (page + 1).to_string()
                        } else {
                            String::new()
                        }
                        .as_str(),
                    );
                if totals {
                    r = r
                        .insert_header("x-total", items.len().to_string().as_str())
                        .insert_header("x-total-pages", pages.to_string().as_str());
                }
                if more {
                    set_param(&mut next, "page", &(page + 1).to_string());
                    r = r.insert_header("link", format!("<{next}>; rel=\"next\"").as_str());
                }
            }
        }
        r
    }
}

/// Compares GitLab times as instants (the fixture writes milliseconds, sprintdeck seconds).
fn at_ge(a: &str, b: &str) -> bool {
    let p = |t: &str| sprintdeck::sync::time::parse(t);
    p(a) >= p(b)
}

fn set_param(url: &mut reqwest::Url, key: &str, value: &str) {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(key, value);
}

struct Single(Arc<Mutex<State>>);

impl Respond for Single {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let iid: u64 = req
            .url
            .path_segments()
            .and_then(|mut s| s.next_back().map(str::to_owned))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let state = self.0.lock().expect("lock");
        match state.issues.iter().find(|i| i["iid"] == iid) {
            Some(i) => ResponseTemplate::new(200).set_body_json(i),
            None => ResponseTemplate::new(404)
                .set_body_string(read("gitlab/404-project-not-found.narkoz.json")),
        }
    }
}

impl FakeGitlab {
    pub async fn start(issues: Vec<Value>, paging: Paging) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            issues,
            paging,
            faults: VecDeque::new(),
            page_faults: HashMap::new(),
            base: server.uri(),
        }));
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v4/projects/[^/]+$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": 1,
                "path_with_namespace": PROJECT_PATH,
                "name": "my-project",
                "web_url": format!("https://gitlab.example.com/{PROJECT_PATH}"),
            })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v4/groups/[^/]+/projects$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
                "id": 1,
                "path_with_namespace": PROJECT_PATH,
                "name": "my-project",
            }])))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(read("gitlab/user.current.drone.json")),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/1/issues"))
            .respond_with(Listing(Arc::clone(&state)))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(
                r"^/api/v4/projects/1/issues/\d+/resource_state_events$",
            ))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(read("gitlab/issue-resource-state-events.list.narkoz.json")),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(
                r"^/api/v4/projects/1/issues/\d+/resource_label_events$",
            ))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(read("gitlab/issue-resource-label-events.list.narkoz.json")),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v4/projects/1/issues/\d+$"))
            .respond_with(Single(Arc::clone(&state)))
            .mount(&server)
            .await;
        Self { server, state }
    }

    /// Requests received so far whose path matches `pattern` (a substring).
    pub async fn count(&self, pattern: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path().contains(pattern))
            .count()
    }

    pub async fn listing_requests(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == "/api/v4/projects/1/issues")
            .count()
    }
}
