//! The real binary, run as a user would, in a temp data dir with a frozen clock.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{NOW, fixture};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.toml"), "").expect("empty config");
        Self { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with_config(&self.path("config.toml"), args)
    }

    fn run_with_config(&self, config: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("SPRINTDECK_DATA_DIR", self.path("data"))
            .env("SPRINTDECK_CONFIG", config)
            .env("SPRINTDECK_NOW", NOW)
            .output()
            .expect("binary runs")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn demo_out_then_export_json_from_that_file() {
    let env = Env::new();
    let db = env.path("x.db");
    let db_arg = db.to_str().expect("utf8 path");
    let made = env.run(&["demo", "--out", db_arg, "--issues", "300", "--seed", "3"]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    assert!(
        stdout(&made).starts_with(&format!("generated demo workspace {db_arg} (300 issues")),
        "{}",
        stdout(&made)
    );
    // Running it again on the same day changes nothing.
    let again = env.run(&["demo", "--out", db_arg, "--issues", "300", "--seed", "3"]);
    assert!(
        stdout(&again).starts_with("up to date: demo workspace"),
        "{}",
        stdout(&again)
    );

    let exported = env.run(&[
        "--db",
        db_arg,
        "export",
        "--format",
        "json",
        "--query",
        "type:story is:open",
    ]);
    assert_eq!(exported.status.code(), Some(0), "{}", stderr(&exported));
    let value: serde_json::Value =
        serde_json::from_slice(&exported.stdout).expect("JSON on stdout");
    let issues = value["issues"].as_array().expect("issues array");
    assert!(!issues.is_empty());
    assert_eq!(value["count"].as_u64(), Some(issues.len() as u64));
    assert!(
        issues
            .iter()
            .all(|i| i["issue_type"] == "story" && i["status_category"] != "done")
    );
    assert_eq!(value["generated_at"], "2026-11-18T12:00:00Z");
}

#[test]
fn export_without_db_uses_the_demo_in_the_data_dir_and_writes_files() {
    let env = Env::new();
    let out = env.path("backlog.csv");
    let o = env.run(&[
        "export",
        "--format",
        "csv",
        "--query",
        "sprint:current",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        env.path("data/demo.db").exists(),
        "the demo was created in the data dir"
    );
    let csv = std::fs::read_to_string(&out).expect("file written");
    assert!(csv.starts_with("key,project,type,title,status,category,assignees,points,sprint,"));
    let lines = csv.lines().count() - 1;
    assert!(lines > 10, "{lines} rows");
    assert!(
        stderr(&o).contains(&format!("wrote {lines} issues to")),
        "{}",
        stderr(&o)
    );
    assert!(csv.lines().skip(1).all(|l| l.contains("Sprint 47")));

    let md = env.run(&["export", "--format", "md", "--limit", "3"]);
    assert_eq!(md.status.code(), Some(0));
    assert!(
        stdout(&md).starts_with("3 issues\n\n| Key |"),
        "{}",
        stdout(&md)
    );
}

#[test]
fn doctor_reports_config_database_and_counts() {
    let env = Env::new();
    let o = env.run(&["doctor"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("(found and valid)"), "{text}");
    assert!(text.contains("demo.db (demo, workspace demo)"), "{text}");
    assert!(
        text.contains(&format!(
            "schema     version {v} (this build knows {v})",
            v = sprintdeck::store::known_schema_version()
        )),
        "{text}"
    );
    assert!(
        text.contains("contents   3 projects, 1500 issues, 8 people, 8 sprints,"),
        "{text}"
    );
    assert!(text.contains("sources    none configured"), "{text}");

    let missing = env.run(&[
        "--db",
        env.path("nope.db").to_str().expect("utf8"),
        "doctor",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stdout(&missing).contains("database   problem: no database at"),
        "{}",
        stdout(&missing)
    );
}

#[test]
fn bad_config_exits_2_with_the_located_error() {
    let env = Env::new();
    let o = env.run_with_config(&fixture("config/unknown-key.toml"), &["doctor"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error: config error in "), "{err}");
    assert!(err.contains("unknown-key.toml, line 2, key `sync.intervall_minutes`: unknown key `intervall_minutes`"), "{err}");
    assert!(
        err.contains("hint: did you mean `interval_minutes`?"),
        "{err}"
    );
    assert!(o.stdout.is_empty());

    let missing = env.run_with_config(&env.path("absent.toml"), &["export", "--format", "csv"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("does not exist"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn literal_token_in_config_warns_on_start_and_never_reaches_the_log() {
    let env = Env::new();
    let o = env.run_with_config(
        &fixture("config/literal-token.toml"),
        &["--db", "/nonexistent/x.db", "doctor"],
    );
    let err = stderr(&o);
    assert!(
        err.contains("warning: gitlab[0].token holds a secret in plain text (`glpa…`)"),
        "{err}"
    );
    let logs = std::fs::read_dir(env.path("data/logs"))
        .expect("log dir")
        .flatten();
    let mut all = String::new();
    for entry in logs {
        all.push_str(&std::fs::read_to_string(entry.path()).expect("log file"));
    }
    assert!(
        all.contains("holds a secret in plain text"),
        "the warning is logged: {all}"
    );
    assert!(
        !all.contains("glpat-abcdefghijklmnopqrstuvwx"),
        "token leaked to the log"
    );
    assert!(
        !all.contains("ATATT3xFfGF0abcdefghijklmnop1234"),
        "token leaked to the log"
    );
}

#[test]
fn bad_query_exits_2_with_a_caret() {
    let env = Env::new();
    let o = env.run(&[
        "export",
        "--format",
        "csv",
        "--query",
        "status:doing type:saga",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: bad query:\nstatus:doing type:saga\n                  ^ expected a type: epic, story, task or bug\n"
    );
}

#[test]
fn demo_out_refuses_to_overwrite_a_database_that_is_not_a_demo() {
    let env = Env::new();
    let db = env.path("team.db");
    let db_arg = db.to_str().expect("utf8");
    assert_eq!(
        env.run(&["demo", "--out", db_arg, "--issues", "50"])
            .status
            .code(),
        Some(0)
    );
    // Make it look like a synced database.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = sprintdeck::store::Store::open(&db, sprintdeck::store::Create::MustExist)
            .await
            .expect("opens");
        store
            .writer()
            .transaction(|c| {
                Box::pin(async move {
                    sqlx::query("DELETE FROM workspace_meta WHERE key = 'demo'")
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
            })
            .await
            .expect("unmark");
        store.close().await.expect("closes");
    });
    let o = env.run(&["demo", "--out", db_arg]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a sprintdeck demo (50 issues); choose another --out path"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_completions_and_usage_errors() {
    let env = Env::new();
    let help = env.run(&["export", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Examples:"), "{}", stdout(&help));
    assert!(stdout(&help).contains("is:open|closed|overdue|blocked|unestimated"));
    let completions = env.run(&["completions", "bash"]);
    assert_eq!(completions.status.code(), Some(0));
    assert!(
        stdout(&completions).contains("_sprintdeck()"),
        "bash completion function"
    );
    let usage = env.run(&["export", "--format", "xml"]);
    assert_eq!(usage.status.code(), Some(2));
    let clock = Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
        .args(["doctor"])
        .env("SPRINTDECK_NOW", "yesterday")
        .env("SPRINTDECK_DATA_DIR", env.path("data"))
        .env("SPRINTDECK_CONFIG", env.path("config.toml"))
        .output()
        .expect("runs");
    assert_eq!(clock.status.code(), Some(2));
    assert!(
        stderr(&clock).contains("SPRINTDECK_NOW=\"yesterday\" is not a time"),
        "{}",
        stderr(&clock)
    );
}

#[test]
fn without_a_terminal_the_default_command_describes_the_workspace() {
    let env = Env::new();
    let o = env.run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("workspace demo (demo) at "), "{text}");
    assert!(
        text.contains("1500 issues in 3 projects, 8 sprints, 8 people"),
        "{text}"
    );
    assert!(
        text.contains("Run it in a terminal for the interactive UI"),
        "{text}"
    );
}
