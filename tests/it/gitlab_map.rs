//! GitLab payloads (the fixtures, unchanged or with label names and times changed) into
//! records and history.

use serde_json::Value;
use sprintdeck::domain::StatusCategory;
use sprintdeck::domain::issue::SprintState;
use sprintdeck::sync::gitlab::api::{Issue, LabelEvent, StateEvent};
use sprintdeck::sync::gitlab::map::{self, ProjectInfo};
use sprintdeck::sync::gitlab::{history, status::StatusMap};

use crate::common::{fixture, now};

fn project() -> ProjectInfo {
    ProjectInfo {
        remote_id: "1".into(),
        path: "my-group/my-project".into(),
        name: "my-project".into(),
        web_url: None,
        group: None,
    }
}

fn issues(file: &str) -> Vec<(Issue, String)> {
    let text = std::fs::read_to_string(fixture(file)).expect("fixture");
    let values: Vec<Value> = serde_json::from_str(&text).expect("json");
    values
        .into_iter()
        .map(|v| {
            (
                serde_json::from_value(v.clone()).expect("an issue"),
                v.to_string(),
            )
        })
        .collect()
}

#[test]
fn the_documented_issue_maps_with_its_milestone_as_a_sprint() {
    let list = issues("gitlab/issues.list.docs-example-13x.json");
    let b = map::batch("work", &project(), &list, &StatusMap::default(), now()).expect("maps");
    let i = &b.issues[0];
    assert_eq!(i.key, "my-group/my-project#6");
    assert_eq!(i.remote_id, "76");
    assert_eq!(
        (i.status.as_str(), i.status_category),
        ("Open", StatusCategory::Todo)
    );
    assert_eq!(i.labels, ["foo", "bar"]);
    assert_eq!(
        i.assignees,
        ["1"],
        "assignees[] wins over the deprecated assignee"
    );
    assert_eq!(
        i.due_date.map(|d| d.to_string()).as_deref(),
        Some("2016-07-22")
    );
    assert_eq!(
        i.web_url.as_deref(),
        Some("http://example.com/my-group/my-project/issues/6")
    );
    assert!(
        i.raw_json
            .as_deref()
            .is_some_and(|r| r.contains("task_completion_status")),
        "raw kept"
    );
    assert_eq!(b.sprints.len(), 1);
    assert_eq!(b.sprints[0].name, "v4.0");
    assert_eq!(b.sprints[0].state, SprintState::Closed);
    assert_eq!(b.memberships[0].issue_key, i.key);
    let people: Vec<&str> = b.people.iter().map(|p| p.username.as_str()).collect();
    assert_eq!(people, ["root", "eileen.lowe"]);
}

/// The epic is the parent, named by its group's path (from the epic's page, a path or a full
/// URL); the epic itself is not in the page's batch: it is stored once, from its group.
#[test]
fn an_epic_becomes_the_parent_by_its_groups_path() {
    for (url, group) in [
        (
            "https://gitlab.example.com/groups/my-group/-/epics/5",
            "my-group",
        ),
        ("/groups/my-group/sub/-/epics/5", "my-group/sub"),
    ] {
        let mut list = issues("gitlab/issues.list.docs-example-13x.json");
        let mut raw: Value = serde_json::from_str(&list[0].1).expect("json");
        raw["epic"] = serde_json::json!({"id": 41, "iid": 5, "title": "Checkout revamp", "url": url, "group_id": 7});
        list[0] = (
            serde_json::from_value(raw.clone()).expect("issue"),
            raw.to_string(),
        );
        let b = map::batch("work", &project(), &list, &StatusMap::default(), now()).expect("maps");
        assert_eq!(b.issues.len(), 1, "no epic row from a child project");
        let child = b
            .issues
            .iter()
            .find(|i| i.key == "my-group/my-project#6")
            .expect("child");
        assert_eq!(child.parent_key, Some(format!("{group}&5")));
    }
}

#[test]
fn the_2012_shape_still_parses() {
    let list = issues("gitlab/issues.list.LEGACY-2012.narkoz.json");
    let b = map::batch("work", &project(), &list, &StatusMap::default(), now()).expect("maps");
    assert_eq!(b.issues.len(), list.len());
    let i = &b.issues[0];
    assert_eq!(i.key, "my-group/my-project#36", "no iid: the id numbers it");
    assert_eq!(i.status_category, StatusCategory::Todo, "closed: false");
    assert!(
        b.people.iter().any(|p| p.username == "Michale Von"),
        "no username: the name"
    );
}

#[test]
fn an_iteration_is_the_sprint_even_with_an_integer_state() {
    let mut list = issues("gitlab/issues.list.docs-example-13x.json");
    let iterations: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(fixture("gitlab/group-iterations.list.go-gitlab.json"))
            .expect("fixture"),
    )
    .expect("json");
    let mut raw: Value = serde_json::from_str(&list[0].1).expect("json");
    raw["iteration"] = iterations[0].clone();
    list[0] = (
        serde_json::from_value(raw.clone()).expect("issue"),
        raw.to_string(),
    );
    let b = map::batch("work", &project(), &list, &StatusMap::default(), now()).expect("maps");
    assert_eq!(b.sprints.len(), 1);
    let s = &b.sprints[0];
    assert_eq!(
        (s.name.as_str(), s.state),
        ("Iteration II", SprintState::Active)
    );
    assert_eq!(s.remote_id, "iteration:53");
    assert!(s.start_at.is_some());
    assert_eq!(s.end_at, None, "its due date is before its start: no end");
}

fn read<T: serde::de::DeserializeOwned>(file: &str) -> T {
    serde_json::from_str(&std::fs::read_to_string(fixture(file)).expect("fixture")).expect("json")
}

#[test]
fn history_replays_status_labels_and_state_events_in_time_order() {
    let states: Vec<StateEvent> = read("gitlab/issue-resource-state-events.list.narkoz.json");
    // The fixture's label events, renamed to a status label: added on the 20th at 13:38, and
    // (moved to 15:00) removed.
    let mut labels: Vec<Value> = read("gitlab/issue-resource-label-events.list.narkoz.json");
    labels[0]["label"]["name"] = Value::from("workflow::doing");
    labels[1]["label"]["name"] = Value::from("workflow::doing");
    labels[1]["created_at"] = Value::from("2018-08-20T15:00:00.000Z");
    let labels: Vec<LabelEvent> = serde_json::from_value(Value::Array(labels)).expect("events");
    let events = history::status_events(
        "my-group/my-project#11",
        &states,
        &labels,
        &StatusMap::default(),
    );
    let steps: Vec<(&str, StatusCategory, &str)> = events
        .iter()
        .map(|e| {
            (
                e.to_status.as_str(),
                e.to_category,
                e.remote_id.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("workflow::doing", StatusCategory::InProgress, "label:142"),
            ("Open", StatusCategory::Todo, "label:143"),
            ("Closed", StatusCategory::Done, "state:143"),
        ]
    );
    assert_eq!(events[0].from_status.as_deref(), Some("Open"));
    // Unrelated labels make no history.
    let plain: Vec<LabelEvent> = read("gitlab/issue-resource-label-events.list.narkoz.json");
    let events = history::status_events("k", &[], &plain, &StatusMap::default());
    assert!(events.is_empty());
}
