//! Metrics against hand-computed expectations on small fixtures.

use chrono::{DateTime, Duration, Utc};
use sprintdeck::clock::parse_instant;
use sprintdeck::domain::StatusCategory::{self, Done, InProgress, Todo};
use sprintdeck::domain::metrics::{
    Membership, MetricIssue, MetricSprint, Unit, WorkingDays, aging_wip, burndown, cycle_times,
    lead_times, percentile, summary, throughput, velocity,
};

fn t(s: &str) -> DateTime<Utc> {
    parse_instant(s).expect("time")
}

fn issue(
    id: i64,
    points: Option<f64>,
    created: &str,
    events: &[(&str, StatusCategory)],
) -> MetricIssue {
    let events: Vec<(DateTime<Utc>, StatusCategory)> =
        events.iter().map(|(at, c)| (t(at), *c)).collect();
    MetricIssue {
        id,
        key: format!("T-{id}"),
        category: events.last().map_or(Todo, |(_, c)| *c),
        points,
        created_at: t(created),
        events,
        due_date: None,
        blocked: false,
        assignees: Vec::new(),
    }
}

fn member(sprint_id: i64, issue_id: i64, added: &str, removed: Option<&str>) -> Membership {
    Membership {
        sprint_id,
        issue_id,
        added_at: t(added),
        removed_at: removed.map(t),
    }
}

/// Mon 2026-11-02 09:00 to Fri 2026-11-13 17:00: ten working days.
fn sprint(id: i64, closed: bool) -> MetricSprint {
    MetricSprint {
        id,
        name: format!("S{id}"),
        start: Some(t("2026-11-02T09:00:00Z")),
        end: Some(t("2026-11-13T17:00:00Z")),
        closed,
    }
}

#[test]
fn percentiles_use_nearest_rank() {
    let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
    assert_eq!(percentile(&v, 50.0), Some(5.0));
    assert_eq!(percentile(&v, 85.0), Some(9.0));
    assert_eq!(percentile(&[], 50.0), None);
}

#[test]
fn a_reopened_issue_counts_once_at_its_final_completion() {
    let i = issue(
        1,
        Some(3.0),
        "2026-10-01",
        &[
            ("2026-10-01", Todo),
            ("2026-10-05", InProgress),
            ("2026-10-07", Done),
            ("2026-10-09", InProgress),
            ("2026-10-12", Done),
        ],
    );
    assert_eq!(i.done_at(), Some(t("2026-10-12")));
    assert!(
        i.done_by(t("2026-10-08")),
        "done between the first completion and the re-open"
    );
    assert!(!i.done_by(t("2026-10-10")), "open again after the re-open");
    let cycle = cycle_times(std::slice::from_ref(&i), t("2026-10-01"), t("2026-11-01"));
    assert_eq!(cycle.count, 1);
    assert_eq!(
        cycle.p50,
        Some(7.0),
        "first start (10-05) to final done (10-12)"
    );
    let lead = lead_times(std::slice::from_ref(&i), t("2026-10-01"), t("2026-11-01"));
    assert_eq!(lead.max, Some(11.0));
    // Completed in a range means the final completion is in it.
    assert_eq!(cycle_times(&[i], t("2026-10-01"), t("2026-10-10")).count, 0);
}

#[test]
fn cycle_time_percentiles_and_issues_never_started() {
    let issues: Vec<MetricIssue> = (1..=4)
        .map(|n| {
            issue(
                n,
                None,
                "2026-10-01",
                &[
                    ("2026-10-01", Todo),
                    ("2026-10-02", InProgress),
                    (&format!("2026-10-{:02}", 2 + n * 2), Done),
                ],
            )
        })
        .chain([issue(
            9,
            None,
            "2026-10-01",
            &[("2026-10-01", Todo), ("2026-10-03", Done)],
        )])
        .collect();
    let c = cycle_times(&issues, t("2026-10-01"), t("2026-11-01"));
    assert_eq!(c.count, 4, "done without being started has no cycle time");
    assert_eq!((c.p50, c.p85, c.max), (Some(4.0), Some(8.0), Some(8.0)));
    assert_eq!(c.keys, vec!["T-1", "T-2", "T-3", "T-4"]);
    assert_eq!(
        lead_times(&issues, t("2026-10-01"), t("2026-11-01")).count,
        5
    );
}

#[test]
fn throughput_by_week_and_aging_work() {
    let now = t("2026-11-18T12:00:00Z"); // a Wednesday
    let issues = vec![
        issue(
            1,
            None,
            "2026-11-01",
            &[("2026-11-01", Todo), ("2026-11-16T10:00:00Z", Done)],
        ),
        issue(
            2,
            None,
            "2026-11-01",
            &[("2026-11-01", Todo), ("2026-11-15T10:00:00Z", Done)],
        ), // Sunday: previous week
        issue(
            3,
            None,
            "2026-11-01",
            &[("2026-11-01", Todo), ("2026-11-09T10:00:00Z", Done)],
        ),
        issue(
            4,
            None,
            "2026-11-01",
            &[("2026-11-01", Todo), ("2026-11-10", InProgress)],
        ),
        issue(
            5,
            None,
            "2026-11-01",
            &[("2026-11-01", Todo), ("2026-11-17", InProgress)],
        ),
    ];
    let weeks = throughput(&issues, now, 3);
    let expected: Vec<(chrono::NaiveDate, usize)> =
        [("2026-11-02", 0), ("2026-11-09", 2), ("2026-11-16", 1)]
            .iter()
            .map(|(d, n)| {
                (
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date"),
                    *n,
                )
            })
            .collect();
    assert_eq!(weeks, expected);
    let aging = aging_wip(&issues, now, 5);
    assert_eq!(aging.len(), 1);
    assert_eq!(aging[0].0, "T-4");
    assert!((aging[0].1 - 8.5).abs() < 1e-9);
}

#[test]
fn sprint_scope_added_removed_completed_and_carried_over() {
    let s = sprint(1, true);
    let issues = vec![
        issue(
            1,
            Some(5.0),
            "2026-10-20",
            &[
                ("2026-10-20", Todo),
                ("2026-11-03", InProgress),
                ("2026-11-05", Done),
            ],
        ),
        issue(
            2,
            Some(3.0),
            "2026-10-20",
            &[("2026-10-20", Todo), ("2026-11-04", InProgress)],
        ), // carried over
        issue(
            3,
            Some(2.0),
            "2026-11-04",
            &[("2026-11-04", Todo), ("2026-11-06", Done)],
        ), // added mid-sprint, done
        issue(4, Some(8.0), "2026-10-20", &[("2026-10-20", Todo)]), // removed mid-sprint
        issue(
            5,
            Some(1.0),
            "2026-10-20",
            &[("2026-10-20", Todo), ("2026-11-20", Done)],
        ), // done after the end
    ];
    let members = vec![
        member(1, 1, "2026-10-30", None),
        member(1, 2, "2026-10-30", None),
        member(1, 3, "2026-11-04T10:00:00Z", None),
        member(1, 4, "2026-10-30", Some("2026-11-05T12:00:00Z")),
        member(1, 5, "2026-10-30", None),
    ];
    let now = t("2026-11-25");
    let sum = summary(&s, &members, &issues, now);
    assert_eq!(sum.unit, Unit::Points);
    assert_eq!(
        (sum.committed, sum.added, sum.removed, sum.completed),
        (17.0, 2.0, 8.0, 7.0)
    );
    assert_eq!(sum.completed_keys, vec!["T-1", "T-3"]);
    assert_eq!(sum.carry_over_keys, vec!["T-2", "T-5"]);
    assert_eq!(sum.remaining(), 4.0);

    let bd = burndown(&s, &members, &issues, &WorkingDays::default(), now).expect("dated sprint");
    assert_eq!(bd.points.len(), 10, "ten working days, weekends excluded");
    assert_eq!(bd.days_left, 0);
    let remaining: Vec<f64> = bd.points.iter().map(|p| p.remaining).collect();
    // Mon, Tue: 17. Wed: +2 added (T-3). Thu: T-1 done (-5), T-4 removed (-8). Fri: T-3 done (-2).
    assert_eq!(
        remaining,
        vec![17.0, 17.0, 19.0, 6.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    );
    assert_eq!(
        bd.points.last().map(|p| p.remaining),
        Some(sum.remaining()),
        "last point = commitment + added - removed - completed"
    );
    let changes: Vec<bool> = bd.points.iter().map(|p| p.scope_change).collect();
    assert_eq!(
        changes[..4],
        [false, false, true, true],
        "added on Wed 11-04, removed on Thu 11-05"
    );
    assert_eq!(bd.points[0].ideal, 17.0);
    assert_eq!(bd.points[9].ideal, 0.0);
}

#[test]
fn without_estimates_the_sprint_counts_issues_and_without_dates_there_is_no_burndown() {
    let issues = vec![
        issue(
            1,
            None,
            "2026-10-20",
            &[("2026-10-20", Todo), ("2026-11-05", Done)],
        ),
        issue(2, None, "2026-10-20", &[("2026-10-20", Todo)]),
    ];
    let members = vec![
        member(1, 1, "2026-10-30", None),
        member(1, 2, "2026-10-30", None),
    ];
    let sum = summary(&sprint(1, true), &members, &issues, t("2026-11-20"));
    assert_eq!(sum.unit, Unit::Issues);
    assert_eq!((sum.committed, sum.completed), (2.0, 1.0));
    let undated = MetricSprint {
        start: None,
        end: None,
        ..sprint(1, false)
    };
    assert!(
        burndown(
            &undated,
            &members,
            &issues,
            &WorkingDays::default(),
            t("2026-11-20")
        )
        .is_none()
    );
    let sum = summary(&undated, &members, &issues, t("2026-11-20"));
    assert_eq!(
        sum.committed, 2.0,
        "without a start every member is the commitment"
    );
}

#[test]
fn velocity_takes_the_last_closed_sprints() {
    let mut sprints = Vec::new();
    let mut issues = Vec::new();
    let mut members = Vec::new();
    let start = t("2026-01-05T09:00:00Z");
    for n in 0..9i64 {
        let s_start = start + Duration::weeks(2 * n);
        sprints.push(MetricSprint {
            id: n,
            name: format!("S{n}"),
            start: Some(s_start),
            end: Some(s_start + Duration::days(11)),
            closed: n < 8,
        });
        #[allow(clippy::cast_precision_loss)]
        let points = (n + 1) as f64;
        let done = s_start + Duration::days(3);
        issues.push(MetricIssue {
            id: n,
            key: format!("V-{n}"),
            category: Done,
            points: Some(points),
            created_at: s_start - Duration::days(1),
            events: vec![(s_start - Duration::days(1), Todo), (done, Done)],
            due_date: None,
            blocked: false,
            assignees: Vec::new(),
        });
        members.push(Membership {
            sprint_id: n,
            issue_id: n,
            added_at: s_start - Duration::hours(1),
            removed_at: None,
        });
    }
    let v = velocity(&sprints, &members, &issues, t("2026-12-01"), 7);
    let names: Vec<&str> = v.sprints.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec!["S1", "S2", "S3", "S4", "S5", "S6", "S7"],
        "the open sprint S8 and the oldest S0 are out"
    );
    assert_eq!(v.mean, Some(5.0));
    assert!((v.spread.expect("spread") - 2.0).abs() < 1e-9);
}

#[test]
fn working_days_from_config_names() {
    let days = WorkingDays::from_names(&["mon".into(), "TUE".into(), "sat".into()]);
    let between = days.between(
        chrono::NaiveDate::parse_from_str("2026-11-02", "%Y-%m-%d").expect("date"),
        chrono::NaiveDate::parse_from_str("2026-11-08", "%Y-%m-%d").expect("date"),
    );
    assert_eq!(between.len(), 3);
}

#[tokio::test]
async fn demo_metrics_are_internally_consistent() {
    use sprintdeck::store::metrics;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::common::demo_store(&dir).await;
    let input = metrics::load(store.pool()).await.expect("loads");
    let now = crate::common::now();
    assert_eq!(input.issues.len(), 1500);
    assert_eq!(input.sprints.len(), 8);
    let days = WorkingDays::default();
    for s in &input.sprints {
        let sum = summary(s, &input.memberships, &input.issues, now);
        let Some(bd) = burndown(s, &input.memberships, &input.issues, &days, now) else {
            continue;
        };
        assert_eq!(bd.committed, sum.committed, "{}", s.name);
        if let Some(last) = bd.points.last() {
            assert!(
                (last.remaining - sum.remaining()).abs() < 1e-9,
                "{}: burndown ends at {} but commitment {} + added {} - removed {} - completed {} = {}",
                s.name,
                last.remaining,
                sum.committed,
                sum.added,
                sum.removed,
                sum.completed,
                sum.remaining()
            );
        }
        if s.closed {
            assert!(sum.completed > 0.0, "{} completed something", s.name);
            assert_eq!(bd.days_left, 0);
        }
    }
    let active = input
        .sprints
        .iter()
        .find(|s| !s.closed && s.start.is_some_and(|st| st <= now))
        .expect("active sprint");
    let bd = burndown(active, &input.memberships, &input.issues, &days, now).expect("dated");
    assert!(bd.days_left > 0, "the active sprint has days left");
    assert_eq!(bd.unit, Unit::Points);
    let v = velocity(&input.sprints, &input.memberships, &input.issues, now, 7);
    assert_eq!(v.sprints.len(), 6, "six closed sprints in the demo");
    assert!(v.mean.is_some_and(|m| m > 20.0), "{v:?}");
    let weeks = throughput(&input.issues, now, 12);
    assert_eq!(weeks.len(), 12);
    assert!(weeks.iter().map(|(_, n)| n).sum::<usize>() > 100);
    store.close().await.expect("closes");
}

#[test]
fn tiles_count_what_they_say_with_keys() {
    use sprintdeck::domain::metrics::counts;
    let now = t("2026-11-18T12:00:00Z");
    let mut a = issue(
        1,
        Some(3.0),
        "2026-11-01",
        &[("2026-11-01", Todo), ("2026-11-10", InProgress)],
    );
    a.due_date = chrono::NaiveDate::from_ymd_opt(2026, 11, 17); // overdue
    let mut b = issue(2, None, "2026-11-01", &[("2026-11-01", Todo)]);
    b.blocked = true;
    b.due_date = chrono::NaiveDate::from_ymd_opt(2026, 11, 18); // due today: not overdue
    let mut c = issue(
        3,
        None,
        "2026-11-01",
        &[("2026-11-01", Todo), ("2026-11-16", Done)],
    );
    c.due_date = chrono::NaiveDate::from_ymd_opt(2026, 11, 1); // late, but done: not overdue
    c.blocked = true; // done work is not blocked
    let d = issue(
        4,
        None,
        "2026-11-01",
        &[("2026-11-01", Todo), ("2026-11-03", Done)],
    ); // done before the range
    let all = [&a, &b, &c, &d];
    let k = counts(&all, now, t("2026-11-09"), now);
    assert_eq!(k.in_progress, vec!["T-1"]);
    assert_eq!(k.not_started, vec!["T-2"]);
    assert_eq!(k.completed, vec!["T-3"]);
    assert_eq!(k.overdue, vec!["T-1"]);
    assert_eq!(k.blocked, vec!["T-2"]);
}

#[test]
fn load_per_person_against_capacity_including_zero() {
    use sprintdeck::domain::metrics::load;
    let mut a = issue(
        1,
        Some(5.0),
        "2026-11-01",
        &[("2026-11-01", Todo), ("2026-11-10", InProgress)],
    );
    a.assignees = vec!["ana".into()];
    let mut b = issue(2, Some(3.0), "2026-11-01", &[("2026-11-01", Todo)]);
    b.assignees = vec!["ana".into(), "zoe".into()];
    let mut c = issue(
        3,
        Some(8.0),
        "2026-11-01",
        &[("2026-11-01", Todo), ("2026-11-12", Done)],
    );
    c.assignees = vec!["ana".into()];
    let issues = vec![a.clone(), b.clone(), c.clone()];
    let capacity = std::collections::BTreeMap::from([
        ("ana".to_owned(), 13.0),
        ("zoe".to_owned(), 0.0),
        ("idle".to_owned(), 5.0),
    ]);
    let people = load(&issues, &[&a, &b, &c], &capacity);
    let by = |name: &str| {
        people
            .iter()
            .find(|p| p.person == name)
            .expect(name)
            .clone()
    };
    let ana = by("ana");
    assert_eq!((ana.open, ana.in_progress, ana.sprint_points), (2, 1, 16.0));
    assert!(ana.over_capacity(), "16 points against 13");
    let zoe = by("zoe");
    assert_eq!(zoe.sprint_points, 3.0);
    assert!(zoe.over_capacity(), "any points over a zero capacity");
    let idle = by("idle");
    assert_eq!((idle.open, idle.sprint_points), (0, 0.0));
    assert!(!idle.over_capacity());
}

#[test]
fn counts_as_they_stood_at_an_earlier_time() {
    use sprintdeck::domain::metrics::counts_at;
    let mut a = issue(
        1,
        None,
        "2026-11-01",
        &[
            ("2026-11-01", Todo),
            ("2026-11-03", InProgress),
            ("2026-11-10", Done),
        ],
    );
    a.due_date = chrono::NaiveDate::from_ymd_opt(2026, 11, 4);
    let b = issue(2, None, "2026-11-08", &[("2026-11-08", Todo)]); // did not exist on the 5th
    let on_5th = counts_at(
        &[&a, &b],
        t("2026-11-05T12:00:00Z"),
        t("2026-11-02"),
        t("2026-11-05T12:00:00Z"),
    );
    assert_eq!(on_5th.in_progress, vec!["T-1"]);
    assert_eq!(
        on_5th.overdue,
        vec!["T-1"],
        "due on the 4th, still open on the 5th"
    );
    assert!(on_5th.not_started.is_empty() && on_5th.completed.is_empty());
    let on_12th = counts_at(&[&a, &b], t("2026-11-12"), t("2026-11-02"), t("2026-11-12"));
    assert_eq!(on_12th.completed, vec!["T-1"]);
    assert_eq!(on_12th.not_started, vec!["T-2"]);
    assert!(on_12th.overdue.is_empty(), "done work is not overdue");
}
