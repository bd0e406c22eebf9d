use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use super::lookup::{self, iteration_state};
use super::model::{self, JiraType, MilestoneOwner, ProjectStyle, SprintState, Step};
use super::records::{self, Target};
use super::{World, WorldSpec};

fn now() -> DateTime<Utc> {
    crate::clock::parse_instant("2026-11-18T12:00:00Z").expect("instant")
}

fn world(issues: usize) -> World {
    World::generate(&WorldSpec::new(issues, 7, now()))
}

#[test]
fn the_same_seed_gives_the_same_world_and_another_seed_another() {
    assert_eq!(world(400), world(400));
    let other = World::generate(&WorldSpec::new(400, 8, now()));
    assert_ne!(world(400).gitlab.issues, other.gitlab.issues);
}

#[test]
fn sizes_are_per_tracker_and_one_tracker_does_not_move_the_other() {
    let spec = WorldSpec::new(0, 3, now())
        .gitlab_issues(300)
        .jira_issues(200);
    let w = World::generate(&spec);
    assert_eq!(w.gitlab.issues.len(), 300);
    assert_eq!(w.jira.issues.len(), 200);
    let bigger = World::generate(&spec.gitlab_issues(500));
    assert_eq!(
        w.jira.issues, bigger.jira.issues,
        "Jira's half has its own random stream"
    );
    let empty = World::generate(&spec.gitlab_issues(0).jira_issues(0));
    assert!(empty.gitlab.issues.is_empty() && empty.jira.issues.is_empty());
}

#[test]
fn gitlab_has_a_subgroup_four_projects_and_epics_spanning_projects() {
    let w = world(1000);
    let gl = &w.gitlab;
    assert!(
        gl.groups.iter().any(|g| g.parent_id.is_some()),
        "a subgroup"
    );
    assert!(gl.projects.len() >= 4);
    let spanning = gl
        .epics
        .iter()
        .filter(|e| {
            let projects: HashSet<u64> = gl
                .issues
                .iter()
                .filter(|i| i.epic_id == Some(e.id))
                .map(|i| i.project_id)
                .collect();
            projects.len() >= 2
        })
        .count();
    assert!(
        spanning >= 3,
        "epics with children in several projects: {spanning}"
    );
    let subgroup_issue_in_acme_epic = gl.issues.iter().any(|i| {
        gl.project(i.project_id)
            .is_some_and(|p| p.group_id == super::gen_gitlab::PLATFORM)
            && i.epic_id
                .and_then(|e| gl.epic(e))
                .is_some_and(|e| e.group_id == super::gen_gitlab::ACME)
    });
    assert!(
        subgroup_issue_in_acme_epic,
        "an ancestor group's epic holds a subgroup issue"
    );
    for e in &gl.epics {
        assert!(gl.epic_key(e).contains('&'));
    }
    // One cadence per group, keys unique.
    let cadences: BTreeSet<(u64, &str)> = gl
        .iterations
        .iter()
        .map(|i| (i.group_id, i.cadence.as_str()))
        .collect();
    assert_eq!(cadences.len(), gl.groups.len());
    let keys: HashSet<String> = gl.issues.iter().map(|i| gl.key(i)).collect();
    assert_eq!(keys.len(), gl.issues.len());
}

#[test]
fn several_sprints_are_active_at_once_and_two_milestones_share_a_name() {
    let w = world(1000);
    let today = w.anchor.date_naive();
    let current_iterations = w
        .gitlab
        .iterations
        .iter()
        .filter(|i| iteration_state(i, today) == 2)
        .count();
    assert_eq!(current_iterations, 2, "one per cadence");
    let active_v11: Vec<_> = w
        .gitlab
        .milestones
        .iter()
        .filter(|m| m.title == "v1.1" && !m.closed && m.start_date <= today && today <= m.due_date)
        .collect();
    assert_eq!(active_v11.len(), 2);
    assert!(
        active_v11
            .iter()
            .all(|m| matches!(m.owner, MilestoneOwner::Project(_)))
    );
    let active_jira: Vec<u64> = w
        .jira
        .sprints
        .iter()
        .filter(|s| s.state == SprintState::Active)
        .map(|s| s.board_id)
        .collect();
    assert_eq!(
        active_jira,
        [1, 2, 1],
        "one per board, and a parallel one on BENCH's"
    );
    let hotfix = super::gen_jira::HOTFIX_SPRINT;
    let in_hotfix: Vec<usize> = w
        .jira
        .issues
        .iter()
        .filter(|i| i.sprints.iter().any(|s| s.sprint_id == hotfix))
        .map(|i| i.project)
        .collect();
    assert!(
        in_hotfix.contains(&0) && in_hotfix.contains(&1),
        "{in_hotfix:?}"
    );
    for i in &w.jira.issues {
        let open = i
            .sprints
            .iter()
            .filter(|s| s.left.is_none())
            .filter(|s| {
                w.jira
                    .sprint(s.sprint_id)
                    .is_some_and(|s| s.state != SprintState::Closed)
            })
            .count();
        assert!(
            open <= 1,
            "{} is in one active or future sprint at most",
            i.key
        );
    }
    for milestone in active_v11 {
        assert!(
            w.gitlab
                .issues
                .iter()
                .any(|i| i.milestone_id == Some(milestone.id)),
            "issues in {}",
            milestone.id
        );
    }
}

#[test]
fn jira_has_both_project_styles_with_their_subtask_types() {
    let w = world(1000);
    let jr = &w.jira;
    let styles: Vec<ProjectStyle> = jr.projects.iter().map(|p| p.style).collect();
    assert!(
        styles.contains(&ProjectStyle::CompanyManaged)
            && styles.contains(&ProjectStyle::TeamManaged)
    );
    let sub = |p: &model::JiraProject| {
        p.issue_types
            .iter()
            .find(|t| t.subtask)
            .map(|t| t.name.clone())
    };
    assert_eq!(sub(&jr.projects[0]).as_deref(), Some("Sub-task"));
    assert_eq!(sub(&jr.projects[1]).as_deref(), Some("Subtask"));
    for p in 0..2 {
        assert!(
            jr.issues
                .iter()
                .any(|i| i.project == p && i.issue_type == JiraType::Subtask),
            "sub-tasks in project {p}"
        );
    }
    assert_eq!(jr.boards.len(), 2);
    for i in jr
        .issues
        .iter()
        .filter(|i| i.issue_type == JiraType::Subtask)
    {
        let parent = jr
            .issue(i.parent_id.expect("a parent"))
            .expect("parent exists");
        assert_eq!(parent.project, i.project);
        for s in &i.sprints {
            assert!(parent.sprints.iter().any(|p| p.sprint_id == s.sprint_id));
        }
    }
    assert!(
        jr.issues.iter().any(|i| i.sprints.len() >= 3),
        "carried over twice: two closed sprints and the next in the Sprint field"
    );
    assert!(
        jr.issues
            .iter()
            .any(|i| i.sprints.iter().any(|s| s.left.is_some())),
        "scope removed"
    );
}

#[test]
fn people_differ_by_name_across_trackers_and_some_hide_their_email() {
    let w = world(200);
    let zoe = w
        .people
        .iter()
        .find(|p| p.email.starts_with("zoe"))
        .expect("Zoë");
    assert_eq!(
        zoe.gitlab.as_ref().map(|u| u.username.as_str()),
        Some("zoe.angstrom")
    );
    assert_eq!(
        zoe.jira.as_ref().map(|u| u.display_name.as_str()),
        Some("Zoë Ångström")
    );
    assert!(w.people.iter().any(|p| {
        p.jira
            .as_ref()
            .is_some_and(|u| u.email == model::Email::Null)
    }));
    assert!(
        w.people.iter().any(|p| p.gitlab.is_none()) && w.people.iter().any(|p| p.jira.is_none())
    );
}

#[test]
fn histories_are_ordered_before_now_and_missing_values_occur() {
    let w = world(1500);
    for i in &w.gitlab.issues {
        let mut last = i.created_at;
        for c in &i.history {
            assert!(c.at > last, "{}: ordered", w.gitlab.key(i));
            last = c.at;
        }
        assert!(i.updated_at >= last && i.updated_at <= w.anchor);
    }
    for i in &w.jira.issues {
        let mut last = i.created;
        for c in &i.history {
            assert!(c.at > last && c.at <= w.anchor, "{}", i.key);
            last = c.at;
        }
        assert!(i.updated >= last && i.updated <= w.anchor, "{}", i.key);
        for s in &i.sprints {
            assert!(
                s.joined <= i.updated && s.left.is_none_or(|l| l <= i.updated),
                "{}",
                i.key
            );
        }
    }
    assert!(w.gitlab.issues.iter().any(|i| i.weight.is_none()));
    assert!(w.gitlab.issues.iter().any(|i| i.assignees.is_empty()));
    assert!(
        w.jira
            .issues
            .iter()
            .any(|i| i.points.is_none() && i.assignee.is_none())
    );
    assert!(w.jira.issues.iter().any(|i| i.due_date.is_none()));
    // Moved back to "to do": the history matters although the status does not show it.
    assert!(
        w.gitlab
            .issues
            .iter()
            .any(|i| !i.history.is_empty() && model::current(&i.history) == Step::Todo)
    );
}

#[test]
fn hostile_text_reaches_both_trackers() {
    let w = world(600);
    for needle in [
        "\u{1b}]52;",
        "\u{1b}]8;;",
        "\u{9b}",
        "\u{202e}",
        "🇪🇺",
        "\u{0}",
    ] {
        assert!(
            w.gitlab.issues.iter().any(|i| i.title.contains(needle)),
            "{needle:?}"
        );
        assert!(
            w.jira.issues.iter().any(|i| i.summary.contains(needle)),
            "{needle:?}"
        );
    }
    assert!(
        w.gitlab
            .issues
            .iter()
            .any(|i| i.description.len() > 10 * 1024)
    );
    assert!(
        w.jira
            .issues
            .iter()
            .any(|i| i.description.len() > 10 * 1024)
    );
}

#[test]
fn gitlab_events_replay_to_the_history() {
    let w = world(800);
    for i in &w.gitlab.issues {
        let ev = lookup::gitlab_events(i);
        assert_eq!(ev.causes.len(), i.history.len());
        let closes = i.history.iter().filter(|c| c.to == Step::Done).count();
        assert_eq!(
            ev.states.iter().filter(|s| s.state == "closed").count(),
            closes
        );
    }
}

#[test]
fn jira_changelog_names_every_status_change_and_sprint_join() {
    let w = world(800);
    for i in &w.jira.issues {
        let log = lookup::changelog(&w, i);
        let statuses = log
            .iter()
            .filter(|h| h.items.iter().any(|it| it.field == "status"))
            .count();
        assert_eq!(statuses, i.history.len(), "{}", i.key);
        let ids: Vec<u64> = log.iter().map(|h| h.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "ids grow with time");
    }
}

#[test]
fn records_hold_each_epic_once_in_its_group_and_only_fetched_issues() {
    let w = world(1200);
    let t = Target {
        gitlab_url: "https://gitlab.test",
        jira_url: "https://jira.test",
        now: w.anchor,
        closed_window_days: 90,
    };
    let b = records::gitlab(&w, &t);
    let epics: Vec<_> = b
        .issues
        .iter()
        .filter(|i| i.remote_id.starts_with("epic:"))
        .collect();
    assert_eq!(epics.len(), w.gitlab.epics.len());
    assert!(
        epics
            .iter()
            .all(|e| e.project_remote_id.starts_with("group:"))
    );
    assert!(epics.iter().all(|e| {
        e.web_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }));
    let keys: HashSet<&str> = b.issues.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys.len(), b.issues.len(), "keys unique");
    let old = w.gitlab.issues.len() + w.gitlab.epics.len() - b.issues.len();
    assert!(old > 0, "old closed issues stay out of a first sync");
    let j = records::jira(&w, &t);
    assert!(j.memberships.iter().any(|m| m.removed_at.is_some()));
    assert!(j.issues.len() < w.jira.issues.len());
}

#[test]
fn churn_edits_deletes_and_moves_in_both_trackers() {
    let mut w = world(600);
    let at = w.anchor + chrono::Duration::minutes(30);
    let before = w.clone();
    let churn = w.churn(at, 1);
    assert_eq!(churn.deleted.len(), 4);
    assert!(churn.moved.len() >= 2, "{churn:?}");
    for (old, new) in &churn.moved {
        if old.contains('#') {
            let original = w.gitlab.issue_by_key(old).expect("the original stays");
            assert!(original.moved_to_id.is_some());
            assert_eq!(model::current(&original.history), Step::Done);
            let copy = w.gitlab.issue_by_key(new).expect("the copy");
            assert_ne!(copy.id, original.id);
        } else {
            let moved = w
                .jira
                .issue_by_ref(old)
                .expect("the old key still finds it");
            assert_eq!(&moved.key, new);
            assert_eq!(before.jira.issue_by_ref(old).map(|i| i.id), Some(moved.id));
        }
    }
    for key in &churn.deleted {
        assert!(w.gitlab.issue_by_key(key).is_none() && w.jira.issue_by_ref(key).is_none());
    }
    assert_ne!(w, before);
}
