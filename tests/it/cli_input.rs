//! Input the command line must refuse or read the same way everywhere, through the real binary:
//! one duration grammar for flags and queries, queries too big to run, and `--db` files that are
//! not sprintdeck databases.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::NOW;

/// The binary with an empty config, a temp data dir (the demo is made there on first use) and
/// the frozen clock.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.toml"), "").expect("empty config");
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("SPRINTDECK_DATA_DIR", self.path("data"))
            .env("SPRINTDECK_CONFIG", self.path("config.toml"))
            .env("SPRINTDECK_NOW", NOW)
            .output()
            .expect("binary runs")
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn max_age_reads_minutes_hours_days_and_weeks() {
    let env = Env::new();
    // The demo was refreshed 3 hours before the frozen clock.
    for fresh in ["1w", "1d", "200m", "4h", "3h30m"] {
        let out = env.run(&["report", "--format", "json", "--max-age", fresh]);
        assert_eq!(out.status.code(), Some(0), "{fresh}: {}", stderr(&out));
    }
    for stale in ["150m", "2h", "1h30m"] {
        let out = env.run(&["report", "--format", "json", "--max-age", stale]);
        assert_eq!(out.status.code(), Some(1), "{stale}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("older than --max-age {stale}")),
            "{}",
            stderr(&out)
        );
    }
    let bad = env.run(&["report", "--max-age", "5 fortnights"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("--max-age \"5 fortnights\" is not a duration"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn queries_read_the_same_durations_as_flags() {
    let env = Env::new();
    let count = |query: &str| {
        let out = env.run(&["export", "--format", "json", "--query", query]);
        assert_eq!(out.status.code(), Some(0), "{query}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["issues"].as_array().expect("issues").len()
    };
    // Minutes, and the same span written in other units, select the same issues.
    assert_eq!(count("updated:<30m"), count("updated:<1800s"));
    assert_eq!(count("updated:<1w"), count("updated:<7d"));
    assert_eq!(count("updated:<1d"), count("updated:<24h"));
    assert_eq!(count("in-progress:>90m"), count("in-progress:>1h30m"));
    assert!(count("updated:<1w") > count("updated:<30m"));
}

/// `a OR b OR …`: each word is a term, and each field term one more level in the SQL.
fn ors(n: usize, term: impl Fn(usize) -> String) -> String {
    (0..n).map(term).collect::<Vec<_>>().join(" OR ")
}

#[test]
fn pathological_queries_are_refused_with_their_position_not_run() {
    let env = Env::new();
    for (what, query) in [
        ("8,000 labels", ors(8000, |i| format!("label:l{i}"))),
        ("8,000 statuses", ors(8000, |_| "status:doing".to_owned())),
        ("8,000 words", ors(8000, |i| format!("w{i}"))),
        // Under the 128 KiB a single argument may have.
        ("100,000 characters", format!("\"{}\"", "x".repeat(100_000))),
    ] {
        let out = env.run(&["export", "--format", "csv", "--query", &query]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(err.starts_with("error: bad query:"), "{what}: {err}");
        assert!(!err.contains("database error"), "{what}: {err}");
        assert!(err.contains("column "), "{what}: the position: {err}");
        // The message shows where, not the whole query.
        assert!(err.len() < 2_000, "{what}: {} bytes", err.len());
    }
    // Long but reasonable queries still run: a dashboard number opens hundreds of keys.
    let keys = (1..=600)
        .map(|n| format!("OPS-{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let out = env.run(&[
        "export",
        "--format",
        "csv",
        "--query",
        &format!("key:{keys}"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).lines().count() > 100);
}

fn db_arg(path: &Path) -> &str {
    path.to_str().expect("utf8 path")
}

#[test]
fn a_db_that_is_not_a_sprintdeck_database_is_refused_and_left_alone() {
    let env = Env::new();
    let empty = env.path("empty.db");
    std::fs::write(&empty, b"").expect("empty file");
    let text = env.path("notes.txt");
    std::fs::write(&text, "shopping list\n").expect("text file");
    for (file, says) in [(&empty, "is empty"), (&text, "is not a SQLite database")] {
        let before = std::fs::read(file).expect("read");
        let out = env.run(&["--db", db_arg(file), "export", "--format", "csv"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(db_arg(file)) && err.contains(says), "{err}");
        assert!(err.contains("not a sprintdeck database"), "{err}");
        assert_eq!(std::fs::read(file).expect("read"), before, "left as it was");
    }
}

#[tokio::test]
async fn a_db_holding_another_programs_tables_is_refused_and_left_alone() {
    let env = Env::new();
    let other = env.path("other.db");
    {
        use sqlx::ConnectOptions as _;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&other)
            .create_if_missing(true)
            .connect()
            .await
            .expect("sqlite");
        sqlx::query("CREATE TABLE recipes (name TEXT)")
            .execute(&mut conn)
            .await
            .expect("table");
    }
    let out = env.run(&["--db", db_arg(&other), "export", "--format", "csv"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a sprintdeck database"), "{err}");
    let mut conn = {
        use sqlx::ConnectOptions as _;
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&other)
            .read_only(true)
            .connect()
            .await
            .expect("sqlite")
    };
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .expect("tables");
    assert_eq!(tables, ["recipes"], "no migration ran on it");
}

#[test]
fn man_prints_the_manual_page() {
    let env = Env::new();
    let out = env.run(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "roff: {page:.200}");
    assert!(page.contains(".TH sprintdeck 1"), "{page:.400}");
    assert!(page.contains("report"), "subcommands listed");
}

#[test]
fn demo_out_may_fill_an_empty_file_but_db_may_not_open_one() {
    let env = Env::new();
    let fresh = env.path("fresh.db");
    std::fs::write(&fresh, b"").expect("empty file, as mktemp makes");
    let made = env.run(&["demo", "--out", db_arg(&fresh), "--issues", "50"]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let out = env.run(&["--db", db_arg(&fresh), "export", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 51, "a header and 50 issues");
}
