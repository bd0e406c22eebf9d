use sprintdeck::export;
use sprintdeck::store::read::IssueRow;

use crate::common::{demo_store, now, query_rows};

/// A small fixed slice of the demo: OPS bugs of high priority, by key.
const QUERY: &str = "project:OPS type:bug priority:high sort:key";

async fn fixed_rows() -> Vec<IssueRow> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let rows = query_rows(&store, QUERY, None, Some(6)).await;
    store.close().await.expect("closes");
    assert_eq!(rows.len(), 6, "the demo has enough high-priority OPS bugs");
    rows
}

#[tokio::test]
async fn csv_golden() {
    insta::assert_snapshot!(export::csv(&fixed_rows().await).expect("csv"));
}

#[tokio::test]
async fn json_golden() {
    let text = export::json(&fixed_rows().await, QUERY, now()).expect("json");
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["version"], 1);
    assert_eq!(value["count"], 6);
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn markdown_golden() {
    insta::assert_snapshot!(export::markdown(&fixed_rows().await, QUERY));
}

#[test]
fn hostile_text_cannot_break_out_of_cells() {
    let row = IssueRow {
        id: 1,
        key: "X-1".into(),
        project_key: "X".into(),
        issue_type: "bug".into(),
        title: "pipe | and\nnewline \u{1b}]0;pwned\u{7}\u{1b}[2Jend".into(),
        status: "To Do".into(),
        status_category: "todo".into(),
        priority: None,
        priority_rank: None,
        story_points: Some(0.5),
        due_date: None,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-02T00:00:00Z".into(),
        closed_at: None,
        web_url: None,
        parent_key: None,
        assignees: None,
        labels: None,
        sprint: None,
        blocked: false,
    };
    let md = export::markdown(std::slice::from_ref(&row), "");
    let line = md
        .lines()
        .find(|l| l.starts_with("| X-1"))
        .expect("row line");
    assert_eq!(
        line,
        "| X-1 | bug | pipe \\| and newline end | To Do |  | 0.5 |  |  |  | 2026-01-02 |"
    );
    let csv = export::csv(std::slice::from_ref(&row)).expect("csv");
    assert!(!csv.contains('\u{1b}'));
    let json = export::json(std::slice::from_ref(&row), "", now()).expect("json");
    assert!(!json.contains('\u{1b}'), "JSON escapes control characters");
}
