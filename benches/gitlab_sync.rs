//! GitLab sync throughput against a local mock GitLab (axum on 127.0.0.1) serving generated
//! issues built from the fixture payload, with 0 ms and 50 ms added per request: end-to-end
//! issues/s into `SQLite` (issue pages, then the history phase), and in the same run the raw
//! limit (parse the same pages, map and insert them in one transaction, no HTTP).
//! `cargo bench --bench gitlab_sync`; `SPRINTDECK_BENCH_ISSUES` changes the size (20,000).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::too_many_lines
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::routing::get;
use serde_json::{Value, json};
use sprintdeck::clock::parse_instant;
use sprintdeck::store::{Create, Store, import};
use sprintdeck::sync::gitlab::api::Issue;
use sprintdeck::sync::gitlab::map::{self, ProjectInfo};
use sprintdeck::sync::gitlab::status::StatusMap;
use sprintdeck::sync::{Options, SyncEvent};

/// The binary's allocator, so the figures are the shipped program's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: &str = "2026-11-18T12:00:00Z";
const PER_PAGE: usize = 100;

struct Mock {
    pages: Vec<String>,
    total: usize,
    latency: Duration,
}

fn generate(n: usize) -> Vec<Value> {
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/gitlab/issue.full-modern.go-gitlab.json").unwrap(),
    )
    .unwrap();
    let now = parse_instant(NOW).unwrap();
    let description =
        "As a customer I want to see my order history with filters by date and status, \
        so that I can find an order quickly. Acceptance: list paginates, filters combine, empty \
        state explains what to do. Notes: reuse the table component; check the API's limits. "
            .repeat(3);
    (0..n)
        .map(|i| {
            let mut v = template.clone();
            let at = (now - chrono::Duration::seconds(i64::try_from(n - i).unwrap() * 60))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let labels: Vec<&str> = match i % 10 {
                0 => vec!["workflow::doing", "backend"],
                1 => vec!["bug", "frontend"],
                _ => vec!["frontend"],
            };
            v["id"] = json!(100_000 + i);
            v["iid"] = json!(i + 1);
            v["project_id"] = json!(1);
            v["title"] = json!(format!("Order history filters, part {i}"));
            v["description"] = json!(description);
            v["created_at"] = json!(at);
            v["updated_at"] = json!(at);
            v["labels"] = json!(labels);
            v["weight"] = json!(i % 8);
            v["references"] = json!({ "full": format!("shop/web#{}", i + 1) });
            v
        })
        .collect()
}

async fn issues(State(mock): State<Arc<Mock>>, uri: Uri) -> (HeaderMap, String) {
    let q: HashMap<String, String> = reqwest::Url::parse(&format!("http://x{uri}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    tokio::time::sleep(mock.latency).await;
    let mut headers = HeaderMap::new();
    // Every generated issue is recent: the "old open issues" listing is empty.
    if q.contains_key("updated_before") {
        headers.insert("x-total-pages", "1".parse().unwrap());
        return (headers, "[]".to_owned());
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let pages = mock.pages.len();
    headers.insert("x-total", mock.total.to_string().parse().unwrap());
    headers.insert("x-total-pages", pages.to_string().parse().unwrap());
    headers.insert("x-page", page.to_string().parse().unwrap());
    let next = if page < pages {
        (page + 1).to_string()
    } else {
        String::new()
    };
    headers.insert("x-next-page", next.parse().unwrap());
    (
        headers,
        mock.pages
            .get(page - 1)
            .cloned()
            .unwrap_or_else(|| "[]".to_owned()),
    )
}

async fn serve(pages: Vec<String>, total: usize, latency: Duration) -> String {
    let mock = Arc::new(Mock {
        pages,
        total,
        latency,
    });
    let app = Router::new()
        .route(
            "/api/v4/projects/{id}",
            get(|| async {
                axum::Json(json!({"id": 1, "path_with_namespace": "shop/web", "name": "web"}))
            }),
        )
        .route("/api/v4/projects/1/issues", get(issues))
        .route(
            "/api/v4/projects/1/issues/{iid}/{kind}",
            get(|State(m): State<Arc<Mock>>| async move {
                tokio::time::sleep(m.latency).await;
                "[]"
            }),
        )
        .with_state(mock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn end_to_end(url: &str, dir: &std::path::Path, name: &str) -> (Duration, Duration, usize) {
    let store = Store::open(&dir.join(format!("{name}.db")), Create::IfMissing)
        .await
        .unwrap();
    let config: sprintdeck::config::Config = toml::from_str(&format!(
        "[[gitlab]]\nname = \"bench\"\nbase_url = \"{url}\"\nprojects = [\"shop/web\"]\ntoken = \"x\"\n"
    ))
    .unwrap();
    let options = Options::new(
        &config.sync,
        sprintdeck::clock::Clock::frozen(parse_instant(NOW).unwrap()),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let watcher = tokio::spawn(async move {
        let mut last_page = None;
        while let Some(e) = rx.recv().await {
            if matches!(e, SyncEvent::Page { .. }) {
                last_page = Some(started.elapsed());
            }
        }
        last_page
    });
    let results = sprintdeck::sync::run::pass(&store, &config, None, &options, None, Some(&tx))
        .await
        .unwrap();
    let total = started.elapsed();
    drop(tx);
    let pages_done = watcher.await.unwrap().unwrap_or(total);
    let counts = results[0].1.clone().unwrap();
    store.close().await.unwrap();
    (pages_done, total, counts.seen)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("SPRINTDECK_BENCH_ISSUES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let issues_json = generate(n);
    let pages: Vec<String> = issues_json
        .chunks(PER_PAGE)
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    println!(
        "data set: {n} issues, {} pages of {PER_PAGE}, {:.1} MiB of JSON ({} B per issue); {} moved issues get a history",
        pages.len(),
        bytes as f64 / 1_048_576.0,
        bytes / n,
        n / 10
    );
    let dir = tempfile::tempdir().unwrap();

    // The raw limit: the same pages parsed, mapped and inserted in one transaction.
    let store = Store::open(&dir.path().join("raw.db"), Create::IfMissing)
        .await
        .unwrap();
    let project = ProjectInfo {
        remote_id: "1".into(),
        path: "shop/web".into(),
        name: "web".into(),
        web_url: None,
        group: None,
    };
    let started = Instant::now();
    let statuses = StatusMap::default();
    let now = parse_instant(NOW).unwrap();
    let mut batches = Vec::new();
    for page in &pages {
        let values: Vec<Value> = serde_json::from_str(page).unwrap();
        let list: Vec<(Issue, String)> = values
            .into_iter()
            .map(|v| {
                let raw = v.to_string();
                (serde_json::from_value(v).unwrap(), raw)
            })
            .collect();
        batches.push(map::batch("raw", &project, &list, &statuses, now).unwrap());
    }
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
    store.close().await.unwrap();
    let raw_rate = n as f64 / raw.as_secs_f64();
    println!("raw parse + map + insert (one transaction): {raw:.2?}, {raw_rate:.0} issues/s");

    for latency in [0u64, 50] {
        let url = serve(pages.clone(), n, Duration::from_millis(latency)).await;
        let (pages_done, total, seen) =
            end_to_end(&url, dir.path(), &format!("e2e{latency}")).await;
        let rate = seen as f64 / pages_done.as_secs_f64();
        println!(
            "{latency:>2} ms per request: issue pages {pages_done:.2?} ({rate:.0} issues/s, {:.0}% of raw), then history of {} issues, all done in {total:.2?}",
            100.0 * rate / raw_rate,
            n / 10
        );
    }
}
