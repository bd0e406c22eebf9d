//! The GitLab half of the world: group `acme` with subgroup `acme/platform` and five projects;
//! one iteration cadence per group; project milestones (`v1.1` in two projects at once) and a
//! group milestone; group epics whose children live in several projects (platform issues also
//! under `acme` epics); issue links within and across projects.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::hostile;
use super::life::{Bucket, Life, Lives, Window};
use super::model::{
    Comment, Epic, Gitlab, GitlabIssue, GitlabKind, GitlabLink, GitlabLinkType, Group, Iteration,
    Milestone, MilestoneOwner, Person, PersonId, Project,
};
use super::text;

pub const ACME: u64 = 10;
pub const PLATFORM: u64 = 11;

struct ProjectSpec {
    id: u64,
    name: &'static str,
    /// Path under its group.
    path: &'static str,
    group: u64,
    /// Share of the issues, in percent.
    share: u32,
    labels: &'static [&'static str],
}

const fn spec(
    id: u64,
    name: &'static str,
    path: &'static str,
    group: u64,
    share: u32,
    labels: &'static [&'static str],
) -> ProjectSpec {
    ProjectSpec {
        id,
        name,
        path,
        group,
        share,
        labels,
    }
}

const PROJECTS: [ProjectSpec; 5] = [
    spec(
        101,
        "Backend",
        "backend",
        ACME,
        30,
        &["api", "database", "payments", "tech-debt"],
    ),
    spec(
        102,
        "Frontend",
        "frontend",
        ACME,
        25,
        &["ux", "checkout", "a11y", "customer"],
    ),
    spec(103, "Docs", "docs", ACME, 10, &["docs", "onboarding"]),
    spec(
        104,
        "Infra",
        "infra",
        PLATFORM,
        20,
        &["k8s", "terraform", "cost", "security"],
    ),
    spec(
        105,
        "API Gateway",
        "api-gateway",
        PLATFORM,
        15,
        &["gateway", "rate-limits", "latency"],
    ),
];

/// How the projects plan: which sprints an issue of each can be in.
enum Plan {
    /// The group's iterations, or (the rest of the time) these milestones.
    Iterations {
        group: u64,
        milestones: [u64; 2],
        share: u32,
    },
    Milestones(&'static [u64]),
}

fn plan(project: u64) -> Plan {
    match project {
        101 => Plan::Iterations {
            group: ACME,
            milestones: [701, 703],
            share: 65,
        },
        102 => Plan::Iterations {
            group: ACME,
            milestones: [702, 704],
            share: 50,
        },
        103 => Plan::Milestones(&[705]),
        _ => Plan::Iterations {
            group: PLATFORM,
            milestones: [0, 0],
            share: 100,
        },
    }
}

pub struct Inputs<'a> {
    pub rng: &'a mut ChaCha8Rng,
    pub anchor: DateTime<Utc>,
    pub issues: usize,
    pub people: &'a [Person],
}

pub fn generate(inp: Inputs<'_>) -> Gitlab {
    let Inputs {
        rng,
        anchor,
        issues,
        people,
    } = inp;
    let users: Vec<PersonId> = (0..people.len())
        .filter(|p| people[*p].gitlab.is_some())
        .collect();
    let mut g = Gitlab {
        groups: vec![
            Group {
                id: ACME,
                name: "Acme".to_owned(),
                full_path: "acme".to_owned(),
                parent_id: None,
            },
            Group {
                id: PLATFORM,
                name: "Platform".to_owned(),
                full_path: "acme/platform".to_owned(),
                parent_id: Some(ACME),
            },
        ],
        projects: PROJECTS
            .iter()
            .map(|p| Project {
                id: p.id,
                name: p.name.to_owned(),
                full_path: format!("{}/{}", group_path(p.group), p.path),
                group_id: p.group,
            })
            .collect(),
        ..Gitlab::default()
    };
    g.iterations = iterations(anchor);
    g.milestones = milestones(anchor);
    g.epics = epics(rng, anchor, (issues / 30).max(3), &users);
    let mut drafts: Vec<GitlabIssue> = (0..issues)
        .map(|_| draft(rng, anchor, &g, &users))
        .collect();
    // Ids and numbers follow creation, as GitLab hands them out.
    drafts.sort_by_key(|i| i.created_at);
    let mut iids = [0u64; PROJECTS.len()];
    for (n, issue) in drafts.iter_mut().enumerate() {
        issue.id = 20_001 + n as u64;
        let slot = PROJECTS
            .iter()
            .position(|p| p.id == issue.project_id)
            .unwrap_or(0);
        iids[slot] += 1;
        issue.iid = iids[slot];
    }
    g.next_issue_id = 20_001 + drafts.len() as u64;
    g.issues = drafts;
    make_hostile(&mut g, anchor, &users);
    g.links = links(rng, &g.issues, anchor);
    settle_epics(&mut g, anchor);
    g
}

pub fn group_path(group: u64) -> &'static str {
    if group == PLATFORM {
        "acme/platform"
    } else {
        "acme"
    }
}

fn day(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

fn monday(at: DateTime<Utc>) -> NaiveDate {
    let d = day(at);
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Two-week iterations per cadence: ten closed, the current one, two upcoming. The platform
/// cadence runs a week behind acme's.
fn iterations(anchor: DateTime<Utc>) -> Vec<Iteration> {
    let mut out = Vec::new();
    for (group, cadence, label, first_id, phase) in [
        (ACME, "Acme sprints", "Acme sprint", 501u64, 0i64),
        (PLATFORM, "Platform cycles", "Platform cycle", 601u64, 7),
    ] {
        let mut start = monday(anchor) - Duration::days(phase);
        if start > day(anchor) {
            start -= Duration::days(14);
        }
        start -= Duration::days(14 * 10);
        for i in 0..13u64 {
            out.push(Iteration {
                id: first_id + i,
                iid: i + 1,
                group_id: group,
                cadence: cadence.to_owned(),
                // The platform cadence schedules itself: GitLab leaves those untitled.
                title: (group == ACME).then(|| format!("{label} {}", 40 + i)),
                start_date: start,
                due_date: start + Duration::days(13),
            });
            start += Duration::days(14);
        }
    }
    out
}

/// `v1.0` (closed) and `v1.1` (active now) in both backend and frontend, and a group milestone.
fn milestones(anchor: DateTime<Utc>) -> Vec<Milestone> {
    let today = day(anchor);
    let m = |id, iid, owner, title: &str, start: i64, due: i64, closed| Milestone {
        id,
        iid,
        owner,
        title: title.to_owned(),
        start_date: today + Duration::days(start),
        due_date: today + Duration::days(due),
        closed,
    };
    vec![
        m(701, 1, MilestoneOwner::Project(101), "v1.0", -60, -25, true),
        m(702, 1, MilestoneOwner::Project(102), "v1.0", -60, -25, true),
        m(703, 2, MilestoneOwner::Project(101), "v1.1", -24, 12, false),
        m(704, 2, MilestoneOwner::Project(102), "v1.1", -24, 12, false),
        m(
            705,
            1,
            MilestoneOwner::Group(ACME),
            "Docs refresh",
            -10,
            20,
            false,
        ),
    ]
}

fn epics(rng: &mut ChaCha8Rng, anchor: DateTime<Utc>, n: usize, users: &[PersonId]) -> Vec<Epic> {
    let mut out: Vec<Epic> = (0..n)
        .map(|i| {
            let group = if i % 5 == 4 { PLATFORM } else { ACME };
            let created = anchor - Duration::minutes(rng.random_range(60 * 24 * 20..60 * 24 * 120));
            Epic {
                id: 0,
                iid: 0,
                group_id: group,
                title: text::epic_title(rng, i),
                description: text::epic_description(rng),
                author: users[rng.random_range(0..users.len())],
                labels: if rng.random_bool(0.4) {
                    vec!["roadmap".to_owned()]
                } else {
                    Vec::new()
                },
                created_at: created,
                updated_at: created,
                closed_at: None,
            }
        })
        .collect();
    out.sort_by_key(|e| e.created_at);
    let mut iids = [0u64; 2];
    for (n, e) in out.iter_mut().enumerate() {
        e.id = 9_001 + n as u64;
        let slot = usize::from(e.group_id == PLATFORM);
        iids[slot] += 1;
        e.iid = iids[slot];
    }
    out
}

/// Windows of the sprints an issue of `project` can be in, with their (iteration or milestone) ids.
fn track(g: &Gitlab, rng: &mut ChaCha8Rng, project: u64) -> (Vec<Window>, Vec<(bool, u64)>) {
    let window = |start: NaiveDate, due: NaiveDate| Window {
        start: start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
        end: (due + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc(),
    };
    let milestone_track = |ids: &[u64]| {
        let ms: Vec<&Milestone> = g
            .milestones
            .iter()
            .filter(|m| ids.contains(&m.id))
            .collect();
        (
            ms.iter()
                .map(|m| window(m.start_date, m.due_date))
                .collect(),
            ms.iter().map(|m| (false, m.id)).collect(),
        )
    };
    match plan(project) {
        Plan::Milestones(ids) => milestone_track(ids),
        Plan::Iterations {
            group,
            milestones,
            share,
        } => {
            if rng.random_range(0..100) < share {
                let its: Vec<&Iteration> = g
                    .iterations
                    .iter()
                    .filter(|i| i.group_id == group)
                    .collect();
                (
                    its.iter()
                        .map(|i| window(i.start_date, i.due_date))
                        .collect(),
                    its.iter().map(|i| (true, i.id)).collect(),
                )
            } else {
                milestone_track(&milestones)
            }
        }
    }
}

fn draft(
    rng: &mut ChaCha8Rng,
    anchor: DateTime<Utc>,
    g: &Gitlab,
    users: &[PersonId],
) -> GitlabIssue {
    let total: u32 = PROJECTS.iter().map(|p| p.share).sum();
    let mut roll = rng.random_range(0..total);
    let spec = PROJECTS
        .iter()
        .find(|p| {
            if roll < p.share {
                true
            } else {
                roll -= p.share;
                false
            }
        })
        .unwrap_or(&PROJECTS[0]);
    let (windows, sprints) = track(g, rng, spec.id);
    let old = rng.random_range(0..100) < 6;
    let mut lives = Lives {
        rng,
        anchor,
        track: &windows,
        review: true,
    };
    let bucket = lives.bucket(old);
    let Life {
        created,
        history,
        stays,
        updated,
    } = lives.life(bucket, anchor - Duration::days(150));
    let (mut iteration_id, mut milestone_id) = (None, None);
    if let Some((k, _, None)) = stays.last()
        && bucket != Bucket::Old
    {
        match sprints[*k] {
            (true, id) => iteration_id = Some(id),
            (false, id) => milestone_id = Some(id),
        }
    }
    let kind = match rng.random_range(0..100) {
        0..10 => GitlabKind::Task,
        10..13 => GitlabKind::Incident,
        _ => GitlabKind::Issue,
    };
    let bug = kind == GitlabKind::Issue && rng.random_bool(0.18);
    let mut labels: Vec<String> = Vec::new();
    for _ in 0..rng.random_range(0..3) {
        let l = spec.labels[rng.random_range(0..spec.labels.len())];
        if !labels.iter().any(|x| x == l) {
            labels.push(l.to_owned());
        }
    }
    if bug {
        labels.push("type::bug".to_owned());
    }
    if rng.random_bool(0.3) {
        let p = [
            "priority::high",
            "priority::medium",
            "priority::low",
            "priority::critical",
        ];
        labels.push(p[rng.random_range(0..p.len())].to_owned());
    }
    let assignees = match rng.random_range(0..100) {
        0..12 => Vec::new(),
        12..92 => vec![users[rng.random_range(0..users.len())]],
        _ => {
            let a = users[rng.random_range(0..users.len())];
            let b = users[rng.random_range(0..users.len())];
            if a == b { vec![a] } else { vec![a, b] }
        }
    };
    let epic_id = pick_epic(rng, g, spec.group);
    GitlabIssue {
        id: 0,
        iid: 0,
        project_id: spec.id,
        kind,
        title: text::issue_title(
            rng,
            bug || kind == GitlabKind::Incident,
            kind == GitlabKind::Task,
        ),
        description: text::description(rng),
        labels,
        author: users[rng.random_range(0..users.len())],
        assignees,
        weight: (kind != GitlabKind::Incident && rng.random_bool(0.75))
            .then(|| [1, 2, 3, 5, 8][rng.random_range(0..5)]),
        due_date: rng
            .random_bool(0.2)
            .then(|| day(anchor) + Duration::days(rng.random_range(-20..25))),
        epic_id,
        iteration_id,
        milestone_id,
        created_at: created,
        updated_at: updated,
        history,
        comments: Vec::new(),
        moved_to_id: None,
    }
}

/// Most issues belong to an epic of their group; platform issues sometimes to one of `acme`'s
/// (an ancestor group's epic may hold issues of subgroup projects).
fn pick_epic(rng: &mut ChaCha8Rng, g: &Gitlab, group: u64) -> Option<u64> {
    if !rng.random_bool(0.55) {
        return None;
    }
    let group = if group == PLATFORM && rng.random_bool(0.3) {
        ACME
    } else {
        group
    };
    let of_group: Vec<u64> = g
        .epics
        .iter()
        .filter(|e| e.group_id == group)
        .map(|e| e.id)
        .collect();
    (!of_group.is_empty()).then(|| of_group[rng.random_range(0..of_group.len())])
}

/// The most recently created issues get the hostile titles, recent updates (so they show on the
/// first screen) and a hostile comment.
fn make_hostile(g: &mut Gitlab, anchor: DateTime<Utc>, users: &[PersonId]) {
    let titles = hostile::titles();
    let descriptions = hostile::descriptions();
    let n = g.issues.len();
    for (k, title) in titles.into_iter().enumerate() {
        let Some(idx) = n.checked_sub(1 + 2 * k) else {
            break;
        };
        let issue = &mut g.issues[idx];
        issue.title = title;
        if let Some(d) = descriptions.get(k) {
            issue.description.clone_from(d);
        }
        let at = anchor - Duration::minutes(5 * i64::try_from(k).unwrap_or(0) + 1);
        if issue.updated_at < at {
            issue.updated_at = at;
        }
        issue.comments.push(Comment {
            id: 700_000 + issue.id,
            author: users[k % users.len()],
            at: issue.updated_at,
            body: hostile::COMMENT.to_owned(),
        });
    }
}

fn links(rng: &mut ChaCha8Rng, issues: &[GitlabIssue], anchor: DateTime<Utc>) -> Vec<GitlabLink> {
    let mut out: Vec<GitlabLink> = Vec::new();
    let n = issues.len();
    if n < 2 {
        return out;
    }
    for (i, a) in issues.iter().enumerate() {
        if !rng.random_bool(0.07) {
            continue;
        }
        let same_project: Vec<usize> = (0..n)
            .filter(|j| *j != i && issues[*j].project_id == a.project_id)
            .take(400)
            .collect();
        let j = if rng.random_bool(0.6) && !same_project.is_empty() {
            same_project[rng.random_range(0..same_project.len())]
        } else {
            let j = rng.random_range(0..n);
            if j == i {
                continue;
            }
            j
        };
        let b = &issues[j];
        let dup = out.iter().any(|l| {
            (l.source_issue_id, l.target_issue_id) == (a.id, b.id)
                || (l.source_issue_id, l.target_issue_id) == (b.id, a.id)
        });
        if dup {
            continue;
        }
        let created = a.created_at.max(b.created_at) + Duration::hours(1);
        out.push(GitlabLink {
            id: 40_001 + out.len() as u64,
            source_issue_id: a.id,
            target_issue_id: b.id,
            link_type: if rng.random_bool(0.6) {
                GitlabLinkType::Blocks
            } else {
                GitlabLinkType::RelatesTo
            },
            created_at: created.min(anchor - Duration::minutes(1)),
        });
    }
    out
}

/// An epic is touched when its last child is, closed when all its children are done (some).
fn settle_epics(g: &mut Gitlab, anchor: DateTime<Utc>) {
    // Per epic: the last child update, and whether every child is done.
    let mut children: std::collections::HashMap<u64, (DateTime<Utc>, bool)> =
        std::collections::HashMap::new();
    for i in &g.issues {
        let Some(e) = i.epic_id else { continue };
        let done = super::model::closed_at(&i.history).is_some();
        let entry = children.entry(e).or_insert((i.updated_at, true));
        entry.0 = entry.0.max(i.updated_at);
        entry.1 &= done;
    }
    let recent = anchor - Duration::days(30);
    for e in &mut g.epics {
        let (last, all_done) = children
            .get(&e.id)
            .copied()
            .map_or((None, false), |(t, d)| (Some(t), d));
        e.updated_at = last.unwrap_or(e.created_at).max(e.created_at).max(recent);
        if all_done {
            e.closed_at = Some(e.updated_at);
        }
    }
}
