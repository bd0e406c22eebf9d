//! Jira writes, as write-back sends them: transitions (listed with their target statuses, then
//! made by id), the assignee, issue links, comments (ADF only on v3), and the Agile API's
//! sprint and backlog moves (field edits and new issues are in `edits`). Each changes the world
//! at the simulator's "now" (Jira Cloud platform spec: transitions, assignee, `issueLink`,
//! comment; Agile spec: `POST /rest/agile/1.0/sprint/{sprintId}/issue` moves up to 50 issues,
//! `POST /rest/agile/1.0/backlog/issue`).

use serde_json::{Map, Value, json};
use sprintdeck::demo::teams::model::{
    self, Comment, JiraLink, JiraLinkType, SprintState, SprintStay, Step,
};

use super::super::wire::Reply;
use super::super::{Request, Shared};
use super::edits;
use super::render::Ctx;
use super::{error, no_issue};

pub enum Write {
    Transitions(String),
    Transition(String),
    Edit(String),
    Assign(String),
    Comment(String),
    Create,
    Link,
    Unlink(String),
    ToSprint(String),
    ToBacklog,
}

pub fn route(r: &Request) -> Option<Write> {
    use axum::http::Method;
    let s: Vec<&str> = r.segments.iter().map(String::as_str).collect();
    let k = |n: usize| s[n].to_owned();
    Some(match (&r.method, s.as_slice()) {
        (&Method::GET, ["rest", "api", "3", "issue", _, "transitions"]) => Write::Transitions(k(4)),
        (&Method::POST, ["rest", "api", "3", "issue", _, "transitions"]) => Write::Transition(k(4)),
        (&Method::PUT, ["rest", "api", "3", "issue", _]) => Write::Edit(k(4)),
        (&Method::PUT, ["rest", "api", "3", "issue", _, "assignee"]) => Write::Assign(k(4)),
        (&Method::POST, ["rest", "api", "3", "issue", _, "comment"]) => Write::Comment(k(4)),
        (&Method::POST, ["rest", "api", "3", "issue"]) => Write::Create,
        (&Method::POST, ["rest", "api", "3", "issueLink"]) => Write::Link,
        (&Method::DELETE, ["rest", "api", "3", "issueLink", _]) => Write::Unlink(k(4)),
        (&Method::POST, ["rest", "agile", "1.0", "sprint", _, "issue"]) => Write::ToSprint(k(4)),
        (&Method::POST, ["rest", "agile", "1.0", "backlog", "issue"]) => Write::ToBacklog,
        _ => return None,
    })
}

impl Write {
    pub fn template(&self) -> &'static str {
        match self {
            Self::Transitions(_) | Self::Transition(_) => "/rest/api/3/issue/:key/transitions",
            Self::Edit(_) => "/rest/api/3/issue/:key",
            Self::Assign(_) => "/rest/api/3/issue/:key/assignee",
            Self::Comment(_) => "/rest/api/3/issue/:key/comment",
            Self::Create => "/rest/api/3/issue",
            Self::Link => "/rest/api/3/issueLink",
            Self::Unlink(_) => "/rest/api/3/issueLink/:id",
            Self::ToSprint(_) => "/rest/agile/1.0/sprint/:id/issue",
            Self::ToBacklog => "/rest/agile/1.0/backlog/issue",
        }
    }
}

pub fn body(r: &Request) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(&r.body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(error(400, "The request body must be a JSON object.")),
    }
}

pub fn no_content() -> Reply {
    Reply {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// ADF back to the world's plain paragraphs; v3 takes nothing else for rich text (rule
/// JR-F-10).
pub fn adf_text(v: &Value) -> Result<String, Reply> {
    if v.get("type").and_then(Value::as_str) != Some("doc") {
        return Err(error(
            400,
            "Operation value must be an Atlassian Document (see the Atlassian Document Format).",
        ));
    }
    let paragraphs: Vec<String> = v["content"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            p["content"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| match n["type"].as_str() {
                    Some("hardBreak") => "\n".to_owned(),
                    _ => n["text"].as_str().unwrap_or("").to_owned(),
                })
                .collect::<String>()
        })
        .collect();
    Ok(paragraphs.join("\n\n"))
}

/// The issue's current key, found by id, key or old key.
pub fn find(shared: &Shared, key: &str) -> Result<String, Reply> {
    let served = shared.served.read().expect("lock");
    served
        .jr_find(key)
        .map(|i| i.key.clone())
        .ok_or_else(no_issue)
}

/// A transition per status other than the current one, named for the move, not the status
/// (the captured transitions show names and targets differ).
fn transitions(shared: &Shared, key: &str) -> Result<Vec<(String, String, Step)>, Reply> {
    let served = shared.served.read().expect("lock");
    let i = served.jr_find(key).ok_or_else(no_issue)?;
    let p = &served.world.jira.projects[i.project];
    let now = model::current(&i.history);
    Ok(p.statuses
        .iter()
        .enumerate()
        .filter(|(_, s)| s.step != now)
        .map(|(n, s)| {
            let name = match s.step {
                Step::Todo => "Back to the backlog",
                Step::Doing => "Start work",
                Step::Review => "Ask for review",
                Step::Done => "Finish",
            };
            ((11 + 10 * n).to_string(), name.to_owned(), s.step)
        })
        .collect())
}

pub fn handle(shared: &Shared, r: &Request, w: Write) -> Reply {
    let now = *shared.now.lock().expect("lock");
    let result = match w {
        Write::Transitions(key) => list_transitions(shared, &key, now),
        Write::Transition(key) => make_transition(shared, r, &key, now),
        Write::Edit(key) => body(r).and_then(|b| edits::edit(shared, &key, &b, now)),
        Write::Assign(key) => assign(shared, r, &key, now),
        Write::Comment(key) => comment(shared, r, &key, now),
        Write::Create => body(r).and_then(|b| edits::create(shared, &b, now)),
        Write::Link => body(r).and_then(|b| link(shared, &b, now)),
        Write::Unlink(id) => unlink(shared, &id, now),
        Write::ToSprint(sprint) => body(r).and_then(|b| to_sprint(shared, &b, Some(&sprint), now)),
        Write::ToBacklog => body(r).and_then(|b| to_sprint(shared, &b, None, now)),
    };
    result.unwrap_or_else(|e| e)
}

pub type Out<T> = Result<T, Reply>;
type Now = chrono::DateTime<chrono::Utc>;

fn list_transitions(shared: &Shared, key: &str, now: Now) -> Out<Reply> {
    let list = transitions(shared, key)?;
    let served = shared.served.read().expect("lock");
    let ctx = Ctx {
        served: &served,
        base: &shared.jira_url,
        now,
    };
    let i = served.jr_find(key).ok_or_else(no_issue)?;
    let p = &served.world.jira.projects[i.project];
    let items: Vec<Value> = list
            .iter()
            .map(|(id, name, step)| json!({ "id": id, "name": name, "to": ctx.status(p.status(*step)), "hasScreen": false, "isGlobal": true, "isInitial": false, "isAvailable": true, "isConditional": false }))
            .collect();
    Ok(Reply::ok(
        &json!({ "expand": "transitions", "transitions": items }),
    ))
}

fn make_transition(shared: &Shared, r: &Request, key: &str, now: Now) -> Out<Reply> {
    let b = body(r)?;
    let id = b
        .get("transition")
        .and_then(|t| t.get("id"))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    let Some(id) = id else {
        return Err(error(400, "No transition was specified."));
    };
    let chosen = transitions(shared, key)?
        .into_iter()
        .find(|(t, _, _)| *t == id);
    let Some((_, _, step)) = chosen else {
        return Err(error(
            400,
            &format!("Transition id '{id}' is not valid for this issue."),
        ));
    };
    let key = find(shared, key)?;
    let mut served = shared.served.write().expect("lock");
    served.world.transition_jira(&key, now, step);
    served.reindex();
    Ok(no_content())
}

fn assign(shared: &Shared, r: &Request, key: &str, now: Now) -> Out<Reply> {
    let b = body(r)?;
    let key = find(shared, key)?;
    let mut served = shared.served.write().expect("lock");
    let person = match b.get("accountId") {
        Some(Value::Null) | None => None,
        Some(v) => {
            let account = v.as_str().unwrap_or_default();
            let p = served
                .world
                .people
                .iter()
                .position(|x| x.jira.as_ref().is_some_and(|u| u.account_id == account));
            Some(p.ok_or_else(|| error(400, &format!("User '{account}' does not exist.")))?)
        }
    };
    served.world.edit_jira(&key, now, |i| {
        i.reassigned.push((now, i.assignee, person));
        i.assignee = person;
    });
    served.reindex();
    Ok(no_content())
}

fn comment(shared: &Shared, r: &Request, key: &str, now: Now) -> Out<Reply> {
    let b = body(r)?;
    let text = adf_text(b.get("body").unwrap_or(&Value::Null))?;
    let key = find(shared, key)?;
    let mut served = shared.served.write().expect("lock");
    let author = served
        .world
        .people
        .iter()
        .position(|p| p.jira.is_some())
        .unwrap_or(0);
    let id = 950_000
        + served
            .world
            .jira
            .issues
            .iter()
            .map(|i| i.comments.len() as u64)
            .sum::<u64>();
    let comment = Comment {
        id,
        author,
        at: now,
        body: text,
    };
    served
        .world
        .edit_jira(&key, now, |i| i.comments.push(comment.clone()));
    served.reindex();
    let ctx = Ctx {
        served: &served,
        base: &shared.jira_url,
        now,
    };
    Ok(Reply::json(201, &ctx.comment(&comment)))
}

fn unlink(shared: &Shared, id: &str, now: Now) -> Out<Reply> {
    let id: u64 = id
        .parse()
        .map_err(|_| error(404, "No issue link with id exists."))?;
    let mut served = shared.served.write().expect("lock");
    let pos = served
        .world
        .jira
        .links
        .iter()
        .position(|l| l.id == id)
        .ok_or_else(|| error(404, "No issue link with id exists."))?;
    let l = served.world.jira.links.remove(pos);
    for issue in [l.outward_issue_id, l.inward_issue_id] {
        if let Some(k) = served.jr_issue(issue).map(|i| i.key.clone()) {
            served.world.edit_jira(&k, now, |_| {});
        }
    }
    served.reindex();
    Ok(no_content())
}

/// `outwardIssue` is the "from" issue: it blocks (duplicates, relates to) `inwardIssue`.
fn link(shared: &Shared, b: &Map<String, Value>, now: chrono::DateTime<chrono::Utc>) -> Out<Reply> {
    let name = b
        .get("type")
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let link_type = match name {
        "Blocks" => JiraLinkType::Blocks,
        "Relates" => JiraLinkType::Relates,
        "Duplicate" => JiraLinkType::Duplicates,
        _ => {
            return Err(error(
                404,
                &format!("No issue link type with name '{name}' found."),
            ));
        }
    };
    let mut served = shared.served.write().expect("lock");
    let side = |k: &str| {
        b.get(k)
            .and_then(|x| x.get("key").or_else(|| x.get("id")))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (Some(out), Some(inw)) = (side("outwardIssue"), side("inwardIssue")) else {
        return Err(error(
            400,
            "Both the inward and the outward issue must be given.",
        ));
    };
    let (Some(a), Some(z)) = (
        served.jr_find(&out).map(|i| (i.id, i.key.clone())),
        served.jr_find(&inw).map(|i| (i.id, i.key.clone())),
    ) else {
        return Err(no_issue());
    };
    let exists =
        served.world.jira.links.iter().any(|l| {
            l.outward_issue_id == a.0 && l.inward_issue_id == z.0 && l.link_type == link_type
        });
    if !exists {
        let id = served
            .world
            .jira
            .links
            .iter()
            .map(|l| l.id)
            .max()
            .unwrap_or(30_000)
            + 1;
        served.world.jira.links.push(JiraLink {
            id,
            link_type,
            outward_issue_id: a.0,
            inward_issue_id: z.0,
        });
        served.world.edit_jira(&a.1, now, |_| {});
        served.world.edit_jira(&z.1, now, |_| {});
        served.reindex();
    }
    // "This resource returns nothing on the creation of an issue link."
    Ok(Reply {
        status: 201,
        headers: Vec::new(),
        body: Vec::new(),
    })
}

/// Into a sprint (not a closed one; at most 50 issues), or back to the backlog: the issue
/// leaves the active or future sprint it was in (an issue is in one at most, rule JR-AG-6).
fn to_sprint(
    shared: &Shared,
    b: &Map<String, Value>,
    sprint: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Out<Reply> {
    let issues: Vec<String> = b
        .get("issues")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if issues.is_empty() || issues.len() > 50 {
        return Err(error(400, "Move between 1 and 50 issues at a time."));
    }
    let mut served = shared.served.write().expect("lock");
    let target = match sprint {
        None => None,
        Some(id) => {
            let s = served
                .world
                .jira
                .sprints
                .iter()
                .find(|s| s.id.to_string() == id)
                .ok_or_else(|| {
                    error(
                        404,
                        "Sprint does not exist or you do not have permission to view it.",
                    )
                })?;
            if s.state == SprintState::Closed {
                return Err(error(400, "Issues cannot be moved into a closed sprint."));
            }
            Some(s.id)
        }
    };
    let open: Vec<u64> = served
        .world
        .jira
        .sprints
        .iter()
        .filter(|s| s.state != SprintState::Closed)
        .map(|s| s.id)
        .collect();
    let mut keys = Vec::new();
    for k in &issues {
        keys.push(
            served
                .jr_find(k)
                .map(|i| i.key.clone())
                .ok_or_else(no_issue)?,
        );
    }
    for key in keys {
        served.world.edit_jira(&key, now, |i| {
            if target.is_some_and(|t| {
                i.sprints
                    .iter()
                    .any(|s| s.sprint_id == t && s.left.is_none())
            }) {
                return;
            }
            for s in &mut i.sprints {
                if s.left.is_none() && open.contains(&s.sprint_id) {
                    s.left = Some(now);
                }
            }
            if let Some(t) = target {
                i.sprints.push(SprintStay {
                    sprint_id: t,
                    joined: now,
                    left: None,
                });
            }
        });
    }
    served.reindex();
    Ok(no_content())
}
