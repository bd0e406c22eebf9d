//! Generated backlogs: the published schema, each validation rule with a passing and a failing
//! fixture, duplicates of demo issues, and the backlog applied as a proposal creating its
//! hierarchy.

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
