//! Proposals applied through the store: each kind of change, its undo, and a conflict that
//! rolls everything back.

use sprintdeck::domain::proposal::{Change, Field, Kind, ProposalState};
use sprintdeck::store::Store;
use sprintdeck::store::proposals::{self, NewProposal};

use crate::common::{demo_store, now};

/// Everything a change can touch on an issue, as text, to compare before and after.
async fn state_of(store: &Store, key: &str) -> String {
    type Row = (
        String,
        String,
        Option<f64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    );
    let row: Row =
        sqlx::query_as(
            "SELECT i.status, i.status_category, i.story_points, i.priority, i.due_date, \
             (SELECT group_concat(l.name, ',') FROM (SELECT l.name FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = i.id ORDER BY l.name) l), \
             (SELECT group_concat(p.username, ',') FROM issue_assignees ia JOIN people p ON p.id = ia.person_id WHERE ia.issue_id = i.id), \
             (SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id WHERE si.issue_id = i.id AND si.removed_at IS NULL ORDER BY s.start_at DESC LIMIT 1), \
             (SELECT count(*) FROM issue_links WHERE from_issue_id = i.id) \
             FROM issues i WHERE i.key = ?",
        )
        .bind(key)
        .fetch_one(store.pool())
        .await
        .expect("issue");
    format!("{row:?}")
}

async fn two_issues(store: &Store) -> (String, String) {
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT i.key FROM issues i WHERE i.status_category = 'in_progress' AND i.story_points IS NOT NULL \
         AND EXISTS (SELECT 1 FROM sprint_issues si WHERE si.issue_id = i.id AND si.removed_at IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM issue_links l WHERE l.from_issue_id = i.id OR l.to_issue_id = i.id) \
         ORDER BY i.id LIMIT 2",
    )
    .fetch_all(store.pool())
    .await
    .expect("keys");
    (keys[0].clone(), keys[1].clone())
}

async fn scalar(store: &Store, sql: &str, key: &str) -> Option<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(key)
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

fn proposal(changes: Vec<Change>) -> NewProposal {
    NewProposal {
        kind: Kind::Manual,
        title: "test".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes,
        author: "ana.souza".into(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Case {
    Status,
    Points,
    Priority,
    Labels,
    Assignee,
    Due,
    Sprint,
    OutOfSprint,
    Link,
}

async fn change_for(store: &Store, case: Case, a: &str, b: &str) -> Change {
    let status = scalar(store, "SELECT status FROM issues WHERE key = ?", a).await;
    let field = |field: Field, from: Option<String>, to: &str| Change::SetField {
        key: a.to_owned(),
        field,
        from,
        to: Some(to.to_owned()),
    };
    let sprint = scalar(
        store,
        "SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id JOIN issues i ON i.id = si.issue_id \
         WHERE i.key = ? AND si.removed_at IS NULL ORDER BY s.start_at DESC LIMIT 1",
        a,
    )
    .await;
    match case {
        Case::Status => Change::SetStatus {
            key: a.into(),
            from: status.expect("status"),
            to: "In Review".into(),
            to_category: "in_progress".into(),
        },
        Case::Points => {
            let from = scalar(
                store,
                "SELECT CAST(CAST(story_points AS INTEGER) AS TEXT) FROM issues WHERE key = ?",
                a,
            )
            .await;
            field(Field::Points, from, "13")
        }
        Case::Priority => {
            let from = scalar(store, "SELECT priority FROM issues WHERE key = ?", a).await;
            field(Field::Priority, from, "Highest")
        }
        Case::Labels => {
            let from = scalar(store, "SELECT group_concat(name, ',') FROM (SELECT l.name FROM issue_labels il JOIN labels l ON l.id = il.label_id JOIN issues i ON i.id = il.issue_id WHERE i.key = ? ORDER BY l.name)", a).await;
            field(Field::Labels, from, "needs-review,security")
        }
        Case::Assignee => {
            let from = scalar(store, "SELECT group_concat(username, ',') FROM (SELECT p.username FROM issue_assignees ia JOIN people p ON p.id = ia.person_id JOIN issues i ON i.id = ia.issue_id WHERE i.key = ? ORDER BY p.username)", a).await;
            field(Field::Assignee, from, "zoe.muller")
        }
        Case::Due => {
            let from = scalar(store, "SELECT due_date FROM issues WHERE key = ?", a).await;
            field(Field::Due, from, "2026-12-24")
        }
        Case::Sprint => {
            let other: String = sqlx::query_scalar(
                "SELECT name FROM sprints WHERE state = 'future' ORDER BY start_at LIMIT 1",
            )
            .fetch_one(store.pool())
            .await
            .expect("a future sprint");
            Change::MoveToSprint {
                key: a.into(),
                from: sprint,
                to: other,
            }
        }
        Case::OutOfSprint => Change::RemoveFromSprint {
            key: a.into(),
            from: sprint.expect("in a sprint"),
        },
        Case::Link => Change::Link {
            from: a.into(),
            to: b.into(),
        },
    }
}

#[rstest::rstest]
#[case(Case::Status)]
#[case(Case::Points)]
#[case(Case::Priority)]
#[case(Case::Labels)]
#[case(Case::Assignee)]
#[case(Case::Due)]
#[case(Case::Sprint)]
#[case(Case::OutOfSprint)]
#[case(Case::Link)]
#[tokio::test]
async fn each_change_applies_is_audited_queued_and_undone_exactly(#[case] case: Case) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (a, b) = two_issues(&store).await;
    let before = state_of(&store, &a).await;
    let change = change_for(&store, case, &a, &b).await;
    let (id, applied) = proposals::create_and_apply(&store, proposal(vec![change]), true, now())
        .await
        .expect("applies");
    let after = state_of(&store, &a).await;
    assert_ne!(after, before, "{case:?} changed something");
    assert_eq!(applied.outbox, 1, "one remote write queued");
    let p = proposals::get(store.pool(), id)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(p.state, ProposalState::Applied);
    let audit = proposals::audit_log(store.pool(), 10).await.expect("audit");
    assert_eq!(audit[0].action, "apply");
    assert_eq!(audit[0].proposal_id, Some(id));
    let (undo, of) = proposals::undo_last(&store, "ana.souza", true, now())
        .await
        .expect("undoes");
    assert_eq!(of, id);
    assert!(undo > id);
    assert_eq!(
        state_of(&store, &a).await,
        before,
        "{case:?} undone exactly"
    );
    let err = proposals::undo_last(&store, "ana.souza", true, now())
        .await
        .expect_err("nothing left to undo");
    assert!(err.to_string().contains("nothing to undo"), "{err}");
}

#[tokio::test]
async fn a_stale_expected_value_rolls_back_everything_and_marks_the_proposal_conflicted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (a, b) = two_issues(&store).await;
    let (before_a, before_b) = (state_of(&store, &a).await, state_of(&store, &b).await);
    let outbox_before: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(store.pool())
        .await
        .expect("count");
    let good = change_for(&store, Case::Status, &a, &b).await;
    let stale = Change::SetField {
        key: b.clone(),
        field: Field::Priority,
        from: Some("a priority it never had".into()),
        to: Some("Low".into()),
    };
    let err = proposals::create_and_apply(&store, proposal(vec![good, stale]), true, now())
        .await
        .expect_err("conflict");
    let message = err.to_string();
    assert!(message.contains("change 2 of 2"), "{message}");
    assert!(
        message.contains("it is now"),
        "names the current value: {message}"
    );
    assert_eq!(
        state_of(&store, &a).await,
        before_a,
        "the first change was rolled back"
    );
    assert_eq!(state_of(&store, &b).await, before_b);
    let outbox_after: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(outbox_after, outbox_before, "nothing queued");
    let p = &proposals::list(store.pool(), Some(ProposalState::Conflicted), now())
        .await
        .expect("list")[0];
    assert!(
        p.decision_reason
            .as_deref()
            .is_some_and(|r| r.contains("change 2 of 2"))
    );
    assert!(
        proposals::audit_log(store.pool(), 10)
            .await
            .expect("audit")
            .is_empty()
    );
}

#[tokio::test]
async fn a_created_issue_joins_its_parent_and_sprint_and_its_undo_removes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (parent, project, sprint): (String, String, String) = sqlx::query_as(
        "SELECT i.key, p.key, (SELECT name FROM sprints WHERE state = 'active' LIMIT 1) \
         FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.issue_type = 'epic' ORDER BY i.id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("epic");
    let create = Change::Create {
        temp_key: "new-1".into(),
        project: project.clone(),
        issue_type: "story".into(),
        title: "Export invoices as CSV".into(),
        description: "As an accountant I want a CSV.".into(),
        acceptance_criteria: vec!["Given invoices, when I export, then I get a CSV".into()],
        points: Some(3.0),
        labels: vec!["finance".into()],
        sprint: Some(sprint.clone()),
        parent: Some(parent.clone()),
    };
    let task = Change::Create {
        temp_key: "new-2".into(),
        project,
        issue_type: "task".into(),
        title: "Write the CSV writer".into(),
        description: String::new(),
        acceptance_criteria: Vec::new(),
        points: None,
        labels: Vec::new(),
        sprint: None,
        parent: Some("new-1".into()),
    };
    let (_, applied) =
        proposals::create_and_apply(&store, proposal(vec![create, task]), true, now())
            .await
            .expect("applies");
    assert_eq!(applied.created.len(), 2);
    let story_key = &applied
        .created
        .iter()
        .find(|(t, _)| t == "new-1")
        .expect("story")
        .1;
    let (title, parent_key, desc): (String, String, String) = sqlx::query_as(
        "SELECT i.title, p.key, i.description FROM issues i JOIN issues p ON p.id = i.parent_id WHERE i.key = ?",
    )
    .bind(story_key)
    .fetch_one(store.pool())
    .await
    .expect("created");
    assert_eq!(
        (title.as_str(), parent_key.as_str()),
        ("Export invoices as CSV", parent.as_str())
    );
    assert!(
        desc.contains("## Acceptance criteria\n\n- Given invoices"),
        "{desc}"
    );
    assert!(state_of(&store, story_key).await.contains(&sprint));
    let task_parent: String = sqlx::query_scalar(
        "SELECT p.key FROM issues i JOIN issues p ON p.id = i.parent_id WHERE i.title = 'Write the CSV writer'",
    )
    .fetch_one(store.pool())
    .await
    .expect("task");
    assert_eq!(
        &task_parent, story_key,
        "a temp key names an issue created earlier in the proposal"
    );
    proposals::undo_last(&store, "ana.souza", true, now())
        .await
        .expect("undo");
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM issues WHERE remote_id LIKE 'local:%'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(left, 0);
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE operation = 'create_issue' AND state = 'pending'",
    )
    .fetch_one(store.pool())
    .await
    .expect("count");
    assert_eq!(pending, 0, "the creates are no longer pushed");
}

#[tokio::test]
async fn reject_expire_and_write_back_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (a, b) = two_issues(&store).await;
    let change = change_for(&store, Case::Points, &a, &b).await;
    let mut expiring = proposal(vec![change.clone()]);
    expiring.expires_at = Some(now() - chrono::Duration::days(1));
    let rejected = proposal(vec![change.clone()]);
    let ids = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                let x = proposals::create(c, &expiring, now()).await?;
                let r = proposals::create(c, &rejected, now()).await?;
                proposals::reject(c, r, "ana.souza", Some("not now"), now()).await?;
                let expired = proposals::expire(c, now()).await?;
                Ok((x, r, expired))
            })
        })
        .await
        .expect("ok");
    assert_eq!(ids.2, 1);
    let x = proposals::get(store.pool(), ids.0)
        .await
        .expect("get")
        .expect("x");
    assert_eq!(x.state, ProposalState::Expired);
    let r = proposals::get(store.pool(), ids.1)
        .await
        .expect("get")
        .expect("r");
    assert_eq!(
        (r.state, r.decision_reason.as_deref()),
        (ProposalState::Rejected, Some("not now"))
    );
    let err = proposals::apply_or_mark(&store, ids.1, "ana.souza", true, now())
        .await
        .expect_err("a rejected proposal is not applied");
    assert!(err.to_string().contains("not pending"), "{err}");
    // write_back = false: applied locally, the outbox row is kept as skipped.
    proposals::create_and_apply(&store, proposal(vec![change]), false, now())
        .await
        .expect("applies");
    let skipped: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'skipped'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(skipped, 1);
}

#[tokio::test]
async fn an_overdue_proposal_reads_as_expired_without_a_write_and_is_not_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (a, b) = two_issues(&store).await;
    let mut old = proposal(vec![change_for(&store, Case::Points, &a, &b).await]);
    old.expires_at = Some(now() - chrono::Duration::hours(1));
    let id = store
        .writer()
        .transaction(move |c| Box::pin(async move { proposals::create(c, &old, now()).await }))
        .await
        .expect("kept");
    let listed = proposals::list(store.pool(), None, now())
        .await
        .expect("list");
    assert_eq!(listed[0].state, ProposalState::Expired);
    assert!(
        proposals::list(store.pool(), Some(ProposalState::Pending), now())
            .await
            .expect("list")
            .is_empty()
    );
    let stored: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = ?")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert_eq!(stored, "pending", "reading wrote nothing");
    let err = proposals::apply_or_mark(&store, id, "ana.souza", true, now())
        .await
        .expect_err("expired");
    assert!(err.to_string().contains("expired"), "{err}");
    let stored: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = ?")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert_eq!(stored, "pending", "a refusal is not a conflict");
}

#[tokio::test]
async fn a_comment_is_queued_for_the_tracker_and_cannot_be_undone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (a, _) = two_issues(&store).await;
    let before = state_of(&store, &a).await;
    let comment = Change::Comment {
        key: a.clone(),
        body: "Blocked on the vendor; moved out of the sprint.".into(),
    };
    let (_, applied) = proposals::create_and_apply(&store, proposal(vec![comment]), true, now())
        .await
        .expect("applies");
    assert_eq!(applied.outbox, 1);
    assert_eq!(
        state_of(&store, &a).await,
        before,
        "comments live on the tracker"
    );
    let payload: String =
        sqlx::query_scalar("SELECT payload_json FROM outbox WHERE operation = 'comment'")
            .fetch_one(store.pool())
            .await
            .expect("queued");
    assert!(payload.contains("Blocked on the vendor"), "{payload}");
    let err = proposals::undo_last(&store, "ana.souza", true, now())
        .await
        .expect_err("no undo");
    assert!(err.to_string().contains("cannot be undone"), "{err}");
}

mod pane {
    use crossterm::event::KeyCode;
    use sprintdeck::app::state::Tab;
    use sprintdeck::domain::proposal::{Change, ProposalState};

    use crate::panes::{draw, text};
    use crate::tui::{Harness, settings};

    async fn status_of(h: &Harness, key: &str) -> String {
        sqlx::query_scalar("SELECT status FROM issues WHERE key = ?")
            .bind(key)
            .fetch_one(h.store.pool())
            .await
            .expect("status")
    }

    #[tokio::test]
    async fn plan_apply_undo_and_the_audit_log_by_keypress() {
        let mut h = Harness::with(settings(), (120, 36), Tab::Proposals).await;
        let screen = text(&draw(&h.state));
        assert!(screen.contains("nothing to decide"), "{screen}");
        h.key(KeyCode::Char('P')).await;
        assert_eq!(h.state.proposals.list.len(), 1);
        let p = h.state.proposals.list[0].clone();
        assert_eq!(p.state, ProposalState::Pending);
        let screen = text(&draw(&h.state));
        assert!(screen.contains("Proposals (1)"), "the badge: {screen}");
        assert!(screen.contains("carried over from the active"), "{screen}");
        insta::assert_snapshot!("proposals_plan_diff_120x36", screen);
        // One moved issue, to check the board's data before and after.
        let (key, from) = p
            .changes
            .iter()
            .find_map(|c| match c {
                Change::MoveToSprint {
                    key, from: Some(f), ..
                } => Some((key.clone(), f.clone())),
                _ => None,
            })
            .expect("a carried-over issue");
        h.key(KeyCode::Char('a')).await;
        let sprint = |h: &Harness, key: String| {
            let pool = h.store.pool().clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
                     JOIN issues i ON i.id = si.issue_id WHERE i.key = ? AND si.removed_at IS NULL \
                     AND s.state != 'closed' ORDER BY s.start_at DESC LIMIT 1",
                )
                .bind(key)
                .fetch_one(&pool)
                .await
                .expect("sprint")
            }
        };
        assert_ne!(sprint(&h, key.clone()).await, from, "moved");
        assert!(
            h.state.proposals.list.is_empty(),
            "nothing pending any more"
        );
        assert!(
            h.state
                .flash
                .as_ref()
                .is_some_and(|f| f.text.starts_with("applied proposal")),
            "{:?}",
            h.state.flash
        );
        h.key(KeyCode::Char('x')).await;
        let screen = text(&draw(&h.state));
        assert!(
            screen.contains("apply") && screen.contains("Plan Sprint"),
            "{screen}"
        );
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('u')).await;
        assert_eq!(sprint(&h, key.clone()).await, from, "undone");
        h.key(KeyCode::Char('x')).await;
        let audit = h.state.proposals.audit.clone().expect("audit");
        let actions: Vec<&str> = audit.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["undo", "apply", "apply"]);
        insta::assert_snapshot!("proposals_audit_120x36", text(&draw(&h.state)));
    }

    #[tokio::test]
    async fn tab_walks_the_issues_a_proposal_names_and_enter_opens_one() {
        let mut h = Harness::with(settings(), (120, 36), Tab::Proposals).await;
        h.key(KeyCode::Char('P')).await;
        let keys = sprintdeck::app::proposals::keys_of(&h.state.proposals.list[0]);
        assert!(keys.len() > 2, "{keys:?}");
        h.key(KeyCode::Tab).await;
        h.key(KeyCode::Tab).await;
        assert_eq!(h.state.proposals.key_cursor, Some(1));
        let screen = text(&draw(&h.state));
        assert!(
            screen.contains(&format!("issue {} (enter opens", keys[1])),
            "{screen}"
        );
        h.key(KeyCode::Enter).await;
        assert_eq!(h.state.tab, Tab::Backlog);
        let opened = h
            .state
            .detail
            .as_ref()
            .and_then(|d| d.data.as_ref())
            .map(|d| d.row.key.clone());
        assert_eq!(opened.as_deref(), Some(keys[1].as_str()));
    }

    #[tokio::test]
    async fn help_lists_the_panes_own_keys() {
        let mut h = Harness::with(settings(), (120, 40), Tab::Proposals).await;
        h.key(KeyCode::Char('?')).await;
        let screen = text(&draw(&h.state));
        // Generated from the keymap: the queue's keys, then its modes' (scroll for more).
        assert!(screen.contains("keys: proposals"), "{screen}");
        assert!(screen.contains("apply (all changes, or none)"), "{screen}");
        assert!(
            screen.contains("proposals: editing the changes"),
            "{screen}"
        );
    }

    #[tokio::test]
    async fn a_conflict_is_shown_and_nothing_changes() {
        let mut h = Harness::with(settings(), (120, 36), Tab::Proposals).await;
        h.key(KeyCode::Char('P')).await;
        let p = h.state.proposals.list[0].clone();
        let Some(Change::MoveToSprint { key, .. }) = p.changes.first().cloned() else {
            panic!("{:?}", p.changes);
        };
        // A sync moves the issue elsewhere before anyone decides.
        let moved = key.clone();
        h.store
            .writer()
            .transaction(move |c| {
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE sprint_issues SET removed_at = '2026-11-18T11:00:00Z' \
                         WHERE issue_id = (SELECT id FROM issues WHERE key = ?)",
                    )
                    .bind(moved)
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await
            .expect("update");
        let before = status_of(&h, &key).await;
        h.key(KeyCode::Char('a')).await;
        assert!(
            h.state
                .flash
                .as_ref()
                .is_some_and(|f| f.error && f.text.contains("change 1 of")),
            "{:?}",
            h.state.flash
        );
        assert_eq!(status_of(&h, &key).await, before);
        h.key(KeyCode::Char('s')).await;
        let shown = &h.state.proposals.list[0];
        assert_eq!(shown.state, ProposalState::Conflicted);
        let screen = text(&draw(&h.state));
        assert!(
            screen.contains("conflicted") && screen.contains("it is now in none"),
            "{screen}"
        );
        insta::assert_snapshot!("proposals_conflict_120x36", screen);
    }

    #[tokio::test]
    async fn reject_with_a_reason_edit_before_applying_and_read_only() {
        let mut h = Harness::with(settings(), (120, 36), Tab::Proposals).await;
        h.key(KeyCode::Char('P')).await;
        h.key(KeyCode::Char('r')).await;
        h.keys("next quarter").await;
        h.key(KeyCode::Enter).await;
        assert!(h.state.proposals.list.is_empty());
        let rejected = sprintdeck::store::proposals::list(
            h.store.pool(),
            Some(ProposalState::Rejected),
            crate::common::now(),
        )
        .await
        .expect("list");
        assert_eq!(rejected[0].decision_reason.as_deref(), Some("next quarter"));
        // Edit: drop the first change, apply the rest.
        h.key(KeyCode::Char('P')).await;
        let total = h.state.proposals.list[0].changes.len();
        let first = h.state.proposals.list[0].changes[0].clone();
        h.key(KeyCode::Char('e')).await;
        h.key(KeyCode::Char(' ')).await;
        h.key(KeyCode::Char('a')).await;
        let applied = sprintdeck::store::proposals::list(
            h.store.pool(),
            Some(ProposalState::Applied),
            crate::common::now(),
        )
        .await
        .expect("list");
        assert_eq!(applied[0].changes.len(), total - 1);
        assert!(!applied[0].changes.contains(&first));
        // Read-only: shown, not decided.
        let mut ro = settings();
        ro.read_only = true;
        let (store, dir) = h.into_parts();
        let mut h = Harness::on(store, dir, ro, (120, 36), Tab::Proposals).await;
        h.key(KeyCode::Char('s')).await;
        assert!(!h.state.proposals.list.is_empty());
        h.key(KeyCode::Char('u')).await;
        assert!(
            h.state
                .flash
                .as_ref()
                .is_some_and(|f| f.text.contains("read-only")),
            "{:?}",
            h.state.flash
        );
        let undone: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'undo'")
                .fetch_one(h.store.pool())
                .await
                .expect("count");
        assert_eq!(undone, 0);
    }
}
