//! GitLab writes, as write-back sends them: edit an issue (`PUT`: title, description, labels,
//! `add_labels`/`remove_labels`, `state_event`, weight, due date, assignees, milestone), create
//! one, add a note, link and unlink issues. Each changes the world at the simulator's "now", so
//! a later sync sees it (`doc/api/issues.md` "Edit an issue", "New issue"; `doc/api/notes.md`;
//! `doc/api/issue_links.md`).

use serde_json::{Map, Value, json};
use sprintdeck::demo::teams::lookup;
use sprintdeck::demo::teams::model::{
    self, Comment, GitlabIssue, GitlabKind, GitlabLink, GitlabLinkType, MilestoneOwner, Step,
};

use super::super::wire::Reply;
use super::super::{Request, Shared};
use super::not_found;
use super::paging::grape_error;
use super::render::Ctx;

/// A request body: JSON, with the query's parameters as GitLab merges them.
fn params(r: &Request) -> Map<String, Value> {
    let mut map = serde_json::from_slice::<Value>(&r.body)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    for (k, v) in &r.query.pairs {
        map.entry(k.clone()).or_insert_with(|| json!(v));
    }
    map
}

/// A comma list or an array of strings.
fn names(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::String(s) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// A parameter that keeps, clears or sets a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting<T> {
    Keep,
    Clear,
    Set(T),
}

/// A whole number as GitLab takes it (`5`, `5.0`, `"5"`); absent keeps, null or empty clears.
fn number(v: Option<&Value>, what: &str) -> Result<Setting<u64>, Reply> {
    let bad = || grape_error(400, &format!("{what} is invalid"));
    Ok(match v {
        None => Setting::Keep,
        Some(Value::Null) => Setting::Clear,
        Some(Value::String(s)) if s.is_empty() => Setting::Clear,
        Some(Value::String(s)) => Setting::Set(s.parse().map_err(|_| bad())?),
        Some(Value::Number(n)) => {
            if let Some(x) = n.as_u64() {
                Setting::Set(x)
            } else {
                let f = n
                    .as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .ok_or_else(bad)?;
                Setting::Set(format!("{f:.0}").parse().map_err(|_| bad())?)
            }
        }
        Some(_) => return Err(bad()),
    })
}

/// The author of what the API creates: the token's user stands for the first GitLab account
/// of the world.
fn author(world: &sprintdeck::demo::teams::World) -> usize {
    world
        .people
        .iter()
        .position(|p| p.gitlab.is_some())
        .unwrap_or(0)
}

pub enum Write {
    Edit(String, String),
    Create(String),
    Note(String, String),
    Link(String, String),
    Unlink(String, String, String),
}

pub fn route(r: &Request) -> Option<Write> {
    use axum::http::Method;
    let s: Vec<&str> = r.segments.iter().map(String::as_str).collect();
    let id = |n: usize| s[n].to_owned();
    Some(match (&r.method, s.as_slice()) {
        (&Method::PUT, ["api", "v4", "projects", _, "issues", _]) => Write::Edit(id(3), id(5)),
        (&Method::POST, ["api", "v4", "projects", _, "issues"]) => Write::Create(id(3)),
        (&Method::POST, ["api", "v4", "projects", _, "issues", _, "notes"]) => {
            Write::Note(id(3), id(5))
        }
        (&Method::POST, ["api", "v4", "projects", _, "issues", _, "links"]) => {
            Write::Link(id(3), id(5))
        }
        (&Method::DELETE, ["api", "v4", "projects", _, "issues", _, "links", _]) => {
            Write::Unlink(id(3), id(5), id(7))
        }
        _ => return None,
    })
}

impl Write {
    pub fn template(&self) -> &'static str {
        match self {
            Self::Edit(..) => "/api/v4/projects/:id/issues/:iid",
            Self::Create(_) => "/api/v4/projects/:id/issues",
            Self::Note(..) => "/api/v4/projects/:id/issues/:iid/notes",
            Self::Link(..) => "/api/v4/projects/:id/issues/:iid/links",
            Self::Unlink(..) => "/api/v4/projects/:id/issues/:iid/links/:issue_link_id",
        }
    }
}

/// The key of an issue by project reference and iid.
fn key_of(shared: &Shared, project: &str, iid: &str) -> Result<String, Reply> {
    let served = shared.served.read().expect("lock");
    let gl = &served.world.gitlab;
    let p = gl
        .project_by_ref(project)
        .ok_or_else(|| not_found("Project"))?;
    let iid: u64 = iid.parse().map_err(|_| not_found("Issue"))?;
    let issue = served
        .gl_issue_by_iid(p.id, iid)
        .ok_or_else(|| Reply::json(404, &json!({ "message": "404 Not found" })))?;
    Ok(gl.key(issue))
}

/// Renders an issue after a write.
fn issue_reply(shared: &Shared, status: u16, key: &str) -> Reply {
    let served = shared.served.read().expect("lock");
    let today = shared.now.lock().expect("lock").date_naive();
    let ctx = Ctx {
        served: &served,
        base: &shared.gitlab_url,
        free: shared.options.gitlab_free,
        today,
    };
    match served.world.gitlab.issue_by_key(key) {
        Some(i) => Reply::json(status, &ctx.issue(i)),
        None => not_found("Issue"),
    }
}

pub fn handle(shared: &Shared, r: &Request, w: Write) -> Reply {
    let go = || -> Result<Reply, Reply> {
        match w {
            Write::Edit(project, iid) => {
                let key = key_of(shared, &project, &iid)?;
                edit(shared, &key, &params(r))?;
                Ok(issue_reply(shared, 200, &key))
            }
            Write::Create(project) => create(shared, &project, &params(r)),
            Write::Note(project, iid) => {
                let key = key_of(shared, &project, &iid)?;
                note(shared, &key, &params(r))
            }
            Write::Link(project, iid) => {
                let key = key_of(shared, &project, &iid)?;
                link(shared, &key, &params(r))
            }
            Write::Unlink(project, iid, link_id) => {
                let key = key_of(shared, &project, &iid)?;
                unlink(shared, &key, &link_id)
            }
        }
    };
    go().unwrap_or_else(|e| e)
}

/// The step a set of labels and a state say: closed is done; an open issue takes its
/// workflow label, or is to do without one.
fn step_of(labels: &[String], closed: bool) -> Step {
    if closed {
        Step::Done
    } else if labels.iter().any(|l| l == "workflow::review") {
        Step::Review
    } else if labels.iter().any(|l| l == "workflow::doing") {
        Step::Doing
    } else {
        Step::Todo
    }
}

/// What an edit asks for, checked against the world before anything changes.
struct Edits {
    assignees: Option<Vec<usize>>,
    milestone: Setting<u64>,
    weight: Setting<u64>,
    due: Setting<chrono::NaiveDate>,
    /// Labels after the edit, the workflow label among them.
    labels: Vec<String>,
    closed: bool,
    title: Option<String>,
    description: Option<String>,
}

fn assignees(
    world: &sprintdeck::demo::teams::World,
    v: Option<&Value>,
) -> Result<Option<Vec<usize>>, Reply> {
    let Some(v) = v else { return Ok(None) };
    let ids: Vec<u64> = match v {
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_u64().or_else(|| x.as_str()?.parse().ok()))
            .collect(),
        other => names(Some(other))
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
    };
    let mut people = Vec::new();
    for id in ids {
        let person = world
            .people
            .iter()
            .position(|x| x.gitlab.as_ref().is_some_and(|u| u.id == id));
        people.push(person.ok_or_else(|| {
            Reply::json(
                400,
                &json!({ "message": { "assignee_ids": ["is invalid"] } }),
            )
        })?);
    }
    Ok(Some(people))
}

fn parse_edits(
    world: &sprintdeck::demo::teams::World,
    key: &str,
    p: &Map<String, Value>,
) -> Result<Edits, Reply> {
    let issue = world
        .gitlab
        .issue_by_key(key)
        .ok_or_else(|| not_found("Issue"))?;
    let reach = world.gitlab.ancestors_of_project(issue.project_id);
    let milestone = match number(p.get("milestone_id"), "milestone_id")? {
        Setting::Set(0) | Setting::Clear => Setting::Clear,
        Setting::Keep => Setting::Keep,
        Setting::Set(id) => {
            let ok = world.gitlab.milestone(id).is_some_and(|m| match m.owner {
                MilestoneOwner::Project(x) => x == issue.project_id,
                MilestoneOwner::Group(g) => reach.contains(&g),
            });
            if !ok {
                return Err(Reply::json(
                    400,
                    &json!({ "message": { "milestone": ["is invalid"] } }),
                ));
            }
            Setting::Set(id)
        }
    };
    let due = match p.get("due_date") {
        None => Setting::Keep,
        Some(Value::Null) => Setting::Clear,
        Some(Value::String(s)) if s.is_empty() => Setting::Clear,
        Some(Value::String(s)) => Setting::Set(
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| grape_error(400, "due_date is invalid"))?,
        ),
        Some(_) => return Err(grape_error(400, "due_date is invalid")),
    };
    let closed = match p.get("state_event").and_then(Value::as_str) {
        None => model::current(&issue.history) == Step::Done,
        Some("close") => true,
        Some("reopen") => false,
        Some(_) => return Err(grape_error(400, "state_event does not have a valid value")),
    };
    let mut labels = names(p.get("labels")).unwrap_or_else(|| {
        let mut l = issue.labels.clone();
        l.extend(lookup::workflow_label(&issue.history).map(str::to_owned));
        l
    });
    for add in names(p.get("add_labels")).unwrap_or_default() {
        // Scoped labels are exclusive: a new workflow label replaces the old one.
        if add.starts_with("workflow::") {
            labels.retain(|l| !l.starts_with("workflow::"));
        }
        if !labels.contains(&add) {
            labels.push(add);
        }
    }
    let remove = names(p.get("remove_labels")).unwrap_or_default();
    labels.retain(|l| !remove.contains(l));
    Ok(Edits {
        assignees: assignees(world, p.get("assignee_ids"))?,
        milestone,
        weight: number(p.get("weight"), "weight")?,
        due,
        labels,
        closed,
        title: p.get("title").and_then(Value::as_str).map(str::to_owned),
        description: p
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn edit(shared: &Shared, key: &str, p: &Map<String, Value>) -> Result<(), Reply> {
    let now = *shared.now.lock().expect("lock");
    let mut served = shared.served.write().expect("lock");
    let world = &mut served.world;
    let e = parse_edits(world, key, p)?;
    let step = step_of(&e.labels, e.closed);
    let current = world
        .gitlab
        .issue_by_key(key)
        .map_or(Step::Todo, |i| model::current(&i.history));
    world.edit_gitlab(key, now, |i| {
        i.labels = e
            .labels
            .into_iter()
            .filter(|l| !l.starts_with("workflow::"))
            .collect();
        if let Some(a) = e.assignees {
            i.assignees = a;
        }
        match e.milestone {
            Setting::Keep => {}
            Setting::Clear => i.milestone_id = None,
            Setting::Set(m) => i.milestone_id = Some(m),
        }
        match e.weight {
            Setting::Keep => {}
            Setting::Clear => i.weight = None,
            Setting::Set(w) => i.weight = Some(u32::try_from(w).unwrap_or(u32::MAX)),
        }
        match e.due {
            Setting::Keep => {}
            Setting::Clear => i.due_date = None,
            Setting::Set(d) => i.due_date = Some(d),
        }
        if let Some(t) = e.title {
            i.title = t;
        }
        if let Some(d) = e.description {
            i.description = d;
        }
    });
    if step != current {
        world.transition_gitlab(key, now, step);
    }
    served.reindex();
    Ok(())
}

fn create(shared: &Shared, project: &str, p: &Map<String, Value>) -> Result<Reply, Reply> {
    let now = *shared.now.lock().expect("lock");
    let key = {
        let mut served = shared.served.write().expect("lock");
        let world = &mut served.world;
        let project = world
            .gitlab
            .project_by_ref(project)
            .ok_or_else(|| not_found("Project"))?
            .id;
        let title = p
            .get("title")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Reply::json(
                    400,
                    &json!({ "message": "400 (Bad request) \"title\" not given" }),
                )
            })?;
        let iid = world
            .gitlab
            .issues
            .iter()
            .filter(|i| i.project_id == project)
            .map(|i| i.iid)
            .max()
            .unwrap_or(0)
            + 1;
        let issue = GitlabIssue {
            id: world.gitlab.next_issue_id,
            iid,
            project_id: project,
            kind: GitlabKind::Issue,
            title: title.to_owned(),
            description: p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            labels: names(p.get("labels"))
                .unwrap_or_default()
                .into_iter()
                .filter(|l| !l.starts_with("workflow::"))
                .collect(),
            author: author(world),
            assignees: Vec::new(),
            weight: match number(p.get("weight"), "weight")? {
                Setting::Set(w) => Some(u32::try_from(w).unwrap_or(u32::MAX)),
                _ => None,
            },
            due_date: None,
            epic_id: None,
            iteration_id: None,
            milestone_id: match number(p.get("milestone_id"), "milestone_id")? {
                Setting::Set(m) if m != 0 => Some(m),
                _ => None,
            },
            created_at: now,
            updated_at: now,
            history: Vec::new(),
            comments: Vec::new(),
            moved_to_id: None,
        };
        world.gitlab.next_issue_id += 1;
        let key = world.gitlab.key(&issue);
        world.gitlab.issues.push(issue);
        served.reindex();
        key
    };
    Ok(issue_reply(shared, 201, &key))
}

fn note(shared: &Shared, key: &str, p: &Map<String, Value>) -> Result<Reply, Reply> {
    let now = *shared.now.lock().expect("lock");
    let body = p
        .get("body")
        .and_then(Value::as_str)
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            Reply::json(
                400,
                &json!({ "message": "400 (Bad request) \"body\" not given" }),
            )
        })?
        .to_owned();
    let mut served = shared.served.write().expect("lock");
    let who = author(&served.world);
    let id = 900_000
        + served
            .world
            .gitlab
            .issues
            .iter()
            .map(|i| i.comments.len() as u64)
            .sum::<u64>();
    let comment = Comment {
        id,
        author: who,
        at: now,
        body,
    };
    served
        .world
        .edit_gitlab(key, now, |i| i.comments.push(comment.clone()));
    served.reindex();
    let today = now.date_naive();
    let ctx = Ctx {
        served: &served,
        base: &shared.gitlab_url,
        free: shared.options.gitlab_free,
        today,
    };
    let issue = served
        .world
        .gitlab
        .issue_by_key(key)
        .ok_or_else(|| not_found("Issue"))?;
    Ok(Reply::json(201, &ctx.note(issue, &comment)))
}

fn link_reply(shared: &Shared, source: u64, target: u64, link_type: &str, status: u16) -> Reply {
    let served = shared.served.read().expect("lock");
    let ctx = Ctx {
        served: &served,
        base: &shared.gitlab_url,
        free: shared.options.gitlab_free,
        today: shared.now.lock().expect("lock").date_naive(),
    };
    match (served.gl_issue(source), served.gl_issue(target)) {
        (Some(a), Some(b)) => Reply::json(
            status,
            &json!({ "source_issue": ctx.issue(a), "target_issue": ctx.issue(b), "link_type": link_type }),
        ),
        _ => not_found("Issue"),
    }
}

/// `POST …/links`: `target_project_id` (id or path) and `target_issue_iid`; `link_type`
/// `relates_to` (default), `blocks` or `is_blocked_by`; an existing link is a 409.
fn link(shared: &Shared, key: &str, p: &Map<String, Value>) -> Result<Reply, Reply> {
    let now = *shared.now.lock().expect("lock");
    let target_project = p
        .get("target_project_id")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    let target_iid = p
        .get("target_issue_iid")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    let (Some(tp), Some(ti)) = (target_project, target_iid) else {
        return Err(grape_error(
            400,
            "target_project_id, target_issue_iid are missing",
        ));
    };
    let link_type = p
        .get("link_type")
        .and_then(Value::as_str)
        .unwrap_or("relates_to")
        .to_owned();
    if !["relates_to", "blocks", "is_blocked_by"].contains(&link_type.as_str()) {
        return Err(grape_error(400, "link_type does not have a valid value"));
    }
    let target_key = key_of(shared, &tp, &ti)?;
    let (source, target) = {
        let mut served = shared.served.write().expect("lock");
        let gl = &served.world.gitlab;
        let a = gl
            .issue_by_key(key)
            .map(|i| i.id)
            .ok_or_else(|| not_found("Issue"))?;
        let b = gl
            .issue_by_key(&target_key)
            .map(|i| i.id)
            .ok_or_else(|| not_found("Issue"))?;
        let (from, to) = if link_type == "is_blocked_by" {
            (b, a)
        } else {
            (a, b)
        };
        let exists = gl.links.iter().any(|l| {
            (l.source_issue_id, l.target_issue_id) == (a, b)
                || (l.source_issue_id, l.target_issue_id) == (b, a)
        });
        if exists {
            return Err(Reply::json(
                409,
                &json!({ "message": "Issue(s) already assigned" }),
            ));
        }
        let id = gl.links.iter().map(|l| l.id).max().unwrap_or(40_000) + 1;
        served.world.gitlab.links.push(GitlabLink {
            id,
            source_issue_id: from,
            target_issue_id: to,
            link_type: if link_type == "relates_to" {
                GitlabLinkType::RelatesTo
            } else {
                GitlabLinkType::Blocks
            },
            created_at: now,
        });
        served.world.edit_gitlab(key, now, |_| {});
        served.world.edit_gitlab(&target_key, now, |_| {});
        served.reindex();
        (a, b)
    };
    Ok(link_reply(shared, source, target, &link_type, 201))
}

fn unlink(shared: &Shared, key: &str, link_id: &str) -> Result<Reply, Reply> {
    let now = *shared.now.lock().expect("lock");
    let link_id: u64 = link_id.parse().map_err(|_| not_found("Issue link"))?;
    let (source, target, kind) = {
        let mut served = shared.served.write().expect("lock");
        let gl = &served.world.gitlab;
        let this = gl
            .issue_by_key(key)
            .map(|i| i.id)
            .ok_or_else(|| not_found("Issue"))?;
        let pos = gl
            .links
            .iter()
            .position(|l| {
                l.id == link_id && (l.source_issue_id == this || l.target_issue_id == this)
            })
            .ok_or_else(|| not_found("Issue link"))?;
        let l = served.world.gitlab.links.remove(pos);
        let other = if l.source_issue_id == this {
            l.target_issue_id
        } else {
            l.source_issue_id
        };
        let other_key = served
            .world
            .gitlab
            .issue(other)
            .map(|i| served.world.gitlab.key(i));
        served.world.edit_gitlab(key, now, |_| {});
        if let Some(k) = other_key {
            served.world.edit_gitlab(&k, now, |_| {});
        }
        served.reindex();
        let kind = match l.link_type {
            GitlabLinkType::RelatesTo => "relates_to",
            GitlabLinkType::Blocks => "blocks",
        };
        (l.source_issue_id, l.target_issue_id, kind)
    };
    Ok(link_reply(shared, source, target, kind, 200))
}
