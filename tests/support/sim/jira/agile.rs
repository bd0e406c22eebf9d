//! Jira Software Agile 1.0: boards, their configuration and sprints, and the issues of a sprint
//! or board. Offset pages (`startAt`, `maxResults` at most 50; `total` optional and only on the
//! first page, rules JR-AG-1, U-J1, U-J18: clients must stop on `isLast` or an empty page).

use serde_json::{Value, json};
use sprintdeck::demo::teams::model::{Board, JiraIssue, SprintState, Step};

use super::super::Request;
use super::super::wire::Reply;
use super::render::{Ctx, FieldSel, state};
use super::{error, jql};

pub enum Route {
    Boards,
    Board(String),
    Configuration(String),
    BoardSprints(String),
    BoardIssues(String),
    Backlog(String),
    Sprint(String),
    SprintIssues(String),
}

pub fn route(rest: &[&str]) -> Option<Route> {
    let id = |s: &str| s.to_owned();
    Some(match rest {
        ["board"] => Route::Boards,
        ["board", b] => Route::Board(id(b)),
        ["board", b, "configuration"] => Route::Configuration(id(b)),
        ["board", b, "sprint"] => Route::BoardSprints(id(b)),
        ["board", b, "issue"] => Route::BoardIssues(id(b)),
        ["board", b, "backlog"] => Route::Backlog(id(b)),
        ["sprint", s] => Route::Sprint(id(s)),
        ["sprint", s, "issue"] => Route::SprintIssues(id(s)),
        _ => return None,
    })
}

impl Route {
    pub fn template(&self) -> String {
        match self {
            Self::Boards => "/rest/agile/1.0/board",
            Self::Board(_) => "/rest/agile/1.0/board/:id",
            Self::Configuration(_) => "/rest/agile/1.0/board/:id/configuration",
            Self::BoardSprints(_) => "/rest/agile/1.0/board/:id/sprint",
            Self::BoardIssues(_) => "/rest/agile/1.0/board/:id/issue",
            Self::Backlog(_) => "/rest/agile/1.0/board/:id/backlog",
            Self::Sprint(_) => "/rest/agile/1.0/sprint/:id",
            Self::SprintIssues(_) => "/rest/agile/1.0/sprint/:id/issue",
        }
        .to_owned()
    }
}

fn window(r: &Request) -> Result<(usize, usize), Reply> {
    let start = match r.query.get("startAt") {
        None => 0,
        Some(v) => v
            .parse()
            .map_err(|_| error(400, "startAt must be a number."))?,
    };
    let max = match r.query.get("maxResults") {
        None => 50,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| error(400, "maxResults must be a number."))?,
    };
    Ok((start, max.clamp(1, 50)))
}

/// `{maxResults, startAt, total?, isLast, values}`.
fn page(values: &[Value], start: usize, max: usize) -> Reply {
    let total = values.len();
    let end = (start + max).min(total);
    let mut v = json!({
        "maxResults": max,
        "startAt": start,
        "isLast": end >= total,
        "values": values[start.min(end)..end].to_vec(),
    });
    if start == 0 {
        v["total"] = json!(total);
    }
    Reply::ok(&v)
}

pub fn handle(ctx: &Ctx<'_>, r: &Request, route: Route) -> Reply {
    let go = || -> Result<Reply, Reply> {
        let jr = &ctx.served.world.jira;
        let board = |id: &str| -> Result<&Board, Reply> {
            jr.boards
                .iter()
                .find(|b| b.id.to_string() == id)
                .ok_or_else(|| error(404, "The requested board cannot be viewed because it either does not exist or you do not have permission to view it."))
        };
        Ok(match route {
            Route::Boards => {
                let (start, max) = window(r)?;
                page(
                    &jr.boards
                        .iter()
                        .map(|b| board_json(ctx, b))
                        .collect::<Vec<_>>(),
                    start,
                    max,
                )
            }
            Route::Board(id) => Reply::ok(&board_json(ctx, board(&id)?)),
            Route::Configuration(id) => Reply::ok(&configuration(ctx, board(&id)?)),
            Route::BoardSprints(id) => board_sprints(ctx, r, board(&id)?)?,
            Route::Sprint(id) => match jr.sprints.iter().find(|s| s.id.to_string() == id) {
                Some(s) => Reply::ok(&ctx.sprint(s)),
                None => {
                    return Err(error(
                        404,
                        "Sprint does not exist or you do not have permission to view it.",
                    ));
                }
            },
            Route::SprintIssues(id) => {
                let Some(s) = jr.sprints.iter().find(|s| s.id.to_string() == id) else {
                    return Err(error(
                        404,
                        "Sprint does not exist or you do not have permission to view it.",
                    ));
                };
                let issues: Vec<&JiraIssue> = jr
                    .issues
                    .iter()
                    .filter(|i| {
                        i.sprints
                            .iter()
                            .any(|x| x.sprint_id == s.id && x.left.is_none())
                    })
                    .collect();
                issues_page(ctx, r, issues)?
            }
            Route::BoardIssues(id) | Route::Backlog(id) => board_issues(ctx, r, board(&id)?)?,
        })
    };
    go().unwrap_or_else(|e| e)
}

/// The board's sprints, and other boards' sprints holding its issues.
fn board_sprints(ctx: &Ctx<'_>, r: &Request, b: &Board) -> Result<Reply, Reply> {
    let jr = &ctx.served.world.jira;
    let (start, max) = window(r)?;
    let states: Vec<&str> = r
        .query
        .get("state")
        .map(|s| s.split(',').collect())
        .unwrap_or_default();
    if states
        .iter()
        .any(|s| !["future", "active", "closed"].contains(s))
    {
        return Err(error(
            400,
            "The state parameter takes future, active and closed.",
        ));
    }
    let project = jr.projects.iter().position(|p| p.key == b.project_key);
    // The board's sprints, and other boards' sprints holding its issues (their
    // `originBoardId` names the other board; rule JR-AG-3, U-J14); closed first,
    // then active, then future (rule JR-AG-2).
    let mut sprints: Vec<_> = jr
        .sprints
        .iter()
        .filter(|s| {
            s.board_id == b.id
                || jr.issues.iter().any(|i| {
                    Some(i.project) == project
                        && i.sprints
                            .iter()
                            .any(|x| x.sprint_id == s.id && x.left.is_none())
                })
        })
        .filter(|s| states.is_empty() || states.contains(&state(s.state)))
        .collect();
    let rank = |s: SprintState| match s {
        SprintState::Closed => 0,
        SprintState::Active => 1,
        SprintState::Future => 2,
    };
    sprints.sort_by_key(|s| (rank(s.state), s.id));
    let values: Vec<Value> = sprints.iter().map(|s| ctx.sprint(s)).collect();
    Ok(page(&values, start, max))
}

/// A board's issues, or its backlog.
fn board_issues(ctx: &Ctx<'_>, r: &Request, b: &Board) -> Result<Reply, Reply> {
    let jr = &ctx.served.world.jira;
    let backlog = r.segments.last().is_some_and(|s| s == "backlog");
    let issues: Vec<&JiraIssue> = jr
        .issues
        .iter()
        .filter(|i| jr.projects[i.project].key == b.project_key)
        .filter(|i| {
            // The backlog: unfinished issues in no active or future sprint (rule JR-AG-5).
            !backlog
                || (sprintdeck::demo::teams::model::current(&i.history) != Step::Done
                    && !i.sprints.iter().any(|x| {
                        x.left.is_none()
                            && jr
                                .sprint(x.sprint_id)
                                .is_some_and(|s| s.state != SprintState::Closed)
                    }))
        })
        .collect();
    issues_page(ctx, r, issues)
}

/// Agile issue lists are `SearchResults` (no `isLast`), optionally narrowed by `jql`.
fn issues_page(ctx: &Ctx<'_>, r: &Request, mut issues: Vec<&JiraIssue>) -> Result<Reply, Reply> {
    let (start, max) = window(r)?;
    if let Some(text) = r.query.get("jql") {
        let parsed = jql::parse(text).map_err(|e| error(400, &e))?;
        if let Some(expr) = parsed.expr {
            let eval = jql::Eval {
                served: ctx.served,
                now: ctx.now,
                me: None,
            };
            eval.check(&expr).map_err(|e| error(400, &e))?;
            issues.retain(|i| eval.matches(&expr, i));
        }
    }
    issues.sort_by_key(|i| i.id);
    let fields: Vec<String> = r
        .query
        .all("fields")
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let sel = FieldSel::parse(&fields, "*navigable");
    let end = (start + max).min(issues.len());
    let list: Vec<Value> = issues[start.min(end)..end]
        .iter()
        .map(|i| ctx.issue(i, &sel))
        .collect();
    Ok(Reply::ok(&json!({
        "expand": "names,schema",
        "startAt": start,
        "maxResults": max,
        "total": issues.len(),
        "issues": list,
    })))
}

fn board_json(ctx: &Ctx<'_>, b: &Board) -> Value {
    let p = ctx
        .served
        .world
        .jira
        .projects
        .iter()
        .find(|p| p.key == b.project_key);
    json!({
        "id": b.id,
        "self": format!("{}/rest/agile/1.0/board/{}", ctx.base, b.id),
        "name": b.name,
        "type": "scrum",
        "location": p.map(|p| json!({
            "projectId": p.id.parse::<u64>().unwrap_or(0),
            "displayName": format!("{} ({})", p.name, p.key),
            "projectName": p.name,
            "projectKey": p.key,
            "projectTypeKey": "software",
            "name": format!("{} ({})", p.name, p.key),
        })),
    })
}

/// Rule JR-AG-4 (captured `rest-agile-1.0-board-id-configuration.GET.200.json`): one column
/// per status, and the estimation field the board uses (rule U-J15).
fn configuration(ctx: &Ctx<'_>, b: &Board) -> Value {
    let p = ctx
        .served
        .world
        .jira
        .projects
        .iter()
        .find(|p| p.key == b.project_key);
    let columns: Vec<Value> = p
        .map(|p| {
            p.statuses
                .iter()
                .map(|s| {
                    json!({
                        "name": s.name,
                        "statuses": [{ "id": s.id, "self": format!("{}/rest/api/3/status/{}", ctx.base, s.id) }],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let (field, name) = match p.map(|p| p.points_field) {
        Some(f) if f == sprintdeck::demo::teams::lookup::STORY_POINTS_FIELD => (f, "Story Points"),
        Some(f) => (f, "Story point estimate"),
        None => ("", ""),
    };
    json!({
        "id": b.id,
        "name": b.name,
        "type": "scrum",
        "self": format!("{}/rest/agile/1.0/board/{}/configuration", ctx.base, b.id),
        "location": p.map(|p| json!({
            "type": "project",
            "key": p.key,
            "id": p.id,
            "self": format!("{}/rest/api/3/project/{}", ctx.base, p.id),
            "name": p.name,
        })),
        "filter": { "id": b.filter_id.to_string(), "self": format!("{}/rest/api/3/filter/{}", ctx.base, b.filter_id) },
        "columnConfig": { "columns": columns, "constraintType": "issueCount" },
        "estimation": { "type": "field", "field": { "fieldId": field, "displayName": name } },
        "ranking": { "rankCustomFieldId": 10019 },
    })
}
