//! GitLab sync against the fake GitLab: bootstrap and incremental passes, both paging styles,
//! faults (rate limits, server errors, a bad token, a malformed page, a killed sync), and local
//! overrides surviving a sync.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sprintdeck::clock::Clock;
use sprintdeck::config::Config;
use sprintdeck::store::Store;
use sprintdeck::sync::http::Sleeper;
use sprintdeck::sync::{self, Counts, Options, SyncEvent};

use crate::common::{empty_store, now};
use crate::fake_gitlab::{FakeGitlab, Fault, PROJECT_PATH, Paging, issue};

pub fn config(base_url: &str) -> Config {
    let text = format!(
        "[[gitlab]]\nname = \"work\"\nbase_url = \"{base_url}\"\nprojects = [\"{PROJECT_PATH}\"]\ntoken = \"glpat-test-token\"\n"
    );
    toml::from_str(&text).expect("config")
}

pub fn options() -> Options {
    let mut o = Options::new(
        &sprintdeck::config::SyncConfig::default(),
        Clock::frozen(now()),
    );
    o.per_page = 20;
    o
}

/// Waits recorded instead of slept.
pub fn recording_sleeper() -> (Sleeper, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let w = Arc::clone(&waits);
    let sleeper: Sleeper = Arc::new(move |d| {
        w.lock().expect("lock").push(d);
        Box::pin(async {})
    });
    (sleeper, waits)
}

pub async fn run(store: &Store, fake: &FakeGitlab, options: &Options) -> Result<Counts, String> {
    let (sleeper, _) = recording_sleeper();
    run_with(store, fake, options, sleeper).await
}

async fn run_with(
    store: &Store,
    fake: &FakeGitlab,
    options: &Options,
    sleeper: Sleeper,
) -> Result<Counts, String> {
    let config = config(&fake.server.uri());
    let mut results = sync::run::pass(store, &config, None, options, Some(sleeper), None)
        .await
        .expect("a source");
    results.remove(0).1
}

fn hours_ago(h: i64) -> DateTime<Utc> {
    now() - chrono::Duration::hours(h)
}

/// `n` issues updated over the last days, a few closed, some in progress by label.
pub fn issues(n: u64) -> Vec<Value> {
    (1..=n)
        .map(|i| {
            let labels: &[&str] = match i % 4 {
                0 => &["workflow::doing"],
                1 => &["bug"],
                _ => &[],
            };
            issue(
                i,
                hours_ago(i64::try_from(n - i).unwrap_or(0) + 1),
                i % 5 == 0,
                labels,
            )
        })
        .collect()
}

async fn scalar(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

async fn cursor(store: &Store) -> Option<String> {
    sprintdeck::store::sync_state::cursor(store.pool(), "work", "project:1")
        .await
        .expect("cursor")
}

#[tokio::test]
async fn bootstrap_then_incremental_asks_only_for_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(45), Paging::Keyset).await;
    let counts = run(&store, &fake, &options()).await.expect("bootstrap");
    assert_eq!(counts.seen, 45);
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 45);
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM issues WHERE status_category = 'done'"
        )
        .await,
        9,
        "closed issues are done"
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM issues WHERE status = 'workflow::doing' AND status_category = 'in_progress'"
        )
        .await,
        9,
        "status labels give the status"
    );
    let key: String = sqlx::query_scalar("SELECT key FROM issues ORDER BY id LIMIT 1")
        .fetch_one(store.pool())
        .await
        .expect("key");
    assert!(key.starts_with("my-group/my-project#"), "{key}");
    // History is fetched for issues that have moved (done or in progress): the fixture's
    // close event, once each; issues still to do have none yet.
    let moved = scalar(
        &store,
        "SELECT count(*) FROM issues WHERE status_category <> 'todo'",
    )
    .await;
    assert_eq!(moved, 18);
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM status_events WHERE source = 'poll'"
        )
        .await,
        moved
    );
    assert_eq!(
        fake.count("resource_").await,
        2 * 18,
        "two event lists per moved issue"
    );
    assert_eq!(
        cursor(&store).await,
        Some(sprintdeck::domain::time::to_db(hours_ago(1)))
    );
    let runs = scalar(
        &store,
        "SELECT count(*) FROM sync_runs WHERE state = 'ok' AND kind = 'bootstrap'",
    )
    .await;
    assert_eq!(runs, 1);

    // Nothing changed: one listing request, no history requests.
    let (lists, events) = (fake.listing_requests().await, fake.count("resource_").await);
    let counts = run(&store, &fake, &options()).await.expect("incremental");
    assert_eq!(
        fake.listing_requests().await - lists,
        1,
        "one request per project"
    );
    assert_eq!(
        fake.count("resource_").await - events,
        0,
        "no history re-fetched"
    );
    assert_eq!(counts.changed, 0);

    // One issue changes: one listing, and that issue's two event lists.
    {
        let mut state = fake.state.lock().expect("lock");
        let changed = &mut state.issues[3];
        changed["title"] = Value::from("Renamed upstream");
        changed["updated_at"] = Value::from(now().to_rfc3339());
    }
    let (lists, events) = (fake.listing_requests().await, fake.count("resource_").await);
    let counts = run(&store, &fake, &options()).await.expect("incremental");
    assert_eq!(fake.listing_requests().await - lists, 1);
    assert_eq!(
        fake.count("resource_").await - events,
        2,
        "state and label events of one issue"
    );
    assert_eq!(counts.changed, 1);
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM issues WHERE title = 'Renamed upstream'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM issues").await,
        45,
        "no duplicates"
    );
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM status_events").await,
        moved,
        "history not duplicated"
    );
    assert_eq!(
        cursor(&store).await,
        Some(sprintdeck::domain::time::to_db(now()))
    );
}

#[tokio::test]
async fn offset_pages_with_totals_are_fetched_concurrently_and_all_arrive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(95), Paging::Offset { totals: true }).await;
    let counts = run(&store, &fake, &options()).await.expect("sync");
    assert_eq!(counts.seen, 95);
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 95);
    assert_eq!(
        cursor(&store).await,
        Some(sprintdeck::domain::time::to_db(hours_ago(1)))
    );
}

#[tokio::test]
async fn offset_pages_without_totals_follow_next_page_to_the_empty_last_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    // 60 issues in pages of 20: the third page is the last, with an empty x-next-page.
    let fake = FakeGitlab::start(issues(60), Paging::Offset { totals: false }).await;
    let counts = run(&store, &fake, &options()).await.expect("sync");
    assert_eq!(counts.seen, 60);
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 60);
    // Two listings (old open issues, then the window), three pages for the second.
    assert_eq!(fake.listing_requests().await, 1 + 3);
}

#[tokio::test]
async fn rate_limit_waits_as_asked_and_server_errors_are_retried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(10), Paging::Keyset).await;
    {
        let mut s = fake.state.lock().expect("lock");
        s.faults
            .push_back(Fault::Status(429, vec![("retry-after", "2".into())]));
        for _ in 0..3 {
            s.faults.push_back(Fault::Status(500, vec![]));
        }
    }
    let (sleeper, waits) = recording_sleeper();
    let counts = run_with(&store, &fake, &options(), sleeper)
        .await
        .expect("recovers");
    assert_eq!(counts.seen, 10);
    let waits = waits.lock().expect("lock").clone();
    assert_eq!(waits.len(), 4, "{waits:?}");
    assert_eq!(waits[0], Duration::from_secs(2), "Retry-After honoured");
    assert!(
        waits[1..].iter().all(|w| *w >= Duration::from_millis(500)),
        "{waits:?}"
    );
}

#[tokio::test]
async fn rate_limit_resets_are_counted_from_the_injected_clock() {
    // Both forms name a time, not a delay: the wait is that time minus the frozen now (the
    // system clock would make it days long or nothing).
    let reset = (now() + chrono::Duration::seconds(7))
        .timestamp()
        .to_string();
    let date = (now() + chrono::Duration::seconds(9)).to_rfc2822();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(10), Paging::Keyset).await;
    {
        let mut s = fake.state.lock().expect("lock");
        s.faults
            .push_back(Fault::Status(429, vec![("ratelimit-reset", reset)]));
        s.faults
            .push_back(Fault::Status(429, vec![("retry-after", date)]));
    }
    let (sleeper, waits) = recording_sleeper();
    let counts = run_with(&store, &fake, &options(), sleeper)
        .await
        .expect("recovers");
    assert_eq!(counts.seen, 10);
    assert_eq!(
        *waits.lock().expect("lock"),
        [Duration::from_secs(7), Duration::from_secs(9)]
    );
}

#[tokio::test]
async fn a_refused_token_stops_the_source_without_retrying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(10), Paging::Keyset).await;
    fake.state
        .lock()
        .expect("lock")
        .faults
        .push_back(Fault::Status(401, vec![]));
    let (sleeper, waits) = recording_sleeper();
    let err = run_with(&store, &fake, &options(), sleeper)
        .await
        .expect_err("fails");
    assert!(
        err.contains("401") && err.contains("invalid, expired or revoked"),
        "{err}"
    );
    assert!(
        !err.contains("glpat-test-token"),
        "the token never shows: {err}"
    );
    assert!(waits.lock().expect("lock").is_empty(), "no retry");
    assert_eq!(fake.listing_requests().await, 1);
    let (state, error): (String, Option<String>) =
        sqlx::query_as("SELECT state, error FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(store.pool())
            .await
            .expect("run");
    assert_eq!(state, "failed");
    assert!(error.is_some_and(|e| e.contains("401")));
}

#[tokio::test]
async fn a_malformed_page_is_logged_and_earlier_pages_stay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(60), Paging::Keyset).await;
    fake.state
        .lock()
        .expect("lock")
        .page_faults
        .insert(2, Fault::Malformed);
    let err = run(&store, &fake, &options()).await.expect_err("fails");
    assert!(err.contains("unexpected answer"), "{err}");
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM issues").await,
        20,
        "page 1 kept"
    );
    let cursor_after_page_1 = cursor(&store).await.expect("cursor moved with page 1");
    let error: String = sqlx::query_scalar("SELECT error FROM sync_runs WHERE state = 'failed'")
        .fetch_one(store.pool())
        .await
        .expect("logged");
    assert!(error.contains("unexpected answer"), "{error}");
    // Fixed upstream: the next pass continues from the cursor and completes.
    fake.state.lock().expect("lock").page_faults.clear();
    run(&store, &fake, &options()).await.expect("recovers");
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 60);
    assert!(cursor(&store).await > Some(cursor_after_page_1));
}

#[tokio::test]
async fn a_sync_killed_after_two_pages_resumes_without_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(empty_store(&dir).await);
    let fake = FakeGitlab::start(issues(100), Paging::Keyset).await;
    fake.state
        .lock()
        .expect("lock")
        .page_faults
        .insert(3, Fault::Delay(Duration::from_secs(30)));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let config = config(&fake.server.uri());
    let task = {
        let store = Arc::clone(&store);
        let (sleeper, _) = recording_sleeper();
        tokio::spawn(async move {
            let _ =
                sync::run::pass(&store, &config, None, &options(), Some(sleeper), Some(&tx)).await;
        })
    };
    // Page 3 hangs: stop the sync once two pages of issues are stored.
    while let Some(event) = rx.recv().await {
        if matches!(event, SyncEvent::Page { issues: 40, .. }) {
            break;
        }
    }
    task.abort();
    let _ = task.await;
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM issues").await,
        40,
        "two pages stored"
    );
    let stopped = cursor(&store).await.expect("cursor of page 2");
    fake.state.lock().expect("lock").page_faults.clear();
    run(&store, &fake, &options()).await.expect("resumes");
    assert_eq!(scalar(&store, "SELECT count(*) FROM issues").await, 100);
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM (SELECT key FROM issues GROUP BY key HAVING count(*) > 1)"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM status_events").await,
        scalar(
            &store,
            "SELECT count(*) FROM issues WHERE status_category <> 'todo'"
        )
        .await,
        "one history per moved issue, none twice"
    );
    assert!(cursor(&store).await > Some(stopped));
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM sync_runs WHERE state = 'cancelled'"
        )
        .await,
        1,
        "the killed run is marked cancelled"
    );
}

#[tokio::test]
async fn local_overrides_survive_a_sync_that_changes_the_issue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(5), Paging::Keyset).await;
    run(&store, &fake, &options()).await.expect("bootstrap");
    let id: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE key = ?")
        .bind(format!("{PROJECT_PATH}#2"))
        .fetch_one(store.pool())
        .await
        .expect("issue");
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sprintdeck::store::detail::set_override(
                    c,
                    id,
                    sprintdeck::domain::overrides::OverrideField::Notes,
                    Some("ask Dana before closing"),
                    now(),
                )
                .await
            })
        })
        .await
        .expect("override");
    {
        let mut s = fake.state.lock().expect("lock");
        s.issues[1]["title"] = Value::from("Changed upstream");
        s.issues[1]["labels"] = serde_json::json!(["workflow::review"]);
        s.issues[1]["updated_at"] = Value::from(now().to_rfc3339());
    }
    run(&store, &fake, &options()).await.expect("incremental");
    let (title, status, notes): (String, String, Option<String>) = sqlx::query_as(
        "SELECT i.title, i.status, o.notes FROM issues i LEFT JOIN overrides o ON o.issue_id = i.id WHERE i.id = ?",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await
    .expect("row");
    assert_eq!(title, "Changed upstream");
    assert_eq!(status, "workflow::review");
    assert_eq!(notes.as_deref(), Some("ask Dana before closing"));
}

#[tokio::test]
async fn reconcile_marks_issues_gitlab_no_longer_shows_as_gone_and_keeps_their_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let fake = FakeGitlab::start(issues(12), Paging::Keyset).await;
    run(&store, &fake, &options()).await.expect("bootstrap");
    // Issue 4 (open, in progress) is deleted upstream.
    fake.state
        .lock()
        .expect("lock")
        .issues
        .retain(|i| i["iid"] != 4);
    let mut o = options();
    o.reconcile = true;
    let counts = run(&store, &fake, &o).await.expect("reconcile");
    assert_eq!(counts.gone, 1);
    let (gone, events): (Option<String>, i64) = sqlx::query_as(
        "SELECT i.gone_at, (SELECT count(*) FROM status_events e WHERE e.issue_id = i.id) FROM issues i WHERE key = ?",
    )
    .bind(format!("{PROJECT_PATH}#4"))
    .fetch_one(store.pool())
    .await
    .expect("still there");
    assert!(gone.is_some(), "marked gone");
    assert_eq!(events, 1, "history kept");
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM issues WHERE gone_at IS NULL").await,
        11
    );
}

/// The binary: `sync --once` prints one plain line per event when not on a terminal, exits 0;
/// a refused token exits 1 naming the source and the reason; then `export` sees the issues.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_once_from_the_command_line() {
    let fake = FakeGitlab::start(issues(30), Paging::Offset { totals: true }).await;
    let env = crate::common::BinaryEnv::new(
        &format!(
            "[[gitlab]]\nname = \"work\"\nbase_url = \"{}\"\nprojects = [\"{PROJECT_PATH}\"]\ntoken_env = \"SD_TEST_TOKEN\"\n",
            fake.server.uri()
        ),
        ("SD_TEST_TOKEN", "glpat-from-env"),
    );
    let run = |args: &'static [&'static str]| env.run(args);
    let o = run(&["sync", "--once"]).await;
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("work: bootstrap started"), "{err}");
    assert!(err.contains("work: done: "), "{err}");
    assert!(err.contains("30 issues seen"), "{err}");
    let o = run(&["export", "--format", "csv"]).await;
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(csv.lines().count(), 31, "{csv}");
    let o = run(&["doctor"]).await;
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("the token signs in as john_smith"), "{out}");
    assert!(
        out.contains("1 project visible: my-group/my-project"),
        "{out}"
    );
    assert!(out.contains("scopes: not reported"), "{out}");
    fake.state
        .lock()
        .expect("lock")
        .faults
        .push_back(Fault::Status(403, vec![]));
    let o = run(&["sync", "--once"]).await;
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("read_api"), "{err}");
    assert!(!err.contains("glpat-from-env"), "{err}");
    let o = run(&["sync", "--once", "--source", "nope"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no source named `nope`; configured: work")
    );
}

#[test]
fn doctor_names_an_unreachable_source_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    std::fs::write(
        &config,
        format!("[[gitlab]]\nname = \"work\"\nbase_url = \"http://127.0.0.1:{port}\"\nprojects = [\"a/b\"]\ntoken_cmd = \"echo glpat-x\"\n\n[sync]\ntimeout_secs = 2\n"),
    )
    .expect("config");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
        .arg("doctor")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("SPRINTDECK_DATA_DIR", dir.path().join("data"))
        .env("SPRINTDECK_CONFIG", &config)
        .output()
        .expect("runs");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("problem:") && out.contains("cannot connect"),
        "{out}"
    );
}
