use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::timeline::{Step, Timeline};
use super::vocab::{
    BENEFITS, BUG_PREFIXES, EPIC_THEMES, LABELS_MOBILE, LABELS_OPS, LABELS_WEB, OBJECTS, PEOPLE,
    QUALIFIERS, ROLES, STORY_VERBS, TASK_VERBS,
};
use super::{DemoSpec, SOURCE_NAME};
use crate::domain::issue::{EventSource, IssueType, LinkKind, Source, SprintState};
use crate::domain::records::{
    Batch, IssueRecord, LinkRecord, MembershipRecord, PersonRecord, ProjectKind, ProjectRecord,
    SprintOrigin, SprintRecord, StatusEventRecord,
};

const SPRINTS: usize = 8;
const ACTIVE: usize = 6;
const FUTURE: usize = 7;
const FIRST_SPRINT_NUMBER: usize = 41;

struct ProjectSpec {
    remote_id: &'static str,
    key: &'static str,
    name: &'static str,
    source: Source,
    labels: &'static [&'static str],
    share: f64,
}

const PROJECTS: [ProjectSpec; 3] = [
    ProjectSpec {
        remote_id: "101",
        key: "web/shop",
        name: "Web Shop",
        source: Source::Gitlab,
        labels: LABELS_WEB,
        share: 0.4,
    },
    ProjectSpec {
        remote_id: "102",
        key: "mobile/app",
        name: "Mobile App",
        source: Source::Gitlab,
        labels: LABELS_MOBILE,
        share: 0.3,
    },
    ProjectSpec {
        remote_id: "10001",
        key: "OPS",
        name: "Operations",
        source: Source::Jira,
        labels: LABELS_OPS,
        share: 0.3,
    },
];

fn status_name(source: Source, step: Step) -> &'static str {
    match (source, step) {
        (Source::Jira, Step::Todo) => "To Do",
        (Source::Jira, Step::Doing) => "In Progress",
        (Source::Jira, Step::Review) => "In Review",
        (Source::Jira, Step::Done) => "Done",
        (Source::Gitlab, Step::Todo) => "Open",
        (Source::Gitlab, Step::Doing) => "workflow::doing",
        (Source::Gitlab, Step::Review) => "workflow::review",
        (Source::Gitlab, Step::Done) => "Closed",
    }
}

struct Sprint {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Sprint index, added at, removed at.
type Membership = (usize, DateTime<Utc>, Option<DateTime<Utc>>);

/// Where an issue's life is spent.
#[derive(Clone, Copy)]
enum Bucket {
    Closed(usize),
    Active,
    Future,
    DoneOutside,
    Open,
}

struct Gen {
    rng: ChaCha8Rng,
    anchor: DateTime<Utc>,
    sprints: Vec<Sprint>,
    batch: Batch,
    /// Per project: (key, created) of epics and stories, for parents.
    epics: Vec<Vec<(String, DateTime<Utc>)>>,
    stories: Vec<Vec<(String, DateTime<Utc>)>>,
    counters: Vec<usize>,
    /// Keys of open issues per project, for blocker links.
    open: Vec<Vec<String>>,
}

pub fn generate(spec: &DemoSpec) -> Batch {
    let mut g = Gen::new(spec);
    g.people();
    g.projects_and_sprints();
    let epics = (spec.issues / 25).max(PROJECTS.len());
    for n in 0..spec.issues {
        let project = g.pick_project(n);
        let issue_type = if n < epics {
            IssueType::Epic
        } else {
            g.pick_type()
        };
        g.issue(project, issue_type);
    }
    g.links();
    g.batch
}

impl Gen {
    fn new(spec: &DemoSpec) -> Self {
        let anchor = spec.anchor;
        // The active sprint runs Monday to Friday of the following week. From Wednesday on "now"
        // is in its first week (a weekend included); on Monday and Tuesday in its second.
        let weekday = i64::from(anchor.weekday().num_days_from_monday());
        let monday = anchor.date_naive() - Duration::days(weekday);
        let first_monday = if weekday >= 2 {
            monday
        } else {
            monday - Duration::days(7)
        };
        let active_start = first_monday
            .and_hms_opt(9, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let sprints = (0..SPRINTS)
            .map(|i| {
                let offset = i64::try_from(i).unwrap_or(0) - i64::try_from(ACTIVE).unwrap_or(0);
                let start = active_start + Duration::days(14 * offset);
                Sprint {
                    start,
                    end: start + Duration::days(11) + Duration::hours(8),
                }
            })
            .collect();
        Self {
            rng: ChaCha8Rng::seed_from_u64(spec.seed),
            anchor,
            sprints,
            batch: Batch {
                source_name: SOURCE_NAME.to_owned(),
                ..Batch::default()
            },
            epics: vec![Vec::new(); PROJECTS.len()],
            stories: vec![Vec::new(); PROJECTS.len()],
            counters: vec![0; PROJECTS.len()],
            open: vec![Vec::new(); PROJECTS.len()],
        }
    }

    fn people(&mut self) {
        for (username, display, capacity) in PEOPLE {
            self.batch.people.push(PersonRecord {
                remote_id: (*username).to_owned(),
                username: (*username).to_owned(),
                display_name: (*display).to_owned(),
                capacity: Some(*capacity),
            });
        }
    }

    fn projects_and_sprints(&mut self) {
        for p in &PROJECTS {
            let web_url = match p.source {
                Source::Gitlab => format!("https://gitlab.example.com/{}", p.key),
                Source::Jira => format!("https://example.atlassian.net/browse/{}", p.key),
            };
            self.batch.projects.push(ProjectRecord {
                source: p.source,
                remote_id: p.remote_id.to_owned(),
                key: p.key.to_owned(),
                name: p.name.to_owned(),
                web_url: Some(web_url),
                kind: ProjectKind::Project,
            });
        }
        for (i, s) in self.sprints.iter().enumerate() {
            let state = match i {
                ACTIVE => SprintState::Active,
                FUTURE => SprintState::Future,
                _ => SprintState::Closed,
            };
            self.batch.sprints.push(SprintRecord {
                origin: SprintOrigin::Local,
                remote_id: format!("sprint-{}", FIRST_SPRINT_NUMBER + i),
                project_remote_id: None,
                name: format!("Sprint {}", FIRST_SPRINT_NUMBER + i),
                state,
                start_at: Some(s.start),
                end_at: Some(s.end),
                completed_at: (state == SprintState::Closed).then_some(s.end),
                goal: Some(format!(
                    "Ship {}",
                    EPIC_THEMES[i % EPIC_THEMES.len()].to_lowercase()
                )),
                capacity: Some(PEOPLE.iter().map(|p| p.2).sum()),
            });
        }
    }

    fn pick_project(&mut self, n: usize) -> usize {
        // Epics are spread round-robin so every project has some.
        if n < PROJECTS.len() {
            return n;
        }
        let roll: f64 = self.rng.random();
        let mut acc = 0.0;
        for (i, p) in PROJECTS.iter().enumerate() {
            acc += p.share;
            if roll < acc {
                return i;
            }
        }
        PROJECTS.len() - 1
    }

    fn pick_type(&mut self) -> IssueType {
        match self.rng.random_range(0..100) {
            0..58 => IssueType::Story,
            58..84 => IssueType::Task,
            _ => IssueType::Bug,
        }
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.rng.random_range(0..items.len())]
    }

    fn minutes(&mut self, lo_hours: i64, hi_hours: i64) -> Duration {
        Duration::minutes(
            self.rng
                .random_range(lo_hours * 60..hi_hours.max(lo_hours + 1) * 60),
        )
    }

    fn bucket(&mut self, issue_type: IssueType) -> Bucket {
        if issue_type == IssueType::Epic {
            return if self.rng.random_bool(0.35) {
                Bucket::DoneOutside
            } else {
                Bucket::Open
            };
        }
        let roll = self.rng.random_range(0..1000);
        match roll {
            0..120 => Bucket::Closed(roll / 20),
            120..145 => Bucket::Active,
            145..162 => Bucket::Future,
            162..580 => Bucket::DoneOutside,
            _ => Bucket::Open,
        }
    }

    fn issue(&mut self, project: usize, issue_type: IssueType) {
        let p = &PROJECTS[project];
        self.counters[project] += 1;
        let number = self.counters[project];
        let key = match p.source {
            Source::Gitlab => format!("{}#{number}", p.key),
            Source::Jira => format!("{}-{number}", p.key),
        };
        let title = self.title(issue_type);
        let history_start = self.sprints[0].start - Duration::days(120);
        let mut created =
            history_start + self.minutes(0, (self.anchor - history_start).num_hours() - 2);
        if issue_type == IssueType::Epic {
            created = history_start + self.minutes(0, 24 * 60);
        }
        let mut memberships = Vec::new();
        let bucket = self.bucket(issue_type);
        let timeline = match bucket {
            Bucket::Closed(k) => self.closed_sprint(k, &mut created, &mut memberships),
            Bucket::Active => self.active_sprint(&mut created, &mut memberships),
            Bucket::Future => {
                let s = &self.sprints[FUTURE];
                let planned = (self.anchor - Duration::days(2)).min(s.start);
                created = created.min(planned - Duration::days(1));
                memberships.push((FUTURE, planned, None));
                Timeline::new(created, self.anchor)
            }
            Bucket::DoneOutside => {
                let mut t = Timeline::new(created, self.anchor);
                let start = created + self.minutes(2, 24 * 20);
                let done = start + self.minutes(4, 24 * 8);
                self.work(&mut t, start, done);
                t
            }
            Bucket::Open => {
                let mut t = Timeline::new(created, self.anchor);
                let roll = self.rng.random_range(0..100);
                if roll < 15 || issue_type == IssueType::Epic && roll < 70 {
                    let start = created + self.minutes(2, 24 * 30);
                    t.push(start, Step::Doing);
                    if roll < 4 {
                        let review = start + self.minutes(2, 24 * 6);
                        t.push(review, Step::Review);
                    }
                }
                t
            }
        };
        for (sprint, added, removed) in memberships {
            self.batch.memberships.push(MembershipRecord {
                sprint_remote_id: format!("sprint-{}", FIRST_SPRINT_NUMBER + sprint),
                issue_key: key.clone(),
                added_at: added,
                removed_at: removed,
            });
        }
        self.finish(project, key, issue_type, title, &timeline);
    }

    /// Todo → doing → review → done between `start` and `done`, with an occasional re-open.
    fn work(&mut self, t: &mut Timeline, start: DateTime<Utc>, done: DateTime<Utc>) {
        if !t.push(start, Step::Doing) {
            return;
        }
        let span = (done - start).num_minutes().max(2);
        let mut review = start + Duration::minutes(self.rng.random_range(span / 2..span));
        if !t.push(review, Step::Review) {
            return;
        }
        // Reviews send work back now and then; each round trip is two more events.
        while self.rng.random_bool(0.3) {
            let back = review + Duration::minutes(((done - review).num_minutes() / 3).max(1));
            let again = back + Duration::minutes(((done - back).num_minutes() / 2).max(1));
            if again >= done || !t.push(back, Step::Doing) || !t.push(again, Step::Review) {
                break;
            }
            review = again;
        }
        if !t.push(done, Step::Done) {
            return;
        }
        if self.rng.random_bool(0.06) {
            let reopened = done + self.minutes(2, 72);
            if t.push(reopened, Step::Doing) {
                let again = reopened + self.minutes(2, 72);
                t.push(again, Step::Done);
            }
        }
    }

    fn closed_sprint(
        &mut self,
        k: usize,
        created: &mut DateTime<Utc>,
        memberships: &mut Vec<Membership>,
    ) -> Timeline {
        let (start, end) = (self.sprints[k].start, self.sprints[k].end);
        let added = if self.rng.random_bool(0.10) {
            start + self.minutes(20, 24 * 8)
        } else {
            start - self.minutes(1, 72)
        };
        *created = (*created).min(added - self.minutes(1, 24 * 30));
        let mut t = Timeline::new(*created, self.anchor);
        let roll = self.rng.random_range(0..100);
        if roll < 5 {
            // Taken out of the sprint again: back to the backlog.
            let removed = added + self.minutes(4, 24 * 3);
            memberships.push((k, added, Some(removed.min(end))));
        } else if roll < 20 && k < ACTIVE {
            // Not finished in time: carried over into the next sprint.
            memberships.push((k, added, None));
            let next = &self.sprints[k + 1];
            let (next_start, next_end) = (next.start, next.end);
            memberships.push((k + 1, next_start - Duration::hours(1), None));
            let begun = start + self.minutes(24, 24 * 9);
            t.push(begun, Step::Doing);
            let done = next_start + self.minutes(4, 24 * 9);
            if done < next_end {
                let review = done - self.minutes(1, 20);
                t.push(review, Step::Review);
                t.push(done, Step::Done);
            }
        } else {
            memberships.push((k, added, None));
            let begun = added.max(start) + self.minutes(1, 24 * 6);
            let done = (begun + self.minutes(3, 24 * 4)).min(end - Duration::hours(1));
            self.work(&mut t, begun, done.max(begun + Duration::hours(1)));
        }
        t
    }

    fn active_sprint(
        &mut self,
        created: &mut DateTime<Utc>,
        memberships: &mut Vec<Membership>,
    ) -> Timeline {
        let start = self.sprints[ACTIVE].start;
        let elapsed = (self.anchor - start).num_hours().max(2);
        let added = if self.rng.random_bool(0.12) {
            start + self.minutes(1, elapsed - 1)
        } else {
            start - self.minutes(1, 72)
        };
        *created = (*created).min(added - self.minutes(1, 24 * 20));
        let mut t = Timeline::new(*created, self.anchor);
        memberships.push((ACTIVE, added, None));
        let began =
            added.max(start) + self.minutes(0, (self.anchor - added.max(start)).num_hours().max(1));
        match self.rng.random_range(0..100) {
            0..35 => {
                let done = began + (self.anchor - began) / 2;
                self.work(&mut t, began, done);
            }
            35..60 => {
                t.push(began, Step::Doing);
            }
            60..75 => {
                t.push(began, Step::Doing);
                let review = began + (self.anchor - began) / 2;
                t.push(review, Step::Review);
            }
            _ => {}
        }
        t
    }

    fn title(&mut self, issue_type: IssueType) -> String {
        let object = self.pick(OBJECTS);
        let qualifier = self.pick(QUALIFIERS);
        match issue_type {
            IssueType::Epic => self.pick(EPIC_THEMES).to_owned(),
            IssueType::Story => format!("{} {object}{qualifier}", self.pick(STORY_VERBS)),
            IssueType::Task => format!("{} {object}{qualifier}", self.pick(TASK_VERBS)),
            IssueType::Bug => format!("{} {object}{qualifier}", self.pick(BUG_PREFIXES)),
        }
    }

    fn description(&mut self, issue_type: IssueType, title: &str) -> String {
        let role = self.pick(ROLES);
        let benefit = self.pick(BENEFITS);
        match issue_type {
            IssueType::Epic => format!(
                "## Goal\n\n{title}: everything needed to ship it this quarter.\n\n## Out of scope\n\n- Native desktop clients\n- Anything needing a new vendor contract\n"
            ),
            IssueType::Story => format!(
                "As a {role}, I want to {} so that {benefit}.\n\n## Acceptance criteria\n\n- Given a signed-in {role}, when they open the page, then the change is visible\n- Works on mobile and desktop\n- Tracked in analytics as `{}`\n",
                title.to_lowercase(),
                title
                    .split_whitespace()
                    .next()
                    .unwrap_or("event")
                    .to_lowercase()
            ),
            IssueType::Task => format!(
                "{title}.\n\nSteps:\n\n1. Agree the approach in the team channel\n2. Do the change behind a flag\n3. Remove the flag after one release\n"
            ),
            IssueType::Bug => format!(
                "## Steps to reproduce\n\n1. Sign in as a {role}\n2. Open the affected page\n3. Observe the error\n\n## Expected\n\nNo error.\n\n## Actual\n\n```\nError: request failed with status 500\n```\n"
            ),
        }
    }

    fn estimate(&mut self, issue_type: IssueType) -> Option<f64> {
        let (chance, scale): (f64, &[f64]) = match issue_type {
            IssueType::Epic => return None,
            IssueType::Story => (0.88, &[1.0, 2.0, 3.0, 3.0, 5.0, 5.0, 8.0, 13.0]),
            IssueType::Task => (0.45, &[1.0, 1.0, 2.0, 3.0]),
            IssueType::Bug => (0.35, &[1.0, 2.0, 3.0, 5.0]),
        };
        if !self.rng.random_bool(chance) {
            return None;
        }
        scale.get(self.rng.random_range(0..scale.len())).copied()
    }

    fn person(&mut self) -> String {
        PEOPLE[self.rng.random_range(0..PEOPLE.len())].0.to_owned()
    }

    /// Work that has started always has someone on it; half the backlog does.
    fn assignees(&mut self, started: bool) -> Vec<String> {
        let mut assignees = Vec::new();
        if started || self.rng.random_bool(0.5) {
            assignees.push(self.person());
            if self.rng.random_bool(0.03) {
                let second = self.person();
                if !assignees.contains(&second) {
                    assignees.push(second);
                }
            }
        }
        assignees
    }

    fn labels(&mut self, project: usize, issue_type: IssueType) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for _ in 0..self.rng.random_range(0..3) {
            let label = self.pick(PROJECTS[project].labels).to_owned();
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        if issue_type == IssueType::Bug {
            labels.push("bug".to_owned());
        }
        labels
    }

    fn priority(&mut self) -> &'static str {
        match self.rng.random_range(0..100) {
            0..4 => "Highest",
            4..20 => "High",
            20..75 => "Medium",
            75..93 => "Low",
            _ => "Lowest",
        }
    }

    /// Due dates near the finish for done work, around "now" for open work (some overdue).
    fn due_date(
        &mut self,
        issue_type: IssueType,
        closed: Option<DateTime<Utc>>,
    ) -> Option<NaiveDate> {
        let chance = if issue_type == IssueType::Epic {
            0.6
        } else {
            0.2
        };
        if !self.rng.random_bool(chance) {
            return None;
        }
        let base = closed.unwrap_or(self.anchor);
        Some((base + Duration::days(self.rng.random_range(-21..35))).date_naive())
    }

    fn finish(
        &mut self,
        project: usize,
        key: String,
        issue_type: IssueType,
        title: String,
        t: &Timeline,
    ) {
        let p = &PROJECTS[project];
        let created = t.events[0].0;
        let (last_at, last_step) = t.last();
        let done = last_step == Step::Done;
        let story_points = self.estimate(issue_type);
        let assignees = self.assignees(last_step != Step::Todo);
        let labels = self.labels(project, issue_type);
        let priority = self.priority();
        let due_date = self.due_date(issue_type, t.closed_at());
        let parent_key = self.parent(project, issue_type, created);
        let description = self.description(issue_type, &title);
        let number = key.rsplit(['#', '-']).next().unwrap_or("0").to_owned();
        let web_url = match p.source {
            Source::Gitlab => format!("https://gitlab.example.com/{}/-/issues/{number}", p.key),
            Source::Jira => format!("https://example.atlassian.net/browse/{key}"),
        };
        let reporter = self.person();
        let mut previous: Option<Step> = None;
        for (at, step) in &t.events {
            self.batch.events.push(StatusEventRecord {
                issue_key: key.clone(),
                from_status: previous.map(|s| status_name(p.source, s).to_owned()),
                to_status: status_name(p.source, *step).to_owned(),
                from_category: previous.map(Step::category),
                to_category: step.category(),
                at: *at,
                source: EventSource::Demo,
                remote_id: None,
            });
            previous = Some(*step);
        }
        match issue_type {
            IssueType::Epic => self.epics[project].push((key.clone(), created)),
            IssueType::Story => self.stories[project].push((key.clone(), created)),
            _ => {}
        }
        if !done {
            self.open[project].push(key.clone());
        }
        self.batch.issues.push(IssueRecord {
            source: p.source,
            project_remote_id: p.remote_id.to_owned(),
            remote_id: format!("{}-{number}", p.remote_id),
            key,
            issue_type,
            title,
            description,
            status: status_name(p.source, last_step).to_owned(),
            status_category: last_step.category(),
            reporter: Some(reporter),
            assignees,
            labels,
            priority: Some(priority.to_owned()),
            story_points,
            parent_key,
            due_date,
            created_at: created,
            updated_at: last_at.max(created),
            closed_at: t.closed_at(),
            web_url: Some(web_url),
            raw_json: None,
        });
    }

    fn parent(
        &mut self,
        project: usize,
        issue_type: IssueType,
        created: DateTime<Utc>,
    ) -> Option<String> {
        let roll = self.rng.random_range(0..100);
        let from_epics = match issue_type {
            IssueType::Epic => return None,
            IssueType::Story => roll < 85,
            IssueType::Task => (50..80).contains(&roll),
            IssueType::Bug => roll < 40,
        };
        let pool = if from_epics {
            &self.epics[project]
        } else if issue_type == IssueType::Task && roll < 50 {
            &self.stories[project]
        } else {
            return None;
        };
        let candidates: Vec<&(String, DateTime<Utc>)> =
            pool.iter().filter(|(_, c)| *c <= created).collect();
        if candidates.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..candidates.len());
        Some(candidates[i].0.clone())
    }

    /// Some open issues are blocked by another open issue of the same project; a few relate.
    fn links(&mut self) {
        for project in 0..PROJECTS.len() {
            let open = self.open[project].clone();
            if open.len() < 2 {
                continue;
            }
            for (i, blocked) in open.iter().enumerate() {
                let roll = self.rng.random_range(0..100);
                // Blockers come from earlier issues only, so "blocks" never forms a cycle.
                if roll >= 8 || i == 0 {
                    continue;
                }
                let j = self.rng.random_range(0..i);
                self.batch.links.push(LinkRecord {
                    from_key: open[j].clone(),
                    to_key: blocked.clone(),
                    kind: if roll < 5 {
                        LinkKind::Blocks
                    } else {
                        LinkKind::Relates
                    },
                });
            }
        }
    }
}
