//! The Jira half of the world: a Cloud site with a company-managed project (`BENCH`, site-wide
//! workflow with a review step, `Sub-task`) and a team-managed one (`MOB`, its own statuses and
//! issue types, `Subtask`), one scrum board each with its own two-week sprints; epics as
//! parents, sub-tasks in their parent's sprints, carried-over and removed sprint scope, links
//! within and across projects, and remote links to GitLab issues.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::hostile;
use super::life::{Bucket, Life, Lives, Window};
use super::lookup::{STORY_POINT_ESTIMATE_FIELD, STORY_POINTS_FIELD};
use super::model::{
    Board, Comment, CrossLink, Jira, JiraIssue, JiraIssueType, JiraLink, JiraLinkType, JiraProject,
    JiraSprint, JiraStatus, JiraType, Person, PersonId, ProjectStyle, SprintState, SprintStay,
    Step,
};
use super::text;

pub const PRIORITIES: [&str; 5] = ["Highest", "High", "Medium", "Low", "Lowest"];

fn status(id: &str, name: &str, step: Step) -> JiraStatus {
    JiraStatus {
        id: id.to_owned(),
        name: name.to_owned(),
        step,
    }
}

fn issue_type(id: &str, name: &str, level: i32) -> JiraIssueType {
    JiraIssueType {
        id: id.to_owned(),
        name: name.to_owned(),
        subtask: level < 0,
        hierarchy_level: level,
    }
}

fn projects() -> Vec<JiraProject> {
    vec![
        JiraProject {
            id: "10000".to_owned(),
            key: "BENCH".to_owned(),
            name: "Bench Platform".to_owned(),
            style: ProjectStyle::CompanyManaged,
            points_field: STORY_POINTS_FIELD,
            statuses: vec![
                status("10000", "To Do", Step::Todo),
                status("3", "In Progress", Step::Doing),
                status("10001", "In Review", Step::Review),
                status("10002", "Done", Step::Done),
            ],
            issue_types: vec![
                issue_type("10000", "Epic", 1),
                issue_type("10001", "Story", 0),
                issue_type("10002", "Task", 0),
                issue_type("10004", "Bug", 0),
                issue_type("10003", "Sub-task", -1),
                // Premium hierarchies go above epics.
                issue_type("10005", "Initiative", 2),
            ],
            last_number: 0,
        },
        JiraProject {
            id: "10001".to_owned(),
            key: "MOB".to_owned(),
            name: "Mobile Squad".to_owned(),
            style: ProjectStyle::TeamManaged,
            points_field: STORY_POINT_ESTIMATE_FIELD,
            statuses: vec![
                status("10010", "To Do", Step::Todo),
                status("10011", "In Progress", Step::Doing),
                status("10012", "Done", Step::Done),
            ],
            issue_types: vec![
                issue_type("10020", "Epic", 1),
                issue_type("10021", "Story", 0),
                issue_type("10022", "Task", 0),
                issue_type("10023", "Bug", 0),
                issue_type("10024", "Subtask", -1),
            ],
            last_number: 0,
        },
    ]
}

/// Two-week sprints per board: eight closed, the active one, two future ones (without dates,
/// as Jira keeps them until they start). MOB's run a week behind BENCH's.
fn sprints(anchor: DateTime<Utc>) -> (Vec<JiraSprint>, Vec<Vec<Window>>) {
    let mut out = Vec::new();
    let mut tracks = Vec::new();
    for (board, prefix, first_number, first_id, phase) in [
        (1u64, "BENCH Sprint", 45u64, 145u64, 0i64),
        (2u64, "MOB Sprint", 14u64, 214u64, 7),
    ] {
        let d = anchor.date_naive();
        let wednesday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
            + Duration::days(2 - phase);
        let mut start = wednesday
            .and_hms_opt(10, 0, 0)
            .unwrap_or_default()
            .and_utc();
        if start > anchor {
            start -= Duration::days(14);
        }
        start -= Duration::days(14 * 8);
        let mut track = Vec::new();
        for i in 0..11u64 {
            // Back to back: the next sprint starts when this one ends, so one is always active.
            let end = start + Duration::days(14);
            let state = if end <= anchor {
                SprintState::Closed
            } else if start <= anchor {
                SprintState::Active
            } else {
                SprintState::Future
            };
            let dated = state != SprintState::Future;
            out.push(JiraSprint {
                id: first_id + i,
                board_id: board,
                name: format!("{prefix} {}", first_number + i),
                state,
                start: dated.then_some(start),
                end: dated.then_some(end),
                complete: (state == SprintState::Closed)
                    .then(|| (end + Duration::minutes(37)).min(anchor - Duration::minutes(1))),
                goal: if i % 3 == 0 {
                    String::new()
                } else {
                    format!("Sprint goal {}", first_number + i)
                },
            });
            track.push(Window { start, end });
            start += Duration::days(14);
        }
        tracks.push(track);
    }
    (out, tracks)
}

pub struct Inputs<'a> {
    pub rng: &'a mut ChaCha8Rng,
    pub anchor: DateTime<Utc>,
    pub issues: usize,
    pub people: &'a [Person],
    /// GitLab issue ids, for remote links across trackers.
    pub gitlab_issue_ids: &'a [u64],
}

/// A draft before ids are handed out: its parent is a draft index.
struct Draft {
    issue: JiraIssue,
    parent: Option<usize>,
}

pub fn generate(inp: Inputs<'_>) -> Jira {
    let Inputs {
        rng,
        anchor,
        issues,
        people,
        gitlab_issue_ids,
    } = inp;
    let users: Vec<PersonId> = (0..people.len())
        .filter(|p| people[*p].jira.is_some())
        .collect();
    let (sprint_list, tracks) = sprints(anchor);
    let mut j = Jira {
        projects: projects(),
        boards: vec![
            Board {
                id: 1,
                name: "BENCH board".to_owned(),
                project_key: "BENCH".to_owned(),
                filter_id: 10_100,
            },
            Board {
                id: 2,
                name: "MOB board".to_owned(),
                project_key: "MOB".to_owned(),
                filter_id: 10_101,
            },
        ],
        sprints: sprint_list,
        ..Jira::default()
    };
    let epics = (issues / 35).max(2).min(issues);
    let subtasks = issues.saturating_sub(epics) / 10;
    let standard = issues - epics - subtasks;
    let mut drafts: Vec<Draft> = Vec::with_capacity(issues);
    let ctx = Ctx {
        anchor,
        users: &users,
        tracks: &tracks,
        sprint_ids: j.sprints.iter().map(|s| (s.board_id, s.id)).collect(),
    };
    for n in 0..epics {
        drafts.push(ctx.draft(rng, n % 2, JiraType::Epic, None));
    }
    for _ in 0..standard {
        let project = usize::from(rng.random_range(0..100) >= 60);
        let ty = match rng.random_range(0..100) {
            0..55 => JiraType::Story,
            55..78 => JiraType::Task,
            _ => JiraType::Bug,
        };
        let of_project: Vec<usize> = (0..epics).filter(|e| e % 2 == project).collect();
        let epic = (!of_project.is_empty() && rng.random_bool(0.55))
            .then(|| of_project[rng.random_range(0..of_project.len())]);
        drafts.push(ctx.draft(rng, project, ty, epic.map(|e| (e, &drafts[e].issue))));
    }
    for _ in 0..subtasks {
        let parent = epics + rng.random_range(0..standard);
        let project = drafts[parent].issue.project;
        let mut d = ctx.draft(
            rng,
            project,
            JiraType::Subtask,
            Some((parent, &drafts[parent].issue)),
        );
        // Sub-tasks are in their parent's sprints.
        d.issue.sprints = drafts[parent]
            .issue
            .sprints
            .iter()
            .filter(|s| s.left.is_none_or(|l| l > d.issue.created))
            .map(|s| SprintStay {
                joined: s.joined.max(d.issue.created),
                ..*s
            })
            .collect();
        if let Some(last) = d.issue.sprints.iter().map(|s| s.joined).max() {
            d.issue.updated = d.issue.updated.max(last);
        }
        drafts.push(d);
    }
    number(&mut j, drafts);
    parallel_sprint(&mut j, rng, anchor);
    make_hostile(&mut j, anchor, &users);
    j.links = links(rng, &j.issues);
    j.remote_links = remote_links(rng, &j.issues, gitlab_issue_ids);
    j
}

struct Ctx<'a> {
    anchor: DateTime<Utc>,
    users: &'a [PersonId],
    tracks: &'a [Vec<Window>],
    /// (board, sprint id) in track order per board.
    sprint_ids: Vec<(u64, u64)>,
}

impl Ctx<'_> {
    fn draft(
        &self,
        rng: &mut ChaCha8Rng,
        project: usize,
        ty: JiraType,
        parent: Option<(usize, &JiraIssue)>,
    ) -> Draft {
        let track = &self.tracks[project];
        let old = ty != JiraType::Epic && parent.is_none() && rng.random_range(0..100) < 6;
        let floor = parent.map_or(self.anchor - Duration::days(150), |(_, p)| p.created);
        let epic = ty == JiraType::Epic;
        let floor = if epic {
            self.anchor - Duration::days(rng.random_range(40..140))
        } else {
            floor
        };
        let mut lives = Lives {
            rng: &mut *rng,
            anchor: self.anchor,
            track,
            // Only the company-managed workflow has a review step; epics skip it.
            review: project == 0 && !epic,
        };
        let bucket = if epic {
            Bucket::Backlog
        } else {
            lives.bucket(old)
        };
        let Life {
            created,
            history,
            stays,
            updated,
        } = lives.life(bucket, floor);
        let board = u64::try_from(project + 1).unwrap_or(1);
        let ids: Vec<u64> = self
            .sprint_ids
            .iter()
            .filter(|(b, _)| *b == board)
            .map(|(_, id)| *id)
            .collect();
        let sprints = stays
            .iter()
            .map(|(k, joined, left)| SprintStay {
                sprint_id: ids[*k],
                joined: *joined,
                left: *left,
            })
            .collect();
        let assignee = (rng.random_range(0..100) >= 20)
            .then(|| self.users[rng.random_range(0..self.users.len())]);
        let mut reassigned = Vec::new();
        if rng.random_bool(0.2) && updated > created + Duration::minutes(10) {
            let at = created + Duration::minutes((updated - created).num_minutes() / 2);
            let before = Some(self.users[rng.random_range(0..self.users.len())]);
            reassigned.push((at, before, assignee));
        }
        let standard = matches!(ty, JiraType::Story | JiraType::Task | JiraType::Bug);
        Draft {
            issue: JiraIssue {
                id: 0,
                project,
                key: String::new(),
                moves: Vec::new(),
                issue_type: ty,
                summary: match ty {
                    JiraType::Epic => {
                        let n = rng.random_range(0..40);
                        text::epic_title(rng, n)
                    }
                    _ => text::issue_title(rng, ty == JiraType::Bug, ty != JiraType::Story),
                },
                description: if ty == JiraType::Epic {
                    text::epic_description(rng)
                } else {
                    text::description(rng)
                },
                reporter: self.users[rng.random_range(0..self.users.len())],
                assignee,
                priority: priority(rng),
                labels: labels(rng),
                points: (standard && rng.random_bool(0.7))
                    .then(|| [0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0][rng.random_range(0..7)]),
                parent_id: parent.map(|(i, _)| i as u64),
                due_date: rng
                    .random_bool(0.2)
                    .then(|| self.anchor.date_naive() + Duration::days(rng.random_range(-20..25))),
                created,
                updated,
                history,
                sprints,
                reassigned,
                comments: Vec::new(),
            },
            parent: parent.map(|(i, _)| i),
        }
    }
}

fn priority(rng: &mut ChaCha8Rng) -> &'static str {
    PRIORITIES[match rng.random_range(0..100) {
        0..5 => 0,
        5..20 => 1,
        20..80 => 2,
        80..95 => 3,
        _ => 4,
    }]
}

fn labels(rng: &mut ChaCha8Rng) -> Vec<String> {
    const LABELS: [&str; 6] = [
        "backend",
        "frontend",
        "infra",
        "customer",
        "tech-debt",
        "needs-triage",
    ];
    if rng.random_bool(0.4) {
        vec![LABELS[rng.random_range(0..LABELS.len())].to_owned()]
    } else {
        Vec::new()
    }
}

/// Ids and keys in creation order, per project; parents by their new ids.
fn number(j: &mut Jira, drafts: Vec<Draft>) {
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|i| (drafts[*i].issue.created, *i));
    let mut new_id: HashMap<usize, u64> = HashMap::with_capacity(drafts.len());
    for (n, i) in order.iter().enumerate() {
        new_id.insert(*i, 10_100 + n as u64);
    }
    let mut slots: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    for i in order {
        let Some(Draft { mut issue, parent }) = slots[i].take() else {
            continue;
        };
        issue.id = new_id[&i];
        issue.parent_id = parent.map(|p| new_id[&p]);
        let project = &mut j.projects[issue.project];
        project.last_number += 1;
        issue.key = format!("{}-{}", project.key, project.last_number);
        j.issues.push(issue);
    }
}

/// The id of the BENCH board's parallel sprint.
pub const HOTFIX_SPRINT: u64 = 170;

/// Parallel sprints (company-managed boards may run several at once): a hotfix sprint on the
/// BENCH board, active beside the regular one, holding a few open backlog issues of BENCH and
/// one of MOB (so the MOB board lists it too, with BENCH's board as its origin).
fn parallel_sprint(j: &mut Jira, rng: &mut ChaCha8Rng, anchor: DateTime<Utc>) {
    let start = (anchor - Duration::days(3))
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .unwrap_or_default()
        .and_utc();
    j.sprints.push(JiraSprint {
        id: HOTFIX_SPRINT,
        board_id: 1,
        name: "BENCH Hotfix 7".to_owned(),
        state: SprintState::Active,
        start: Some(start),
        end: Some(start + Duration::days(7)),
        complete: None,
        goal: "Stop the checkout errors".to_owned(),
    });
    let mut taken = [0usize; 2];
    for issue in &mut j.issues {
        let free = issue.sprints.iter().all(|s| s.left.is_some())
            && super::model::current(&issue.history) != Step::Done
            && matches!(
                issue.issue_type,
                JiraType::Story | JiraType::Task | JiraType::Bug
            )
            && issue.created < start;
        let room = if issue.project == 0 { 6 } else { 1 };
        if !free || taken[issue.project] >= room || !rng.random_bool(0.3) {
            continue;
        }
        taken[issue.project] += 1;
        let joined = start + Duration::minutes(rng.random_range(30..60 * 24));
        let joined = joined.min(anchor - Duration::minutes(10));
        issue.sprints.push(SprintStay {
            sprint_id: HOTFIX_SPRINT,
            joined,
            left: None,
        });
        issue.updated = issue.updated.max(joined);
    }
}

fn make_hostile(j: &mut Jira, anchor: DateTime<Utc>, users: &[PersonId]) {
    let descriptions = hostile::descriptions();
    let n = j.issues.len();
    for (k, title) in hostile::titles().into_iter().enumerate() {
        let Some(idx) = n.checked_sub(1 + 2 * k) else {
            break;
        };
        let issue = &mut j.issues[idx];
        // Jira summaries are one line: the trackers' own editors refuse line breaks there.
        issue.summary = title.replace(['\r', '\n'], " ");
        if let Some(d) = descriptions.get(k) {
            issue.description.clone_from(d);
        }
        let at = anchor - Duration::minutes(5 * i64::try_from(k).unwrap_or(0) + 3);
        if issue.updated < at {
            issue.updated = at;
        }
        issue.comments.push(Comment {
            id: 800_000 + issue.id,
            author: users[k % users.len()],
            at: issue.updated,
            body: hostile::COMMENT.to_owned(),
        });
    }
}

fn links(rng: &mut ChaCha8Rng, issues: &[JiraIssue]) -> Vec<JiraLink> {
    let mut out: Vec<JiraLink> = Vec::new();
    let n = issues.len();
    if n < 2 {
        return out;
    }
    for (i, a) in issues.iter().enumerate() {
        if !rng.random_bool(0.08) {
            continue;
        }
        let j = rng.random_range(0..n);
        if j == i {
            continue;
        }
        let b = &issues[j];
        let dup = out.iter().any(|l| {
            (l.outward_issue_id == a.id && l.inward_issue_id == b.id)
                || (l.outward_issue_id == b.id && l.inward_issue_id == a.id)
        });
        if dup {
            continue;
        }
        out.push(JiraLink {
            id: 30_001 + out.len() as u64,
            link_type: match rng.random_range(0..100) {
                0..55 => JiraLinkType::Blocks,
                55..90 => JiraLinkType::Relates,
                _ => JiraLinkType::Duplicates,
            },
            outward_issue_id: a.id,
            inward_issue_id: b.id,
        });
    }
    out
}

fn remote_links(rng: &mut ChaCha8Rng, issues: &[JiraIssue], gitlab: &[u64]) -> Vec<CrossLink> {
    if gitlab.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for issue in issues {
        if rng.random_bool(0.03) {
            out.push(CrossLink {
                id: 50_001 + out.len() as u64,
                jira_issue_id: issue.id,
                gitlab_issue_id: gitlab[rng.random_range(0..gitlab.len())],
                blocks: rng.random_bool(0.5),
            });
        }
    }
    out
}
