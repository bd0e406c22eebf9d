//! Jira changelogs derived from the world: status changes (with the resolution when an issue
//! becomes or stops being done), Sprint-field changes (ids and names, comma-separated, as Jira
//! writes them), reassignments and moves (project and key items). Entry ids grow with time.

use chrono::{DateTime, Duration, Utc};

use super::model::{JiraIssue, JiraMove, PersonId, Step, World};

/// One changelog entry (`Changelog` in the API: id, author, created, items).
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub author: PersonId,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub field: &'static str,
    pub field_type: &'static str,
    pub field_id: &'static str,
    pub from: Option<String>,
    pub from_string: Option<String>,
    pub to: Option<String>,
    pub to_string: Option<String>,
}

/// Custom field ids on the simulated site.
pub const SPRINT_FIELD: &str = "customfield_10020";
/// "Story point estimate" (team-managed projects, `jsw-story-points`).
pub const STORY_POINT_ESTIMATE_FIELD: &str = "customfield_10016";
/// "Story Points" (company-managed projects, a plain number field).
pub const STORY_POINTS_FIELD: &str = "customfield_10028";
pub const EPIC_LINK_FIELD: &str = "customfield_10014";
pub const START_DATE_FIELD: &str = "customfield_10015";

enum Event<'a> {
    Status(Step, Step),
    Sprints(Vec<u64>, Vec<u64>),
    Assignee(Option<PersonId>, Option<PersonId>),
    Move(&'a JiraMove),
}

/// The changelog of an issue, oldest first.
pub fn changelog(world: &World, issue: &JiraIssue) -> Vec<History> {
    let mut events: Vec<(DateTime<Utc>, u8, Event)> = Vec::new();
    let mut prev = Step::Todo;
    for c in &issue.history {
        events.push((c.at, 1, Event::Status(prev, c.to)));
        prev = c.to;
    }
    for (at, before, after) in sprint_changes(issue) {
        events.push((at, 2, Event::Sprints(before, after)));
    }
    for (at, from, to) in &issue.reassigned {
        events.push((*at, 3, Event::Assignee(*from, *to)));
    }
    for m in &issue.moves {
        events.push((m.at, 0, Event::Move(m)));
    }
    events.sort_by_key(|(at, order, _)| (*at, *order));
    events
        .into_iter()
        .enumerate()
        .map(|(n, (at, _, event))| History {
            id: issue.id * 1000 + n as u64 + 1,
            at,
            author: issue.assignee.unwrap_or(issue.reporter),
            items: items(world, issue, at, event),
        })
        .collect()
}

/// The Sprint field's value before and after each change, from the issue's stays.
fn sprint_changes(issue: &JiraIssue) -> Vec<(DateTime<Utc>, Vec<u64>, Vec<u64>)> {
    let mut marks: Vec<(DateTime<Utc>, u64, bool)> = Vec::new();
    for s in &issue.sprints {
        marks.push((s.joined, s.sprint_id, true));
        if let Some(left) = s.left {
            marks.push((left, s.sprint_id, false));
        }
    }
    marks.sort_by_key(|(at, id, join)| (*at, !*join, *id));
    let mut out = Vec::new();
    let mut listed: Vec<u64> = Vec::new();
    let mut k = 0;
    while k < marks.len() {
        let at = marks[k].0;
        let before = listed.clone();
        while k < marks.len() && marks[k].0 == at {
            let (_, id, join) = marks[k];
            if !join {
                listed.retain(|x| *x != id);
            } else if !listed.contains(&id) {
                listed.push(id);
            }
            k += 1;
        }
        if before != listed {
            out.push((at, before, listed.clone()));
        }
    }
    out
}

fn item(
    field: &'static str,
    field_type: &'static str,
    field_id: &'static str,
    from: (Option<String>, Option<String>),
    to: (Option<String>, Option<String>),
) -> Item {
    Item {
        field,
        field_type,
        field_id,
        from: from.0,
        from_string: from.1,
        to: to.0,
        to_string: to.1,
    }
}

fn items(world: &World, issue: &JiraIssue, at: DateTime<Utc>, event: Event<'_>) -> Vec<Item> {
    let jira = &world.jira;
    match event {
        Event::Status(from, to) => {
            let before = jira.status_at(issue, from, at - Duration::seconds(1));
            let after = jira.status_at(issue, to, at);
            let mut out = Vec::new();
            if to == Step::Done || from == Step::Done {
                let done = (Some("10000".to_owned()), Some("Done".to_owned()));
                let (f, t) = if to == Step::Done {
                    ((None, None), done)
                } else {
                    (done, (None, None))
                };
                out.push(item("resolution", "jira", "resolution", f, t));
            }
            out.push(item(
                "status",
                "jira",
                "status",
                (Some(before.id.clone()), Some(before.name.clone())),
                (Some(after.id.clone()), Some(after.name.clone())),
            ));
            out
        }
        Event::Sprints(before, after) => {
            let value = |ids: &[u64]| -> (Option<String>, Option<String>) {
                if ids.is_empty() {
                    return (None, None);
                }
                let numbers: Vec<String> = ids.iter().map(u64::to_string).collect();
                let names: Vec<String> = ids
                    .iter()
                    .map(|id| {
                        jira.sprint(*id)
                            .map_or_else(String::new, |s| s.name.clone())
                    })
                    .collect();
                (Some(numbers.join(", ")), Some(names.join(", ")))
            };
            vec![item(
                "Sprint",
                "custom",
                SPRINT_FIELD,
                value(&before),
                value(&after),
            )]
        }
        Event::Assignee(from, to) => {
            let user = |p: Option<PersonId>| {
                let u = p.and_then(|p| world.person_name_in_jira(p));
                (u.map(|u| u.0.to_owned()), u.map(|u| u.1.to_owned()))
            };
            vec![item("assignee", "jira", "assignee", user(from), user(to))]
        }
        Event::Move(m) => {
            let old = &jira.projects[m.from_project];
            let new = jira.project_at(issue, at);
            vec![
                item(
                    "project",
                    "jira",
                    "project",
                    (Some(old.id.clone()), Some(old.name.clone())),
                    (Some(new.id.clone()), Some(new.name.clone())),
                ),
                item(
                    "Key",
                    "jira",
                    "issuekey",
                    (None, Some(m.from_key.clone())),
                    (None, Some(next_key(issue, m))),
                ),
            ]
        }
    }
}

/// The key an issue got with move `m`.
fn next_key(issue: &JiraIssue, m: &JiraMove) -> String {
    let pos = issue.moves.iter().position(|x| x == m).unwrap_or(0);
    issue
        .moves
        .get(pos + 1)
        .map_or_else(|| issue.key.clone(), |n| n.from_key.clone())
}
