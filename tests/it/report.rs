//! `sprintdeck report` on the demo with a frozen clock: goldens, the JSON schema, exit codes.

use std::process::Command;

use crate::common::NOW;

fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    let config = data.join("config.toml");
    std::fs::write(&config, "").expect("config");
    Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
        .args(args)
        .env("SPRINTDECK_DATA_DIR", data.join("data"))
        .env("SPRINTDECK_CONFIG", &config)
        .env("SPRINTDECK_NOW", NOW)
        .output()
        .expect("runs")
}

fn stdout(o: &std::process::Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn report_goldens_and_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = stdout(&run(dir.path(), &["report", "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("docs/report.schema.json").expect("schema file"),
    )
    .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match docs/report.schema.json: {errors:#?}"
    );
    // The same numbers as the identity in docs/metrics.md.
    let s = &value["sprint"];
    let identity = s["committed"].as_f64().unwrap_or(0.0) + s["added"].as_f64().unwrap_or(0.0)
        - s["removed"].as_f64().unwrap_or(0.0)
        - s["completed"].as_f64().unwrap_or(0.0);
    assert!((identity - s["remaining"].as_f64().unwrap_or(-1.0)).abs() < 1e-6);
    let last = s["burndown"]
        .as_array()
        .and_then(|b| b.last())
        .expect("burndown");
    assert_eq!(last["remaining"], s["remaining"]);
    // A broken document is caught by the schema (the test can fail).
    let mut broken = value.clone();
    broken["counts"]["overdue"]["count"] = serde_json::json!(-1);
    assert!(!validator.is_valid(&broken));
    insta::assert_snapshot!("report_json", json);
    insta::assert_snapshot!(
        "report_md",
        stdout(&run(dir.path(), &["report", "--format", "md"]))
    );
    insta::assert_snapshot!(
        "report_csv",
        stdout(&run(dir.path(), &["report", "--format", "csv"]))
    );
    let table = stdout(&run(dir.path(), &["report"]));
    assert!(
        table.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{table}"
    );
    insta::assert_snapshot!("report_table", table);
}

#[test]
fn report_fails_loudly_on_stale_or_empty_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stale = run(dir.path(), &["report", "--max-age", "1h"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&stale.stderr)
            .contains("older than --max-age 1h (last refreshed: 3 h ago)")
    );
    assert_eq!(
        run(dir.path(), &["report", "--max-age", "4h"])
            .status
            .code(),
        Some(0)
    );
    let bad = run(dir.path(), &["report", "--max-age", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
    let unknown = run(dir.path(), &["report", "--sprint", "Sprint 99"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no sprint named \"Sprint 99\"; sprints are: Sprint 41")
    );
    let project = stdout(&run(
        dir.path(),
        &["report", "--project", "OPS", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&project).expect("JSON");
    let keys = v["counts"]["in_progress"]["keys"].as_array().expect("keys");
    assert!(
        !keys.is_empty()
            && keys
                .iter()
                .all(|k| k.as_str().is_some_and(|k| k.starts_with("OPS-")))
    );
    // An empty database: a synced workspace that never synced.
    let empty = tempfile::tempdir().expect("tempdir");
    let config = empty.path().join("config.toml");
    std::fs::write(&config, "[[gitlab]]\nname = \"work\"\ntoken_env = \"T\"\n").expect("config");
    let o = Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
        .args(["report"])
        .env("SPRINTDECK_DATA_DIR", empty.path().join("data"))
        .env("SPRINTDECK_CONFIG", &config)
        .env("SPRINTDECK_NOW", NOW)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("holds no issues"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[tokio::test]
async fn capacity_comes_from_config_then_source_then_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::common::demo_store(&dir).await;
    store
        .writer()
        .transaction(|c| {
            Box::pin(async move {
                sqlx::query("UPDATE people SET capacity = NULL WHERE username = 'zoe.muller'")
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("capacity removed");
    store.close().await.expect("closes");
    let config = dir.path().join("people.toml");
    std::fs::write(
        &config,
        "[people]\ndefault_capacity = 7\ncapacity = { \"ana.souza\" = 21 }\n",
    )
    .expect("config");
    let o = Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
        .args([
            "--db",
            dir.path().join("test.db").to_str().expect("utf8"),
            "report",
            "--format",
            "json",
        ])
        .env("SPRINTDECK_DATA_DIR", dir.path().join("data"))
        .env("SPRINTDECK_CONFIG", &config)
        .env("SPRINTDECK_NOW", NOW)
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let capacity = |name: &str| {
        v["people"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["person"] == name))
            .map(|p| p["capacity"].clone())
            .expect(name)
    };
    assert_eq!(capacity("ana.souza"), 21.0, "the config wins");
    assert_eq!(capacity("zoe.muller"), 7.0, "the default fills a gap");
    assert_eq!(capacity("bjorn.lund"), 13.0, "the source's value otherwise");
}
