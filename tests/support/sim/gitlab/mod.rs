//! GitLab REST v4: the routes sprintdeck's sync and `doctor` use, and the neighbours a correct
//! sync needs (group issues, epics, iterations, milestones, links, notes, timebox events). Only
//! `GET` is served; anything else is GitLab's unknown route.

mod lists;
mod paging;
mod render;
mod writes;

use serde_json::{Value, json};

use super::faults::gitlab_unauthorized;
use super::wire::Reply;
use super::{Request, Shared};
use render::Ctx;

/// Where a request goes.
enum Route {
    User,
    TokenSelf,
    Project(String),
    Group(String),
    GroupProjects(String),
    ProjectIssues(String),
    GroupIssues(String),
    Issue(String, String),
    IssueSub(String, String, &'static str),
    Epics(String),
    Epic(String, String),
    EpicIssues(String, String),
    Iterations(bool, String),
    Milestones(bool, String),
    V3,
    Unknown,
}

const ISSUE_SUBS: [&str; 6] = [
    "resource_state_events",
    "resource_label_events",
    "resource_milestone_events",
    "resource_iteration_events",
    "links",
    "notes",
];

fn route(r: &Request) -> Route {
    if r.method != axum::http::Method::GET {
        return Route::Unknown;
    }
    let s: Vec<&str> = r.segments.iter().map(String::as_str).collect();
    let id = |n: usize| s[n].to_owned();
    match s.as_slice() {
        ["api", "v3", ..] => Route::V3,
        ["api", "v4", "user"] => Route::User,
        ["api", "v4", "personal_access_tokens", "self"] => Route::TokenSelf,
        ["api", "v4", "projects", _] => Route::Project(id(3)),
        ["api", "v4", "projects", _, "issues"] => Route::ProjectIssues(id(3)),
        ["api", "v4", "projects", _, "issues", _] => Route::Issue(id(3), id(5)),
        ["api", "v4", "projects", _, "issues", _, sub] => {
            match ISSUE_SUBS.iter().find(|x| **x == *sub) {
                Some(sub) => Route::IssueSub(id(3), id(5), sub),
                None => Route::Unknown,
            }
        }
        ["api", "v4", "projects", _, "iterations"] => Route::Iterations(false, id(3)),
        ["api", "v4", "projects", _, "milestones"] => Route::Milestones(false, id(3)),
        ["api", "v4", "groups", _] => Route::Group(id(3)),
        ["api", "v4", "groups", _, "projects"] => Route::GroupProjects(id(3)),
        ["api", "v4", "groups", _, "issues"] => Route::GroupIssues(id(3)),
        ["api", "v4", "groups", _, "epics"] => Route::Epics(id(3)),
        ["api", "v4", "groups", _, "epics", _] => Route::Epic(id(3), id(5)),
        ["api", "v4", "groups", _, "epics", _, "issues"] => Route::EpicIssues(id(3), id(5)),
        ["api", "v4", "groups", _, "iterations"] => Route::Iterations(true, id(3)),
        ["api", "v4", "groups", _, "milestones"] => Route::Milestones(true, id(3)),
        _ => Route::Unknown,
    }
}

/// The route's template, for the request log.
pub fn endpoint(r: &Request) -> String {
    if let Some(w) = writes::route(r) {
        return w.template().to_owned();
    }
    match route(r) {
        Route::User => "/api/v4/user".into(),
        Route::TokenSelf => "/api/v4/personal_access_tokens/self".into(),
        Route::Project(_) => "/api/v4/projects/:id".into(),
        Route::Group(_) => "/api/v4/groups/:id".into(),
        Route::GroupProjects(_) => "/api/v4/groups/:id/projects".into(),
        Route::ProjectIssues(_) => "/api/v4/projects/:id/issues".into(),
        Route::GroupIssues(_) => "/api/v4/groups/:id/issues".into(),
        Route::Issue(..) => "/api/v4/projects/:id/issues/:iid".into(),
        Route::IssueSub(_, _, sub) => format!("/api/v4/projects/:id/issues/:iid/{sub}"),
        Route::Epics(_) => "/api/v4/groups/:id/epics".into(),
        Route::Epic(..) => "/api/v4/groups/:id/epics/:iid".into(),
        Route::EpicIssues(..) => "/api/v4/groups/:id/epics/:iid/issues".into(),
        Route::Iterations(true, _) => "/api/v4/groups/:id/iterations".into(),
        Route::Iterations(false, _) => "/api/v4/projects/:id/iterations".into(),
        Route::Milestones(true, _) => "/api/v4/groups/:id/milestones".into(),
        Route::Milestones(false, _) => "/api/v4/projects/:id/milestones".into(),
        Route::V3 => "/api/v3/*".into(),
        Route::Unknown => "(unknown)".into(),
    }
}

/// Rule GL-AUTHD: `PRIVATE-TOKEN` or `Authorization: Bearer`; anything else is 401.
fn authorised(shared: &Shared, r: &Request) -> bool {
    let token = &shared.options.gitlab_token;
    r.header("private-token") == Some(token.as_str())
        || r.header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            == Some(token.as_str())
}

pub fn handle(shared: &Shared, r: &Request) -> Reply {
    let route = route(r);
    if let Route::V3 = route {
        // lib/api/api.rb (rule GL-ERR-6).
        return Reply::json(
            410,
            &json!({ "error": "API V3 is no longer supported. Use API V4 instead." }),
        );
    }
    if !authorised(shared, r) {
        return gitlab_unauthorized();
    }
    if let Some(w) = writes::route(r) {
        return writes::handle(shared, r, w);
    }
    let served = shared.served.read().expect("lock");
    let today = shared.now.lock().expect("lock").date_naive();
    let ctx = Ctx {
        served: &served,
        base: &shared.gitlab_url,
        free: shared.options.gitlab_free,
        today,
    };
    let url = format!(
        "{}/{}",
        shared.gitlab_url,
        r.segments
            .iter()
            .map(|s| encode(s))
            .collect::<Vec<_>>()
            .join("/")
    );
    let lists = lists::Lists {
        ctx: &ctx,
        shared,
        r,
        url: &url,
    };
    match route {
        Route::User => Reply::ok(&json!({
            "id": 1,
            "username": "sync-bot",
            "name": "Sync Bot",
            "state": "active",
            "avatar_url": null,
            "web_url": format!("{}/sync-bot", shared.gitlab_url),
            "bot": true,
        })),
        Route::TokenSelf => Reply::ok(&json!({
            "id": 4242,
            "name": "sprintdeck",
            "revoked": false,
            "created_at": "2026-01-05T09:00:00.000Z",
            "scopes": ["read_api"],
            "user_id": 1,
            "active": true,
            "expires_at": null,
        })),
        Route::Project(id) => match served.world.gitlab.project_by_ref(&id) {
            Some(p) => Reply::ok(&ctx.project(p)),
            None => not_found("Project"),
        },
        Route::Group(id) => match served.world.gitlab.group_by_ref(&id) {
            Some(g) => Reply::ok(&ctx.group(g)),
            None => not_found("Group"),
        },
        Route::GroupProjects(id) => lists.group_projects(&id),
        Route::ProjectIssues(id) => lists.project_issues(&id),
        Route::GroupIssues(id) => lists.group_issues(&id),
        Route::Issue(project, iid) => match find_issue(&ctx, &project, &iid) {
            Ok(i) => {
                let mut v = ctx.issue(i);
                v["subscribed"] = json!(false);
                Reply::ok(&v)
            }
            Err(e) => e,
        },
        Route::IssueSub(project, iid, sub) => match find_issue(&ctx, &project, &iid) {
            Ok(i) => lists.issue_sub(i, sub),
            Err(e) => e,
        },
        Route::Epics(group) => lists.epics(&group),
        Route::Epic(group, iid) => match lists.find_epic(&group, &iid) {
            Ok(e) => Reply::ok(&ctx.epic(e)),
            Err(e) => e,
        },
        Route::EpicIssues(group, iid) => match lists.find_epic(&group, &iid) {
            Ok(e) => lists.epic_issues(e),
            Err(e) => e,
        },
        Route::Iterations(group, id) => lists.iterations(group, &id),
        Route::Milestones(group, id) => lists.milestones(group, &id),
        Route::V3 | Route::Unknown => unknown_route(),
    }
}

/// Path segments go back encoded, so `acme%2Fbackend` stays one segment in links.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `404 Project Not Found` and the like (lib/api/helpers.rb `not_found!`; rule GL-ERR-4).
pub fn not_found(what: &str) -> Reply {
    Reply::json(404, &json!({ "message": format!("404 {what} Not Found") }))
}

/// lib/api/api.rb: `route :any, '*path'` (rule GL-ERR-6).
fn unknown_route() -> Reply {
    Reply::json(404, &json!({ "error": "404 Not Found" }))
}

/// An issue by project and iid; a deleted one, or an unknown iid, is `ActiveRecord`'s 404 (rule
/// GL-ISS-13, U-G11). A moved-away original still answers, closed (rule U-G10).
fn find_issue<'a>(
    ctx: &'a Ctx<'_>,
    project: &str,
    iid: &str,
) -> Result<&'a sprintdeck::demo::teams::model::GitlabIssue, Reply> {
    let Some(p) = ctx.served.world.gitlab.project_by_ref(project) else {
        return Err(not_found("Project"));
    };
    let iid: u64 = iid.parse().map_err(|_| not_found("Issue"))?;
    ctx.served
        .gl_issue_by_iid(p.id, iid)
        .ok_or_else(|| Reply::json(404, &json!({ "message": "404 Not found" })))
}

pub fn value_list(items: Vec<Value>, headers: Vec<(String, String)>) -> Reply {
    Reply::ok(&Value::Array(items)).with_headers(headers)
}
