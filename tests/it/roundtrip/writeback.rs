//! Write-back against the simulator: an applied proposal pushed with the trackers' own write
//! calls lands in the world, and the next sync reads it back as the tracker holds it.

use sprintdeck::domain::proposal::{Change, Field, Kind};
use sprintdeck::store::proposals::{self, NewProposal};
use sprintdeck::sync::writeback;

use super::check::compare;
use super::{Trackers, assert_ok, config, expected, first_pass, sync, world};
use crate::common::now;
use crate::sim::Simulator;

fn proposal(changes: Vec<Change>) -> NewProposal {
    NewProposal {
        kind: Kind::Manual,
        title: "round trip".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes,
        author: "zoe.angstrom".into(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    }
}

/// An open, unestimated standard issue of a project, and two unlinked open ones.
fn pick(sim: &Simulator, project: usize) -> (String, String, String) {
    use sprintdeck::demo::teams::model::{JiraType, Step, current};
    sim.world(|w| {
        let open: Vec<_> = w
            .jira
            .issues
            .iter()
            .filter(|i| i.project == project && current(&i.history) == Step::Todo)
            .filter(|i| {
                matches!(
                    i.issue_type,
                    JiraType::Story | JiraType::Task | JiraType::Bug
                )
            })
            .filter(|i| {
                !w.jira
                    .links
                    .iter()
                    .any(|l| l.outward_issue_id == i.id || l.inward_issue_id == i.id)
            })
            .collect();
        let first = open
            .iter()
            .find(|i| i.points.is_none())
            .expect("an unestimated issue");
        let others: Vec<_> = open.iter().filter(|i| i.id != first.id).take(2).collect();
        (
            first.key.clone(),
            others[0].key.clone(),
            others[1].key.clone(),
        )
    })
}

async fn push(
    store: &sprintdeck::store::Store,
    sim: &Simulator,
    changes: Vec<Change>,
) -> Vec<writeback::Outcome> {
    proposals::create_and_apply(store, proposal(changes), true, now())
        .await
        .expect("applies");
    writeback::push(
        store,
        &config(sim, Trackers::Jira),
        None,
        false,
        sprintdeck::clock::Clock::frozen(now()),
        None,
    )
    .await
    .expect("pushes")
}

#[tokio::test]
async fn jira_write_back_lands_in_the_tracker_and_the_next_sync_reads_it_back() {
    let (_dir, store, sim, results) = first_pass(world(0, 300), Trackers::Jira).await;
    assert_ok(&results);
    let (issue, from_key, to_key) = pick(&sim, 1);
    let outcomes = push(
        &store,
        &sim,
        vec![
            Change::SetStatus {
                key: issue.clone(),
                from: "To Do".into(),
                to: "In Progress".into(),
                to_category: "in_progress".into(),
            },
            Change::SetField {
                key: issue.clone(),
                field: Field::Points,
                from: None,
                to: Some("5".into()),
            },
            Change::Comment {
                key: issue.clone(),
                body: "Pushed by the round trip: 👍🏽".into(),
            },
            Change::Link {
                from: from_key.clone(),
                to: to_key.clone(),
            },
        ],
    )
    .await;
    for o in &outcomes {
        assert!(o.result.is_ok(), "{o:?}");
    }
    sim.world(|w| {
        let i = w
            .jira
            .issues
            .iter()
            .find(|i| i.key == issue)
            .expect("issue");
        assert_eq!(
            sprintdeck::demo::teams::model::current(&i.history),
            sprintdeck::demo::teams::model::Step::Doing
        );
        assert_eq!(i.points, Some(5.0));
        assert!(i.comments.iter().any(|c| c.body.contains("round trip")));
    });
    let later = now() + chrono::Duration::hours(1);
    sim.set_now(later);
    assert_ok(&sync(&store, &sim, Trackers::Jira, later, false).await);
    compare(store.pool(), &expected(&sim, Trackers::Jira, now()))
        .await
        .assert_clean(&[
            "issues",
            "fields",
            "links",
            "sprints",
            "histories",
            "people",
        ]);
    let log = sim.log();
    assert_eq!(
        log.count("POST /rest/api/3/issue/:key/transitions"),
        1,
        "{}",
        log.summary()
    );
    assert_eq!(log.count("POST /rest/api/3/issueLink"), 1);
}

#[tokio::test]
async fn jira_write_back_estimates_a_company_managed_issue() {
    let (_dir, store, sim, results) = first_pass(world(0, 300), Trackers::Jira).await;
    assert_ok(&results);
    let (issue, _, _) = pick(&sim, 0);
    let outcomes = push(
        &store,
        &sim,
        vec![Change::SetField {
            key: issue.clone(),
            field: Field::Points,
            from: None,
            to: Some("3".into()),
        }],
    )
    .await;
    assert!(outcomes[0].result.is_ok(), "{outcomes:?}");
    assert_eq!(
        sim.world(|w| w
            .jira
            .issues
            .iter()
            .find(|i| i.key == issue)
            .and_then(|i| i.points)),
        Some(3.0)
    );
}
