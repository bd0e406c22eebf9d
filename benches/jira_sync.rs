//! Jira Cloud sync throughput against a local mock (axum on 127.0.0.1) serving generated issues
//! built from the 2025 Cloud issue fixture (the fields sprintdeck asks for), with 0 ms and
//! 50 ms added per request: the bootstrap (id pages, concurrent bulk fetch, bulk changelogs)
//! beside a naive sequential crawl of 100-issue pages and the raw parse+map+insert limit; and an
//! incremental pass with nothing changed. `cargo bench --bench jira_sync`;
//! `SPRINTDECK_BENCH_ISSUES` changes the size (50,000).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::too_many_lines
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};
use sprintdeck::clock::parse_instant;
use sprintdeck::store::{Create, Store, import};
use sprintdeck::sync::Options;
use sprintdeck::sync::jira::{fields, map};

/// The binary's allocator, so the figures are the shipped program's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: &str = "2026-11-18T12:00:00Z";

struct Mock {
    keys: Vec<String>,
    issues: HashMap<String, String>,
    histories: String,
    fields: String,
    latency: Duration,
    requests: std::sync::atomic::AtomicUsize,
}

fn read(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(rel).unwrap()).unwrap()
}

fn generate(n: usize) -> Vec<Value> {
    let template = read("tests/fixtures/jira/issue-cloud-2025-adf-sprint-timetracking.json");
    // Exactly the fields a sync asks for, as a bulk fetch would answer.
    let list: Vec<fields::FieldDef> =
        serde_json::from_value(read("tests/fixtures/jira/fields.assembled.json")).unwrap();
    let wanted = fields::discover(&list, &std::collections::BTreeMap::new()).wanted();
    let now = parse_instant(NOW).unwrap();
    (0..n)
        .map(|i| {
            let mut f = serde_json::Map::new();
            for k in &wanted {
                f.insert(k.clone(), template["fields"][k.as_str()].clone());
            }
            let at = (now - chrono::Duration::seconds(i64::try_from(n - i).unwrap() * 30))
                .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
                .to_string();
            f.insert("created".into(), json!(at));
            f.insert("updated".into(), json!(at));
            f.insert("summary".into(), json!(format!("Payment logging, part {i}")));
            f.insert("customfield_10016".into(), json!(i % 8));
            json!({ "id": (20_000 + i).to_string(), "key": format!("SCRUM-{}", i + 10), "fields": f })
        })
        .collect()
}

async fn pause(m: &Mock) {
    m.requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(m.latency).await;
}

async fn search(State(m): State<Arc<Mock>>, axum::Json(body): axum::Json<Value>) -> String {
    pause(&m).await;
    if body["jql"]
        .as_str()
        .is_some_and(|j| j.contains("updated >= \"-") && !j.contains("statusCategory"))
    {
        return r#"{"issues": [], "isLast": true}"#.to_owned();
    }
    let start: usize = body["nextPageToken"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let max = body["maxResults"].as_u64().unwrap_or(50) as usize;
    let ids_only = body["fields"].as_array().is_some_and(|f| f.len() == 1);
    let end = (start + max).min(m.keys.len());
    let items: Vec<String> = m.keys[start..end]
        .iter()
        .map(|k| {
            if ids_only {
                format!(r#"{{"key":"{k}","fields":{{}}}}"#)
            } else {
                m.issues[k].clone()
            }
        })
        .collect();
    let last = end >= m.keys.len();
    format!(
        r#"{{"issues":[{}],"isLast":{last},"nextPageToken":"{}"}}"#,
        items.join(","),
        if last { String::new() } else { end.to_string() }
    )
}

async fn bulkfetch(State(m): State<Arc<Mock>>, axum::Json(body): axum::Json<Value>) -> String {
    pause(&m).await;
    let items: Vec<&str> = body["issueIdsOrKeys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| m.issues.get(k.as_str().unwrap()).map(String::as_str))
        .collect();
    format!(r#"{{"issues":[{}],"issueErrors":[]}}"#, items.join(","))
}

async fn changelogs(State(m): State<Arc<Mock>>, axum::Json(body): axum::Json<Value>) -> String {
    pause(&m).await;
    let logs: Vec<String> = body["issueIdsOrKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| format!(r#"{{"issueId":{k},"changeHistories":{}}}"#, m.histories))
        .collect();
    format!(r#"{{"issueChangeLogs":[{}]}}"#, logs.join(","))
}

async fn serve(mock: Arc<Mock>) -> String {
    let fields = mock.fields.clone();
    let app = Router::new()
        .route("/rest/api/3/search/jql", post(search))
        .route("/rest/api/3/issue/bulkfetch", post(bulkfetch))
        .route("/rest/api/3/changelog/bulkfetch", post(changelogs))
        .route("/rest/api/3/field", get(move || async move { fields }))
        .with_state(mock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn config(url: &str) -> sprintdeck::config::Config {
    toml::from_str(&format!(
        "[[jira]]\nname = \"bench\"\nbase_url = \"{url}\"\nemail = \"me@example.com\"\nprojects = [\"SCRUM\"]\ntoken = \"x\"\n"
    ))
    .unwrap()
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("SPRINTDECK_BENCH_ISSUES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let issues = generate(n);
    let bytes: usize = issues.iter().map(|i| i.to_string().len()).sum();
    println!(
        "data set: {n} issues, {:.1} MiB of issue JSON ({} B each)",
        bytes as f64 / 1_048_576.0,
        bytes / n
    );
    let dir = tempfile::tempdir().unwrap();
    let now = parse_instant(NOW).unwrap();
    let field_list: Vec<fields::FieldDef> =
        serde_json::from_value(read("tests/fixtures/jira/fields.assembled.json")).unwrap();
    let ids = fields::discover(&field_list, &std::collections::BTreeMap::new());

    // Raw limit: the same issues parsed, mapped and inserted in one transaction.
    let texts: Vec<String> = issues
        .chunks(100)
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    let store = Store::open(&dir.path().join("raw.db"), Create::IfMissing)
        .await
        .unwrap();
    let started = Instant::now();
    let mut batches = Vec::new();
    for t in &texts {
        let page: Vec<Value> = serde_json::from_str(t).unwrap();
        batches.push(map::batch("raw", "https://x.atlassian.net", &page, &ids, now).unwrap());
    }
    let mapped = started.elapsed();
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                for b in &batches {
                    import::write_batch(c, b).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let raw = started.elapsed();
    println!(
        "    of which parse + map {mapped:.2?}, insert {:.2?}",
        raw.saturating_sub(mapped)
    );
    store.close().await.unwrap();
    let raw_rate = n as f64 / raw.as_secs_f64();
    println!("raw parse + map + insert (one transaction): {raw:.2?}, {raw_rate:.0} issues/s");

    let histories =
        read("tests/fixtures/jira/changelog-status-and-sprint.derived.json")["values"].to_string();
    let fields_json = std::fs::read_to_string("tests/fixtures/jira/fields.assembled.json").unwrap();
    for latency in [0u64, 50] {
        for naive in [false, true] {
            let mock = Arc::new(Mock {
                keys: issues
                    .iter()
                    .map(|i| i["key"].as_str().unwrap().to_owned())
                    .collect(),
                issues: issues
                    .iter()
                    .map(|i| (i["key"].as_str().unwrap().to_owned(), i.to_string()))
                    .collect(),
                histories: histories.clone(),
                fields: fields_json.clone(),
                latency: Duration::from_millis(latency),
                requests: std::sync::atomic::AtomicUsize::new(0),
            });
            let url = serve(Arc::clone(&mock)).await;
            let store = Store::open(
                &dir.path().join(format!("e2e-{latency}-{naive}.db")),
                Create::IfMissing,
            )
            .await
            .unwrap();
            let config = config(&url);
            let options = Options::new(&config.sync, sprintdeck::clock::Clock::frozen(now));
            let started = Instant::now();
            let seen = if naive {
                // What a simple client does: 100-issue pages with every field, one at a time.
                let client = reqwest::Client::new();
                let mut token: Option<String> = None;
                let mut seen = 0;
                loop {
                    let mut body = json!({"jql": "project = SCRUM ORDER BY updated ASC", "fields": ids.wanted(), "maxResults": 100});
                    if let Some(t) = &token {
                        body["nextPageToken"] = json!(t);
                    }
                    let v: Value = client
                        .post(format!("{url}/rest/api/3/search/jql"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let page = v["issues"].as_array().cloned().unwrap_or_default();
                    seen += page.len();
                    let b = map::batch("bench", &url, &page, &ids, now).unwrap();
                    store
                        .writer()
                        .transaction(move |c| {
                            Box::pin(async move { import::write_batch(c, &b).await })
                        })
                        .await
                        .unwrap();
                    match v["nextPageToken"].as_str().filter(|t| !t.is_empty()) {
                        Some(t) => token = Some(t.to_owned()),
                        None => break,
                    }
                }
                seen
            } else {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let watcher = tokio::spawn(async move {
                    let mut issues_done = None;
                    while let Some(e) = rx.recv().await {
                        if matches!(e, sprintdeck::sync::SyncEvent::Page { .. }) {
                            issues_done = Some(started.elapsed());
                        }
                    }
                    issues_done
                });
                let r =
                    sprintdeck::sync::run::pass(&store, &config, None, &options, None, Some(&tx))
                        .await
                        .unwrap();
                drop(tx);
                if let Some(t) = watcher.await.unwrap() {
                    println!("    issues stored after {t:.2?}; the rest is the history phase");
                }
                r[0].1.clone().unwrap().seen
            };
            let took = started.elapsed();
            let rate = seen as f64 / took.as_secs_f64();
            let requests = mock.requests.load(std::sync::atomic::Ordering::Relaxed);
            let label = if naive {
                "naive sequential 100-per-page crawl"
            } else {
                "sprintdeck bootstrap (with history)"
            };
            println!(
                "{latency:>2} ms per request, {label}: {took:.2?} for {seen} issues ({rate:.0} issues/s, {:.0}% of raw), {requests} requests",
                100.0 * rate / raw_rate
            );
            if !naive {
                let before = mock.requests.load(std::sync::atomic::Ordering::Relaxed);
                let started = Instant::now();
                let _ =
                    sprintdeck::sync::run::pass(&store, &config, None, &options, None, None).await;
                println!(
                    "{latency:>2} ms per request, incremental with nothing changed: {:.2?}, {} request(s)",
                    started.elapsed(),
                    mock.requests.load(std::sync::atomic::Ordering::Relaxed) - before
                );
            }
            store.close().await.unwrap();
        }
    }
}
