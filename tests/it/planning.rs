//! The planner on small hand-made inputs (capacity, blockers, carry-over, determinism) and on
//! the demo; the analyst's rules, each with an input that triggers it and one that does not,
//! and no finding raised twice.

use std::collections::BTreeMap;

use chrono::Duration;
use sprintdeck::domain::proposal::{Change, Field};
use sprintdeck::planning::analyst::{self, ActiveSprint, Input, Issue, Rules};
use sprintdeck::planning::planner::{self, Candidate, PlanInput};

use crate::common::{demo_store, now};

fn candidate(
    key: &str,
    rank: i64,
    points: Option<f64>,
    who: Option<&str>,
    sprint: Option<&str>,
) -> Candidate {
    Candidate {
        id: key.bytes().fold(rank, |a, b| a * 31 + i64::from(b)),
        key: key.into(),
        title: format!("{key} title"),
        priority_rank: Some(rank),
        points,
        assignee: who.map(str::to_owned),
        sprint: sprint.map(str::to_owned),
        created_at: format!("2026-01-{:02}T00:00:00Z", rank.clamp(1, 28)),
        blocked_by: Vec::new(),
    }
}

fn input(candidates: Vec<Candidate>) -> PlanInput {
    PlanInput {
        target: "S2".into(),
        active: Some("S1".into()),
        capacity: BTreeMap::from([("ana".to_owned(), 8.0), ("bo".to_owned(), 5.0)]),
        capacity_source: BTreeMap::new(),
        max_items: 8,
        candidates,
    }
}

fn moved(plan: &planner::Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter_map(|c| match c {
            Change::MoveToSprint { key, to, .. } if to == "S2" => Some(key.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_plan_respects_capacity_carries_over_first_and_follows_priority() {
    let plan = planner::plan(&input(vec![
        candidate("B-1", 1, Some(5.0), Some("ana"), None),
        candidate("B-2", 2, Some(3.0), None, None),
        candidate("B-3", 3, Some(8.0), None, None),
        candidate("C-1", 9, Some(3.0), Some("ana"), Some("S1")),
        candidate("B-4", 4, None, None, None),
        candidate("B-5", 5, Some(2.0), None, None),
    ]));
    // Carry-over first whatever its priority, then the backlog by rank.
    assert_eq!(moved(&plan), ["C-1", "B-1", "B-2", "B-5"]);
    for (person, used, cap) in &plan.load {
        assert!(used <= cap, "{person}: {used} > {cap}");
    }
    assert!(plan.changes.contains(&Change::SetField {
        key: "B-2".into(),
        field: Field::Assignee,
        from: None,
        to: Some("bo".into()),
    }));
    let why: BTreeMap<&str, &str> = plan
        .left_out
        .iter()
        .map(|(k, w)| (k.as_str(), w.as_str()))
        .collect();
    assert_eq!(why.get("B-4"), Some(&"not estimated"));
    assert!(
        why.get("B-3").is_some_and(|w| w.contains("fit nobody")),
        "{why:?}"
    );
    assert_eq!(
        moved(&planner::plan(&input(vec![
            candidate("B-5", 5, Some(2.0), None, None),
            candidate("B-2", 2, Some(3.0), None, None),
            candidate("C-1", 9, Some(3.0), Some("ana"), Some("S1")),
            candidate("B-4", 4, None, None, None),
            candidate("B-1", 1, Some(5.0), Some("ana"), None),
            candidate("B-3", 3, Some(8.0), None, None),
        ]))),
        moved(&plan),
        "the order of the input does not matter"
    );
    assert_eq!(
        planner::plan(&input(plan_input_again())),
        planner::plan(&input(plan_input_again()))
    );
}

fn plan_input_again() -> Vec<Candidate> {
    vec![
        candidate("B-1", 1, Some(5.0), None, None),
        candidate("B-2", 1, Some(5.0), None, None),
    ]
}

#[test]
fn a_blocked_issue_comes_after_its_blocker_or_not_at_all() {
    let mut waiting = candidate("B-1", 1, Some(2.0), None, None);
    waiting.blocked_by = vec!["B-2".into()];
    let blocker = candidate("B-2", 2, Some(2.0), None, None);
    let mut stuck = candidate("B-3", 3, Some(1.0), None, None);
    stuck.blocked_by = vec!["X-9".into()];
    let plan = planner::plan(&input(vec![waiting, blocker, stuck]));
    assert_eq!(
        moved(&plan),
        ["B-2", "B-1"],
        "the blocker first, though less urgent"
    );
    assert!(
        plan.left_out
            .iter()
            .any(|(k, w)| k == "B-3" && w.contains("blocked by X-9")),
        "{:?}",
        plan.left_out
    );
}

#[tokio::test]
async fn on_the_demo_the_plan_stays_within_capacity_and_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let config = sprintdeck::config::Config::default();
    let (id, plan) = sprintdeck::planning::run_planner(&store, &config, "next", now())
        .await
        .expect("plans")
        .expect("a next sprint");
    assert!(!moved_any(&plan).is_empty());
    let input = planner::load(store.pool(), &config, "next")
        .await
        .expect("load")
        .expect("input");
    // Only what the plan moves counts against capacity: items already there were there before.
    let mut added: BTreeMap<String, f64> = BTreeMap::new();
    for c in &plan.changes {
        if let Change::MoveToSprint { key, .. } = c {
            let cand = input
                .candidates
                .iter()
                .find(|x| &x.key == key)
                .expect("candidate");
            let who = cand.assignee.clone().or_else(|| {
                plan.changes.iter().find_map(|c| match c {
                    Change::SetField { key: k, to, .. } if k == key => to.clone(),
                    _ => None,
                })
            });
            *added.entry(who.expect("someone")).or_default() += cand.points.expect("estimated");
        }
    }
    for (person, points) in &added {
        assert!(
            points <= &input.capacity[person],
            "{person}: {points} > {}",
            input.capacity[person]
        );
    }
    sprintdeck::store::proposals::apply_or_mark(&store, id, "ana.souza", false, now())
        .await
        .expect("the plan applies");
}

fn moved_any(plan: &planner::Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| matches!(c, Change::MoveToSprint { .. }))
        .collect()
}

fn issue(key: &str) -> Issue {
    Issue {
        key: key.into(),
        title: format!("{key} title"),
        issue_type: "story".into(),
        status: "To Do".into(),
        category: "todo".into(),
        priority_rank: Some(3),
        points: Some(3.0),
        assignee: Some("ana".into()),
        updated_at: now(),
        due: None,
        parent: None,
        sprint: Some("S1".into()),
        blocked_by: Vec::new(),
    }
}

fn base() -> Input {
    Input {
        now: now(),
        issues: vec![issue("A-1")],
        active: Some(ActiveSprint {
            name: "S1".into(),
            committed: 10.0,
            added: 1.0,
        }),
        next: Some("S2".into()),
        capacity: BTreeMap::from([("ana".to_owned(), 8.0)]),
        velocity: vec![
            ("S-3".into(), 20.0),
            ("S-2".into(), 20.0),
            ("S-1".into(), 20.0),
            ("S0".into(), 19.0),
        ],
        done_status: Some("Done".into()),
        sprint_load: BTreeMap::from([("ana".to_owned(), 3.0)]),
        finished_epics: Vec::new(),
    }
}

fn rules_hit(input: &Input) -> Vec<&'static str> {
    analyst::analyze(input, &Rules::default())
        .iter()
        .map(|f| f.rule)
        .collect()
}

#[rstest::rstest]
#[case("blocked")]
#[case("scope")]
#[case("over_capacity")]
#[case("overdue")]
#[case("stale")]
#[case("velocity")]
#[case("epic_done")]
#[case("unestimated")]
fn each_rule_fires_on_its_fixture_and_not_on_the_quiet_one(#[case] rule: &str) {
    let quiet = base();
    assert!(
        !rules_hit(&quiet).contains(&rule),
        "{rule} fired on the quiet input"
    );
    let mut loud = base();
    let old = now() - Duration::days(30);
    match rule {
        "blocked" => {
            loud.issues[0].blocked_by = vec!["A-9".into()];
            loud.issues[0].updated_at = old;
        }
        "scope" => loud.active.as_mut().expect("active").added = 5.0,
        "over_capacity" => {
            loud.sprint_load.insert("ana".into(), 11.0);
        }
        "overdue" => loud.issues[0].due = Some("2026-11-01".into()),
        "stale" => {
            loud.issues[0].category = "in_progress".into();
            loud.issues[0].updated_at = old;
        }
        "velocity" => loud.velocity[3].1 = 10.0,
        "epic_done" => {
            let mut epic = issue("E-1");
            epic.issue_type = "epic".into();
            epic.status = "Open".into();
            loud.finished_epics.push((epic, 2));
        }
        "unestimated" => {
            let mut next = issue("A-3");
            next.sprint = Some("S2".into());
            next.points = None;
            loud.issues.push(next);
        }
        other => panic!("{other}"),
    }
    let findings = analyst::analyze(&loud, &Rules::default());
    let found = findings
        .iter()
        .find(|f| f.rule == rule)
        .expect("the rule fires");
    assert!(!found.evidence.is_empty());
    match rule {
        // The obvious fix comes with it: the least urgent item not started moves on.
        "over_capacity" => assert!(
            matches!(&found.changes[..], [Change::MoveToSprint { to, .. }] if to == "S2"),
            "{:?}",
            found.changes
        ),
        "epic_done" => assert!(
            matches!(&found.changes[..], [Change::SetStatus { key, from, to, .. }] if key == "E-1" && from == "Open" && to == "Done"),
            "{:?}",
            found.changes
        ),
        _ => {}
    }
}

#[tokio::test]
async fn a_finding_is_raised_once_until_its_evidence_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let config = sprintdeck::config::Config::default();
    let first = sprintdeck::planning::run_analyst(&store, &config, now())
        .await
        .expect("runs");
    assert!(!first.is_empty(), "the demo has risks");
    let again = sprintdeck::planning::run_analyst(&store, &config, now())
        .await
        .expect("runs");
    assert!(
        again.is_empty(),
        "nothing raised twice: {:?}",
        again.iter().map(|(_, f)| &f.title).collect::<Vec<_>>()
    );
    // Rejected stays quiet too; changed evidence (a day later, new overdue issues) is new.
    let later = now() + Duration::days(3);
    let third = sprintdeck::planning::run_analyst(&store, &config, later)
        .await
        .expect("runs");
    assert!(
        !third.is_empty(),
        "three days on, the overdue and stale lists differ"
    );
    assert!(third.iter().all(|(_, f)| {
        first
            .iter()
            .all(|(_, g)| g.fingerprint() != f.fingerprint())
    }));
}

#[tokio::test]
async fn an_epic_whose_children_are_done_is_found_in_the_store_and_its_close_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let epic: String = sqlx::query_scalar(
        "SELECT e.key FROM issues e WHERE e.issue_type = 'epic' AND e.status_category != 'done' \
         AND EXISTS (SELECT 1 FROM issues c WHERE c.parent_id = e.id) ORDER BY e.id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("an open epic with children");
    let key = epic.clone();
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE issues SET status_category = 'done', status = 'Done' \
                     WHERE parent_id = (SELECT id FROM issues WHERE key = ?)",
                )
                .bind(key)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .expect("children done");
    let config = sprintdeck::config::Config::default();
    let raised = sprintdeck::planning::run_analyst(&store, &config, now())
        .await
        .expect("runs");
    let (id, finding) = raised
        .iter()
        .find(|(_, f)| f.rule == "epic_done" && f.evidence.first() == Some(&epic))
        .expect("the finished epic is found");
    assert_eq!(finding.changes.len(), 1);
    sprintdeck::store::proposals::apply_or_mark(&store, *id, "ana.souza", false, now())
        .await
        .expect("the close applies");
    let category: String = sqlx::query_scalar("SELECT status_category FROM issues WHERE key = ?")
        .bind(&epic)
        .fetch_one(store.pool())
        .await
        .expect("epic");
    assert_eq!(category, "done");
}
