//! A tracker simulator for tests and benches: a team-shaped [`World`] served on 127.0.0.1 through
//! GitLab REST v4 and Jira Cloud REST v3 + Agile 1.0, following the services' documented rules
//! rather than friendlier ones (page caps, where objects live, error bodies, rate-limit headers).
//! Each rule is cited where it is implemented, by its id in the team's rule sheet (GL-…, JR-…,
//! U-…) and the documentation it comes from. Payload shapes start from the captured payloads in
//! `tests/fixtures/` (see its SOURCES.md).
//!
//! Faults are injected per run ([`Fault`]); every request is logged ([`RequestLog`]); the world
//! can be changed between passes ([`Simulator::mutate`]).
//!
//! ```text
//! let world = World::generate(&WorldSpec::new(0, 11, now).gitlab_issues(300).jira_issues(300));
//! let sim = Simulator::start(world).await;          // or start_with(world, Options { latency, .. })
//! sim.set_now(now);                                  // the trackers' clock: JQL's "-90d" etc.
//! let config: Config = toml::from_str(&sim.config())?;   // [[gitlab]] + [[jira]] at sim's URLs
//! sim.inject(Fault::rate_limited(2).jira().on("search/jql").times(6));   // a 429 burst
//! sim.inject(Fault::truncated().gitlab().on("projects/:id/issues").after(1));
//! … sync …
//! sim.log().count("POST /rest/api/3/search/jql");   // requests per endpoint; .summary()
//! let churn = sim.mutate(|w| w.churn(now + 30 min, 5));   // edits, deletions, moves
//! ```
//!
//! Served: GitLab `/api/v4` (user, token, projects, groups and their projects, project and
//! group issues, one issue, its state/label/milestone/iteration events, links and notes, group
//! epics and their issues, iterations, milestones; the write-back calls), Jira `/rest/api/3`
//! (`search/jql`, approximate count, bulk fetch, bulk and per-issue changelogs, issue, field,
//! myself, project, comments, remote links; the write-back calls; 410 for the retired search)
//! and `/rest/agile/1.0` (boards, configuration, sprints, sprint, board, backlog and sprint
//! issues, sprint and backlog moves).

// Shared by the test binary and the benches: each uses part of it.
#![allow(dead_code)]

mod faults;
mod gitlab;
mod jira;
mod log;
mod served;
mod wire;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sprintdeck::demo::teams::World;
use sprintdeck::demo::teams::config::{ConfigOptions, Token};

pub use faults::{Fault, FaultKind, Tracker};
pub use log::{Entry, RequestLog};
use served::Served;
use wire::{Query, Reply};

/// How strict and how slow the simulator is.
#[derive(Debug, Clone)]
pub struct Options {
    /// Added to every request.
    pub latency: Duration,
    pub gitlab_token: String,
    pub jira_email: String,
    pub jira_token: String,
    /// Free tier: no weights, epics or iterations (rule U-G9).
    pub gitlab_free: bool,
    /// GitLab's maximum offset on keyset-capable lists (rule GL-PAG-9: 50,000 by default,
    /// admins change it).
    pub offset_limit: usize,
    /// Jira search pages of a random size up to the cap (rule U-J1): clients must page by the
    /// token, never by counting.
    pub random_page_sizes: bool,
    /// How Jira's last search page says so (rule U-J2).
    pub last_token: LastToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastToken {
    /// `nextPageToken` left out (the spec's wording).
    Omitted,
    Null,
    Empty,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            gitlab_token: "glpat-simulated".to_owned(),
            jira_email: sprintdeck::demo::teams::config::JIRA_EMAIL.to_owned(),
            jira_token: "atlassian-simulated".to_owned(),
            gitlab_free: false,
            offset_limit: 50_000,
            random_page_sizes: false,
            last_token: LastToken::Omitted,
        }
    }
}

/// Search results (issue ids in order) with the world version they were taken at.
pub type Snapshot = (u64, Arc<Vec<u64>>);

/// What every handler reads.
pub struct Shared {
    pub served: RwLock<Served>,
    pub now: Mutex<DateTime<Utc>>,
    pub options: Options,
    pub gitlab_url: String,
    pub jira_url: String,
    log: Mutex<Vec<Entry>>,
    faults: Mutex<Vec<faults::Armed>>,
    /// Search results by query, with the world version they were taken at.
    pub searches: Mutex<HashMap<u64, Snapshot>>,
    pub counter: AtomicU64,
}

/// One request, as handlers see it.
pub struct Request {
    pub method: Method,
    pub segments: Vec<String>,
    pub query: Query,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub struct Simulator {
    pub gitlab_url: String,
    pub jira_url: String,
    shared: Arc<Shared>,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        for s in &self.servers {
            s.abort();
        }
    }
}

impl Simulator {
    pub async fn start(world: World) -> Self {
        Self::start_with(world, Options::default()).await
    }

    /// Serves `world`: GitLab and Jira each on their own port of 127.0.0.1.
    pub async fn start_with(world: World, options: Options) -> Self {
        let gitlab = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let jira = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let gitlab_url = format!("http://{}", gitlab.local_addr().expect("addr"));
        let jira_url = format!("http://{}", jira.local_addr().expect("addr"));
        let now = world.anchor;
        let shared = Arc::new(Shared {
            served: RwLock::new(Served::new(world)),
            now: Mutex::new(now),
            options,
            gitlab_url: gitlab_url.clone(),
            jira_url: jira_url.clone(),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            searches: Mutex::new(HashMap::new()),
            counter: AtomicU64::new(0),
        });
        let mut servers = Vec::new();
        for (listener, tracker) in [(gitlab, Tracker::Gitlab), (jira, Tracker::Jira)] {
            let app = Router::new()
                .fallback(handle)
                .with_state((shared.clone(), tracker));
            servers.push(tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }));
        }
        Self {
            gitlab_url,
            jira_url,
            shared,
            servers,
        }
    }

    /// The config that points sprintdeck at this simulator (both trackers, literal tokens).
    pub fn config(&self) -> String {
        self.config_with(true, true, 4)
    }

    pub fn config_with(&self, gitlab: bool, jira: bool, concurrency: u8) -> String {
        let o = &self.shared.options;
        let world = self.shared.served.read().expect("lock");
        world.world.config_toml(&ConfigOptions {
            gitlab_url: gitlab.then_some(self.gitlab_url.as_str()),
            jira_url: jira.then_some(self.jira_url.as_str()),
            gitlab_token: Token::Literal(&o.gitlab_token),
            jira_token: Token::Literal(&o.jira_token),
            database: None,
            concurrency,
        })
    }

    /// Reads the world as served.
    pub fn world<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&self.shared.served.read().expect("lock").world)
    }

    /// Changes the world between passes (the trackers' own changes: edits, deletions, moves).
    pub fn mutate<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut served = self.shared.served.write().expect("lock");
        let out = f(&mut served.world);
        served.reindex();
        out
    }

    /// The trackers' "now" (JQL's relative dates, iteration states).
    pub fn set_now(&self, at: DateTime<Utc>) {
        *self.shared.now.lock().expect("lock") = at;
    }

    pub fn inject(&self, fault: Fault) {
        self.shared
            .faults
            .lock()
            .expect("lock")
            .push(faults::Armed {
                fault,
                seen: 0,
                fired: 0,
            });
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("lock").clear();
    }

    /// How many requests each injected fault has answered.
    pub fn faults_fired(&self) -> Vec<usize> {
        self.shared
            .faults
            .lock()
            .expect("lock")
            .iter()
            .map(|a| a.fired)
            .collect()
    }

    pub fn log(&self) -> RequestLog {
        RequestLog {
            entries: self.shared.log.lock().expect("lock").clone(),
        }
    }

    pub fn reset_log(&self) {
        self.shared.log.lock().expect("lock").clear();
    }
}

async fn handle(
    State((shared, tracker)): State<(Arc<Shared>, Tracker)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Request {
        method: method.clone(),
        segments: wire::segments(uri.path()),
        query: Query::parse(uri.query()),
        headers,
        body,
    };
    let endpoint = match tracker {
        Tracker::Gitlab => gitlab::endpoint(&request),
        Tracker::Jira => jira::endpoint(&request),
    };
    let endpoint = format!("{method} {endpoint}");
    if !shared.options.latency.is_zero() {
        tokio::time::sleep(shared.options.latency).await;
    }
    let fault = {
        let mut faults = shared.faults.lock().expect("lock");
        faults
            .iter_mut()
            .find_map(|a| a.fires(tracker, &endpoint).then(|| a.fault.kind.clone()))
    };
    if let Some(FaultKind::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    let reply = if let Some(r) = fault.as_ref().and_then(|k| faults::reply(k, tracker)) {
        r
    } else {
        let r = match tracker {
            Tracker::Gitlab => gitlab::handle(&shared, &request),
            Tracker::Jira => jira::handle(&shared, &request),
        };
        if fault == Some(FaultKind::Truncated) && r.status == 200 {
            faults::truncate(r)
        } else {
            r
        }
    };
    shared.log.lock().expect("lock").push(Entry {
        tracker: tracker.name(),
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or("").to_owned(),
        status: reply.status,
        endpoint,
    });
    into_response(reply)
}

fn into_response(reply: Reply) -> Response {
    let mut builder = Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(Body::from(reply.body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}
