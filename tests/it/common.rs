use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sprintdeck::clock::parse_instant;
use sprintdeck::demo::{self, DemoSpec};
use sprintdeck::domain::query;
use sprintdeck::store::filter::{self, FilterContext};
use sprintdeck::store::read::{self, IssueRow};
use sprintdeck::store::{Create, Store};

/// A Wednesday: the demo's active sprint is in its first week.
pub const NOW: &str = "2026-11-18T12:00:00Z";

pub fn now() -> DateTime<Utc> {
    parse_instant(NOW).expect("NOW parses")
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub async fn empty_store(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("test.db"), Create::IfMissing)
        .await
        .expect("store opens")
}

/// The demo workspace (1,500 issues) in a temp file, frozen at [`NOW`].
pub async fn demo_store(dir: &tempfile::TempDir) -> Store {
    let store = empty_store(dir).await;
    demo::write(
        &store,
        DemoSpec::new(demo::DEFAULT_ISSUES, demo::DEFAULT_SEED, now()),
    )
    .await
    .expect("demo writes");
    store
}

/// Runs a backlog query at [`NOW`], as `me` (if any), returning up to `limit` rows.
pub async fn query_rows(
    store: &Store,
    text: &str,
    me: Option<&str>,
    limit: Option<i64>,
) -> Vec<IssueRow> {
    let ctx = FilterContext {
        now: now(),
        me: me.map(str::to_owned),
    };
    let compiled = filter::compile(&query::parse(text).expect("parses"), &ctx).expect("compiles");
    read::backlog(store.pool(), &compiled, limit)
        .await
        .expect("runs")
}

/// The binary in `dir` with the config file written there from `config_text` and one extra
/// environment variable (a token), off the async threads so a mock server on this runtime can
/// answer it.
pub struct BinaryEnv {
    pub dir: tempfile::TempDir,
    token: (&'static str, &'static str),
}

impl BinaryEnv {
    pub fn new(config_text: &str, token: (&'static str, &'static str)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.toml"), config_text).expect("config");
        Self { dir, token }
    }

    pub async fn run(&self, args: &[&str]) -> std::process::Output {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let dir = self.dir.path().to_path_buf();
        let (key, value) = self.token;
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
                .args(args)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", &dir)
                .env("SPRINTDECK_DATA_DIR", dir.join("data"))
                .env("SPRINTDECK_CONFIG", dir.join("config.toml"))
                .env("SPRINTDECK_NOW", NOW)
                .env(key, value)
                .output()
                .expect("runs")
        })
        .await
        .expect("joined")
    }
}
