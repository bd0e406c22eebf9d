//! Board columns from a project's configured workflow: `p` picks the project, every card lands
//! in its status's column (or "Other"), and moves go to the next configured status.

use crossterm::event::KeyCode;
use sprintdeck::app::state::{Settings, Tab};

use crate::tui::{Harness, settings};

fn with_workflow(project: &str, statuses: &[&str]) -> Settings {
    let mut s = settings();
    s.workflows.insert(
        project.to_owned(),
        statuses.iter().map(|x| (*x).to_owned()).collect(),
    );
    s
}

/// Presses `p` until the board shows `project`.
async fn pick(h: &mut Harness, project: &str) {
    for _ in 0..5 {
        if h.state.board.project.as_deref() == Some(project) {
            return;
        }
        h.key(KeyCode::Char('p')).await;
    }
    panic!("`p` never reached {project}: {:?}", h.state.board.projects);
}

fn titles(h: &Harness) -> Vec<String> {
    h.state
        .board
        .columns
        .iter()
        .map(|c| c.title.to_string())
        .collect()
}

#[tokio::test]
async fn a_project_with_a_workflow_gets_a_column_per_status() {
    let s = with_workflow("OPS", &["To Do", "In Progress", "In Review", "Done"]);
    let mut h = Harness::with(s, (120, 40), Tab::Board).await;
    assert_eq!(
        titles(&h),
        ["To do", "In progress", "Done"],
        "all projects: categories"
    );
    let everyone = h.state.board.card_count();
    pick(&mut h, "OPS").await;
    assert_eq!(titles(&h), ["To Do", "In Progress", "In Review", "Done"]);
    let ops = h.state.board.card_count();
    assert!(ops > 0 && ops < everyone, "{ops} of {everyone}");
    for column in &h.state.board.columns {
        assert!(
            column.cards.iter().all(|c| c.project_key == "OPS"),
            "one project"
        );
        assert!(
            column.cards.iter().all(|c| c.status == column.title),
            "{} holds only its status",
            column.title
        );
    }
    // The same cards as the backlog's query for that project's sprint issues.
    let mut backlog = Harness::new((120, 40)).await;
    backlog.key(KeyCode::Char('/')).await;
    backlog.keys("sprint:current project:OPS").await;
    backlog.key(KeyCode::Enter).await;
    assert_eq!(backlog.state.backlog.matches, ops, "no card lost or added");
    // Back to every project.
    for _ in 0..h.state.board.projects.len() {
        h.key(KeyCode::Char('p')).await;
    }
    assert_eq!(h.state.board.project, None);
    assert_eq!(h.state.board.card_count(), everyone);
}

#[tokio::test]
async fn statuses_outside_the_workflow_gather_in_other_and_nothing_moves_into_it() {
    let s = with_workflow("OPS", &["To Do", "In Progress", "Done"]);
    let mut h = Harness::with(s, (120, 40), Tab::Board).await;
    pick(&mut h, "OPS").await;
    assert_eq!(titles(&h), ["To Do", "In Progress", "Done", "Other"]);
    let other = h.state.board.columns.last().expect("other");
    assert!(!other.cards.is_empty());
    assert!(other.cards.iter().all(|c| c.status == "In Review"));
    // From "Done" (the column before Other), a move right is refused and writes nothing.
    h.state.board.column = 2;
    assert!(h.state.board.selected().is_some(), "a done card");
    h.key(KeyCode::Char('L')).await;
    let flash = h.state.flash.clone().expect("told");
    assert!(
        flash.error && flash.text.contains("Other"),
        "{}",
        flash.text
    );
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(h.store.pool())
        .await
        .expect("count");
    assert_eq!(outbox, 0);
}

#[tokio::test]
async fn a_move_goes_to_the_next_workflow_status_with_its_known_category() {
    let s = with_workflow("OPS", &["To Do", "In Progress", "In Review", "Done"]);
    let mut h = Harness::with(s, (120, 40), Tab::Board).await;
    pick(&mut h, "OPS").await;
    // From "In Progress" to "In Review", which the data says is in progress.
    h.state.board.column = 1;
    let card = h
        .state
        .board
        .selected()
        .cloned()
        .expect("an in-progress card");
    h.key(KeyCode::Char('L')).await;
    let (status, category): (String, String) =
        sqlx::query_as("SELECT status, status_category FROM issues WHERE id = ?")
            .bind(card.id)
            .fetch_one(h.store.pool())
            .await
            .expect("issue");
    assert_eq!(
        (status.as_str(), category.as_str()),
        ("In Review", "in_progress")
    );
    let review = &h.state.board.columns[2];
    assert!(
        review.cards.iter().any(|c| c.id == card.id),
        "now in review"
    );
}

#[tokio::test]
async fn wip_limits_apply_to_workflow_columns() {
    let mut s = with_workflow("OPS", &["To Do", "In Progress", "In Review", "Done"]);
    s.wip_limits.insert("in review".into(), 0);
    let mut h = Harness::with(s, (120, 40), Tab::Board).await;
    pick(&mut h, "OPS").await;
    let review = h.state.board.columns[2].cards.len();
    assert!(review > 0);
    let screen = crate::panes::text(&crate::panes::draw(&h.state));
    assert!(
        screen.contains(&format!("! In Review {review}/0")),
        "{screen}"
    );
}
