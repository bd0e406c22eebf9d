//! Compares a store with what a correct sync stores for the world (the world's own account of
//! it, `demo::teams::records`, which does not go through the sync's mapping): one list of
//! differences per aspect, so a test can hold each aspect to account on its own.

use std::collections::{BTreeMap, BTreeSet};

use sprintdeck::domain::records::Batch;
use sprintdeck::domain::time::{date_to_db, to_db};
use sqlx::SqlitePool;

/// Differences per aspect; empty lists mean the store holds the world.
#[derive(Debug, Default)]
pub struct Diff {
    /// Live issues: the same keys, each once (epics included).
    pub issues: Vec<String>,
    /// Titles, types, statuses, dates, labels, people on issues, web URLs.
    pub fields: Vec<String>,
    /// Story points.
    pub points: Vec<String>,
    pub parents: Vec<String>,
    pub links: Vec<String>,
    /// Sprints (name, state, dates, owner) and who is in them since when.
    pub sprints: Vec<String>,
    /// Who left a sprint, and when (scope removed).
    pub removals: Vec<String>,
    pub histories: Vec<String>,
    pub people: Vec<String>,
}

impl Diff {
    /// Fails with the first differences of the named aspects.
    pub fn assert_clean(&self, aspects: &[&str]) {
        let mut out = Vec::new();
        for a in aspects {
            let list = match *a {
                "issues" => &self.issues,
                "fields" => &self.fields,
                "points" => &self.points,
                "removals" => &self.removals,
                "parents" => &self.parents,
                "links" => &self.links,
                "sprints" => &self.sprints,
                "histories" => &self.histories,
                "people" => &self.people,
                other => panic!("no aspect {other}"),
            };
            if !list.is_empty() {
                out.push(format!(
                    "{a}: {} differences, e.g.\n  {}",
                    list.len(),
                    list.iter()
                        .take(8)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n  ")
                ));
            }
        }
        assert!(
            out.is_empty(),
            "the store is not the world:\n{}",
            out.join("\n")
        );
    }

    pub fn all() -> &'static [&'static str] {
        &[
            "issues",
            "fields",
            "points",
            "parents",
            "links",
            "sprints",
            "removals",
            "histories",
            "people",
        ]
    }
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<f64>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// One issue's stored facts, in the form the records give them.
#[derive(Debug, PartialEq)]
struct Facts {
    issue_type: String,
    title: String,
    description: String,
    status: String,
    category: String,
    points: Option<f64>,
    due: Option<String>,
    created: String,
    updated: String,
    closed: Option<String>,
    web_url: Option<String>,
    reporter: Option<String>,
    labels: BTreeSet<String>,
    assignees: BTreeSet<String>,
}

fn show<T: std::fmt::Debug>(v: &T) -> String {
    let s = format!("{v:?}");
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

/// Compares the rows of the expected batches' sources (other sources' rows are not looked at).
pub async fn compare(pool: &SqlitePool, expected: &[Batch]) -> Diff {
    let mut diff = Diff::default();
    let sources: BTreeSet<&str> = expected.iter().map(|b| b.source_name.as_str()).collect();
    let all_rows: Vec<Row> = sqlx::query_as(
        "SELECT i.key, p.source_name, i.issue_type, i.title, i.description, i.status, i.story_points, \
         i.due_date, i.created_at, i.updated_at, i.closed_at, i.web_url, r.remote_id, par.key, \
         i.status_category \
         FROM issues i JOIN projects p ON p.id = i.project_id \
         LEFT JOIN people r ON r.id = i.reporter_id LEFT JOIN issues par ON par.id = i.parent_id \
         WHERE i.gone_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .expect("issues");
    let rows: Vec<Row> = all_rows
        .into_iter()
        .filter(|r| sources.contains(r.1.as_str()))
        .collect();
    let scope: BTreeSet<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *count.entry(r.0.clone()).or_default() += 1;
    }
    let labels: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.key, l.name FROM issue_labels il JOIN issues i ON i.id = il.issue_id \
         JOIN labels l ON l.id = il.label_id WHERE i.gone_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .expect("labels");
    let assignees: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.key, p.remote_id FROM issue_assignees a JOIN issues i ON i.id = a.issue_id \
         JOIN people p ON p.id = a.person_id WHERE i.gone_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .expect("assignees");
    let mut label_map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (k, l) in labels {
        label_map.entry(k).or_default().insert(l);
    }
    let mut assignee_map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (k, a) in assignees {
        assignee_map.entry(k).or_default().insert(a);
    }
    let mut stored: BTreeMap<String, (Facts, Option<String>, String)> = BTreeMap::new();
    for r in rows {
        let key = r.0.clone();
        let facts = Facts {
            issue_type: r.2,
            title: r.3,
            description: r.4,
            status: r.5,
            category: r.14,
            points: r.6,
            due: r.7,
            created: r.8,
            updated: r.9,
            closed: r.10,
            web_url: r.11,
            reporter: r.12,
            labels: label_map.remove(&key).unwrap_or_default(),
            assignees: assignee_map.remove(&key).unwrap_or_default(),
        };
        stored.insert(key, (facts, r.13, r.1));
    }
    let mut want_keys = BTreeSet::new();
    let every_key = all_keys(expected);
    for b in expected {
        for i in &b.issues {
            want_keys.insert(i.key.clone());
            let Some((got, parent, source)) = stored.get(&i.key) else {
                diff.issues
                    .push(format!("missing {} ({})", i.key, b.source_name));
                continue;
            };
            if *source != b.source_name {
                diff.issues.push(format!(
                    "{} stored under source {source}, not {}",
                    i.key, b.source_name
                ));
            }
            let want = Facts {
                issue_type: i.issue_type.as_str().to_owned(),
                title: i.title.clone(),
                description: i.description.clone(),
                status: i.status.clone(),
                category: i.status_category.as_str().to_owned(),
                points: i.story_points,
                due: i.due_date.map(date_to_db),
                created: to_db(i.created_at),
                updated: to_db(i.updated_at),
                closed: i.closed_at.map(to_db),
                web_url: i.web_url.clone(),
                reporter: i.reporter.clone(),
                labels: i.labels.iter().cloned().collect(),
                assignees: i.assignees.iter().cloned().collect(),
            };
            for (name, w, g) in fact_pairs(&want, got) {
                if w != g {
                    let list = if name == "points" {
                        &mut diff.points
                    } else {
                        &mut diff.fields
                    };
                    list.push(format!("{} {name}: want {w}, got {g}", i.key));
                }
            }
            // A parent outside what a sync fetches stays unlinked.
            let want_parent = i.parent_key.clone().filter(|p| every_key.contains(p));
            if want_parent != *parent {
                diff.parents.push(format!(
                    "{}: parent want {want_parent:?}, got {parent:?}",
                    i.key
                ));
            }
        }
    }
    for (key, n) in &count {
        if *n > 1 {
            diff.issues.push(format!("{key} stored {n} times"));
        }
        if !want_keys.contains(key) {
            diff.issues.push(format!("unexpected live issue {key}"));
        }
    }
    compare_links(pool, expected, &scope, &mut diff).await;
    compare_sprints(pool, expected, &scope, &mut diff).await;
    compare_histories(pool, expected, &scope, &mut diff).await;
    compare_people(pool, expected, &mut diff).await;
    diff
}

fn all_keys(expected: &[Batch]) -> BTreeSet<String> {
    expected
        .iter()
        .flat_map(|b| b.issues.iter().map(|i| i.key.clone()))
        .collect()
}

fn fact_pairs(w: &Facts, g: &Facts) -> Vec<(&'static str, String, String)> {
    vec![
        ("type", show(&w.issue_type), show(&g.issue_type)),
        ("title", show(&w.title), show(&g.title)),
        ("description", show(&w.description), show(&g.description)),
        ("status", show(&w.status), show(&g.status)),
        ("category", show(&w.category), show(&g.category)),
        ("points", show(&w.points), show(&g.points)),
        ("due", show(&w.due), show(&g.due)),
        ("created", show(&w.created), show(&g.created)),
        ("updated", show(&w.updated), show(&g.updated)),
        ("closed", show(&w.closed), show(&g.closed)),
        ("web_url", show(&w.web_url), show(&g.web_url)),
        ("reporter", show(&w.reporter), show(&g.reporter)),
        ("labels", show(&w.labels), show(&g.labels)),
        ("assignees", show(&w.assignees), show(&g.assignees)),
    ]
}

/// Links among stored issues; `relates` has no direction.
async fn compare_links(
    pool: &SqlitePool,
    expected: &[Batch],
    scope: &BTreeSet<String>,
    diff: &mut Diff,
) {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT a.key, b.key, l.kind FROM issue_links l JOIN issues a ON a.id = l.from_issue_id \
         JOIN issues b ON b.id = l.to_issue_id WHERE a.gone_at IS NULL AND b.gone_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .expect("links");
    let norm = |a: &str, b: &str, kind: &str| {
        if kind == "relates" && a > b {
            (b.to_owned(), a.to_owned(), kind.to_owned())
        } else {
            (a.to_owned(), b.to_owned(), kind.to_owned())
        }
    };
    let got: BTreeSet<_> = rows
        .iter()
        .filter(|(a, b, _)| scope.contains(a) || scope.contains(b))
        .map(|(a, b, k)| norm(a, b, k))
        .collect();
    let want: BTreeSet<_> = expected
        .iter()
        .flat_map(|b| b.links.iter())
        .map(|l| norm(&l.from_key, &l.to_key, l.kind.as_str()))
        .collect();
    for l in want.difference(&got) {
        diff.links.push(format!("missing link {l:?}"));
    }
    for l in got.difference(&want) {
        diff.links.push(format!("unexpected link {l:?}"));
    }
}

type SprintRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

async fn compare_sprints(
    pool: &SqlitePool,
    expected: &[Batch],
    scope: &BTreeSet<String>,
    diff: &mut Diff,
) {
    let rows: Vec<SprintRow> = sqlx::query_as(
        "SELECT s.source_name, s.remote_id, s.name, s.state, s.start_at, s.end_at, p.remote_id \
         FROM sprints s LEFT JOIN projects p ON p.id = s.project_id",
    )
    .fetch_all(pool)
    .await
    .expect("sprints");
    let got: BTreeMap<(String, String), &SprintRow> = rows
        .iter()
        .map(|r| ((r.0.clone(), r.1.clone()), r))
        .collect();
    for b in expected {
        for s in &b.sprints {
            let Some(r) = got.get(&(b.source_name.clone(), s.remote_id.clone())) else {
                diff.sprints
                    .push(format!("missing sprint {} {}", b.source_name, s.remote_id));
                continue;
            };
            let want = (
                s.name.clone(),
                s.state.as_str().to_owned(),
                s.start_at.map(to_db),
                s.end_at.map(to_db),
                s.project_remote_id.clone(),
            );
            let have = (
                r.2.clone(),
                r.3.clone(),
                r.4.clone(),
                r.5.clone(),
                r.6.clone(),
            );
            if want != have {
                diff.sprints.push(format!(
                    "sprint {}: want {want:?}, got {have:?}",
                    s.remote_id
                ));
            }
        }
    }
    let members: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT s.source_name, s.remote_id, i.key, m.added_at, m.removed_at FROM sprint_issues m \
         JOIN sprints s ON s.id = m.sprint_id JOIN issues i ON i.id = m.issue_id WHERE i.gone_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .expect("memberships");
    let got: BTreeSet<_> = members
        .into_iter()
        .filter(|m| scope.contains(&m.2))
        .collect();
    let want: BTreeSet<_> = expected
        .iter()
        .flat_map(|b| {
            b.memberships.iter().map(|m| {
                (
                    b.source_name.clone(),
                    m.sprint_remote_id.clone(),
                    m.issue_key.clone(),
                    to_db(m.added_at),
                    m.removed_at.map(to_db),
                )
            })
        })
        .collect();
    for m in want.difference(&got) {
        let list = if m.4.is_some() {
            &mut diff.removals
        } else {
            &mut diff.sprints
        };
        list.push(format!("missing membership {m:?}"));
    }
    for m in got.difference(&want) {
        let list = if m.4.is_some() {
            &mut diff.removals
        } else {
            &mut diff.sprints
        };
        list.push(format!("unexpected membership {m:?}"));
    }
}

/// Issue key, from, to, at, from category, to category.
type EventRow = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
);

async fn compare_histories(
    pool: &SqlitePool,
    expected: &[Batch],
    scope: &BTreeSet<String>,
    diff: &mut Diff,
) {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT i.key, e.from_status, e.to_status, e.at, e.from_category, e.to_category \
         FROM status_events e JOIN issues i ON i.id = e.issue_id WHERE i.gone_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .expect("events");
    let got: BTreeSet<_> = rows.into_iter().filter(|e| scope.contains(&e.0)).collect();
    let want: BTreeSet<_> = expected
        .iter()
        .flat_map(|b| {
            b.events.iter().map(|e| {
                (
                    e.issue_key.clone(),
                    e.from_status.clone(),
                    e.to_status.clone(),
                    to_db(e.at),
                    e.from_category.map(|c| c.as_str().to_owned()),
                    e.to_category.as_str().to_owned(),
                )
            })
        })
        .collect();
    for e in want.difference(&got) {
        diff.histories.push(format!("missing event {}", show(e)));
    }
    for e in got.difference(&want) {
        diff.histories.push(format!("unexpected event {}", show(e)));
    }
}

/// Everyone the issues name is there, under their tracker's names.
async fn compare_people(pool: &SqlitePool, expected: &[Batch], diff: &mut Diff) {
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT source_name, remote_id, username, display_name FROM people")
            .fetch_all(pool)
            .await
            .expect("people");
    let got: BTreeMap<(String, String), (String, String)> = rows
        .into_iter()
        .map(|(s, r, u, d)| ((s, r), (u, d)))
        .collect();
    for b in expected {
        for p in &b.people {
            match got.get(&(b.source_name.clone(), p.remote_id.clone())) {
                None => diff.people.push(format!(
                    "missing person {} ({})",
                    p.display_name, b.source_name
                )),
                Some((u, d)) if *u != p.username || *d != p.display_name => {
                    diff.people.push(format!(
                        "{}: want {:?}/{:?}, got {u:?}/{d:?}",
                        p.remote_id, p.username, p.display_name
                    ));
                }
                Some(_) => {}
            }
        }
    }
}
