//! Generated backlogs: the published schema, each validation rule with a passing and a failing
//! fixture, duplicates of demo issues, and the backlog applied as a proposal creating its
//! hierarchy.

use std::fmt::Write as _;

use sprintdeck::domain::proposal::{Change, Kind};
use sprintdeck::generator::{Backlog, Level, Rules, rules};
use sprintdeck::store::proposals::{self, NewProposal};

use crate::common::{demo_store, fixture, now};

fn raw(name: &str) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("generator/{name}.json"))).expect("fixture"),
    )
    .expect("json")
}

fn load(name: &str) -> Backlog {
    serde_json::from_value(raw(name)).expect("a backlog")
}

fn schema_errors(value: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(sprintdeck::generator::backlog::SCHEMA).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("a schema");
    validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn the_published_schema_takes_the_valid_backlog_and_refuses_other_shapes() {
    assert!(schema_errors(&raw("valid")).is_empty());
    let errors = schema_errors(&raw("not-the-schema"));
    assert!(errors.iter().any(|e| e.contains("extra")), "{errors:?}");
}

#[rstest::rstest]
#[case("valid", None)]
#[case("too-big", Some(("needs_split", Level::Error)))]
#[case("no-criteria", Some(("acceptance_criteria", Level::Error)))]
#[case("long-title", Some(("summary_length", Level::Error)))]
#[case("other-project", Some(("one_project", Level::Error)))]
#[case("unestimated", Some(("unestimated", Level::Warning)))]
fn each_rule_passes_the_valid_backlog_and_catches_its_case(
    #[case] name: &str,
    #[case] expected: Option<(&str, Level)>,
) {
    let found = rules::check(&load(name), &Rules::default(), "OPS");
    match expected {
        None => assert!(found.is_empty(), "{found:?}"),
        Some((rule, level)) => {
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!((found[0].rule, found[0].level), (rule, level));
            assert_eq!(rules::applicable(&found), level == Level::Warning);
        }
    }
}

#[tokio::test]
async fn a_story_like_an_existing_issue_is_flagged_with_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (key, title): (String, String) = sqlx::query_as(
        "SELECT key, title FROM issues WHERE issue_type = 'story' AND gone_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("a story");
    let mut backlog = load("valid");
    let clean = rules::duplicates(store.pool(), &backlog, &Rules::default())
        .await
        .expect("query");
    assert!(clean.is_empty(), "{clean:?}");
    backlog.epics[0].stories[0].title.clone_from(&title);
    let found = rules::duplicates(store.pool(), &backlog, &Rules::default())
        .await
        .expect("query");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].level, Level::Warning);
    // The demo reuses titles: any issue with this one is the right answer.
    let same: Vec<String> = sqlx::query_scalar("SELECT key FROM issues WHERE title = ?")
        .bind(&title)
        .fetch_all(store.pool())
        .await
        .expect("keys");
    assert!(same.contains(&key));
    assert!(
        same.iter()
            .any(|k| found[0].message.contains(&format!("like {k} ("))),
        "{}",
        found[0].message
    );
}

#[tokio::test]
async fn an_applied_backlog_creates_its_hierarchy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let changes = load("valid").changes(None);
    assert_eq!(changes.len(), 4, "an epic, a story, two tasks");
    assert!(
        matches!(&changes[1], Change::Create { parent: Some(p), .. } if p == "new-1"),
        "{changes:?}"
    );
    let proposal = NewProposal {
        kind: Kind::Backlog,
        title: "Invoice export".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes,
        author: "llm:test".into(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    };
    proposals::create_and_apply(&store, proposal, false, now())
        .await
        .expect("applies");
    let tree: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT i.issue_type, i.title, p.title FROM issues i LEFT JOIN issues p ON p.id = i.parent_id \
         WHERE i.remote_id LIKE 'local:%' ORDER BY i.id",
    )
    .fetch_all(store.pool())
    .await
    .expect("tree");
    assert_eq!(
        tree,
        [
            ("epic".into(), "Invoice export".into(), None),
            (
                "story".into(),
                "Export a month of invoices as CSV".into(),
                Some("Invoice export".into())
            ),
            (
                "task".into(),
                "Write the CSV writer".into(),
                Some("Export a month of invoices as CSV".into())
            ),
            (
                "task".into(),
                "Add the export button".into(),
                Some("Export a month of invoices as CSV".into())
            ),
        ]
    );
}

/// An `OpenAI` stream carrying `text`: the recorded stream's chunk shape with the content cut
/// into pieces, then its own final usage chunk and `[DONE]`.
fn openai_stream(text: &str) -> String {
    let recorded = std::fs::read_to_string(fixture("llm/chat-stream.gpt-4.1-nano.DERIVED.sse"))
        .expect("fixture");
    let events: Vec<&str> = recorded
        .split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .collect();
    let template: serde_json::Value =
        serde_json::from_str(events[1].trim_start_matches("data: ")).expect("a content chunk");
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    for piece in chars.chunks(40) {
        let mut chunk = template.clone();
        chunk["choices"][0]["delta"]["content"] =
            serde_json::json!(piece.iter().collect::<String>());
        let _ = write!(out, "data: {chunk}\n\n");
    }
    for tail in &events[events.len() - 2..] {
        out.push_str(tail);
        out.push_str("\n\n");
    }
    out
}

#[tokio::test]
async fn generate_repairs_an_invalid_answer_once_and_keeps_a_backlog_proposal() {
    let valid = std::fs::read_to_string(fixture("generator/valid.json")).expect("fixture");
    let sse = [("content-type", "text/event-stream")];
    let (url, seen) = crate::llm::serve(vec![
        crate::llm::Reply::new(
            200,
            &sse,
            openai_stream("Here you go: {\"project\": \"OPS\", \"epics\": ["),
        ),
        crate::llm::Reply::new(200, &sse, openai_stream(&format!("```json\n{valid}\n```"))),
    ])
    .await;
    let env = crate::common::BinaryEnv::new(
        &format!("[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n"),
        ("SPRINTDECK_UNUSED", ""),
    );
    let out = env
        .run(&[
            "generate",
            "--project",
            "OPS",
            "--idea",
            "invoice export for accountants",
            "--json",
        ])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        seen.requests.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one repair"
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(p["kind"], "backlog");
    assert_eq!(p["state"], "pending");
    assert_eq!(p["changes"].as_array().map(Vec::len), Some(4));
    assert!(
        p["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e.as_str().is_some_and(|e| e.starts_with("2 attempt(s)"))),
        "{p}"
    );
    let id = p["id"].as_i64().expect("id").to_string();
    let applied = env.run(&["proposals", "apply", &id]).await;
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    // The team's own template replaces the built-in one; its hash goes with the run.
    let own = "Make a backlog for {{ project }} as JSON:\n{{ schema }}\n";
    let dir = env.dir.path().join("prompts/generator");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("backlog.md"), own).expect("template");
    let out = env
        .run(&[
            "generate",
            "--project",
            "OPS",
            "--idea",
            "invoice export",
            "--json",
        ])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hash = sprintdeck::store::prompts::sha256(own.as_bytes());
    let wanted = format!("template sha256:{}", &hash[..16]);
    assert!(
        p["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e.as_str() == Some(wanted.as_str())),
        "{p}"
    );
}

#[tokio::test]
async fn a_backlog_with_rule_errors_cannot_be_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let backlog = load("too-big");
    let violations = rules::check(&backlog, &Rules::default(), "OPS");
    assert!(!rules::applicable(&violations));
    let proposal = NewProposal {
        kind: Kind::Backlog,
        title: "too big".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes: backlog.changes(None),
        author: "llm:test".into(),
        expires_at: None,
        fingerprint: None,
        severity: Some("high".into()),
    };
    let err = proposals::create_and_apply(&store, proposal, false, now())
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("breaks the [generator] rules"),
        "{err}"
    );
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM issues WHERE remote_id LIKE 'local:%'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(created, 0);
}
